"""The full-text index: SQLite FTS5 tables beside the record tables, one per kind.

Everything that speaks FTS5 lives here: its query syntax, ``MATCH`` sub-queries for the list
filters and pickers, and the ranked search with ``bm25()`` and ``snippet()``. Callers pass
the user's words through ``fts_query`` and get SQL fragments with named binds, or rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, text

from ..fields import CASE_FIELDS, FTS_TABLE_NAMES, KINDS, Kind
from ..values import strip_controls
from . import driver


def fts_query(words: str) -> str | None:
    """An FTS5 query matching every word typed, each as a prefix; None if there are no words.

    User text never reaches FTS5's query syntax: each word is quoted.
    """
    # Control characters dropped: a NUL would end FTS5's query string ("unterminated string").
    found = [w for w in strip_controls(words).replace('"', " ").split() if any(ch.isalnum() for ch in w)]
    if not found:
        return None
    return " ".join(f'"{w}"*' for w in found)


def match_clause(kind: Kind, rowid: str, bind: str = "match") -> str:
    """SQL true when ``rowid`` (an SQL expression) is the row number of a record of ``kind``
    whose text matches the ``fts_query`` bound as ``:bind``."""
    fts = FTS_TABLE_NAMES[kind]
    return f"{rowid} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH :{bind})"


def matching_rowids(conn: Connection, kind: Kind, match: str, actor_columns: Sequence[str] = ()) -> set[int]:
    """Row numbers of the records of ``kind`` matching ``match``, or referring through one of
    ``actor_columns`` to an actor whose name matches it."""
    table = KINDS[kind].table
    fts = FTS_TABLE_NAMES[kind]
    # group_concat hands back one string instead of a Python row per match: for a word in
    # every record this halves the time of a keystroke.
    parts = [f"SELECT group_concat(rowid) FROM {fts} WHERE {fts} MATCH :match"]
    for column in actor_columns:
        parts.append(
            f"SELECT group_concat(r.n) FROM {table} r WHERE r.{column} IN (SELECT a.id FROM actor a "
            f"WHERE {match_clause(Kind.ACTOR, 'a.n')})"
        )
    found: set[int] = set()
    for sql in parts:
        listed = driver.first_value(conn, text(sql), {"match": match})
        if listed:
            found.update(map(int, listed.split(",")))
    return found


def count_matches(conn: Connection, kind: Kind, match: str, cap: int) -> int:
    """How many records of ``kind`` match, counting no further than ``cap``."""
    fts = FTS_TABLE_NAMES[kind]
    sql = f"SELECT count(*) FROM (SELECT rowid FROM {fts} WHERE {fts} MATCH :match LIMIT :cap)"
    return int(conn.execute(text(sql), {"match": match, "cap": cap}).scalar_one())


# FTS5's own defaults (fts5_config.c) for the two settings ``merges_put_off`` changes.
_MERGE_DEFAULTS = (("automerge", 4), ("crisismerge", 16))
_BULK_CRISIS_MERGE = 200  # segments on a level before FTS5 must merge them: far under its 2,000


@contextmanager
def merges_put_off(conn: Connection, kinds: Iterable[Kind]) -> Iterator[None]:
    """Inside a write transaction: FTS5 merges no index segments while the block writes many
    records, and its settings are FTS5's defaults again when the block ends.

    FTS5 writes what a transaction adds to the index as new segments, and by default merges
    them with older ones as it goes: for thousands of records that merging is most of the
    write's time (10,000 titles of the large case: 3.7 s with it, 1.0 s without). The segments
    left unmerged cost searches next to nothing, later writes merge them a little at a time,
    and closing the file merges the indexes whose words were replaced (``CaseFile.close``).
    The settings are put back in the same transaction, so no file ever holds them: a case
    file's index settings are only its version and secure-delete (``search_index``)."""
    tables = sorted({FTS_TABLE_NAMES[kind] for kind in kinds})
    for fts in tables:
        conn.exec_driver_sql(f"INSERT INTO {fts} ({fts}, rank) VALUES ('automerge', 0)")
        conn.exec_driver_sql(f"INSERT INTO {fts} ({fts}, rank) VALUES ('crisismerge', {_BULK_CRISIS_MERGE})")
    yield
    for fts in tables:
        # through FTS5 first, so the settings it holds in memory for this connection are the
        # defaults again; then the rows go (an absent setting is the default)
        for name, value in _MERGE_DEFAULTS:
            conn.exec_driver_sql(f"INSERT INTO {fts} ({fts}, rank) VALUES ('{name}', {value})")
        conn.exec_driver_sql(f"DELETE FROM {fts}_config WHERE k IN ('automerge', 'crisismerge')")


_COLUMNS: dict[str, tuple[str, ...]] = {}


