"""Full-text search across every kind of record (SQLite FTS5)."""

from __future__ import annotations

from dataclasses import dataclass

from .casefile import CaseFile
from .fields import JSON_ORDER, KINDS, Kind
from .queries import FTS_TABLES, fts_query
from .records import short_label

# Marks around matched words in snippets; control characters no user text contains after
# the store's cleaning, so the app can turn them into highlighting safely.
HIT_START = "\x02"
HIT_END = "\x03"
ELLIPSIS = "…"
# Above this many matches in one kind, hits are listed newest first instead of by relevance.
RANK_LIMIT = 2000


@dataclass(frozen=True)
class SearchHit:
    """One matching record: its kind, id, title and a snippet around the match."""

    kind: Kind
    id: str
    title: str
    snippet: str
    rank: float

    def plain_snippet(self) -> str:
        """The snippet without highlight marks."""
        return self.snippet.replace(HIT_START, "").replace(HIT_END, "")


def search(cf: CaseFile, text: str, *, limit_per_kind: int = 50) -> list[SearchHit]:
    """Records of every kind matching all the words typed (as prefixes), best first within a kind.

    Hits are grouped by kind in the order sources, actors, statements, directives, timeline.
    """
    match = fts_query(text)
    if match is None:
        return []
    hits: list[SearchHit] = []
    with cf.read() as conn:
        for kind in JSON_ORDER:
            spec = KINDS[kind]
            fts = FTS_TABLES[kind]
            title = spec.field(spec.title_field).column
            # Ranking needs a score for every match: affordable for a few hundred matches, not
            # for tens of thousands of a common word (then the newest records come first).
            matches = conn.exec_driver_sql(
                f"SELECT count(*) FROM (SELECT rowid FROM {fts} WHERE {fts} MATCH ? LIMIT ?)",
                (match, RANK_LIMIT + 1),
            ).scalar_one()
            if not matches:
                continue
            order = "score" if matches <= RANK_LIMIT else f"{fts}.rowid DESC"
            sql = (
                f"SELECT r.id, r.{title}, snippet({fts}, -1, ?, ?, ?, 12), "
                f"{'bm25(' + fts + ')' if matches <= RANK_LIMIT else '0.0'} AS score "
                f"FROM {fts} JOIN {spec.table} r ON r.n = {fts}.rowid "
                f"WHERE {fts} MATCH ? ORDER BY {order} LIMIT ?"
            )
            params = (HIT_START, HIT_END, ELLIPSIS, match, limit_per_kind)
            for rid, record_title, snippet, score in conn.exec_driver_sql(sql, params):
                score = float(score) if score is not None else 0.0  # a damaged index can give no rank
                hits.append(SearchHit(kind, rid, short_label(record_title, 80), snippet or "", score))
    return hits
