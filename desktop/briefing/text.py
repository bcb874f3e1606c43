"""User text made safe for reportlab paragraphs: cleaned, escaped, and split into font runs.

Whatever a user typed prints as itself: ``<b>`` and ``&amp;`` are escaped, never parsed as
markup (so no tag can pull in an image or a local file), control characters are dropped, and
each run of characters the text face lacks is wrapped in a ``<font>`` tag naming a font that
has them. Characters no bundled font covers are remembered so the export can warn about them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from reportlab.pdfbase.pdfmetrics import stringWidth

from .fonts import FontSet
from .plain import clean, one_line, paragraphs
from .shaping import needs_shaping

__all__ = ["TextPrep", "chunks", "clean", "escape", "fit_one_line", "one_line", "paragraphs"]


def escape(text: str) -> str:
    """Escape the three characters reportlab's paragraph parser gives meaning to."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def chunks(text: str, limit: int = 1200) -> list[str]:
    """Split text into pieces of at most about ``limit`` characters at sentence or word ends.

    Long texts become several paragraphs (or table rows) that can break across pages without
    reportlab re-wrapping one enormous paragraph on every page.
    """
    if len(text) <= limit:
        return [text]
    out: list[str] = []
    start = 0
    length = len(text)
    while length - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(". "), window.rfind("\n"), window.rfind("? "), window.rfind("! "))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 4:
            cut = limit - 1  # no space to break at (a URL, CJK text): cut inside the word
        out.append(text[start : start + cut + 1].strip())
        start += cut + 1
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return [piece for piece in out if piece]


def _ranges(codepoints: Iterable[int]) -> str:
    """A regex character-class body matching exactly these code points."""
    parts: list[str] = []
    ordered = sorted(codepoints)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        first, last = ordered[i], ordered[j]
        parts.append(f"\\U{first:08x}" if first == last else f"\\U{first:08x}-\\U{last:08x}")
        i = j + 1
    return "".join(parts)


class TextPrep:
    """Turns user text into paragraph markup for a font set and collects uncovered characters."""

    def __init__(self, fonts: FontSet) -> None:
        self.fonts = fonts
        self.missing: dict[str, None] = {}  # insertion-ordered set
        self._uncovered: dict[str, re.Pattern[str]] = {}
        self._always = frozenset(ord(c) for c in " \n\u00a0")

    def _uncovered_pattern(self, face: str) -> re.Pattern[str]:
        pattern = self._uncovered.get(face)
        if pattern is None:
            covered = self.fonts.coverage[face] | self._always
            pattern = re.compile(f"[^{_ranges(covered)}]")
            self._uncovered[face] = pattern
        return pattern

    def markup(self, text: str | None, face: str | None = None) -> str:
        """Escaped paragraph markup for cleaned ``text`` drawn in ``face`` (default the serif).

        The serif has the smallest coverage of the text faces, so text checked against it is
        safe in a sans paragraph too: what it lacks is wrapped in the sans, a no-op there.
        """
        if not text:
            return ""
        face = face or self.fonts.serif
        if text.isascii():
            if not text.isprintable():
                text = clean(text).replace("\n", " ")
            return escape(text)
        text = clean(text)
        if needs_shaping(text):
            face = self.fonts.shaped_face(face)  # such a paragraph is set in the sans (Styles.shaped)
        if self._uncovered_pattern(face).search(text) is None:
            return escape(text)
        return self._runs(text, face)

    def _runs(self, text: str, face: str) -> str:
        coverage = self.fonts.coverage
        face_cover = coverage[face]
        twin = self.fonts.sans_for(face)
        twin_cover = coverage[twin]
        regular = self.fonts.regular
        regular_cover = coverage[regular]
        fallbacks = [(name, coverage[name]) for name in self.fonts.fallbacks]
        out: list[str] = []
        run: list[str] = []
        run_font = face

        def flush() -> None:
            if run:
                body = escape("".join(run))
                out.append(body if run_font == face else f'<font name="{run_font}">{body}</font>')
                run.clear()

        for char in text:
            code = ord(char)
            if char.isspace() and run:
                font = run_font  # a space never starts a new run: every font has one
            elif code in face_cover:
                font = face
            elif code in twin_cover:
                font = twin
            elif code in regular_cover:
                font = regular
            else:
                font = next((name for name, cover in fallbacks if code in cover), "")
                if not font:
                    self.missing.setdefault(char)
                    font = face
            if font != run_font:
                flush()
                run_font = font
            run.append(char)
        flush()
        return "".join(out)

    def missing_warning(self) -> str | None:
        """One export warning naming the characters no font could draw, or None."""
        if not self.missing:
            return None
        names = []
        for char in list(self.missing)[:12]:
            name = unicodedata.name(char, "")
            label = f"U+{ord(char):04X}" + (f" {name.title()}" if name else "")
            names.append(label)
        more = len(self.missing) - len(names)
        listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
        count = len(self.missing)
        noun = "character" if count == 1 else "characters"
        return f"{count} {noun} no available font covers printed as empty boxes: {listed}."


def fit_one_line(text: str, width: float, font: str, size: float) -> str:
    """Text cut with an ellipsis so it fits ``width`` points on one line in ``font``."""
    if stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if stringWidth(text[:mid].rstrip() + "…", font, size) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + "…"
