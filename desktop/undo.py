"""Undo commands: one per user edit, each calling one write of the session to do and one to undo.

Commands are pushed after their first write has succeeded (see ``CaseSession``), so the
first ``redo`` Qt calls on push does nothing. If a later undo or redo cannot be written
(disk full, file gone), the user is told and the command is dropped from the stack; the
file keeps its last consistent state.

On a team case an edit's step remembers the version its write left. Undo or redo of a record
someone else has changed since asks the user (``overwrite``) before writing over their change;
keeping theirs drops the step, so the stack never claims a state the case does not hold.

Commands see the open case only through ``UndoTarget``: writes that tell the views what
changed, a way to tell the user that one failed, and an announcement before and after each
undo or redo so the window can show the user where it landed (``Change``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtGui import QUndoCommand

from db.errors import CaseFileError, ConflictError
from db.fields import CASE_FIELDS_BY_NAME, KINDS, FieldType, Kind
from db.versions import Seen

if TYPE_CHECKING:
    from .session import DeletedRecord, Record


class UndoTarget(Protocol):
    """The writes undo commands make (each one tells the views), and where failures are reported."""

    def write_record(
        self,
        kind: Kind,
        record_id: str,
        values: dict[str, Any],
        *,
        restoring: bool = False,
        expected_version: int | None = None,
        after: Seen | None = None,
    ) -> Record: ...

    def remove_record(self, kind: Kind, record_id: str, *, remove_references: bool) -> DeletedRecord: ...

    def restore_record(self, deleted: DeletedRecord) -> None: ...

    def write_case(
        self, values: dict[str, Any], *, expected_version: int | None = None, after: Seen | None = None
    ) -> Record: ...

    def overwrite(self, kind: Kind | None, values: dict[str, Any], exc: ConflictError, step: str) -> bool: ...

    def report(self, exc: BaseException) -> None: ...

    def announce(self, step: UndoStep, *, undo: bool, finished: bool) -> None: ...


class KeptTheirs(CaseFileError):
    """The user chose to keep someone else's change rather than undo or redo over it."""


@dataclass(frozen=True)
class Change:
    """Where an undo or redo leaves the user: a record (or the case, when ``kind`` is None),
    the fields it changed, and whether it took the record out of the file."""

    kind: Kind | None
    record_id: str | None = None
    fields: tuple[str, ...] = ()
    removed: bool = False


class UndoStep(QUndoCommand):
    """One user edit: ``do`` writes it again, ``revert`` takes it back (each may raise CaseFileError)."""

    def __init__(self, target: UndoTarget, text: str) -> None:
        super().__init__(text)
        self.target = target
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._guard(self.do, undo=False)

    def undo(self) -> None:
        self._guard(self.revert, undo=True)

    def _guard(self, step: Callable[[], None], *, undo: bool) -> None:
        self.target.announce(self, undo=undo, finished=False)
        try:
            step()
        except Exception as exc:  # the file is as it was: drop the step and say why
            self.setObsolete(True)
            self.target.report(exc)
            return
        self.target.announce(self, undo=undo, finished=True)

    def change(self, undo: bool) -> Change:
        """What undoing (``undo``) or redoing this step changes."""
        raise NotImplementedError

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


class EditRecordCommand(UndoStep):
    """Changed fields of one record."""

    def __init__(
        self,
        target: UndoTarget,
        kind: Kind,
        record_id: str,
        new: dict[str, Any],
        old: dict[str, Any],
        text: str | None = None,
        *,
        version: int | None = None,
    ) -> None:
        super().__init__(target, text or edit_text(kind, new, old))
        self.kind, self.record_id, self.new, self.old = kind, record_id, dict(new), dict(old)
        self.version = version  # what the last write of this step left (None on a case file)

    def do(self) -> None:
        if self.version is None:  # a case file: one writer, nothing to check
            self.target.write_record(self.kind, self.record_id, self.new)
            return
        self.version = _write_checked(
            self.target, self.kind, self.new, self.version, "redo",
            lambda expected, after: self.target.write_record(
                self.kind, self.record_id, self.new, expected_version=expected, after=after
            ),
            lambda theirs: _holds(theirs, self.old),
        )  # fmt: skip

    def revert(self) -> None:
        if self.version is None:
            self.target.write_record(self.kind, self.record_id, self.old, restoring=True)
            return
        self.version = _write_checked(
            self.target, self.kind, self.old, self.version, "undo",
            lambda expected, after: self.target.write_record(
                self.kind, self.record_id, self.old, restoring=True, expected_version=expected, after=after
            ),
            lambda theirs: _holds(theirs, self.new),
        )  # fmt: skip

    def change(self, undo: bool) -> Change:
        return Change(self.kind, self.record_id, tuple(self.new))


