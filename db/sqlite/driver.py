"""Reads and bulk writes straight through the driver's cursor, where SQLAlchemy's handling of
each row would cost too much, and the driver's progress handler.

Each function takes a connection from ``CaseFile.read``/``write``; the reads take a ``text()``
statement with named binds, so the SQL is the same as what ``Connection.execute`` would run: a
store on another database gives the same results through its own cursor (or plain ``execute``).
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, TextClause


def _driver(conn: Connection) -> sqlite3.Connection:
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def rowid_array(conn: Connection, statement: TextClause, params: Mapping[str, Any] | None = None) -> array[int]:
    """The first column of every row as an ``array`` of machine integers (no Python object per row)."""
    cursor = _driver(conn).execute(statement.text, params or {})
    out = array("q")
    while batch := cursor.fetchmany(8192):
        out.extend(row[0] for row in batch)
    return out


def rows(conn: Connection, statement: TextClause, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Every row as a plain tuple."""
    return _driver(conn).execute(statement.text, params or {}).fetchall()


def rows_and_names(
    conn: Connection, statement: TextClause | str, params: Mapping[str, Any] | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Every row as a plain tuple, and the names of the columns. ``statement`` may be the SQL
    itself (named binds): a ``text()`` of a long IN list costs a scan of its text to make."""
    sql = statement if isinstance(statement, str) else statement.text
    cursor = _driver(conn).execute(sql, params or {})
    return [d[0] for d in cursor.description], cursor.fetchall()


def first_value(conn: Connection, statement: TextClause, params: Mapping[str, Any] | None = None) -> Any:
    """The first column of the first row (None when there is no row)."""
    row = _driver(conn).execute(statement.text, params or {}).fetchone()
    return None if row is None else row[0]


def execute_many(conn: Connection, sql: str, rows: Iterable[Sequence[Any]] | Iterable[Mapping[str, Any]]) -> int:
    """Run one statement once per row of values (bulk writes): ``?`` markers and sequences, or
    named binds and mappings. Returns how many rows the statements changed in all."""
    return _driver(conn).executemany(sql, rows).rowcount


JSON_BATCH_BYTES = 4 * 2**20  # the rows of one statement, as JSON: far under SQLite's length limit


def execute_json_batches(
    conn: Connection,
    sql: str,
    rows: Iterable[Sequence[Any]],
    params: Mapping[str, Any] | None = None,
    *,
    alone: Callable[[Sequence[Any]], int],
) -> int:
    """Run ``sql`` once per batch of ``rows`` (bulk writes): the batch is bound to ``:rows`` as
    one JSON array of arrays, which the statement reads with ``json_each(:rows)`` and
    ``json_extract(value, '$[n]')``; ``params`` are its other binds. Values must be text,
    numbers or None. A row too large for a batch of its own is handed to ``alone``. Returns how
    many rows the statements changed in all.

    One statement per batch runs every row inside SQLite. ``executemany`` comes back to Python
    to bind each row: slower even alone (10,000 titles of the large case: 1.1 s against 0.6 s),
    and beside a second thread doing the same it handed Python's lock back and forth at every
    row, which nearly doubled both threads' time (two such writers at once: 2.0 s each against
    0.7 s)."""
    cursor = _driver(conn).cursor()
    changed = 0
    batch: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal changed, size
        if batch:
            cursor.execute(sql, {**(params or {}), "rows": "[" + ",".join(batch) + "]"})
            changed += cursor.rowcount
            batch.clear()
            size = 0

    for row in rows:
        text = json.dumps(row, ensure_ascii=False)
        if len(text) > JSON_BATCH_BYTES // 4:
            changed += alone(row)
            continue
        if size + len(text) > JSON_BATCH_BYTES:
            flush()
        batch.append(text)
        size += len(text) + 1
    flush()
    return changed


@contextmanager
def checked_every(conn: Connection, steps: int, check: Callable[[], int]) -> Iterator[None]:
    """Call ``check`` every ``steps`` virtual machine steps of the statements run on ``conn``;
    when it returns non-zero the running statement ends with an "interrupted" error."""
    driver = _driver(conn)
    driver.set_progress_handler(check, steps)
    try:
        yield
    finally:
        driver.set_progress_handler(None, 0)
