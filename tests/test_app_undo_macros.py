"""Edits made as one user action (a macro) undo as one step, and one that saved nothing leaves no step.

"Add Actor as Statement Speaker" creates an actor from what was typed in a speaker field and
links it: two writes, one step on Edit > Undo. When the file cannot take the new actor (a full
disk, made real with SQLite's own page limit), nothing is saved and there must be nothing to
undo either, not an empty step that Ctrl+Z spends doing nothing. When an edit fails part way
through an action, what was saved before it undoes as the action's one step; and an undo of
such a step that fails half way puts back what it had already undone.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import QComboBox
from reliability_helpers import limit_pages

from db import queries, records
from db.errors import RecordError, WriteError
from db.fields import Kind
from db.sqlite.casefile import CaseFile
from desktop.dialogs.quick_create import QuickCreateDialog
from desktop.undo import EditRecordCommand, MacroCommand
from tests.gui_helpers import open_window, when_modal

MACRO_TEXT = "Add Actor as Statement Speaker"
# Long enough that storing it needs a new page of the file.
LONG_ROLE = "Deputy assistant secretary for legislative affairs and intergovernmental relations; " * 20


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fill_actor(role: str):  # type: ignore[no-untyped-def]
    def fill(dialog) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(dialog, QuickCreateDialog)
        kind = dialog.input("kind")
        assert isinstance(kind, QComboBox)
        kind.setCurrentIndex(kind.findData("person"))
        dialog.input("role").setText(role)
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    return fill


def _undo(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    # From the list, as a user does it (in a text field Ctrl+Z undoes the typing there).
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)
    page = window.case_view.current_page()
    page.table.setFocus()
    qtbot.keySequence(page.table, QKeySequence.StandardKey.Undo)


@pytest.fixture
def window(qtbot, sample_path):  # type: ignore[no-untyped-def]
    window = open_window(qtbot, sample_path)
    # The backup on open reads the file on a pool thread: let it finish so that nothing but the
    # test's own edits touch the file while a page limit is in place.
    qtbot.waitUntil(lambda: window.documents.backup_task.done.is_set(), timeout=60000)
    return window


def _statement_page(qtbot, window):  # type: ignore[no-untyped-def]
    window.case_view.show_page(Kind.STATEMENT)
    page = window.case_view.current_page()
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.current_id() is not None, timeout=60000)
    return page


def test_a_speaker_that_cannot_be_created_leaves_no_undo_step(qtbot, window, sample_path, monkeypatch):
    session = window.session
    cf = session.cf
    stack = session.undo_stack
    page = _statement_page(qtbot, window)
    statement = page.current_id()
    speaker_before = records.get_record(cf, Kind.STATEMENT, statement)["speaker"]
    actors_before = queries.counts(cf)[Kind.ACTOR]
    assert stack.count() == 0
    speaker = page.editor.widgets["speaker"]
    speaker.box.setText("Pat Example")
    with monkeypatch.context() as patch:
        limit_pages(patch, session.cf)
        file_before = _sha256(sample_path)
        seen = when_modal(_fill_actor(LONG_ROLE), kind=QuickCreateDialog)
        with qtbot.waitSignal(session.error, timeout=60000) as told:
            speaker.new_button.click()
        assert seen
        assert "the disk is full" in told.args[0]
        assert "the disk is full" in window.statusBar().currentMessage()
        # Nothing was saved, and there is nothing to undo: no step, empty or otherwise.
        assert _sha256(sample_path) == file_before
        assert queries.counts(cf)[Kind.ACTOR] == actors_before
        assert records.get_record(cf, Kind.STATEMENT, statement)["speaker"] == speaker_before
        assert stack.count() == 0
        assert not stack.canUndo()
        assert not window.undo_action.isEnabled()
        assert speaker.box.text() == "Pat Example"  # what was typed stays, to try again
    session.cf.engine.dispose()  # the disk has room again

    seen = when_modal(_fill_actor(LONG_ROLE), kind=QuickCreateDialog)
    speaker.new_button.click()
    assert seen
    new_actor = records.get_record(cf, Kind.STATEMENT, statement)["speaker"]
    assert records.get_record(cf, Kind.ACTOR, new_actor)["name"] == "Pat Example"
    assert stack.count() == 1
    assert window.undo_action.text() == f"&Undo {MACRO_TEXT}"
    _undo(qtbot, window)
    assert records.get_record(cf, Kind.STATEMENT, statement)["speaker"] == speaker_before
    assert queries.counts(cf)[Kind.ACTOR] == actors_before


def test_a_partly_failed_macro_keeps_what_was_saved_as_one_undo_step(qtbot, window):
    session = window.session
    cf = session.cf
    stack = session.undo_stack
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    entry = page.model.id_at(0)
    before = records.get_record(cf, Kind.TIMELINE, entry)
    actors_before = queries.counts(cf)[Kind.ACTOR]
    with pytest.raises(RecordError, match="June 31, 2026"), session.macro("Add Actor and Date the Entry"):
        actor = session.add_record(Kind.ACTOR, {"name": "Pat Example"})
        session.edit_record(Kind.TIMELINE, entry, {"actors": [*before["actors"], actor]})
        session.edit_record(Kind.TIMELINE, entry, {"date": "June 31, 2026"})  # refused
    # What was saved before the refusal stays, as one step named after the whole action.
    assert records.get_record(cf, Kind.TIMELINE, entry)["actors"] == [*before["actors"], actor]
    assert records.get_record(cf, Kind.TIMELINE, entry)["date"] == before["date"]
    assert stack.count() == 1
    assert window.undo_action.text() == "&Undo Add Actor and Date the Entry"

    _undo(qtbot, window)  # one Ctrl+Z takes back both saved edits
    with pytest.raises(RecordError):
        records.get_record(cf, Kind.ACTOR, actor)
    assert queries.counts(cf)[Kind.ACTOR] == actors_before
    assert records.get_record(cf, Kind.TIMELINE, entry)["actors"] == before["actors"]
    assert not stack.canUndo()
    qtbot.keySequence(page.table, QKeySequence.StandardKey.Redo)  # and one Ctrl+Shift+Z redoes both
    assert records.get_record(cf, Kind.ACTOR, actor)["name"] == "Pat Example"
    assert records.get_record(cf, Kind.TIMELINE, entry)["actors"] == [*before["actors"], actor]


def test_a_macro_whose_edits_were_all_refused_leaves_no_step(qtbot, window):
    session = window.session
    cf = session.cf
    stack = session.undo_stack
    entry = window.case_view.page(Kind.TIMELINE).model.id_at(0)
    with pytest.raises(RecordError), session.macro("Date the Entry"):
        session.edit_record(Kind.TIMELINE, entry, {"date": "June 31, 2026"})
    with session.macro("Change Nothing"):
        session.edit_record(Kind.TIMELINE, entry, {"title": records.get_record(cf, Kind.TIMELINE, entry)["title"]})
    assert stack.count() == 0
    assert not window.undo_action.isEnabled()


class _Target:
    """The undo commands' side of the session, over two numbers; ``fail_on`` makes writes to one fail."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {"a": 0, "b": 0}
        self.fail_on: str | None = None
        self.reported: list[str] = []

    def write_record(self, kind, record_id, values, *, restoring=False):  # type: ignore[no-untyped-def]
        if record_id == self.fail_on:
            raise WriteError("The change could not be saved: the disk is full.")
        old = {"role": self.values[record_id]}
        self.values[record_id] = values["role"]
        return old

    def report(self, exc: BaseException) -> None:
        self.reported.append(str(exc))

    def announce(self, step, *, undo, finished):  # type: ignore[no-untyped-def]
        pass


