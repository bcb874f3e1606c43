"""List queries for the views: which records, in what order, and the columns of a page.

Views load lazily: ``list_rowids`` returns the row numbers of every matching record in
display order (an ``array`` of machine integers, not a Python object per row), and
``fetch_rows`` reads the shown columns for just the rows on screen.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import Connection, TextClause

from .dates import PartialDate, range_keys
from .day_order import DAY_ORDERED, group_sql
from .fields import KINDS, FieldSpec, FieldType, Kind, KindSpec
from .records import short_label
from .sqlite import queries as sqlite_sql
from .sqlite.search_index import search_index_errors
from .store import CaseStore
from .values import stored_date


class EngineSQL(Protocol):
    """What the list queries say differently on each engine (``db.sqlite.queries``,
    ``db.postgres.queries``): the rest of every query is the same text on both."""

    NOTHING: str

    def __hash__(self) -> int: ...  # a module: cached by ``list_columns``

    def nocase(self, expr: str) -> str: ...
    def bytewise(self, expr: str) -> str: ...
    def ordered(self, expr: str, direction: str) -> str: ...
    def is_true(self, expr: str) -> str: ...
    def unless_null(self, test: str, value: str) -> str: ...
    def joined(self, name: str, source: str, order: str) -> str: ...
    def has_tag(self, column: str, bind: str) -> str: ...
    def tags_of(self, table: str) -> str: ...
    def span_reaches(self, key: str, bind: str) -> str: ...
    def text_query(self, words: str) -> str | None: ...
    def match_clause(self, kind: Kind, rowid: str, bind: str = "match") -> str: ...
    def matching_rowids(self, conn: Connection, kind: Kind, match: str, actor_columns: Sequence[str]) -> set[int]: ...
    def rowid_array(
        self, conn: Connection, statement: TextClause, params: Mapping[str, Any] | None = None
    ) -> array[int]: ...
    def rows(
        self, conn: Connection, statement: TextClause, params: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]: ...
    def timeline_spans(self, conn: Connection) -> tuple[list[tuple[Any, ...]], frozenset[int]]: ...


SQLITE: EngineSQL = sqlite_sql


def engine_sql(store: CaseStore) -> EngineSQL:
    """The pieces for the engine holding ``store``'s case."""
    engine = getattr(store, "engine", None)
    if engine is not None and engine.dialect.name == "postgresql":
        from .postgres import queries as postgres_sql

        return postgres_sql
    return SQLITE


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
def _by_stored(sql: EngineSQL, column: str) -> str:
    return sql.nocase(f"r.{column}_sort")


# A reference to a record that does not exist (a received file can hold one: the open-time
# checks do not look up every reference) shows as this, where the referenced name would be.
MISSING = "(missing)"


def _linked_name(sql: EngineSQL, f: FieldSpec) -> str:
    """The name (or title) of the record a reference field points at."""
    assert f.target is not None
    target = KINDS[f.target]
    title = target.field(target.title_field).column
    return (
        f"coalesce((SELECT t.{title} FROM {target.table} t WHERE t.id = r.{f.column}), "
        f"{sql.unless_null(f'r.{f.column}', repr(MISSING))})"
    )


def _linked_names(sql: EngineSQL, f: FieldSpec) -> str:
    """The names of the records a list-of-references field points at, in order, joined by "; "."""
    assert f.target is not None and f.link is not None
    target, link = KINDS[f.target], f.link
    title = target.field(target.title_field).column
    source = (
        f"FROM {link.table} l LEFT JOIN {target.table} t ON t.id = l.{link.target_column} "
        f"WHERE l.{link.owner_column} = r.id"
    )
    return sql.joined(f"coalesce(t.{title}, '{MISSING}')", source, "l.position")


def _list_column(sql: EngineSQL, spec: KindSpec, f: FieldSpec) -> ListColumn:
    """The list column showing field ``f``: what it shows and how it sorts follow from its type."""
    value = f"r.{f.column}"
    if f.type is FieldType.REF:
        expr, sort = _linked_name(sql, f), _by_stored(sql, f.name)
    elif f.type is FieldType.REFS:
        expr, sort = _linked_names(sql, f), _by_stored(sql, f.name)
    elif f.type is FieldType.DATE:
        expr, sort = value, sql.bytewise(f"r.{f.key_column}")
    elif f.type is FieldType.LONG_TEXT:
        expr, sort = f"substr({value}, 1, 300)", sql.nocase(value)
    elif f.type is FieldType.TEXT:
        expr, sort = value, sql.nocase(value)
    elif f.type is FieldType.BOOL:
        expr, sort = value, value
    else:  # choices and tags sort by their stored form
        expr, sort = value, sql.bytewise(value)
    return ListColumn(f.name, spec.list_label(f.name), expr, sort, f.name)


