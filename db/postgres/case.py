"""A case on a PostgreSQL server, open: what the record code needs of a case file.

``ServerCase`` offers what ``db.store.CaseStore`` names (``read``/``write`` connections,
``read_only``, ``display_name``, ``close``), so ``db.records``, ``db.interchange`` and
``db.csv_export`` work on it as on a ``CaseFile``. Each connection searches only the case's
schema, so their unqualified table names are the case's tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError

from ..address import ServerAddress, parse_server_address, redact
from ..errors import CaseFileError, WriteError
from .connect import (
    CaseMissingError,
    PrivilegeError,
    ServerUnreachableError,
    make_engine,
    reporting,
    server_error,
)
from .listen import CLIENT_SETTING, new_client_token
from .migrations import SCHEMA_VERSION, VERSION_TABLE, current_version, migrate


class ServerCase:
    """An open server case. Use ``ServerCase.open``; close when done."""

    def __init__(self, address: ServerAddress, engine: Engine, *, read_only: bool, version: int) -> None:
        self.address = address
        self.engine = engine
        self.read_only = read_only
        self.read_only_reason: str | None = None
        self.version = version
        self.path = None  # no file on disk: packets are written where the user says
        self.client = ""  # the token this case's writes carry (``casefile.client``), so it can skip its own changes
        self._closed = False

    @classmethod
    def open(cls, address: str | ServerAddress, *, read_only: bool = False) -> ServerCase:
        """Connect to a case; CaseMissingError if the database holds no such case, ServerError
        (one line, no password) if the server cannot be reached or refuses."""
        where = parse_server_address(address) if isinstance(address, str) else address
        engine = make_engine(where, schema=where.schema)
        client = new_client_token()
        _mark_writes(engine, client)
        try:
            with reporting(where, "open the case"), engine.connect() as conn:
                found = conn.execute(
                    sa.text("SELECT to_regclass(:table) IS NOT NULL"),
                    {"table": f'"{where.schema}".{VERSION_TABLE}'},
                ).scalar()
                if not found:
                    raise CaseMissingError(f'There is no case "{where.case}" in {redact(where.url)}.')
                version = current_version(conn)
                can_write = conn.execute(
                    sa.text("SELECT has_table_privilege(to_regclass(:table), 'UPDATE')"),
                    {"table": f'"{where.schema}".case_info'},
                ).scalar()
        except BaseException:
            engine.dispose()
            raise
        if version > SCHEMA_VERSION:
            engine.dispose()
            raise CaseFileError(
                f'The case "{where.case}" was made by a newer version of Casefile (schema {version}); '
                "update Casefile to open it."
            )
        reason = "you opened it read-only" if read_only else None
        if not read_only and not can_write:
            read_only, reason = True, "your server role may read this case but not change it"
        if version < SCHEMA_VERSION and not read_only:
            version = _bring_up_to_date(engine, where, version)
        case = cls(where, engine, read_only=read_only, version=version)
        case.client = client
        case.read_only_reason = reason
        return case

    @property
    def display_name(self) -> str:
        """The case name."""
        return self.address.case or "Untitled"

    @property
    def server(self) -> str:
        """Where the case is kept, for titles: ``host[:port]/database`` (no user, no password)."""
        parts = urlsplit(self.address.url)
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port and parts.port != 5432 else ""
        return f"{host}{port}/{self.address.database}"

    @property
    def closed(self) -> bool:
        """True once ``close`` has run."""
        return self._closed

    def close(self) -> None:
        """Close every connection."""
        if not self._closed:
            self._closed = True
            self.engine.dispose()

    def __enter__(self) -> ServerCase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def note_removed_text(self, fts_table: str) -> None:
        """Nothing to purge: the server keeps no full-text index of its own yet."""

    def _check_open(self) -> None:
        if self._closed:
            raise CaseFileError("The case is closed.")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read-only transaction that sees one consistent state of the case."""
        self._check_open()
        with self._lost_plainly(), reporting(self.address, "read the case"):
            options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
            with self.engine.connect().execution_options(**options) as conn, conn.begin():
                yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction; commits on success, rolls back on error."""
        self._check_open()
        if self.read_only:
            raise CaseFileError(f"{self.display_name} is open read-only; the change was not saved.")
        try:
            with self._lost_plainly(), self.engine.connect() as conn, conn.begin():
                yield conn
        except DBAPIError as exc:
            if exc.orig is None:
                raise
            raise WriteError(str(server_error(exc, self.address, "save the change"))) from None

    @contextmanager
    def _lost_plainly(self) -> Iterator[None]:
        """A server gone while the case is open is said without its address: the window's title
        and the Case page already name it, and the message ends up beside a field."""
        try:
            yield
        except DBAPIError as exc:
            error = server_error(exc, self.address, "reach the server") if exc.orig is not None else None
            if not isinstance(error, ServerUnreachableError):
                raise
            raise WriteError(f"Lost the connection to the server ({error.reason}).") from None
        except ServerUnreachableError as exc:
            raise ServerUnreachableError(f"Lost the connection to the server ({exc.reason}).") from None


def _mark_writes(engine: Engine, client: str) -> None:
    """Set the client token on every connection, so the change notifications it causes name it."""

    @event.listens_for(engine, "connect")
    def _set_client(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT pg_catalog.set_config(%s, %s, false)", (CLIENT_SETTING, client))
        dbapi_connection.autocommit = autocommit


def _bring_up_to_date(engine: Engine, where: ServerAddress, version: int) -> int:
    """Run the steps a case published by an older Casefile lacks; the version it then has."""
    try:
        with reporting(where, "update the case to this version of Casefile"), engine.begin() as conn:
            # Two people opening the old case at once: the second waits, then finds nothing to do.
            conn.execute(sa.text(f"LOCK TABLE {VERSION_TABLE} IN EXCLUSIVE MODE"))
            migrate(conn)
            return current_version(conn)
    except PrivilegeError:
        # Only the case's owner may add what a step adds; anyone else opens it as it is.
        return version
