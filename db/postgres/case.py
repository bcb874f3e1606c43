"""A case on a PostgreSQL server, open: what the record code needs of a case file.

``ServerCase`` offers what ``db.store.CaseStore`` names (``read``/``write`` connections,
``read_only``, ``display_name``, ``close``), so ``db.records``, ``db.interchange`` and
``db.csv_export`` work on it as on a ``CaseFile``. Each connection searches only the case's
schema, so their unqualified table names are the case's tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ..address import ServerAddress, parse_server_address, redact
from ..errors import CaseFileError, WriteError
from .connect import CaseMissingError, make_engine, reporting, server_error
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
        self._closed = False

    @classmethod
    def open(cls, address: str | ServerAddress, *, read_only: bool = False) -> ServerCase:
        """Connect to a case; CaseMissingError if the database holds no such case, ServerError
        (one line, no password) if the server cannot be reached or refuses."""
        where = parse_server_address(address) if isinstance(address, str) else address
        engine = make_engine(where, schema=where.schema)
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
                if version < SCHEMA_VERSION and can_write and not read_only:
                    version = _bring_up_to_date(conn, where.schema, version)
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
        if not read_only and version < SCHEMA_VERSION:
            read_only, reason = (
                True,
                "it was made by an older Casefile; its owner must open it once to bring it up to date",
            )
        case = cls(where, engine, read_only=read_only, version=version)
        case.read_only_reason = reason
        return case

    @property
    def display_name(self) -> str:
        """The case name."""
        return self.address.case or "Untitled"

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
        with reporting(self.address, "read the case"):
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
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except DBAPIError as exc:
            if exc.orig is None:
                raise
            raise WriteError(str(server_error(exc, self.address, "save the change"))) from None


def _bring_up_to_date(conn: Connection, schema: str, version: int) -> int:
    """Run the schema steps a case published by an older Casefile lacks (the version it is then).

    Only the schema's owner may alter its tables; for anyone else the case stays as it is.
    """
    owner = conn.execute(
        sa.text(
            "SELECT nspowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user) "
            "FROM pg_catalog.pg_namespace WHERE nspname = :schema"
        ),
        {"schema": schema},
    ).scalar()
    if not owner:
        return version
    # Two people opening the same old case at once: the second waits, then finds nothing to do.
    conn.execute(sa.text(f"LOCK TABLE {VERSION_TABLE} IN EXCLUSIVE MODE"))
    migrate(conn)
    conn.commit()
    return current_version(conn)
