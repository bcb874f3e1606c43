"""Full-text search across every kind of record (SQLite FTS5).

The cost of a search grows with the length of the text searched, never with its square.
FTS5's ``snippet()`` scores a window at every match against every other match of the row,
so one long statement full of a common word took minutes; here it runs only on records of
ordinary length (their snippets are exactly FTS5's), and only for the hits shown, after
ranking. A longer record gets a snippet built from a bounded window around its first match,
found in one pass over each of its fields.

``search`` may run on a worker thread: it reads through a connection of its own from the
case file's pool, inside one read transaction, and ``stop`` interrupts it between SQLite
steps (typing more supersedes a search; closing the file stops it too).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import islice
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DatabaseError
from sqlalchemy.pool import StaticPool

from .casefile import CaseFile
from .errors import CaseFileError
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
# Words in a snippet (FTS5's snippet() window).
SNIPPET_TOKENS = 12
# Records whose indexed fields hold more characters than this get the snippet built here:
# FTS5's costs (number of matches)² per record, a few milliseconds at this size.
SNIPPET_SCAN_LIMIT = 5000
# In a long record's snippet, a word or a gap between words longer than this is shortened,
# so the snippet stays short whatever the text (one 500 kB "word" included).
MAX_PIECE = 60
# How far back from a long record's first match to look for the words that open its window.
_LOOK_BACK = 2000
# SQLite virtual machine steps between two checks of ``stop``.
_STEPS_PER_CHECK = 20000

# A word as FTS5's unicode61 tokenizer sees it: letters and digits (underscore separates).
_TOKEN = re.compile(r"[^\W_]+")
_LONG_RUN = re.compile(rf"[^\W_]{{{MAX_PIECE + 1},}}|[\W_]{{{MAX_PIECE + 1},}}")
_QUERY_WORD = re.compile(r'"([^"]*)"\*')


class SearchStopped(Exception):
    """The caller's ``stop`` asked the search to end before it finished."""


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


def search(
    cf: CaseFile, text: str, *, limit_per_kind: int = 50, stop: Callable[[], bool] | None = None
) -> list[SearchHit]:
    """Records of every kind matching all the words typed (as prefixes), best first within a kind.

    Hits are grouped by kind in the order sources, actors, statements, directives, timeline.
    ``stop``, called now and then, ends the search with SearchStopped when it returns True;
    a search that finds its case file closed ends with CaseFileError.
    """
    match = fts_query(text)
    if match is None:
        return []
    pattern = _hit_pattern(match)
    hits: list[SearchHit] = []
    with cf.read() as conn:
        if cf.closed:  # closed between the check in read() and taking a connection
            conn.invalidate()
            raise CaseFileError("The case file is closed.")
        driver: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
        halted: list[str] = []

        def check() -> int:
            if cf.closed:
                halted.append("closed")
            elif stop is not None and stop():
                halted.append("stopped")
            return 1 if halted else 0  # non-zero interrupts the running statement

        driver.set_progress_handler(check, _STEPS_PER_CHECK)
        try:
            for kind in JSON_ORDER:
                if check():
                    break
                hits.extend(_search_kind(conn, kind, match, pattern, limit_per_kind, check))
        except DatabaseError:
            if not halted:
                raise
        finally:
            driver.set_progress_handler(None, 0)
            if cf.closed:
                # Never hand a connection back to the pool of a closed file: close it now.
                conn.invalidate()
        if halted:
            if halted[0] == "closed":
                raise CaseFileError("The case file is closed.")
            raise SearchStopped("The search was stopped.")
    return hits


def shares_one_connection(cf: CaseFile) -> bool:
    """True for in-memory case files (a migrated read-only copy, a snapshot): they have a single
    connection, which a search on another thread must not use while the app does."""
    return isinstance(cf.engine.pool, StaticPool)


