"""Numbered schema steps of a server case (``pNNNN_*.py``), each with ``VERSION``,
``DESCRIPTION`` and ``statements(schema)``.

Step 1 creates the tables from the SQLModel declarations (``db.models``) themselves, the same
declarations a case file's schema is checked against, and adds what SQLite's migrations add
beyond them (checks, cascading link rows, indexes). So a new case gets every declared column
from step 1: a later step that adds a declared column must write ``ADD COLUMN IF NOT EXISTS``,
so it both upgrades older cases and does nothing on new ones. ``casefile_version`` in the
case's schema holds one row per step run; every step runs in the caller's transaction, so a
failed upgrade leaves the case as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection

from . import p0001_initial, p0002_search, p0003_sort_names, p0004_history, p0005_notify


@dataclass(frozen=True)
class Migration:
    """One numbered schema step."""

    version: int
    description: str
    run: Callable[[Connection], None]


_STEPS = (
    p0001_initial,
    p0002_search,
    p0003_sort_names,
    p0004_history,
    p0005_notify,
)
MIGRATIONS: tuple[Migration, ...] = tuple(Migration(m.VERSION, m.DESCRIPTION, m.run) for m in _STEPS)
# Steps are numbered ahead of time so parallel work merges cleanly: they only need to rise.
_NUMBERS = [m.version for m in MIGRATIONS]
assert sorted(set(_NUMBERS)) == _NUMBERS and _NUMBERS[0] == 1, "steps are numbered upwards from 1"

SCHEMA_VERSION = MIGRATIONS[-1].version
VERSION_TABLE = "casefile_version"


def _recorded(conn: Connection) -> set[int]:
    return {int(v) for v in conn.execute(sa.text(f"SELECT version FROM {VERSION_TABLE}")).scalars()}


def current_version(conn: Connection) -> int:
    """The version of the case on ``conn``'s search path: its last step before the first step it
    lacks (a case published before a lower-numbered step was merged lacks that step only), or
    its highest step when that is above this Casefile's (0 for none)."""
    recorded = _recorded(conn)
    if max(recorded, default=0) > SCHEMA_VERSION:
        return max(recorded)
    version = 0
    for step in MIGRATIONS:
        if step.version not in recorded:
            break
        version = step.version
    return version


def migrate(conn: Connection, *, target: int = SCHEMA_VERSION) -> list[int]:
    """Run the steps the case lacks, up to ``target``, inside the caller's transaction."""
    done: list[int] = []
    recorded = _recorded(conn)
    for step in MIGRATIONS:
        if step.version not in recorded and step.version <= target:
            step.run(conn)
            conn.execute(
                sa.text(f"INSERT INTO {VERSION_TABLE} (version, description) VALUES (:version, :description)"),
                {"version": step.version, "description": step.description},
            )
            done.append(step.version)
    return done
