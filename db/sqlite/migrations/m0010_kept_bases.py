"""Version 10: an offline copy keeps a record's base only once the copy changes the record.

Until now ``replica_base`` held every record's base as JSON, though a record the copy has not
changed since the last sync is its own base: a copy of the large case was two thirds bigger
than its master, and a sync rewrote the base of every record it touched. Now ``base`` may be
NULL, meaning "the record as the copy holds it", and triggers save the record as it was into
``kept`` before the copy first changes it (its columns and lists, as JSON of the row; a deleted
record too). A sync sets both back to NULL for the records it settles; ``base`` still holds the
values of a conflict left for later, and the bases written before this version.

The triggers fire on every write to a record's value columns or lists, in any case file; in one
that is not an offline copy ``replica_base`` is empty, and the check is one lookup.

Frozen, like every released migration: the tables and columns are spelled out here. A later
migration that gives a record a new field must make these triggers again with it
(``tests/test_core_replica_bases.py`` changes every field of every record and fails otherwise).
"""

from __future__ import annotations

VERSION = 10
DESCRIPTION = "offline copies keep a record's base only once the copy changes it"

# part (as the JSON format names it), table, value columns, lists kept in link tables
# (field name, link table, owner column, target column)
_RECORDS: tuple[tuple[str, str, tuple[str, ...], tuple[tuple[str, str, str, str], ...]], ...] = (
    ("sources", "source", ("title", "publisher", "author", "url", "published", "accessed", "notes"), ()),
    ("actors", "actor", ("name", "kind", "role", "affiliation_id", "description", "tags"), ()),
    (
        "statements",
        "statement",
        ("speaker_id", "text", "date", "venue", "verbatim", "source_id", "locator", "notes", "tags"),
        (),
    ),
    (
        "directives",
        "directive",
        (
            "identifier", "title", "kind", "issuer_id", "issued", "effective", "status", "summary",
            "provisions", "source_id", "tags",
        ),
        (("parties", "directive_party", "directive_id", "actor_id"),),
    ),
    (
        "timeline",
        "timeline_entry",
        (
            "date", "title", "description", "directive_id", "statement_id", "key_event", "source_id",
            "locator", "tags",
        ),
        (("actors", "timeline_actor", "entry_id", "actor_id"),),
    ),
)  # fmt: skip
_CASE_COLUMNS = ("title", "subtitle", "summary", "bottom_line", "marking", "prepared_by", "as_of")

_TABLE = (
    "CREATE TABLE replica_base_new (part TEXT NOT NULL, id TEXT NOT NULL, mine TEXT, theirs TEXT, "
    "base TEXT, kept TEXT, PRIMARY KEY (part, id)) WITHOUT ROWID"
)


def _row_json(table: str, columns: tuple[str, ...], lists: tuple[tuple[str, str, str, str], ...], rid: str) -> str:
    """JSON of the row of ``table`` whose id is ``rid`` (an SQL expression), with each list as
    [position, target] pairs."""
    pairs = ["'id', r.id", *(f"'{c}', r.{c}" for c in columns)]
    for name, link, owner, target in lists:
        pairs.append(
            f"'{name}', json((SELECT json_group_array(json_array(l.position, l.{target})) "
            f"FROM {link} AS l WHERE l.{owner} = r.id))"
        )
    return f"(SELECT json_object({', '.join(pairs)}) FROM {table} AS r WHERE r.id = {rid})"


def _keep(name: str, event: str, part: str, rid: str, row: str) -> str:
    """A trigger that saves ``row`` as the record's base when the copy first changes it."""
    where = f"part = '{part}' AND id = {rid}"
    return (
        f"CREATE TRIGGER {name} BEFORE {event} WHEN EXISTS (SELECT 1 FROM replica_base WHERE {where} "
        f"AND base IS NULL AND kept IS NULL) BEGIN UPDATE replica_base SET kept = {row} WHERE {where}; END"
    )


def _statements() -> list[str]:
    out = [
        _TABLE,
        "INSERT INTO replica_base_new (part, id, mine, theirs, base) "
        "SELECT part, id, mine, theirs, base FROM replica_base",
        "DROP TABLE replica_base",
        "ALTER TABLE replica_base_new RENAME TO replica_base",
    ]
    for part, table, columns, lists in _RECORDS:
        row = _row_json(table, columns, lists, "OLD.id")
        of = ", ".join(columns)
        out.append(_keep(f"replica_keep_{table}_update", f"UPDATE OF {of} ON {table}", part, "OLD.id", row))
        out.append(_keep(f"replica_keep_{table}_delete", f"DELETE ON {table}", part, "OLD.id", row))
        for _name, link, owner, _target in lists:
            for event, side in (("INSERT", "NEW"), ("DELETE", "OLD"), ("UPDATE", "OLD")):
                rid = f"{side}.{owner}"
                owner_row = _row_json(table, columns, lists, rid)
                out.append(_keep(f"replica_keep_{link}_{event.lower()}", f"{event} ON {link}", part, rid, owner_row))
    pairs = ", ".join(f"'{c}', {c}" for c in _CASE_COLUMNS)
    case_row = f"(SELECT json_object({pairs}) FROM case_info WHERE n = 1)"
    event = f"UPDATE OF {', '.join(_CASE_COLUMNS)} ON case_info"
    out.append(_keep("replica_keep_case_info", event, "case", "''", case_row))
    return out


STATEMENTS: list[str] = _statements()