def _search_kind(
    conn: Connection,
    kind: Kind,
    match: str,
    pattern: re.Pattern[str] | None,
    limit: int,
    check: Callable[[], int],
) -> list[SearchHit]:
    spec = KINDS[kind]
    fts = FTS_TABLES[kind]
    table = spec.table
    # Ranking needs a score for every match: affordable for a few hundred matches, not for
    # tens of thousands of a common word (then the newest records come first).
    matches = conn.exec_driver_sql(
        f"SELECT count(*) FROM (SELECT rowid FROM {fts} WHERE {fts} MATCH ? LIMIT ?)",
        (match, RANK_LIMIT + 1),
    ).scalar_one()
    if not matches:
        return []
    ranked = matches <= RANK_LIMIT
    order = "score" if ranked else f"{fts}.rowid DESC"
    score = f"bm25({fts})" if ranked else "0.0"
    top = conn.exec_driver_sql(
        f"SELECT {fts}.rowid, {score} AS score FROM {fts} JOIN {table} r ON r.n = {fts}.rowid "
        f"WHERE {fts} MATCH ? ORDER BY {order} LIMIT ?",
        (match, limit),
    ).all()
    if not top:
        return []
    # Snippets only for the hits listed. The rowid range lets FTS5 skip to them; the "+"
    # keeps the list out of FTS5's hands, so the match is walked once, not once per hit.
    rowids = [int(row[0]) for row in top]
    columns = _fts_columns(conn, fts)
    size = " + ".join(f"coalesce(length(r.{c}), 0)" for c in columns)
    title = spec.field(spec.title_field).column
    found: dict[int, tuple[str, str, str | None]] = {}
    for n, rid, record_title, snippet in conn.exec_driver_sql(
        f"SELECT {fts}.rowid, r.id, r.{title}, "
        f"CASE WHEN {size} <= ? THEN snippet({fts}, -1, ?, ?, ?, {SNIPPET_TOKENS}) END "
        f"FROM {fts} JOIN {table} r ON r.n = {fts}.rowid "
        f"WHERE {fts} MATCH ? AND {fts}.rowid BETWEEN ? AND ? "
        f"AND +{fts}.rowid IN ({', '.join('?' * len(rowids))})",
        (SNIPPET_SCAN_LIMIT, HIT_START, HIT_END, ELLIPSIS, match, min(rowids), max(rowids), *rowids),
    ):
        found[int(n)] = (rid, record_title, snippet)
    hits: list[SearchHit] = []
    for n, rank in top:
        if int(n) not in found:
            continue
        rid, record_title, snippet = found[int(n)]
        if snippet is None:  # a long record
            if check():
                return hits
            texts = conn.exec_driver_sql(f"SELECT {', '.join(columns)} FROM {table} WHERE n = ?", (n,)).one()
            snippet = long_snippet(texts, pattern)
        rank = float(rank) if rank is not None else 0.0  # a damaged index can give no rank
        hits.append(SearchHit(kind, rid, short_label(record_title, 80), snippet, rank))
    return hits


@cache
def _fts_columns_of(names: tuple[str, ...]) -> tuple[str, ...]:
    return names


def _fts_columns(conn: Connection, fts: str) -> tuple[str, ...]:
    """The indexed fields of a full-text table (the same names as in its record table)."""
    cached = _COLUMNS.get(fts)
    if cached is None:
        cached = tuple(str(row[0]) for row in conn.exec_driver_sql(f"SELECT name FROM pragma_table_info('{fts}')"))
        _COLUMNS[fts] = cached  # the same in every file: the schema is checked on open
    return cached


_COLUMNS: dict[str, tuple[str, ...]] = {}


# ----- snippets of long records -----------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case without accents, as the full-text index compares words; same length as ``text``
    (characters that would change length are left as they are), so positions carry over."""
    text = text.lower() if text.isascii() else text
    if text.isascii():
        return text
    table: dict[int, str] = {}
    for ch in set(text):
        if ch.isascii():
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)).lower()
        if len(base) == 1 and base != ch:
            table[ord(ch)] = base
    return text.translate(table)


def _hit_pattern(match: str) -> re.Pattern[str] | None:
    """One regular expression finding any of the query's words (each a prefix) in folded text.

    Each word is what ``fts_query`` quoted; FTS5 splits a word like "U.S." into a phrase of
    words, so a match is those words in a row, the last one as a prefix.
    """
    alternatives: list[str] = []
    for word in _QUERY_WORD.findall(match):
        tokens = _TOKEN.findall(_fold_word(word))
        if tokens:
            *whole, last = (re.escape(t) for t in tokens)
            alternatives.append("(?<![^\\W_])" + "".join(t + "[\\W_]+" for t in whole) + last + "[^\\W_]*")
    if not alternatives:
        return None
    return re.compile("|".join(f"({a})" for a in alternatives))


def _fold_word(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c)).lower()


def long_snippet(texts: Sequence[str | None], pattern: re.Pattern[str] | None) -> str:
    """A snippet of a long record: about SNIPPET_TOKENS words around the first match in the
    field where that window holds the most different query words (the first field on a tie).

    Each field is scanned once, up to its first match; the rest works on a bounded window.
    """
    best: tuple[int, str, str, int, int] | None = None  # score, text, folded, start, end
    first_text: str | None = None
    for text in texts:
        if not text:
            continue
        first_text = first_text or text
        folded = _fold(text)
        hit = pattern.search(folded) if pattern is not None else None
        if hit is None:
            continue
        start, end = _window(folded, hit.start(), pattern)
        score = _score(pattern.finditer(folded, start, end))
        if best is None or score > best[0]:
            best = (score, text, folded, start, end)
    if best is None:
        if first_text is None:
            return ""
        folded = _fold(first_text)
        tokens = list(islice(_TOKEN.finditer(folded), SNIPPET_TOKENS + 1))
        end = tokens[min(len(tokens), SNIPPET_TOKENS) - 1].end() if tokens else len(first_text)
        return _render(first_text, folded, 0, end, None)
    _score_, text, folded, start, end = best
    return _render(text, folded, start, end, pattern)


def _score(hits: Iterable[re.Match[str]]) -> int:
    """FTS5's snippet score: 1000 for each different query word in the window, 1 for a repeat."""
    seen: set[int] = set()
    score = 0
    for hit in hits:
        group = hit.lastindex or 0
        score += 1 if group in seen else 1000
        seen.add(group)
    return score


