"""Page furniture and the document template: markings, header, "Page N of M", contents, outline.

The layout runs once, and each page is finished when it ends, as on a plain reportlab
canvas: memory does not grow with the page count (a 100,000-row chronology is thousands of
pages). What is only known at the end is printed through PDF form XObjects, which pages
name and the PDF resolves when it is written, so a page can use a form that is defined
later: each page's "Page N of M" line is a form defined at ``save``, when M is known; each
contents entry's leaders and page number on the cover are a form defined at ``save`` too.
Outline entries are added as each section starts. A single pass keeps a 10,000-row
chronology about as fast as a bare platypus build (a two-pass ``multiBuild`` would double it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportlab import rl_config
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfdoc import PDFArray, PDFBase85Encode, PDFName, PDFStream, PDFZCompress
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from .changebars import ChangeBars, bars_of
from .styles import HAIRLINE, HEADING, INK, MUTED, RULE, PageGeometry, Para

FormDrawing = Callable[[Canvas], None]
Box = tuple[float, float, float, float]  # a form's bounding box in its own coordinates

FOOTER_FORM = "CasefileFooter"  # page N's footer line is the form CasefileFooterN
FOOTER_HALF_WIDTH = 150.0
DOCUMENT_LANGUAGE = "en-US"
FOOTER_SIZE = 8.0
FOOTER_Y = 0.52 * 72


@dataclass
class SectionMark:
    """Where one section starts: its outline key, title and page."""

    key: str
    title: str
    page: int = 0


@dataclass
class Furniture:
    """What is printed around the text on every page."""

    geometry: PageGeometry
    font: str
    marking: Para | None
    header: Para
    header_width: float
    header_right: str
    forms: set[str] = field(default_factory=set)  # furniture forms already drawn in this PDF


class PacketCanvas(Canvas):  # type: ignore[misc]
    """A canvas that finishes pages as it goes and defines the late forms at ``save``."""

    def __init__(self, *args: Any, furniture: Furniture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._late_forms: dict[str, tuple[Box, FormDrawing]] = {}
        self.pages_written = 0
        self.change_bars = ChangeBars()

    def late_form(self, name: str, box: Box, drawing: FormDrawing) -> None:
        """Draw the form ``name`` here; ``drawing`` draws its content at ``save``.

        The form's origin is the current origin; ``box`` must hold what ``drawing`` draws.
        """
        self._late_forms[name] = (box, drawing)
        self.doForm(name)

    def showPage(self) -> None:
        self.change_bars.flush(self)  # a record running on to the next page: its bar so far
        self._draw_page_number()
        Canvas.showPage(self)
        self._compress_finished_page()
        self.pages_written += 1

    def save(self) -> None:
        if self._code:
            self.showPage()  # as Canvas.save would, but before the total is known
        furniture = self._furniture
        total = self.pages_written
        for page in range(1, total + 1):
            self.beginForm(f"{FOOTER_FORM}{page}", -FOOTER_HALF_WIDTH, -3, FOOTER_HALF_WIDTH, 9)
            self.setFont(furniture.font, FOOTER_SIZE)
            self.setFillColor(MUTED)
            self.drawCentredString(0, 0, f"Page {page} of {total}")
            self.endForm()
        for name, ((x0, y0, x1, y1), drawing) in self._late_forms.items():
            self.beginForm(name, x0, y0, x1, y1)
            drawing(self)
            self.endForm()
        self._late_forms = {}
        self.showOutline()
        Canvas.save(self)

    def _draw_page_number(self) -> None:
        """Refer to this page's "Page N of M" form, centred on the page.

        The whole line is one form defined at ``save``: only then is the total known, and with
        it the line's width, so "Page 7 of 12" is centred as exactly as "Page 10 of 12".
        """
        self.saveState()
        self.translate(self._furniture.geometry.width / 2, FOOTER_Y)
        self.doForm(f"{FOOTER_FORM}{self.getPageNumber()}")
        self.restoreState()

    def _compress_finished_page(self) -> None:
        """Compress the page just added now: reportlab would keep its text until ``save``.

        The stream is encoded with the filters reportlab itself would apply when writing the
        file, so the PDF is byte for byte what it would have been.
        """
        page = self._doc.Pages.pages[-1]
        text = page.stream
        if not page.compression or not text or page.Contents:
            return
        filters = [PDFBase85Encode, PDFZCompress] if rl_config.useA85 else [PDFZCompress]
        content = text
        for encoder in reversed(filters):
            content = encoder.encode(content)
        stream = PDFStream(content=content)
        stream.dictionary["Filter"] = PDFArray([PDFName(f.pdfname) for f in filters])
        stream.__Comment__ = "page stream"
        page.Contents = stream
        page.stream = None


def late_form(canv: Canvas, name: str, box: Box, drawing: FormDrawing) -> None:
    """Draw what only ``save`` knows at the current origin: a late form on a PacketCanvas,
    at once (with what is known now) on any other canvas."""
    if isinstance(canv, PacketCanvas):
        canv.late_form(name, box, drawing)
    else:
        canv.saveState()
        drawing(canv)
        canv.restoreState()


def draw_furniture(canv: Canvas, furniture: Furniture, *, header: bool) -> None:
    """Markings at top and bottom, and (after the cover) the running header.

    They are the same on every page, so they are drawn once into a PDF form and each page
    refers to it: thousands of pages cost one drawing, and the file stays small.
    """
    name = "CasefileBodyFurniture" if header else "CasefileCoverFurniture"
    if name not in furniture.forms:
        canv.beginForm(name)
        _draw_furniture(canv, furniture, header=header)
        canv.endForm()
        furniture.forms.add(name)
    canv.doForm(name)


def _draw_furniture(canv: Canvas, furniture: Furniture, *, header: bool) -> None:
    geometry = furniture.geometry
    width = geometry.width - geometry.left - geometry.right
    canv.saveState()
    marking = furniture.marking
    if marking is not None:
        _, height = marking.wrap(width, geometry.height)
        marking.drawOn(canv, geometry.left, geometry.height - 0.26 * 72 - height)
        marking.drawOn(canv, geometry.left, 0.22 * 72)
    if header:
        y = geometry.height - 0.62 * 72
        title = furniture.header
        title.wrap(furniture.header_width, 20)
        title.drawOn(canv, geometry.left, y - 2)
        canv.setFont(furniture.font, 8)
        canv.setFillColor(MUTED)
        if furniture.header_right:
            canv.drawRightString(geometry.width - geometry.right, y, furniture.header_right)
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(geometry.left, y - 4, geometry.width - geometry.right, y - 4)
    canv.restoreState()


class SectionHeading(Para):
    """A section title that records its page for the contents and adds an outline entry."""

    progress_units = 1  # a section started

    def __init__(self, *args: Any, mark: SectionMark | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # reportlab's split() calls this with Paragraph's arguments
        self.mark = mark

    def draw(self) -> None:
        super().draw()
        canv = self.canv
        mark = self.mark
        if mark is None or mark.page:
            return
        mark.page = canv.getPageNumber()
        key = f"section-{mark.key}"
        canv.bookmarkPage(key)
        canv.addOutlineEntry(mark.title, key, level=0)


class OutlineEntry(Flowable):  # type: ignore[misc]
    """An outline entry under the current section, pointing where it is drawn; takes no space.

    Placed just before a heading (kept with it), it marks the heading's top.
    """

    def __init__(self, key: str, title: str, level: int = 1) -> None:
        super().__init__()
        self.key = key
        self.title = title
        self.level = level
        self.added = False

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        if self.added:
            return
        self.added = True
        canv = self.canv
        canv.bookmarkHorizontal(self.key, 0, 0)
        canv.addOutlineEntry(self.title, self.key, level=self.level)


class ContentsBox(Flowable):  # type: ignore[misc]
    """The contents list; each entry's leaders and page number are a form defined at save."""

    row_height = 17.0

    def __init__(self, sections: list[SectionMark], font: str, bold: str) -> None:
        super().__init__()
        self.sections = sections
        self.font = font
        self.bold = bold

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = self.row_height * (len(self.sections) + 1) + 6
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        width, top = self.width, self.height
        font, row = self.font, self.row_height
        c.setFont(self.bold, 11)
        c.setFillColor(HEADING)
        c.drawString(0, top - 12, "Contents")
        c.setStrokeColor(HAIRLINE)
        c.setLineWidth(0.5)
        c.line(0, top - 16, width, top - 16)
        if not self.sections:
            c.setFont(font, 9.5)
            c.setFillColor(MUTED)
            c.drawString(0, top - 16 - row, "This packet has no sections beyond the cover.")
            return
        for index, mark in enumerate(self.sections, start=1):
            y = top - 16 - row * index + 4
            c.setFont(font, 10)
            c.setFillColor(INK)
            label = f"{index}.  {mark.title}"
            c.drawString(0, y, label)
            # The form's origin is the right end of the row; the leaders start after the label.
            leaders_from = c.stringWidth(label, font, 10) + 6 - width
            c.saveState()
            c.translate(width, y)
            late_form(
                c, f"CasefileContents-{mark.key}", (leaders_from - 2, -4, 2, 12), _entry_end(mark, font, leaders_from)
            )
            c.restoreState()
            c.linkRect(mark.title, f"section-{mark.key}", (0, y - 3, width, y + 10), relative=1)


