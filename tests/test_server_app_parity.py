"""What works on a case file works on a team case in the app: the briefing packet (kept as the
server case's edition), Word, Briefing Editions, `casefile export ADDRESS --edition N`, Find,
Import CSV and its undo, and exactly which commands a team case turns off."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox, QTreeWidget
from server_fixtures import server  # noqa: F401  (fixture)

from db import editions, queries, records
from db.fields import Kind
from db.postgres.case import ServerCase
from db.postgres.publish import publish_file
from db.sqlite.casefile import CaseFile
from desktop import file_dialogs, team_cases
from desktop.actions import ActionId
from desktop.cli import main
from desktop.dialogs.csv_import_dialog import CsvImportDialog
from desktop.main_window import MainWindow
from tests.gui_helpers import export_packet, open_window, when_modal

pytestmark = pytest.mark.server

TITLE = "CAISI Voluntary Review"
MARKER = "A naïve café owner in Zürich wrote to CAISI."

# What a team case turns off or on compared with a case file, and why (docs/team.md, "The app").
TEAM_DIFFERENCES = {
    ActionId.RESTORE_BACKUP: (True, False),  # backed up on the server with pg_dump, not by Casefile
    ActionId.PUBLISH_TEAM: (True, False),  # already on a server: there is no file to publish
    ActionId.SAVE_TEAM_LINK: (False, True),  # only a team case has an address to link to
}


@pytest.fixture(autouse=True)
def _no_password_outlives_its_test():
    yield
    team_cases.forget_all_passwords()


@dataclass
class Team:
    window: MainWindow
    address: str
    sample: Path
    marker_id: str
    copies: list[Path]  # every private copy a job made of the team case


def _open_team_window(qtbot, address: str) -> MainWindow:  # type: ignore[no-untyped-def]
    window = open_window(qtbot)
    window.documents.open_entry(address)
    qtbot.waitUntil(lambda: window.session is not None and window.session.team_case is not None, timeout=30000)
    return window


@pytest.fixture
def team(qtbot, server, sample_path, monkeypatch) -> Team:  # noqa: F811
    """The sample case (one statement added) published and opened as a team case."""
    with CaseFile.open(sample_path) as cf:
        marker_id = records.add_record(cf, Kind.STATEMENT, {"text": MARKER})
    address = server.address("parity")
    publish_file(sample_path, address)
    copies: list[Path] = []
    copy = team_cases.copy_to_file

    def watched_copy(case: ServerCase, target: Path) -> Path:
        copies.append(Path(target))
        return copy(case, target)

    monkeypatch.setattr(team_cases, "copy_to_file", watched_copy)
    return Team(_open_team_window(qtbot, address), address, sample_path, str(marker_id), copies)


def _server_editions(address: str) -> list[int]:
    with ServerCase.open(address, read_only=True) as case:
        return [e.number for e in editions.list_editions(case)]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _copies_gone(team: Team) -> None:
    assert team.copies, "the job read no private copy of the team case"
    assert [copy for copy in team.copies if copy.parent.exists()] == []


def test_export_briefing_writes_the_packet_and_keeps_it_as_the_team_cases_edition(
    qtbot, team, casefile_home, tmp_path, capsys
):
    window = team.window
    with CaseFile.open(team.sample, read_only=True) as cf:
        in_file = [e.number for e in editions.list_editions(cf)]
    assert _server_editions(team.address) == in_file  # published with the case
    export = window.action_registry[ActionId.EXPORT_BRIEFING]
    assert export.isEnabled() and "Documents/Casefile Briefings" in export.statusTip()

    out = export_packet(qtbot, window)  # Ctrl+E
    number = len(in_file) + 1
    assert window.editions.last_kept == number
    assert f"Kept as edition {number}." in window.statusBar().currentMessage()
    # No case folder: the packet goes where every packet without one goes.
    assert out.parent == casefile_home / "Documents" / "Casefile Briefings"
    assert TITLE in _pdf_text(out) and "Zürich" in _pdf_text(out)
    assert window.briefing.last_result is not None and window.briefing.last_result.pages > 1
    _copies_gone(team)

    # Kept on the server, not in the copy it was printed from nor in the file it was published from.
    assert _server_editions(team.address) == [*in_file, number]
    with CaseFile.open(team.sample, read_only=True) as cf:
        assert [e.number for e in editions.list_editions(cf)] == in_file
    capsys.readouterr()
    assert main(["editions", team.address]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed[1:]] == [str(n) for n in [*in_file, number]]

    # The command line writes that edition again from the server: the same file.
    again = tmp_path / "again.pdf"
    assert main(["export", team.address, "--edition", str(number), "-o", str(again)]) == 0
    said = capsys.readouterr().out
    assert f"edition {number} of" in said and "the same file as first written" in said
    assert _sha256(again) == _sha256(out)


def test_export_briefing_as_word_from_a_team_case(qtbot, team, casefile_home):
    window = team.window
    action = window.action_registry[ActionId.EXPORT_WORD]
    assert action.isEnabled()
    action.trigger()
    qtbot.waitUntil(lambda: window.word.last_output is not None, timeout=60000)
    out = window.word.last_output
    assert out is not None and out.suffix == ".docx"
    assert out.parent == casefile_home / "Documents" / "Casefile Briefings"
    with zipfile.ZipFile(out) as docx:
        body = docx.read("word/document.xml").decode("utf-8")
    assert TITLE in body and "Zürich" in body
    assert window.editions.last_kept is None  # a Word packet is not an edition, as for a file
    _copies_gone(team)


def _rows(tree: QTreeWidget) -> list[str]:
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


def test_briefing_editions_lists_and_writes_again_a_team_cases_edition(qtbot, team, tmp_path, monkeypatch):
    window = team.window
    first = export_packet(qtbot, window)
    number = window.editions.last_kept
    assert number is not None
    window.action_registry[ActionId.BRIEFING_EDITIONS].trigger()
    dialog = window.editions.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=60000)
    assert _rows(dialog.tree)[0] == str(number)

    again = tmp_path / "edition again.pdf"
    asked: list[str] = []
    monkeypatch.setattr(file_dialogs, "ask_save_pdf", lambda _parent, suggested, *_a: asked.append(suggested) or again)
    item = dialog.tree.topLevelItem(0)
    qtbot.mouseClick(dialog.tree.viewport(), Qt.MouseButton.LeftButton, pos=dialog.tree.visualItemRect(item).center())
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: f"Wrote edition {number} again" in dialog.note.text(), timeout=60000)
    assert Path(asked[0]).parent == first.parent  # beside the packet just written
    assert "the same file as first written" in dialog.note.text()
    assert _sha256(again) == _sha256(first)
    dialog.grab().save(str(tmp_path / "editions-of-a-team-case.png"))
    window.grab().save(str(tmp_path / "team-case-after-export.png"))

    # Delete asks first, then takes the edition off the server.
    asked_delete = when_modal(_press("Delete"), kind=QMessageBox)
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert asked_delete and "removed from the team case for good" in asked_delete[0].informativeText()
    qtbot.waitUntil(lambda: str(number) not in _rows(dialog.tree), timeout=60000)
    assert number not in _server_editions(team.address)
    assert dialog.note.text() == f"Deleted edition {number}: what it printed is gone from the team case."


def _press(text: str):  # type: ignore[no-untyped-def]
    def answer(box: QMessageBox) -> None:
        next(b for b in box.buttons() if b.text() == text).click()

    return answer
    _copies_gone(team)


def test_find_on_a_team_case_finds_a_record_and_the_hit_shows_it(qtbot, team):
    window = team.window
    qtbot.keySequence(window, QKeySequence.StandardKey.Find)
    dialog = window.search_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=60000)
    with qtbot.waitSignal(dialog.results_shown, timeout=60000, check_params_cb=lambda text: text == "zurich cafe"):
        qtbot.keyClicks(dialog.edit, "zurich cafe")
    group = dialog.results.topLevelItem(0)
    assert dialog.results.topLevelItemCount() == 1 and group.childCount() == 1
    assert group.text(0).startswith("Statements")
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=60000)
    assert window.case_view is not None and window.case_view.current_kind() is Kind.STATEMENT
    page = window.case_view.current_page()
    assert page is not None and page.current_id() == team.marker_id
    qtbot.waitUntil(lambda: page.editor.widgets["text"].value() == MARKER, timeout=60000)


CSV_ROWS = 'Date,Speaker,Text\n2026-06-02,Francis Brennan,"Imported remark one."\n2026-06-03,,"Imported remark two."\n'


def _statements_on_server(address: str) -> int:
    with ServerCase.open(address, read_only=True) as case:
        return queries.counts(case)[Kind.STATEMENT]


def test_import_csv_into_a_team_case_then_undo_in_one_step(qtbot, team, tmp_path, monkeypatch):
    window = team.window
    session = window.session
    assert session is not None
    before = _statements_on_server(team.address)
    source = tmp_path / "remarks.csv"
    source.write_text(CSV_ROWS, encoding="utf-8")
    monkeypatch.setattr(file_dialogs, "ask_open_csv", lambda *_a: source)
    seen: dict[str, Any] = {}

    def answer(dialog: Any) -> None:
        assert isinstance(dialog, CsvImportDialog)
        qtbot.waitUntil(lambda: dialog.plan is not None and not dialog.checking, timeout=60000)
        seen["summary"] = dialog.summary.text()
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)

    dialogs = when_modal(answer, kind=CsvImportDialog)
    action = window.action_registry[ActionId.IMPORT_CSV]
    assert action.isEnabled()
    action.trigger()
    qtbot.waitUntil(lambda: _statements_on_server(team.address) == before + 2, timeout=60000)
    assert dialogs and seen["summary"] == "Ready: 2 statements will be added."
    assert window.undo_action.text() == "&Undo Import 2 Statements From CSV"
    page = window.case_view.current_page()
    assert page is not None and page.kind is Kind.STATEMENT
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 2, timeout=60000)

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)
    page.table.setFocus()
    qtbot.keySequence(page.table, QKeySequence.StandardKey.Undo)
    qtbot.waitUntil(lambda: _statements_on_server(team.address) == before, timeout=60000)
    qtbot.waitUntil(lambda: page.model.rowCount() == before, timeout=60000)
    assert session.undo_stack.count() == 1 and session.undo_stack.index() == 0


def _enabled(window: MainWindow) -> dict[ActionId, bool]:
    return {action_id: window.action_registry[action_id].isEnabled() for action_id in ActionId}


def test_every_command_is_on_for_a_team_case_as_for_its_file_but_the_documented_ones(qtbot, server, sample_path):  # noqa: F811
    address = server.address("audit")
    publish_file(sample_path, address)
    on_file = open_window(qtbot, sample_path)
    on_team = _open_team_window(qtbot, address)
    for kind in (None, *Kind):
        for window in (on_file, on_team):
            assert window.case_view is not None
            window.case_view.show_page(kind)
            page = window.case_view.current_page()
            if page is not None:  # a list with its first record selected, so the record commands apply
                qtbot.waitUntil(lambda p=page: p.model.rowCount() > 0, timeout=60000)
                page.table.selectRow(0)
        file_states, team_states = _enabled(on_file), _enabled(on_team)
        differences = {
            action_id: (file_states[action_id], team_states[action_id])
            for action_id in ActionId
            if file_states[action_id] != team_states[action_id]
        }
        assert differences == TEAM_DIFFERENCES, kind


def test_an_export_cancelled_while_the_team_case_is_copied_leaves_nothing_behind(
    qtbot, team, casefile_home, monkeypatch
):
    window = team.window
    copy = team_cases.copy_to_file  # the fixture's, which notes each copy

    def copy_then_cancel(case: ServerCase, target: Path) -> Path:
        made = copy(case, target)
        task = window.briefing.task
        assert task is not None
        task.cancel()  # as the progress window's Cancel does, while the copy was being made
        return made

    monkeypatch.setattr(team_cases, "copy_to_file", copy_then_cancel)
    before = _server_editions(team.address)
    window.action_registry[ActionId.EXPORT_BRIEFING].trigger()
    assert window.briefing.task is not None
    qtbot.waitUntil(lambda: window.briefing.task is None, timeout=60000)
    assert window.briefing.last_output is None
    assert list((casefile_home / "Documents" / "Casefile Briefings").glob("*.pdf")) == []
    assert _server_editions(team.address) == before
    _copies_gone(team)


def test_export_json_and_csv_of_a_team_case_are_the_files_byte_for_byte(qtbot, team, tmp_path, monkeypatch):
    from db.csv_export import export_csv
    from db.interchange import export_json

    window = team.window
    with CaseFile.open(team.sample, read_only=True) as cf:
        export_json(cf, tmp_path / "file.json")
        on_file = export_csv(cf, tmp_path / "file-csv")
    out = tmp_path / "team.json"
    folder = tmp_path / "team-csv"
    folder.mkdir()
    monkeypatch.setattr(file_dialogs, "ask_save_json", lambda *_a: out)
    monkeypatch.setattr(file_dialogs, "ask_folder", lambda *_a: folder)
    window.action_registry[ActionId.EXPORT_JSON].trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == f"Exported JSON to {out}", timeout=60000)
    assert out.read_bytes() == (tmp_path / "file.json").read_bytes()
    window.action_registry[ActionId.EXPORT_CSV].trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Wrote "), timeout=60000)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in on_file)
    for written in on_file:
        assert (folder / written.name).read_bytes() == written.read_bytes(), written.name


def test_a_reader_role_exports_the_packet_but_keeps_no_edition(qtbot, server, sample_path, casefile_home):  # noqa: F811
    address = server.address("reader")
    publish_file(sample_path, address)
    name = address.split("case=", 1)[1].lower()
    with server.connect() as conn:  # what docs/team.md tells the owner to grant a reader
        conn.execute(f'GRANT USAGE ON SCHEMA "casefile_{name}" TO casefile_reader')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "casefile_{name}" TO casefile_reader')
    window = _open_team_window(qtbot, f"{server.as_user('casefile_reader')}?case={name}")
    assert window.session is not None and window.session.read_only

    out = export_packet(qtbot, window)
    assert out.parent == casefile_home / "Documents" / "Casefile Briefings"
    assert TITLE in _pdf_text(out)
    assert window.editions.last_kept is None
    assert "It was not kept as an edition: the team case is open read-only." in window.statusBar().currentMessage()
    assert _server_editions(address) == []
