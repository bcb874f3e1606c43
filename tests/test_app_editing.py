"""Editing in the app as a user does it: add, edit, delete, link, undo and redo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPushButton

from db import queries, records
from db.dates import PartialDate
from db.errors import RecordError
from db.fields import Kind
from desktop.actions import ActionId
from desktop.dialogs.quick_create import QuickCreateDialog
from tests.gui_helpers import fill_quick_create, open_window, when_modal


def _ids_by_title(cf, kind: Kind) -> dict[str, str]:
    spec = kind.spec
    rows = queries.fetch_rows(cf, kind, queries.list_rowids(cf, queries.ListQuery(kind)))
    title_col = [c.name for c in queries.LIST_COLUMNS[kind]].index(
        spec.title_field if kind is not Kind.STATEMENT else "text"
    )
    return {str(values[1 + title_col]): str(values[0]) for values in rows.values()}


def _select(window, kind: Kind, record_id: str):
    window.case_view.show_record(kind, record_id)
    page = window.case_view.current_page()
    assert page.current_id() == record_id
    return page


def _focus_list(window, qtbot) -> None:
    # The offscreen platform has no window manager to reactivate the window after a dialog.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)
    page = window.case_view.current_page()
    (page.table if page is not None else window.case_view.nav).setFocus()


def _undo(qtbot, window) -> None:
    # From the list, as a user does: in a text field Ctrl+Z undoes typing in that field.
    _focus_list(window, qtbot)
    qtbot.keySequence(window.focusWidget() or window, QKeySequence.StandardKey.Undo)


def _redo(qtbot, window) -> None:
    _focus_list(window, qtbot)
    qtbot.keySequence(window.focusWidget() or window, QKeySequence.StandardKey.Redo)


@pytest.fixture
def window(qtbot, sample_path):
    return open_window(qtbot, sample_path)


NEW_RECORDS = {
    Kind.ACTOR: ({"name": "Jane Official", "kind": "person", "role": "Deputy Secretary"}, "name"),
    Kind.STATEMENT: ({"text": "We will review the request."}, "text"),
    Kind.DIRECTIVE: ({"identifier": "EO 99999", "title": "A test order", "kind": "executive_order"}, "title"),
    Kind.TIMELINE: ({"date": "July 1, 2026", "title": "Hearing scheduled"}, "title"),
    Kind.SOURCE: (
        {"title": "Hearing notice", "publisher": "House Committee", "url": "https://example.org"},
        "title",
    ),
}


@pytest.mark.parametrize("kind", list(NEW_RECORDS))
def test_add_edit_and_delete_each_kind(qtbot, window, kind):
    values, title_field = NEW_RECORDS[kind]
    cf = window.session.cf
    window.case_view.show_page(kind)
    page = window.case_view.current_page()
    before = page.model.rowCount()
    seen = when_modal(fill_quick_create(values))
    window.action_registry[ActionId.NEW_RECORD].trigger()
    assert seen
    assert page.model.rowCount() == before + 1
    new_id = page.current_id()
    stored = records.get_record(cf, kind, new_id)
    assert stored[title_field] == values[title_field]
    assert window.undo_action.text() == f"&Undo Add {kind.spec.label}"

    # Edit the title field in the editor panel, as typed.
    widget = page.editor.widgets[title_field]
    edit = widget.focus_widget()
    edit.setFocus()
    if isinstance(edit, QLineEdit):
        edit.selectAll()
        qtbot.keyClicks(edit, "Edited title")
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    else:
        edit.selectAll()
        qtbot.keyClicks(edit, "Edited title")
        qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert records.get_record(cf, kind, new_id)[title_field] == "Edited title"
    label = kind.spec.field(title_field).label
    assert window.undo_action.text() == f"&Undo Edit {kind.spec.label} {label}"

    window.action_registry[ActionId.DELETE_RECORD].trigger()
    assert page.model.rowCount() == before
    with pytest.raises(RecordError):
        records.get_record(cf, kind, new_id)
    _undo(qtbot, window)
    assert records.get_record(cf, kind, new_id)[title_field] == "Edited title"
    _undo(qtbot, window)
    assert records.get_record(cf, kind, new_id)[title_field] == values[title_field]
    _redo(qtbot, window)
    _redo(qtbot, window)
    with pytest.raises(RecordError):
        records.get_record(cf, kind, new_id)


def test_invalid_date_is_refused_in_place_and_a_good_one_normalised(qtbot, window):
    cf = window.session.cf
    ids = _ids_by_title(cf, Kind.TIMELINE)
    entry = next(rid for title, rid in ids.items() if title.startswith("Meta ships"))
    page = _select(window, Kind.TIMELINE, entry)
    field = page.editor.widgets["date"]
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "June 31, 2026")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.has_error()
    assert "June 31, 2026" in field.error_label.text() and "no day 31" in field.error_label.text()
    assert field.edit.text() == "June 31, 2026"  # the typed text stays to be corrected
    assert records.get_record(cf, Kind.TIMELINE, entry)["date"] == PartialDate.parse("April 2026")
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "4/30/2026")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert not field.has_error()
    assert field.edit.text() == "April 30, 2026"
    assert records.get_record(cf, Kind.TIMELINE, entry)["date"] == PartialDate(2026, 4, 30)


def test_pick_a_speaker_by_typing(qtbot, window):
    cf = window.session.cf
    statement = records.add_record(cf, Kind.STATEMENT, {"text": "An unattributed remark"})
    window.session.notify_reset(Kind.STATEMENT)
    page = _select(window, Kind.STATEMENT, statement)
    speaker = page.editor.widgets["speaker"]
    speaker.box.setFocus()
    qtbot.keyClicks(speaker.box, "Kass")
    popup = speaker.box.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=60000)
    assert speaker.box.matches()[0][1] == "Ben Kass"
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    kass = next(rid for name, rid in _ids_by_title(cf, Kind.ACTOR).items() if name == "Ben Kass")
    assert records.get_record(cf, Kind.STATEMENT, statement)["speaker"] == kass
    assert window.undo_action.text() == "&Undo Edit Statement Speaker"


def test_create_a_speaker_on_the_spot_is_one_undo_step(qtbot, window):
    cf = window.session.cf
    statement = records.add_record(cf, Kind.STATEMENT, {"text": "Another remark"})
    window.session.notify_reset(Kind.STATEMENT)
    page = _select(window, Kind.STATEMENT, statement)
    speaker = page.editor.widgets["speaker"]
    speaker.box.setText("Pat Example")
    seen = when_modal(fill_quick_create({"kind": "person", "role": "Agency spokesperson"}))
    speaker.new_button.click()
    assert seen
    new_actor = records.get_record(cf, Kind.STATEMENT, statement)["speaker"]
    actor = records.get_record(cf, Kind.ACTOR, new_actor)
    assert (actor["name"], actor["kind"], actor["role"]) == ("Pat Example", "person", "Agency spokesperson")
    assert speaker.box.text() == "Pat Example"
    assert window.undo_action.text() == "&Undo Add Actor as Statement Speaker"
    _undo(qtbot, window)
    assert records.get_record(cf, Kind.STATEMENT, statement)["speaker"] is None
    with pytest.raises(RecordError):
        records.get_record(cf, Kind.ACTOR, new_actor)


def test_link_and_unlink_directive_parties(qtbot, window):
    cf = window.session.cf
    directives = _ids_by_title(cf, Kind.DIRECTIVE)
    eo = next(rid for title, rid in directives.items() if "14409" in title or "Executive Order" in title)
    page = _select(window, Kind.DIRECTIVE, eo)
    parties = page.editor.widgets["parties"]
    before = records.get_record(cf, Kind.DIRECTIVE, eo)["parties"]
    nyt = next(rid for name, rid in _ids_by_title(cf, Kind.ACTOR).items() if name == "The New York Times")
    assert nyt not in before
    parties.box.setFocus()
    qtbot.keyClicks(parties.box, "New York Times")
    qtbot.waitUntil(lambda: any(rid == nyt for rid, _ in parties.box.matches()), timeout=60000)
    parties.box.picked.emit(nyt)  # what choosing the completion does
    assert records.get_record(cf, Kind.DIRECTIVE, eo)["parties"] == [*before, nyt]
    assert window.undo_action.text() == "&Undo Link Directive Party"
    assert parties.list.count() == len(before) + 1
    parties.list.setCurrentRow(parties.list.count() - 1)
    parties.remove_button.click()
    assert records.get_record(cf, Kind.DIRECTIVE, eo)["parties"] == before
    assert window.undo_action.text() == "&Undo Unlink Directive Party"
    _undo(qtbot, window)
    assert records.get_record(cf, Kind.DIRECTIVE, eo)["parties"] == [*before, nyt]


def test_delete_with_references_offers_cancel_or_remove(qtbot, window):
    cf = window.session.cf
    brennan = next(rid for name, rid in _ids_by_title(cf, Kind.ACTOR).items() if name == "Francis Brennan")
    refs = records.find_references(cf, Kind.ACTOR, brennan)
    assert refs
    _select(window, Kind.ACTOR, brennan)

    def cancel(box) -> None:
        assert isinstance(box, QMessageBox)
        assert "referred to by" in box.text()
        assert "Speaker" in box.informativeText()
        box.button(QMessageBox.StandardButton.Cancel).click()

    seen = when_modal(cancel)
    window.action_registry[ActionId.DELETE_RECORD].trigger()
    assert seen
    assert records.get_record(cf, Kind.ACTOR, brennan)["name"] == "Francis Brennan"

    def remove(box) -> None:
        button = next(b for b in box.findChildren(QPushButton) if b.text() == "Delete and Remove References")
        button.click()

    seen = when_modal(remove)
    window.action_registry[ActionId.DELETE_RECORD].trigger()
    assert seen
    with pytest.raises(RecordError):
        records.get_record(cf, Kind.ACTOR, brennan)
    for ref in refs:
        value = records.get_record(cf, ref.kind, ref.id)[ref.field]
        assert value is None or brennan not in value
    assert window.undo_action.text() == "&Undo Delete Actor"
    _undo(qtbot, window)
    assert records.get_record(cf, Kind.ACTOR, brennan)["name"] == "Francis Brennan"
    assert records.find_references(cf, Kind.ACTOR, brennan) == refs


def test_case_page_edits_are_saved_and_undoable(qtbot, window):
    cf = window.session.cf
    page = window.case_view.case_page
    marking = page.widgets["marking"].focus_widget()
    marking.setFocus()
    marking.selectAll()
    qtbot.keyClicks(marking, "SENSITIVE BUT UNCLASSIFIED")
    qtbot.keyClick(marking, Qt.Key.Key_Return)
    assert records.get_case(cf)["marking"] == "SENSITIVE BUT UNCLASSIFIED"
    assert window.undo_action.text() == "&Undo Edit Case Handling marking"
    title = page.widgets["title"].focus_widget()
    title.setFocus()
    title.selectAll()
    qtbot.keyClicks(title, "Renamed matter")
    qtbot.keyClick(title, Qt.Key.Key_Return)
    assert window.windowTitle().startswith("Renamed matter")
    _undo(qtbot, window)
    _undo(qtbot, window)
    assert records.get_case(cf)["marking"] == "FOR INTERNAL USE ONLY"
    assert not window.windowTitle().startswith("Renamed matter")


def test_quick_edit_in_a_table_cell(qtbot, window):
    cf = window.session.cf
    window.case_view.show_page(Kind.ACTOR)
    page = window.case_view.current_page()
    row = [page.model.index(r, 0).data() for r in range(page.model.rowCount())].index("Meta")
    record_id = page.model.id_at(row)
    index = page.model.index(row, page.model.column_of("role"))
    page.table.setCurrentIndex(index)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    assert editor.parent() is page.table.viewport()
    editor.selectAll()
    qtbot.keyClicks(editor, "Holdout lab")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The view commits a cell edit from the event loop, just after the key press.
    qtbot.waitUntil(lambda: records.get_record(cf, Kind.ACTOR, record_id)["role"] == "Holdout lab", timeout=60000)
    assert page.model.index(row, page.model.column_of("role")).data() == "Holdout lab"


def test_invalid_date_in_a_cell_is_not_saved(qtbot, window):
    cf = window.session.cf
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    record_id = page.model.id_at(0)
    before = records.get_record(cf, Kind.TIMELINE, record_id)["date"]
    page.table.setCurrentIndex(page.model.index(0, page.model.column_of("date")))
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "Smarch 2026")
    with qtbot.waitSignal(window.session.error, timeout=60000) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert "Smarch 2026" in blocker.args[0]
    assert "Smarch 2026" in window.statusBar().currentMessage()
    assert records.get_record(cf, Kind.TIMELINE, record_id)["date"] == before


def test_read_only_file_disables_editing(qtbot, sample_path):
    window = open_window(qtbot, sample_path, read_only=True)
    assert window.session.read_only
    assert "(read-only)" in window.windowTitle()
    window.case_view.show_page(Kind.ACTOR)
    page = window.case_view.current_page()
    page.table.selectRow(0)
    assert not window.action_registry[ActionId.NEW_RECORD].isEnabled()
    assert not window.action_registry[ActionId.DELETE_RECORD].isEnabled()
    assert page.editor.widgets["name"].edit.isReadOnly()
    assert not page.model.flags(page.model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    # No clear button offers to empty a field that cannot change.
    for kind in Kind:
        window.case_view.show_page(kind)
        page = window.case_view.current_page()
        page.table.selectRow(0)
        for name, widget in page.editor.widgets.items():
            edit = widget.focus_widget()
            if isinstance(edit, QLineEdit):
                assert edit.isReadOnly() and not edit.isClearButtonEnabled(), (kind, name)


@pytest.mark.parametrize("kind", [Kind.STATEMENT, Kind.TIMELINE])
def test_pinpoint_is_edited_beside_the_source(qtbot, window, kind):
    cf = window.session.cf
    record_id = next(iter(_ids_by_title(cf, kind).values()))
    page = _select(window, kind, record_id)
    order = list(page.editor.widgets)
    assert order.index("locator") == order.index("source") + 1
    edit = page.editor.widgets["locator"].focus_widget()
    assert isinstance(edit, QLineEdit)
    assert edit.accessibleName() == "Pinpoint" and "p. 4" in edit.placeholderText()
    edit.setFocus()
    qtbot.keyClicks(edit, "p. 4")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert records.get_record(cf, kind, record_id)["locator"] == "p. 4"
    assert window.undo_action.text() == f"&Undo Edit {kind.spec.label} Pinpoint"
    _undo(qtbot, window)
    assert records.get_record(cf, kind, record_id)["locator"] is None


def test_a_new_record_with_a_value_it_cannot_hold_stays_open_with_the_reason(qtbot, window):
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    before = page.model.rowCount()
    seen_while_open: list[tuple[bool, str, str, bool]] = []

    def fill(dialog) -> None:
        assert isinstance(dialog, QuickCreateDialog)
        dialog.input("title").setText("Hearing on the directive")
        dialog.input("date").setText("late June 2026")
        ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
        ok.click()
        seen_while_open.append(
            (
                dialog.isVisible(),
                dialog.error_label.text(),
                dialog.input("title").text(),
                dialog.focusWidget() is dialog.input("date"),  # the refused field takes the focus
            )
        )
        dialog.input("date").setText("June 24, 2026")
        ok.click()

    seen = when_modal(fill)
    window.action_registry[ActionId.NEW_RECORD].trigger()
    assert seen
    (visible, reason, title, focused) = seen_while_open[0]
    assert visible and title == "Hearing on the directive" and focused
    assert reason.startswith('Date: Cannot read "late June 2026" as a date.')
    assert page.model.rowCount() == before + 1
    stored = records.get_record(window.session.cf, Kind.TIMELINE, page.current_id())
    assert stored["title"] == "Hearing on the directive" and stored["date"] == PartialDate.parse("June 24, 2026")


def _click_row(qtbot, page, row: int) -> None:
    rect = page.table.visualRect(page.model.index(row, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


@pytest.mark.parametrize(("field", "typed"), [("date", "late June 2026"), ("title", "")])
def test_input_that_was_not_saved_is_kept_or_dropped_as_asked_never_silently(qtbot, window, field, typed):
    cf = window.session.cf
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    page.table.selectRow(0)
    first = page.current_id()
    stored = records.get_record(cf, Kind.TIMELINE, first)[field]
    edit = page.editor.widgets[field].focus_widget()
    edit.setFocus()
    edit.selectAll()
    if typed:
        qtbot.keyClicks(edit, typed)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClick(edit, Qt.Key.Key_Return)  # refused: the reason shows, the text stays

    asked: list[tuple[str, str]] = []

    def answer(label: str):
        def click(box) -> None:
            assert isinstance(box, QMessageBox)
            asked.append((box.text(), box.informativeText()))
            next(b for b in box.buttons() if b.text() == label).click()

        return click

    when_modal(answer("Keep Editing"), kind=QMessageBox)
    _click_row(qtbot, page, 1)
    assert asked and asked[0][0].startswith("What you typed in ")
    assert ("late June 2026" in asked[0][1]) if typed else ("required" in asked[0][1])
    assert page.current_id() == first and page.editor.record_id == first
    assert page.editor.widgets[field].focus_widget().text() == typed  # still there to correct
    assert records.get_record(cf, Kind.TIMELINE, first)[field] == stored

    when_modal(answer("Discard Change"), kind=QMessageBox)
    _click_row(qtbot, page, 1)
    assert len(asked) == 2
    second = page.current_id()
    assert second != first and page.editor.record_id == second
    assert records.get_record(cf, Kind.TIMELINE, first)[field] == stored
    page.table.selectRow(0)  # back on the first record, nothing asked: the change was dropped
    assert len(asked) == 2 and page.current_id() == first


def test_every_label_reads_as_written(qtbot, window, settings_dialogs):
    """No form shows a literal "&" (a mnemonic with nothing to focus), an "a" before a vowel,
    or a window title in sentence case."""
    from PySide6.QtWidgets import QLabel

    pages = []
    for kind in Kind:
        window.case_view.show_page(kind)
        page = window.case_view.current_page()
        pages.append(page)
        assert page.new_button.text() == f"New {kind.spec.label.title()}…"
    for widget in [*pages, *settings_dialogs]:
        for label in widget.findChildren(QLabel):
            text = label.text()
            if "&" in text.replace("&&", "") and not text.lstrip().startswith("<"):
                assert label.buddy() is not None, f"{text!r} shows its ampersand"
            assert " a actor" not in text and " a a" not in text.lower()
    timeline = pages[list(Kind).index(Kind.TIMELINE)]
    assert timeline.editor.placeholder.text().startswith("Select a timeline entry")
    actors = pages[list(Kind).index(Kind.ACTOR)]
    assert actors.editor.placeholder.text().startswith("Select an actor")
    titles = []
    when_modal(lambda dialog: (titles.append(dialog.windowTitle()), dialog.reject()))
    window.case_view.show_page(Kind.TIMELINE)
    window.action_registry[ActionId.NEW_RECORD].trigger()
    assert titles == ["New Timeline Entry"]


@pytest.fixture
def settings_dialogs(qtbot):
    from desktop.briefing.options import BriefingOptions
    from desktop.dialogs.briefing_options import BriefingOptionsDialog
    from desktop.dialogs.preferences import PreferencesDialog
    from desktop.settings import Settings

    dialogs = [BriefingOptionsDialog(BriefingOptions()), PreferencesDialog(Settings())]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
    return dialogs
