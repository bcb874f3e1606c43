"""The write SQL a server case spells its own way: many rows in one statement, and foreign keys
checked at commit. The counterpart of ``db.sqlite.bulk`` for ``db.csv_import``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

from .publish import insert_rows as insert_rows

__all__ = ["defer_foreign_keys", "insert_rows"]


def defer_foreign_keys(conn: Connection) -> None:
    """Check references at commit, not statement by statement, for the rest of the transaction
    (every foreign key of a server case is deferrable, migration 1)."""
    conn.execute(sa.text("SET CONSTRAINTS ALL DEFERRED"))
