"""The bottom line typed on the Case page prints as bullets on the packet's cover; a packet whose
As-of date is months old is not exported without asking."""

from __future__ import annotations

import datetime as dt

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from db import records
from db.sqlite.casefile import CaseFile
from desktop.briefing import staleness
from tests.gui_helpers import export_packet, open_window, when_modal

POINTS = ["Meta has not signed the agreement.", "Commerce calls the outreach routine.", "No statute backs it."]


def _answer(button_text: str, texts: list[str]):  # type: ignore[no-untyped-def]
    def answer(box) -> None:
        texts.append(box.text())
        next(b for b in box.buttons() if b.text().replace("&", "") == button_text).click()

    return answer


def test_bullets_typed_on_the_case_page_print_in_the_cover_box(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    field = window.case_view.case_page.widgets["bottom_line"]
    edit = field.focus_widget()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=60000)
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # the sample has its own
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    for index, point in enumerate(POINTS):
        if index:
            qtbot.keyClick(edit, Qt.Key.Key_Return)
        qtbot.keyClicks(edit, point)
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # commits the field
    qtbot.waitUntil(lambda: records.get_case(window.session.cf)["bottom_line"] == "\n".join(POINTS), timeout=60000)

    out = export_packet(qtbot, window)
    cover = " ".join(PdfReader(out).pages[0].extract_text().split())
    assert "BOTTOM LINE" in cover
    for point in POINTS:
        assert f"• {point}" in cover, cover
    assert "This case file holds" not in cover
    window.close()
    with CaseFile.open(sample_path, read_only=True) as cf:
        assert records.get_case(cf)["bottom_line"] == "\n".join(POINTS)


def test_an_old_as_of_date_asks_first_and_cancel_writes_nothing(qtbot, sample_path, monkeypatch):
    # The sample is as of June 24, 2026; on October 1 that is 99 days old.
    monkeypatch.setattr(staleness, "today", lambda: dt.date(2026, 10, 1))
    window = open_window(qtbot, sample_path)
    before = sorted(p.name for p in sample_path.parent.iterdir())
    texts: list[str] = []
    when_modal(_answer("Cancel", texts), kind=QMessageBox)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(texts), timeout=60000)
    assert "June 24, 2026, is 99 days old" in texts[0], texts
    assert window.briefing.task is None and window.briefing.last_output is None
    assert sorted(p.name for p in sample_path.parent.iterdir()) == before

    texts.clear()
    when_modal(_answer("Export Anyway", texts), kind=QMessageBox)
    out = export_packet(qtbot, window)
    assert texts and out.is_file() and out.stat().st_size > 0


def test_a_current_as_of_date_exports_without_asking(qtbot, sample_path, monkeypatch):
    monkeypatch.setattr(staleness, "today", lambda: dt.date(2026, 9, 22))  # 90 days: still current
    window = open_window(qtbot, sample_path)
    asked: list[str] = []
    when_modal(_answer("Cancel", asked), kind=QMessageBox)
    out = export_packet(qtbot, window)
    assert out.is_file() and asked == []
