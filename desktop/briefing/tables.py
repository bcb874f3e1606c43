"""Long tables that paginate in linear time and bounded memory, with the header on every page.

A reportlab Table re-measures all of its remaining rows each time it splits at a page end,
and chunking a long table into several Tables puts a repeated header in the middle of a
page wherever a chunk starts. ``PagedTable`` measures every row once, finds each page's rows
with a binary search over cumulative heights, and hands the frame one ordinary Table per
page (header first), so a 10,000-row chronology costs little more than drawing it.

Rows are made from the records only as the layout reaches them, and let go once their page
is drawn: a 100,000-row chronology holds a page or two of paragraphs at a time, not all of
them (which would take gigabytes). Only each row's height stays, a few bytes a row.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import Any, NamedTuple

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from .changebars import BarredTable
from .styles import HAIRLINE, HEADER_SHADE
from .text import escape

PAD_X = 4.0
PAD_Y = 3.0
RowStyle = Callable[[int], list[tuple[Any, ...]]]


class Row(NamedTuple):
    """One table row: its cells, whether it is emphasised, and the progress it stands for."""

    cells: list[Any]
    emphasis: bool = False
    units: int = 1  # records it completes (0 for a record's continuation rows)
    marked: bool = False  # changed since the edition compared with: a change bar beside it
    heading: bool = False  # a heading row (a chronology's year): never last on a page


def widest_line(texts: Iterable[str], font: str, size: float) -> float:
    """Width in points of the widest line of ``texts`` drawn in ``font`` at ``size``."""
    widest = 0.0
    for text in texts:
        for line in text.split("\n"):
            width = stringWidth(line, font, size)
            if width > widest:
                widest = width
    return float(widest)


def column_width(texts: Iterable[str], font: str, size: float, *, low: float, high: float) -> float:
    """A column just wide enough for its widest line (padding included), kept within ``low:high``.

    The cap keeps one long value from starving the text column beside it; a value
    wider than the cap wraps inside its cell instead.
    """
    # A hair over the measured width: reportlab compares the same floats when it breaks lines.
    needed = widest_line(texts, font, size) + 2 * PAD_X + 0.5
    return min(max(needed, low), high)


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
    """The rows of one long table, made and measured in order, and cut into per-page Tables.

    ``rows`` is consumed lazily (a generator is best); ``units`` is the sum of the rows'
    progress units, known before any row is made.
    """

    def __init__(
        self,
        col_widths: Sequence[float],
        header: list[Any],
        rows: Iterable[Row],
        *,
        units: int,
        emphasis_style: RowStyle | None = None,
        string_font: tuple[str, float, float],
        frame_height: float = 0.0,
    ) -> None:
        self.col_widths = list(col_widths)
        self.header = header
        self.units = units
        self.emphasis_style = emphasis_style
        # Font, size and leading of plain-string cells (dates): cheaper to draw than paragraphs.
        # Always set: a Table's default cell font is an unembedded Helvetica.
        self.string_font = string_font
        self.frame_height = frame_height  # a row taller than this must split inside itself
        # A plain string is drawn on one line whatever its column's width and would print over
        # the next column: one too wide for its column is made a wrapping paragraph instead.
        font, size, leading = string_font
        self._wrap_style = ParagraphStyle(
            "cell_string", fontName=font, fontSize=size, leading=leading, splitLongWords=1
        )
        self._rows: Iterator[Row] = iter(rows)
        self._cells: list[list[Any] | None] = []  # made rows; None once drawn
        self._emphasis: list[bool] = []
        self._marked: list[bool] = []
        self._headings: set[int] = set()
        self._prefix: list[float] = [0.0]  # cumulative row heights
        self._units: list[int] = [0]  # cumulative progress units
        self._released = 0  # rows before this index have been let go
        self._header_height: float | None = None

    # ----- making and measuring rows, in order -------------------------------------------

    def _row_height(self, row: Sequence[Any]) -> float:
        leading = self.string_font[2]
        tallest = 0.0
        for cell, width in zip(row, self.col_widths, strict=False):
            height = _cell_height(cell, width - 2 * PAD_X, leading)
            if height > tallest:
                tallest = height
        return tallest + 2 * PAD_Y

    @property
    def header_height(self) -> float:
        """Height of the header row."""
        if self._header_height is None:
            self._header_height = self._row_height(self.header)
        return self._header_height

    def _fitted(self, cells: list[Any]) -> list[Any]:
        """The row's cells with every plain string too wide for its column made a paragraph."""
        font, size, _ = self.string_font
        out = cells
        for index, (cell, width) in enumerate(zip(cells, self.col_widths, strict=False)):
            if isinstance(cell, str) and cell and widest_line([cell], font, size) > width - 2 * PAD_X:
                if out is cells:
                    out = list(cells)
                out[index] = Paragraph(escape(cell).replace("\n", "<br/>"), self._wrap_style)
        return out

    def _pull(self) -> bool:
        """Make and measure the next row (paragraphs keep their line breaks); False at the end."""
        row = next(self._rows, None)
        if row is None:
            return False
        cells = self._fitted(row.cells)
        self._cells.append(cells)
        self._emphasis.append(row.emphasis)
        self._marked.append(row.marked)
        if row.heading:
            self._headings.add(len(self._cells) - 1)
        self._prefix.append(self._prefix[-1] + self._row_height(cells))
        self._units.append(self._units[-1] + row.units)
        return True

    def _measure_past(self, start: int, span: float) -> bool:
        """Measure rows from ``start`` (one at least) until they are taller than ``span``.

        True when that reached the last row.
        """
        if not self.has_row(start):
            return True
        limit = self._prefix[start] + span + 1e-6
        while self._prefix[-1] <= limit:
            if not self._pull():
                return True
        return False

    def has_row(self, index: int) -> bool:
        """Whether there is a row ``index`` (made and measured now if need be)."""
        while len(self._cells) <= index:
            if not self._pull():
                return False
        return True

    @property
    def measured(self) -> int:
        """Rows made and measured so far."""
        return len(self._cells)

    @property
    def held(self) -> int:
        """Rows made and not yet let go."""
        return len(self._cells) - self._released

    def height(self, start: int, stop: int) -> float:
        """Height of rows ``start:stop`` (without the header); they must have been measured."""
        return self._prefix[stop] - self._prefix[start]

    def height_from(self, start: int, span: float) -> tuple[float, bool]:
        """Height of the rows from ``start`` to the end, and whether that is exact.

        Rows are measured only until they are taller than ``span``; past that the height
        returned is the (smaller) height measured so far, which already exceeds ``span``.
        """
        complete = self._measure_past(start, span)
        return self._prefix[-1] - self._prefix[start], complete

    def rows_fitting(self, start: int, available: float) -> int:
        """How many rows from ``start`` fit in ``available`` points under the header."""
        span = available - self.header_height
        self._measure_past(start, span)
        limit = self._prefix[start] + span + 1e-6
        return max(0, bisect_right(self._prefix, limit) - 1 - start)

    def units_between(self, start: int, stop: int) -> int:
        """Progress units of rows ``start:stop``."""
        return self._units[stop] - self._units[start]

    def release(self, stop: int) -> None:
        """Let go of rows before ``stop``: their page has them and they are never needed again."""
        for index in range(self._released, stop):
            self._cells[index] = None
        self._released = max(self._released, stop)

    # ----- tables ----------------------------------------------------------------------------

    def table(self, start: int, stop: int, *, split_rows: bool = False) -> Table:
        """An ordinary Table of the header and rows ``start:stop`` (already measured)."""
        if start < self._released:
            raise RuntimeError(f"table rows from {start} were already drawn and let go")
        data = [self.header, *self._cells[start:stop]]
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
            for offset, flag in enumerate(self._emphasis[start:stop], start=1):
                if flag:
                    commands.extend(self.emphasis_style(offset))
        marked = tuple(i for i, flag in enumerate(self._marked[start:stop], start=1) if flag)
        table = (partial(BarredTable, marked_rows=marked) if marked else Table)(
            data,
            colWidths=self.col_widths,
            repeatRows=1,
            splitByRow=1,
            splitInRow=1 if split_rows else 0,
        )
        table.setStyle(TableStyle(commands))
        table.progress_units = self.units_between(start, stop)
        return table