@cache
def list_columns(sql: EngineSQL) -> dict[Kind, tuple[ListColumn, ...]]:
    """Every kind's list columns, in ``sql``'s words."""
    return {
        kind: tuple(_list_column(sql, spec, spec.field(name)) for name in spec.list_fields)
        for kind, spec in KINDS.items()
    }


LIST_COLUMNS: dict[Kind, tuple[ListColumn, ...]] = list_columns(SQLITE)

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


def column(kind: Kind, name: str, sql: EngineSQL = SQLITE) -> ListColumn:
    """The list column ``name`` of ``kind``."""
    for col in list_columns(sql)[kind]:
        if col.name == name:
            return col
    raise KeyError(name)


def _where(query: ListQuery, sql: EngineSQL = SQLITE) -> tuple[str, dict[str, object]]:
    spec = KINDS[query.kind]
    clauses: list[str] = []
    params: dict[str, object] = {}
    match = sql.text_query(query.text)
    if query.text.strip() and match is None:
        clauses.append(sql.NOTHING)  # only punctuation typed: nothing matches
    elif match is not None:
        params["match"] = match
        alternatives = [sql.match_clause(query.kind, "r.n")]
        for ref_column in _NAME_FILTERS[query.kind]:
            alternatives.append(
                f"r.{ref_column} IN (SELECT a.id FROM actor a WHERE {sql.match_clause(Kind.ACTOR, 'a.n')})"
            )
        clauses.append("(" + " OR ".join(alternatives) + ")")
    if query.tag:
        if "tags" not in spec.by_name:
            clauses.append(sql.NOTHING)
        else:
            clauses.append(sql.has_tag("r.tags", "tag"))
            params["tag"] = query.tag
    if (query.date_from or query.date_to) and spec.date_field:
        key = sql.bytewise(f"r.{spec.field(spec.date_field).key_column}")
        lo, hi, prefixes = range_keys(query.date_from, query.date_to)
        if lo is not None:
            marks = ", ".join(f":prefix{i}" for i in range(len(prefixes)))
            # A span (an interval, a quarter) keeps its last day after "+": it overlaps a range
            # that starts before that day is over, however early the span starts.
            ends = f" OR {sql.span_reaches(key, 'low')}"
            clauses.append(f"({key} >= :low" + (f" OR {key} IN ({marks})" if prefixes else "") + ends + ")")
            params["low"] = lo
            params.update((f"prefix{i}", prefix) for i, prefix in enumerate(prefixes))
        if hi is not None:
            clauses.append(f"{key} <= :high")
            params["high"] = hi
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _order(query: ListQuery, sql: EngineSQL = SQLITE) -> str:
    spec = KINDS[query.kind]
    direction = " DESC" if query.descending else ""
    terms: tuple[str, ...]
    if query.kind in DAY_ORDERED and query.sort in (None, spec.date_field):
        key = f"r.{spec.field(spec.date_field or '').key_column}"
        terms = (sql.bytewise(group_sql(key)), "r.day_order", sql.bytewise(key), "r.n")
    elif query.sort is None and spec.date_field:
        terms = (sql.bytewise(f"r.{spec.field(spec.date_field).key_column}"), "r.n")
    elif query.sort is None:
        terms = (sql.nocase(f"r.{spec.field(spec.title_field).column}"), "r.n")
    else:
        terms = (column(query.kind, query.sort, sql).sort, "r.n")
    return " ORDER BY " + ", ".join(sql.ordered(term, direction) for term in terms)


def matching_rowids(cf: CaseStore, kind: Kind, text: str) -> set[int] | None:
    """Row numbers of the records matching typed words (None when nothing was typed).

    The words are matched as prefixes in the kind's full-text index, and statements,
    directives and actors also match by the name of their speaker, issuer or affiliation.
    Views intersect this set with the order they already hold, which is much faster than
    asking the database to filter and sort again on every keystroke.
    """
    if not text.strip():
        return None
    sql = engine_sql(cf)
    match = sql.text_query(text)
    if match is None:
        return set()  # only punctuation typed: nothing matches
    with search_index_errors(kind), cf.read() as conn:
        return sql.matching_rowids(conn, kind, match, _NAME_FILTERS[kind])


def list_rowids(cf: CaseStore, query: ListQuery) -> array[int]:
    """Row numbers of every matching record, in display order."""
    sql = engine_sql(cf)
    table = KINDS[query.kind].table
    where, params = _where(query, sql)
    statement = f"SELECT r.n FROM {table} r{where}{_order(query, sql)}"
    with search_index_errors(query.kind), cf.read() as conn:
        return sql.rowid_array(conn, sa.text(statement), params)


