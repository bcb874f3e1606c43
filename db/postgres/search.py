"""Full-text search on a server case: the typed words as a ``tsquery``, and the matching records.

The words are the ones a case file's FTS5 index would find: ``fts_query`` picks them from what
was typed, each is split into letters and digits and folded as ``casefile_words`` folds the
records (migration p0002), and each must match as a prefix; a word of one or two letters is
the stored lexeme of that prefix (``'*m'``), one entry of the index; a word FTS5 would read as
a phrase ("U.S.") is one here too (``'u' <-> 's':*``). The query text is read as it is
(``CAST(... AS tsquery)``), not by ``to_tsquery``, whose parser would drop the ``*``. Snippets
are made by ``db.search`` from the fields returned, with the same code as a case file's long
records, so hits look alike.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, text

from ..fields import KINDS, Kind
from ..sqlite.fts import fts_query
from .migrations.p0002_search import FOLD_FROM, FOLD_TO, INDEXED, SHORT_MARK, SHORT_PREFIX, words_table

_FOLD = str.maketrans(FOLD_FROM, FOLD_TO)
_TOKEN = re.compile(r"[^\W_]+")
_QUERY_WORD = re.compile(r'"([^"]*)"\*')


def bound_query(bind: str = "match") -> str:
    """The ``tsquery`` bound as ``:bind`` (text made by ``ts_query``), read as it is: its words are
    already as the index holds them, and ``to_tsquery`` would take the mark off a short prefix."""
    return f"CAST(:{bind} AS tsquery)"


_QUERY = bound_query()
# PostgreSQL keeps no word longer than this in a ``tsvector``; such a word can never be found.
_LONGEST = 2046
# Ranking reads the stored words of every match: above this many matches in a kind the newest
# come first, as they do on a file above 2,000 (at 2,000 a search of a middling word takes three
# times as long on the large benchmark case).
RANK_LIMIT = 200


def ts_query(words: str) -> str | None:
    """The ``tsquery`` text finding every word typed as a prefix (None when no word was typed).

    Only letters and digits reach the query, each lexeme quoted: typed text never reaches the
    query syntax."""
    match = fts_query(words)
    if match is None:
        return None
    terms: list[str] = []
    for word in _QUERY_WORD.findall(match):
        tokens = [t for t in _TOKEN.findall(word.translate(_FOLD).lower()) if len(t.encode()) <= _LONGEST]
        if len(tokens) == 1 and len(tokens[0]) <= SHORT_PREFIX:
            terms.append(f"'{SHORT_MARK}{tokens[0]}'")  # the stored short prefix (migration p0002)
        elif tokens:
            phrase = " <-> ".join(f"'{t}'" for t in tokens) + ":*"
            terms.append(f"({phrase})" if len(tokens) > 1 else phrase)
    return " & ".join(terms) or None


def indexed_columns(kind: Kind) -> tuple[str, ...]:
    """The fields of ``kind`` whose words are indexed, in the order a case file's index has them."""
    return INDEXED[KINDS[kind].table]


def matches(kind: Kind, bind: str = "match") -> str:
    """A query of the row numbers of the records of ``kind`` whose words match ``:bind``."""
    return f"SELECT n FROM {words_table(KINDS[kind].table)} WHERE words @@ {bound_query(bind)}"


def count_matches(conn: Connection, kind: Kind, match: str, cap: int) -> int:
    """How many records of ``kind`` match, counting no further than ``cap``."""
    # In row order, so the planner may walk the row numbers and stop at ``cap`` for a common word
    # rather than collect every match from the index first.
    sql = f"SELECT count(*) FROM ({matches(kind)} ORDER BY n LIMIT :cap) m"
    return int(conn.execute(text(sql), {"match": match, "cap": cap}).scalar_one())


def hit_rows(conn: Connection, kind: Kind, match: str, *, ranked: bool, limit: int) -> list[tuple[Any, ...]]:
    """``(n, id, title, score, *indexed fields)`` of at most ``limit`` matching records of
    ``kind``: best first when ``ranked`` (the score is ``-ts_rank``, lower is better as with
    a file's ``bm25``), else newest first with a score of 0."""
    spec = KINDS[kind]
    title = spec.field(spec.title_field).column
    fields = ", ".join(f"r.{c}" for c in indexed_columns(kind))
    score, order, again = (
        ("-ts_rank(w.words, q)", "score, n", "hit.score, r.n") if ranked else ("0.0", "n DESC", "r.n DESC")
    )
    # The few hits are picked from the words table alone, then their records read.
    sql = (
        f"WITH hit AS MATERIALIZED (SELECT w.n, {score} AS score FROM {words_table(spec.table)} w, {_QUERY} AS q "
        f"WHERE w.words @@ q ORDER BY {order} LIMIT :limit) "
        f"SELECT r.n, r.id, r.{title}, hit.score, {fields} FROM hit JOIN {spec.table} r ON r.n = hit.n "
        f"ORDER BY {again}"
    )
    return [tuple(row) for row in conn.execute(text(sql), {"match": match, "limit": limit})]
