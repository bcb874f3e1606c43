"""Editions in the app: each packet exported is kept; File > Briefing Editions… lists them,
writes one again (the same file), and deletes one for good after asking."""

from __future__ import annotations

import getpass
import hashlib
import sqlite3
import zlib
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QTreeWidget

from desktop import file_dialogs
from desktop.actions import ActionId
from tests.gui_helpers import export_packet, open_window, when_modal


def _kept(path: Path) -> list[tuple[int, str, bytes]]:
    """(number, pdf_sha256, content) of each edition in the file, read from disk."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT number, pdf_sha256, content FROM edition ORDER BY number").fetchall()
    except sqlite3.OperationalError:  # no editions table: none kept
        return []
    finally:
        conn.close()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(tree: QTreeWidget) -> list[list[str]]:
    return [[tree.topLevelItem(i).text(c) for c in range(tree.columnCount())] for i in range(tree.topLevelItemCount())]


def _click_row(qtbot, tree: QTreeWidget, number: int) -> None:  # type: ignore[no-untyped-def]
    item = next(
        tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).text(0) == str(number)
    )
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tree.currentItem() is item


def _press(text: str):  # type: ignore[no-untyped-def]
    def answer(box: QMessageBox) -> None:
        next(b for b in box.buttons() if b.text() == text).click()

    return answer


def test_editions_are_kept_listed_written_again_and_deleted(qtbot, sample_path, tmp_path, monkeypatch):
    window = open_window(qtbot, sample_path)
    first = export_packet(qtbot, window)
    assert [row[0] for row in _kept(sample_path)] == [1]
    assert "Kept as edition 1." in window.statusBar().currentMessage()
    pages = window.briefing.last_result.pages
    # The staffer retitles the packet's subtitle, then exports again.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.case_view.show_page(None)
    subtitle = window.case_view.case_page.widgets["subtitle"].focus_widget()
    qtbot.mouseClick(subtitle, Qt.MouseButton.LeftButton)
    qtbot.keyClick(subtitle, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(subtitle, "Where the review stands")
    qtbot.keyClick(subtitle, Qt.Key.Key_Return)
    second = export_packet(qtbot, window)
    kept = _kept(sample_path)
    assert [row[0] for row in kept] == [1, 2]
    assert (kept[0][1], kept[1][1]) == (_sha256(first), _sha256(second))
    assert b"Where the review stands" in zlib.decompress(kept[1][2])

    window.action_registry[ActionId.BRIEFING_EDITIONS].trigger()
    dialog = window.editions.dialog
    qtbot.waitUntil(dialog.isVisible)
    tree = dialog.tree
    rows = _rows(tree)
    assert [row[0] for row in rows] == ["2", "1"]  # newest first
    assert rows[1][2:] == [getpass.getuser(), str(pages), "Letter; all sections"]
    assert rows[0][4] == "Letter; all sections; changes since edition 1"
    assert rows[1][1].split(",")[1].strip().isdigit()  # "June 24, 2026, 9:15 AM"

    # Export Again: the save dialog suggests a name; the file written is the one first written.
    again = tmp_path / "edition one.pdf"
    asked: list[str] = []
    monkeypatch.setattr(file_dialogs, "ask_save_pdf", lambda _parent, suggested, *_a: asked.append(suggested) or again)
    _click_row(qtbot, tree, 1)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Wrote edition 1 again" in dialog.note.text(), timeout=60000)
    assert Path(asked[0]).name == "CAISI Voluntary Review - briefing - edition 1.pdf"
    assert "the same file as first written" in dialog.note.text()
    assert _sha256(again) == kept[0][1] == _sha256(first)

    # Delete asks first; Cancel keeps it.
    _click_row(qtbot, tree, 1)
    seen = when_modal(_press("Cancel"), kind=QMessageBox)
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert seen and "Edition 2 shows changes since it" in seen[0].informativeText()
    assert [row[0] for row in _kept(sample_path)] == [1, 2]

    blob, later = kept[0][2], kept[1][2]
    pieces = [blob[i : i + 64] for i in range(0, len(blob) - 64, 64)]
    pieces = [piece for piece in pieces if piece not in later]  # what only edition 1 holds
    assert pieces and any(piece in sample_path.read_bytes() for piece in pieces)
    seen = when_modal(_press("Delete"), kind=QMessageBox)
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert seen
    qtbot.waitUntil(lambda: [row[0] for row in _rows(tree)] == ["2"])
    assert "Deleted edition 1" in dialog.note.text()
    assert [row[0] for row in _kept(sample_path)] == [2]
    data = sample_path.read_bytes()
    assert [piece for piece in pieces if piece in data] == []

    # The next packet gets the next number, and the list shows it.
    close = dialog.buttons.button(dialog.buttons.StandardButton.Close)
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    export_packet(qtbot, window)
    assert [row[0] for row in _kept(sample_path)] == [2, 3]
    window.action_registry[ActionId.BRIEFING_EDITIONS].trigger()
    qtbot.waitUntil(lambda: window.editions.dialog.isVisible())
    assert [row[0] for row in _rows(window.editions.dialog.tree)] == ["3", "2"]


def test_a_read_only_case_writes_the_packet_but_keeps_no_edition(qtbot, sample_path):
    window = open_window(qtbot, sample_path, read_only=True)
    out = export_packet(qtbot, window)
    assert out.read_bytes().startswith(b"%PDF")
    assert "It was not kept as an edition: the case file is open read-only." in window.statusBar().currentMessage()
    assert _kept(sample_path) == []
    window.action_registry[ActionId.BRIEFING_EDITIONS].trigger()
    dialog = window.editions.dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.empty.isVisible() and not dialog.tree.isVisible()
    assert not dialog.delete_button.isEnabled() and not dialog.export_button.isEnabled()
