"""What the record code needs of an open case, wherever it is kept.

``db.sqlite.casefile.CaseFile`` (a case file) and ``db.postgres.case.ServerCase`` (a case on a
server) both provide it; ``db.records``, ``db.interchange`` and ``db.csv_export`` ask for no more.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy import Connection


class CaseStore(Protocol):
    """An open case: transactions on it, whether it may be changed, and a name to show."""

    @property
    def read_only(self) -> bool:
        """True when changes are refused."""
        ...

    @property
    def display_name(self) -> str:
        """The case's name for titles and messages."""
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
