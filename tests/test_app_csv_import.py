"""File > Import CSV…: a preview that shows the mapping and the failing rows, Import, and one Ctrl+Z."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from db import queries
from db.fields import Kind
from desktop import file_dialogs
from desktop.actions import ActionId
from desktop.dialogs.csv_import_dialog import IGNORE, CsvImportDialog
from tests.gui_helpers import open_window, when_modal

ROWS = [
    ("Date", "Speaker", "Text", "Verbatim", "Venue"),
    ("June 2, 2026", "Francis Brennan", "Imported remark one about the review.", "yes", "Press briefing"),
    ("2026-06-03", "Francis Brennan", "Imported remark two about the review.", "partly", "Hearing"),
    ("2026-06-04", "", "Imported remark three about the review.", "no", ""),
]


def _write_csv(path: Path) -> Path:
    # As Excel saves "CSV" on Windows: Windows-1252, no byte-order mark.
    lines = [",".join(f'"{cell}"' for cell in row) for row in ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def _file_menu_action(window: Any, text: str) -> Any:
    menu = window.menuBar().actions()[0].menu()
    return next(a for a in menu.actions() if a.text().replace("&", "") == text)


def test_preview_fix_import_and_undo_in_one_step(qtbot, sample_path, tmp_path, monkeypatch):
    window = open_window(qtbot, sample_path)
    session = window.session
    before = queries.counts(session.cf)[Kind.STATEMENT]
    source = _write_csv(tmp_path / "remarks.csv")
    monkeypatch.setattr(file_dialogs, "ask_open_csv", lambda *_a: source)
    seen: dict[str, Any] = {}

    def answer(dialog: Any) -> None:
        assert isinstance(dialog, CsvImportDialog)
        qtbot.waitUntil(lambda: dialog.plan is not None and not dialog.checking, timeout=60000)
        seen["mapping"] = [c.currentText() for c in dialog.combos]
        seen["problems"] = [dialog.problem_list.item(i).text() for i in range(dialog.problem_list.count())]
        seen["enabled_with_errors"] = dialog.import_button.isEnabled()
        dialog.grab().save(str(tmp_path / "preview.png"))
        verbatim = dialog.combo("Verbatim")
        with qtbot.waitSignal(dialog.checked, timeout=60000):
            verbatim.setCurrentIndex(verbatim.findText(IGNORE))
        seen["problems_after"] = dialog.problem_list.count() if dialog.problem_list.isVisible() else 0
        seen["summary_after"] = dialog.summary.text()
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)

    dialogs = when_modal(answer, kind=CsvImportDialog)
    action = _file_menu_action(window, "Import CSV…")
    action.trigger()
    qtbot.waitUntil(lambda: queries.counts(session.cf)[Kind.STATEMENT] == before + 3, timeout=60000)
    assert dialogs

    # The preview showed how each column maps, and the row that fails and why.
    assert seen["mapping"] == ["Date", "Speaker", "Text", "Verbatim", "Venue"]
    assert seen["problems"] == ['Row 3, column "Verbatim": Verbatim must be yes or no, not "partly".']
    assert not seen["enabled_with_errors"]
    assert seen["problems_after"] == 0
    assert seen["summary_after"] == "Ready: 3 statements will be added."

    # The records are in the file, linked to the existing speaker, and the list shows them.
    page = window.case_view.current_page()
    assert page is not None and page.kind is Kind.STATEMENT
    with session.cf.read() as conn:
        from sqlalchemy import text

        rows = conn.execute(
            text(
                "SELECT s.text, s.date, s.venue, s.verbatim, a.name FROM statement s "
                "LEFT JOIN actor a ON a.id = s.speaker_id WHERE s.text LIKE 'Imported remark%' ORDER BY s.date"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("Imported remark one about the review.", "2026-06-02", "Press briefing", 0, "Francis Brennan"),
        ("Imported remark two about the review.", "2026-06-03", "Hearing", 0, "Francis Brennan"),
        ("Imported remark three about the review.", "2026-06-04", None, 0, None),
    ]
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 3, timeout=60000)
    assert session.undo_stack.count() == 1
    assert window.undo_action.text() == "&Undo Import 3 Statements From CSV"

    # One Ctrl+Z takes every imported record out again.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)
    page.table.setFocus()
    qtbot.keySequence(page.table, QKeySequence.StandardKey.Undo)
    qtbot.waitUntil(lambda: queries.counts(session.cf)[Kind.STATEMENT] == before, timeout=60000)
    qtbot.waitUntil(lambda: page.model.rowCount() == before, timeout=60000)
    # And Redo puts them back, with the same ids.
    qtbot.keySequence(page.table, QKeySequence.StandardKey.Redo)
    qtbot.waitUntil(lambda: queries.counts(session.cf)[Kind.STATEMENT] == before + 3, timeout=60000)


def test_an_unknown_speaker_is_created_only_when_chosen(qtbot, sample_path, tmp_path, monkeypatch):
    window = open_window(qtbot, sample_path)
    session = window.session
    actors = queries.counts(session.cf)[Kind.ACTOR]
    source = tmp_path / "statements.csv"
    source.write_text("Speaker,Text\nPat Newcomer,Said something new.\n", encoding="utf-8-sig")
    monkeypatch.setattr(file_dialogs, "ask_open_csv", lambda *_a: source)
    seen: dict[str, Any] = {}

    def answer(dialog: Any) -> None:
        qtbot.waitUntil(lambda: dialog.plan is not None and not dialog.checking, timeout=60000)
        seen["refused"] = [dialog.problem_list.item(i).text() for i in range(dialog.problem_list.count())]
        with qtbot.waitSignal(dialog.checked, timeout=60000):
            qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        seen["summary"] = dialog.summary.text()
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)

    when_modal(answer, kind=CsvImportDialog)
    window.action_registry[ActionId.IMPORT_CSV].trigger()
    qtbot.waitUntil(lambda: queries.counts(session.cf)[Kind.ACTOR] == actors + 1, timeout=60000)
    assert seen["refused"] == [
        'Row 2, column "Speaker": no actor is called “Pat Newcomer” (add it first, or choose to create missing actors).'
    ]
    assert seen["summary"] == "Ready: 1 statement will be added, and 1 actor for names not yet in the case."
    assert "Pat Newcomer" in [label for _id, label in session.choices(Kind.ACTOR, "Pat Newcomer")]