def _entry_end(mark: SectionMark, font: str, leaders_from: float) -> FormDrawing:
    """Draws a contents entry's dot leaders and its page number, right-aligned at 0."""

    def draw(c: Canvas) -> None:
        page = str(mark.page) if mark.page else "–"
        end = -c.stringWidth(page, font, 10) - 6
        dots = ""
        while leaders_from + c.stringWidth(dots + " .", font, 10) < end:
            dots += " ."
        c.setFont(font, 10)
        c.setFillColor(Color(0.6, 0.6, 0.6))
        c.drawRightString(end, 0, dots)
        c.setFillColor(INK)
        c.drawRightString(0, 0, page)

    return draw


class PacketFrame(Frame):  # type: ignore[misc]
    """The text frame; while a change bar is open it reports where each flowable landed."""

    def add(self, flowable: Flowable, canv: Canvas, trySplit: int = 0) -> int:
        bars = bars_of(canv)
        if bars is None or not bars.open:
            return int(Frame.add(self, flowable, canv, trySplit=trySplit))
        before = self._y
        space = 0.0 if self._atTop else flowable.getSpaceBefore()
        if self._oASpace:  # the frame overlaps this space with the previous one's space after
            space = max(space - self._prevASpace, 0)
        added = int(Frame.add(self, flowable, canv, trySplit=trySplit))
        if added and bars.open and self._y < before:
            bars.extend(self._x1, self._y + flowable.getSpaceAfter(), before - space)
        return added


