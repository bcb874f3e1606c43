"""TLS to a team server: every sslmode libpq offers, through psycopg and through Casefile.

The test server (scripts/test_postgres.sh) has ``ssl = on`` with a certificate for localhost
and 127.0.0.1 signed by a certificate authority made at its start (CASEFILE_TEST_SERVER_CA).
"""

from __future__ import annotations

import pytest
from server_fixtures import server, with_tls  # noqa: F401  (fixture)

from desktop.cli import main

pytestmark = pytest.mark.server

# libpq connects to hostaddr but checks the certificate against host: a server reached under a
# name its certificate does not carry.
WRONG_HOST = {"host": "casefile-wrong-name.invalid", "hostaddr": "127.0.0.1"}


def _tls_in_use(url: str) -> tuple[bool, str]:
    """What the server reports about this connection's TLS (pg_stat_ssl), and libpq's own view."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
        assert row is not None
        assert conn.pgconn.ssl_in_use == row[0]
        return bool(row[0]), str(row[1])


@pytest.mark.parametrize("sslmode", ["require", "verify-ca", "verify-full"])
def test_each_sslmode_connects_over_tls(server, sslmode):  # noqa: F811
    in_use, version = _tls_in_use(with_tls(server.url, sslmode))
    assert in_use and version.startswith("TLSv1."), version


def test_sslmode_disable_connects_without_tls(server):  # noqa: F811
    # The same server and password over plain TCP: the check above is not vacuous.
    assert _tls_in_use(with_tls(server.url, "disable")) == (False, "None")


def test_a_case_published_and_read_back_over_verify_full(server, sample_path, tmp_path, capsys):  # noqa: F811
    address = with_tls(server.address("tls"), "verify-full")
    assert main(["publish", str(sample_path), address]) == 0, capsys.readouterr().err
    assert "(69 records)" in capsys.readouterr().out
    assert main(["export-json", str(sample_path), "-o", str(tmp_path / "file.json")]) == 0
    assert main(["export-json", address, "-o", str(tmp_path / "server.json")]) == 0
    assert (tmp_path / "server.json").read_bytes() == (tmp_path / "file.json").read_bytes()
    assert main(["cases", with_tls(server.url, "verify-full")]) == 0
    assert f"{server.token}-tls" in capsys.readouterr().out


def _one_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    return lines[0]


def test_verify_full_under_a_wrong_host_name_fails_in_one_plain_line(server, capsys):  # noqa: F811
    assert main(["cases", with_tls(server.url, "verify-full", **WRONG_HOST)]) == 1
    line = _one_line(capsys)
    assert line.startswith("casefile: Could not make a secure connection to the server at postgresql://"), line
    assert line.endswith('does not match host name "casefile-wrong-name.invalid").'), line
    # verify-ca trusts the same authority without comparing names: it gets past TLS to the
    # password, which the password file keeps for 127.0.0.1 only.
    assert main(["cases", with_tls(server.url, "verify-ca", **WRONG_HOST)]) == 1
    assert "refused the user name or password" in _one_line(capsys)


def test_a_missing_root_certificate_is_named_in_one_line(server, tmp_path, capsys):  # noqa: F811
    missing = tmp_path / "office-ca.crt"
    assert main(["export-json", with_tls(server.address("x"), "verify-ca", sslrootcert=str(missing))]) == 1
    line = _one_line(capsys)
    assert "Could not make a secure connection" in line
    assert line.endswith(f'(root certificate file "{missing}" does not exist).'), line
