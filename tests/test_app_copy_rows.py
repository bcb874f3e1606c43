"""Ctrl+C in a list copies the selected rows as a table: tab-separated text and HTML.

They paste into Excel, Word and Outlook as rows and columns: the columns the list shows, in
the order it shows them (a hidden column left out, a moved one where it was moved to),
under a header row, with the values as the cells show them.
"""

from __future__ import annotations

import csv
import html
import io

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from db.fields import Kind
from tests.gui_helpers import open_window

VENUE = 'Q&A <live> at the "Hill"'


def test_ctrl_c_copies_the_selected_rows_with_the_visible_columns_in_order(qtbot, sample_path) -> None:
    window = open_window(qtbot, sample_path)
    window.case_view.show_page(Kind.STATEMENT)
    page = window.case_view.current_page()
    qtbot.waitUntil(lambda: page.model.rowCount() > 3)
    model, header = page.model, page.table.horizontalHeader()
    first_id = model.id_at(0)
    window.session.edit_record(Kind.STATEMENT, first_id, {"venue": VENUE})
    # Hide the Source column and put Speaker last, as a user arranging the list would.
    header.hideSection(model.column_of("source"))
    header.moveSection(header.visualIndex(model.column_of("speaker")), header.count() - 1)
    expected_header = ["Date", "Text", "Venue", "Verbatim", "Speaker"]

    page.table.setFocus()
    index = model.index(0, model.column_of("text"))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=page.table.visualRect(index).center())
    for _ in range(2):
        qtbot.keyClick(page.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert page.selected_rows() == [0, 1, 2]
    QApplication.clipboard().clear()
    qtbot.keyClick(page.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)

    mime = QApplication.clipboard().mimeData()
    assert mime.hasText() and mime.hasHtml()
    grid = list(csv.reader(io.StringIO(mime.text()), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert grid[0] == expected_header
    assert len(grid) == 4 and all(len(line) == len(expected_header) for line in grid)
    for line, row in zip(grid[1:], range(3), strict=True):
        record = window.session.get_record(Kind.STATEMENT, model.id_at(row))
        assert line[0] == model.index(row, model.column_of("date")).data()
        assert line[1] == model.index(row, model.column_of("text")).data()
        assert line[2] == (record["venue"] or "")
        assert line[3] == ("Yes" if record["verbatim"] else "No")
        assert line[4] == model.index(row, model.column_of("speaker")).data()
    assert grid[1][2] == VENUE

    markup = mime.html()
    assert "<table" in markup and markup.count("<tr>") == 4
    assert "<th>Date</th><th>Text</th><th>Venue</th><th>Verbatim</th><th>Speaker</th>" in markup
    assert f"<td>{html.escape(VENUE)}</td>" in markup and VENUE not in markup
