"""Edit > Move Up / Move Down Within Day: a user puts a day's records in order from the list."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from db import queries
from db.fields import Kind
from db.sqlite.casefile import CaseFile
from desktop.actions import ActionId
from tests.gui_helpers import open_window

ORDERS = "Government orders Anthropic to suspend Fable 5 and Mythos 5 access for foreign nationals"
REACHES = "Export directive reaches Anthropic"
COMPLIES = "Anthropic complies, removes access for all users, and disputes the basis"
EMAIL = "Federal officials email Meta asking it to agree to voluntary CAISI review"
JUNE_12 = [ORDERS, REACHES, COMPLIES]


def _titles(page) -> list[str]:
    """The Event column as the list shows it, top to bottom."""
    model, column = page.model, page.model.column_of("title")
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def _june_12(titles: list[str]) -> list[str]:
    return [t for t in titles if t in JUNE_12]


def _on_disk(path) -> list[str]:
    """The timeline's titles in the order the file lists them."""
    with CaseFile.open(path, read_only=True) as cf:
        order = queries.list_rowids(cf, queries.ListQuery(Kind.TIMELINE))
        rows = queries.fetch_rows(cf, Kind.TIMELINE, order)
    at = 1 + [c.name for c in queries.LIST_COLUMNS[Kind.TIMELINE]].index("title")
    return [str(rows[n][at]) for n in order]


def _timeline_with(window, qtbot, title: str):
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    row = _titles(page).index(title)
    QTest.mouseClick(
        page.table.viewport(), Qt.MouseButton.LeftButton, pos=page.table.visualRect(page.model.index(row, 1)).center()
    )
    qtbot.waitUntil(lambda: page.current_id() is not None and _titles(page)[page.table.currentIndex().row()] == title)
    page.table.setFocus()
    return page


def _selected_title(page) -> str:
    return _titles(page)[page.table.currentIndex().row()]


def test_moving_an_entry_within_its_day_is_stored_undone_and_kept(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    page = _timeline_with(window, qtbot, COMPLIES)
    assert _june_12(_titles(page)) == JUNE_12  # the sample as the story tells it

    QTest.keyClick(page.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: _june_12(_titles(page)) == [ORDERS, COMPLIES, REACHES])
    assert _selected_title(page) == COMPLIES  # the selection follows the record
    assert _june_12(_on_disk(sample_path)) == [ORDERS, COMPLIES, REACHES]  # written at once
    assert window.undo_action.text() == "&Undo Move Timeline Entry Up"

    QTest.keyClick(page.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: _june_12(_titles(page)) == [COMPLIES, ORDERS, REACHES])

    page.table.setFocus()
    qtbot.keySequence(page.table, QKeySequence.StandardKey.Undo)  # one step per move
    qtbot.waitUntil(lambda: _june_12(_titles(page)) == [ORDERS, COMPLIES, REACHES])
    assert _selected_title(page) == COMPLIES
    assert _june_12(_on_disk(sample_path)) == [ORDERS, COMPLIES, REACHES]

    window.close()
    window = open_window(qtbot, sample_path)
    window.case_view.show_page(Kind.TIMELINE)
    assert _june_12(_titles(window.case_view.current_page())) == [ORDERS, COMPLIES, REACHES]


def test_a_move_out_of_the_day_or_out_of_date_order_is_refused_and_says_why(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    page = _timeline_with(window, qtbot, EMAIL)  # the first entry of June 23
    before = _titles(page)
    up, down = window.action_registry[ActionId.MOVE_UP_IN_DAY], window.action_registry[ActionId.MOVE_DOWN_IN_DAY]
    assert not up.isEnabled() and down.isEnabled()

    QTest.keyClick(page.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    message = window.statusBar().currentMessage()
    assert message == "This is the first timeline entry on June 23, 2026: records move only within their day."
    assert _titles(page) == before and _selected_title(page) == EMAIL  # nothing moved, not even the selection

    page.table.sortByColumn(page.model.column_of("title"), Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: not down.isEnabled())
    sorted_titles = _titles(page)
    QTest.keyClick(page.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    assert "only in date order" in window.statusBar().currentMessage()
    assert _titles(page) == sorted_titles and _selected_title(page) == EMAIL


def test_timed_entries_keep_time_order(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    page = _timeline_with(window, qtbot, REACHES)
    orders_id = page.model.id_at(_titles(page).index(ORDERS))
    window.session.edit_record(Kind.TIMELINE, orders_id, {"date": "2026-06-12T09:00-04:00"})
    qtbot.waitUntil(lambda: _june_12(_titles(page)) == [ORDERS, REACHES, COMPLIES])
    page = _timeline_with(window, qtbot, REACHES)
    assert not window.action_registry[ActionId.MOVE_UP_IN_DAY].isEnabled()
    QTest.keyClick(page.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    assert "stay in time order" in window.statusBar().currentMessage()
    assert _june_12(_titles(page)) == [ORDERS, REACHES, COMPLIES]


def test_the_moves_are_in_the_edit_menu_and_the_shortcuts_list(qtbot, sample_path):
    from desktop.dialogs.shortcuts import shortcut_groups

    window = open_window(qtbot, sample_path)
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    texts = [a.text() for a in edit_menu.actions()]
    assert "Mo&ve Up Within Day" in texts and "Move Do&wn Within Day" in texts
    menus = [a.menu() for a in window.menuBar().actions()]
    rows = dict(dict(shortcut_groups(window.actions(), menus))["Edit"])
    native = QKeySequence.SequenceFormat.NativeText
    assert rows["Move Up Within Day"] == QKeySequence("Alt+Shift+Up").toString(native)
    assert rows["Move Down Within Day"] == QKeySequence("Alt+Shift+Down").toString(native)


def test_a_statement_moves_within_its_day_from_the_keyboard(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    window.case_view.show_page(Kind.STATEMENT)
    page = window.case_view.current_page()
    model, column = page.model, page.model.column_of("text")

    def texts() -> list[str]:
        return [model.data(model.index(row, column)) for row in range(model.rowCount())]

    def position(start: str) -> int:
        return next(i for i, text in enumerate(texts()) if text.startswith(start))

    assert position("We are complying") + 1 == position("However, we disagree")  # as its notes say
    row = position("However, we disagree")
    QTest.mouseClick(
        page.table.viewport(), Qt.MouseButton.LeftButton, pos=page.table.visualRect(model.index(row, 1)).center()
    )
    qtbot.waitUntil(lambda: page.table.currentIndex().row() == row)
    QTest.keyClick(page.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: position("However, we disagree") + 1 == position("We are complying"))
    assert texts()[page.table.currentIndex().row()].startswith("However, we disagree")
    assert window.undo_action.text() == "&Undo Move Statement Up"
