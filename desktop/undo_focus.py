"""Undo you can follow: after Undo or Redo the window shows what changed and says what was done.

An edit's undo shows its record on its page with the changed field focused (a case field: the
Case page); undoing a delete shows the record back in its list; undoing an add shows that
list with the record's neighbour selected. A filter that hides the record is cleared, and the
status bar says so. The jump is an ordinary visit, so Back returns to where the user was.

Ctrl+Z and Ctrl+Shift+Z in a text field belong to the field while it has typing of its own
to take back; in a field with none they undo and redo the case, so pressing Ctrl+Z twice
after an undo has focused a field keeps stepping back.
"""

from __future__ import annotations

from contextlib import suppress

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QWidget,
)

from db.fields import KINDS

from .session import CaseSession
from .undo import Change, UndoStep
from .views.case_view import CaseView

MESSAGE_MS = 8000


class UndoFocus(QObject):
    """Follows the open case's undo stack and shows the user where each undo or redo landed."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session: CaseSession | None = None
        self.view: CaseView | None = None
        self._row: int | None = None  # where a record an undo is about to remove was listed
        self._landed: tuple[UndoStep, bool] | None = None
        self._keys = _CaseUndoKeys(window, self)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._keys.watch)

    def follow(self, session: CaseSession | None, view: CaseView | None) -> None:
        """Follow the undo steps of the case now shown (None: no case is open)."""
        old = self.session
        if old is not None:
            with suppress(RuntimeError):  # already gone with its window's case
                old.step_starting.disconnect(self._starting)
                old.step_finished.disconnect(self._finished)
                old.undo_stack.indexChanged.disconnect(self._settled)
        self.session, self.view = session, view
        self._row, self._landed = None, None
        if session is not None:
            session.step_starting.connect(self._starting)
            session.step_finished.connect(self._finished)
            session.undo_stack.indexChanged.connect(self._settled)

    def _starting(self, step: UndoStep, undo: bool) -> None:
        self._landed = None
        self._row = None
        change = step.change(undo)
        if change.removed and change.kind is not None and change.record_id is not None and self.view is not None:
            page = self.view.pages.get(change.kind)
            if page is not None:
                self._row = page.model.row_of(change.record_id)

    def _finished(self, step: UndoStep, undo: bool) -> None:
        self._landed = (step, undo)

    def _settled(self, _index: int) -> None:
        # Moving the focus can commit a field's typing as a new step: only once the stack has
        # finished the undo, never from inside it.
        landed, self._landed = self._landed, None
        if landed is None or self.view is None:
            return
        step, undo = landed
        note = self.reveal(step.change(undo))
        message = f"{'Undid' if undo else 'Redid'} {step.text()}"
        self.window.statusBar().showMessage(f"{message} ({note})" if note else message, MESSAGE_MS)

    def reveal(self, change: Change) -> str | None:
        """Show the page, record and field ``change`` touched; a note for the user, if one is due."""
        view = self.view
        assert view is not None
        if change.kind is None:
            view.show_page(None)
            widgets = view.case_page.widgets
            name = next((n for n in widgets if n in change.fields), None)
            if name is not None:
                view.case_page.ensureWidgetVisible(widgets[name])
                _focus(widgets[name].focus_widget())
            return None
        page = view.page(change.kind)
        record_id = change.record_id
        if not change.removed and record_id is not None:
            query = page.model.query
            if view.show_record(change.kind, record_id):  # clears a filter that hides the record
                editor = page.editor
                name = next((f.name for f in KINDS[change.kind].fields if f.name in change.fields), None)
                if name is not None:
                    widget = editor.widgets[name]
                    editor.ensureWidgetVisible(widget)
                    _focus(widget.focus_widget())
                return "cleared the filter to show it" if page.model.query != query else None
        # Read before showing the page: a list given the focus with nothing selected selects its first row.
        selected = page.current_id()
        view.show_page(change.kind)
        rows = page.model.rowCount()
        if selected is None and self._row is not None and rows:
            neighbour = page.model.id_at(min(self._row, rows - 1))
            if neighbour is not None:
                page.select_record(neighbour, clear_filter=False)
        page.table.setFocus(Qt.FocusReason.OtherFocusReason)
        return None


def _focus(widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
    # A one-line value is selected so the eye finds what changed (a page switch may have given
    # the field the focus already, and then focusing it again selects nothing); selected from
    # the end back, so a long value shows its start. A long text is not selected: a keystroke
    # would replace a whole quotation. Its cursor goes to the start instead.
    if isinstance(widget, QLineEdit):
        length = len(widget.text())
        widget.setSelection(length, -length)
    elif isinstance(widget, QPlainTextEdit):
        cursor = widget.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.Start)
        widget.setTextCursor(cursor)
        widget.ensureCursorVisible()


class _CaseUndoKeys(QObject):
    """Hands Ctrl+Z and Ctrl+Shift+Z to the window's Undo and Redo when the focused text field
    has nothing of its own to undo or redo (a text field otherwise claims them even then)."""

    def __init__(self, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window

    def watch(self, _old: QWidget | None, new: QWidget | None) -> None:
        if not isinstance(new, QLineEdit | QPlainTextEdit | QComboBox) or not self.window.isAncestorOf(new):
            return
        parent = new.parentWidget()
        while parent is not None and parent is not self.window:
            if isinstance(parent, QAbstractItemView):
                return  # a list cell being edited: undoing the case under it would close it mid-edit
            parent = parent.parentWidget()
        new.installEventFilter(self)  # installing again only moves it to the front

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        if event.matches(QKeySequence.StandardKey.Undo):
            undo = True
        elif event.matches(QKeySequence.StandardKey.Redo):
            undo = False
        else:
            return False
        if _has_own(watched, undo=undo):
            return False
        event.ignore()  # not the field's: the shortcut goes to the window's action
        return True


def _has_own(widget: QObject, *, undo: bool) -> bool:
    """True when a text field has typing of its own to undo (or redo)."""
    if isinstance(widget, QComboBox):
        line = widget.lineEdit()
        if line is None:
            return False
        widget = line
    if isinstance(widget, QLineEdit):
        return widget.isUndoAvailable() if undo else widget.isRedoAvailable()
    if isinstance(widget, QPlainTextEdit):
        document = widget.document()
        return document.isUndoAvailable() if undo else document.isRedoAvailable()
    return True
