"""Briefing Options…: the length past which texts print cut, set by keyboard, saved and printed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from db import records
from desktop.actions import ActionId
from desktop.dialogs.briefing_options import BriefingOptionsDialog
from tests.gui_helpers import export_packet, open_window, when_modal


def _set_by_keyboard(qtbot, window, text: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Open Briefing Options…, Alt+X to the length, type ``text``, press Enter; what was shown before."""
    seen: dict[str, Any] = {}

    def answer(dialog) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(dialog, BriefingOptionsDialog)
        try:
            qtbot.waitUntil(dialog.isActiveWindow)  # mnemonics go to the active window only
            seen["shown"] = dialog.excerpt_words.text()
            qtbot.keyClick(dialog, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
            seen["focused"] = dialog.focusWidget() is dialog.excerpt_words
            qtbot.keyClick(dialog.excerpt_words, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            qtbot.keyClicks(dialog.excerpt_words, text)
            qtbot.keyClick(dialog.excerpt_words, Qt.Key.Key_Return)
        finally:
            if dialog.isVisible():
                dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
                seen["still_open"] = True

    modal = when_modal(answer, kind=BriefingOptionsDialog)
    window.action_registry[ActionId.BRIEFING_OPTIONS].trigger()
    assert modal
    return seen


def _text(path: Path) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages)


def test_excerpt_length_is_set_by_keyboard_saved_and_printed(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    cf = window.session.cf

    seen = _set_by_keyboard(qtbot, window, "25")
    assert seen == {"shown": "150 words", "focused": True}
    assert records.get_briefing_options(cf)["excerpt_words"] == 25
    # One packet for both: a second export shows the changes since the first and runs longer.
    packet = export_packet(qtbot, window)
    text = _text(packet)
    references = [int(n) for n in re.findall(r"Full text: Annex A, p\. (\d+)", text)]
    assert references, "texts over 25 words print cut"
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(packet).pages]
    annex = next(i for i, page in enumerate(pages, start=1) if page.count("Excerpted in ") and "Annex A" in page)
    assert min(references) == annex  # the first text cut lands on the annex's first page

    seen = _set_by_keyboard(qtbot, window, "0")
    assert seen["shown"] == "25 words"
    assert records.get_briefing_options(cf)["excerpt_words"] == 0
    text = _text(export_packet(qtbot, window))
    assert "Full text:" not in text and "Annex A" not in text
