"""Version 4: a pinpoint within the source ("p. 4", "¶ 12") on statements and timeline entries.

The ``locator`` column is added to both tables, and their full-text indexes are rebuilt with
it so a search for "slide 7" finds the record. Frozen, like every released migration.
"""

from __future__ import annotations

VERSION = 4
DESCRIPTION = "locator (pinpoint within the source) on statements and timeline entries"

_FTS = {
    "statement": ("statement_fts", ["text", "venue", "notes", "tags", "locator"]),
    "timeline_entry": ("timeline_fts", ["title", "description", "tags", "locator"]),
}


def _statements() -> list[str]:
    out = [f"ALTER TABLE {table} ADD COLUMN locator TEXT" for table in _FTS]
    for table, (fts, columns) in _FTS.items():
        cols = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        for suffix in ("insert", "delete", "update"):
            out.append(f"DROP TRIGGER {fts}_{suffix}")
        out.append(f"DROP TABLE {fts}")
        out.append(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='n', "
            "tokenize='unicode61 remove_diacritics 2', prefix='1')"
        )
        insert_new = f"INSERT INTO {fts} (rowid, {cols}) VALUES (new.n, {new});"
        delete_old = f"INSERT INTO {fts} ({fts}, rowid, {cols}) VALUES ('delete', old.n, {old});"
        out.append(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert_new} END")
        out.append(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete_old} END")
        out.append(f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} BEGIN {delete_old} {insert_new} END")
        out.append(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")
    return out


STATEMENTS: list[str] = _statements()
