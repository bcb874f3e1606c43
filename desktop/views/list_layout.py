"""How a record list reads: columns as wide as what they hold, the main text taking the rest,
and rows of one, two or three lines."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView

from db.fields import FieldType, KindSpec, choice_label

from ..models.record_table import RecordTableModel

ROW_LINES = (1, 2, 3)
SAMPLE_ROWS = 200  # rows measured: the first page, already read to show the list
LONGEST_DATE = "September 30, 2026"
TEXT_CAP = 20  # average characters: longer names wrap or elide rather than crowd the main text
CELL_PADDING = 14
MIN_TITLE_WIDTH = 140
SHORT_TYPES = (FieldType.DATE, FieldType.CHOICE, FieldType.BOOL)
TITLE_SHARE = 0.35  # of the list's width, kept for the main text before other columns give way


def title_column(model: RecordTableModel, spec: KindSpec) -> int:
    """The column of the kind's main text (statement text, directive title, actor name...)."""
    return model.column_of(spec.title_field)


def natural_widths(table: QTableView, model: RecordTableModel, spec: KindSpec) -> list[int]:
    """A width per column that shows what it holds: every choice and flag in full, dates and
    names as wide as the longest in the first rows, capped so one long name cannot take the page."""
    fm = table.fontMetrics()
    header = table.horizontalHeader()
    hfm = header.fontMetrics()
    style = table.style()
    indicator = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header)
    check = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, table)
    rows = min(model.rowCount(), SAMPLE_ROWS)
    widths: list[int] = []
    for i, col in enumerate(model.columns):
        label = str(model.headerData(i, Qt.Orientation.Horizontal) or "")
        # Room for the sort arrow, so sorting by a short column does not cut its caption.
        floor = hfm.horizontalAdvance(label) + CELL_PADDING + indicator + 8
        ftype = model.field_type(i)
        field = spec.by_name.get(col.field or "")
        if ftype is FieldType.BOOL:
            widths.append(max(floor, check + CELL_PADDING))
            continue
        if ftype is FieldType.CHOICE and field is not None:
            widths.append(max(floor, max(fm.horizontalAdvance(choice_label(c)) for c in field.choices) + CELL_PADDING))
            continue
        bold = QFont(table.font())
        bold.setBold(True)
        cap = (
            QFontMetrics(bold).horizontalAdvance(LONGEST_DATE)
            if ftype is FieldType.DATE
            else fm.averageCharWidth() * TEXT_CAP
        )
        widest = 0
        for row in range(rows):
            index = model.index(row, i)
            text = index.data()
            if not text:
                continue
            text = str(text)
            if ftype is FieldType.DATE:
                text = ",".join(text.split(",")[:2])  # the day; a time after it wraps or elides
            font = index.data(Qt.ItemDataRole.FontRole)
            metrics = QFontMetrics(font) if isinstance(font, QFont) else fm
            widest = max(widest, metrics.horizontalAdvance(text))
        widths.append(max(floor, min(widest, cap) + CELL_PADDING))
    return widths


class ColumnFitter(QObject):
    """Sizes a list's columns from their content; the main text column takes the free width.

    When the list is too narrow for every column at its natural width, the other columns give
    up width (down to their captions) before the main text goes below a readable width. Once
    the user drags a column edge, their widths are theirs and are left alone."""

    def __init__(self, table: QTableView, model: RecordTableModel, spec: KindSpec) -> None:
        super().__init__(table)
        self.table = table
        self.model = model
        self.spec = spec
        self.title = title_column(model, spec)
        self.user_sized = False
        self._fitting = False
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(self.title, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(self._on_section_resized)
        self.natural = natural_widths(table, model, spec)
        table.viewport().installEventFilter(self)
        model.modelReset.connect(self._grow)
        self.fit()

    def _grow(self) -> None:
        # Records added to a list that was empty (or filtered) may be wider than those measured
        # first; columns only widen, so filtering does not make them jump about.
        widths = natural_widths(self.table, self.model, self.spec)
        grown = [max(old, new) for old, new in zip(self.natural, widths, strict=True)]
        if grown != self.natural:
            self.natural = grown
            self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if not self._fitting and column != self.title:
            self.user_sized = True

    def fit(self) -> None:
        """Size the columns for the list's current width."""
        if self.user_sized:
            return
        header = self.table.horizontalHeader()
        hfm = header.fontMetrics()
        width = self.table.viewport().width()
        others = [i for i in range(len(self.natural)) if i != self.title]
        # Dates, choices and flags are short: they keep their full width; names and free text
        # give way, the widest first, to a common width, none below its caption.
        short = [i for i in others if self.model.field_type(i) in SHORT_TYPES]
        widths = {i: self.natural[i] for i in others}
        budget = width - max(MIN_TITLE_WIDTH, int(width * TITLE_SHARE)) - sum(widths[i] for i in short)
        flexible = {i: widths[i] for i in others if i not in short}
        if flexible and sum(flexible.values()) > budget:
            floors = {
                i: hfm.horizontalAdvance(str(self.model.headerData(i, Qt.Orientation.Horizontal) or "")) + CELL_PADDING
                for i in flexible
            }
            low, high = 0, max(flexible.values())
            while low < high:
                cap = (low + high + 1) // 2
                if sum(min(w, max(cap, floors[i])) for i, w in flexible.items()) <= budget:
                    low = cap
                else:
                    high = cap - 1
            widths.update({i: min(w, max(low, floors[i])) for i, w in flexible.items()})
        self._fitting = True
        try:
            for i, w in widths.items():
                if self.table.columnWidth(i) != w:
                    self.table.setColumnWidth(i, w)
            # Too narrow for every column: the main text keeps a readable width and the list
            # scrolls sideways, rather than the text shrinking to nothing.
            if sum(widths.values()) + MIN_TITLE_WIDTH <= width:
                header.setSectionResizeMode(self.title, QHeaderView.ResizeMode.Stretch)
            else:
                header.setSectionResizeMode(self.title, QHeaderView.ResizeMode.Interactive)
                self.table.setColumnWidth(self.title, MIN_TITLE_WIDTH)
        finally:
            self._fitting = False


def apply_row_lines(table: QTableView, lines: int) -> None:
    """Show ``lines`` lines of text per row: wrapped at word ends, elided at the end of the last line."""
    lines = lines if lines in ROW_LINES else 1
    table.setWordWrap(lines > 1)
    header = table.verticalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    bold = QFont(table.font())
    bold.setBold(True)  # key events are bold: rows must fit their taller lines too
    spacing = max(table.fontMetrics().lineSpacing(), QFontMetrics(bold).lineSpacing())
    header.setDefaultSectionSize(lines * spacing + 8)
    table.viewport().update()
