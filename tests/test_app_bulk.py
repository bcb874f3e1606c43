"""Many records at once: select with Shift and Ctrl, then tag, set a field or delete them all,
each one step on Edit > Undo.

A thousand timeline entries are selected with a click and a Shift+click, tagged from Edit >
Add Tag (Ctrl+T) with the tag typed in its dialog, and every one of them holds the tag on
disk; one Ctrl+Z takes it off all of them. Set Field gives actors of different kinds one
kind, and one undo gives each its own back. Deleting actors that statements quote lists
those statements in the one confirmation, and one undo puts back the actors and the
speakers of those statements exactly as they were.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from db.fields import Kind
from desktop.dialogs.bulk_dialog import SetFieldDialog, TagDialog
from tests.gui_helpers import open_window, when_modal

TAG = "reviewed-q3"


def _rows(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


@pytest.fixture
def big_path(tmp_path: Path) -> Path:
    """A generated case with 1,200 timeline entries (the benchmark's case, scaled down)."""
    from bench.generate import write
    from db.interchange import import_json

    source = tmp_path / "big.json"
    write(source, 0.012)
    path = tmp_path / "big.casefile"
    import_json(source, path)
    return path


def _page(qtbot, window, kind: Kind):  # type: ignore[no-untyped-def]
    window.case_view.show_page(kind)
    page = window.case_view.current_page()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    page.table.setFocus()
    return page


def _click_row(qtbot, page, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    index = page.model.index(row, 1)
    page.table.scrollTo(index)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, modifier, page.table.visualRect(index).center())


def _answering(action):  # type: ignore[no-untyped-def]
    """``action`` on a dialog, which is closed if the action fails so the test fails instead of waiting."""

    def run(dialog) -> None:  # type: ignore[no-untyped-def]
        try:
            action(dialog)
        finally:
            if dialog.isVisible():
                dialog.reject()

    return run


def _undo(qtbot, window, page) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    page.table.setFocus()
    qtbot.keySequence(page.table, QKeySequence.StandardKey.Undo)


def test_tagging_a_thousand_selected_entries_is_one_undo_step(qtbot, big_path: Path) -> None:
    window = open_window(qtbot, big_path)
    page = _page(qtbot, window, Kind.TIMELINE)
    _click_row(qtbot, page, 0)
    _click_row(qtbot, page, 999, Qt.KeyboardModifier.ShiftModifier)
    assert len(page.selected_rows()) == 1000
    # The editor pane says what is selected and offers what can be done to all of it.
    assert page.editor_stack.currentWidget() is page.selection_panel
    assert page.selection_panel.title.text() == "1,000 timeline entries selected"
    chosen = {page.model.id_at(row) for row in range(1000)}

    def type_tag(dialog) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(dialog, TagDialog)
        qtbot.keyClicks(dialog.edit, TAG)
        qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)

    seen = when_modal(_answering(type_tag), kind=TagDialog)
    steps = window.session.undo_stack.count()
    qtbot.keyClick(page.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert seen, "Ctrl+T did not ask for a tag"
    assert window.session.undo_stack.count() == steps + 1
    assert window.undo_action.text() == "&Undo Add Tag to 1,000 Timeline Entries"

    tagged = {
        str(rid) for rid, tags in _rows(big_path, "SELECT id, tags FROM timeline_entry") if TAG in json.loads(str(tags))
    }
    assert tagged == chosen
    # The list shows the tag at once (a visible Tags column is not needed: the filter finds them).
    assert TAG in page.session.all_tags(Kind.TIMELINE)

    _undo(qtbot, window, page)
    qtbot.waitUntil(lambda: window.session.undo_stack.index() == steps)
    left = [rid for rid, tags in _rows(big_path, "SELECT id, tags FROM timeline_entry") if TAG in json.loads(str(tags))]
    assert left == []


def test_set_field_on_actors_of_different_kinds_and_one_undo(qtbot, big_path: Path) -> None:
    window = open_window(qtbot, big_path)
    page = _page(qtbot, window, Kind.ACTOR)
    rows = [0, 2, 3, 5, 8, 13]
    _click_row(qtbot, page, rows[0])
    for row in rows[1:]:
        _click_row(qtbot, page, row, Qt.KeyboardModifier.ControlModifier)
    assert page.selected_rows() == rows
    ids = [page.model.id_at(row) for row in rows]
    before = dict(_rows(big_path, "SELECT id, kind FROM actor"))
    assert len({before[i] for i in ids}) > 1, "the selection should hold actors of several kinds"
    untouched = {k: v for k, v in before.items() if k not in ids}

    def pick(dialog) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(dialog, SetFieldDialog)
        assert [dialog.field_combo.itemText(i) for i in range(dialog.field_combo.count())] == ["Kind", "Affiliation"]
        qtbot.waitUntil(lambda: dialog.field_combo.hasFocus())  # the dialog opens on its first question
        qtbot.keyClicks(dialog.field_combo, "Kind")
        qtbot.keyClick(dialog.field_combo, Qt.Key.Key_Tab)
        value = dialog.value_widget().focus_widget()
        assert value.hasFocus()
        qtbot.keyClicks(value, "Gov")
        qtbot.keyClick(value, Qt.Key.Key_Return)

    seen = when_modal(_answering(pick), kind=SetFieldDialog)
    qtbot.keyClick(page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert seen
    after = dict(_rows(big_path, "SELECT id, kind FROM actor"))
    assert {after[i] for i in ids} == {"government"}
    assert {k: v for k, v in after.items() if k not in ids} == untouched
    # The list shows the new kind in every selected row.
    kind_column = page.model.column_of("kind")
    assert {page.model.index(row, kind_column).data() for row in page.selected_rows()} == {"Government"}

    _undo(qtbot, window, page)
    qtbot.waitUntil(lambda: dict(_rows(big_path, "SELECT id, kind FROM actor")) == before)


def test_deleting_quoted_actors_lists_the_statements_and_one_undo_restores_all(qtbot, sample_path: Path) -> None:
    window = open_window(qtbot, sample_path)
    page = _page(qtbot, window, Kind.ACTOR)
    page.table.selectionModel().setCurrentIndex(
        page.model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    for _ in range(3):
        qtbot.keyClick(page.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    ids = [page.model.id_at(row) for row in page.selected_rows()]
    assert len(ids) == 4
    marks = ",".join("?" * len(ids))
    quoting = _rows(sample_path, f"SELECT text FROM statement WHERE speaker_id IN ({marks})", tuple(ids))
    assert quoting, "the sample's first actors should be quoted by some statement"
    actors = (
        "SELECT id, name, kind, role, affiliation_id, description, tags, created_at, updated_at FROM actor ORDER BY id"
    )
    actors_before = _rows(sample_path, actors)
    statements_before = _rows(sample_path, "SELECT id, speaker_id, updated_at FROM statement ORDER BY id")

    asked: list[str] = []

    def confirm(box) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(box, QMessageBox)
        asked.append(box.text() + "\n" + box.informativeText())
        button = next(b for b in box.buttons() if b.text() == "Delete 4 Actors")
        button.click()

    when_modal(_answering(confirm), kind=QMessageBox)
    qtbot.keySequence(page.table, QKeySequence.StandardKey.Delete)
    assert asked and asked[0].startswith("Delete 4 actors?")
    assert "Statement “" in asked[0] and "(Speaker)" in asked[0]
    assert _rows(sample_path, f"SELECT count(*) FROM actor WHERE id IN ({marks})", tuple(ids)) == [(0,)]
    assert _rows(sample_path, f"SELECT count(*) FROM statement WHERE speaker_id IN ({marks})", tuple(ids)) == [(0,)]
    assert window.undo_action.text() == "&Undo Delete 4 Actors"

    _undo(qtbot, window, page)
    qtbot.waitUntil(lambda: _rows(sample_path, actors) == actors_before)
    assert _rows(sample_path, "SELECT id, speaker_id, updated_at FROM statement ORDER BY id") == statements_before
