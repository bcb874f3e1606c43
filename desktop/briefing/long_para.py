"""A paragraph pages long that splits across pages in linear time.

reportlab breaks a paragraph's lines, and when the paragraph splits at a page end it breaks
the rest again from scratch: a quotation a hundred pages long would be broken a hundred times.
The rest here keeps the lines already broken, so each line is broken once, and the paragraph
stays one paragraph (a verbatim quote is never cut into paragraphs that are not in its source).
"""

from __future__ import annotations

from copy import copy

from reportlab.platypus import Flowable

from .styles import Para

LONG_PARAGRAPH = 2000  # characters; shorter paragraphs rarely split more than once


class LongPara(Para):
    """A Para whose split keeps the lines it has broken for the part on the next page."""

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        pieces: list[Flowable] = super().split(availWidth, availHeight)
        broken = self.__dict__.get("blPara")
        wrapped = self._wrapped
        if len(pieces) != 2 or broken is None or wrapped is None:
            return pieces
        if getattr(self.style, "autoLeading", "") not in ("", "off"):
            return pieces  # line heights vary: let reportlab measure the rest itself
        if getattr(broken, "kind", 0) != 0:
            # Lines made of several fragments (mixed fonts, a link) index the whole paragraph's
            # fragments, not the rest's: reportlab must break the rest itself.
            return pieces
        first, rest = pieces
        kept = copy(broken)
        kept.lines = broken.lines[len(first.blPara.lines) :]
        rest.blPara = kept
        rest.width = wrapped[0]
        rest.height = len(kept.lines) * self.style.leading
        rest._wrapped = (wrapped[0], rest.width, rest.height)
        return [first, rest]
