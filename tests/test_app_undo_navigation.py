"""Undo you can follow: Ctrl+Z and Ctrl+Shift+Z go to the page and record they change, focus
the changed field, and the status bar says what was undone or redone.

Each test makes a change on one page, goes somewhere else as a user does (Ctrl+1..6, a click
in a list), then presses the real shortcut in whatever has the keyboard focus.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QWidget

from db import records
from db.errors import RecordError
from db.fields import Kind
from desktop.actions import ActionId
from desktop.navigation import Location
from tests.gui_helpers import fill_quick_create, open_window, when_modal

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
GO_KEYS = {None: Qt.Key.Key_1, Kind.ACTOR: Qt.Key.Key_2, Kind.STATEMENT: Qt.Key.Key_3,
           Kind.DIRECTIVE: Qt.Key.Key_4, Kind.TIMELINE: Qt.Key.Key_5, Kind.SOURCE: Qt.Key.Key_6}  # fmt: skip


@pytest.fixture
def window(qtbot, sample_path):  # type: ignore[no-untyped-def]
    return open_window(qtbot, sample_path)


def _focused(window) -> QWidget:  # type: ignore[no-untyped-def]
    return QApplication.focusWidget() or window


def _press(qtbot, window, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:  # type: ignore[no-untyped-def]
    # Keys go where a user's would: to the widget that has the keyboard focus.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)
    qtbot.keyClick(_focused(window), key, modifiers)


def _undo(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    _press(qtbot, window, Qt.Key.Key_Z, CTRL)


def _redo(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    _press(qtbot, window, Qt.Key.Key_Z, CTRL | SHIFT)


def _go(qtbot, window, kind: Kind | None):  # type: ignore[no-untyped-def]
    _press(qtbot, window, GO_KEYS[kind], CTRL)
    assert window.case_view.current_kind() is kind
    return window.case_view.current_page()


def _click_row(qtbot, page, row: int) -> str:  # type: ignore[no-untyped-def]
    index = page.model.index(row, 0)
    page.table.scrollTo(index)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=page.table.visualRect(index).center())
    record_id = page.model.id_at(row)
    assert page.current_id() == record_id
    return record_id


def _type_into(qtbot, widget: QWidget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Replace a field's text as typed, and finish the edit (Enter; Ctrl+Enter in a text box)."""
    qtbot.mouseClick(widget if isinstance(widget, QLineEdit) else widget.viewport(), Qt.MouseButton.LeftButton)
    assert widget.hasFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return, CTRL if isinstance(widget, QPlainTextEdit) else Qt.KeyboardModifier(0))


def _status(window) -> str:  # type: ignore[no-untyped-def]
    return window.statusBar().currentMessage()


def test_undo_and_redo_of_a_field_edit_return_to_its_record_and_field(qtbot, window):
    cf = window.session.cf
    statements = _go(qtbot, window, Kind.STATEMENT)
    statement = _click_row(qtbot, statements, 2)
    original = records.get_record(cf, Kind.STATEMENT, statement)["text"]
    text = statements.editor.widgets["text"].focus_widget()
    _type_into(qtbot, text, "We have no comment at this time.")
    assert records.get_record(cf, Kind.STATEMENT, statement)["text"] == "We have no comment at this time."

    actors = _go(qtbot, window, Kind.ACTOR)
    actor = _click_row(qtbot, actors, 3)
    actors.table.setFocus()
    _undo(qtbot, window)
    assert records.get_record(cf, Kind.STATEMENT, statement)["text"] == original
    assert window.case_view.location() == Location(Kind.STATEMENT, statement)
    assert statements.editor.record_id == statement
    assert _focused(window) is text
    # A long text is not selected (a keystroke would replace the quotation); the cursor is at its start.
    assert not text.textCursor().hasSelection() and text.textCursor().position() == 0
    assert _status(window) == "Undid Edit Statement Text"

    # The jump is a visit like any other: Back returns to the actor the user was on.
    window.action_registry[ActionId.BACK].trigger()
    assert window.case_view.location() == Location(Kind.ACTOR, actor)

    _go(qtbot, window, Kind.DIRECTIVE)
    _redo(qtbot, window)
    assert records.get_record(cf, Kind.STATEMENT, statement)["text"] == "We have no comment at this time."
    assert window.case_view.location() == Location(Kind.STATEMENT, statement)
    assert _focused(window) is text
    assert text.toPlainText() == "We have no comment at this time."
    assert _status(window) == "Redid Edit Statement Text"


