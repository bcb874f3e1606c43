"""Connections to a PostgreSQL server, and what its failures mean to a user.

psycopg 3 through SQLAlchemy (``postgresql+psycopg``). libpq finds the credentials where its
users keep them (pgpass file, ``PGPASSFILE``, service files, environment). Every message
shows the address without its password.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from ..address import ServerAddress, redact
from ..errors import CaseFileError


class ServerError(CaseFileError):
    """The server could not do what was asked; the text says why in one line, without secrets."""


class ServerUnreachableError(ServerError):
    """No server answered at the address; ``reason`` is libpq's, e.g. "Connection refused"."""

    reason = ""


class PasswordRefusedError(ServerError):
    """The server refused the credentials."""


class SecureConnectionError(ServerError):
    """TLS could not be set up as the address's ``sslmode`` asks (no TLS, an unverifiable certificate)."""


class CaseMissingError(ServerError):
    """The database or the case does not exist."""


class PrivilegeError(ServerError):
    """The role lacks a privilege the operation needs."""


# libpq's own defaults trust the network: a connection attempt to a host that has gone silent
# waits as long as the operating system does (minutes), and a dead peer on an idle connection is
# noticed only after two hours of TCP keepalive. So unless the address says otherwise, give up on
# connecting after 10 s, and probe an idle connection after 30 s, every 10 s, 3 times: a dropped
# network is then noticed (and the banner shown) in about a minute.
CLIENT_DEFAULTS = {
    "connect_timeout": "10",
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
}
# The same for the server's side of each session (settings any role may make): a client whose
# machine vanishes in the middle of a write keeps the record locked until the server notices it
# is gone, and everyone else's save of that record waits until then. A Casefile transaction never
# waits for the user, so one idle for five minutes belongs to a client that has stopped.
SESSION_SETTINGS = {
    "tcp_keepalives_idle": "30",
    "tcp_keepalives_interval": "10",
    "tcp_keepalives_count": "3",
    "idle_in_transaction_session_timeout": "300s",
}


def connect(conninfo: str, *, application_name: str, autocommit: bool = False) -> psycopg.Connection[Any]:
    """A psycopg connection with CLIENT_DEFAULTS and SESSION_SETTINGS, except where the address
    sets them itself."""
    given = conninfo_to_dict(conninfo)
    defaults = {name: value for name, value in CLIENT_DEFAULTS.items() if name not in given}
    conn = psycopg.connect(make_conninfo(conninfo, **defaults), autocommit=True, application_name=application_name)
    try:
        for name, value in SESSION_SETTINGS.items():
            conn.execute("SELECT pg_catalog.set_config(%s, %s, false)", (name, value))
    except BaseException:
        conn.close()
        raise
    conn.autocommit = autocommit
    return conn


def make_engine(address: ServerAddress, *, schema: str | None = None) -> Engine:
    """An engine for the address's database; with ``schema``, every connection searches only it.

    Only the case's schema is on the search path (not ``public``): nothing another role put in a
    shared schema can stand in for a table or function the case's SQL names.
    """
    url = "postgresql+psycopg://"
    # The libpq URL goes to libpq as it is (with its parameters), so it finds passwords and
    # services as any libpq client does.
    options: dict[str, Any] = {"pool_pre_ping": True}
    if schema is None:  # catalog work: one connection, closed when done
        options["poolclass"] = NullPool
    conninfo = address.url

    def creator() -> psycopg.Connection[Any]:
        return connect(conninfo, application_name="Casefile")

    engine = create_engine(url, creator=creator, **options)
    if schema is not None:

        @event.listens_for(engine, "connect")
        def _search_only_the_case(dbapi_connection: Any, _record: Any) -> None:
            autocommit = dbapi_connection.autocommit
            dbapi_connection.autocommit = True
            with dbapi_connection.cursor() as cursor:
                quoted = '"' + schema.replace('"', '""') + '"'
                cursor.execute("SELECT pg_catalog.set_config('search_path', %s, false)", (quoted,))
            dbapi_connection.autocommit = autocommit

    return engine


_UNREACHABLE = re.compile(
    r"connection refused|could not translate host name|no route to host|timeout expired|"
    r"could not connect|network is unreachable|server closed the connection|connection timed out|"
    r"the database system is (starting up|shutting down)",
    re.IGNORECASE,
)
_PASSWORD = re.compile(
    r"password authentication failed|no password supplied|fe_sendauth|authentication failed|"
    r"no pg_hba\.conf entry|role \".*\" does not exist",
    re.IGNORECASE,
)
# After _PASSWORD: pg_hba refusals also name the encryption ("no pg_hba.conf entry ..., SSL encryption").
_TLS = re.compile(r"certificate|does not support SSL|SSL error", re.IGNORECASE)
_NO_DATABASE = re.compile(r'database ".*" does not exist', re.IGNORECASE)


def server_error(exc: BaseException, address: ServerAddress, doing: str) -> ServerError:
    """A one-line ServerError for a psycopg error raised while ``doing`` (e.g. "publish the case")."""
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = redact(" ".join(str(original).split()))
    where = address.shown
    if isinstance(original, pg_errors.InsufficientPrivilege):
        detail = _detail(original) or "permission denied"
        return PrivilegeError(
            f"Could not {doing}: the server refused it ({detail}). Ask the database owner for access."
        )
    if isinstance(original, psycopg.OperationalError):
        if _NO_DATABASE.search(text):
            return CaseMissingError(f"There is no database {address.database} on the server ({where}).")
        if _PASSWORD.search(text):
            return PasswordRefusedError(f"The server at {where} refused the user name or password.")
        if _TLS.search(text):
            return SecureConnectionError(
                f"Could not make a secure connection to the server at {where} ({_tls_reason(original)})."
            )
        if _UNREACHABLE.search(text) or original.sqlstate is None:
            unreachable = ServerUnreachableError(f"The server at {where} could not be reached ({_reason(text)}).")
            unreachable.reason = _reason(text)
            return unreachable
    return ServerError(f"Could not {doing} at {where}: {_detail(original) or text}.")


def _detail(exc: BaseException) -> str:
    """The server's own message, without the libpq preamble."""
    diag = getattr(exc, "diag", None)
    message = getattr(diag, "message_primary", None) if diag is not None else None
    return redact(" ".join(str(message).split())).rstrip(".") if message else ""


def _reason(text: str) -> str:
    """The last, most specific part of a libpq connection failure, e.g. "Connection refused"."""
    parts = [p.strip() for p in re.split(r"failed:|\n", text) if p.strip()]
    reason = parts[-1] if parts else text
    reason = re.sub(r"\s*Is the server running.*$", "", reason)
    return reason.rstrip(".")


def _tls_reason(exc: BaseException) -> str:
    """libpq's first line about the failure: its later lines are advice on sslmode, not the cause."""
    attempt = str(exc).rsplit("failed:", 1)[-1].strip()
    return redact(" ".join(attempt.splitlines()[0].split()) if attempt else str(exc)).rstrip(".")


@contextmanager
def reporting(address: ServerAddress, doing: str) -> Iterator[None]:
    """Turn a driver error inside the block into a one-line ServerError."""
    try:
        yield
    except ServerError:
        raise
    except (psycopg.Error, DBAPIError) as exc:
        if isinstance(exc, DBAPIError) and not isinstance(exc.orig, psycopg.Error):
            raise
        raise server_error(exc, address, doing) from None
