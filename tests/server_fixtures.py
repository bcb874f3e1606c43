"""The PostgreSQL test server: a fresh set of case names per test, dropped afterwards.

``scripts/test_postgres.sh start`` starts a throw-away server and prints CASEFILE_TEST_SERVER
(the database's address, as the non-superuser role casefile_app), PGPASSFILE and
CASEFILE_TEST_SERVER_CA (the certificate authority of the server's TLS certificate). Without
them the server tests skip, except on CI, where they fail: CI must run them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import pytest

SERVER_ENV = "CASEFILE_TEST_SERVER"


CA_ENV = "CASEFILE_TEST_SERVER_CA"


def _setting(name: str) -> str:
    """An environment variable scripts/test_postgres.sh sets; skips the test without it (fails it on CI)."""
    value = os.environ.get(name, "")
    if not value:
        reason = f'no PostgreSQL test server: run eval "$(scripts/test_postgres.sh start)" to set {name}'
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{reason} (CI must run the server tests)")
        pytest.skip(reason)
    return value


def server_url() -> str:
    """The test database's address; skips the test without one (fails it on CI)."""
    return _setting(SERVER_ENV)


def server_ca() -> Path:
    """The certificate authority that signed the test server's TLS certificate."""
    return Path(_setting(CA_ENV))


def with_tls(address: str, sslmode: str, **params: str) -> str:
    """``address`` with ``sslmode`` and, for the verifying modes, the test authority as ``sslrootcert``.

    Skips without CASEFILE_TEST_SERVER_CA whatever the mode: a server started without it has no TLS.
    """
    ca = server_ca()
    query = {"sslmode": sslmode}
    if sslmode.startswith("verify-"):
        query["sslrootcert"] = str(ca)
    query.update(params)
    return address + ("&" if "?" in address else "?") + urlencode(query, quote_via=quote, safe="/")


@dataclass
class TestServer:
    """The test database, and case names private to one test."""

    url: str
    token: str

    def address(self, name: str = "case") -> str:
        """The address of this test's case ``name``."""
        return f"{self.url}?case={self.token}-{name}"

    def as_user(self, user: str, *, password: str | None = None, port: int | None = None) -> str:
        """The database's address with another user name, password or port."""
        parts = urlsplit(self.url)
        host = parts.hostname or "127.0.0.1"
        login = f"{user}:{password}" if password is not None else user
        return urlunsplit(parts._replace(netloc=f"{login}@{host}:{port or parts.port}"))

    def connect(self):  # type: ignore[no-untyped-def]
        """A plain psycopg connection as the app's role (autocommit)."""
        import psycopg

        return psycopg.connect(self.url, autocommit=True)

    def drop_cases(self) -> None:
        from psycopg import sql

        with self.connect() as conn:
            schemas = conn.execute(
                "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (f"casefile_{self.token}",)
            ).fetchall()
            for (schema,) in schemas:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def server() -> Iterator[TestServer]:
    """The test server, with case names no other test uses; their schemas are dropped after."""
    pytest.importorskip("psycopg")
    test_server = TestServer(server_url(), "t" + uuid.uuid4().hex[:8])
    yield test_server
    test_server.drop_cases()


# ----- a server of the test's own, to stop and restart ----------------------------------------

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "test_postgres.sh"


def _postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's programs (Debian keeps them out of PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class OwnServer(TestServer):
    """A server started for one test alone, which it may stop and restart (the shared one it may not)."""

    folder: Path = Path()
    port: int = 0

    def _env(self) -> dict[str, str]:
        return {**os.environ, "CASEFILE_PG_DIR": str(self.folder), "CASEFILE_PG_PORT": str(self.port)}

    def stop(self) -> None:
        """Shut the server down as an administrator would (fast: sessions are ended), keeping its data."""
        pg_ctl = [str(_postgres_bin() / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop"]
        if os.geteuid() == 0:
            pg_ctl = ["runuser", "-u", "postgres", "--", *pg_ctl]
        subprocess.run(pg_ctl, check=True, capture_output=True, timeout=60)

    def restart(self) -> None:
        """Start the server again (or restart it if it is running): same data, port and passwords."""
        subprocess.run(["bash", str(SCRIPT), "restart"], env=self._env(), check=True, capture_output=True, timeout=60)

    def superuser(self):  # type: ignore[no-untyped-def]
        """A superuser's connection (autocommit) over the server's Unix socket, to do what a
        network or an administrator would do to the app's sessions."""
        import psycopg

        return psycopg.connect(
            host=str(self.folder), port=self.port, user="postgres", dbname=self.url.rsplit("/", 1)[1], autocommit=True
        )


@pytest.fixture
def own_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OwnServer]:
    """A fresh server of this test's own on a free port (TLS on, as the shared one), stopped and
    deleted afterwards; the test's PGPASSFILE is its password file. Skips without PostgreSQL
    installed (fails on CI)."""
    pytest.importorskip("psycopg")
    if _postgres_bin() is None:
        reason = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{reason}; CI must run the server tests")
        pytest.skip(reason)
    # Not under pytest's tmp_path: that folder is private to this user, and the server runs as
    # postgres when the tests run as root. A short path also keeps the Unix socket's name legal.
    folder = Path(tempfile.mkdtemp(prefix="casefile-pg-"))
    own = OwnServer(url="", token="t" + uuid.uuid4().hex[:8], folder=folder, port=_free_port())
    try:
        started = subprocess.run(
            ["bash", str(SCRIPT), "start"], env=own._env(), check=True, capture_output=True, text=True, timeout=120
        )
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines() if "=" in line
        )
        own.url = exports[SERVER_ENV]
        monkeypatch.setenv("PGPASSFILE", exports["PGPASSFILE"])
        monkeypatch.setenv(SERVER_ENV, own.url)
        monkeypatch.setenv(CA_ENV, exports[CA_ENV])
        yield own
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=own._env(), capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)
