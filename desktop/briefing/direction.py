"""Right-to-left text in reading order: the Unicode bidirectional algorithm, line by line.

HarfBuzz lays the letters of each word out right to left, but reportlab places the words of
a line in typing order, so "الذكاء الاصطناعي;" would print its two words reversed with the
semicolon between them. Here the embedding levels of a whole paragraph are resolved with
python-bidi (rules P2 to I2), and after reportlab has broken the paragraph into lines each
line's words are put in visual order (rules L1 and L2): reordering must follow wrapping, or
a long right-to-left paragraph would fill its lines from the end.

The unit reordered is the word reportlab measured and shaped; the letters inside a word are
already in visual order from HarfBuzz.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bidi import algorithm
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.platypus.paragraph import _FK_BREAK

log = logging.getLogger("casefile.briefing")

# Strong right-to-left letters: Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation
# forms, and the historic right-to-left scripts of the SMP. A paragraph without any keeps
# reportlab's order untouched (and costs one regex search).
_STRONG_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]")


def has_rtl(text: str) -> bool:
    """True when the text holds a right-to-left letter."""
    return not text.isascii() and _STRONG_RTL.search(text) is not None


def word_text(word: Any) -> str:
    """The characters of a frag word in typing order (shaped words keep the text they were shaped from)."""
    logical = getattr(word, "logical", None)
    if isinstance(logical, str):
        return logical
    return "".join(str(s) for f, s in word[1:] if not hasattr(f, "cbDefn"))


Levels = tuple[int, list[list[dict[str, Any]]], list["dict[str, Any] | None"]]

# The bidirectional classes python-bidi's algorithm resolves.
KNOWN_CLASSES = frozenset(
    {"L", "R", "AL", "EN", "ES", "ET", "AN", "CS", "NSM", "BN", "B", "S", "WS", "ON", "LRE", "LRO", "RLE", "RLO", "PDF"}
)


def resolved_levels(texts: list[str]) -> Levels:
    """The paragraph's base level, each word's characters and the space after each word, with
    their resolved levels.

    The words are joined by single spaces, as they print, and go through the algorithm as
    one paragraph, so a word's direction depends on its neighbours across line ends too.
    """
    joined = " ".join(texts)
    storage = algorithm.get_empty_storage()
    base = algorithm.get_base_level(joined)
    storage["base_level"] = base
    storage["base_dir"] = ("L", "R")[base]
    algorithm.get_embedding_levels(joined, storage)
    chars = storage["chars"]
    for c in chars:
        # Unassigned code points have no class in unicodedata (U+0590), and this algorithm
        # predates the isolates: both would stop it. A neutral takes its neighbours' direction.
        if c["type"] not in KNOWN_CLASSES:
            c["type"] = c["orig"] = "ON"
    at = 0
    for index, text in enumerate(texts):
        # Tagged before rule X9 drops explicit controls, so each character keeps its word.
        for c in chars[at : at + len(text)]:
            c["word"] = index
        if at + len(text) < len(chars):
            chars[at + len(text)]["word"] = -2 - index  # the space after word ``index``
        at += len(text) + 1
    per_word: list[list[dict[str, Any]]] = [[] for _ in texts]
    gaps: list[dict[str, Any] | None] = [None] * len(texts)
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    for c in storage["chars"]:
        word = c["word"]
        if word >= 0:
            per_word[word].append(c)
        elif word < -1:
            gaps[-word - 2] = c
    return base, per_word, gaps


def visual_order(words: list[list[dict[str, Any]]], gaps: list[dict[str, Any] | None], base: int) -> list[int]:
    """Indexes of one line's words, left to right as they print (rules L1 and L2)."""
    storage = algorithm.get_empty_storage()
    storage["base_level"] = base
    chars: list[dict[str, Any]] = []
    for index, word in enumerate(words):
        if index:
            gap = gaps[index - 1]
            level = base if gap is None else gap["level"]
            chars.append({"ch": " ", "level": level, "type": "WS", "orig": "WS", "word": -1})
        chars.extend({**c, "word": index} for c in word)
    storage["chars"] = chars
    if chars:
        algorithm.reorder_resolved_levels(storage, False)
    seen: dict[int, None] = {}
    for c in storage["chars"]:
        if c["word"] >= 0:
            seen.setdefault(c["word"], None)
    # A word with no characters (an empty run) stays after the word typed before it.
    order = list(seen)
    for index, word in enumerate(words):
        if not word and index not in seen:
            order.insert(order.index(index - 1) + 1 if index - 1 in order else 0, index)
            seen[index] = None
    return order


def _joined(words: list[Any], a: int, b: int) -> bool:
    """Whether frag words ``a`` and ``b`` were typed next to each other with no space between."""
    first, second = min(a, b), max(a, b)
    return second == first + 1 and not isinstance(words[first], rl_paragraph._HSFrag)


def _line_words(words: list[Any], order: list[int]) -> list[Any]:
    """The frags of a line holding ``words`` (frag words) printed in ``order``."""
    out: list[Any] = []
    previous = -1
    for index in order:
        word = words[index]
        if out and not _is_break(word) and not _joined(words, previous, index):
            for frag in reversed(out):
                if frag._fkind != _FK_BREAK and not hasattr(frag, "cbDefn"):
                    frag.text = frag.text + " "
                    break
        for frag, text in word[1:]:
            piece = frag.clone()
            piece.text = text
            out.append(piece)
        previous = index
    return out


def _is_break(word: Any) -> bool:
    return len(word) > 1 and word[1][0]._fkind == _FK_BREAK


def reorder_lines(paragraph: Any, result: Any) -> Any:
    """Put each line of a broken paragraph in visual order when it holds right-to-left text."""
    if getattr(result, "kind", 0) != 1 or not result.lines:
        return result
    words = paragraph.frags
    texts = [word_text(w) for w in words]
    if not any(has_rtl(t) for t in texts):
        return result
    base, levels, gaps = resolved_levels(texts)
    lines = result.lines
    for number, line in enumerate(lines):
        start = line.sFW
        stop = lines[number + 1].sFW if number + 1 < len(lines) else len(words)
        span = list(range(start, stop))
        breaks = [i for i in span if _is_break(words[i])]
        body = [i for i in span if i not in breaks]
        if not any(has_rtl(texts[i]) for i in body):
            continue
        order = visual_order([levels[i] for i in body], [gaps[i] for i in body], base)
        line.words = _line_words(words, [body[k] for k in order] + breaks)
    if base and len(lines) > 1 and paragraph.style.alignment == TA_LEFT:
        paragraph.style = _ragged_left(paragraph.style)
    return result


def _ragged_left(style: ParagraphStyle) -> ParagraphStyle:
    """``style`` set flush right: a right-to-left paragraph's lines start at the right edge,
    so a ragged right edge would leave each line's start at a different place."""
    return ParagraphStyle(style.name + "_rtl", parent=style, alignment=TA_RIGHT)


def install_visual_order() -> None:
    """Make reportlab print the lines of shaped paragraphs in visual order (idempotent)."""
    original = rl_paragraph.Paragraph.breakLines
    if getattr(original, "_casefile_bidi", False):
        return

    def break_lines(self: Any, width: Any) -> Any:
        result = original(self, width)
        if not self.style.shaping:
            return result
        try:
            return reorder_lines(self, result)
        except Exception:  # text the algorithm cannot take prints in typing order, never stops the packet
            log.warning("right-to-left order not applied to a paragraph", exc_info=True)
            return result

    break_lines._casefile_bidi = True  # type: ignore[attr-defined]
    rl_paragraph.Paragraph.breakLines = break_lines