def test_an_undo_that_fails_half_way_puts_back_what_it_had_undone(qapp):
    target = _Target()
    stack = QUndoStack()
    macro = MacroCommand(target, "Two edits")  # type: ignore[arg-type]
    for record_id in ("a", "b"):
        old = target.write_record(Kind.ACTOR, record_id, {"role": 1})
        macro.add(EditRecordCommand(target, Kind.ACTOR, record_id, {"role": 1}, old))  # type: ignore[arg-type]
    stack.push(macro)
    assert target.values == {"a": 1, "b": 1}
    target.fail_on = "a"  # undone last: "b" is undone first, then "a" cannot be
    stack.undo()
    assert target.values == {"a": 1, "b": 1}  # "b" redone: the file is as the user last saw it
    assert target.reported == ["The change could not be saved: the disk is full."]
    assert stack.count() == 0  # the step that cannot be undone is dropped, as a single edit's is


def test_undo_of_an_edit_beside_a_reference_to_no_record_still_undoes(qapp, sample_path):
    """A received file whose statement names a speaker that does not exist: an edit changes the
    speaker, and its undo puts the statement back as far as it can (no speaker) instead of being
    refused and dropped from the stack."""
    import sqlite3

    from desktop.session import CaseSession

    conn = sqlite3.connect(sample_path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    statement = conn.execute("SELECT id FROM statement ORDER BY n LIMIT 1").fetchone()[0]
    conn.execute("UPDATE statement SET speaker_id = '99999999-9999-4999-8999-999999999999' WHERE id = ?", (statement,))
    conn.close()
    actor = None
    with CaseFile.open(sample_path) as cf:
        actor = queries.choices(cf, Kind.ACTOR, "")[0][0]
        session = CaseSession(cf)
        session.edit_record(Kind.STATEMENT, statement, {"speaker": actor})
        assert session.undo_stack.count() == 1
        session.undo_stack.undo()
        assert session.undo_stack.count() == 1 and session.undo_stack.index() == 0  # undone, and kept
        assert records.get_record(cf, Kind.STATEMENT, statement)["speaker"] is None  # the missing one stays gone
        session.undo_stack.redo()
        assert records.get_record(cf, Kind.STATEMENT, statement)["speaker"] == actor
        session.close()