def _window(folded: str, at: int, pattern: re.Pattern[str]) -> tuple[int, int]:
    """Character range of the snippet window for a match starting at ``at``, placed as FTS5 places
    it: the matches among the next SNIPPET_TOKENS words centred, but never past either end."""
    after = [m.span() for m in islice(_TOKEN.finditer(folded, at), SNIPPET_TOKENS)]
    reaches_end = len(after) < SNIPPET_TOKENS or _TOKEN.search(folded, after[-1][1]) is None
    # Words covered by the matches that start within the first window.
    last_end = at
    for hit in pattern.finditer(folded, at, after[-1][1]):
        last_end = hit.end()
    covered = sum(1 for s, _e in after if s < last_end)
    shift = -((SNIPPET_TOKENS - covered) // 2)  # words before the first match
    if reaches_end:
        shift = min(shift, len(after) - SNIPPET_TOKENS)
    before: list[tuple[int, int]] = []
    if shift < 0:
        low = max(0, at - _LOOK_BACK)
        before = [m.span() for m in _TOKEN.finditer(folded, low, at)]
        if low > 0 and before and before[0][0] == low:
            before = before[1:]  # cut by the look-back: not a whole word
        before = before[shift:] if -shift <= len(before) else before
        # The window starts at the text's first word when it holds the first match anyway
        # (FTS5 prefers windows that open a sentence, the first one most).
        if low == 0 and len(before) + len(after) <= SNIPPET_TOKENS:
            before = [m.span() for m in _TOKEN.finditer(folded, 0, at)]
    words = before + after
    keep = words[:SNIPPET_TOKENS] if not before else words[: max(len(before) + 1, SNIPPET_TOKENS)]
    keep = keep[:SNIPPET_TOKENS] if len(keep) > SNIPPET_TOKENS else keep
    return keep[0][0], keep[-1][1]


def _render(text: str, folded: str, start: int, end: int, pattern: re.Pattern[str] | None) -> str:
    """The window ``start``-``end`` of ``text`` with its matches marked, ellipses where text was left out."""
    opening = "" if _TOKEN.search(folded, 0, start) is None else ELLIPSIS
    if not opening:
        start = 0  # FTS5 keeps what comes before the first word
    parts = [opening]
    pos = start
    if pattern is not None:
        for hit in pattern.finditer(folded, start, end):
            parts += [_shorten(text[pos : hit.start()]), HIT_START, _shorten(text[hit.start() : hit.end()]), HIT_END]
            pos = hit.end()
    parts.append(_shorten(text[pos:end]))
    if _TOKEN.search(folded, end) is None:
        parts.append(_shorten(text[end:]))  # the window reaches the last word: the rest follows
    else:
        parts.append(ELLIPSIS)
    return "".join(parts)


def _shorten(piece: str) -> str:
    """``piece`` with every word or gap longer than MAX_PIECE cut short."""
    if len(piece) <= MAX_PIECE:
        return piece
    return _LONG_RUN.sub(lambda m: m.group()[:MAX_PIECE] + ELLIPSIS, piece)


def _unused(*_args: Any) -> None:  # pragma: no cover
    return None
