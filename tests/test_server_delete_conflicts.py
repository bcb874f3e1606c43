"""No silent deletion of someone else's change: on a team case, deleting a record someone else
changed after the user opened it asks first, saying who changed it; Keep It (the default) leaves
their change, Delete Anyway deletes it as one undoable step. A change the editor already showed
is no surprise, and deletes without asking."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from server_fixtures import server  # noqa: F401  (fixture)
from test_server_conflicts import team  # noqa: F401  (fixture)

from db.fields import Kind
from desktop.actions import ActionId
from tests.gui_helpers import when_modal

pytestmark = pytest.mark.server

UNREFERENCED = "AI Weekly"  # an actor of the sample no other record refers to


def _exists(team, record_id: str) -> bool:  # type: ignore[no-untyped-def]  # noqa: F811
    return team.other.execute("SELECT count(*) FROM actor WHERE id = %s", (record_id,)).fetchone()[0] == 1


def _asked(press, shown: list[str]):  # type: ignore[no-untyped-def]
    def act(box: QMessageBox) -> None:
        shown.append(box.text())
        press(box)

    return when_modal(act, kind=QMessageBox)


def _button(box: QMessageBox, text: str):  # type: ignore[no-untyped-def]
    return next(b for b in box.buttons() if b.text() == text)


def test_deleting_a_record_someone_else_changed_since_asks_and_keeps_it_by_default(qtbot, team):  # noqa: F811
    meta = team.actor(UNREFERENCED)
    editor = team.editor(meta)
    team.theirs(meta, "Theirs")  # before the window has heard of it
    shown: list[str] = []
    seen = _asked(lambda box: QTest.keyClick(box, Qt.Key.Key_Return), shown)
    team.window.action_registry[ActionId.DELETE_RECORD].trigger()
    assert seen
    (text,) = shown
    assert text.startswith(f"casefile_reader changed “{UNREFERENCED}” after you opened it, on ")
    # Enter kept it: nothing deleted, nothing to undo, and the editor shows their change
    assert _exists(team, meta)
    assert team.stored(meta) == "Theirs"
    assert team.session.undo_stack.count() == 0
    assert editor.record_id == meta and editor.widgets["role"].value() == "Theirs"


def test_delete_anyway_deletes_their_change_as_one_undoable_step(qtbot, team):  # noqa: F811
    meta = team.actor(UNREFERENCED)
    team.editor(meta)
    team.theirs(meta, "Theirs")
    seen = _asked(lambda box: QTest.mouseClick(_button(box, "Delete Anyway"), Qt.MouseButton.LeftButton), [])
    team.window.action_registry[ActionId.DELETE_RECORD].trigger()
    assert seen
    assert not _exists(team, meta)
    assert team.session.undo_stack.count() == 1
    team.session.undo_stack.undo()  # brings it back as they left it
    assert _exists(team, meta) and team.stored(meta) == "Theirs"


def test_a_change_the_editor_already_shows_deletes_without_asking(qtbot, team):  # noqa: F811
    meta = team.actor(UNREFERENCED)
    editor = team.editor(meta)
    team.theirs(meta, "Theirs")
    qtbot.waitUntil(lambda: editor.widgets["role"].value() == "Theirs", timeout=60000)  # heard live
    team.window.action_registry[ActionId.DELETE_RECORD].trigger()
    assert not _exists(team, meta)
    assert team.session.undo_stack.count() == 1


def test_a_record_nobody_else_changed_deletes_without_asking(qtbot, team):  # noqa: F811
    meta = team.actor(UNREFERENCED)
    team.editor(meta)
    team.window.action_registry[ActionId.DELETE_RECORD].trigger()
    assert not _exists(team, meta)
    assert team.unexpected == []


def test_a_referenced_record_asks_about_its_references_then_about_their_change(qtbot, team):  # noqa: F811
    meta = team.actor("Meta")  # six records refer to it
    team.editor(meta)
    team.theirs(meta, "Theirs")
    shown: list[str] = []

    def remove_references(box: QMessageBox) -> None:
        _asked(lambda second: QTest.keyClick(second, Qt.Key.Key_Escape), shown)  # then: Keep It
        QTest.mouseClick(_button(box, "Delete and Remove References"), Qt.MouseButton.LeftButton)

    seen = _asked(remove_references, shown)
    team.window.action_registry[ActionId.DELETE_RECORD].trigger()
    assert seen
    assert shown[0] == "“Meta” is referred to by 6 other record(s)."
    assert shown[1].startswith("casefile_reader changed “Meta” after you opened it")
    # kept: the record and every reference to it are as they were
    assert _exists(team, meta) and team.stored(meta) == "Theirs"
    assert len(team.session.find_references(Kind.ACTOR, meta)) == 6
    assert team.session.undo_stack.count() == 0
