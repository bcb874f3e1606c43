"""Page furniture and the document template: markings, header, "Page N of M", contents, outline.

The layout runs once. The canvas holds every finished page until ``save`` and then, knowing
the page count and where each section started, stamps "Page N of M" on each page, fills in
the contents on the cover, and adds the PDF outline. A single pass keeps a 10,000-row
chronology as fast as a bare platypus build (a two-pass ``multiBuild`` would double it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from .styles import HAIRLINE, HEADING, INK, MUTED, RULE, PageGeometry, Para

PageAction = Callable[[Canvas], None]


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
    """A canvas that keeps pages until ``save`` so they can show the final page count."""

    _annotationCount: int  # reportlab's document-wide counter for annotation names

    def __init__(self, *args: Any, furniture: Furniture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._pages: list[dict[str, Any]] = []
        self._actions: list[PageAction] = []
        self.pages_written = 0

    def defer(self, action: PageAction) -> None:
        """Run ``action`` on this page once the page count is known."""
        self._actions.append(action)

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._actions = []
        self._startPage()

    @property
    def page_count(self) -> int:
        """Pages finished so far."""
        return len(self._pages)

    def save(self) -> None:
        total = len(self._pages)
        annotations = self._annotationCount
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            # The annotation counter names objects document-wide: it must never go back.
            self._annotationCount = annotations = max(self._annotationCount, annotations)
            self.saveState()
            for action in state["_actions"]:
                action(self)
            self._draw_page_number(number, total)
            self.restoreState()
            annotations = self._annotationCount
            Canvas.showPage(self)
        self._pages = []
        self.pages_written = total
        self.showOutline()
        Canvas.save(self)

    def _draw_page_number(self, number: int, total: int) -> None:
        geometry = self._furniture.geometry
        self.setFont(self._furniture.font, 8)
        self.setFillColor(MUTED)
        self.drawCentredString(geometry.width / 2, 0.52 * 72, f"Page {number} of {total}")


def defer(canv: Canvas, action: PageAction) -> None:
    """Run ``action`` when the page count is known (at once on a plain reportlab Canvas)."""
    if isinstance(canv, PacketCanvas):
        canv.defer(action)
    else:
        action(canv)


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
        title = mark.title

        def bookmark(c: Canvas) -> None:
            c.bookmarkPage(key)
            c.addOutlineEntry(title, key, level=0)

        defer(canv, bookmark)


class ContentsBox(Flowable):  # type: ignore[misc]
    """The contents list; its page numbers are drawn when the canvas saves."""

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
        canv = self.canv
        origin = canv.absolutePosition(0, 0)
        width, height = self.width, self.height
        sections = self.sections
        font, bold, row = self.font, self.bold, self.row_height

        def fill(c: Canvas) -> None:
            x0, y0 = origin
            top = y0 + height
            c.setFont(bold, 11)
            c.setFillColor(HEADING)
            c.drawString(x0, top - 12, "Contents")
            c.setStrokeColor(HAIRLINE)
            c.setLineWidth(0.5)
            c.line(x0, top - 16, x0 + width, top - 16)
            if not sections:
                c.setFont(font, 9.5)
                c.setFillColor(MUTED)
                c.drawString(x0, top - 16 - row, "This packet has no sections beyond the cover.")
                return
            for index, mark in enumerate(sections, start=1):
                y = top - 16 - row * index + 4
                page = str(mark.page) if mark.page else "–"
                c.setFont(font, 10)
                c.setFillColor(INK)
                label = f"{index}.  {mark.title}"
                c.drawString(x0, y, label)
                c.drawRightString(x0 + width, y, page)
                start = x0 + c.stringWidth(label, font, 10) + 6
                end = x0 + width - c.stringWidth(page, font, 10) - 6
                c.setFillColor(Color(0.6, 0.6, 0.6))
                dots = ""
                while start + c.stringWidth(dots + " .", font, 10) < end:
                    dots += " ."
                c.drawRightString(end, y, dots)
                c.linkAbsolute(mark.title, f"section-{mark.key}", (x0, y - 3, x0 + width, y + 10))

        defer(canv, fill)


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
            **kwargs,
        )
        self.furniture = furniture
        self.on_progress = on_progress
        frame = Frame(
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

    def afterFlowable(self, flowable: Flowable) -> None:
        if self.on_progress is not None:
            self.on_progress(getattr(flowable, "progress_units", 1))
