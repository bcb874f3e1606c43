"""The keyboard path: panes by Tab, into the list and the editor and back, a list that shows it
has the keyboard, the list of shortcuts, and the main tasks done with keys alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QDesktopServices, QKeySequence, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialog, QMessageBox, QWidget

from db import records
from db.fields import Kind
from tests.gui_helpers import open_window, when_modal

README = Path(__file__).resolve().parent.parent / "README.md"
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
NO_MODIFIER = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def window(qtbot, sample_path):
    return open_window(qtbot, sample_path)


def _focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard"
    return widget


def _press(qtbot, key: Qt.Key, modifiers: Qt.KeyboardModifier = NO_MODIFIER) -> None:
    """A key pressed by the user: it goes to whatever has the keyboard (the window if nothing does)."""
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None
    qtbot.keyClick(target, key, modifiers)


def _type(qtbot, text: str) -> None:
    qtbot.keyClicks(_focus(), text)


def _reactivate(qtbot, window) -> None:
    # The offscreen platform has no window manager to give the window back its activation
    # after a dialog closes, as every desktop does.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)


def _statements_page(qtbot, window):
    _press(qtbot, Qt.Key.Key_3, CTRL)
    page = window.case_view.current_page()
    assert page is not None and page.kind is Kind.STATEMENT
    return page


# ----- Tab between panes, arrows within the list --------------------------------------------


def test_tab_leaves_the_list_for_the_editor_and_comes_round_to_the_filter(qtbot, window):
    page = _statements_page(qtbot, window)
    page.table.setFocus()
    qtbot.waitUntil(page.table.hasFocus, timeout=60000)
    _press(qtbot, Qt.Key.Key_Down)  # the arrow keys move within the list
    first_id = page.current_id()
    _press(qtbot, Qt.Key.Key_Down)
    assert page.current_id() not in (None, first_id)
    assert page.table.hasFocus()

    _press(qtbot, Qt.Key.Key_Tab)
    assert page.editor.isAncestorOf(_focus()), f"Tab stayed in {_focus().accessibleName()!r}"
    assert _focus() is page.editor.widgets["speaker"].focus_widget()  # the first field, not the panel
    seen = [_focus()]
    for _ in range(60):
        _press(qtbot, Qt.Key.Key_Tab)
        seen.append(_focus())
        if _focus() is page.filter_edit:
            break
    assert _focus() is page.filter_edit, "Tab never came round to the filter box"
    assert seen[-2] is window.case_view.nav  # the sections list between the editor and the filter
    assert page.editor.widgets["tags"].focus_widget() in seen
    assert page.table not in seen

    _press(qtbot, Qt.Key.Key_Backtab)
    assert _focus() is window.case_view.nav
    _press(qtbot, Qt.Key.Key_Tab)
    for _ in range(10):
        _press(qtbot, Qt.Key.Key_Tab)
        if _focus() is page.table:
            break
    assert _focus() is page.table
    _press(qtbot, Qt.Key.Key_Backtab)
    assert _focus() is page.new_button


def test_on_the_timeline_tab_reaches_the_strip_before_the_list(qtbot, window):
    _press(qtbot, Qt.Key.Key_5, CTRL)
    page = window.case_view.current_page()
    assert page.kind is Kind.TIMELINE
    page.new_button.setFocus()
    qtbot.waitUntil(page.new_button.hasFocus, timeout=60000)
    _press(qtbot, Qt.Key.Key_Tab)
    assert _focus() is page.timeline
    _press(qtbot, Qt.Key.Key_Tab)
    assert _focus() is page.table
    _press(qtbot, Qt.Key.Key_Tab)
    assert _focus() is page.editor.widgets["date"].focus_widget()


def test_the_go_keys_give_the_list_the_keyboard(qtbot, window):
    page = _statements_page(qtbot, window)
    assert page.table.hasFocus()
    row = page.table.currentIndex().row()
    _press(qtbot, Qt.Key.Key_Down)
    assert page.table.currentIndex().row() == row + 1
    _press(qtbot, Qt.Key.Key_2, CTRL)
    actors = window.case_view.current_page()
    assert actors.kind is Kind.ACTOR and actors.table.hasFocus()


# ----- a list that shows it has the keyboard ------------------------------------------------


def _row_pixel(page, row: int) -> QColor:
    """A pixel of the row's background, clear of text and of the current cell's focus frame."""
    last = page.model.columnCount() - 1
    rect = page.table.visualRect(page.model.index(row, last))
    return page.table.viewport().grab().toImage().pixelColor(rect.right() - 3, rect.top() + 2)


def _frame_pixel(page) -> QColor:
    image = page.table.grab().toImage()
    return image.pixelColor(0, image.height() // 2)


def test_the_focused_list_shows_it_has_the_keyboard(qtbot, window):
    page = _statements_page(qtbot, window)
    page.table.setFocus()
    qtbot.waitUntil(page.table.hasFocus, timeout=60000)
    _press(qtbot, Qt.Key.Key_Down)
    _press(qtbot, Qt.Key.Key_Down)
    row = page.table.currentIndex().row()
    highlight = QApplication.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
    focused_row, focused_frame = _row_pixel(page, row), _frame_pixel(page)

    _press(qtbot, Qt.Key.Key_L, CTRL)  # Filter List: the keyboard goes to the filter box
    assert page.filter_edit.hasFocus()
    assert page.table.currentIndex().row() == row  # still selected
    unfocused_row, unfocused_frame = _row_pixel(page, row), _frame_pixel(page)

    assert focused_row == highlight
    assert unfocused_row != focused_row, "the selection looks the same whether or not the list has the keyboard"
    assert focused_frame == highlight
    assert unfocused_frame != focused_frame, "no ring shows the list has the keyboard"


def test_the_pale_selection_follows_a_switch_to_dark(qtbot, window):
    from desktop.theme import dark_palette

    app = QApplication.instance()
    original = QPalette(app.palette())
    page = _statements_page(qtbot, window)
    _press(qtbot, Qt.Key.Key_L, CTRL)
    active, highlight = QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight
    light_pale = page.table.palette().color(active, highlight)
    dark = dark_palette()
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: page.table.palette().color(active, highlight) != light_pale, timeout=60000)
        pale = page.table.palette().color(active, highlight)
        assert pale != dark.color(active, highlight)
        assert page.table.palette().color(active, QPalette.ColorRole.Base) == dark.color(
            active, QPalette.ColorRole.Base
        )
        _press(qtbot, Qt.Key.Key_Down)
        assert page.table.hasFocus()
        assert page.table.palette().color(active, highlight) == dark.color(active, highlight)
    finally:
        app.setPalette(original)


# ----- Down into the list, Enter to the editor, Escape back --------------------------------


def test_down_from_the_filter_enter_to_the_editor_and_escape_back(qtbot, window):
    page = _statements_page(qtbot, window)
    _press(qtbot, Qt.Key.Key_L, CTRL)
    assert page.filter_edit.hasFocus()
    _type(qtbot, "defenders")
    _press(qtbot, Qt.Key.Key_Down)  # at once: the filter applies what was just typed
    assert page.table.hasFocus()
    assert 0 < page.model.rowCount() < 5
    assert page.table.currentIndex().row() == 0
    record_id = page.current_id()
    assert record_id == page.model.id_at(0) and page.editor.record_id == record_id

    _press(qtbot, Qt.Key.Key_E, CTRL | SHIFT)  # View > Show Editor Pane: put the editor away
    assert not page.editor_shown()
    _press(qtbot, Qt.Key.Key_Return)
    assert page.editor_shown()  # editing in the panel brings it back
    assert page.table.state() != QAbstractItemView.State.EditingState  # no cell edit started
    assert _focus() is page.editor.widgets["speaker"].focus_widget()
    _press(qtbot, Qt.Key.Key_Escape)
    assert page.table.hasFocus()
    assert page.current_id() == record_id

    _press(qtbot, Qt.Key.Key_F2)  # F2 still edits in the cell
    assert page.table.state() == QAbstractItemView.State.EditingState
    _press(qtbot, Qt.Key.Key_Escape)
    assert page.table.state() != QAbstractItemView.State.EditingState
    assert page.table.hasFocus()


def test_page_down_from_the_filter_keeps_the_current_record(qtbot, window):
    page = _statements_page(qtbot, window)
    page.table.setFocus()
    for _ in range(3):
        _press(qtbot, Qt.Key.Key_Down)
    record_id = page.current_id()
    _press(qtbot, Qt.Key.Key_L, CTRL)
    _press(qtbot, Qt.Key.Key_PageDown)
    assert page.table.hasFocus()
    assert page.current_id() == record_id


def test_escape_with_a_refused_date_keeps_the_typing(qtbot, window):
    cf = window.session.cf
    _press(qtbot, Qt.Key.Key_5, CTRL)
    page = window.case_view.current_page()
    page.table.setFocus()
    _press(qtbot, Qt.Key.Key_Down)
    record_id = page.current_id()
    stored = records.get_record(cf, Kind.TIMELINE, record_id)["date"]
    _press(qtbot, Qt.Key.Key_Return)
    date = page.editor.widgets["date"]
    assert _focus() is date.edit
    _type(qtbot, "June 31, 2026")  # the field's text was selected on the way in: typing replaces it
    _press(qtbot, Qt.Key.Key_Escape)
    assert page.table.hasFocus()
    assert page.current_id() == record_id
    assert date.edit.text() == "June 31, 2026" and date.has_error()
    assert records.get_record(cf, Kind.TIMELINE, record_id)["date"] == stored

    # Leaving the record asks first, as after a click; Escape there keeps editing.
    seen = when_modal(lambda box: qtbot.keyClick(box, Qt.Key.Key_Escape), kind=QMessageBox)
    _press(qtbot, Qt.Key.Key_Down)
    assert seen
    _reactivate(qtbot, window)
    assert page.current_id() == record_id
    assert QApplication.focusWidget() is date.edit
    assert date.edit.text() == "June 31, 2026"


# ----- Help > Keyboard Shortcuts and the README --------------------------------------------


def _shortcut_actions(window):
    from desktop.dialogs.shortcuts import typed_shortcuts

    actions = [a for a in window.actions() if typed_shortcuts(a)]
    assert len(actions) > 15
    return actions


def test_help_lists_every_shortcut(qtbot, window):
    _press(qtbot, Qt.Key.Key_Slash, CTRL)
    qtbot.waitUntil(
        lambda: any(d.isVisible() and d.windowTitle() == "Keyboard Shortcuts" for d in window.findChildren(QDialog)),
        timeout=60000,
    )
    from desktop.dialogs.shortcuts import ShortcutsDialog, command_name, native_keys, typed_shortcuts
    from desktop.views.keyboard import PAGE_KEYS

    dialog = window.findChild(ShortcutsDialog)
    shown = {command: keys for _group, command, keys in dialog.rows()}
    for action in _shortcut_actions(window):
        name = command_name(action)
        assert name in shown, f"{name} is missing"
        for sequence in typed_shortcuts(action):
            assert sequence.toString(QKeySequence.SequenceFormat.NativeText) in shown[name].split(", ")
    assert shown["Undo"].startswith(
        QKeySequence(QKeySequence.StandardKey.Undo).toString(QKeySequence.SequenceFormat.NativeText)
    )
    for _where, what, keys in PAGE_KEYS:
        assert shown[what] == native_keys(keys)
    groups = [group for group, _c, _k in dialog.rows()]
    assert groups.index("File") < groups.index("Edit") < groups.index("Go") < groups.index("Lists")
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert help_menu.actions()[0].text() == "&Keyboard Shortcuts"


def _readme_rows() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Keyboard shortcuts")
    end = text.index("\n## ", start)
    rows: dict[str, str] = {}
    for line in text[start:end].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and not set(cells[0]) <= {"-", ":"} and cells[0] != "Where":
            rows[cells[1]] = cells[2]
    return rows


def test_readme_lists_every_shortcut(qtbot, window):
    from desktop.actions import SPECS
    from desktop.dialogs.shortcuts import command_name
    from desktop.views.keyboard import PAGE_KEYS

    rows = _readme_rows()
    portable = QKeySequence.SequenceFormat.PortableText
    declared = {action_id.name.lower(): spec.shortcuts for action_id, spec in SPECS.items()}
    for action in _shortcut_actions(window):
        name = command_name(action)
        assert name in rows, f"README has no row for {name}"
        keys = re.findall(r"`([^`]+)`", rows[name])
        assert action.shortcut().toString(portable) in keys, f"README: {name} lacks {action.shortcut().toString()}"
        for fixed in declared.get(action.objectName(), ()):
            if isinstance(fixed, str):
                assert QKeySequence(fixed).toString(portable) in keys
    for _where, what, keys in PAGE_KEYS:
        assert ", ".join(re.findall(r"`([^`]+)`", rows.get(what, ""))) == keys, f"README: {what}"


# ----- the main tasks with keys alone -------------------------------------------------------


def test_the_main_tasks_with_keys_alone(qtbot, window, sample_path, monkeypatch):
    cf = window.session.cf
    page = _statements_page(qtbot, window)

    # Find a record from anywhere, and go to it.
    _press(qtbot, Qt.Key.Key_F, CTRL)
    dialog = window.search_dialog
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.isAncestorOf(QApplication.focusWidget()), timeout=60000)
    _type(qtbot, "defenders")
    qtbot.waitUntil(lambda: dialog.results.topLevelItemCount() > 0, timeout=60000)
    _press(qtbot, Qt.Key.Key_Return)
    _reactivate(qtbot, window)
    assert page.table.hasFocus()
    record_id = page.current_id()
    text = records.get_record(cf, Kind.STATEMENT, record_id)["text"]
    assert "defenders" in text

    # Edit a field in the editor: Enter, Tab to the text, type, Tab on.
    _press(qtbot, Qt.Key.Key_Return)
    for _ in range(8):
        if _focus() is page.editor.widgets["text"].focus_widget():
            break
        _press(qtbot, Qt.Key.Key_Tab)
    assert _focus() is page.editor.widgets["text"].focus_widget()
    _press(qtbot, Qt.Key.Key_End, CTRL)
    _type(qtbot, " (as reported)")
    _press(qtbot, Qt.Key.Key_Tab)
    assert records.get_record(cf, Kind.STATEMENT, record_id)["text"] == text + " (as reported)"
    _press(qtbot, Qt.Key.Key_Escape)
    assert page.table.hasFocus()

    # Add a record: New Record, type in the dialog, Enter; then give it a speaker.
    def fill(dialog: QWidget) -> None:
        qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()), timeout=60000)
        qtbot.keyClicks(QApplication.focusWidget(), "We will respond in writing.")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

    seen = when_modal(fill, kind=QDialog)
    before = page.model.rowCount()
    _press(qtbot, Qt.Key.Key_N, CTRL | SHIFT)
    assert seen and seen[0].windowTitle() == "New Statement"
    _reactivate(qtbot, window)
    assert page.model.rowCount() == before + 1
    new_id = page.current_id()
    assert records.get_record(cf, Kind.STATEMENT, new_id)["text"] == "We will respond in writing."
    _press(qtbot, Qt.Key.Key_Escape)  # adding leaves the keyboard in the editor; back to the list
    assert page.table.hasFocus() and page.current_id() == new_id
    _press(qtbot, Qt.Key.Key_Return)
    speaker = page.editor.widgets["speaker"]
    assert _focus() is speaker.box
    _type(qtbot, "Ben Kass")
    popup = speaker.box.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=60000)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    kass = records.get_record(cf, Kind.STATEMENT, new_id)["speaker"]
    assert kass is not None and records.get_record(cf, Kind.ACTOR, kass)["name"] == "Ben Kass"

    # Export the briefing packet; close the "ready" note with Escape.
    assert not list(sample_path.parent.glob("*.pdf"))
    _press(qtbot, Qt.Key.Key_E, CTRL)
    # Written in the background; the packet is on disk once the export says it is done.
    qtbot.waitUntil(lambda: window.briefing.last_output is not None, timeout=180000)
    pdf = window.briefing.last_output
    assert list(sample_path.parent.glob("*.pdf")) == [pdf]
    assert pdf.read_bytes().startswith(b"%PDF")
    # The banner over the case offers the packet: Alt+O opens it, from wherever the keyboard is.
    qtbot.waitUntil(lambda: window.briefing.ready_banner is not None, timeout=60000)
    assert window.briefing.ready_banner.isVisible()
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    window.activateWindow()  # the "Writing…" window has gone: offscreen, nothing hands the focus back
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)
    _press(qtbot, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: opened == [str(pdf)], timeout=60000)
