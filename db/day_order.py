"""The order of records within one day: by time where the time is known, otherwise as the user says.

Statements and timeline entries list by date, then by an order the user controls within the
date (``day_order``, an integer per record, see migration 7). The rule:

- Records group by their date as far as it goes to the day: "2026-06-12" and
  "2026-06-12T17:21-04:00" are one day; "2026-06" (known only to the month) is a group of its
  own, listed before the days of that month. Undated statements are one group, listed first.
- Within a group records print by ``day_order``. Entries with a time keep time order among
  themselves: no move puts a later time before an earlier one, and an entry given a time takes
  its place among the timed ones of its day.
- An entry known only to its day sits wherever the user puts it, before, between or after the
  timed ones. Nothing sorts an untimed entry first (or last) by rule: the user's order decides.
- A new record, or one moved to another day, goes to the end of its day (one with a time goes
  just before the first entry of that day with a later time, so time order holds).

The SQL order is ``day, day_order, date_key, n``: ``date_key`` and the row number only break
ties between records given the same ``day_order`` (a hand-edited file or JSON document).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import Connection

from .dates import PartialDate
from .errors import RecordError
from .fields import KINDS, Kind
from .store import CaseStore

DAY_ORDERED: frozenset[Kind] = frozenset({Kind.STATEMENT, Kind.TIMELINE})
ORDER_SINCE = 4  # the JSON format version that added ``order`` (docs/json-format.md)


def _is_span(key: str) -> bool:
    # A span's sort key is its start, "+", its last day ("2025-07+2025-09-30", db/edtf_dates.py).
    return "+" in key


def day_of(key: object) -> str | None:
    """The group a date sort key falls in (None when undated): its text up to the day, or the
    whole key of a span (an interval, a quarter), which shares no day with single dates: it lists
    after the single dates of the day it starts on, then by its end."""
    if not key:
        return None
    text = str(key)
    return text if _is_span(text) else text[:10]


def has_time(key: object) -> bool:
    """True when the sort key names a time of day, not only a day, month or year."""
    return bool(key) and not _is_span(str(key)) and len(str(key)) > 10


def group_sql(column: str) -> str:
    """SQL for ``day_of`` over a date sort key column (the expression migration 7 indexes)."""
    return f"CASE WHEN {column} LIKE '%+%' THEN {column} ELSE substr({column}, 1, 10) END"


def order_terms(kind: Kind, direction: str = "") -> str:
    """``ORDER BY`` terms (over the table as ``r``) listing ``kind`` by date, then by day order."""
    key = KINDS[kind].field(KINDS[kind].date_field or "").key_column
    terms = (group_sql(f"r.{key}"), "r.day_order", f"r.{key}", "r.n")
    return ", ".join(f"{term}{direction}" for term in terms)


def _key_column(kind: Kind) -> str:
    spec = KINDS[kind]
    column = spec.field(spec.date_field or "").key_column
    assert column is not None
    return column


def _day(conn: Connection, kind: Kind, day: str | None) -> list[tuple[str, str | None]]:
    """``(id, date sort key)`` of the records of one day, in their order."""
    table, key = KINDS[kind].table, _key_column(kind)
    where = f"{group_sql(key)} = :day" if day is not None else f"{key} IS NULL"
    sql = f"SELECT id, {key} FROM {table} WHERE {where} ORDER BY day_order, {key}, n"
    return [(str(r[0]), r[1]) for r in conn.execute(sa.text(sql), {"day": day})]


def _write(conn: Connection, kind: Kind, ids: Sequence[str]) -> None:
    if not ids:
        return
    table = KINDS[kind].table
    conn.execute(
        sa.text(f"UPDATE {table} SET day_order = :order WHERE id = :id AND day_order <> :order"),
        [{"id": rid, "order": i} for i, rid in enumerate(ids, start=1)],
    )


def _key_of(conn: Connection, kind: Kind, record_id: str) -> str | None:
    row = conn.execute(
        sa.text(f"SELECT {_key_column(kind)} FROM {KINDS[kind].table} WHERE id = :id"), {"id": record_id}
    ).first()
    if row is None:
        raise RecordError(f"The {KINDS[kind].label.lower()} no longer exists.")
    return row[0] if row[0] is None else str(row[0])


def place(conn: Connection, kind: Kind, record_id: str) -> None:
    """Give a record that is new to its day its place there (inside a write transaction)."""
    if kind not in DAY_ORDERED:
        return
    key = _key_of(conn, kind, record_id)
    others = [(rid, k) for rid, k in _day(conn, kind, day_of(key)) if rid != record_id]
    at = len(others)
    if has_time(key):
        later = [i for i, (_rid, k) in enumerate(others) if has_time(k) and str(k) > str(key)]
        at = later[0] if later else at
    ids = [rid for rid, _k in others]
    ids.insert(at, record_id)
    _write(conn, kind, ids)


def key_before_change(conn: Connection, kind: Kind, record_id: str) -> str | None:
    """The record's date sort key, read before an edit (``replace_if_moved`` compares it after)."""
    return _key_of(conn, kind, record_id) if kind in DAY_ORDERED else None