class PacketDoc(BaseDocTemplate):  # type: ignore[misc]
    """Cover and body page templates, progress reporting and cancellation."""

    def __init__(
        self,
        filename: str,
        furniture: Furniture,
        *,
        on_progress: Callable[[int], None] | None = None,
        **kwargs: Any,
    ) -> None:
        geometry = furniture.geometry
        super().__init__(
            filename,
            pagesize=(geometry.width, geometry.height),
            leftMargin=geometry.left,
            rightMargin=geometry.right,
            topMargin=geometry.top,
            bottomMargin=geometry.bottom,
            initialFontName=furniture.font,  # else the canvas declares an unembedded Helvetica
            initialFontSize=9.5,
            lang=DOCUMENT_LANGUAGE,  # the catalog's /Lang: screen readers and hyphenation read it
            **kwargs,
        )
        self.furniture = furniture
        self.on_progress = on_progress
        self.page_head: Callable[[int], Flowable | None] | None = None  # what a page starts with
        frame = PacketFrame(
            geometry.left, geometry.bottom, geometry.frame_width, geometry.frame_height,
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="text",
        )  # fmt: skip

        def cover(canv: PacketCanvas, doc: PacketDoc) -> None:
            draw_furniture(canv, furniture, header=False)

        def body(canv: PacketCanvas, doc: PacketDoc) -> None:
            draw_furniture(canv, furniture, header=True)

        self.addPageTemplates(
            [
                PageTemplate(id="cover", frames=[frame], onPage=cover),
                PageTemplate(id="body", frames=[frame], onPage=body),
            ]
        )

    def handle_frameBegin(self, resume: int = 0, pageTopFlowables: Any = None) -> None:
        super().handle_frameBegin(resume, pageTopFlowables)
        head = self.page_head(self.page) if self.page_head is not None else None
        if head is not None:
            self._hanging.append(head)

    def afterFlowable(self, flowable: Flowable) -> None:
        units = getattr(flowable, "progress_units", 0)  # see render._units
        if units and self.on_progress is not None:
            self.on_progress(units)
