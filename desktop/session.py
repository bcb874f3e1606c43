"""An open case in the app (a case file or a team case on a server): the case, its undo stack,
and signals views listen to.

The session is the desktop's only door to the data: views, editors, models and dialogs read
through its methods and change the file through its edits, never through ``db`` directly.
The record types they handle (``ListQuery``, ``TimelineMarks``, ``Reference``, ...) are
importable from here too.

Every change goes through here as an undo command. The first write happens before the
command is pushed, so a refused or failed edit never lands on the stack and the user
keeps what they typed to correct or retry. An edit that is refused raises ``RecordError``,
one that cannot be written ``WriteError`` (both ``CaseFileError``); the caller tells the
user with ``report``.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from db import csv_import, day_order, editions, overview, queries, records
from db.csv_import import CsvPlan
from db.dates import PartialDate
from db.editions import Edition, NewEdition
from db.errors import CaseFileError
from db.fields import CASE_FIELDS_BY_NAME, KINDS, FieldType, Kind
from db.overview import FrontPage
from db.postgres.history import Change
from db.queries import ListColumn, ListQuery, TimelineMarks
from db.records import DeletedRecord, Record, Reference, short_label
from db.sqlite.casefile import CaseFile
from db.store import CaseStore
from db.values import normalise
from db.versions import Seen

from .tasks import JobService
from .team_session import TeamCaseParts
from .undo import AddRecordCommand, DeleteRecordCommand, EditCaseCommand, EditRecordCommand, MacroCommand, UndoStep

if TYPE_CHECKING:
    from .live import LiveUpdates

__all__ = [
    "CaseSession",
    "Change",
    "DeletedRecord",
    "ListColumn",
    "ListQuery",
    "Record",
    "Reference",
    "Seen",
    "TimelineMarks",
    "short_label",
]

log = logging.getLogger("casefile.session")
_NO_MARKS = TimelineMarks(array("q"), array("d"), array("d"), array("b"), {})


class CaseSession(TeamCaseParts, QObject):
    """One open case (a file or a team case) with its undo stack (what a team case adds: ``TeamCaseParts``)."""

    records_changed = Signal(object, list, list)  # Kind, [record ids], [field names] that changed
    records_reset = Signal(object)  # Kind whose set of records changed (add, delete)
    case_changed = Signal()
    error = Signal(str)  # a change was refused or could not be written
    step_starting = Signal(object, bool)  # UndoStep about to be undone (True) or redone (False)
    step_finished = Signal(object, bool)  # UndoStep undone (True) or redone (False)
    editions_changed = Signal()  # an edition was kept or deleted
    unavailable = Signal(str)  # a team case's lists could not be read (said once per case)

    def __init__(self, store: CaseStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(500)
        self._macro: MacroCommand | None = None
        self.jobs = JobService(self)  # this case's background work; closing the case stops it
        self.live: LiveUpdates | None = None  # others' changes to a server case, once started
        self._said_unavailable = False

    @property
    def cf(self) -> CaseFile:
        """The open case, for the core modules still typed for case files only (lists, editions,
        bulk edits): a team case is handed to them as it is, so each works on the server as soon
        as its SQL does; until then a team case's lists report one plain failure (``db.postgres``)."""
        return cast(CaseFile, self.store)

    @property
    def read_only(self) -> bool:
        """True when the case is open read-only."""
        return self.store.read_only

    @property
    def closed(self) -> bool:
        """True once the case is closed (views still alive must not read it)."""
        return self.store.closed

    @property
    def path(self) -> Path | None:
        """Where the file is on disk (None for a team case)."""
        return self.store.path

    def close(self) -> None:
        """Stop this case's background jobs, then close the file; the undo stack is emptied
        (every change is already saved)."""
        self.jobs.close()  # cancels them and waits until none can touch the file
        if self.live is not None:
            self.live.stop()
        self.undo_stack.clear()
        self.store.close()

    def report(self, exc: BaseException) -> None:
        """Tell the user about a refused or failed change."""
        if not isinstance(exc, CaseFileError):
            log.exception("unexpected error during an edit", exc_info=exc)
        self.error.emit(str(exc))

    def announce(self, step: UndoStep, *, undo: bool, finished: bool) -> None:
        """Tell the window an undo or redo is about to change the file, or has."""
        (self.step_finished if finished else self.step_starting).emit(step, undo)

    # ----- reading -----------------------------------------------------------------------
    def get_case(self) -> Record:
        """The case's own fields (title, summary, marking, ...)."""
        return records.get_case(self.store)

    def briefing_options(self) -> dict[str, Any]:
        """The briefing options stored in the case (their stored form)."""
        return records.get_briefing_options(self.store)

    def set_briefing_options(self, options: dict[str, Any]) -> None:
        """Store the case's briefing options (not an undoable edit: a preference of the case)."""
        records.set_briefing_options(self.store, options)

    def editions(self) -> list[Edition]:
        """The briefing packets kept as editions, oldest first."""
        return self._team_read(lambda: editions.list_editions(self.cf), [])

    def record_edition(self, new: NewEdition) -> int:
        """Keep a packet just exported as the next edition (not undoable: a record of what was sent)."""
        number = editions.record(self.cf, new)
        self.editions_changed.emit()
        return number

    def delete_edition(self, number: int) -> None:
        """Delete an edition and what it printed, for good (no undo: that is the point)."""
        editions.delete(self.cf, number)
        self.editions_changed.emit()

    def get_record(self, kind: Kind, record_id: str) -> Record:
        """Every field of one record; RecordError if it does not exist."""
        return records.get_record(self.store, kind, record_id)

    def day_ids(self, kind: Kind, record_id: str) -> list[str]:
        """The records of the record's day, in their order."""
        return day_order.day_ids(self.cf, kind, record_id)

    def find_references(self, kind: Kind, record_id: str) -> list[Reference]:
        """The records that point at this one."""
        return records.find_references(self.store, kind, record_id)

    def counts(self) -> dict[Kind, int]:
        """Number of records of each kind."""
        return self._team_read(lambda: queries.counts(self.cf), dict.fromkeys(Kind, 0))

    def date_span(self) -> tuple[PartialDate | None, PartialDate | None]:
        """Earliest and latest date of the dated records."""
        no_span: tuple[PartialDate | None, PartialDate | None] = (None, None)
        return self._team_read(lambda: queries.date_span(self.cf), no_span)

    def all_tags(self, kind: Kind | None = None) -> list[str]:
        """Every tag in use (for one kind, or all), sorted."""
        return self._team_read(lambda: queries.all_tags(self.cf, kind), [])

    def choices(self, kind: Kind, text: str = "") -> list[tuple[str, str]]:
        """``(id, label)`` of records whose title matches ``text``, for pickers."""
        return self._team_read(lambda: queries.choices(self.cf, kind, text), [])

    def labels(self, kind: Kind, ids: Sequence[str]) -> dict[str, str]:
        """Short titles of these records (ids that no longer exist are left out)."""
        return self._team_read(lambda: queries.labels(self.cf, kind, ids), {})

    def list_columns(self, kind: Kind) -> tuple[ListColumn, ...]:
        """The columns a list of ``kind`` shows."""
        return queries.LIST_COLUMNS[kind]

    def list_rowids(self, query: ListQuery) -> array[int]:
        """Row numbers of the records ``query`` lists, in display order."""
        return self._team_read(lambda: queries.list_rowids(self.cf, query), array("q"))

    def matching_rowids(self, kind: Kind, text: str) -> set[int] | None:
        """Row numbers of the records matching typed words (None when nothing was typed)."""
        nothing: set[int] | None = set()
        return self._team_read(lambda: queries.matching_rowids(self.cf, kind, text), nothing)

    def fetch_rows(self, kind: Kind, rowids: Sequence[int]) -> dict[int, tuple[object, ...]]:
        """``rowid -> (id, list column values...)`` for these rows."""
        return self._team_read(lambda: queries.fetch_rows(self.cf, kind, rowids), {})

    def rowid_of(self, kind: Kind, record_id: str) -> int | None:
        """Row number of a record, or None if it does not exist."""
        return self._team_read(lambda: queries.rowid_of(self.cf, kind, record_id), None)

    def shares_one_connection(self) -> bool:
        """True for an in-memory copy, whose single connection the window uses: read it on the GUI thread."""
        from db.search import shares_one_connection

        return shares_one_connection(self.cf)

    def timeline_marks(self) -> TimelineMarks:
        """Drawing data for the timeline strip (safe to call off the GUI thread)."""
        return self._team_read(lambda: queries.timeline_marks(self.cf), _NO_MARKS)

    def front_page(self) -> FrontPage:
        """Key events, gaps to close before export, records changed last (safe off the GUI thread)."""
        return self._team_read(lambda: overview.front_page(self.cf), FrontPage((), 0, (), ()))

    # ----- notifications (called after each write) ---------------------------------------
    def notify_changed(self, kind: Kind, ids: list[str], fields: list[str]) -> None:
        """Fields of these records changed."""
        self.records_changed.emit(kind, ids, fields)

    def notify_reset(self, kind: Kind) -> None:
        """Records of ``kind`` were added or removed."""
        self.records_reset.emit(kind)

    # ----- writes with no undo step (what undo commands do and undo with) ------------------
    def write_record(
        self,
        kind: Kind,
        record_id: str,
        values: dict[str, Any],
        *,
        restoring: bool = False,
        expected_version: int | None = None,
        after: Seen | None = None,
    ) -> Record:
        """Store field values and tell the views; return the previous values (``restoring``,
        ``expected_version``, ``after``: see ``db.records.update_record``); ConflictError when
        someone else changed the record since ``expected_version``."""
        old = records.update_record(
            self.store, kind, record_id, values, restoring=restoring, expected_version=expected_version, after=after
        )
        self.notify_changed(kind, [record_id], list(values))
        if any(KINDS[kind].field(name).type is FieldType.REFS for name in values):
            self.notify_reset(kind)
        return old

    def remove_record(
        self, kind: Kind, record_id: str, *, remove_references: bool, expected_version: int | None = None
    ) -> DeletedRecord:
        """Delete a record (and, if asked, the references to it) and tell the views; the result
        restores it. ``expected_version``: as for ``db.records.delete_record``."""
        deleted = records.delete_record(
            self.store, kind, record_id, remove_references=remove_references, expected_version=expected_version
        )
        self._notify_deleted(deleted)
        return deleted

    def restore_record(self, deleted: DeletedRecord) -> None:
        """Put a removed record and its references back and tell the views."""
        records.restore_record(self.store, deleted)
        self._notify_deleted(deleted)

    def write_case(
        self, values: dict[str, Any], *, expected_version: int | None = None, after: Seen | None = None
    ) -> Record:
        """Store case fields and tell the views; return the previous values (versions: as for
        ``write_record``)."""
        old = records.update_case(self.store, values, expected_version=expected_version, after=after)
        self.case_changed.emit()
        return old

    def _notify_deleted(self, deleted: DeletedRecord) -> None:
        self.notify_reset(deleted.kind)
        for kind in {ref.kind for ref in deleted.cleared}:
            cleared = [ref for ref in deleted.cleared if ref.kind is kind]
            self.notify_changed(kind, [ref.id for ref in cleared], sorted({ref.field for ref in cleared}))
            self.notify_reset(kind)

    # ----- edits (each one undoable step; CaseFileError if refused or not written) --------
    def edit_record(
        self, kind: Kind, record_id: str, changes: dict[str, Any], text: str | None = None, *, seen: Seen | None = None
    ) -> bool:
        """Change fields of one record; False (and no step) when it already holds these values.

        ``seen``: the version the user saw (``read_record``); ConflictError if someone else changed
        the record since, else it is moved on to the version this edit left.
        """
        current = self.get_record(kind, record_id)
        if all(_same(current.get(k), v, kind, k) for k, v in changes.items()):
            return False
        after = Seen()
        old = self.write_record(kind, record_id, changes, expected_version=seen.version if seen else None, after=after)
        if seen is not None:
            seen.version = after.version
        self._push(EditRecordCommand(self, kind, record_id, changes, old, text, version=after.version))
        return True

    def add_record(self, kind: Kind, values: dict[str, Any] | None = None) -> str:
        """Create a record; return its id."""
        record_id = records.add_record(self.store, kind, values or {})
        self.notify_reset(kind)
        self._push(AddRecordCommand(self, kind, record_id))
        return record_id

    def delete_record(
        self, kind: Kind, record_id: str, *, remove_references: bool = False, seen: Seen | None = None
    ) -> None:
        """Delete a record (and, if asked, the references to it); ReferencedError if others refer
        to it. ``seen``: the version the user saw (a team case); ConflictError if someone else
        changed the record since."""
        version = seen.version if seen else None
        deleted = self.remove_record(kind, record_id, remove_references=remove_references, expected_version=version)
        self._push(DeleteRecordCommand(self, deleted))

    def edit_case(self, changes: dict[str, Any], *, seen: Seen | None = None) -> bool:
        """Change case fields; False (and no step) when the case already holds these values
        (``seen``: as for ``edit_record``)."""
        current = self.get_case()
        if all(_same_case(current.get(k), v, k) for k, v in changes.items()):
            return False
        after = Seen()
        old = self.write_case(changes, expected_version=seen.version if seen else None, after=after)
        if seen is not None:
            seen.version = after.version
        self._push(EditCaseCommand(self, changes, old, version=after.version))
        return True

    def import_records(self, plan: CsvPlan) -> None:
        """Add the records of a checked CSV file as one undoable step."""
        from .csv_import_app import ImportCsvCommand

        self.write_import(plan)
        self._push(ImportCsvCommand(self, plan))

    def write_import(self, plan: CsvPlan) -> None:
        """Add the records of a CSV import (again) and tell the views."""
        csv_import.write_plan(self.cf, plan)
        for kind in {plan.kind, *(kind for kind, _id, _name in plan.created)}:
            self.notify_reset(kind)

    def remove_import(self, plan: CsvPlan) -> None:
        """Take out the records a CSV import added and tell the views."""
        csv_import.remove_plan(self.cf, plan)
        for kind in {plan.kind, *(kind for kind, _id, _name in plan.created)}:
            self.notify_reset(kind)

    # ----- order within a day (db/day_order.py) -------------------------------------------
    def moved_in_day(self, kind: Kind, record_id: str, neighbour_id: str, *, up: bool) -> list[str]:
        """The day's order once the record moves past its neighbour; RecordError saying why it cannot."""
        return day_order.moved(self.cf, kind, record_id, neighbour_id, up=up)

    def write_day_order(self, kind: Kind, ids: list[str], record_id: str) -> None:
        """Store one day's order and tell the views (a list in date order puts its rows in it)."""
        day_order.set_day_order(self.cf, kind, ids)
        self.notify_changed(kind, [record_id], ["date"])

    def move_in_day(self, kind: Kind, record_id: str, neighbour_id: str, *, up: bool) -> None:
        """Move a record just past its neighbour within its day, as one undo step."""
        from .day_order import MoveInDayCommand

        before = day_order.day_ids(self.cf, kind, record_id)
        after = self.moved_in_day(kind, record_id, neighbour_id, up=up)
        self.write_day_order(kind, after, record_id)
        self._push(MoveInDayCommand(self, kind, record_id, before, after, up=up))

    @contextmanager
    def macro(self, text: str) -> Iterator[None]:
        """Group the edits made inside into one undo step: ``with session.macro("Add Actor"): ...``.

        An edit that fails raises out of the block; the edits made before it stay in the file
        and undo together as one step. A block that made no edit leaves no step. A macro
        opened inside another one joins it.
        """
        if self._macro is not None:
            yield
            return
        self._macro = MacroCommand(self, text)
        try:
            yield
        finally:
            macro, self._macro = self._macro, None
            if macro.steps:
                self.undo_stack.push(macro)

    def _push(self, command: UndoStep) -> None:
        if self._macro is not None:
            self._macro.add(command)
        else:
            self.undo_stack.push(command)


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
