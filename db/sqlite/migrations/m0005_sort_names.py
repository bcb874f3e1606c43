"""Version 5: stored sort names for the list columns that show a linked record's name.

Sorting the timeline by its source or actors used to join every row to the source or actor
table and sort 100,000 names (about 150-350 ms of SQL alone). Each such column now keeps
the name it shows in a column of the record's own table (``source_sort``, ``actors_sort``,
...), indexed case-insensitively so the sort walks the index as the title sort does.

The stored value is exactly what the list shows: the linked name, ``(missing)`` for a
reference to a record that does not exist, NULL for no reference; for a list of actors
their names in position order joined by ``"; "``. Triggers keep it current whatever
writes: a change of the reference, a link row inserted, deleted or moved, and a linked
record renamed, deleted or (re)inserted.

Frozen, like every released migration.
"""

from __future__ import annotations

VERSION = 5
DESCRIPTION = "stored, indexed sort names for columns showing a linked record's name"

_MISSING = "'(missing)'"

# (table, reference column, sort column, linked table, linked name column, index name)
NAMES = [
    ("actor", "affiliation_id", "affiliation_sort", "actor", "name", "actor_affiliation_sort"),
    ("statement", "speaker_id", "speaker_sort", "actor", "name", "statement_speaker_sort"),
    ("statement", "source_id", "source_sort", "source", "title", "statement_source_sort"),
    ("directive", "issuer_id", "issuer_sort", "actor", "name", "directive_issuer_sort"),
    ("timeline_entry", "source_id", "source_sort", "source", "title", "timeline_source_sort"),
]

# (table, sort column, link table, owner column, index name); the links point at actors.
LISTED_NAMES = [
    ("directive", "parties_sort", "directive_party", "directive_id", "directive_parties_sort"),
    ("timeline_entry", "actors_sort", "timeline_actor", "entry_id", "timeline_actors_sort"),
]


def _name(target: str, name: str, ref: str) -> str:
    """The shown name of the ``target`` record whose id is ``ref``."""
    return f"coalesce((SELECT t.{name} FROM {target} t WHERE t.id = {ref}), iif({ref} IS NULL, NULL, {_MISSING}))"


def _names(link: str, owner: str, ref: str) -> str:
    """The shown names of the actors linked to the record whose id is ``ref``, in order."""
    return (
        f"(SELECT group_concat(name, '; ') FROM (SELECT coalesce(a.name, {_MISSING}) AS name FROM {link} l "
        f"LEFT JOIN actor a ON a.id = l.actor_id WHERE l.{owner} = {ref} ORDER BY l.position))"
    )


def _single_statements() -> list[str]:
    out: list[str] = []
    for table, ref, sort, target, name, _index in NAMES:
        prefix = f"sort_{table}_{sort}"
        out.append(
            f"CREATE TRIGGER {prefix}_insert AFTER INSERT ON {table} "
            f"WHEN new.{ref} IS NOT NULL OR new.{sort} IS NOT NULL "
            f"BEGIN UPDATE {table} SET {sort} = {_name(target, name, f'new.{ref}')} WHERE n = new.n; END"
        )
        out.append(
            f"CREATE TRIGGER {prefix}_link AFTER UPDATE OF {ref} ON {table} WHEN new.{ref} IS NOT old.{ref} "
            f"BEGIN UPDATE {table} SET {sort} = {_name(target, name, f'new.{ref}')} WHERE n = new.n; END"
        )
        out.append(
            f"CREATE TRIGGER {prefix}_rename AFTER UPDATE OF {name} ON {target} WHEN new.{name} IS NOT old.{name} "
            f"BEGIN UPDATE {table} SET {sort} = new.{name} WHERE {ref} = new.id; END"
        )
        out.append(
            f"CREATE TRIGGER {prefix}_gone AFTER DELETE ON {target} "
            f"BEGIN UPDATE {table} SET {sort} = {_MISSING} WHERE {ref} = old.id; END"
        )
        out.append(
            f"CREATE TRIGGER {prefix}_back AFTER INSERT ON {target} "
            f"BEGIN UPDATE {table} SET {sort} = new.{name} WHERE {ref} = new.id; END"
        )
    return out


