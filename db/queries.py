"""List queries for the views: which records, in what order, and the columns of a page.

Views load lazily: ``list_rowids`` returns the row numbers of every matching record in
display order (an ``array`` of machine integers, not a Python object per row), and
``fetch_rows`` reads the shown columns for just the rows on screen.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from .dates import PartialDate, range_keys
from .day_order import DAY_ORDERED, order_terms
from .errors import CaseFileError
from .fields import KINDS, FieldSpec, FieldType, Kind, KindSpec
from .records import short_label
from .sqlite import driver, fts
from .sqlite.casefile import CaseFile
from .sqlite.fts import fts_query
from .sqlite.search_index import search_index_errors
from .values import stored_date


@dataclass(frozen=True)
class ListColumn:
    """A column of a record list: its SQL expression (over the kind's table ``r``) and sort key."""

    name: str
    label: str
    expr: str
    sort: str
    field: str | None = None  # the record field it shows and edits, if any


# A column showing a linked record's name sorts by that name as stored in the row itself
# (``<column>_sort``, kept by triggers and indexed case-insensitively, see migration
# m0005_sort_names), so the sort walks an index instead of joining and sorting every row.
def _by_stored(column: str) -> str:
    return f"r.{column}_sort COLLATE NOCASE"


# A reference to a record that does not exist (a received file can hold one: the open-time
# checks do not look up every reference) shows as this, where the referenced name would be.
MISSING = "(missing)"


def _linked_name(f: FieldSpec) -> str:
    """The name (or title) of the record a reference field points at."""
    assert f.target is not None
    target = KINDS[f.target]
    title = target.field(target.title_field).column
    return (
        f"coalesce((SELECT t.{title} FROM {target.table} t WHERE t.id = r.{f.column}), "
        f"iif(r.{f.column} IS NULL, NULL, '{MISSING}'))"
    )


def _linked_names(f: FieldSpec) -> str:
    """The names of the records a list-of-references field points at, in order, joined by "; "."""
    assert f.target is not None and f.link is not None
    target, link = KINDS[f.target], f.link
    title = target.field(target.title_field).column
    return (
        f"(SELECT group_concat(name, '; ') FROM (SELECT coalesce(t.{title}, '{MISSING}') AS name "
        f"FROM {link.table} l LEFT JOIN {target.table} t ON t.id = l.{link.target_column} "
        f"WHERE l.{link.owner_column} = r.id ORDER BY l.position))"
    )


def _list_column(spec: KindSpec, f: FieldSpec) -> ListColumn:
    """The list column showing field ``f``: what it shows and how it sorts follow from its type."""
    value = f"r.{f.column}"
    if f.type is FieldType.REF:
        expr, sort = _linked_name(f), _by_stored(f.name)
    elif f.type is FieldType.REFS:
        expr, sort = _linked_names(f), _by_stored(f.name)
    elif f.type is FieldType.DATE:
        expr, sort = value, f"r.{f.key_column}"
    elif f.type is FieldType.LONG_TEXT:
        expr, sort = f"substr({value}, 1, 300)", f"{value} COLLATE NOCASE"
    elif f.type is FieldType.TEXT:
        expr, sort = value, f"{value} COLLATE NOCASE"
    else:  # yes/no, choices and tags sort by their stored form
        expr, sort = value, value
    return ListColumn(f.name, spec.list_label(f.name), expr, sort, f.name)


LIST_COLUMNS: dict[Kind, tuple[ListColumn, ...]] = {
    kind: tuple(_list_column(spec, spec.field(name)) for name in spec.list_fields) for kind, spec in KINDS.items()
}

# Referenced actors whose names a text filter also searches (a statement by "Brennan").
_NAME_FILTERS: dict[Kind, tuple[str, ...]] = {
    kind: tuple(f.column for f in spec.fields if f.type is FieldType.REF and f.target is Kind.ACTOR and f.column)
    for kind, spec in KINDS.items()
}


@dataclass(frozen=True)
class ListQuery:
    """Which records of a kind to list, and in what order."""

    kind: Kind
    sort: str | None = None  # a LIST_COLUMNS name; None = the kind's natural order
    descending: bool = False
    text: str = ""
    tag: str | None = None
    date_from: PartialDate | None = None
    date_to: PartialDate | None = None


def column(kind: Kind, name: str) -> ListColumn:
    """The list column ``name`` of ``kind``."""
    for col in LIST_COLUMNS[kind]:
        if col.name == name:
            return col
    raise KeyError(name)


def _where(query: ListQuery) -> tuple[str, dict[str, object]]:
    spec = KINDS[query.kind]
    clauses: list[str] = []
    params: dict[str, object] = {}
    match = fts_query(query.text)
    if query.text.strip() and match is None:
        clauses.append("0")  # only punctuation typed: nothing matches
    elif match is not None:
        params["match"] = match
        alternatives = [fts.match_clause(query.kind, "r.n")]
        for ref_column in _NAME_FILTERS[query.kind]:
            alternatives.append(
                f"r.{ref_column} IN (SELECT a.id FROM actor a WHERE {fts.match_clause(Kind.ACTOR, 'a.n')})"
            )
        clauses.append("(" + " OR ".join(alternatives) + ")")
    if query.tag:
        if "tags" not in spec.by_name:
            clauses.append("0")
        else:
            clauses.append("EXISTS (SELECT 1 FROM json_each(r.tags) WHERE json_each.value = :tag)")
            params["tag"] = query.tag
    if (query.date_from or query.date_to) and spec.date_field:
        key = spec.field(spec.date_field).key_column
        lo, hi, prefixes = range_keys(query.date_from, query.date_to)
        if lo is not None:
            marks = ", ".join(f":prefix{i}" for i in range(len(prefixes)))
            # A span (an interval, a quarter) keeps its last day after "+": it overlaps a range
            # that starts before that day is over, however early the span starts.
            ends = f" OR (instr(r.{key}, '+') AND substr(r.{key}, instr(r.{key}, '+') + 1) || '~' >= :low)"
            clauses.append(f"(r.{key} >= :low" + (f" OR r.{key} IN ({marks})" if prefixes else "") + ends + ")")
            params["low"] = lo
            params.update((f"prefix{i}", prefix) for i, prefix in enumerate(prefixes))
        if hi is not None:
            clauses.append(f"r.{key} <= :high")
            params["high"] = hi
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _order(query: ListQuery) -> str:
    spec = KINDS[query.kind]
    direction = " DESC" if query.descending else ""
    if query.kind in DAY_ORDERED and query.sort in (None, spec.date_field):
        return f" ORDER BY {order_terms(query.kind, direction)}"
    if query.sort is None:
        if spec.date_field:
            key = spec.field(spec.date_field).key_column
            return f" ORDER BY r.{key}{direction}, r.n{direction}"
        title = spec.field(spec.title_field).column
        return f" ORDER BY r.{title} COLLATE NOCASE{direction}, r.n{direction}"
    col = column(query.kind, query.sort)
    return f" ORDER BY {col.sort}{direction}, r.n{direction}"


def matching_rowids(cf: CaseFile, kind: Kind, text: str) -> set[int] | None:
    """Row numbers of the records matching typed words (None when nothing was typed).

    The words are matched as prefixes in the kind's full-text index, and statements,
    directives and actors also match by the name of their speaker, issuer or affiliation.
    Views intersect this set with the order they already hold, which is much faster than
    asking SQLite to filter and sort again on every keystroke.
    """
    if not text.strip():
        return None
    match = fts_query(text)
    if match is None:
        return set()  # only punctuation typed: nothing matches
    with search_index_errors(kind), cf.read() as conn:
        return fts.matching_rowids(conn, kind, match, _NAME_FILTERS[kind])


def list_rowids(cf: CaseFile, query: ListQuery) -> array[int]:
    """Row numbers of every matching record, in display order."""
    table = KINDS[query.kind].table
    where, params = _where(query)
    sql = f"SELECT r.n FROM {table} r{where}{_order(query)}"
    with search_index_errors(query.kind), cf.read() as conn:
        return driver.rowid_array(conn, sa.text(sql), params)


def fetch_rows(cf: CaseFile, kind: Kind, rowids: Sequence[int]) -> dict[int, tuple[object, ...]]:
    """``rowid -> (id, column values...)`` for the given rows (columns as in LIST_COLUMNS)."""
    if not rowids:
        return {}
    table = KINDS[kind].table
    exprs = ", ".join(col.expr for col in LIST_COLUMNS[kind])
    out: dict[int, tuple[object, ...]] = {}
    with cf.read() as conn:
        for start in range(0, len(rowids), 500):
            chunk = rowids[start : start + 500]
            marks = ", ".join(f":n{i}" for i in range(len(chunk)))
            sql = f"SELECT r.n, r.id, {exprs} FROM {table} r WHERE r.n IN ({marks})"
            for row in driver.rows(conn, sa.text(sql), {f"n{i}": n for i, n in enumerate(chunk)}):
                out[row[0]] = tuple(row[1:])
    return out


def rowid_of(cf: CaseFile, kind: Kind, record_id: str) -> int | None:
    """Row number of a record, or None if it does not exist."""
    with cf.read() as conn:
        row = conn.execute(sa.text(f"SELECT n FROM {KINDS[kind].table} WHERE id = :id"), {"id": record_id}).first()
    return int(row[0]) if row else None


def counts(cf: CaseFile) -> dict[Kind, int]:
    """Number of records of each kind."""
    with cf.read() as conn:
        return {
            kind: int(conn.execute(sa.text(f"SELECT count(*) FROM {spec.table}")).scalar_one())
            for kind, spec in KINDS.items()
        }


def date_span(cf: CaseFile) -> tuple[PartialDate | None, PartialDate | None]:
    """Earliest and latest dated statement, directive or timeline entry (a source's date is
    when it was published, not something that happened in the matter)."""
    # Each table's first and last date come straight off its date index (no sort).
    dated = [(spec, spec.field(spec.date_field)) for spec in KINDS.values() if spec.date_field]
    tables = [(spec.table, f.column, f.key_column) for spec, f in dated if spec.kind is not Kind.SOURCE]
    found: list[tuple[str, str]] = []
    with cf.read() as conn:
        for table, column, key in tables:
            for direction in ("ASC", "DESC"):
                sql = f"SELECT {key}, {column} FROM {table} WHERE {key} IS NOT NULL ORDER BY {key} {direction} LIMIT 1"
                row = conn.execute(sa.text(sql)).first()
                if row is not None:
                    found.append((str(row[0]), str(row[1])))
    if not found:
        return None, None
    first, last = min(found), max(found)
    return stored_date(first[1]), stored_date(last[1])


def all_tags(cf: CaseFile, kind: Kind | None = None) -> list[str]:
    """Every tag in use (for one kind or all), sorted case-insensitively."""
    kinds = [kind] if kind else [k for k, spec in KINDS.items() if "tags" in spec.by_name]
    parts = [f"SELECT json_each.value FROM {KINDS[k].table}, json_each({KINDS[k].table}.tags)" for k in kinds]
    with cf.read() as conn:
        rows = conn.execute(sa.text(" UNION ".join(parts))).scalars().all()
    return sorted({str(r) for r in rows}, key=str.casefold)


def choices(cf: CaseFile, kind: Kind, text: str = "", *, limit: int = 50) -> list[tuple[str, str]]:
    """``(id, label)`` of records whose title matches what was typed, for pickers."""
    spec = KINDS[kind]
    title = spec.field(spec.title_field).column
    match = fts_query(text)
    with search_index_errors(kind), cf.read() as conn:
        if match is None:
            sql = f"SELECT id, {title} FROM {spec.table} ORDER BY {title} COLLATE NOCASE LIMIT :limit"
            rows = conn.execute(sa.text(sql), {"limit": limit}).all()
        else:
            sql = (
                f"SELECT id, {title} FROM {spec.table} WHERE {fts.match_clause(kind, 'n')} "
                f"ORDER BY {title} COLLATE NOCASE LIMIT :limit"
            )
            rows = conn.execute(sa.text(sql), {"match": match, "limit": limit}).all()
    return [(str(r[0]), short_label(r[1], 80)) for r in rows]


def labels(cf: CaseFile, kind: Kind, ids: Sequence[str]) -> dict[str, str]:
    """Short titles of the given records (ids that no longer exist are left out)."""
    if not ids:
        return {}
    spec = KINDS[kind]
    title = spec.field(spec.title_field).column
    out: dict[str, str] = {}
    sql = sa.text(f"SELECT id, {title} FROM {spec.table} WHERE id IN :ids").bindparams(
        sa.bindparam("ids", expanding=True)
    )
    with cf.read() as conn:
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            out.update((str(r[0]), short_label(r[1], 80)) for r in conn.execute(sql, {"ids": chunk}))
    return out


@dataclass(frozen=True)
class TimelineMarks:
    """Every timeline entry as drawing data, in date order: parallel arrays, no object per entry.

    ``start``/``end`` are fractional day numbers (``PartialDate.span_days``): a day or a month
    is a span, a time is a point (``start == end``). ``titles`` holds the titles of key
    events only (other entries' titles are read when needed).
    """

    rowids: array[int]
    start: array[float]
    end: array[float]
    key: array[int]
    titles: dict[int, str]
    soft: frozenset[int] = frozenset()  # entries whose dates are approximate or uncertain

    def __len__(self) -> int:
        return len(self.rowids)


def _span_of(date: object) -> tuple[float, float]:
    value = stored_date(date)
    if value is None:
        raise CaseFileError("The case file is damaged: a timeline entry has no date.")
    return value.span_days()


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
_SOFT = "date GLOB '*[?~%]*'"  # a qualifier ends a date or an interval's start
_UNQUALIFIED = "rtrim(date, '?~%')"
_SPAN_START = (
    f"CASE WHEN {_PLUS} THEN {_start_of(f'substr(date_key, 1, {_PLUS} - 1)')} "
    f"WHEN {_QUALIFIED} THEN {_start_of(_UNQUALIFIED)} ELSE {_start_of('date')} END"
)
_SPAN_END = (
    f"CASE WHEN {_PLUS} THEN julianday(substr(date_key, {_PLUS} + 1), '+1 day') - 1721424.5 "
    f"WHEN {_QUALIFIED} THEN {_end_of(_UNQUALIFIED)} ELSE {_end_of('date')} END"
)


def timeline_marks(cf: CaseFile) -> TimelineMarks:
    """Drawing data for the timeline strip (spans computed in SQLite, read in one pass)."""
    sql = f"SELECT n, {_SPAN_START}, {_SPAN_END}, key_event FROM timeline_entry ORDER BY date_key, n"
    with cf.read() as conn:
        rows = driver.rows(conn, sa.text(sql))
        titles = {
            int(n): short_label(title, 80)
            for n, title in conn.execute(sa.text("SELECT n, title FROM timeline_entry WHERE key_event = 1"))
        }

        soft = frozenset(int(n) for n in conn.execute(sa.text(f"SELECT n FROM timeline_entry WHERE {_SOFT}")).scalars())
    start = array("d", [r[1] for r in rows])
    end = array("d", [r[1] if r[2] is None else r[2] for r in rows])
    return TimelineMarks(array("q", [r[0] for r in rows]), start, end, array("b", [r[3] for r in rows]), titles, soft)
