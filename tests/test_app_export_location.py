"""Where packets go and what the app says around an export: a visible folder, Open and Show in
Folder, a question before an unmarked packet, and file names Windows accepts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from core_fixtures import make_v1_file
from pypdf import PdfReader
from PySide6.QtCore import QProcess, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from db import records
from db.paths import backups_dir, user_data_dir
from db.sample import SAMPLE_FILE_NAME
from db.sqlite.casefile import CaseFile
from desktop import file_dialogs
from desktop.actions import ActionId
from desktop.dialogs.briefing_options import BriefingOptionsDialog
from desktop.dialogs.restore_backup import RestoreBackupDialog
from tests.gui_helpers import export_packet, open_window, when_modal


def _ready_banner(window):  # type: ignore[no-untyped-def]
    """The visible banner over the case that offers to open the packet (None if there is none)."""
    for banner in window.case_view.banners:
        texts = {b.text().replace("&", "") for b in banner.findChildren(QPushButton)}
        if banner.isVisible() and "Open" in texts:
            return banner
    return None


def _button(banner, text: str) -> QPushButton:  # type: ignore[no-untyped-def]
    return next(b for b in banner.findChildren(QPushButton) if b.text().replace("&", "") == text)


def _pdfs(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.pdf")) if folder.is_dir() else []


def _set_export_folder(qtbot, window, folder: str) -> None:  # type: ignore[no-untyped-def]
    """Briefing Options…: type ``folder`` ("" clears it) into Export folder and press OK."""

    def choose(dialog) -> None:
        assert isinstance(dialog, BriefingOptionsDialog)
        dialog.folder_edit.clear()
        qtbot.keyClicks(dialog.folder_edit, folder)
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)

    seen = when_modal(choose, kind=BriefingOptionsDialog)
    window.action_registry[ActionId.BRIEFING_OPTIONS].trigger()
    assert seen


# ----- where the packet goes ----------------------------------------------------------------


def test_the_sample_cases_packet_goes_to_documents_not_the_hidden_data_folder(qtbot, casefile_home, tmp_path):
    window = open_window(qtbot)
    window.documents.open_sample()  # the first-run case, kept in the user data folder
    qtbot.waitUntil(lambda: window.session is not None, timeout=60000)
    assert window.session.cf.path == (user_data_dir() / SAMPLE_FILE_NAME).resolve()
    out = export_packet(qtbot, window)
    briefings = casefile_home / "Documents" / "Casefile Briefings"
    assert out.parent == briefings, out
    assert out.name == "CAISI Voluntary Review - briefing - 2026-06-24.pdf"
    assert PdfReader(out).pages[0].extract_text()
    assert _pdfs(user_data_dir()) == []
    # A folder chosen in Briefing Options still wins; clearing it goes back to the default.
    chosen = tmp_path / "packets"
    chosen.mkdir()
    _set_export_folder(qtbot, window, str(chosen))
    assert export_packet(qtbot, window).parent == chosen
    _set_export_folder(qtbot, window, "")
    second = export_packet(qtbot, window)
    assert second.parent == briefings and second.name.endswith(" (2).pdf")


def test_a_case_in_a_folder_the_user_cannot_write_sends_its_packet_to_documents(
    qtbot, casefile_home, sample_path, monkeypatch
):
    locked = sample_path.parent.resolve()
    real_access = os.access

    def access(path, mode, *args, **kwargs):  # type: ignore[no-untyped-def]
        if mode & os.W_OK and Path(path).resolve() == locked:
            return False  # a share mounted read-only, a colleague's folder
        return real_access(path, mode, *args, **kwargs)

    window = open_window(qtbot, sample_path)
    monkeypatch.setattr(os, "access", access)
    out = export_packet(qtbot, window)
    assert out.parent == casefile_home / "Documents" / "Casefile Briefings"
    assert _pdfs(locked) == []


# ----- Open and Show in Folder ----------------------------------------------------------------


def test_after_an_export_a_banner_opens_the_packet_and_shows_its_folder(qtbot, sample_path, monkeypatch):
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    window = open_window(qtbot, sample_path)
    out = export_packet(qtbot, window)
    banner = _ready_banner(window)
    assert banner is not None, [b.text() for b in window.case_view.banners]
    assert QApplication.activeModalWidget() is None  # nothing stands between the staffer and the case
    assert out.name in banner.text() and str(out.parent) in banner.text()
    assert f"{window.briefing.last_result.pages} pages" in banner.text()
    assert banner.label.textFormat() == Qt.TextFormat.PlainText  # quoted warnings are never markup
    qtbot.mouseClick(_button(banner, "Open"), Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(out))]
    qtbot.mouseClick(_button(banner, "Show in Folder"), Qt.MouseButton.LeftButton)
    assert opened[1:] == [QUrl.fromLocalFile(str(out.parent))]
    # The next packet's banner replaces this one.
    second = export_packet(qtbot, window)
    shown = [b for b in window.case_view.banners if b.isVisible() and b.findChildren(QPushButton)]
    assert len(shown) == 1 and second.name in shown[0].text()


def test_with_no_pdf_viewer_open_says_where_the_packet_is(qtbot, sample_path, monkeypatch):
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda _url: False)
    window = open_window(qtbot, sample_path)
    out = export_packet(qtbot, window)
    banner = _ready_banner(window)
    assert banner is not None
    told: list[str] = []

    def read(box) -> None:
        told.append(box.text())
        box.accept()

    seen = when_modal(read, kind=QMessageBox)
    qtbot.mouseClick(_button(banner, "Open"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(told), timeout=60000)
    assert seen
    assert "No app to open PDF files" in told[0] and str(out) in told[0]


@pytest.mark.parametrize(
    ("platform", "program", "arguments"),
    [("win32", "explorer.exe", ["/select,", "{native}"]), ("darwin", "open", ["-R", "{path}"])],
)
def test_show_in_folder_selects_the_packet_in_explorer_and_finder(monkeypatch, tmp_path, platform, program, arguments):
    from desktop.reveal import show_in_folder

    started: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(QProcess, "startDetached", lambda prog, args: started.append((prog, list(args))) or True)
    out = tmp_path / "a packet.pdf"
    assert show_in_folder(out, platform)
    native = str(out).replace("/", "\\")
    assert started == [(program, [a.format(native=native, path=str(out)) for a in arguments])]


# ----- an unmarked packet -----------------------------------------------------------------------


def _new_case(folder: Path) -> Path:
    """File > New Case as it leaves a file: a title and nothing else, no handling marking."""
    path = folder / "New matter.casefile"
    CaseFile.create(path, title="New matter").close()
    return path


def _answer_unmarked(button_text: str, seen_texts: list[str], buttons: list[list[str]]):  # type: ignore[no-untyped-def]
    def answer(box) -> None:
        seen_texts.append(f"{box.text()} {box.informativeText()}")
        buttons.append([b.text() for b in box.buttons()])
        next(b for b in box.buttons() if b.text().replace("&", "") == button_text).click()

    return answer


def test_an_unmarked_packet_is_not_exported_without_asking(qtbot, tmp_path):
    path = _new_case(tmp_path)
    window = open_window(qtbot, path)
    texts: list[str] = []
    buttons: list[list[str]] = []
    when_modal(_answer_unmarked("Cancel", texts, buttons), kind=QMessageBox)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(texts), timeout=60000)
    assert "no handling marking" in texts[0], texts
    assert sorted(t.replace("&", "") for t in buttons[0]) == ["Cancel", "Export Unmarked", "Set Marking…"]
    assert window.briefing.task is None and window.briefing.last_output is None
    assert _pdfs(tmp_path) == []


def test_export_unmarked_writes_it_and_set_marking_marks_the_packet(qtbot, tmp_path):
    path = _new_case(tmp_path)
    window = open_window(qtbot, path)
    texts: list[str] = []
    when_modal(_answer_unmarked("Export Unmarked", texts, []), kind=QMessageBox)
    unmarked = export_packet(qtbot, window)
    assert texts and "no handling marking" in texts[0]
    assert "CONFIDENTIAL" not in PdfReader(unmarked).pages[0].extract_text()

    # Set Marking… opens Briefing Options at the marking; once it is set the export goes on.
    focused: list[bool] = []

    def mark(dialog) -> None:
        assert isinstance(dialog, BriefingOptionsDialog)
        focused.append(dialog.focusWidget() is dialog.marking)
        qtbot.keyClicks(dialog.marking, "CONFIDENTIAL")
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)

    texts.clear()
    when_modal(_answer_unmarked("Set Marking…", texts, []), kind=QMessageBox)
    options_seen = when_modal(mark, kind=BriefingOptionsDialog)
    marked = export_packet(qtbot, window)
    assert texts and options_seen and focused == [True]
    assert records.get_briefing_options(window.session.cf)["marking_override"] == "CONFIDENTIAL"
    assert "CONFIDENTIAL" in PdfReader(marked).pages[0].extract_text()
    assert marked != unmarked and unmarked.exists()


def test_the_cli_warns_about_an_unmarked_packet_on_stderr(tmp_path, sample_path, capsys):
    from desktop.cli import main

    path = _new_case(tmp_path)
    assert main(["export", str(path), "-o", str(tmp_path / "new.pdf")]) == 0
    assert "warning: the packet has no handling marking" in capsys.readouterr().err
    assert main(["export", str(sample_path), "-o", str(tmp_path / "sample.pdf")]) == 0
    assert "handling marking" not in capsys.readouterr().err


# ----- file names Windows accepts ---------------------------------------------------------------

_REFUSED = set('\\/:*?"<>|')
_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _why_windows_refuses(name: str) -> str | None:
    """Why Windows would refuse ``name`` as a file name (None when it would accept it)."""
    if _REFUSED & set(name) or any(ord(c) < 32 for c in name):
        return "a refused character"
    if name.endswith((".", " ")):
        return "a trailing dot or space"
    if name.split(".", 1)[0].rstrip(" ").lower() in _DEVICES:
        return "a device name"
    return None


HOSTILE = [
    'Review: "Meta" <draft> v2? *|\\',
    "NUL.draft",
    "com1",
    "Call at 17:21 on 6/2.",
    "Ends in dots and spaces. . ",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_suggested_file_name_is_one_windows_accepts(qtbot, tmp_path, monkeypatch, hostile):
    # The hostile text is both the case file's own name (legal here, not on Windows) and its title.
    path = tmp_path / f"{hostile.replace('/', '-')}.casefile"
    with CaseFile.create(path, title=hostile) as cf:
        records.update_case(cf, {"marking": "FOR INTERNAL USE ONLY"})
    suggested: dict[str, str] = {}

    def capture(builder: str):  # type: ignore[no-untyped-def]
        def ask(_parent, where, *_a, **_k):  # type: ignore[no-untyped-def]
            suggested[builder] = Path(where).name
            return None  # the staffer cancels the file dialog

        return ask

    window = open_window(qtbot, path)  # opening a new file takes its first backup
    qtbot.waitUntil(lambda: window.documents.backup_task.done.is_set(), timeout=60000)
    monkeypatch.setattr(file_dialogs, "ask_new_case", capture("Save a Copy"))
    window.action_registry[ActionId.SAVE_COPY].trigger()
    monkeypatch.setattr(file_dialogs, "ask_save_json", capture("Export JSON"))
    window.action_registry[ActionId.EXPORT_JSON].trigger()
    monkeypatch.setattr(file_dialogs, "ask_new_case", capture("Restore From Backup"))
    seen = when_modal(lambda dialog: dialog.restore_button.click(), kind=RestoreBackupDialog)
    window.action_registry[ActionId.RESTORE_BACKUP].trigger()
    assert seen
    suggested["Export Briefing"] = export_packet(qtbot, window).name
    # An older file is copied before it is upgraded; the copy's name comes from the file's.
    (tmp_path / "old").mkdir()
    CaseFile.open(make_v1_file(tmp_path / "old" / path.name, title=hostile)).close()
    suggested["Backup before upgrade"] = next(p.name for p in backups_dir().iterdir() if "before upgrade" in p.name)

    assert len(suggested) == 5, suggested
    refused = {builder: (name, _why_windows_refuses(name)) for builder, name in suggested.items()}
    assert {b: r for b, r in refused.items() if r[1] is not None} == {}
