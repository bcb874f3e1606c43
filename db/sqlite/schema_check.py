"""Whether a file holds the schema Casefile's migrations create, and only values of the types
its columns declare (two of the open-time checks in ``filecheck``).

The reference is built by running our own migrations on an empty in-memory database, so it is
always the schema the code creates: every object in a file's ``sqlite_schema`` is compared with
it by type, table and SQL text.
"""

from __future__ import annotations

import sqlite3
from functools import cache

from .migrations import MIGRATIONS, migrate

# Shadow tables FTS5 creates for each full-text table. Their SQL text is FTS5's own; it has
# been the same since FTS5 appeared except that builds with SQLITE_FTS5_NO_WITHOUT_ROWID
# leave out "WITHOUT ROWID", so that alone may differ. Anything else (a DEFAULT, CHECK or
# generated column added to a shadow table) is SQL that would run on every write.
_FTS_SHADOW_SUFFIXES = ("_data", "_idx", "_docsize", "_config", "_content")
# Tables SQLite itself may add to any database (ANALYZE / PRAGMA optimize).
_SQLITE_OWN = {
    "sqlite_stat1": "CREATE TABLE sqlite_stat1(tbl,idx,stat)",
    "sqlite_stat4": "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)",
}


@cache
def reference_schema(version: int) -> dict[str, tuple[str, str, str | None]]:
    """``name -> (type, tbl_name, sql)`` of every object our migrations create up to ``version``."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn, target=version, steps=MIGRATIONS)
        return schema_of(conn)
    finally:
        conn.close()


def schema_of(conn: sqlite3.Connection) -> dict[str, tuple[str, str, str | None]]:
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema").fetchall()
    for row in rows:  # a damaged or forged schema row can hold numbers or bytes where names belong
        if not all(isinstance(v, str) for v in row[:3]) or not isinstance(row[3], str | None):
            raise sqlite3.DatabaseError("malformed database schema")
    return {name: (kind, tbl, sql) for kind, name, tbl, sql in rows}


def _is_fts_shadow(name: str, expected: dict[str, tuple[str, str, str | None]]) -> bool:
    for suffix in _FTS_SHADOW_SUFFIXES:
        if name.endswith(suffix):
            owner = expected.get(name[: -len(suffix)])
            if owner is not None and owner[0] == "table" and (owner[2] or "").startswith("CREATE VIRTUAL TABLE"):
                return True
    return False


def _shadow_form(sql: str | None) -> str:
    text = " ".join((sql or "").split())
    return text.removesuffix(" WITHOUT ROWID")


def schema_differences(actual: dict[str, tuple[str, str, str | None]], version: int) -> list[str]:
    """Plain-language differences between a file's schema and the one we create at ``version``."""
    expected = reference_schema(version)
    problems: list[str] = []
    for name, (kind, tbl, sql) in sorted(actual.items()):
        if name in _SQLITE_OWN:
            if kind != "table" or " ".join((sql or "").split()) != _SQLITE_OWN[name]:
                problems.append(f'the SQLite statistics table "{name}" has been altered')
            continue
        want = expected.get(name)
        if want is None:
            where = f' on table "{tbl}"' if kind in ("trigger", "index") else ""
            problems.append(f'an unexpected {kind} "{name}"{where}')
        elif want[0] != kind:
            problems.append(f'"{name}" is a {kind} where Casefile keeps a {want[0]}')
        elif want[1] != tbl:
            problems.append(f'{kind} "{name}" belongs to "{tbl}" instead of "{want[1]}"')
        elif want[2] != sql and not (_is_fts_shadow(name, expected) and _shadow_form(want[2]) == _shadow_form(sql)):
            problems.append(f'{kind} "{name}" has been altered')
    missing = {name for name in expected if name not in actual}
    for name in sorted(missing):
        kind, tbl, _sql = expected[name]
        if kind == "table" or tbl not in missing:  # a table's indexes and triggers went with it
            problems.append(f'the {kind} "{name}" is missing')
    return problems


# The storage classes each declared column type may hold. A value of another class (a blob
# where text belongs, as one flipped bit in a record header or a forged record leaves) would
# reach code that expects text, so such a file is refused as damaged.
_ALLOWED_TYPES = {"TEXT": ("text", "null"), "INTEGER": ("integer", "null")}


@cache
def _typed_columns(version: int) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """``(table, ((column, declared type), ...))`` for each ordinary table our migrations create."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn, target=version, steps=MIGRATIONS)
        expected = schema_of(conn)
        out = []
        for name, (kind, _tbl, sql) in sorted(expected.items()):
            if kind != "table" or (sql or "").startswith("CREATE VIRTUAL TABLE") or _is_fts_shadow(name, expected):
                continue
            info = conn.execute(f"PRAGMA table_info({name})").fetchall()
            out.append((name, tuple((row[1], row[2].upper()) for row in info if row[2].upper() in _ALLOWED_TYPES)))
        return tuple(out)
    finally:
        conn.close()


def misplaced_value(conn: sqlite3.Connection, version: int) -> str | None:
    """The first column holding a value of the wrong type ("statement.text holds a blob"), if any."""
    for table, columns in _typed_columns(version):
        if not columns:
            continue
        types = ", ".join(f"typeof({column})" for column, _ in columns)
        # "typeof(c) <> 'text' AND typeof(c) <> 'null'" rather than "NOT IN": a scan of the large
        # case's timeline takes half the time so
        wrong = " OR ".join(
            "(" + " AND ".join(f"typeof({column}) <> '{allowed}'" for allowed in _ALLOWED_TYPES[declared]) + ")"
            for column, declared in columns
        )
        row = conn.execute(f"SELECT {types} FROM {table} WHERE {wrong} LIMIT 1").fetchone()
        if row is not None:
            for (column, declared), found in zip(columns, row, strict=True):
                if found not in _ALLOWED_TYPES[declared]:
                    return f"{table}.{column} holds {_a(found)} value where Casefile keeps {declared.lower()}"
    return None


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"