def indexed_columns(conn: Connection, kind: Kind) -> tuple[str, ...]:
    """The indexed fields of a kind's full-text table (the same names as in its record table)."""
    fts = FTS_TABLE_NAMES[kind]
    cached = _COLUMNS.get(fts)
    if cached is None:
        names = conn.execute(text("SELECT name FROM pragma_table_info(:fts)"), {"fts": fts})
        cached = tuple(str(row[0]) for row in names)
        _COLUMNS[fts] = cached  # the same in every file: the schema is checked on open
    return cached


def case_values(conn: Connection, columns: Sequence[str]) -> tuple[Any, ...]:
    """The case's own ``columns``: it has no full-text index (one row, searched as it is read)."""
    known = {f.column for f in CASE_FIELDS}
    if not set(columns) <= known:  # names go into the SQL: only the table's own columns may
        raise ValueError(f"not columns of case_info: {sorted(set(columns) - known)}")
    if not columns:
        return ()
    return tuple(conn.execute(text(f"SELECT {', '.join(columns)} FROM case_info WHERE n = 1")).one())


@dataclass(frozen=True)
class Snippets:
    """How snippets are made: the marks around matched words and for text left out, the words
    in a snippet, and the length of indexed text above which no snippet is made here."""

    start: str
    end: str
    ellipsis: str
    tokens: int
    scan_limit: int


def hit_rows(
    conn: Connection,
    kind: Kind,
    match: str,
    *,
    ranked: bool,
    sort_all: bool,
    limit: int,
    snippets: Snippets,
    also: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """``(rowid, id, title, snippet, score, *also)`` of at most ``limit`` matching records of ``kind``,
    ``also`` naming indexed columns whose stored values are wanted too.

    Best first when ``ranked`` (by ``bm25``), else newest first with a score of 0. ``sort_all``
    says there are no more matches than ``limit`` (or no ranking), so sorting every match costs
    no snippet in vain. The snippet is None for a record whose indexed text is longer than
    ``snippets.scan_limit``: FTS5's ``snippet()`` costs (number of matches)² per record.
    """
    spec = KINDS[kind]
    fts = FTS_TABLE_NAMES[kind]
    title = spec.field(spec.title_field).column
    indexed = indexed_columns(conn, kind)
    if not set(also) <= set(indexed):  # names go into the SQL: only the table's own columns may
        raise ValueError(f"not indexed columns of {spec.table}: {sorted(set(also) - set(indexed))}")
    extra = "".join(f", r.{c}" for c in also)
    size = " + ".join(f"coalesce(length(r.{c}), 0)" for c in indexed)
    snippet = (
        f"CASE WHEN {size} <= {snippets.scan_limit} "
        f"THEN snippet({fts}, -1, :hit_start, :hit_end, :ellipsis, {snippets.tokens}) END"
    )
    marks = {"hit_start": snippets.start, "hit_end": snippets.end, "ellipsis": snippets.ellipsis}
    order = "score" if ranked else f"{fts}.rowid DESC"
    score = f"bm25({fts})" if ranked else "0.0"
    source = f"FROM {fts} JOIN {spec.table} r ON r.n = {fts}.rowid WHERE {fts} MATCH :match"
    if sort_all:
        # Snippets are made only for the rows listed: newest first needs no sort, and a sort of
        # no more matches than are listed makes no snippet in vain.
        sql = (
            f"SELECT {fts}.rowid, r.id, r.{title}, {snippet}, {score} AS score{extra} {source} "
            f"ORDER BY {order} LIMIT :limit"
        )
        return [tuple(row) for row in conn.execute(text(sql), {**marks, "match": match, "limit": limit})]
    # Sorting by score would make a snippet for every match before keeping the best: rank
    # first, then make snippets for the best only. The rowid range lets FTS5 skip to them;
    # the "+" keeps the list out of FTS5's hands, so the match is walked once, not once per hit.
    top = conn.execute(
        text(f"SELECT {fts}.rowid, {score} AS score {source} ORDER BY score LIMIT :limit"),
        {"match": match, "limit": limit},
    ).all()
    rowids = [int(n) for n, _score in top]
    chosen = text(
        f"SELECT {fts}.rowid, r.id, r.{title}, {snippet}{extra} {source} AND {fts}.rowid BETWEEN :low AND :high "
        f"AND +{fts}.rowid IN :rowids"
    ).bindparams(bindparam("rowids", expanding=True))
    params = {**marks, "match": match, "low": min(rowids), "high": max(rowids), "rowids": rowids}
    found = {int(row[0]): tuple(row[1:]) for row in conn.execute(chosen, params)}
    return [(n, *found[int(n)][:3], rank, *found[int(n)][3:]) for n, rank in top if int(n) in found]
