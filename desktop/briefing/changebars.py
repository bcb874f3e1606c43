"""Change bars: a rule in the left margin beside each record added or changed since an edition.

A record's flowables (a statement's paragraphs, a directive's heading, facts and provisions)
can break across pages, so a block's bar is drawn from what the frame actually placed: the
frame reports each flowable's extent while a bar is open (``BarStart`` to ``BarEnd``), the
canvas joins the extents on one page into one rule and draws it when the bar closes or the
page ends. A table row's bar is drawn by the table beside the row, from the row positions it
laid out.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Table

BAR_WIDTH = 2.2
BAR_OFFSET = 10.0  # from the text's left edge to the bar's left edge
BAR_INK = Color(0.1, 0.1, 0.1)
ROW_INSET = 1.5  # bars of adjacent rows stay apart: one bar per record


def draw_bar(canv: Canvas, text_left: float, bottom: float, top: float) -> None:
    """A bar beside text whose left edge is at ``text_left``, from ``bottom`` to ``top``."""
    if top - bottom < 0.5:
        return
    canv.saveState()
    canv.setFillColor(BAR_INK)
    canv.rect(text_left - BAR_OFFSET, bottom, BAR_WIDTH, top - bottom, stroke=0, fill=1)
    canv.restoreState()


class ChangeBars:
    """The bar being drawn on a canvas: open or not, and its extent so far on this page."""

    def __init__(self) -> None:
        self.open = False
        self._pending: tuple[float, float, float] | None = None  # text left, bottom, top

    def extend(self, text_left: float, bottom: float, top: float) -> None:
        """Add a placed flowable's extent to the bar on this page."""
        if self._pending is None:
            self._pending = (text_left, bottom, top)
        else:
            left, low, high = self._pending
            self._pending = (left, min(low, bottom), max(high, top))

    def flush(self, canv: Canvas) -> None:
        """Draw the bar so far (at the end of the bar or of the page)."""
        if self._pending is not None:
            draw_bar(canv, *self._pending)
            self._pending = None


def bars_of(canv: Canvas) -> ChangeBars | None:
    """The canvas's change bars (None on a canvas that does not keep them)."""
    bars = getattr(canv, "change_bars", None)
    return bars if isinstance(bars, ChangeBars) else None


class _Marker(Flowable):  # type: ignore[misc]
    """Takes no space and draws nothing itself."""

    _ZEROSIZE = 1

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0


class BarStart(_Marker):
    """What follows, up to ``BarEnd``, gets a change bar."""

    def draw(self) -> None:
        bars = bars_of(self.canv)
        if bars is not None:
            bars.open = True


class BarEnd(_Marker):
    """Ends the change bar ``BarStart`` began."""

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        # Here, not in draw: the bar's extent is in page coordinates, and draw runs translated.
        bars = bars_of(canvas)
        if bars is not None:
            bars.open = False
            bars.flush(canvas)


def barred(flow: list[Flowable], marked: bool) -> list[Flowable]:
    """A record's flowables, between bar markers when it is ``marked``."""
    return [BarStart(), *flow, BarEnd()] if marked else flow


class BarredTable(Table):  # type: ignore[misc]
    """A table that draws a change bar beside each of its ``marked_rows`` (indices in its data)."""

    def __init__(self, *args: Any, marked_rows: tuple[int, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.marked_rows = marked_rows

    def draw(self) -> None:
        super().draw()
        positions = self._rowpositions
        for row in self.marked_rows:
            if 0 <= row < len(positions) - 1:
                draw_bar(self.canv, 0, positions[row + 1] + ROW_INSET, positions[row] - ROW_INSET)
