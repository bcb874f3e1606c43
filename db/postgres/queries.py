"""What the list queries (``db.queries``) say in PostgreSQL's words, for a case on a server.

The counterpart of ``db.sqlite.queries``, piece for piece, chosen so a server case lists,
filters and sorts its records exactly as the case file it was published from:

- text compares by its bytes (``COLLATE "C"``), as SQLite does, whatever the database's
  collation; "no case" folds ASCII letters only, as SQLite's ``NOCASE``;
- NULL sorts first going up and last going down, as in SQLite;
- words match through the ``casefile_words`` index (migration p0002) instead of FTS5;
- timeline spans are computed here from the stored dates, with SQLite's own arithmetic
  (``julianday``'s milliseconds), so the strip draws the same numbers.
"""

from __future__ import annotations

import datetime as dt
import sys
from array import array
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, TextClause, text

from ..fields import KINDS, Kind
from .search import matches, ts_query

NOTHING = "false"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def nocase(expr: str) -> str:
    """``expr`` compared with ASCII letters folded to lower case (SQLite's ``NOCASE``)."""
    return f"translate({expr}, '{_UPPER}', '{_UPPER.lower()}') COLLATE \"C\""


def bytewise(expr: str) -> str:
    """``expr`` compared by its bytes."""
    return f'({expr}) COLLATE "C"'


def ordered(expr: str, direction: str) -> str:
    """An ``ORDER BY`` term with NULL placed where SQLite places it."""
    return f"{expr}{direction} NULLS {'LAST' if direction else 'FIRST'}"


def is_true(expr: str) -> str:
    """SQL true when the yes-or-no ``expr`` says yes."""
    return expr


def unless_null(test: str, value: str) -> str:
    """``value``, or NULL where ``test`` is NULL."""
    return f"CASE WHEN {test} IS NULL THEN NULL ELSE {value} END"


def joined(name: str, source: str, order: str) -> str:
    """The ``name`` of each row of ``source`` (FROM ... WHERE ...) in ``order``, joined by "; "."""
    return f"(SELECT string_agg({name}, '; ' ORDER BY {order}) {source})"


def _tags(column: str) -> str:
    return f"json_array_elements_text(CAST({column} AS json)) AS tag(value)"


def has_tag(column: str, bind: str) -> str:
    """SQL true when the JSON list in ``column`` holds the tag bound as ``:bind``."""
    return f"EXISTS (SELECT 1 FROM {_tags(column)} WHERE tag.value = :{bind})"


def tags_of(table: str) -> str:
    """A query of every tag of every row of ``table``."""
    return f"SELECT tag.value FROM {table}, {_tags(f'{table}.tags')}"


def span_reaches(key: str, bind: str) -> str:
    """SQL true when the sort key ``key`` is a span whose last day is not before ``:bind``."""
    last = f"substr({key}, strpos({key}, '+') + 1) || '~'"
    return f"(strpos({key}, '+') > 0 AND ({last}) COLLATE \"C\" >= :{bind})"


def text_query(words: str) -> str | None:
    """The ``tsquery`` text the typed words bind as (None when no word was typed)."""
    return ts_query(words)


def match_clause(kind: Kind, rowid: str, bind: str = "match") -> str:
    """SQL true when ``rowid`` is the row number of a record of ``kind`` matching ``:bind``."""
    return f"{rowid} IN ({matches(kind, bind)})"


def matching_rowids(conn: Connection, kind: Kind, match: str, actor_columns: Sequence[str]) -> set[int]:
    """Row numbers of the records of ``kind`` matching, or naming a matching actor."""
    table = KINDS[kind].table
    parts = [matches(kind)]
    for column in actor_columns:
        parts.append(
            f"SELECT r.n FROM {table} r JOIN actor a ON a.id = r.{column} WHERE a.n IN ({matches(Kind.ACTOR)})"
        )
    # One value instead of a row per match, each row number as its four bytes: a word in every
    # record costs a fraction of the time.
    sql = f"SELECT string_agg(int4send(n), ''::bytea) FROM ({' UNION '.join(parts)}) AS found"
    listed = conn.execute(text(sql), {"match": match}).scalar()
    found = array("i")
    if listed:
        found.frombytes(listed)
        if sys.byteorder == "little":
            found.byteswap()
    return set(found)


def rowid_array(conn: Connection, statement: TextClause, params: Mapping[str, Any] | None = None) -> array[int]:
    """The first column of every row as an ``array`` of machine integers."""
    return array("q", conn.execute(statement, dict(params or {})).scalars())


def rows(conn: Connection, statement: TextClause, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Every row as a plain tuple, a yes-or-no as 1 or 0 as a case file gives it."""
    return [
        tuple(int(v) if isinstance(v, bool) else v for v in row) for row in conn.execute(statement, dict(params or {}))
    ]


# ----- timeline spans ------------------------------------------------------------------------
#
# The numbers SQLite's ``julianday`` gives (``db.sqlite.queries``): it counts whole milliseconds
# from its epoch, then divides; the same steps here give the same floating-point numbers.

_EPOCH_MS = 148_731_076_800_000  # julian day 1721424.5 (ordinal day 0) in milliseconds
_DAY_MS = 86_400_000


def _julian_day(day: dt.date, ms: int = 0) -> float:
    return (day.toordinal() * _DAY_MS + _EPOCH_MS + ms) / 86_400_000.0


def _julian(day: dt.date) -> float:
    return _julian_day(day) - 1721424.5


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _next_month(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1)


def _start_of(d: str) -> float | None:
    try:
        if len(d) == 4:
            return _julian(dt.date(int(d), 1, 1))
        if len(d) == 7:
            return _julian(dt.date(int(d[:4]), int(d[5:7]), 1))
        if len(d) == 10:
            day = _day(d)
            return None if day is None else _julian(day)
        day = _day(d[:10])
        if day is None:
            return None
        clock = d[11:16]
        value = _julian_day(day, int(clock[:2]) * 3_600_000 + int(clock[3:5]) * 60_000)
        return value + (int(d[17:19]) / 86400.0 if d[16:17] == ":" else 0) - 1721424.5
    except ValueError:
        return None


def _end_of(d: str) -> float | None:
    try:
        if len(d) == 4:
            return _julian(dt.date(int(d) + 1, 1, 1))
        if len(d) == 7:
            return _julian(_next_month(int(d[:4]), int(d[5:7])))
        day = _day(d) if len(d) == 10 else None
        return None if day is None else _julian(day + dt.timedelta(days=1))
    except ValueError:
        return None


def _span(date: str, key: str) -> tuple[float | None, float | None]:
    if "+" in key:
        first, last = key.split("+", 1)
        day = _day(last)
        return _start_of(first), None if day is None else _julian(day + dt.timedelta(days=1))
    if date[-1:] in ("?", "~", "%"):
        date = date.rstrip("?~%")
    return _start_of(date), _end_of(date)


def timeline_spans(conn: Connection) -> tuple[list[tuple[Any, ...]], frozenset[int]]:
    """``(n, start, end or None, key event)`` of every timeline entry in date order, and the
    row numbers of the entries whose dates are approximate or uncertain."""
    found = conn.execute(
        text('SELECT n, date, date_key, key_event FROM timeline_entry ORDER BY date_key COLLATE "C" NULLS FIRST, n')
    ).all()
    spans: list[tuple[Any, ...]] = []
    soft: set[int] = set()
    for n, date, key, key_event in found:
        start, end = _span(str(date), str(key or ""))
        spans.append((int(n), start, end, int(key_event)))
        if any(mark in str(date) for mark in "?~%"):
            soft.add(int(n))
    return spans, frozenset(soft)
