"""Plain-text cleaning of user text: no reportlab, so the app can use it on the GUI thread."""

from __future__ import annotations

import re

# C0/C1 controls (tab, newline and carriage return are handled first), lone surrogates,
# which cannot be written as UTF-8, and the two noncharacters of the BMP's last row.
# Bidirectional embeddings, overrides and isolates go as well: the packet prints text in the
# order the bidirectional algorithm gives its words, and an override would make printed text
# read differently from what was typed. The marks (LRM, RLM) stay: they are zero-width letters
# that set the direction of the punctuation next to them; the Arabic letter mark becomes RLM,
# which does the same and which the fonts can draw.
_DROP = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile("[\t\x0b\x0c]")
_NEWLINES = re.compile("\r\n?|[\x85\u2028\u2029]")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_WS = re.compile(r"\s+")


def clean(text: str | None) -> str:
    """Text with line breaks normalised to ``\\n`` and control characters removed."""
    if not text:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if text.isascii() and text.isprintable():
        return text
    text = _NEWLINES.sub("\n", text)
    text = _SPACES.sub(" ", text).replace("\u061c", "\u200f")
    return _DROP.sub("", text)


def one_line(text: str | None) -> str:
    """Cleaned text with every run of whitespace (line breaks too) made one space."""
    return _WS.sub(" ", clean(text)).strip()


def paragraphs(text: str | None) -> list[str]:
    """Cleaned text split on blank lines; empty paragraphs dropped."""
    body = clean(text).strip()
    if not body:
        return []
    return [p.strip() for p in _BLANK_LINES.split(body) if p.strip()]
