"""Numbered schema migrations.

Each step is a module ``mNNNN_*.py`` with ``VERSION``, ``DESCRIPTION`` and ``STATEMENTS``.
A new file starts at version 0 and runs every step; an older file runs the steps above
its ``user_version`` (after the caller has written a verified backup). Each step runs in
one transaction together with the ``user_version`` bump, so a step is all or nothing; an
upgrade in place runs every step in one transaction (``all_or_nothing``), so a file whose
upgrade fails is left exactly as it was.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from . import (
    m0001_initial,
    m0002_briefing_options,
    m0003_prefix_search,
    m0004_locator,
    m0005_sort_names,
    m0006_editions,
    m0007_day_order,
    m0008_bottom_line,
    m0009_replicas,
    m0010_kept_bases,
)


@dataclass(frozen=True)
class Migration:
    """One numbered schema step."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = tuple(
    Migration(m.VERSION, m.DESCRIPTION, tuple(m.STATEMENTS))
    for m in (
        m0001_initial,
        m0002_briefing_options,
        m0003_prefix_search,
        m0004_locator,
        m0005_sort_names,
        m0006_editions,
        m0007_day_order,
        m0008_bottom_line,
        m0009_replicas,
        m0010_kept_bases,
    )
)
assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1)), "migrations must be numbered 1..N"

SCHEMA_VERSION = MIGRATIONS[-1].version


def migrate(
    conn: sqlite3.Connection,
    *,
    target: int = SCHEMA_VERSION,
    steps: tuple[Migration, ...] = MIGRATIONS,
    all_or_nothing: bool = False,
) -> list[int]:
    """Run the steps above the connection's ``user_version`` up to ``target``; return those run.

    ``conn`` must be in autocommit mode (``isolation_level=None``) so each step's transaction
    is explicit. With ``all_or_nothing`` every step runs in one transaction.
    """
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    todo = [step for step in steps if current < step.version <= target]
    groups = [todo] if all_or_nothing and todo else [[step] for step in todo]
    done: list[int] = []
    for group in groups:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for step in group:
                for sql in step.statements:
                    conn.execute(sql)
                conn.execute(f"PRAGMA user_version = {int(step.version)}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite already rolled back after a full disk or an I/O error
                conn.execute("ROLLBACK")
            raise
        done.extend(step.version for step in group)
    return done
