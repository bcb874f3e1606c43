"""Edits of many records at once (a tag, a field, a delete), each one undo step.

Like every edit, the first write happens before its step is pushed, so a refused change
leaves no step; undo and redo each write back in one transaction (``db.bulk_edits``).
On a team case, an undo or redo that would write over records someone else has changed since
is refused, saying how many, and its step is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db import bulk_edits
from db.bulk_edits import BulkChange
from db.errors import RecordError
from db.fields import KINDS, FieldSpec, FieldType, Kind

from .session import CaseSession, DeletedRecord, Reference
from .undo import Change, UndoStep


def records_noun(kind: Kind, count: int) -> str:
    """ "1 statement", "1,000 timeline entries"."""
    spec = KINDS[kind]
    if count == 1:
        return f"1 {spec.label.lower()}"
    plural = "timeline entries" if kind is Kind.TIMELINE else spec.plural.lower()
    return f"{count:,} {plural}"


class BulkEdits:
    """The many-record edits of one open case, through its session's undo stack and signals."""

    def __init__(self, session: CaseSession) -> None:
        self.session = session

    # ----- reading ---------------------------------------------------------------------------
    def ids_of(self, kind: Kind, rowids: Sequence[int]) -> list[str]:
        """Record ids of list rows (by row number), in the order given."""
        return bulk_edits.record_ids(self.session.cf, kind, rowids)

    def settable_fields(self, kind: Kind) -> list[FieldSpec]:
        """The fields Set Field offers for ``kind``."""
        return bulk_edits.settable_fields(kind)

    def references(self, kind: Kind, ids: Sequence[str]) -> list[Reference]:
        """Records outside ``ids`` that refer to any of them."""
        return bulk_edits.references_from_outside(self.session.cf, kind, ids)

    # ----- edits (each one undo step; CaseFileError if refused or not written) -------------
    def add_tag(self, kind: Kind, ids: Sequence[str], tag: str) -> int:
        """Tag the records; the number that did not have the tag yet."""
        change = bulk_edits.add_tag(self.session.cf, kind, ids, tag)
        return self._push_change(change, f"Add Tag to {records_noun(kind, len(change.ids)).title()}")

    def remove_tag(self, kind: Kind, ids: Sequence[str], tag: str) -> int:
        """Take a tag off the records; the number that had it."""
        change = bulk_edits.remove_tag(self.session.cf, kind, ids, tag)
        return self._push_change(change, f"Remove Tag from {records_noun(kind, len(change.ids)).title()}")

    def set_field(self, kind: Kind, ids: Sequence[str], name: str, value: Any) -> int:
        """Give the records one value of a field; the number that held another value."""
        change = bulk_edits.set_field(self.session.cf, kind, ids, name, value)
        label = KINDS[kind].field(name).label
        return self._push_change(change, f"Set {label} of {records_noun(kind, len(change.ids)).title()}")

    def delete(self, kind: Kind, ids: Sequence[str]) -> None:
        """Delete the records and the references to them."""
        deleted = bulk_edits.delete_records(self.session.cf, kind, ids)
        self.notify_deleted(kind, deleted)
        self.session.undo_stack.push(DeleteManyCommand(self, kind, deleted))

    def _push_change(self, change: BulkChange, text: str) -> int:
        if change.ids:
            self.notify_changed(change)
            self.session.undo_stack.push(EditManyCommand(self, change, text))
        return len(change.ids)

    # ----- what the commands write, and telling the views --------------------------------
    def write(self, change: BulkChange, *, undo: bool) -> None:
        """Store the values before (``undo``) or after a change and tell the views; RecordError
        when someone else has changed any of the records since (team cases)."""
        changed = self.session.changed_since(change.kind, change.after if undo else change.before)
        if changed:
            total = records_noun(change.kind, len(change.ids))
            step = "undo" if undo else "redo"
            raise RecordError(
                f"Someone else has changed {len(changed):,} of the {total} since; "
                f"{step} would overwrite their changes, so it was not done."
            )
        values = change.before if undo else change.after
        bulk_edits.write_values(self.session.cf, change.kind, values, restoring=undo)
        self.notify_changed(change)

    def notify_changed(self, change: BulkChange) -> None:
        """Tell the views which records and fields changed."""
        self.session.notify_changed(change.kind, change.ids, change.fields)
        if any(KINDS[change.kind].field(name).type is FieldType.REFS for name in change.fields):
            self.session.notify_reset(change.kind)

    def notify_deleted(self, kind: Kind, deleted: Sequence[DeletedRecord]) -> None:
        """Tell the views records were removed or put back, and which references changed with them."""
        self.session.notify_reset(kind)
        cleared = [ref for d in deleted for ref in d.cleared]
        for other in {ref.kind for ref in cleared}:
            refs = [ref for ref in cleared if ref.kind is other]
            self.session.notify_changed(other, sorted({r.id for r in refs}), sorted({r.field for r in refs}))
            self.session.notify_reset(other)


class EditManyCommand(UndoStep):
    """The same kind of change to many records."""

    def __init__(self, edits: BulkEdits, change: BulkChange, text: str) -> None:
        super().__init__(edits.session, text)
        self.edits, self.bulk = edits, change

    def do(self) -> None:
        self.edits.write(self.bulk, undo=False)

    def revert(self) -> None:
        self.edits.write(self.bulk, undo=True)

    def change(self, undo: bool) -> Change:
        # No one record: the list is shown with the user's selection as it is.
        return Change(self.bulk.kind, None, tuple(self.bulk.fields))


class DeleteManyCommand(UndoStep):
    """Records deleted together, with the references removed along with them."""

    def __init__(self, edits: BulkEdits, kind: Kind, deleted: list[DeletedRecord]) -> None:
        super().__init__(edits.session, f"Delete {records_noun(kind, len(deleted)).title()}")
        self.edits, self.kind, self.deleted = edits, kind, deleted

    def do(self) -> None:
        ids = [d.values["id"] for d in self.deleted]
        self.deleted = bulk_edits.delete_records(self.edits.session.cf, self.kind, ids)
        self.edits.notify_deleted(self.kind, self.deleted)

    def revert(self) -> None:
        bulk_edits.restore_records(self.edits.session.cf, self.deleted)
        self.edits.notify_deleted(self.kind, self.deleted)

    def change(self, undo: bool) -> Change:
        return Change(self.kind, None, removed=not undo)
