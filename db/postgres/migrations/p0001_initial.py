"""Version 1 of a server case: the declared tables, and what SQLite's migrations add to them.

The tables and columns are created from ``db.models`` (SQLModel's metadata); the checks, the
link rows that go with their record, and the indexes mirror SQLite migrations 1, 3 and 5
(``COLLATE NOCASE`` there is ``lower()`` here). SQLite's full-text tables and the triggers
that keep the stored sort names are not here: server search and live sort names are later work.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlmodel import SQLModel

from ... import models  # noqa: F401  (the declarations must be loaded into the metadata)
from ...models import ACTOR_KINDS, DIRECTIVE_KINDS, DIRECTIVE_STATUSES

VERSION = 1
DESCRIPTION = "records, links and indexes from the declarations"


def _words(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


_CHECKS = [
    "ALTER TABLE case_info ADD CONSTRAINT case_info_one_row CHECK (n = 1)",
    f"ALTER TABLE actor ADD CONSTRAINT actor_kind_known CHECK (kind IN ({_words(ACTOR_KINDS)}))",
    f"ALTER TABLE directive ADD CONSTRAINT directive_kind_known CHECK (kind IN ({_words(DIRECTIVE_KINDS)}))",
    "ALTER TABLE directive ADD CONSTRAINT directive_status_known "
    f"CHECK (status IS NULL OR status IN ({_words(DIRECTIVE_STATUSES)}))",
]

# A directive's parties and an entry's actors go with the record, as in a case file.
_CASCADES = [
    ("directive_party", "directive_id", "directive"),
    ("timeline_actor", "entry_id", "timeline_entry"),
]

_INDEXES = [
    "CREATE INDEX actor_name ON actor (name)",
    "CREATE INDEX actor_affiliation ON actor (affiliation_id)",
    "CREATE INDEX source_title ON source (title)",
    "CREATE INDEX statement_date ON statement (date_key)",
    "CREATE INDEX statement_speaker ON statement (speaker_id)",
    "CREATE INDEX statement_source ON statement (source_id)",
    "CREATE INDEX directive_issued ON directive (issued_key)",
    "CREATE INDEX directive_issuer ON directive (issuer_id)",
    "CREATE INDEX directive_source ON directive (source_id)",
    "CREATE INDEX directive_party_actor ON directive_party (actor_id)",
    "CREATE INDEX timeline_date ON timeline_entry (date_key, date, key_event)",
    "CREATE INDEX timeline_directive ON timeline_entry (directive_id)",
    "CREATE INDEX timeline_statement ON timeline_entry (statement_id)",
    "CREATE INDEX timeline_source ON timeline_entry (source_id)",
    "CREATE INDEX timeline_actor_actor ON timeline_actor (actor_id)",
    "CREATE INDEX timeline_title ON timeline_entry (lower(title))",
    "CREATE INDEX timeline_key ON timeline_entry (key_event)",
    "CREATE INDEX actor_affiliation_sort ON actor (lower(affiliation_sort))",
    "CREATE INDEX statement_speaker_sort ON statement (lower(speaker_sort))",
    "CREATE INDEX statement_source_sort ON statement (lower(source_sort))",
    "CREATE INDEX directive_issuer_sort ON directive (lower(issuer_sort))",
    "CREATE INDEX timeline_source_sort ON timeline_entry (lower(source_sort))",
    "CREATE INDEX directive_parties_sort ON directive (lower(parties_sort))",
    "CREATE INDEX timeline_actors_sort ON timeline_entry (lower(actors_sort))",
]


def run(conn: Connection) -> None:
    """Create the case's tables in the schema on ``conn``'s search path."""
    # Unqualified table names: the tables land in the first schema of the search path, the case's.
    SQLModel.metadata.create_all(conn)
    for sql in _CHECKS:
        conn.execute(sa.text(sql))
    for table, column, target in _CASCADES:
        name = f"{table}_{column}_fkey"
        conn.execute(sa.text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
        conn.execute(
            sa.text(
                f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) "
                f"REFERENCES {target} (id) ON DELETE CASCADE"
            )
        )
    # References may point forwards while a whole case is copied in (an actor affiliated with
    # a later one): checked at commit then, as a case file's are (``SET CONSTRAINTS ALL DEFERRED``).
    for declared in SQLModel.metadata.sorted_tables:
        for key in declared.foreign_key_constraints:
            (column,) = key.column_keys
            name = f"{declared.name}_{column}_fkey"
            conn.execute(sa.text(f"ALTER TABLE {declared.name} ALTER CONSTRAINT {name} DEFERRABLE"))
    for sql in _INDEXES:
        conn.execute(sa.text(sql))


def create_version_table(conn: Connection) -> None:
    """The table of steps run (before step 1, in a new case's schema)."""
    conn.execute(
        sa.text(
            "CREATE TABLE casefile_version (version integer PRIMARY KEY, description text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT current_user)"
        )
    )
