"""Full-text search across every kind of record (SQLite FTS5 in a case file, ``tsvector`` on a server).

The cost of a search grows with the length of the text searched, never with its square.
FTS5's ``snippet()`` scores a window at every match against every other match of the row,
so one long statement full of a common word took minutes; here it runs only on records of
ordinary length (their snippets are exactly FTS5's), and only for the hits shown, after
ranking. A longer record gets a snippet built from a bounded window around its first match,
found in one pass over each of its fields.

``search`` may run on a worker thread: it reads through a connection of its own from the
case file's pool, inside one read transaction, and ``stop`` interrupts it between SQLite
steps (typing more supersedes a search; closing the file stops it too).

Lists (tags, key provisions) are stored, and indexed, as JSON text; a snippet shows them as
words, never as JSON (``search_lists``). The case's own fields have no full-text index: they are one row,
searched here with the same word rule (``search_case``).

On a server case the words index (``db.postgres.search``) finds the records and every snippet
is built here as a long record's is; ``stop`` is asked between kinds.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import DatabaseError
from sqlalchemy.pool import StaticPool

from .errors import CaseFileError
from .fields import CASE_FIELDS, JSON_ORDER, KINDS, FieldType, Kind
from .records import short_label
from .search_lists import JSON_SIGNS, as_words, list_columns, list_snippet
from .sqlite import driver, fts
from .sqlite.casefile import CaseFile
from .sqlite.fts import fts_query
from .sqlite.search_index import search_index_errors

if TYPE_CHECKING:
    from .postgres.case import ServerCase

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
# A long record's snippet is chosen among the words from LOOK_BACK characters before the
# first match of each field to LOOK_AHEAD characters after it.
LOOK_BACK = 2000
LOOK_AHEAD = 4000
# SQLite virtual machine steps between two checks of ``stop``.
_STEPS_PER_CHECK = 20000

# A word as FTS5's unicode61 tokenizer sees it: letters and digits (underscore separates).
_TOKEN = re.compile(r"[^\W_]+")
_LONG_RUN = re.compile(rf"[^\W_]{{{MAX_PIECE + 1},}}|[\W_]{{{MAX_PIECE + 1},}}")
_QUERY_WORD = re.compile(r'"([^"]*)"\*')
_SENTENCE = re.compile(r"[.:][ \t\n\r]+")
_SNIPPETS = fts.Snippets(HIT_START, HIT_END, ELLIPSIS, SNIPPET_TOKENS, SNIPPET_SCAN_LIMIT)


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
    marked_title: str | None = None  # the title with the matched words marked

    def plain_snippet(self) -> str:
        """The snippet without highlight marks."""
        return self.snippet.replace(HIT_START, "").replace(HIT_END, "")


@dataclass(frozen=True)
class CaseHit:
    """A match in one of the case's own fields: the field's name and label, and a snippet."""

    field: str
    label: str
    snippet: str

    def plain_snippet(self) -> str:
        """The snippet without highlight marks."""
        return self.snippet.replace(HIT_START, "").replace(HIT_END, "")


def search(
    cf: CaseFile | ServerCase, text: str, *, limit_per_kind: int = 50, stop: Callable[[], bool] | None = None
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
    if not isinstance(cf, CaseFile):
        return _search_server(cf, text, pattern, limit_per_kind, stop)
    hits: list[SearchHit] = []
    with cf.read() as conn:
        if cf.closed:  # closed between the check in read() and taking a connection
            conn.invalidate()
            raise CaseFileError("The case file is closed.")
        halted: list[str] = []

        def check() -> int:
            if cf.closed:
                halted.append("closed")
            elif stop is not None and stop():
                halted.append("stopped")
            return 1 if halted else 0  # non-zero interrupts the running statement

        try:
            with driver.checked_every(conn, _STEPS_PER_CHECK, check):
                for kind in JSON_ORDER:
                    if check():
                        break
                    with search_index_errors(kind):
                        hits.extend(_search_kind(conn, kind, match, pattern, limit_per_kind, check))
        except DatabaseError:
            if not halted:
                raise
        finally:
            if cf.closed:
                # Never hand a connection back to the pool of a closed file: close it now.
                conn.invalidate()
        if cf.closed:
            raise CaseFileError("The case file is closed.")
        if halted:
            raise SearchStopped("The search was stopped.")
    return hits


def search_case(cf: CaseFile | ServerCase, text: str) -> list[CaseHit]:
    """The case's own text fields (title, summary, ...) that match, when the case as a whole
    holds every word typed (as prefixes, as a record must).

    The fields holding the most of the words come first, then in the order of the Case page.
    One row read and a scan of its text: no index is needed, and none is kept.
    """
    match = fts_query(text)
    pattern = _hit_pattern(match) if match is not None else None
    if pattern is None:
        return []
    found: list[tuple[int, str, str, str]] = []
    words: set[int | None] = set()
    for spec, value in zip(CASE_FIELDS, _case_texts(cf), strict=True):
        if value is None:
            continue
        matched = {m.lastindex for m in pattern.finditer(_fold(value))}
        if matched:
            found.append((-len(matched), spec.name, spec.label, value))
            words |= matched
    if len(words) < pattern.groups:
        return []
    found.sort(key=lambda hit: hit[0])  # stable: page order among fields holding as many words
    return [CaseHit(name, label, long_snippet([value], pattern)) for _n, name, label, value in found]


def _case_texts(cf: CaseFile | ServerCase) -> list[str | None]:
    """The text of each case field (None for a date, or a field left empty)."""
    columns = [
        spec.column for spec in CASE_FIELDS if spec.column and spec.type in (FieldType.TEXT, FieldType.LONG_TEXT)
    ]
    with cf.read() as conn:
        try:
            if cf.closed:  # closed between the check in read() and taking a connection
                raise CaseFileError("The case file is closed.")
            values = dict(zip(columns, fts.case_values(conn, columns), strict=True))
        finally:
            if cf.closed:
                conn.invalidate()  # never handed back to the pool of a closed file
    texts: list[str | None] = []
    for spec in CASE_FIELDS:
        value = values.get(spec.column or "")
        texts.append(value if isinstance(value, str) and value else None)
    return texts


def mark_words(text: str, pattern: re.Pattern[str] | None) -> str:
    """``text`` with each word the query matches marked (HIT_START and HIT_END around it)."""
    if pattern is None:
        return text
    parts: list[str] = []
    pos = 0
    for m in pattern.finditer(_fold(text)):
        parts += [text[pos : m.start()], HIT_START, text[m.start() : m.end()], HIT_END]
        pos = m.end()
    return "".join(parts) + text[pos:] if parts else text


def shares_one_connection(cf: CaseFile | ServerCase) -> bool:
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
    # Ranking needs a score for every match: affordable for a few hundred matches, not for
    # tens of thousands of a common word (then the newest records come first).
    matches = fts.count_matches(conn, kind, match, RANK_LIMIT + 1)
    if not matches:
        return []
    ranked = matches <= RANK_LIMIT
    indexed = fts.indexed_columns(conn, kind)
    columns = ", ".join(indexed)
    lists = list_columns(kind, indexed)
    rows = fts.hit_rows(
        conn, kind, match, ranked=ranked, sort_all=not ranked or matches <= limit, limit=limit, snippets=_SNIPPETS,
        also=list(lists),
    )  # fmt: skip
    hits: list[SearchHit] = []
    for n, rid, record_title, snippet, rank, *stored_lists in rows:
        if snippet is None:  # a long record
            if check():
                return hits
            fields = conn.execute(sa.text(f"SELECT {columns} FROM {spec.table} WHERE n = :n"), {"n": n}).one()
            snippet = long_snippet(as_words(fields, indexed, lists), pattern)
        elif any(sign in snippet for sign in JSON_SIGNS):
            snippet = list_snippet(
                snippet, zip(lists.values(), stored_lists, strict=True), HIT_START, HIT_END, ELLIPSIS
            )
        rank = float(rank) if rank is not None else 0.0  # a damaged index can give no rank
        label = _label(record_title)
        hits.append(SearchHit(kind, rid, label, snippet, rank, mark_words(label, pattern)))
    return hits


def _search_server(
    case: ServerCase, text: str, pattern: re.Pattern[str] | None, limit: int, stop: Callable[[], bool] | None
) -> list[SearchHit]:
    """``search`` on a server case: its words index finds the records, snippets are made here."""
    from .postgres import search as server

    query = server.ts_query(text)
    if query is None:
        return []
    hits: list[SearchHit] = []
    with case.read() as conn:
        for kind in JSON_ORDER:
            if stop is not None and stop():
                raise SearchStopped("The search was stopped.")
            # As on a file, ranking every match of a common word costs too much: newest first then.
            ranked = server.count_matches(conn, kind, query, server.RANK_LIMIT + 1) <= server.RANK_LIMIT
            indexed = server.indexed_columns(kind)
            lists = list_columns(kind, indexed)
            for _n, rid, record_title, rank, *fields in server.hit_rows(conn, kind, query, ranked=ranked, limit=limit):
                snippet = long_snippet(as_words(fields, indexed, lists), pattern)
                label = _label(record_title)
                hits.append(SearchHit(kind, str(rid), label, snippet, float(rank), mark_words(label, pattern)))
    return hits


def _label(title: str | None, limit: int = 80) -> str:
    """``short_label(title, limit)``, collapsing the spaces of no more of a long title than it shows."""
    if title is not None and len(title) > 50 * limit:
        head = title[: 4 * limit]
        # The words of the head are the title's first words (the last one perhaps cut short),
        # so when they already run past the limit the label is the same.
        if len(" ".join(head.split())) > limit:
            return short_label(head, limit)
    return short_label(title, limit)


# ----- snippets of long records -----------------------------------------------------------
#
# The same choice FTS5's snippet() makes (the window of SNIPPET_TOKENS words holding the most
# different query words, then the most matches; a window may open at a sentence), made over
# a bounded stretch of text from the first match of each field instead of over every match.


def long_snippet(texts: Sequence[str | None], pattern: re.Pattern[str] | None) -> str:
    """A snippet of a long record's fields (in index order), built from a bounded window.

    Each field is scanned once, up to its first match; everything else works on the words
    from just before that match to at most LOOK_AHEAD characters after it.
    """
    best: tuple[_Field, int] | None = None
    best_score = 0
    first_text: str | None = None
    for text in texts:
        if not text:
            continue
        first_text = first_text or text
        folded = _fold(text)
        hit = pattern.search(folded) if pattern is not None else None
        if pattern is None or hit is None:
            continue
        field = _Field(text, folded, hit.start(), pattern)
        for score, start in field.windows():
            if score > best_score:
                best, best_score = (field, start), score
    if best is None:  # no word found here (the tokenizers disagree on some text): the opening words
        if first_text is None:
            return ""
        return _Field(first_text, _fold(first_text), 0, None).render(0)
    field, start = best
    return field.render(start)


class _Field:
    """The words and matches of one field around its first match (positions in words, from the
    first word kept; ``starts_text``/``ends_text`` say whether those are the field's own ends)."""

    def __init__(self, text: str, folded: str, first: int, pattern: re.Pattern[str] | None) -> None:
        self.text = text
        self.folded = folded
        low = max(0, first - LOOK_BACK)
        spans = [m.span() for m in _TOKEN.finditer(folded, low, first)]
        if low > 0 and spans and spans[0][0] == low and _TOKEN.match(folded, low - 1):
            spans = spans[1:]  # cut by the look-back: not a whole word
        self.starts_text = low == 0
        # Windows open at matches among the words that start within LOOK_AHEAD characters of
        # the first match (the "core"); the words after them only close those windows.
        core: int | None = None
        self.ends_text = True
        for m in _TOKEN.finditer(folded, first):
            if core is None and m.start() >= first + LOOK_AHEAD:
                core = len(spans)
            if core is not None and len(spans) >= core + SNIPPET_TOKENS:
                self.ends_text = False
                break
            spans.append(m.span())
        self.core = len(spans) if core is None else core
        self.spans = spans
        starts = [s for s, _e in spans]
        # Matches as (first word, words covered, query word), in text order.
        self.hits: list[tuple[int, int, int]] = []
        if pattern is not None and spans:
            for m in pattern.finditer(folded, first, spans[-1][1]):
                at = bisect_left(starts, m.start())
                self.hits.append((at, bisect_left(starts, m.end()) - at, m.lastindex or 0))
        # Words that open a sentence: after "." or ":" and white space (FTS5's rule).
        self.sentences = [0] if self.starts_text else []
        if spans:
            for m in _SENTENCE.finditer(folded, spans[0][0], spans[-1][1]):
                at = bisect_left(starts, m.end())
                if at < len(starts) and starts[at] == m.end() and (at > 0 or not self.starts_text):
                    self.sentences.append(at)
        self.hit_starts = [h[0] for h in self.hits]

    def windows(self) -> Iterator[tuple[int, int]]:
        """(score, first word) of the windows FTS5 would weigh, in the order it weighs them."""
        n = SNIPPET_TOKENS
        for at, _size, _word in self.hits:
            if at >= self.core:
                break
            score, first, last = self._score(at)
            start = first - int((n - (last - first)) / 2)  # C division: towards zero
            if self.ends_text and start + n > len(self.spans):
                start = len(self.spans) - n
            yield score, max(start, 0)
            if self.sentences and not (self.ends_text and self.starts_text and len(self.spans) <= n):
                opening = self.sentences[max(bisect_right(self.sentences, at) - 1, 0)]
                if opening < at:
                    bonus = 120 if opening == 0 and self.starts_text else 100
                    yield self._score(opening)[0] + bonus, opening

    def _score(self, start: int) -> tuple[int, int, int]:
        """Score of the window from word ``start``: 1000 per different query word, 1 per repeat;
        with the first word of its first match and the word after its last match."""
        seen: set[int] = set()
        score, first, last = 0, -1, 0
        i = bisect_left(self.hit_starts, start)
        while i < len(self.hits) and self.hits[i][0] < start + SNIPPET_TOKENS:
            at, size, word = self.hits[i]
            score += 1 if word in seen else 1000
            seen.add(word)
            first = at if first < 0 else first
            last = at + size
            i += 1
        return score, first, last

    def render(self, start: int) -> str:
        """The window from word ``start`` with its matches marked, ellipses where text was left out."""
        if not self.spans:
            return _shorten(self.text)
        end = min(start + SNIPPET_TOKENS, len(self.spans)) - 1
        opens_text = self.starts_text and start == 0
        pos = 0 if opens_text else self.spans[start][0]
        parts = [] if opens_text else [ELLIPSIS]
        for first, last in self._marked(start, end):
            a, b = self.spans[first][0], self.spans[last][1]
            parts += [_shorten(self.text[pos:a]), HIT_START, _shorten(self.text[a:b]), HIT_END]
            pos = b
        parts.append(_shorten(self.text[pos : self.spans[end][1]]))
        if self.ends_text and end == len(self.spans) - 1:
            parts.append(_shorten(self.text[self.spans[end][1] :]))
        else:
            parts.append(ELLIPSIS)
        return "".join(parts)

    def _marked(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """Word ranges to mark within ``start``-``end``: overlapping matches joined, as FTS5 does."""
        current: tuple[int, int] | None = None
        for at, size, _word in self.hits:
            last = at + max(size, 1) - 1
            if current is not None and at <= current[1]:
                current = (current[0], max(current[1], last))
                continue
            if current is not None and current[1] >= start and current[0] <= end:
                yield max(current[0], start), min(current[1], end)
            if at > end:
                return
            current = (at, last)
        if current is not None and current[1] >= start and current[0] <= end:
            yield max(current[0], start), min(current[1], end)


def _fold(text: str) -> str:
    """Lower case without accents, as the full-text index compares words; same length as ``text``
    (a character whose folded form is longer is left as it is), so positions carry over."""
    if text.isascii():
        return text.lower()
    table = {ord(ch): ch.lower() for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    for ch in set(text):
        if not ch.isascii():
            base = _fold_word(ch)
            if len(base) == 1 and base != ch:
                table[ord(ch)] = base
    return text.translate(table)


def _fold_word(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c)).lower()


def _hit_pattern(match: str) -> re.Pattern[str] | None:
    """One regular expression finding any of the query's words (each a prefix) in folded text.

    Each word is one that ``fts_query`` quoted; FTS5 splits a word like "U.S." into a phrase,
    so a match is those words in a row, the last one as a prefix. Group i is query word i.
    """
    alternatives: list[str] = []
    for word in _QUERY_WORD.findall(match):
        tokens = [re.escape(t) for t in _TOKEN.findall(_fold_word(word))]
        if tokens:
            # The first word's letters, then the check that no letter comes before them: a pattern
            # that opens with letters is found at the speed of a plain substring search.
            head = tokens[0] + f"(?<![^\\W_]{tokens[0]})"
            tail = "".join("[\\W_]+" + t for t in tokens[1:])
            alternatives.append(head + tail + "[^\\W_]*")
    if not alternatives:
        return None
    return re.compile("|".join(f"({a})" for a in alternatives))


def _shorten(piece: str) -> str:
    """``piece`` with every word or gap longer than MAX_PIECE cut short."""
    if len(piece) <= MAX_PIECE:
        return piece
    return _LONG_RUN.sub(lambda m: m.group()[:MAX_PIECE] + ELLIPSIS, piece)