def replace_if_moved(conn: Connection, kind: Kind, record_id: str, old_key: str | None) -> None:
    """After an edit: a record now on another day, or with another time, takes its place anew."""
    if kind not in DAY_ORDERED:
        return
    new_key = _key_of(conn, kind, record_id)
    if new_key == old_key:
        return
    if day_of(new_key) != day_of(old_key) or has_time(new_key):
        place(conn, kind, record_id)
    if day_of(new_key) != day_of(old_key):
        _write(conn, kind, [rid for rid, _k in _day(conn, kind, day_of(old_key))])


def day_ids(cf: CaseStore, kind: Kind, record_id: str) -> list[str]:
    """The ids of the records on the record's day, in their order."""
    with cf.read() as conn:
        return [rid for rid, _k in _day(conn, kind, day_of(_key_of(conn, kind, record_id)))]


def day_around(conn: Connection, kind: Kind, record_id: str) -> list[str]:
    """The order of the record's day, kept with a deleted record so undo puts it back in its place."""
    if kind not in DAY_ORDERED:
        return []
    return [rid for rid, _k in _day(conn, kind, day_of(_key_of(conn, kind, record_id)))]


def put_back(conn: Connection, kind: Kind, record_id: str, day: Sequence[str]) -> None:
    """After a deleted record is restored: its day in the order it had (records added to the
    day since then keep their order, after it)."""
    if kind not in DAY_ORDERED or record_id not in day:
        return
    now = [rid for rid, _k in _day(conn, kind, day_of(_key_of(conn, kind, record_id)))]
    present = set(now)
    _write(conn, kind, [rid for rid in day if rid in present] + [rid for rid in now if rid not in set(day)])


def _label(key: str | None) -> str:
    if key is None:
        return "undated"
    if _is_span(key):
        start, end = (PartialDate.parse_iso(part[:10]) for part in key.split("+", 1))
        return f"from {start.display()} to {end.display()}"
    date = PartialDate.parse_iso(key[:10])
    return f"on {date.display()}" if date.day is not None else f"in {date.display()}"


def moved(cf: CaseStore, kind: Kind, record_id: str, neighbour_id: str, *, up: bool) -> list[str]:
    """The order of the record's day once it is moved just past ``neighbour_id`` (the row above
    it when ``up``, below otherwise); RecordError saying why when it cannot move there."""
    noun = KINDS[kind].label.lower()
    with cf.read() as conn:
        key, other = _key_of(conn, kind, record_id), _key_of(conn, kind, neighbour_id)
        if day_of(key) != day_of(other):
            edge = "first" if up else "last"
            raise RecordError(f"This is the {edge} {noun} {_label(key)}: records move only within their day.")
        day = _day(conn, kind, day_of(key))
    keys = dict(day)
    ids = [rid for rid, _k in day if rid != record_id]
    at = ids.index(neighbour_id) + (0 if up else 1)
    ids.insert(at, record_id)
    timed = [str(keys[rid]) for rid in ids if has_time(keys[rid])]
    if timed != sorted(timed):
        raise RecordError(
            f"Both have a time of day: {noun}s with a time stay in time order (change the time to move it)."
        )
    return ids


def set_day_order(cf: CaseStore, kind: Kind, ids: Sequence[str]) -> None:
    """Store the order of one day's records, first to last."""
    with cf.write() as conn:
        _write(conn, kind, ids)


def arrange(keys: Sequence[str | None], orders: Sequence[object]) -> list[int]:
    """``day_order`` for records given with date sort keys and, where known, a position within
    their day (JSON's ``order``), in document order: by the given order, then date and time, then
    document order; entries with a time then keep time order among themselves."""
    groups: dict[str | None, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(day_of(key), []).append(i)
    result = [0] * len(keys)
    for members in groups.values():

        def rank(i: int) -> tuple[int, float, str, int]:
            given = orders[i]
            known = type(given) is int
            return (0 if known else 1, float(given) if known else 0.0, keys[i] or "", i)  # type: ignore[arg-type]

        ordered = sorted(members, key=rank)
        slots = [n for n, i in enumerate(ordered) if has_time(keys[i])]
        timed = sorted((ordered[n] for n in slots), key=lambda i: (keys[i] or "", rank(i)))
        for n, i in zip(slots, timed, strict=True):
            ordered[n] = i
        for position, i in enumerate(ordered, start=1):
            result[i] = position
    return result
