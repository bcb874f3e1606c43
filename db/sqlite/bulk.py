"""Writing a case file in bulk. Filling a new file (JSON import): the schema's indexes and
full-text triggers are set aside while the rows go in, and built once at the end. A sync's own
writes to an offline copy: the copy's base-keeping triggers are set aside (``triggers_aside``).
A sync's updates of many records: one statement per batch (``update_by_id``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from ..fields import JSON_ORDER, KINDS
from . import driver


@contextmanager
def bulk_load(conn: Connection) -> Iterator[None]:
    """Around the inserts into a new file nobody can see yet, inside its write transaction.

    References may point forwards within the rows (an actor affiliated with a later one), so
    foreign keys are checked at commit. The full-text index is filled in bulk at the end rather
    than row by row through its triggers (about ten times faster), and secondary indexes are
    built once (one sort instead of 100,000 inserts into each b-tree); both are put back with
    exactly the SQL they had, so the schema is unchanged. The triggers that keep the stored
    sort names (migration 5) are left out too: the caller writes those names with the rows.
    """
    conn.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
    with triggers_aside(conn, "%\\_fts\\_%", "sort\\_%"), _aside(conn, "index", "sql IS NOT NULL"):
        yield
    for kind in JSON_ORDER:
        fts = KINDS[kind].fts
        conn.execute(sa.text(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')"))


def insert_rows(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows given as value tuples in ``columns`` order.

    Straight through the driver's ``executemany``: SQLAlchemy's handling of each row's
    parameters made a 100,000-record import 40% slower.
    """
    marks = ", ".join("?" for _ in columns)
    driver.execute_many(conn, f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def update_by_id(
    conn: Connection, table: str, names: Sequence[str], rows: Iterable[Sequence[Any]], alike: Mapping[str, Any]
) -> int:
    """Set the columns ``names`` of many rows of ``table``, each given as [id, a value per name],
    and the columns of ``alike`` to the same value in all; return how many rows were changed.
    One statement per batch of rows (``driver.execute_json_batches``): the triggers fire for
    each row as for any update."""
    batched, one = update_statements(table, names, alike)
    binds = {f"alike_{name}": value for name, value in alike.items()}

    def alone(row: Sequence[Any]) -> int:  # a row too large for a batch
        values = {f"v{i}": value for i, value in enumerate(row[1:])}
        return int(conn.execute(sa.text(one), {**binds, **values, "row_id": row[0]}).rowcount)

    return driver.execute_json_batches(conn, batched, rows, binds, alone=alone)


def update_statements(table: str, names: Sequence[str], alike: Iterable[str]) -> tuple[str, str]:
    """``update_by_id``'s statements: for a batch (its rows in ``:rows``), and for one row."""
    same = [f"{name} = :alike_{name}" for name in alike]
    sets = [*(f"{name} = json_extract(j.value, '$[{n}]')" for n, name in enumerate(names, 1)), *same]
    batched = (
        f"UPDATE {table} SET {', '.join(sets)} FROM json_each(:rows) AS j "
        f"WHERE {table}.id = json_extract(j.value, '$[0]')"
    )
    one = f"UPDATE {table} SET {', '.join([*(f'{n} = :v{i}' for i, n in enumerate(names)), *same])} WHERE id = :row_id"
    return batched, one


def upsert_rows(
    conn: Connection, table: str, columns: Sequence[str], key: Sequence[str], rows: Iterable[Sequence[Any]], sets: str
) -> None:
    """Insert rows given as value lists in ``columns`` order; where ``table`` holds a row with the
    same ``key`` columns already, update it with ``sets`` instead (the SET list, ``excluded.x``
    naming the new row's value). One statement per batch (``driver.execute_json_batches``)."""
    names = ", ".join(columns)
    conflict = f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"
    picked = ", ".join(f"json_extract(value, '$[{n}]')" for n in range(len(columns)))
    # "WHERE true": an INSERT ... SELECT with an ON CONFLICT clause needs a WHERE to parse
    batched = f"INSERT INTO {table} ({names}) SELECT {picked} FROM json_each(:rows) WHERE true {conflict}"
    binds = ", ".join(f":v{n}" for n in range(len(columns)))
    one = sa.text(f"INSERT INTO {table} ({names}) VALUES ({binds}) {conflict}")

    def alone(row: Sequence[Any]) -> int:  # a row too large for a batch
        return int(conn.execute(one, {f"v{n}": value for n, value in enumerate(row)}).rowcount)

    driver.execute_json_batches(conn, batched, rows, alone=alone)


def defer_foreign_keys(conn: Connection) -> None:
    """Check references at commit, not statement by statement, for the rest of the transaction."""
    conn.execute(sa.text("PRAGMA defer_foreign_keys = ON"))


@contextmanager
def triggers_aside(conn: Connection, *patterns: str) -> Iterator[None]:
    """Inside a write transaction: the triggers whose names match any of ``patterns`` (``LIKE``,
    ``\\`` escaping) do not fire meanwhile. They are dropped and made again, last, with the SQL
    they had, in the same transaction, so no file ever holds the schema without them."""
    matching = " OR ".join(f"name LIKE :p{n} ESCAPE '\\'" for n in range(len(patterns)))
    with _aside(conn, "trigger", matching, {f"p{n}": pattern for n, pattern in enumerate(patterns)}):
        yield


@contextmanager
def _aside(conn: Connection, kind: str, condition: str, params: dict[str, str] | None = None) -> Iterator[None]:
    """The schema objects of ``kind`` ("index" or "trigger") meeting ``condition`` dropped for the
    length of the block and made again after it with the SQL they had (in the caller's
    transaction)."""
    found = conn.execute(
        sa.text(f"SELECT name, sql FROM sqlite_schema WHERE type = :kind AND ({condition}) ORDER BY rowid"),
        {"kind": kind, **(params or {})},
    ).all()
    for name, _sql in found:
        conn.execute(sa.text(f'DROP {kind.upper()} "{name}"'))
    yield
    for _name, sql in found:
        conn.exec_driver_sql(sql)