class PagedTable(Flowable):  # type: ignore[misc]
    """The rows ``start:`` of a RowStore, split page by page."""

    def __init__(self, store: RowStore, start: int = 0) -> None:
        super().__init__()
        self.store = store
        self.start = start
        # Progress still to come: everything for the whole table, what is left for the rest.
        self.progress_units = store.units - store.units_between(0, start)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        store = self.store
        # Rows are measured only as far as the frame can hold (the whole frame when asked for
        # the height of everything, as KeepTogether does): beyond that the height is just
        # "more than fits", and the frame splits the table.
        span = min(availHeight, store.frame_height) if store.frame_height else availHeight
        height, _ = store.height_from(self.start, span - store.header_height)
        self.width = sum(store.col_widths)
        self.height = store.header_height + height
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        store = self.store
        start = self.start
        count = store.rows_fitting(start, availHeight)
        while count and start + count - 1 in store._headings and store.has_row(start + count):
            if store.header_height + store.height(start + count - 1, start + count + 1) > store.frame_height:
                break  # the row it heads is taller than a page and splits anyway
            count -= 1  # a heading goes over with the row it heads
        if count == 0:
            if not store.has_row(start):
                return []  # no rows left (not reached: wrap reports an empty table fits)
            tall = store.header_height + store.height(start, start + 1)
            if store.frame_height and tall > store.frame_height:
                # One row taller than a whole page: let reportlab split inside the row.
                table = store.table(start, start + 1, split_rows=True)
                pieces: list[Flowable] = table.split(availWidth, availHeight)
                if pieces:
                    return [*pieces, *self._rest(start + 1)]
            return []
        while count > 0:
            page = store.table(start, start + count)
            if page.wrap(availWidth, availHeight)[1] <= availHeight + 1e-6:
                return [page, *self._rest(start + count)]
            count -= 1  # measured and drawn heights differ by rounding: give up a row
        return []

    def _rest(self, start: int) -> list[Flowable]:
        store = self.store
        store.release(start)  # the frame draws what split returns first: those rows are done
        return [PagedTable(store, start)] if store.has_row(start) else []

    def draw(self) -> None:
        store = self.store
        store.height_from(self.start, float("inf"))  # every row (wrap found they all fit)
        table = store.table(self.start, store.measured)
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)
