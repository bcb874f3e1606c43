"""Rows of a list on the clipboard as a table: tab-separated text and HTML, which Excel, Word
and Outlook each paste as rows and columns.

The columns are the ones the list shows, in the order it shows them, under a header row; the
values are the text the cells show.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QMimeData, QStringListModel, Qt
from PySide6.QtWidgets import QTableView

YES, NO = "Yes", "No"
_BREAKS = str.maketrans({"\t": " ", "\n": " ", "\r": " ", "\u2028": " ", "\u2029": " "})


def visible_columns(table: QTableView) -> list[int]:
    """Model columns the list shows, in the order it shows them."""
    header = table.horizontalHeader()
    logical = (header.logicalIndex(visual) for visual in range(header.count()))
    return [column for column in logical if not header.isSectionHidden(column)]


def cell_text(table: QTableView, row: int, column: int) -> str:
    """The text a cell shows (a tick box as Yes or No)."""
    index = table.model().index(row, column)
    check = index.data(Qt.ItemDataRole.CheckStateRole)
    if check is not None:
        return YES if Qt.CheckState(check) == Qt.CheckState.Checked else NO
    value = index.data(Qt.ItemDataRole.DisplayRole)
    return "" if value is None else str(value)


def rows_table(table: QTableView, rows: Sequence[int]) -> list[list[str]]:
    """The header row, then one row of cell texts for each of ``rows``."""
    model = table.model()
    columns = visible_columns(table)
    header = [str(model.headerData(c, Qt.Orientation.Horizontal) or "") for c in columns]
    return [header, *([cell_text(table, row, c) for c in columns] for row in rows)]


def rows_mime(table: QTableView, rows: Sequence[int]) -> QMimeData:
    """``rows`` of the list as text/plain (tab-separated) and text/html (a table)."""
    grid = rows_table(table, rows)
    # A tab or line break inside a value would start a new cell or row when pasted.
    text = "".join("\t".join(cell.translate(_BREAKS) for cell in line) + "\n" for line in grid)
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in grid[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in line) + "</tr>" for line in grid[1:])
    markup = (
        '<html><head><meta charset="utf-8"></head><body>'
        f'<table border="1" cellspacing="0" cellpadding="3"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></body></html>"
    )
    mime = _plain_mime_data()
    mime.setText(text)
    mime.setHtml(markup)
    return mime


def _plain_mime_data() -> QMimeData:
    """An empty QMimeData made by Qt itself.

    One made from Python is a PySide subclass; the clipboard deletes its data when the
    application goes, after Python has shut down, and that subclass's destructor then crashes
    the app on quit (PySide6 6.11). A model's own drag data is a plain QMimeData.
    """
    model = QStringListModel([""])
    mime = model.mimeData([model.index(0, 0)])
    for name in mime.formats():
        mime.removeFormat(name)
    return mime
