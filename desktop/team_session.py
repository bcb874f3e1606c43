"""What an open case does when it is a team case on a server: others' changes shown as they
commit, the server's history, reads at a version so an edit can lose a race, and asking the user
when one did. ``CaseSession`` takes these in; on a case file each is a no-op or never called, and
the server code is not loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from db import versions
from db.errors import CaseFileError, ConflictError
from db.fields import Kind
from db.postgres import history
from db.postgres.history import Change
from db.records import Record

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QWidget

    from db.postgres.case import ServerCase
    from db.store import CaseStore

    from .dialogs.conflict_dialog import Choice, Conflict
    from .live import LiveUpdates
    from .session import CaseSession

log = logging.getLogger("casefile.session")
_T = TypeVar("_T")


class TeamCaseParts:
    """The team-case side of ``CaseSession`` (a mixin: the session holds the state it uses)."""

    store: CaseStore
    live: LiveUpdates | None
    _said_unavailable: bool

    if TYPE_CHECKING:
        unavailable: SignalInstance

        @property
        def closed(self) -> bool: ...

        def labels(self, kind: Kind, ids: Sequence[str]) -> dict[str, str]: ...

        def get_record(self, kind: Kind, record_id: str) -> Record: ...

        def get_case(self) -> Record: ...

    def start_live(self) -> None:
        """Show other people's changes to a server case as they commit (a case file has none)."""
        from .live import follow

        if self.live is None:
            self.live = follow(cast("CaseSession", self))

    @property
    def team_case(self) -> ServerCase | None:
        """The case on a server, or None for a case file."""
        if self.store.path is not None:
            return None  # a case file: the server code need not even be loaded
        from db.postgres.case import ServerCase

        return self.store if isinstance(self.store, ServerCase) else None

    @property
    def keeps_history(self) -> bool:
        """True for a team case: its server keeps the history of every change."""
        return self.team_case is not None

    def record_history(self, record_id: str, limit: int = 200) -> list[Change]:
        """The server's history of one record, newest first."""
        return history.changes(self.store, record_id=record_id, limit=limit)

    def _team_read(self, read: Callable[[], _T], empty: _T) -> _T:
        """``read()``; on a team case, a read the server cannot do yet gives ``empty`` and one
        plain message (``unavailable``), so the window stays usable instead of raising in a view."""
        if self.team_case is None:
            return read()
        try:
            return read()
        except Exception as exc:
            if not self.closed and not self._said_unavailable:
                self._said_unavailable = True
                log.warning("a list of a team case could not be read", exc_info=exc)
                self.unavailable.emit(_unavailable_message(exc, self.team_case))
            return empty

    def read_record(self, kind: Kind, record_id: str) -> tuple[Record, int | None]:
        """A record and the version it was read at, for an editor to save against (``edit_record``'s
        ``seen``). A case file keeps no versions: None, and nothing more is read than ``get_record``."""
        if self.team_case is None:
            return self.get_record(kind, record_id), None
        return versions.read_with_version(self.store, kind, record_id)

    def read_case(self) -> tuple[Record, int | None]:
        """The case's own fields and the version they were read at (None on a case file)."""
        if self.team_case is None:
            return self.get_case(), None
        return versions.case_with_version(self.store)

    def changed_since(self, kind: Kind, expected: dict[str, dict[str, Any]]) -> list[str]:
        """Ids of the records that no longer hold ``expected`` field values; none on a case file,
        which nobody else writes while it is open."""
        if self.team_case is None:
            return []
        return versions.changed_since(self.store, kind, expected)

    def conflict(
        self, kind: Kind | None, values: dict[str, Any], exc: ConflictError, step: str | None = None
    ) -> Conflict:
        """What to show the user of a refused change: theirs and mine of each field both changed
        (``kind`` None: the case's own fields; ``step``: "undo" or "redo")."""
        from .dialogs.conflict_dialog import describe

        return describe(self.labels, kind, values, exc, step)

    def ask(self, conflict: Conflict, parent: QWidget | None = None) -> Choice:
        """Show a conflict to the user over ``parent`` (else the active window); what they chose."""
        from PySide6.QtWidgets import QApplication

        from .dialogs.conflict_dialog import ask

        return ask(conflict, parent or QApplication.activeWindow())

    def overwrite(self, kind: Kind | None, values: dict[str, Any], exc: ConflictError, step: str) -> bool:
        """An undo or redo found the record changed by someone else: True when the user chose to
        write it over theirs."""
        from .dialogs.conflict_dialog import Choice

        return self.ask(self.conflict(kind, values, exc, step)) is Choice.KEEP_MINE


def _unavailable_message(exc: Exception, case: ServerCase | None) -> str:
    """One plain line for a team case's list that could not be read: the server's reason, without
    the address the title already shows."""
    reason = str(exc) if isinstance(exc, CaseFileError) else ""
    if case is not None and f"{case.address.shown}: " in reason:
        reason = reason.split(f"{case.address.shown}: ", 1)[1]
    reason = reason.rstrip(".")
    return "Some lists of this team case cannot be shown yet" + (f" (the server said: {reason})." if reason else ".")
