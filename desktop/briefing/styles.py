"""Typography of the packet: page geometry, colours, paragraph styles and the paragraph class.

After CRS and agency packets: running text in a serif (Noto Serif) at 10.5 pt with a true
italic for quotations; headings, tables, captions and page furniture in a sans (DejaVu Sans,
whose figures are all one width, so numbers line up in columns) at 8.5 pt and up; dark-blue
headings, thin rules. Nothing prints under 7.5 pt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import cleanBlockQuotedText
from reportlab.platypus.paraparser import ParaParser

from .fonts import FontSet

INK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#555555")
HEADING = colors.HexColor("#1F3A5F")
RULE = colors.HexColor("#9AA8BA")
HAIRLINE = colors.HexColor("#C9D1DC")
KEY_SHADE = colors.HexColor("#E9EFF6")
HEADER_SHADE = colors.HexColor("#DCE3EC")
MARKING = colors.HexColor("#8B1A1A")
ACCENT = colors.HexColor("#2F5F8F")


@dataclass(frozen=True)
class PageGeometry:
    """Paper size and the margins around the text frame (points)."""

    width: float
    height: float
    left: float = 0.8 * inch
    right: float = 0.8 * inch
    top: float = 0.95 * inch
    bottom: float = 0.85 * inch

    @property
    def frame_width(self) -> float:
        """Width of the text frame."""
        return self.width - self.left - self.right

    @property
    def frame_height(self) -> float:
        """Height of the text frame."""
        return self.height - self.top - self.bottom

    @classmethod
    def for_paper(cls, paper: str) -> PageGeometry:
        """Geometry for "letter" or "a4"."""
        width, height = A4 if paper == "a4" else LETTER
        return cls(float(width), float(height))


class Para(Paragraph):  # type: ignore[misc]
    """A Paragraph that remembers its line breaks for a width.

    Tables wrap every cell again each time they split across a page; re-breaking lines that
    were already broken at the same width is most of a long packet's layout time.
    """

    _wrapped: tuple[float, float, float] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        cached = self._wrapped
        # split() drops blPara when it gives up on a page; then the lines must be broken again.
        if cached is not None and cached[0] == availWidth and "blPara" in self.__dict__:
            return cached[1], cached[2]
        width, height = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, width, height)
        return width, height


class Styles:
    """The packet's paragraph styles, with shaped twins made on demand."""

    def __init__(self, fonts: FontSet) -> None:
        self.fonts = fonts
        regular, bold, italic = fonts.regular, fonts.bold, fonts.italic
        base = ParagraphStyle(
            "base",
            fontName=regular,
            fontSize=9.5,
            leading=13,
            textColor=INK,
            spaceAfter=5,
            alignment=TA_LEFT,
            splitLongWords=1,
            allowWidows=0,
            allowOrphans=0,
        )
        # Running text: 10.5 pt serif on 14.5 pt leading, the measure of a CRS report's body.
        self.body = ParagraphStyle("body", parent=base, fontName=fonts.serif, fontSize=10.5, leading=14.5, spaceAfter=6)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.6, spaceAfter=0)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=bold)
        self.cell_desc = ParagraphStyle("cell_desc", parent=self.cell, spaceBefore=1)
        self.cell_head = ParagraphStyle("cell_head", parent=self.cell, fontName=bold, textColor=HEADING)
        self.small = ParagraphStyle("small", parent=base, fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=3)
        self.note = ParagraphStyle("note", parent=self.small, fontName=italic)
        self.h1 = ParagraphStyle(
            "h1", parent=base, fontName=bold, fontSize=15, leading=19, textColor=HEADING,
            spaceBefore=16, spaceAfter=8, keepWithNext=1,
        )  # fmt: skip
        self.h2 = ParagraphStyle(
            "h2", parent=base, fontName=bold, fontSize=11, leading=14, textColor=HEADING,
            spaceBefore=9, spaceAfter=4, keepWithNext=1,
        )  # fmt: skip
        self.h3 = ParagraphStyle(
            "h3", parent=base, fontName=bold, fontSize=10, leading=13, textColor=INK,
            spaceBefore=8, spaceAfter=2, keepWithNext=1,
        )  # fmt: skip
        # A quotation is the source's own words: set in the serif's true italic. A paraphrase is
        # ours, so it stays roman, labelled and without quotation marks.
        self.quote = ParagraphStyle("quote", parent=self.body, fontName=fonts.serif_italic, leftIndent=14, spaceAfter=2)
        self.paraphrase = ParagraphStyle("paraphrase", parent=self.body, leftIndent=14, spaceAfter=2)
        self.attribution = ParagraphStyle(
            "attribution", parent=base, fontSize=8.5, leading=11, leftIndent=14, textColor=MUTED, spaceAfter=9
        )
        self.attribution_tight = ParagraphStyle("attribution_tight", parent=self.attribution, spaceAfter=2)
        self.context = ParagraphStyle("context", parent=self.small, fontName=italic, leftIndent=14, spaceAfter=9)
        self.bullet = ParagraphStyle(
            "bullet", parent=self.body, leftIndent=14, bulletIndent=3, spaceAfter=2, bulletFontName=fonts.serif
        )
        self.source = ParagraphStyle(
            "source", parent=base, fontSize=8.5, leading=11, leftIndent=26, bulletIndent=0, spaceAfter=2,
            bulletFontName=regular, bulletFontSize=8.5,
        )  # fmt: skip
        self.source_note = ParagraphStyle("source_note", parent=self.small, leftIndent=26, spaceAfter=5)
        self.cover_title = ParagraphStyle(
            "cover_title",
            parent=base,
            fontName=bold,
            fontSize=22,
            leading=27,
            textColor=HEADING,
            spaceAfter=10,
        )
        self.cover_subtitle = ParagraphStyle(
            "cover_subtitle", parent=base, fontSize=12.5, leading=16.5, textColor=INK, spaceAfter=14
        )
        self.cover_meta = ParagraphStyle("cover_meta", parent=base, fontSize=10, leading=14, spaceAfter=1)
        self.cover_label = ParagraphStyle(
            "cover_label",
            parent=base,
            fontName=bold,
            fontSize=8.5,
            leading=11,
            textColor=ACCENT,
            spaceAfter=4,
        )
        self.marking = ParagraphStyle(
            "marking", parent=base, fontName=bold, fontSize=8.5, leading=10, textColor=MARKING,
            alignment=TA_CENTER, spaceAfter=0,
        )  # fmt: skip
        self.header = ParagraphStyle("header", parent=base, fontSize=8, leading=9.5, textColor=MUTED, spaceAfter=0)
        self.strip_label = ParagraphStyle("strip_label", parent=base, fontSize=7.5, leading=8.8, spaceAfter=0)
        self.bottom_line = ParagraphStyle(
            "bottom_line", parent=self.bullet, leftIndent=12, bulletIndent=0, spaceAfter=3, spaceBefore=0
        )
        self._shaped: dict[str, ParagraphStyle] = {}
        self._plain_frags: dict[str, Any] = {}

    def shaped(self, style: ParagraphStyle) -> ParagraphStyle:
        """The style with HarfBuzz shaping on (for Arabic, Hebrew and combining marks).

        Set in the sans, which has those scripts: a right-to-left word whose punctuation came
        from the serif would be shaped as two runs and its semicolon or quotation mark would
        land on the wrong side.
        """
        twin = self._shaped.get(style.name)
        if twin is None:
            face = self.fonts.shaped_face(style.fontName)
            twin = ParagraphStyle(style.name + "_shaped", parent=style, shaping=1, fontName=face)
            self._shaped[style.name] = twin
        return twin

    def _plain_frag(self, style: ParagraphStyle) -> Any:
        frag = self._plain_frags.get(style.name)
        if frag is None:
            _, frags, _ = ParaParser().parse("x", style)
            frag = frags[0]
            self._plain_frags[style.name] = frag
        return frag

    def para(self, markup: str, style: ParagraphStyle, shaped: bool = False) -> Para:
        """A paragraph of ready-made markup (already escaped) in ``style``."""
        if shaped or "<" in markup:
            return Para(markup, self.shaped(style) if shaped else style)
        # Plain text in one font: skip reportlab's markup parser (most of the cost of building
        # a paragraph) and give it the one text fragment the parser would have produced.
        text = cleanBlockQuotedText(markup)
        if "&" in text:
            text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        if not text:
            return Para("", style)
        return Para(text, style, frags=[self._plain_frag(style).clone(text=text)])
