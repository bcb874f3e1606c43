"""Lists in search snippets: tags and key provisions are stored, and indexed, as JSON text; a
snippet shows them as words, never as JSON."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .fields import KINDS, FieldType, Kind
from .values import decode_list

# How a list reads in a snippet: tags as words, provisions (often whole sentences) apart.
_LIST_JOINS = {FieldType.TAGS: ", ", FieldType.LINES: " · "}
# Characters of the JSON text of a list that FTS5's snippet copies and words never need.
JSON_SIGNS = ('"', "[", "]", "\\")
# The pieces of a JSON list of strings: an escape, the quotes and comma between two strings,
# a bracket or quote at either end (dropped), and text.
_JSON_PIECE = re.compile(
    r'\\(?P<escape>u[0-9a-fA-F]{4}|.)|(?P<between>"\s*,\s*")|^\[\s*"|"\s*\]$|"|(?P<text>[^\\"]+)', re.DOTALL
)
_JSON_ESCAPES = {"n": " ", "t": " ", "r": " ", "b": " ", "f": " ", "/": "/", '"': '"', "\\": "\\"}


def list_columns(kind: Kind, indexed: Sequence[str]) -> dict[str, FieldType]:
    """The indexed columns of ``kind`` that hold a list, with the list's type."""
    types = {f.column: f.type for f in KINDS[kind].fields if f.type in _LIST_JOINS}
    return {column: types[column] for column in indexed if column in types}


def list_text(raw: object, kind: FieldType) -> str:
    """A stored list as a snippet shows it: its entries as words."""
    return _LIST_JOINS[kind].join(decode_list(raw))


def as_words(fields: Sequence[str | None], indexed: Sequence[str], lists: dict[str, FieldType]) -> list[str | None]:
    """A record's indexed fields with each list read as words."""
    return [
        list_text(value, lists[column]) if column in lists else value
        for column, value in zip(indexed, fields, strict=True)
    ]


def list_snippet(
    snippet: str, stored_lists: Iterable[tuple[FieldType, object]], hit_start: str, hit_end: str, ellipsis: str
) -> str:
    """``snippet`` read as words if FTS5 cut it from the JSON text of one of the record's lists.

    FTS5 copies the text between words as stored, so only a snippet showing JSON's quotes,
    brackets or escapes needs a look: it came from a list when its text, less the marks and the
    ellipses FTS5 adds, is part of that list's stored text.
    """
    core = snippet.replace(hit_start, "").replace(hit_end, "").removeprefix(ellipsis).removesuffix(ellipsis)
    for list_type, raw in stored_lists:
        if isinstance(raw, str) and core in raw:
            return _json_words(snippet, _LIST_JOINS[list_type])
    return snippet


def _json_words(snippet: str, joiner: str) -> str:
    """A snippet cut from a JSON list of strings, as the strings' text joined by ``joiner``.

    The window opens at a word, so inside a string, or at the list's opening bracket; marks and
    ellipses pass through, escapes are decoded, and quotes, commas between strings and brackets
    give way to ``joiner``.
    """
    out: list[str] = []
    for m in _JSON_PIECE.finditer(snippet):
        escape, between, text = m.group("escape"), m.group("between"), m.group("text")
        if escape is not None:
            out.append(_JSON_ESCAPES.get(escape, escape) if len(escape) == 1 else _unicode_escape(escape))
        elif between is not None:
            out.append(joiner)
        elif text is not None:
            out.append(text)
    return "".join(out)


def _unicode_escape(escape: str) -> str:
    char = chr(int(escape[1:], 16))
    return char if char.isprintable() else " "
