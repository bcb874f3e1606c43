"""Finding and following: filter as you type, search the whole case, links, back and forward,
and the timeline strip."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from db import records
from db.fields import Kind
from desktop.actions import ActionId
from desktop.navigation import Location
from tests.gui_helpers import open_window


@pytest.fixture
def window(qtbot, sample_path):
    return open_window(qtbot, sample_path)


def _names(page) -> list[str]:
    return [page.model.index(r, 0).data() for r in range(page.model.rowCount())]


def _actor_id(cf, name: str) -> str:
    from db.queries import choices

    return next(rid for rid, label in choices(cf, Kind.ACTOR, name) if label == name)


def test_filter_as_you_type_and_by_tag(qtbot, window):
    window.case_view.show_page(Kind.ACTOR)
    page = window.case_view.current_page()
    window.action_registry[ActionId.FILTER].trigger()
    assert page.filter_edit.hasFocus()
    qtbot.keyClicks(page.filter_edit, "spokes")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=60000)
    assert set(_names(page)) == {"Francis Brennan", "Ben Kass"}
    assert page.count_label.text() == "2 actors"
    page.filter_edit.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == 20, timeout=60000)
    page.tag_combo.showPopup()  # the list of tags is read when it opens
    media = page.tag_combo.findData("media")
    assert media > 0
    page.tag_combo.hidePopup()
    page.tag_combo.setCurrentIndex(media)
    page.tag_combo.activated.emit(media)
    assert set(_names(page)) == {"The New York Times", "AI Weekly"}


def test_date_range_filter_on_the_timeline(qtbot, window):
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    page.from_edit.setText("June 2026")
    page.from_edit.editingFinished.emit()
    dates = [page.model.index(r, 0).data() for r in range(page.model.rowCount())]
    assert dates and all("June" in d and "2026" in d for d in dates)
    page.to_edit.setText("nonsense")
    page.to_edit.editingFinished.emit()
    assert "nonsense" in page.to_edit.toolTip()


def test_find_in_case_jumps_to_the_record(qtbot, window):
    qtbot.keySequence(window, QKeySequence.StandardKey.Find)
    dialog = window.search_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=60000)
    qtbot.keyClicks(dialog.edit, "defenders")
    qtbot.waitUntil(lambda: dialog.results.topLevelItemCount() > 0, timeout=60000)
    assert dialog.results.topLevelItem(0).text(0) == "Statements"
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    page = window.case_view.current_page()
    assert page.kind is Kind.STATEMENT
    text = records.get_record(window.session.cf, Kind.STATEMENT, page.current_id())["text"]
    assert "defenders" in text


def test_ctrl_k_also_opens_search_and_results_are_grouped(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = window.search_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=60000)
    dialog.edit.setText("Meta")
    with qtbot.waitSignal(dialog.results_shown, timeout=60000):
        dialog.run_search()
    groups = [dialog.results.topLevelItem(i).text(0) for i in range(dialog.results.topLevelItemCount())]
    assert groups[0] == "Sources" and "Actors" in groups and "Timeline" in groups
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_follow_a_speaker_link_and_come_back(qtbot, window):
    cf = window.session.cf
    brennan = _actor_id(cf, "Francis Brennan")
    statement = next(r for r in records.find_references(cf, Kind.ACTOR, brennan) if r.kind is Kind.STATEMENT)
    window.case_view.show_record(Kind.STATEMENT, statement.id)
    page = window.case_view.current_page()
    page.editor.widgets["speaker"].open_button.click()
    actors = window.case_view.current_page()
    assert actors.kind is Kind.ACTOR and actors.current_id() == brennan
    # The actor's page lists their statements; following one leads back to the statement.
    assert "Statements (speaker)" in actors.editor.links.text()
    qtbot.keySequence(window, QKeySequence.StandardKey.Back)
    assert window.case_view.location() == Location(Kind.STATEMENT, statement.id)
    qtbot.keySequence(window, QKeySequence.StandardKey.Forward)
    assert window.case_view.location() == Location(Kind.ACTOR, brennan)
    actors.editor._follow_link(f"statement:{statement.id}")
    assert window.case_view.location() == Location(Kind.STATEMENT, statement.id)


def test_directive_page_lists_parties_and_entries_that_concern_it(qtbot, window):
    cf = window.session.cf
    from db.queries import choices

    eo = next(rid for rid, label in choices(cf, Kind.DIRECTIVE, "14409") if label.startswith("Executive Order"))
    window.case_view.show_record(Kind.DIRECTIVE, eo)
    editor = window.case_view.current_page().editor
    assert editor.widgets["parties"].list.count() == len(records.get_record(cf, Kind.DIRECTIVE, eo)["parties"]) > 0
    assert "Timeline (directive)" in editor.links.text()


def test_go_menu_shortcuts_switch_pages(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.case_view.current_kind() is Kind.TIMELINE
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.case_view.current_kind() is None


def test_clicking_a_timeline_marker_selects_its_entry(qtbot, window):
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    strip = page.timeline
    qtbot.waitUntil(lambda: strip.isVisible(), timeout=60000)
    target_row = 3
    rowid = page.model.rowid_at(target_row)
    # The strip's data is read in the background after the page shows.
    qtbot.waitUntil(lambda: strip.marker_position(rowid) is not None, timeout=60000)
    strip.zoom_to_fit()
    pos = strip.marker_position(rowid)
    assert pos is not None
    with qtbot.waitSignal(strip.entry_activated, timeout=60000) as blocker:
        qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [rowid]
    assert page.table.currentIndex().row() == target_row
    assert strip.selected() == rowid
    # Selecting in the table highlights in the strip too.
    page.table.selectRow(0)
    assert strip.selected() == page.model.rowid_at(0)


def test_double_clicking_a_speaker_cell_opens_the_actor(qtbot, window):
    window.case_view.show_page(Kind.STATEMENT)
    page = window.case_view.current_page()
    column = page.model.column_of("speaker")
    row = next(r for r in range(page.model.rowCount()) if page.model.index(r, column).data() == "Ben Kass")
    rect = page.table.visualRect(page.model.index(row, column))
    # A double-click as the platform delivers it: press, release, then the double-click.
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    actors = window.case_view.current_page()
    assert actors.kind is Kind.ACTOR
    assert records.get_record(window.session.cf, Kind.ACTOR, actors.current_id())["name"] == "Ben Kass"
    qtbot.keySequence(window, QKeySequence.StandardKey.Back)
    assert window.case_view.current_kind() is Kind.STATEMENT