def test_ctrl_z_in_a_focused_field_keeps_stepping_back_through_the_case(qtbot, window):
    """After an undo has focused a field, the next Ctrl+Z undoes the step before it (the field
    has no typing of its own to take back), and Ctrl+Shift+Z there redoes; typing in a field is
    still undone in the field first."""
    cf = window.session.cf
    actors = _go(qtbot, window, Kind.ACTOR)
    first = _click_row(qtbot, actors, 0)
    first_role = records.get_record(cf, Kind.ACTOR, first)["role"]
    _type_into(qtbot, actors.editor.widgets["role"].focus_widget(), "First change")
    second = _click_row(qtbot, actors, 1)
    second_role = records.get_record(cf, Kind.ACTOR, second)["role"]
    role = actors.editor.widgets["role"].focus_widget()
    _type_into(qtbot, role, "Second change")

    _undo(qtbot, window)  # from the role field itself, just committed
    assert records.get_record(cf, Kind.ACTOR, second)["role"] == second_role
    assert _focused(window) is role
    _undo(qtbot, window)
    assert records.get_record(cf, Kind.ACTOR, first)["role"] == first_role
    assert window.case_view.location() == Location(Kind.ACTOR, first)
    assert _focused(window) is role and role.text() == (first_role or "")
    assert _status(window) == "Undid Edit Actor Role or title"
    _redo(qtbot, window)
    assert records.get_record(cf, Kind.ACTOR, first)["role"] == "First change"
    assert _status(window) == "Redid Edit Actor Role or title"

    qtbot.keyClicks(role, " typed")  # not committed: Ctrl+Z takes back the typing only
    _undo(qtbot, window)
    assert role.text() == "First change"
    assert records.get_record(cf, Kind.ACTOR, first)["role"] == "First change"
    assert records.get_record(cf, Kind.ACTOR, second)["role"] == second_role


def test_a_case_field_undo_goes_to_the_case_page(qtbot, window):
    cf = window.session.cf
    _go(qtbot, window, None)
    marking = window.case_view.case_page.widgets["marking"].focus_widget()
    _type_into(qtbot, marking, "SENSITIVE BUT UNCLASSIFIED")
    assert records.get_case(cf)["marking"] == "SENSITIVE BUT UNCLASSIFIED"

    timeline = _go(qtbot, window, Kind.TIMELINE)
    _click_row(qtbot, timeline, 1)
    _undo(qtbot, window)
    assert records.get_case(cf)["marking"] == "FOR INTERNAL USE ONLY"
    assert window.case_view.current_kind() is None
    assert _focused(window) is marking
    assert marking.selectedText() == "FOR INTERNAL USE ONLY"  # the restored value, picked out
    assert _status(window) == "Undid Edit Case Handling marking"

    _go(qtbot, window, Kind.SOURCE)
    _redo(qtbot, window)
    assert records.get_case(cf)["marking"] == "SENSITIVE BUT UNCLASSIFIED"
    assert window.case_view.current_kind() is None
    assert _focused(window) is marking
    assert _status(window) == "Redid Edit Case Handling marking"


def _confirm_removing_references(box) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QPushButton

    next(b for b in box.findChildren(QPushButton) if b.text() == "Delete and Remove References").click()


