"""Long tables that paginate in linear time, with the column header on every page.

A reportlab Table re-measures all of its remaining rows each time it splits at a page end,
and chunking a long table into several Tables puts a repeated header in the middle of a
page wherever a chunk starts. ``PagedTable`` measures every row once, finds each page's rows
with a binary search over cumulative heights, and hands the frame one ordinary Table per
page (header first), so a 10,000-row chronology costs little more than drawing it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any

from reportlab.platypus import Flowable, Table, TableStyle

from .styles import HAIRLINE, HEADER_SHADE

PAD_X = 4.0
PAD_Y = 3.0
RowStyle = Callable[[int], list[tuple[Any, ...]]]


def _cell_height(cell: Any, width: float, leading: float) -> float:
    """A cell's content height, computed as reportlab's Table does."""
    if isinstance(cell, Flowable):
        return float(cell.wrap(width, 1e9)[1])
    if isinstance(cell, list):
        if not cell:
            return 0.0
        total = 0.0
        for flowable in cell:
            total += flowable.wrap(width, 1e9)[1] + flowable.getSpaceBefore() + flowable.getSpaceAfter()
        return float(total - cell[0].getSpaceBefore() - cell[-1].getSpaceAfter())
    return leading * (str(cell).count("\n") + 1) if cell else leading


class RowStore:
    """The rows of one long table, measured once and cut into per-page Tables."""

    def __init__(
        self,
        col_widths: Sequence[float],
        header: list[Any],
        rows: list[list[Any]],
        *,
        emphasis: list[bool] | None = None,
        emphasis_style: RowStyle | None = None,
        string_font: tuple[str, float, float],
        frame_height: float = 0.0,
    ) -> None:
        self.col_widths = list(col_widths)
        self.header = header
        self.rows = rows
        self.emphasis = emphasis or [False] * len(rows)
        self.emphasis_style = emphasis_style
        # Font, size and leading of plain-string cells (dates): cheaper to draw than paragraphs.
        # Always set: a Table's default cell font is an unembedded Helvetica.
        self.string_font = string_font
        self.frame_height = frame_height  # a row taller than this must split inside itself
        self._heights: list[float] | None = None
        self._prefix: list[float] = [0.0]
        self.header_height = 0.0

    def _row_height(self, row: Sequence[Any]) -> float:
        leading = self.string_font[2]
        tallest = 0.0
        for cell, width in zip(row, self.col_widths, strict=False):
            height = _cell_height(cell, width - 2 * PAD_X, leading)
            if height > tallest:
                tallest = height
        return tallest + 2 * PAD_Y

    def measure(self) -> None:
        """Measure every row (once; paragraphs keep their line breaks)."""
        if self._heights is not None:
            return
        self.header_height = self._row_height(self.header)
        self._heights = [self._row_height(row) for row in self.rows]
        self._prefix = [0.0, *accumulate(self._heights)]

    def height(self, start: int, stop: int) -> float:
        """Height of rows ``start:stop`` (without the header)."""
        self.measure()
        return self._prefix[stop] - self._prefix[start]

    def rows_fitting(self, start: int, available: float) -> int:
        """How many rows from ``start`` fit in ``available`` points under the header."""
        self.measure()
        limit = self._prefix[start] + available - self.header_height + 1e-6
        return max(0, bisect_right(self._prefix, limit) - 1 - start)

    def table(self, start: int, stop: int, *, split_rows: bool = False) -> Table:
        """An ordinary Table of the header and rows ``start:stop``."""
        data = [self.header, *self.rows[start:stop]]
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD_X),
            ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
            ("TOPPADDING", (0, 0), (-1, -1), PAD_Y),
            ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_Y),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_SHADE),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, HAIRLINE),
        ]
        font, size, leading = self.string_font
        commands.append(("FONT", (0, 0), (-1, -1), font, size, leading))
        if self.emphasis_style is not None:
            for offset, flag in enumerate(self.emphasis[start:stop], start=1):
                if flag:
                    commands.extend(self.emphasis_style(offset))
        table = Table(
            data,
            colWidths=self.col_widths,
            repeatRows=1,
            splitByRow=1,
            splitInRow=1 if split_rows else 0,
        )
        table.setStyle(TableStyle(commands))
        table.progress_units = stop - start
        return table


class PagedTable(Flowable):  # type: ignore[misc]
    """The rows ``start:`` of a RowStore, split page by page."""

    def __init__(self, store: RowStore, start: int = 0) -> None:
        super().__init__()
        self.store = store
        self.start = start
        self.progress_units = len(store.rows) - start

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        store = self.store
        self.width = sum(store.col_widths)
        self.height = store.header_height + store.height(self.start, len(store.rows))
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        store = self.store
        count = store.rows_fitting(self.start, availHeight)
        if count == 0:
            tall = store.header_height + store.height(self.start, self.start + 1)
            if store.frame_height and tall > store.frame_height:
                # One row taller than a whole page: let reportlab split inside the row.
                table = store.table(self.start, self.start + 1, split_rows=True)
                pieces: list[Flowable] = table.split(availWidth, availHeight)
                if pieces:
                    return [*pieces, *self._rest(self.start + 1)]
            return []
        while count > 0:
            page = store.table(self.start, self.start + count)
            if page.wrap(availWidth, availHeight)[1] <= availHeight + 1e-6:
                return [page, *self._rest(self.start + count)]
            count -= 1  # measured and drawn heights differ by rounding: give up a row
        return []

    def _rest(self, start: int) -> list[Flowable]:
        return [PagedTable(self.store, start)] if start < len(self.store.rows) else []

    def draw(self) -> None:
        table = self.store.table(self.start, len(self.store.rows))
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)
