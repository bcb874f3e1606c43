"""Saving one field of a record against the value the user saw, for the places that show a value
without holding the record's version: a cell in a list and the History panel's Restore This Value.

On a team case someone else may have changed the field since it was shown. Such a save reads the
record with its version; if the field no longer holds what was shown, the user is asked as the
record editor asks (theirs beside mine); otherwise it saves against that version, so a change that
slips in between the read and the write is caught the same way. Another field changed meanwhile
is no conflict: nothing of theirs is overwritten. A case file has one writer: a plain save.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from PySide6.QtWidgets import QApplication, QWidget

from db.errors import CaseFileError, ConflictError
from db.fields import Kind
from db.records import Record
from db.versions import Seen

from .dialogs.conflict_dialog import Choice
from .session import CaseSession


class Saved(Enum):
    """How a checked save ended."""

    SAVED = "saved"  # written (or the record already held it)
    THEIRS = "theirs"  # someone else's change kept; what the user wrote is on the clipboard
    EDIT = "edit"  # the user wants to word theirs and mine together before saving


def save_field(
    session: CaseSession,
    kind: Kind,
    record_id: str,
    field: str,
    value: Any,
    held: Callable[[Record], bool],
    *,
    text: str | None = None,
    step: str | None = None,
    parent: QWidget | None = None,
) -> Saved:
    """Write ``value`` into ``field`` of the record; on a team case only while ``held(record)`` says
    the field still holds what the user saw, else after asking them (``step``: as for
    ``session.conflict``). CaseFileError other than a conflict is raised to the caller."""
    if session.team_case is None:
        session.edit_record(kind, record_id, {field: value}, text)
        return Saved.SAVED
    current, version = session.read_record(kind, record_id)
    seen = Seen(version)
    conflict = None if held(current) else _since_shown(session, record_id, current, version)
    while True:
        if conflict is not None:
            shown = session.conflict(kind, {field: value}, conflict, step)
            if not shown.fields:
                return Saved.SAVED  # they wrote what the user would have: nothing to ask or save
            choice = session.ask(shown, parent)
            if choice is Choice.TAKE_THEIRS:
                if step is None:
                    QApplication.clipboard().setText("\n\n".join(f.mine for f in shown.fields))
                return Saved.THEIRS
            if choice is Choice.EDIT:
                return Saved.EDIT
            seen.version = conflict.version  # the user has now seen theirs and chose to write over it
            held = _holding(field, conflict.theirs.get(field))
        try:
            session.edit_record(kind, record_id, {field: value}, text, seen=seen)
            return Saved.SAVED
        except ConflictError as exc:
            if held(exc.theirs):
                # Their change left this field as the user saw it: save against the version they left.
                seen.version = exc.version
                conflict = None
            else:
                conflict = exc


def _holding(field: str, value: object) -> Callable[[Record], bool]:
    return lambda record: record.get(field) == value


def _since_shown(session: CaseSession, record_id: str, current: Record, version: int | None) -> ConflictError:
    """The conflict the server would report had the save named the version the user saw."""
    try:
        newest = session.record_history(record_id, limit=1)
    except CaseFileError:  # a case not yet keeping history: the dialog says the server does not say
        newest = []
    by, at = (newest[0].by, newest[0].at.isoformat()) if newest else (None, None)
    return ConflictError("Someone else changed this field after it was shown.", current, version or 0, by, at)
