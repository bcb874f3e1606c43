"""Record lists a staffer can read all day: column widths, row lines, the editor pane, a filter
bar that fits a small window, sort order kept through edits, and flags that toggle on purpose."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from db import records
from db.fields import Kind
from desktop.actions import ActionId
from desktop.dialogs.quick_create import QuickCreateDialog
from tests.gui_helpers import open_window, when_modal


@pytest.fixture
def window(qtbot, sample_path):
    return open_window(qtbot, sample_path)


def _page(window, kind: Kind):
    window.case_view.show_page(kind)
    page = window.case_view.current_page()
    assert page.kind is kind
    return page


def _date_keys(window, page) -> list[str]:
    """The sort keys of the dates down the list, as shown (no date sorts first)."""
    cf = window.session.cf
    field = page.spec.date_field
    keys = []
    for row in range(page.model.rowCount()):
        value = records.get_record(cf, page.kind, page.model.id_at(row))[field]
        keys.append(value.sort_key if value is not None else "")
    return keys


def _shown_and_current(page, record_id: str) -> bool:
    index = page.table.currentIndex()
    if not index.isValid() or page.model.id_at(index.row()) != record_id:
        return False
    row_rect = page.table.visualRect(page.model.index(index.row(), 0))
    return page.table.selectionModel().isRowSelected(index.row()) and page.table.viewport().rect().intersects(row_rect)


def _row_with(page, column: str, prefix: str) -> int:
    col = page.model.column_of(column)
    return next(r for r in range(page.model.rowCount()) if str(page.model.index(r, col).data()).startswith(prefix))


# ----- sort order after edits ---------------------------------------------------------------
def test_an_added_or_edited_date_moves_the_row_to_its_sorted_place(qtbot, window):
    cf = window.session.cf
    page = _page(window, Kind.TIMELINE)

    def fill(dialog) -> None:
        assert isinstance(dialog, QuickCreateDialog)
        dialog.input("title").setText("Hearing on the directive")
        dialog.input("date").setText("June 24, 2026")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    seen = when_modal(fill)
    window.action_registry[ActionId.NEW_RECORD].trigger()
    assert seen
    # The offscreen platform has no window manager to reactivate the window after a dialog.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    added = page.current_id()
    assert records.get_record(cf, Kind.TIMELINE, added)["title"] == "Hearing on the directive"
    keys = _date_keys(window, page)
    assert keys == sorted(keys)
    assert _shown_and_current(page, added)

    # Move an April entry to the end of June by typing its new date in the editor.
    row = _row_with(page, "title", "Meta ships")
    entry = page.model.id_at(row)
    page.select_record(entry)
    field = page.editor.widgets["date"]
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "June 30, 2026")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert str(records.get_record(cf, Kind.TIMELINE, entry)["date"].iso) == "2026-06-30"
    keys = _date_keys(window, page)
    assert keys == sorted(keys), "the edited entry stayed where it was"
    assert page.model.id_at(page.model.rowCount() - 1) == entry
    assert _shown_and_current(page, entry)
    assert page.editor.record_id == entry

    # A statement's date edited in its cell.
    page = _page(window, Kind.STATEMENT)
    row = next(r for r in range(page.model.rowCount()) if page.model.index(r, 0).data() == "June 2, 2026")
    statement = page.model.id_at(row)
    page.table.setCurrentIndex(page.model.index(row, page.model.column_of("date")))
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "June 20, 2026")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: str(records.get_record(cf, Kind.STATEMENT, statement)["date"].iso) == "2026-06-20")
    keys = _date_keys(window, page)
    assert keys == sorted(keys), "the edited statement stayed where it was"
    assert _shown_and_current(page, statement)


# ----- flags toggle on the row being worked on ----------------------------------------------
def _check_box_center(page, index):
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    option = QStyleOptionViewItem()
    option.rect = page.table.visualRect(index)
    page.table.itemDelegate().initStyleOption(option, index)
    option.widget = page.table
    rect = page.table.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, page.table)
    assert rect.isValid() and option.rect.contains(rect)
    return rect.center()


def test_a_flag_toggles_only_on_the_selected_row(qtbot, window):
    cf = window.session.cf
    page = _page(window, Kind.STATEMENT)
    page.select_record(page.model.id_at(0))
    page.table.setFocus()
    row = 3
    statement = page.model.id_at(row)
    before = records.get_record(cf, Kind.STATEMENT, statement)["verbatim"]
    index = page.model.index(row, page.model.column_of("verbatim"))
    viewport = page.table.viewport()

    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_check_box_center(page, index))
    assert page.current_id() == statement, "the click did not select the row"
    assert page.table.selectionModel().isRowSelected(row)
    assert records.get_record(cf, Kind.STATEMENT, statement)["verbatim"] == before, "a click to select flipped it"
    assert page.model.data(index, Qt.ItemDataRole.CheckStateRole) == (
        Qt.CheckState.Checked if before else Qt.CheckState.Unchecked
    )

    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_check_box_center(page, index))
    assert records.get_record(cf, Kind.STATEMENT, statement)["verbatim"] == (not before)
    assert page.current_id() == statement

    assert page.table.currentIndex().column() == index.column()
    qtbot.keyClick(page.table, Qt.Key.Key_Space)
    assert records.get_record(cf, Kind.STATEMENT, statement)["verbatim"] == before
    assert page.model.data(index, Qt.ItemDataRole.CheckStateRole) == (
        Qt.CheckState.Checked if before else Qt.CheckState.Unchecked
    )
