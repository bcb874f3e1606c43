"""The PostgreSQL test server: a fresh set of case names per test, dropped afterwards.

``scripts/test_postgres.sh start`` starts a throw-away server and prints CASEFILE_TEST_SERVER
(the database's address, as the non-superuser role casefile_app), PGPASSFILE and
CASEFILE_TEST_SERVER_CA (the certificate authority of the server's TLS certificate). Without
them the server tests skip, except on CI, where they fail: CI must run them.
"""

from __future__ import annotations

import os
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