class AddRecordCommand(UndoStep):
    """A new record."""

    def __init__(self, target: UndoTarget, kind: Kind, record_id: str) -> None:
        super().__init__(target, f"Add {KINDS[kind].label}")
        self.kind, self.record_id = kind, record_id
        self._deleted: DeletedRecord | None = None

    def do(self) -> None:
        assert self._deleted is not None
        self.target.restore_record(self._deleted)

    def revert(self) -> None:
        self._deleted = self.target.remove_record(self.kind, self.record_id, remove_references=True)

    def change(self, undo: bool) -> Change:
        return Change(self.kind, self.record_id, removed=undo)


class DeleteRecordCommand(UndoStep):
    """A deleted record, with the references removed along with it."""

    def __init__(self, target: UndoTarget, deleted: DeletedRecord) -> None:
        super().__init__(target, f"Delete {KINDS[deleted.kind].label}")
        self._deleted = deleted

    def do(self) -> None:
        d = self._deleted
        self._deleted = self.target.remove_record(d.kind, d.values["id"], remove_references=True)

    def revert(self) -> None:
        self.target.restore_record(self._deleted)

    def change(self, undo: bool) -> Change:
        return Change(self._deleted.kind, self._deleted.values["id"], removed=not undo)


class EditCaseCommand(UndoStep):
    """Changed case fields (title, summary, marking, ...)."""

    def __init__(
        self, target: UndoTarget, new: dict[str, Any], old: dict[str, Any], *, version: int | None = None
    ) -> None:
        label = CASE_FIELDS_BY_NAME[next(iter(new))].label if len(new) == 1 else "Details"
        super().__init__(target, f"Edit Case {label}")
        self.new, self.old = dict(new), dict(old)
        self.version = version

    def do(self) -> None:
        if self.version is None:
            self.target.write_case(self.new)
            return
        self.version = _write_checked(
            self.target, None, self.new, self.version, "redo",
            lambda expected, after: self.target.write_case(self.new, expected_version=expected, after=after),
            lambda theirs: _holds(theirs, self.old),
        )  # fmt: skip

    def revert(self) -> None:
        if self.version is None:
            self.target.write_case(self.old)
            return
        self.version = _write_checked(
            self.target, None, self.old, self.version, "undo",
            lambda expected, after: self.target.write_case(self.old, expected_version=expected, after=after),
            lambda theirs: _holds(theirs, self.new),
        )  # fmt: skip

    def change(self, undo: bool) -> Change:
        return Change(None, fields=tuple(self.new))


class MacroCommand(UndoStep):
    """Several edits made as one user action ("Add Actor as Statement Speaker"): one undo step.

    If one of them cannot be undone or redone, those already undone or redone are put back
    (as far as the file allows) before the failure is reported, so the file is left as it was
    before that undo or redo rather than half-way.
    """

    def __init__(self, target: UndoTarget, text: str) -> None:
        super().__init__(target, text)
        self.steps: list[UndoStep] = []

    def add(self, step: UndoStep) -> None:
        """Record an edit already made as part of this step."""
        self.steps.append(step)

    def do(self) -> None:
        _all_or_none(self.steps, lambda s: s.do(), lambda s: s.revert())

    def revert(self) -> None:
        _all_or_none(self.steps[::-1], lambda s: s.revert(), lambda s: s.do())

    def change(self, undo: bool) -> Change:
        # The edit the action was for ("... as Statement Speaker"): the records it added or
        # removed on the way are reachable from there.
        edits = [s for s in self.steps if isinstance(s, EditRecordCommand | EditCaseCommand)]
        return (edits or self.steps)[-1].change(undo)


def _write_checked(
    target: UndoTarget,
    kind: Kind | None,
    values: dict[str, Any],
    version: int | None,
    step: str,
    write: Callable[[int | None, Seen], object],
    untouched: Callable[[dict[str, Any]], bool],
) -> int | None:
    """``write`` expecting ``version``; when someone else changed the record since, ask the user
    and write over theirs only if they say so (expecting their version, so a change made while
    they decided is caught too), else raise KeptTheirs. No question when ``untouched(theirs)``:
    their change left these fields as this step did. The version the write left."""
    after = Seen()
    expected = version
    while True:
        try:
            write(expected, after)
            return after.version
        except ConflictError as exc:
            if not untouched(exc.theirs) and not target.overwrite(kind, values, exc, step):
                raise KeptTheirs(f"Kept the other change; the {step} step was dropped.") from exc
            expected = exc.version


def _holds(stored: dict[str, Any], values: dict[str, Any]) -> bool:
    """True when ``stored`` still holds ``values`` in every one of their fields."""
    return all(name in stored and stored[name] == value for name, value in values.items())


def _all_or_none(
    steps: Sequence[UndoStep], forward: Callable[[UndoStep], None], back: Callable[[UndoStep], None]
) -> None:
    done: list[UndoStep] = []
    try:
        for step in steps:
            forward(step)
            done.append(step)
    except CaseFileError:
        for step in reversed(done):
            try:
                back(step)
            except CaseFileError:
                break  # the file refuses every write now: leave it and report the first failure
        raise