def test_undoing_a_delete_shows_the_restored_record(qtbot, window):
    cf = window.session.cf
    actors = _go(qtbot, window, Kind.ACTOR)
    # An actor others refer to: the references are taken out with it, and come back with it.
    row = next(
        r for r in range(2, actors.model.rowCount()) if records.find_references(cf, Kind.ACTOR, actors.model.id_at(r))
    )
    actor = _click_row(qtbot, actors, row)
    name = records.get_record(cf, Kind.ACTOR, actor)["name"]
    refs = records.find_references(cf, Kind.ACTOR, actor)
    seen = when_modal(_confirm_removing_references)
    actors.table.setFocus()
    _press(qtbot, window, Qt.Key.Key_Delete, Qt.KeyboardModifier(0))  # Delete Record
    assert seen
    with pytest.raises(RecordError):
        records.get_record(cf, Kind.ACTOR, actor)

    directives = _go(qtbot, window, Kind.DIRECTIVE)
    _click_row(qtbot, directives, 0)
    _undo(qtbot, window)
    assert records.get_record(cf, Kind.ACTOR, actor)["name"] == name
    assert records.find_references(cf, Kind.ACTOR, actor) == refs
    assert window.case_view.location() == Location(Kind.ACTOR, actor)
    assert actors.editor.record_id == actor
    assert actors.editor.heading.text() == name
    assert _focused(window) is actors.table
    assert _status(window) == "Undid Delete Actor"

    _go(qtbot, window, Kind.SOURCE)
    _redo(qtbot, window)
    with pytest.raises(RecordError):
        records.get_record(cf, Kind.ACTOR, actor)
    assert window.case_view.current_kind() is Kind.ACTOR
    # The record that took its place in the list is selected, not nothing.
    assert actors.current_id() == actors.model.id_at(row)
    assert actors.current_id() not in (None, actor)
    assert _focused(window) is actors.table
    assert _status(window) == "Redid Delete Actor"


def test_undoing_an_add_shows_its_list_with_a_neighbour_selected(qtbot, window):
    cf = window.session.cf
    sources = _go(qtbot, window, Kind.SOURCE)
    before = sources.model.rowCount()
    seen = when_modal(fill_quick_create({"title": "Hearing notice", "publisher": "House Committee"}))
    window.action_registry[ActionId.NEW_RECORD].trigger()
    assert seen
    added = sources.current_id()
    assert added is not None and sources.model.rowCount() == before + 1
    row = sources.model.row_of(added)

    _go(qtbot, window, None)
    _undo(qtbot, window)
    with pytest.raises(RecordError):
        records.get_record(cf, Kind.SOURCE, added)
    assert window.case_view.current_kind() is Kind.SOURCE
    assert sources.model.rowCount() == before
    neighbour = sources.current_id()
    assert neighbour is not None and neighbour == sources.model.id_at(min(row, before - 1))
    assert sources.editor.record_id == neighbour
    assert _focused(window) is sources.table
    assert _status(window) == "Undid Add Source"

    _go(qtbot, window, Kind.TIMELINE)
    _redo(qtbot, window)
    assert records.get_record(cf, Kind.SOURCE, added)["title"] == "Hearing notice"
    assert window.case_view.location() == Location(Kind.SOURCE, added)
    assert _status(window) == "Redid Add Source"


def test_undo_clears_a_filter_that_hides_the_record(qtbot, window):
    cf = window.session.cf
    actors = _go(qtbot, window, Kind.ACTOR)
    actor = _click_row(qtbot, actors, 2)
    role = actors.editor.widgets["role"].focus_widget()
    _type_into(qtbot, role, "Acting undersecretary")
    name = records.get_record(cf, Kind.ACTOR, actor)["name"]

    _press(qtbot, window, Qt.Key.Key_L, CTRL)  # Filter List
    assert actors.filter_edit.hasFocus()
    qtbot.keyClicks(actors.filter_edit, "spokesman")
    qtbot.waitUntil(lambda: actors.model.row_of(actor) is None and actors.model.rowCount() > 0, timeout=60000)
    assert name not in {actors.model.index(r, 0).data() for r in range(actors.model.rowCount())}
    _click_row(qtbot, actors, 0)

    _undo(qtbot, window)
    assert actors.filter_edit.text() == ""
    assert actors.model.row_of(actor) is not None
    assert window.case_view.location() == Location(Kind.ACTOR, actor)
    assert _focused(window) is role
    assert _status(window) == "Undid Edit Actor Role or title (cleared the filter to show it)"


