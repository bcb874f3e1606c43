"""An open case file in the app: the file, its undo stack, and signals views listen to.

Every change goes through here as an undo command. The first write happens before the
command is pushed, so a refused or failed edit never lands on the stack and the user
keeps what they typed to correct or retry.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from db import records
from db.casefile import CaseFile
from db.errors import CaseFileError
from db.fields import CASE_FIELDS_BY_NAME, KINDS, FieldType, Kind
from db.values import normalise

from .undo import AddRecordCommand, DeleteRecordCommand, EditCaseCommand, EditRecordCommand

log = logging.getLogger("casefile.session")


class CaseSession(QObject):
    """One open case file with its undo stack."""

    records_changed = Signal(object, list, list)  # Kind, [record ids], [field names] that changed
    records_reset = Signal(object)  # Kind whose set of records changed (add, delete)
    case_changed = Signal()
    error = Signal(str)  # a change was refused or could not be written

    def __init__(self, cf: CaseFile, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cf = cf
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(500)

    @property
    def read_only(self) -> bool:
        """True when the file is open read-only."""
        return self.cf.read_only

    def close(self) -> None:
        """Close the file; the undo stack is emptied (every change is already saved)."""
        self.undo_stack.clear()
        self.cf.close()

    def report(self, exc: BaseException) -> None:
        """Tell the user about a refused or failed change."""
        if not isinstance(exc, CaseFileError):
            log.exception("unexpected error during an edit", exc_info=exc)
        self.error.emit(str(exc))

    # ----- notifications (called by commands after each write) ---------------------------
    def notify_changed(self, kind: Kind, ids: list[str], fields: list[str]) -> None:
        """Fields of these records changed."""
        self.records_changed.emit(kind, ids, fields)

    def notify_reset(self, kind: Kind) -> None:
        """Records of ``kind`` were added or removed."""
        self.records_reset.emit(kind)

    # ----- edits -------------------------------------------------------------------------
    def edit_record(self, kind: Kind, record_id: str, changes: dict[str, Any], text: str | None = None) -> bool:
        """Change fields of one record as one undoable step; False (and ``error``) if refused."""
        try:
            current = records.get_record(self.cf, kind, record_id)
            if all(_same(current.get(k), v, kind, k) for k, v in changes.items()):
                return True
            old = records.update_record(self.cf, kind, record_id, changes)
        except CaseFileError as exc:
            self.report(exc)
            return False
        self.notify_changed(kind, [record_id], list(changes))
        if any(KINDS[kind].field(name).type is FieldType.REFS for name in changes):
            self.notify_reset(kind)
        self.undo_stack.push(EditRecordCommand(self, kind, record_id, changes, old, text))
        return True

    def add_record(self, kind: Kind, values: dict[str, Any] | None = None) -> str | None:
        """Create a record as one undoable step; return its id, or None (and ``error``) if refused."""
        values = values or {}
        try:
            record_id = records.add_record(self.cf, kind, values)
        except CaseFileError as exc:
            self.report(exc)
            return None
        self.notify_reset(kind)
        self.undo_stack.push(AddRecordCommand(self, kind, record_id))
        return record_id

    def delete_record(self, kind: Kind, record_id: str, *, remove_references: bool = False) -> bool:
        """Delete a record (and, if asked, the references to it) as one undoable step."""
        try:
            deleted = records.delete_record(self.cf, kind, record_id, remove_references=remove_references)
        except CaseFileError as exc:
            self.report(exc)
            return False
        self._notify_deleted(deleted)
        self.undo_stack.push(DeleteRecordCommand(self, deleted))
        return True

    def _notify_deleted(self, deleted: records.DeletedRecord) -> None:
        self.notify_reset(deleted.kind)
        for kind in {ref.kind for ref in deleted.cleared}:
            cleared = [ref for ref in deleted.cleared if ref.kind is kind]
            self.notify_changed(kind, [ref.id for ref in cleared], sorted({ref.field for ref in cleared}))
            self.notify_reset(kind)

    def edit_case(self, changes: dict[str, Any]) -> bool:
        """Change case fields as one undoable step."""
        try:
            current = records.get_case(self.cf)
            if all(_same_case(current.get(k), v, k) for k, v in changes.items()):
                return True
            old = records.update_case(self.cf, changes)
        except CaseFileError as exc:
            self.report(exc)
            return False
        self.case_changed.emit()
        self.undo_stack.push(EditCaseCommand(self, changes, old))
        return True

    def macro(self, text: str) -> _Macro:
        """Group several edits into one undo step: ``with session.macro("Add Actor"): ...``."""
        return _Macro(self.undo_stack, text)


class _Macro:
    def __init__(self, stack: QUndoStack, text: str) -> None:
        self._stack = stack
        self._text = text

    def __enter__(self) -> None:
        self._stack.beginMacro(self._text)

    def __exit__(self, *exc: object) -> None:
        self._stack.endMacro()


def _same(old: Any, new: Any, kind: Kind, name: str) -> bool:
    """True when storing ``new`` would leave the field as it is (so no write, no undo step)."""
    try:
        return bool(normalise(KINDS[kind].field(name), new) == old)
    except (CaseFileError, KeyError):
        return False


def _same_case(old: Any, new: Any, name: str) -> bool:
    try:
        return bool(normalise(CASE_FIELDS_BY_NAME[name], new) == old)
    except (CaseFileError, KeyError):
        return False
