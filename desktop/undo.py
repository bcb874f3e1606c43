"""Undo commands: one per user edit, each calling one db function to do and one to undo.

Commands are pushed after their first write has succeeded (see ``CaseSession``), so the
first ``redo`` Qt calls on push does nothing. If a later undo or redo cannot be written
(disk full, file gone), the user is told and the command is dropped from the stack; the
file keeps its last consistent state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from db import records
from db.errors import CaseFileError
from db.fields import CASE_FIELDS_BY_NAME, KINDS, FieldType, Kind

if TYPE_CHECKING:
    from .session import CaseSession


class _Command(QUndoCommand):
    def __init__(self, session: CaseSession, text: str) -> None:
        super().__init__(text)
        self.session = session
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._guard(self.do)

    def undo(self) -> None:
        self._guard(self.revert)

    def _guard(self, step: Any) -> None:
        try:
            step()
        except CaseFileError as exc:
            self.setObsolete(True)
            self.session.report(exc)

    def do(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError


def edit_text(kind: Kind, changes: dict[str, Any], old: dict[str, Any]) -> str:
    """Undo text naming the step: "Edit Statement Text", "Link Directive Party"."""
    spec = KINDS[kind]
    if len(changes) != 1:
        return f"Edit {spec.label}"
    name = next(iter(changes))
    f = spec.field(name)
    if f.type is FieldType.REFS:
        before, after = list(old.get(name) or []), list(changes[name] or [])
        singular = {"Parties": "Party"}.get(f.label, f.label.removesuffix("s"))
        if len(after) == len(before) + 1 and set(before) <= set(after):
            return f"Link {spec.label} {singular}"
        if len(after) == len(before) - 1 and set(after) <= set(before):
            return f"Unlink {spec.label} {singular}"
    return f"Edit {spec.label} {f.label}"


class EditRecordCommand(_Command):
    """Changed fields of one record."""

    def __init__(
        self,
        session: CaseSession,
        kind: Kind,
        record_id: str,
        new: dict[str, Any],
        old: dict[str, Any],
        text: str | None = None,
    ) -> None:
        super().__init__(session, text or edit_text(kind, new, old))
        self.kind, self.record_id, self.new, self.old = kind, record_id, dict(new), dict(old)

    def _write(self, values: dict[str, Any]) -> None:
        records.update_record(self.session.cf, self.kind, self.record_id, values)
        self.session.notify_changed(self.kind, [self.record_id], list(values))
        if any(KINDS[self.kind].field(n).type is FieldType.REFS for n in values):
            self.session.notify_reset(self.kind)

    def do(self) -> None:
        self._write(self.new)

    def revert(self) -> None:
        self._write(self.old)


class AddRecordCommand(_Command):
    """A new record."""

    def __init__(self, session: CaseSession, kind: Kind, record_id: str) -> None:
        super().__init__(session, f"Add {KINDS[kind].label}")
        self.kind, self.record_id = kind, record_id
        self._deleted: records.DeletedRecord | None = None

    def do(self) -> None:
        assert self._deleted is not None
        records.restore_record(self.session.cf, self._deleted)
        self.session.notify_reset(self.kind)

    def revert(self) -> None:
        self._deleted = records.delete_record(self.session.cf, self.kind, self.record_id, remove_references=True)
        self.session._notify_deleted(self._deleted)


class DeleteRecordCommand(_Command):
    """A deleted record, with the references removed along with it."""

    def __init__(self, session: CaseSession, deleted: records.DeletedRecord) -> None:
        super().__init__(session, f"Delete {KINDS[deleted.kind].label}")
        self._deleted = deleted

    def do(self) -> None:
        d = self._deleted
        self._deleted = records.delete_record(self.session.cf, d.kind, d.values["id"], remove_references=True)
        self.session._notify_deleted(self._deleted)

    def revert(self) -> None:
        records.restore_record(self.session.cf, self._deleted)
        self.session._notify_deleted(self._deleted)


class EditCaseCommand(_Command):
    """Changed case fields (title, summary, marking, ...)."""

    def __init__(self, session: CaseSession, new: dict[str, Any], old: dict[str, Any]) -> None:
        label = CASE_FIELDS_BY_NAME[next(iter(new))].label if len(new) == 1 else "Details"
        super().__init__(session, f"Edit Case {label}")
        self.new, self.old = dict(new), dict(old)

    def do(self) -> None:
        records.update_case(self.session.cf, self.new)
        self.session.case_changed.emit()

    def revert(self) -> None:
        records.update_case(self.session.cf, self.old)
        self.session.case_changed.emit()
