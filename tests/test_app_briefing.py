"""One-click briefing export from the app: the file appears, Cancel leaves nothing, options stick."""

from __future__ import annotations

import subprocess

import pytest
from core_fixtures import make_docket
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QPushButton

from db import records
from desktop.actions import ActionId
from desktop.dialogs.briefing_options import BriefingOptionsDialog
from tests.gui_helpers import export_packet, open_window, when_modal


def _pdfs(folder) -> list:
    return sorted(p for p in folder.iterdir() if p.suffix == ".pdf" or ".pdf." in p.name or p.name.endswith(".tmp"))


def test_export_briefing_writes_the_packet_beside_the_case_file(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    out = export_packet(qtbot, window)
    assert out.parent == sample_path.parent
    assert out.name == "CAISI Voluntary Review - briefing - 2026-06-24.pdf"
    reader = PdfReader(out)
    assert len(reader.pages) == window.briefing.last_result.pages > 5
    assert "FOR INTERNAL USE ONLY" in reader.pages[0].extract_text()
    # The staffer is offered to open it for printing, without a dialog in the way.
    banner = window.briefing.ready_banner
    assert banner is not None and banner.isVisible()
    assert {b.text().replace("&", "") for b in banner.findChildren(QPushButton)} == {"Open", "Show in Folder"}
    assert "no issued date" in banner.text()  # the pre-export checks are listed


def test_cancel_leaves_no_partial_pdf(qtbot, tmp_path):
    path = make_docket(tmp_path / "big.casefile")
    window = open_window(qtbot, path)
    window.action_registry[ActionId.EXPORT_BRIEFING].trigger()
    task = window.briefing.task
    assert task is not None
    dialog = next(w for w in window.findChildren(QProgressDialog) if w.labelText().startswith("Writing"))
    # Press Cancel once the packet is being laid out (the progress dialog's own button).
    progress: list[int] = []
    task.signals.progress.connect(lambda done, _total: progress.append(done))
    qtbot.waitUntil(lambda: bool(progress), timeout=60000)
    shown: list[str] = []  # every status message from here on (each is shown for a few seconds only)
    window.statusBar().messageChanged.connect(shown.append)
    cancel = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel")
    cancel.click()
    # The job's end reaches each of its listeners as its own queued call from the worker
    # thread: the exporter forgetting its task and the status line may be handled apart.
    qtbot.waitUntil(lambda: window.briefing.task is None and "Cancelled." in shown, timeout=60000)
    assert window.briefing.last_output is None
    assert _pdfs(tmp_path) == []


def test_briefing_options_are_saved_in_the_case_file_and_used(qtbot, sample_path):
    window = open_window(qtbot, sample_path)

    def choose(dialog) -> None:
        assert isinstance(dialog, BriefingOptionsDialog)
        sections = dialog.sections
        for i in range(sections.count()):
            item = sections.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == "actors":
                item.setCheckState(Qt.CheckState.Unchecked)
        # Statements first: select it and move it to the top.
        row = next(
            i for i in range(sections.count()) if sections.item(i).data(Qt.ItemDataRole.UserRole) == "statements"
        )
        sections.setCurrentRow(row)
        for _ in range(row):
            dialog._move(-1)
        dialog.paper.setCurrentIndex(dialog.paper.findData("a4"))
        dialog.marking.setText("SENSITIVE")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    seen = when_modal(choose)
    window.action_registry[ActionId.BRIEFING_OPTIONS].trigger()
    assert seen
    saved = records.get_briefing_options(window.session.cf)
    assert saved["sections"][0] == "statements" and "actors" not in saved["sections"]
    assert saved["paper"] == "a4" and saved["marking_override"] == "SENSITIVE"
    window.action_registry[ActionId.EXPORT_BRIEFING].trigger()
    qtbot.waitUntil(lambda: window.briefing.last_output is not None, timeout=60000)
    reader = PdfReader(window.briefing.last_output)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)
    text = subprocess.run(
        ["pdftotext", "-layout", str(window.briefing.last_output), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "SENSITIVE" in text and "FOR INTERNAL USE ONLY" not in text
    body = text.split("Contents", 1)[1]
    assert body.index("Statements") < body.index("Summary")
    assert "Actors" not in body.split("\f", 1)[0]


def test_bad_date_in_options_keeps_ok_disabled(qtbot):
    from desktop.briefing.options import BriefingOptions

    dialog = BriefingOptionsDialog(BriefingOptions())
    qtbot.addWidget(dialog)
    dialog.date_from.setText("Smarch 2026")
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    assert "Smarch 2026" in dialog.error.text()
    dialog.date_from.setText("May 2026")
    assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    assert dialog.options().date_from == "2026-05"


@pytest.mark.parametrize("flag", ["--key-only", "--deterministic"])
def test_cli_export_flags(tmp_path, sample_path, flag):
    from desktop.cli import main

    out = tmp_path / "out.pdf"
    assert main(["export", str(sample_path), "-o", str(out), flag]) == 0
    assert out.exists() and out.read_bytes().startswith(b"%PDF")
    assert main(["export", str(sample_path), "-o", str(out), flag]) == 1  # no silent overwrite
    assert main(["export", str(sample_path), "-o", str(out), flag, "--force"]) == 0


def test_a_second_export_never_replaces_the_first_packet(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    written = []
    for _ in range(3):
        window.briefing.last_output = None
        window.action_registry[ActionId.EXPORT_BRIEFING].trigger()
        qtbot.waitUntil(lambda: window.briefing.last_output is not None, timeout=60000)
        written.append(window.briefing.last_output)
    stem = "CAISI Voluntary Review - briefing - 2026-06-24"
    assert [p.name for p in written] == [f"{stem}.pdf", f"{stem} (2).pdf", f"{stem} (3).pdf"]
    first = written[0].read_bytes()
    assert first.startswith(b"%PDF") and all(p.read_bytes().startswith(b"%PDF") for p in written)
    assert written[0].stat().st_size > 0 and len(_pdfs(sample_path.parent)) == 3