def test_undo_of_a_link_goes_to_the_linking_field(qtbot, window):
    cf = window.session.cf
    directives = _go(qtbot, window, Kind.DIRECTIVE)
    directive = _click_row(qtbot, directives, 0)
    parties = directives.editor.widgets["parties"]
    before = records.get_record(cf, Kind.DIRECTIVE, directive)["parties"]
    qtbot.mouseClick(parties.box, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(parties.box, "New York Times")
    popup = parties.box.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=60000)
    nyt = parties.box.matches()[0][0]
    assert nyt not in before
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert records.get_record(cf, Kind.DIRECTIVE, directive)["parties"] == [*before, nyt]

    statements = _go(qtbot, window, Kind.STATEMENT)
    _click_row(qtbot, statements, 0)
    _undo(qtbot, window)
    assert records.get_record(cf, Kind.DIRECTIVE, directive)["parties"] == before
    assert window.case_view.location() == Location(Kind.DIRECTIVE, directive)
    assert _focused(window) is parties.box
    assert parties.list.count() == len(before)
    assert _status(window) == "Undid Link Directive Party"

    _go(qtbot, window, Kind.ACTOR)
    _redo(qtbot, window)
    assert records.get_record(cf, Kind.DIRECTIVE, directive)["parties"] == [*before, nyt]
    assert window.case_view.location() == Location(Kind.DIRECTIVE, directive)
    assert _focused(window) is parties.box
    assert _status(window) == "Redid Link Directive Party"


def test_undo_of_a_speaker_made_on_the_spot_goes_to_the_statement(qtbot, window):
    cf = window.session.cf
    statements = _go(qtbot, window, Kind.STATEMENT)
    statement = _click_row(qtbot, statements, 1)
    before = records.get_record(cf, Kind.STATEMENT, statement)["speaker"]
    speaker = statements.editor.widgets["speaker"]
    speaker.box.setText("Pat Example")
    seen = when_modal(fill_quick_create({"kind": "person", "role": "Agency spokesperson"}))
    speaker.new_button.click()
    assert seen
    actor = records.get_record(cf, Kind.STATEMENT, statement)["speaker"]
    assert records.get_record(cf, Kind.ACTOR, actor)["name"] == "Pat Example"

    # Looking at the new actor when the step is undone: the actor goes, and the statement
    # whose speaker the step set is shown.
    window.case_view.show_record(Kind.ACTOR, actor)
    _undo(qtbot, window)
    with pytest.raises(RecordError):
        records.get_record(cf, Kind.ACTOR, actor)
    assert records.get_record(cf, Kind.STATEMENT, statement)["speaker"] == before
    assert window.case_view.location() == Location(Kind.STATEMENT, statement)
    assert _focused(window) is speaker.box
    assert _status(window) == "Undid Add Actor as Statement Speaker"

    _go(qtbot, window, Kind.TIMELINE)
    _redo(qtbot, window)
    assert records.get_record(cf, Kind.STATEMENT, statement)["speaker"] == actor
    assert window.case_view.location() == Location(Kind.STATEMENT, statement)
    assert _focused(window) is speaker.box
    assert speaker.box.text() == "Pat Example"
    assert _status(window) == "Redid Add Actor as Statement Speaker"


def test_ctrl_z_in_a_list_cell_being_edited_leaves_the_case_alone(qtbot, window):
    """A cell editor is the list's, not a field of the case: Ctrl+Z there never undoes a step
    of the case under it (that would close the cell mid-edit)."""
    cf = window.session.cf
    actors = _go(qtbot, window, Kind.ACTOR)
    actor = _click_row(qtbot, actors, 0)
    _type_into(qtbot, actors.editor.widgets["role"].focus_widget(), "Changed in the panel")
    stack = window.session.undo_stack
    assert stack.canUndo()
    actors.table.setFocus()
    qtbot.keyClick(actors.table, Qt.Key.Key_F2)
    cell = _focused(window)
    assert isinstance(cell, QLineEdit) and actors.table.isAncestorOf(cell)
    _undo(qtbot, window)
    assert stack.canUndo()
    assert records.get_record(cf, Kind.ACTOR, actor)["role"] == "Changed in the panel"
