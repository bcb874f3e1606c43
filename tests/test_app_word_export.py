"""File > Export Briefing as Word… from the keyboard: the document appears beside the case, never over
an earlier one, and the banner offers to open it."""

from __future__ import annotations

import docx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu, QPushButton

from tests.gui_helpers import open_window

NAME = "CAISI Voluntary Review - briefing - 2026-06-24"


def _export_by_menu(qtbot, window):  # type: ignore[no-untyped-def]
    """Alt+F opens the File menu, W (the item's mnemonic) chooses Export Briefing as Word…."""
    window.word.last_output = None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=60000)
    menu = QApplication.activePopupWidget()
    assert any(a.text() == "Export Briefing as &Word…" for a in menu.actions())
    qtbot.keyClick(menu, Qt.Key.Key_W)
    qtbot.waitUntil(lambda: window.word.last_output is not None, timeout=120000)
    return window.word.last_output


def test_export_briefing_as_word_by_keyboard_writes_the_document_and_offers_it(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    out = _export_by_menu(qtbot, window)
    assert out == sample_path.parent / f"{NAME}.docx"
    document = docx.Document(str(out))
    assert "FOR INTERNAL USE ONLY" in [p.text for p in document.sections[0].footer.paragraphs]
    assert next(p.text for p in document.paragraphs if p.style.name == "Heading 1") == "Summary"
    banner = window.word.ready_banner
    assert banner is not None and banner.isVisible()
    assert {b.text().replace("&", "") for b in banner.findChildren(QPushButton)} == {"Open", "Show in Folder"}
    assert f"Wrote {NAME}.docx" in banner.text()
    assert "no issued date" in banner.text()  # the same checks as after a PDF export

    # A second export never replaces the first: it may be open in Word, half edited.
    first = out.read_bytes()
    again = _export_by_menu(qtbot, window)
    assert again == sample_path.parent / f"{NAME} (2).docx"
    assert out.read_bytes() == first
    assert sorted(p.name for p in sample_path.parent.iterdir() if p.suffix == ".docx") == [
        f"{NAME} (2).docx",
        f"{NAME}.docx",
    ]
    assert not [p for p in sample_path.parent.iterdir() if p.name.endswith(".tmp")]
