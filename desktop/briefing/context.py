"""What every section builder needs: the case data, styles, text preparation and geometry."""

from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.lib.styles import ParagraphStyle

from .changes import Changes, EditionBase
from .checks import Flags
from .citations import Citations
from .excerpts import FullTexts
from .fonts import FontSet
from .long_para import LONG_PARAGRAPH, LongPara
from .model import CaseData
from .options import BriefingOptions
from .shaping import needs_shaping
from .styles import PageGeometry, Para, Styles
from .text import TextPrep, one_line, paragraphs


@dataclass
class Ctx:
    """Shared state of one export."""

    data: CaseData
    styles: Styles
    text: TextPrep
    geometry: PageGeometry
    options: BriefingOptions
    fonts: FontSet
    since: EditionBase | None = None  # the edition the packet shows changes since, if any
    changes: Changes | None = None
    flags: Flags = field(default_factory=Flags)  # gaps marked where they print
    full_texts: FullTexts = field(default_factory=FullTexts)  # long texts printed cut
    citations: Citations = field(default_factory=Citations)  # where each [n] printed

    def marked(self, kind: str, record_id: object) -> bool:
        """Whether a record gets a change bar: added or changed since the edition compared with."""
        return self.changes is not None and self.changes.marks(kind, record_id)

    def m(self, text: str | None, face: str | None = None) -> str:
        """Escaped, font-run markup for user text on one line."""
        return self.text.markup(one_line(text), face) if text else ""

    def para(self, markup: str, style: ParagraphStyle, *raw: str | None) -> Para:
        """A paragraph of ready markup; shaped when any of the user texts in it needs shaping."""
        shaped = any(r and needs_shaping(r) for r in raw)
        return self.styles.para(markup, style, shaped)

    def user(self, text: str | None, style: ParagraphStyle) -> Para:
        """A paragraph holding one user text in ``style``."""
        return self.para(self.m(text, style.fontName), style, text)

    def long_text(
        self,
        text: str | None,
        style: ParagraphStyle,
        *,
        first: str = "",
        last: str = "",
    ) -> list[Para]:
        """User text as paragraphs with markup around: the source's blank lines end paragraphs
        and its other line breaks are line breaks, and nothing else breaks it.

        ``first`` is prepended to the first paragraph and ``last`` appended to the last one.
        A paragraph pages long stays one paragraph (it splits across pages in linear time).
        """
        pieces = paragraphs(text) or [""]
        out: list[Para] = []
        face = style.fontName
        for index, piece in enumerate(pieces):
            lines = [self.text.markup(line, face) for line in piece.split("\n")]
            body = "<br/>".join(lines)
            if index == 0:
                body = first + body
            if index == len(pieces) - 1:
                body += last
            if len(piece) > LONG_PARAGRAPH:
                out.append(LongPara(body, self.styles.shaped(style) if needs_shaping(piece) else style))
            else:
                out.append(self.para(body, style, piece))
        return out
