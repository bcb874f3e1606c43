"""Commands on the records selected in a list: Add Tag, Remove Tag, Set Field, Delete, Copy.

Reached from the Edit menu, from the list's context menu (right-click, the Menu key or
Shift+F10) and from the buttons the editor pane shows while several records are selected.
Each change is one undo step, however many records it touches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QWidget

from db.errors import CaseFileError
from db.fields import KINDS

from .actions import ActionId, ActionRegistry
from .bulk_edits import BulkEdits, records_noun
from .views.copy_rows import rows_mime

if TYPE_CHECKING:
    from .views.record_page import RecordPage

MESSAGE_MS = 8000


def _selected_ids(page: RecordPage) -> list[str]:
    rowids = [rowid for row in page.selected_rows() if (rowid := page.model.rowid_at(row)) is not None]
    return BulkEdits(page.session).ids_of(page.kind, rowids)


def _status(page: RecordPage, message: str) -> None:
    window = page.window()
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(message, MESSAGE_MS)


def copy_selection(page: RecordPage) -> int:
    """Put the selected rows on the clipboard as a table; the number copied."""
    rows = page.selected_rows()
    if not rows:
        return 0
    QApplication.clipboard().setMimeData(rows_mime(page.table, rows))
    _status(page, f"Copied {records_noun(page.kind, len(rows))} as a table.")
    return len(rows)


def change_tag(page: RecordPage, *, remove: bool) -> int:
    """Ask for a tag and add it to (or take it off) the selected records; the number changed."""
    from .dialogs.bulk_dialog import TagDialog

    spec = KINDS[page.kind]
    if page.session.read_only or "tags" not in spec.by_name:
        return 0
    ids = _selected_ids(page)
    if not ids:
        return 0
    noun = records_noun(page.kind, len(ids))
    if remove:
        title, prompt, button = "Remove Tag", f"Take a tag off {noun}.", "Remove Tag"
    else:
        title, prompt, button = "Add Tag", f"Tag {noun}.", "Add Tag"
    dialog = TagDialog(title, prompt, button, page.session.all_tags(page.kind), page)
    accepted = dialog.exec() == TagDialog.DialogCode.Accepted
    tag = dialog.tag()
    dialog.deleteLater()
    if not accepted or not tag:
        return 0
    edits = BulkEdits(page.session)
    try:
        changed = edits.remove_tag(page.kind, ids, tag) if remove else edits.add_tag(page.kind, ids, tag)
    except CaseFileError as exc:
        page.session.report(exc)
        return 0
    if remove:
        _status(page, f"Removed “{tag}” from {records_noun(page.kind, changed)}." if changed else f"None had “{tag}”.")
    else:
        done = f"Tagged {records_noun(page.kind, changed)} “{tag}”."
        _status(page, done if changed else f"All already had “{tag}”.")
    return changed


def set_field(page: RecordPage) -> int:
    """Ask for a field and a value and give it to the selected records; the number changed."""
    from .dialogs.bulk_dialog import SetFieldDialog

    edits = BulkEdits(page.session)
    fields = edits.settable_fields(page.kind)
    if page.session.read_only or not fields:
        return 0
    ids = _selected_ids(page)
    if not ids:
        return 0
    prompt = f"Give {records_noun(page.kind, len(ids))} the same value of one field."
    dialog = SetFieldDialog(page.session, fields, prompt, page)
    accepted = dialog.exec() == SetFieldDialog.DialogCode.Accepted
    name, value = dialog.field_name(), dialog.value()
    dialog.deleteLater()
    if not accepted:
        return 0
    try:
        changed = edits.set_field(page.kind, ids, name, value)
    except CaseFileError as exc:
        page.session.report(exc)
        return 0
    label = KINDS[page.kind].field(name).label
    _status(page, f"Set {label} of {records_noun(page.kind, changed)}." if changed else f"All had that {label}.")
    return changed


def delete_selection(page: RecordPage) -> bool:
    """Delete the selected records after one confirmation listing what refers to them."""
    from .dialogs.delete_dialog import confirm_delete_many

    ids = _selected_ids(page)
    if not ids or page.session.read_only:
        return False
    edits = BulkEdits(page.session)
    first_row = page.selected_rows()[0]
    try:
        refs = edits.references(page.kind, ids)
        if not confirm_delete_many(page, page.kind, len(ids), refs):
            return False
        edits.delete(page.kind, ids)
    except CaseFileError as exc:
        page.session.report(exc)
        return False
    rows = page.model.rowCount()
    if rows:
        page.table.setCurrentIndex(page.model.index(min(first_row, rows - 1), 0))
    page.table.setFocus(Qt.FocusReason.OtherFocusReason)
    return True


class BulkCommands(QObject):
    """Connects the window's selection actions to the list shown, and gives each list its
    context menu and Ctrl+C."""

    ACTIONS = (ActionId.ADD_TAG, ActionId.REMOVE_TAG, ActionId.SET_FIELD)

    def __init__(
        self, registry: ActionRegistry, current_page: Callable[[], RecordPage | None], parent: QObject
    ) -> None:
        super().__init__(parent)
        self.registry = registry
        self._current_page = current_page
        self._hooked: set[int] = set()
        registry[ActionId.ADD_TAG].triggered.connect(lambda: self._run(lambda p: change_tag(p, remove=False)))
        registry[ActionId.REMOVE_TAG].triggered.connect(lambda: self._run(lambda p: change_tag(p, remove=True)))
        registry[ActionId.SET_FIELD].triggered.connect(lambda: self._run(set_field))

    def page(self) -> RecordPage | None:
        """The list shown, if any."""
        return self._current_page()

    def _run(self, command: Callable[[RecordPage], object]) -> None:
        page = self.page()
        if page is not None:
            command(page)

    def update(self) -> None:
        """Enable the actions for the list shown and hook up lists built since the last call."""
        page = self.page()
        editable = page is not None and not page.session.read_only
        spec = KINDS[page.kind] if page is not None else None
        has_tags = spec is not None and "tags" in spec.by_name
        has_fields = page is not None and bool(BulkEdits(page.session).settable_fields(page.kind))
        self.registry[ActionId.ADD_TAG].setEnabled(editable and has_tags)
        self.registry[ActionId.REMOVE_TAG].setEnabled(editable and has_tags)
        self.registry[ActionId.SET_FIELD].setEnabled(editable and has_fields)
        if page is not None and id(page) not in self._hooked:
            self._hook(page)

    def _hook(self, page: RecordPage) -> None:
        self._hooked.add(id(page))
        page.destroyed.connect(lambda: self._hooked.discard(id(page)))
        page.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        page.table.customContextMenuRequested.connect(lambda pos: self._context_menu(page, pos))
        page.table.installEventFilter(_CopyKeys(page))
        a = self.registry
        page.selection_panel.set_actions(
            [
                ("Add Tag…", a[ActionId.ADD_TAG]),
                ("Remove Tag…", a[ActionId.REMOVE_TAG]),
                ("Set Field…", a[ActionId.SET_FIELD]),
                None,
                ("Copy as Table", self._copy_action(page, page)),
                None,
                ("Delete…", a[ActionId.DELETE_RECORD]),
            ]
        )

    def _copy_action(self, page: RecordPage, parent: QObject) -> QAction:
        action = QAction("&Copy", parent)
        action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the list's own Ctrl+C does the work
        action.setToolTip("Copy the selected rows as a table, to paste into a spreadsheet, document or email")
        action.triggered.connect(lambda: copy_selection(page))
        return action

    def _context_menu(self, page: RecordPage, pos: QPoint) -> None:
        index = page.table.indexAt(pos)
        if index.isValid() and index.row() not in page.selected_rows():
            page.select_record(page.model.id_at(index.row()) or "", clear_filter=False)
        if not page.selected_rows():
            return
        a = self.registry
        menu = QMenu(page.table)
        menu.addAction(self._copy_action(page, menu))
        menu.addSeparator()
        menu.addActions([a[ActionId.ADD_TAG], a[ActionId.REMOVE_TAG], a[ActionId.SET_FIELD]])
        menu.addSeparator()
        menu.addAction(a[ActionId.DELETE_RECORD])
        menu.exec(page.table.viewport().mapToGlobal(pos))
        menu.deleteLater()


class _CopyKeys(QObject):
    """Ctrl+C in a list copies the selected rows, not only the current cell."""

    def __init__(self, page: RecordPage) -> None:
        super().__init__(page.table)
        self.page = page

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Copy)
            and isinstance(watched, QWidget)
        ):
            copy_selection(self.page)
            return True
        return False