def fetch_rows(cf: CaseStore, kind: Kind, rowids: Sequence[int]) -> dict[int, tuple[object, ...]]:
    """``rowid -> (id, column values...)`` for the given rows (columns as in LIST_COLUMNS)."""
    if not rowids:
        return {}
    sql = engine_sql(cf)
    table = KINDS[kind].table
    exprs = ", ".join(col.expr for col in list_columns(sql)[kind])
    out: dict[int, tuple[object, ...]] = {}
    with cf.read() as conn:
        for start in range(0, len(rowids), 500):
            chunk = rowids[start : start + 500]
            marks = ", ".join(f":n{i}" for i in range(len(chunk)))
            statement = f"SELECT r.n, r.id, {exprs} FROM {table} r WHERE r.n IN ({marks})"
            for row in sql.rows(conn, sa.text(statement), {f"n{i}": n for i, n in enumerate(chunk)}):
                out[row[0]] = tuple(row[1:])
    return out


def rowid_of(cf: CaseStore, kind: Kind, record_id: str) -> int | None:
    """Row number of a record, or None if it does not exist."""
    with cf.read() as conn:
        row = conn.execute(sa.text(f"SELECT n FROM {KINDS[kind].table} WHERE id = :id"), {"id": record_id}).first()
    return int(row[0]) if row else None


def counts(cf: CaseStore) -> dict[Kind, int]:
    """Number of records of each kind."""
    with cf.read() as conn:
        return {
            kind: int(conn.execute(sa.text(f"SELECT count(*) FROM {spec.table}")).scalar_one())
            for kind, spec in KINDS.items()
        }


def date_span(cf: CaseStore) -> tuple[PartialDate | None, PartialDate | None]:
    """Earliest and latest dated statement, directive or timeline entry (a source's date is
    when it was published, not something that happened in the matter)."""
    # Each table's first and last date come straight off its date index (no sort).
    sql = engine_sql(cf)
    dated = [(spec, spec.field(spec.date_field)) for spec in KINDS.values() if spec.date_field]
    tables = [(spec.table, f.column, f.key_column) for spec, f in dated if spec.kind is not Kind.SOURCE]
    found: list[tuple[str, str]] = []
    with cf.read() as conn:
        for table, column, key in tables:
            for direction in ("ASC", "DESC"):
                statement = (
                    f"SELECT {key}, {column} FROM {table} WHERE {key} IS NOT NULL "
                    f"ORDER BY {sql.bytewise(str(key))} {direction} LIMIT 1"
                )
                row = conn.execute(sa.text(statement)).first()
                if row is not None:
                    found.append((str(row[0]), str(row[1])))
    if not found:
        return None, None
    first, last = min(found), max(found)
    return stored_date(first[1]), stored_date(last[1])


def all_tags(cf: CaseStore, kind: Kind | None = None) -> list[str]:
    """Every tag in use (for one kind or all), sorted case-insensitively."""
    sql = engine_sql(cf)
    kinds = [kind] if kind else [k for k, spec in KINDS.items() if "tags" in spec.by_name]
    parts = [sql.tags_of(KINDS[k].table) for k in kinds]
    with cf.read() as conn:
        rows = conn.execute(sa.text(" UNION ".join(parts))).scalars().all()
    return sorted({str(r) for r in rows}, key=str.casefold)


def choices(cf: CaseStore, kind: Kind, text: str = "", *, limit: int = 50) -> list[tuple[str, str]]:
    """``(id, label)`` of records whose title matches what was typed, for pickers."""
    sql = engine_sql(cf)
    spec = KINDS[kind]
    title = spec.field(spec.title_field).column
    match = sql.text_query(text)
    order = f"ORDER BY {sql.ordered(sql.nocase(str(title)), '')}, n LIMIT :limit"
    with search_index_errors(kind), cf.read() as conn:
        if match is None:
            rows = conn.execute(sa.text(f"SELECT id, {title} FROM {spec.table} {order}"), {"limit": limit}).all()
        else:
            statement = f"SELECT id, {title} FROM {spec.table} WHERE {sql.match_clause(kind, 'n')} {order}"
            rows = conn.execute(sa.text(statement), {"match": match, "limit": limit}).all()
    return [(str(r[0]), short_label(r[1], 80)) for r in rows]


def labels(cf: CaseStore, kind: Kind, ids: Sequence[str]) -> dict[str, str]:
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


def timeline_marks(cf: CaseStore) -> TimelineMarks:
    """Drawing data for the timeline strip (spans computed by the database, read in one pass)."""
    sql = engine_sql(cf)
    with cf.read() as conn:
        rows, soft = sql.timeline_spans(conn)
        titles = {
            int(n): short_label(title, 80)
            for n, title in conn.execute(
                sa.text(f"SELECT n, title FROM timeline_entry WHERE {sql.is_true('key_event')}")
            )
        }
    start = array("d", [r[1] for r in rows])
    end = array("d", [r[1] if r[2] is None else r[2] for r in rows])
    return TimelineMarks(array("q", [r[0] for r in rows]), start, end, array("b", [r[3] for r in rows]), titles, soft)
