"""Complex-script shaping (Arabic, Hebrew) through reportlab's uharfbuzz support.

reportlab shapes a paragraph when its style has ``shaping=1`` and its font is a shapable
TTFont: each word goes through HarfBuzz, which joins Arabic letters and lays right-to-left
words out in visual order. reportlab shapes a whole word with the font of its first
fragment, so a word that switches font mid-way (Arabic next to a CJK fallback run) or
direction mid-way ("Meta’sعربي") comes out as wrong glyphs. ``install_mixed_font_shaping``
wraps reportlab's word shaper so such a word is shaped one same-font, same-direction run at
a time; words with one font and one direction go through reportlab's shaper unchanged. It
also installs the line reordering of ``direction``, which puts the shaped words of each line
in visual order.
"""

from __future__ import annotations

import re
from typing import Any

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.platypus import paragraph as rl_paragraph

from .direction import install_visual_order

# Scripts that need HarfBuzz: Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation
# forms, plus combining marks (placed correctly only when shaped).
_NEEDS_SHAPING = re.compile(
    "[\u0300-\u036f\u0590-\u08ff\ufb1d-\ufdff\ufe20-\ufe2f\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]")


def needs_shaping(text: str) -> bool:
    """True when the text has characters that only print correctly when shaped."""
    return not text.isascii() and _NEEDS_SHAPING.search(text) is not None


def _direction_pieces(text: str) -> list[tuple[str, bool]]:
    """Split text into runs of one direction; neutral characters join the run before them."""
    pieces: list[tuple[str, bool]] = []
    start = 0
    current: bool | None = None
    for index, char in enumerate(text):
        if _RTL.match(char):
            rtl = True
        elif char.isalpha():
            rtl = False
        else:
            continue
        if current is None:
            current = rtl
        elif rtl != current:
            pieces.append((text[start:index], current))
            start, current = index, rtl
    pieces.append((text[start:], bool(current)))
    return pieces


def _groups(word: list[Any]) -> list[list[tuple[Any, str]]]:
    groups: list[list[tuple[Any, str]]] = []
    previous: tuple[str, bool] | None = None
    for frag, text in word[1:]:
        for piece, rtl in _direction_pieces(text):
            key = (frag.fontName, rtl)
            if key == previous:
                groups[-1].append((frag, piece))
            else:
                groups.append([(frag, piece)])
                previous = key
    return groups


# Kerning only: reportlab's default also turns on "liga" and "dlig", which turn "st" and "fi"
# into ligature glyphs that copy and search as "ﬆ" and "ﬁ", and that unshaped text never has.
# Required ligatures (Arabic lam-alef) are "rlig" and stay on.
FEATURES = {"kern": True, "liga": False, "dlig": False}


def install_mixed_font_shaping() -> None:
    """Make reportlab shape words run by run and without optional ligatures (idempotent)."""
    original = rl_paragraph.shapeFragWord
    if getattr(original, "_casefile_runs", False):
        return

    def shape_by_runs(word: Any, *args: Any, **kwargs: Any) -> Any:
        if not args:
            kwargs["features"] = FEATURES
        if isinstance(word, ttfonts.ShapedFragWord) or any(hasattr(f, "cbDefn") for f, _ in word[1:]):
            return original(word, *args, **kwargs)
        groups = _groups(word)
        if len(groups) <= 1:
            return _keep_logical(word, original(word, *args, **kwargs))
        total = 0.0
        pieces: list[Any] = []
        shaped = False
        for group in groups:
            width = sum(pdfmetrics.stringWidth(s, f.fontName, f.fontSize) for f, s in group)
            result = original(word.__class__([width, *group]), *args, **kwargs)
            shaped = shaped or isinstance(result, ttfonts.ShapedFragWord)
            total += result[0]
            pieces.extend(result[1:])
        cls = ttfonts.makeShapedFragWord(word) if shaped else word.__class__
        return _keep_logical(word, cls([total, *pieces]))

    shape_by_runs._casefile_runs = True  # type: ignore[attr-defined]
    rl_paragraph.shapeFragWord = shape_by_runs
    install_visual_order()


def _keep_logical(word: Any, shaped: Any) -> Any:
    """``shaped``, remembering the typed text of ``word``: shaped glyphs are in visual order."""
    if shaped is not word and hasattr(shaped, "__dict__"):
        shaped.logical = "".join(s for _, s in word[1:])
    return shaped
