"""No silent overwrite from a list cell or the History panel: on a team case, a value typed in a
cell, or put back with Restore This Value, is saved only if the field still holds what the user
saw; else they see theirs and mine and choose, as in the record editor."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit
from server_fixtures import server  # noqa: F401  (fixture)
from test_server_conflicts import _answer, _plain, team  # noqa: F401  (fixture)

from db.fields import Kind

pytestmark = pytest.mark.server


def _open_role_cell(qtbot, team, record_id: str):  # type: ignore[no-untyped-def]  # noqa: F811
    """Open the editor on the record's Role cell in the Actors list, as F2 does."""
    window = team.window
    window.case_view.show_page(Kind.ACTOR)
    page = window.case_view.current_page()
    row = page.model.row_of(record_id)
    assert row is not None
    index = page.model.index(row, page.model.column_of("role"))
    page.table.setCurrentIndex(index)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.parent() is page.table.viewport()
    return page, index, editor


def _type(qtbot, editor: QLineEdit, text: str) -> None:
    editor.selectAll()
    qtbot.keyClicks(editor, text)


def _mine_typed_theirs_saved(qtbot, team):  # type: ignore[no-untyped-def]  # noqa: F811
    """Meta's Role cell open with "Mine" typed in it, after which the other person saved "Theirs"."""
    meta = team.actor()
    page, index, editor = _open_role_cell(qtbot, team, meta)
    assert editor.text() == "Frontier AI developer"
    _type(qtbot, editor, "Mine")
    team.theirs(meta, "Theirs")
    return meta, page, index, editor


def test_a_cell_edit_after_someone_else_changed_the_field_asks_and_keeps_theirs_by_default(qtbot, team):  # noqa: F811
    meta, _page, index, editor = _mine_typed_theirs_saved(qtbot, team)

    shown: list[dict] = []
    seen = _answer(qtbot, lambda d: QTest.keyClick(d, Qt.Key.Key_Return), shown)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The view commits a cell edit from the event loop, just after the key press.
    qtbot.waitUntil(lambda: bool(seen), timeout=60000)
    (dialog,) = shown
    assert dialog["heading"] == "Someone else changed this actor while you were editing"
    assert dialog["who"].startswith("casefile_reader changed it on ")
    assert (_plain(dialog["theirs"][0]), _plain(dialog["mine"][0])) == ("Theirs", "Mine")

    # Enter took theirs: nothing was written, the cell shows theirs, mine is on the clipboard.
    assert team.stored(meta) == "Theirs"
    assert [by for by, _old, _new in team.history(meta)] == ["casefile_reader"]
    qtbot.waitUntil(lambda: index.data() == "Theirs", timeout=60000)
    assert QApplication.clipboard().text() == "Mine"
    assert team.session.undo_stack.count() == 0
    assert team.unexpected == []


def test_keep_mine_in_the_cell_conflict_saves_over_theirs_as_one_undoable_step(qtbot, team):  # noqa: F811
    meta, _page, index, editor = _mine_typed_theirs_saved(qtbot, team)

    seen = _answer(qtbot, lambda d: QTest.mouseClick(d.keep_mine_button, Qt.MouseButton.LeftButton))
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: team.stored(meta) == "Mine", timeout=60000)
    assert seen
    assert team.history(meta)[-1] == ("casefile_app", "Theirs", "Mine")
    assert index.data() == "Mine"
    assert team.session.undo_stack.count() == 1
    assert team.unexpected == []


def test_edit_in_the_cell_conflict_opens_the_cell_again_with_what_was_typed(qtbot, team):  # noqa: F811
    meta, page, index, editor = _mine_typed_theirs_saved(qtbot, team)

    seen = _answer(qtbot, lambda d: QTest.mouseClick(d.edit_button, Qt.MouseButton.LeftButton))
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(seen), timeout=60000)
    qtbot.waitUntil(lambda: isinstance(page.table.indexWidget(index), QLineEdit), timeout=60000)
    again = page.table.indexWidget(index)
    assert again.text() == "Mine"
    assert team.stored(meta) == "Theirs"

    # Having seen theirs, the user words it and Enter saves with no second question.
    _type(qtbot, again, "Theirs and mine")
    qtbot.keyClick(again, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: team.stored(meta) == "Theirs and mine", timeout=60000)
    assert team.unexpected == []


def test_their_change_to_another_field_is_no_conflict_for_a_cell(qtbot, team):  # noqa: F811
    meta = team.actor()
    _page, _index, editor = _open_role_cell(qtbot, team, meta)
    _type(qtbot, editor, "Mine")
    team.other.execute("UPDATE actor SET name = 'Meta Platforms' WHERE id = %s", (meta,))
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: team.stored(meta) == "Mine", timeout=60000)
    assert team.stored(meta, "name") == "Meta Platforms"
    assert team.unexpected == []


def test_restore_this_value_after_someone_else_changed_the_field_asks_and_keeps_theirs(qtbot, team):  # noqa: F811
    meta = team.actor()
    window = team.window
    window.case_view.show_record(Kind.ACTOR, meta)
    panel = window.case_view.current_page().history
    assert panel.isVisible()
    team.theirs(meta, "Theirs, first")
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=60000)  # their change, then the record created
    panel.list.setCurrentRow(0)
    assert panel.restore_button.isEnabled()

    # They change it again; the panel still shows their first change when the user restores.
    team.theirs(meta, "Theirs, second")
    shown: list[dict] = []
    seen = _answer(qtbot, lambda d: QTest.mouseClick(d.take_theirs_button, Qt.MouseButton.LeftButton), shown)
    QTest.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert seen, "no conflict dialog"
    (dialog,) = shown
    assert (_plain(dialog["theirs"][0]), _plain(dialog["mine"][0])) == ("Theirs, second", "Frontier AI developer")
    assert dialog["heading"] == "Someone else changed this actor after its history was shown"
    assert not dialog["edit_visible"] and dialog["mine_button"] == "Restore Anyway"
    assert team.stored(meta) == "Theirs, second"
    # The panel now lists their second change, the value a restore would replace.
    qtbot.waitUntil(lambda: panel.list.count() == 3, timeout=60000)
    assert panel.list.item(0).text().endswith("Theirs, first  →  Theirs, second")
    assert team.unexpected == []


def test_restore_this_value_after_their_change_to_another_field_restores(qtbot, team):  # noqa: F811
    meta = team.actor()
    window = team.window
    window.case_view.show_record(Kind.ACTOR, meta)
    panel = window.case_view.current_page().history
    team.theirs(meta, "Theirs")
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=60000)
    panel.list.setCurrentRow(0)
    team.other.execute("UPDATE actor SET name = 'Meta Platforms' WHERE id = %s", (meta,))
    QTest.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert (team.stored(meta), team.stored(meta, "name")) == ("Frontier AI developer", "Meta Platforms")
    assert team.unexpected == []
