"""What the record code needs of an open case, wherever it is kept.

``db.sqlite.casefile.CaseFile`` (a case file) and ``db.postgres.case.ServerCase`` (a case on a
server) both provide it; ``db.records``, ``db.interchange`` and ``db.csv_export`` ask for no more.
``byte_length`` is the one SQL function they need that the two engines spell differently.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class CaseStore(Protocol):
    """An open case: transactions on it, whether it may be changed and why not, a name to show,
    and its file when it has one."""

    @property
    def read_only(self) -> bool:
        """True when changes are refused."""
        ...

    @property
    def read_only_reason(self) -> str | None:
        """Why changes are refused, in words for a banner (None when they are not, or no reason is known)."""
        ...

    @property
    def display_name(self) -> str:
        """The case's name for titles and messages."""
        ...

    @property
    def path(self) -> Path | None:
        """The case file on disk; None for a case that has no file (a server case, a copy in memory)."""
        ...

    @property
    def closed(self) -> bool:
        """True once ``close`` has run."""
        ...

    def read(self) -> AbstractContextManager[Connection]:
        """A connection inside a transaction that sees one consistent state of the case."""
        ...

    def write(self) -> AbstractContextManager[Connection]:
        """A connection inside a write transaction; commits on success, rolls back on error."""
        ...

    def note_removed_text(self, fts_table: str) -> None:
        """A record of this full-text index was changed or deleted (its old words must go)."""
        ...

    def close(self) -> None:
        """Release every connection."""
        ...

    def __enter__(self) -> CaseStore: ...

    def __exit__(self, *exc: object) -> None: ...


class byte_length(FunctionElement[int]):
    """The size of a text column in UTF-8 bytes, on either engine."""

    type = Integer()
    inherit_cache = True


@compiles(byte_length)
def _byte_length_sqlite(element: byte_length, compiler: SQLCompiler, **kw: Any) -> str:
    return f"length(CAST({compiler.process(element.clauses, **kw)} AS BLOB))"


@compiles(byte_length, "postgresql")
def _byte_length_postgresql(element: byte_length, compiler: SQLCompiler, **kw: Any) -> str:
    return f"octet_length({compiler.process(element.clauses, **kw)})"


def bulk_writes(conn: Connection) -> Any:
    """The bulk writes of the engine under ``conn``: ``db.postgres.writes`` on a server, else
    ``db.sqlite.bulk`` (a case file's go straight through its driver)."""
    if conn.dialect.name == "postgresql":
        from .postgres import writes

        return writes
    from .sqlite import bulk

    return bulk
