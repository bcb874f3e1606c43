"""What the list queries (``db.queries``) say in SQLite's own words: collation, JSON lists, the
full-text index and the driver's fast reads.

``db.queries`` builds each query once and asks an engine's pieces for what differs;
``db.postgres.queries`` says the same things for a case on a server. The strings here are
exactly the ones the list, filter and timeline paths have always run on a case file.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, TextClause, text

from ..fields import Kind
from . import driver, fts

NOTHING = "0"


def nocase(expr: str) -> str:
    """``expr`` compared with ASCII letters folded to lower case."""
    return f"{expr} COLLATE NOCASE"


def bytewise(expr: str) -> str:
    """``expr`` compared by its bytes (SQLite's default)."""
    return expr


def ordered(expr: str, direction: str) -> str:
    """An ``ORDER BY`` term: SQLite lists NULL first going up, last going down."""
    return f"{expr}{direction}"


def is_true(expr: str) -> str:
    """SQL true when the yes-or-no ``expr`` says yes."""
    return f"{expr} = 1"


def unless_null(test: str, value: str) -> str:
    """``value``, or NULL where ``test`` is NULL."""
    return f"iif({test} IS NULL, NULL, {value})"


def joined(name: str, source: str, order: str) -> str:
    """The ``name`` of each row of ``source`` (FROM ... WHERE ...) in ``order``, joined by "; "."""
    return f"(SELECT group_concat(name, '; ') FROM (SELECT {name} AS name {source} ORDER BY {order}))"


def has_tag(column: str, bind: str) -> str:
    """SQL true when the JSON list in ``column`` holds the tag bound as ``:bind``."""
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = :{bind})"


def tags_of(table: str) -> str:
    """A query of every tag of every row of ``table``."""
    return f"SELECT json_each.value FROM {table}, json_each({table}.tags)"


def span_reaches(key: str, bind: str) -> str:
    """SQL true when the sort key ``key`` is a span whose last day is not before ``:bind``."""
    return f"(instr({key}, '+') AND substr({key}, instr({key}, '+') + 1) || '~' >= :{bind})"


def text_query(words: str) -> str | None:
    """What the typed words bind as in ``match_clause`` (None when no word was typed)."""
    return fts.fts_query(words)


def match_clause(kind: Kind, rowid: str, bind: str = "match") -> str:
    """SQL true when ``rowid`` is the row number of a record of ``kind`` matching ``:bind``."""
    return fts.match_clause(kind, rowid, bind)


def matching_rowids(conn: Connection, kind: Kind, match: str, actor_columns: Sequence[str]) -> set[int]:
    """Row numbers of the records of ``kind`` matching, or naming a matching actor."""
    return fts.matching_rowids(conn, kind, match, actor_columns)


def rowid_array(conn: Connection, statement: TextClause, params: Mapping[str, Any] | None = None) -> array[int]:
    """The first column of every row as an ``array`` of machine integers."""
    return driver.rowid_array(conn, statement, params)


def rows(conn: Connection, statement: TextClause, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Every row as a plain tuple."""
    return driver.rows(conn, statement, params)


# Day numbers (proleptic ordinal, as ``PartialDate.span_days``) computed by SQLite from the
# stored ISO text: a year or month spans to the start of the next, a day covers itself, a
# time is a point at that wall-clock time. Julian day 1721424.5 is ordinal day 0.
def _start_of(d: str) -> str:
    return (
        f"CASE length({d}) WHEN 4 THEN julianday({d} || '-01-01') WHEN 7 THEN julianday({d} || '-01') "
        f"WHEN 10 THEN julianday({d}) ELSE julianday(substr({d}, 1, 10) || ' ' || substr({d}, 12, 5)) "
        f"+ CASE WHEN substr({d}, 17, 1) = ':' THEN substr({d}, 18, 2) / 86400.0 ELSE 0 END END - 1721424.5"
    )


def _end_of(d: str) -> str:
    return (
        f"CASE length({d}) WHEN 4 THEN julianday({d} || '-01-01', '+1 year') "
        f"WHEN 7 THEN julianday({d} || '-01', '+1 month') WHEN 10 THEN julianday({d}, '+1 day') "
        "ELSE NULL END - 1721424.5"
    )


# EDTF dates: a span (interval, quarter) starts where its sort key starts and ends after the
# last day its key names after "+"; an approximate or uncertain date covers the date it qualifies.
_PLUS = "instr(date_key, '+')"
_QUALIFIED = "date GLOB '*[?~%]'"
SOFT = "date GLOB '*[?~%]*'"  # a qualifier ends a date or an interval's start
_UNQUALIFIED = "rtrim(date, '?~%')"
SPAN_START = (
    f"CASE WHEN {_PLUS} THEN {_start_of(f'substr(date_key, 1, {_PLUS} - 1)')} "
    f"WHEN {_QUALIFIED} THEN {_start_of(_UNQUALIFIED)} ELSE {_start_of('date')} END"
)
SPAN_END = (
    f"CASE WHEN {_PLUS} THEN julianday(substr(date_key, {_PLUS} + 1), '+1 day') - 1721424.5 "
    f"WHEN {_QUALIFIED} THEN {_end_of(_UNQUALIFIED)} ELSE {_end_of('date')} END"
)


def timeline_spans(conn: Connection) -> tuple[list[tuple[Any, ...]], frozenset[int]]:
    """``(n, start, end or None, key event)`` of every timeline entry in date order, and the
    row numbers of the entries whose dates are approximate or uncertain."""
    sql = f"SELECT n, {SPAN_START}, {SPAN_END}, key_event FROM timeline_entry ORDER BY date_key, n"
    spans = driver.rows(conn, text(sql))
    soft = frozenset(int(n) for n in conn.execute(text(f"SELECT n FROM timeline_entry WHERE {SOFT}")).scalars())
    return spans, soft
