"""Edit > Move Up / Move Down Within Day: the user's order of a day's statements and timeline entries.

A record moves past the row above or below it when both fall on the same day and the list is
in date order, earliest first (in any other order "up" would not mean "earlier in the day").
Entries with a time keep time order (db/day_order.py). The commands are greyed out where a
move cannot happen; the keys, pressed there all the same, say why in the status bar instead
of moving the selection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence

from db.day_order import DAY_ORDERED
from db.errors import CaseFileError, RecordError
from db.fields import KINDS, Kind

from .actions import ActionId
from .undo import Change, UndoStep

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .session import CaseSession
    from .views.case_view import CaseView
    from .views.record_page import RecordPage

MESSAGE_MS = 8000


class MoveInDayCommand(UndoStep):
    """A record moved up or down within its day: the day's order before and after."""

    def __init__(
        self, session: CaseSession, kind: Kind, record_id: str, before: list[str], after: list[str], *, up: bool
    ) -> None:
        super().__init__(session, f"Move {KINDS[kind].label.title()} {'Up' if up else 'Down'}")
        self.session, self.kind, self.record_id = session, kind, record_id
        self.before, self.after = list(before), list(after)

    def do(self) -> None:
        self._refuse_if_moved(self.before, "redo")
        self.session.write_day_order(self.kind, self.after, self.record_id)

    def revert(self) -> None:
        self._refuse_if_moved(self.after, "undo")
        self.session.write_day_order(self.kind, self.before, self.record_id)

    def _refuse_if_moved(self, expected: list[str], step: str) -> None:
        """On a team case, refuse to put back an order someone else has changed since."""
        if self.session.team_case is None:
            return  # a case file has one writer: its day is as this step left it
        now = self.session.day_ids(self.kind, self.record_id)
        if now == expected:
            return
        moved = sum(1 for i, rid in enumerate(now) if i >= len(expected) or expected[i] != rid)
        moved += sum(1 for rid in expected if rid not in now)
        from .bulk_edits import records_noun

        raise RecordError(
            f"Someone else has moved {records_noun(self.kind, moved)} of that day since; "
            f"{step} would overwrite their order, so it was not done."
        )

    def change(self, undo: bool) -> Change:
        return Change(self.kind, self.record_id)  # no field: the list keeps the keyboard


class DayOrderCommands(QObject):
    """Enables, runs and explains the two move commands for the window's open case."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        registry = window.action_registry
        self.up, self.down = registry[ActionId.MOVE_UP_IN_DAY], registry[ActionId.MOVE_DOWN_IN_DAY]
        self._tips = {self.up: self.up.statusTip(), self.down: self.down.statusTip()}
        self.up.triggered.connect(lambda: self.move(up=True))
        self.down.triggered.connect(lambda: self.move(up=False))
        self.session: CaseSession | None = None
        self.view: CaseView | None = None
        self._watched: set[int] = set()

    def follow(self, session: CaseSession | None, view: CaseView | None) -> None:
        """Work on the case now shown (None: no case is open)."""
        self.session, self.view = session, view
        self._watched.clear()
        if session is not None and view is not None:
            view.location_changed.connect(self.update)
            session.records_changed.connect(self.update)
            session.records_reset.connect(self.update)
            session.undo_stack.indexChanged.connect(self.update)
        self.update()

    def _page(self) -> RecordPage | None:
        page = self.view.current_page() if self.view is not None else None
        if page is not None and page.kind in DAY_ORDERED and id(page) not in self._watched:
            # A sort by another column, or a filter, changes which moves make sense.
            self._watched.add(id(page))
            page.model.layoutChanged.connect(self.update)
            page.model.modelReset.connect(self.update)
            page.table.installEventFilter(self)
        return page

    def refusal(self, *, up: bool) -> str | None:
        """Why the selected record cannot move up (or down) now; None when it can."""
        page, session = self._page(), self.session
        if session is None or session.closed or page is None:
            return "Open a case and select a statement or timeline entry to move it within its day."
        if page.kind not in DAY_ORDERED:
            return "Only statements and timeline entries have an order within their day."
        if session.read_only:
            return "The case file is open read-only."
        record_id = page.current_id()
        if record_id is None:
            return "Select a record to move it within its day."
        query, spec = page.model.query, KINDS[page.kind]
        if query.sort not in (None, spec.date_field) or query.descending:
            return "Records move within their day only in date order, earliest first: sort the list by Date."
        row = page.table.currentIndex().row() + (-1 if up else 1)
        neighbour = page.model.id_at(row) if 0 <= row < page.model.rowCount() else None
        if neighbour is None:
            return f"This is the {'first' if up else 'last'} {spec.label.lower()} in the list."
        try:
            session.moved_in_day(page.kind, record_id, neighbour, up=up)
        except CaseFileError as exc:
            return str(exc)
        return None

    def update(self) -> None:
        """Grey out a command that cannot move the selected record; its tip says why."""
        for action, up in ((self.up, True), (self.down, False)):
            reason = self.refusal(up=up)
            action.setEnabled(reason is None)
            action.setStatusTip(reason or self._tips[action])

    def move(self, *, up: bool) -> None:
        """Move the selected record up or down within its day, or say in the status bar why not."""
        reason = self.refusal(up=up)
        page, session = self._page(), self.session
        if reason is not None or page is None or session is None:
            self.window.statusBar().showMessage(reason or "", MESSAGE_MS)
            return
        row = page.table.currentIndex().row() + (-1 if up else 1)
        record_id, neighbour = page.current_id(), page.model.id_at(row)
        assert record_id is not None and neighbour is not None
        try:
            session.move_in_day(page.kind, record_id, neighbour, up=up)
        except CaseFileError as exc:
            session.report(exc)
            return
        page.select_record(record_id, clear_filter=False)
        self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A greyed-out command's keys reach the list as ordinary keys, where Up and Down would
        # move the selection: say why nothing moves instead.
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination())
            for action, up in ((self.up, True), (self.down, False)):
                if not action.isEnabled() and pressed in action.shortcuts():
                    self.move(up=up)
                    return True
        return False
