"""Briefing Options… "Show changes since": the last edition, a kept edition, or no changes section."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from db import records
from desktop.actions import ActionId
from desktop.dialogs.briefing_options import BriefingOptionsDialog
from tests.gui_helpers import export_packet, open_window, when_modal


def _choices(dialog: BriefingOptionsDialog) -> list[str]:
    combo = dialog.changes_since
    return [combo.itemText(i) for i in range(combo.count())]


def _pick(qtbot, dialog: BriefingOptionsDialog, starts: str) -> None:  # type: ignore[no-untyped-def]
    """Alt+C to the choice, then the arrow keys to the item whose text starts with ``starts``."""
    combo = dialog.changes_since
    qtbot.keyClick(dialog, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is combo
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText().startswith(starts):
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    raise AssertionError(f"no choice starting {starts!r} in {_choices(dialog)}")


def _ok(dialog: BriefingOptionsDialog):  # type: ignore[no-untyped-def]
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def _with_options(qtbot, window, action: Callable[[BriefingOptionsDialog], Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Open Briefing Options…, run ``action`` on it (it returns what it saw), and press OK.

    The dialog is closed whatever ``action`` finds, so a failed check fails the test rather
    than leaving the dialog waiting for an answer.
    """
    seen: dict[str, Any] = {}

    def answer(dialog) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(dialog, BriefingOptionsDialog)
        try:
            qtbot.waitUntil(dialog.isActiveWindow)  # mnemonics go to the active window only
            seen["result"] = action(dialog)
        except Exception as exc:
            seen["error"] = exc
        finally:
            if dialog.isVisible():
                ok = _ok(dialog)
                if ok.isEnabled():
                    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
                else:
                    dialog.reject()

    modal = when_modal(answer, kind=BriefingOptionsDialog)
    window.action_registry[ActionId.BRIEFING_OPTIONS].trigger()
    assert modal
    if "error" in seen:
        raise seen["error"]
    return seen


def _stored(path: Path) -> dict[str, Any]:
    from db.sqlite.casefile import CaseFile

    cf = CaseFile.open(path, read_only=True)
    try:
        return records.get_briefing_options(cf)
    finally:
        cf.close()


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_changes_since_an_edition_is_chosen_saved_shown_again_and_printed(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    export_packet(qtbot, window)
    export_packet(qtbot, window)

    def choose_edition_one(dialog: BriefingOptionsDialog) -> list[str]:
        listed = _choices(dialog)
        _pick(qtbot, dialog, "Edition 1 of ")
        return listed

    listed = _with_options(qtbot, window, choose_edition_one)["result"]
    assert listed[0].startswith("The last edition (2, ")
    assert [text.split(" of ")[0] for text in listed[1:3]] == ["Edition 2", "Edition 1"]
    assert listed[-1] == "No changes section"
    assert _stored(sample_path)["changes_since"] == 1

    text = _pdf_text(export_packet(qtbot, window))
    assert "Changes since edition 1" in text
    assert "Changes since edition 2" not in text

    def choose_none(dialog: BriefingOptionsDialog) -> str:
        shown = dialog.changes_since.currentText()
        _pick(qtbot, dialog, "No changes section")
        return shown

    shown = _with_options(qtbot, window, choose_none)["result"]
    assert shown.startswith("Edition 1 of ")
    assert _stored(sample_path)["changes_since"] is None
    assert "Changes since edition" not in _pdf_text(export_packet(qtbot, window))


def test_saving_other_options_keeps_the_stored_changes_since(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    records.set_briefing_options(window.session.cf, {"changes_since": None})

    def mark(dialog: BriefingOptionsDialog) -> None:
        qtbot.keyClicks(dialog.marking, "SENSITIVE")

    _with_options(qtbot, window, mark)
    stored = _stored(sample_path)
    assert stored["marking_override"] == "SENSITIVE"
    assert stored["changes_since"] is None


def test_with_no_editions_yet_the_choice_says_so_and_stays_last(qtbot, sample_path):
    window = open_window(qtbot, sample_path)

    def look(dialog: BriefingOptionsDialog) -> str:
        return dialog.changes_since.currentText()

    assert _with_options(qtbot, window, look)["result"] == "No editions yet: the first packet starts the record"
    assert _stored(sample_path)["changes_since"] == "last"


def test_an_edition_no_longer_kept_is_shown_and_refused_in_place(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    export_packet(qtbot, window)
    records.set_briefing_options(window.session.cf, {"changes_since": 7})

    def try_it(dialog: BriefingOptionsDialog) -> dict[str, Any]:
        seen = {"shown": dialog.changes_since.currentText(), "ok": _ok(dialog).isEnabled()}
        seen["message"] = dialog.error.text()
        qtbot.keyClick(dialog, Qt.Key.Key_Return)  # refused: the dialog stays, the file keeps 7
        seen["still_open"] = dialog.isVisible()
        seen["stored_meanwhile"] = _stored(sample_path)["changes_since"]
        _pick(qtbot, dialog, "The last edition (1, ")
        seen["ok_after"] = _ok(dialog).isEnabled()
        seen["message_after"] = dialog.error.text()
        return seen

    seen = _with_options(qtbot, window, try_it)["result"]
    assert seen["shown"] == "Edition 7 (no longer kept)"
    assert "Edition 7 is no longer kept" in seen["message"]
    assert seen["ok"] is False and seen["still_open"] is True
    assert seen["stored_meanwhile"] == 7
    assert seen["ok_after"] is True and seen["message_after"] == ""
    assert _stored(sample_path)["changes_since"] == "last"


def test_the_before_it_goes_out_annex_is_switched_off_and_on_in_the_dialog(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    cf = window.session.cf

    def untick(dialog: BriefingOptionsDialog) -> None:
        assert dialog.check_annex.isChecked()  # on by default
        qtbot.keyClick(dialog, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # the mnemonic reaches it
        assert dialog.focusWidget() is dialog.check_annex
        qtbot.keyClick(dialog.check_annex, Qt.Key.Key_Space)

    _with_options(qtbot, window, untick)
    assert records.get_briefing_options(cf)["check_annex"] is False
    text = " ".join(page.extract_text() for page in PdfReader(export_packet(qtbot, window)).pages)
    assert "[no issued date]" in text  # the sample's undated agreement is still marked where it prints
    assert "Before it goes out" not in text

    def tick(dialog: BriefingOptionsDialog) -> None:
        assert not dialog.check_annex.isChecked()  # shown as stored
        dialog.check_annex.setChecked(True)

    _with_options(qtbot, window, tick)
    assert records.get_briefing_options(cf)["check_annex"] is True
    text = " ".join(page.extract_text() for page in PdfReader(export_packet(qtbot, window)).pages)
    assert "Before it goes out" in text