def _list_statements() -> list[str]:
    out: list[str] = []
    for table, sort, link, owner, _index in LISTED_NAMES:
        prefix = f"sort_{table}_{sort}"
        of_row = f"UPDATE {table} SET {sort} = {_names(link, owner, f'{table}.id')}"
        out.append(
            f"CREATE TRIGGER {prefix}_insert AFTER INSERT ON {table} "
            f"WHEN new.{sort} IS NOT NULL OR EXISTS (SELECT 1 FROM {link} WHERE {owner} = new.id) "
            f"BEGIN {of_row} WHERE n = new.n; END"
        )
        out.append(
            f"CREATE TRIGGER {prefix}_link_insert AFTER INSERT ON {link} BEGIN {of_row} WHERE id = new.{owner}; END"
        )
        out.append(
            f"CREATE TRIGGER {prefix}_link_delete AFTER DELETE ON {link} BEGIN {of_row} WHERE id = old.{owner}; END"
        )
        out.append(
            f"CREATE TRIGGER {prefix}_link_update AFTER UPDATE ON {link} "
            f"BEGIN {of_row} WHERE id IN (old.{owner}, new.{owner}); END"
        )
        linked = f"SELECT {owner} FROM {link} WHERE actor_id"
        out.append(
            f"CREATE TRIGGER {prefix}_rename AFTER UPDATE OF name ON actor WHEN new.name IS NOT old.name "
            f"BEGIN {of_row} WHERE id IN ({linked} = new.id); END"
        )
        out.append(
            f"CREATE TRIGGER {prefix}_gone AFTER DELETE ON actor BEGIN {of_row} WHERE id IN ({linked} = old.id); END"
        )
        out.append(
            f"CREATE TRIGGER {prefix}_back AFTER INSERT ON actor BEGIN {of_row} WHERE id IN ({linked} = new.id); END"
        )
    return out


def _columns() -> list[str]:
    return [f"ALTER TABLE {table} ADD COLUMN {sort} TEXT" for table, _r, sort, *_ in NAMES] + [
        f"ALTER TABLE {table} ADD COLUMN {sort} TEXT" for table, sort, *_ in LISTED_NAMES
    ]


def fill_statements() -> list[str]:
    """Statements computing the stored sort names of the rows this migration finds: one per
    table, as rewriting the rows is most of the cost; rows without a reference keep NULL."""
    columns: dict[str, list[tuple[str, str, str]]] = {}  # table -> (sort column, value, row has one)
    for table, ref, sort, target, name, _index in NAMES:
        columns.setdefault(table, []).append((sort, _name(target, name, f"{table}.{ref}"), f"{ref} IS NOT NULL"))
    for table, sort, link, owner, _index in LISTED_NAMES:
        columns.setdefault(table, []).append(
            (sort, _names(link, owner, f"{table}.id"), f"id IN (SELECT {owner} FROM {link})")
        )
    out: list[str] = []
    for table, sets in columns.items():
        assignments = ", ".join(f"{sort} = {value}" for sort, value, _where in sets)
        where = " OR ".join(where for _sort, _value, where in sets)
        out.append(f"UPDATE {table} SET {assignments} WHERE {where}")
    return out


# Sorting by one of these walks its index: ``ORDER BY <sort> COLLATE NOCASE, n`` (every index
# ends with the row number ``n``, so the tie-break needs no sort either).
def _indexes() -> list[str]:
    return [f"CREATE INDEX {index} ON {table} ({sort} COLLATE NOCASE)" for table, _r, sort, _t, _n, index in NAMES] + [
        f"CREATE INDEX {index} ON {table} ({sort} COLLATE NOCASE)" for table, sort, _l, _o, index in LISTED_NAMES
    ]


# The existing rows are filled before the triggers and indexes exist (one pass, no index
# maintained row by row).
STATEMENTS: list[str] = [*_columns(), *fill_statements(), *_single_statements(), *_list_statements(), *_indexes()]
