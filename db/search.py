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
            sql = (
                f"SELECT r.id, r.{title}, snippet({fts}, -1, ?, ?, ?, 12), bm25({fts}) AS score "
                f"FROM {fts} JOIN {spec.table} r ON r.n = {fts}.rowid "
                f"WHERE {fts} MATCH ? ORDER BY score LIMIT ?"
            )
            params = (HIT_START, HIT_END, ELLIPSIS, match, limit_per_kind)
            for rid, record_title, snippet, score in conn.exec_driver_sql(sql, params):
                hits.append(SearchHit(kind, rid, short_label(record_title, 80), snippet or "", float(score)))
    return hits
