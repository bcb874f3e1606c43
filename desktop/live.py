"""Other people's changes to a team case, shown as they commit.

``LiveUpdates`` watches the socket of a ``db.postgres.listen.Listener`` with a
``QSocketNotifier``: nothing polls and nothing blocks the window. Each announced change becomes
the session signal a local edit would have sent (``records_changed``, ``records_reset``,
``case_changed``), so lists, the timeline, the overview and editors refresh as they do for the
user's own edits; changes this app made itself (its client token) were shown already and are
skipped. When the connection drops, a banner says so and a timer retries with a growing delay;
once listening again, every kind is re-read, since what was announced meanwhile was lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from db.errors import CaseFileError
from db.fields import KINDS, Kind
from db.postgres.case import ServerCase
from db.postgres.listen import Change, Listener, ListenerLost

from .tasks import Job, JobService

if TYPE_CHECKING:
    from .session import CaseSession
    from .views.banner import Banner
    from .views.case_view import CaseView

LOST_TEXT = "Lost the connection to the server; reconnecting…"
FIRST_RETRY_MS = 500
LAST_RETRY_MS = 15_000


def follow(session: CaseSession) -> LiveUpdates | None:
    """Start showing others' changes to the session's case; None for a case file (nobody else
    writes to it while it is open)."""
    case = session.cf
    if not isinstance(case, ServerCase):
        return None
    live = LiveUpdates(session, case)
    live.start()
    return live


class LiveUpdates(QObject):
    """Turns a server case's change notifications into the session's signals."""

    connection_lost = Signal()  # the listening connection dropped; retrying
    connection_restored = Signal()  # listening again; every kind was re-read

    def __init__(self, session: CaseSession, case: ServerCase) -> None:
        super().__init__(session)
        self.session = session
        self.client = case.client
        self.listener = Listener(case.address)
        self.connected = False
        self._notifier: QSocketNotifier | None = None
        self._delay = FIRST_RETRY_MS
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._reconnect)
        self._banner: Banner | None = None
        self._stopped = False
        # Reconnecting waits for the server's answer, up to libpq's connect_timeout when the
        # network has gone quiet: on a thread of its own, so the window stays usable meanwhile.
        self._jobs = JobService(self, threads=1)
        self._attempt: Job | None = None

    def start(self) -> None:
        """Start listening (a server that cannot be reached now is retried, with the banner)."""
        try:
            self.listener.connect()
        except CaseFileError:
            self._lose()
            return
        self._watch()

    def stop(self) -> None:
        """Stop listening for good (the case is closing)."""
        self._stopped = True
        self._retry.stop()
        self._unwatch()
        self.listener.close()
        self._jobs.close()  # an attempt still connecting closes what it opens (_on_connected)

    def show_in(self, view: CaseView) -> None:
        """Show the lost-connection banner across the top of ``view`` while it lasts."""

        def lost() -> None:
            if self._banner is None:
                self._banner = view.add_banner(LOST_TEXT, "warning")
            self._banner.show()

        def restored() -> None:
            if self._banner is not None:
                self._banner.hide()

        self.connection_lost.connect(lost)
        self.connection_restored.connect(restored)
        if not self.connected and not self._stopped:
            lost()

    # ----- the socket ----------------------------------------------------------------------
    def _watch(self) -> None:
        self._notifier = QSocketNotifier(self.listener.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        self.connected = True
        self._delay = FIRST_RETRY_MS

    def _unwatch(self) -> None:
        notifier, self._notifier = self._notifier, None
        if notifier is not None:
            notifier.setEnabled(False)
            notifier.deleteLater()

    def _on_readable(self) -> None:
        if self._notifier is None or self.session.closed:
            return
        try:
            changes = self.listener.drain()
        except ListenerLost:
            self._lose()
            return
        self._apply(c for c in changes if c.by != self.client)

    def _lose(self) -> None:
        self._unwatch()
        self.listener.close()
        if self._stopped:
            return
        if self.connected or not self._retry.isActive():
            self.connected = False
            self.connection_lost.emit()
        self._retry.start(self._delay)

    def _reconnect(self) -> None:
        if self._stopped or self.session.closed or self._attempt is not None:
            return
        listener = Listener(self.listener.address)
        self._attempt = Job(_connected, listener, stops_on_close=True)
        self._attempt.signals.finished.connect(self._on_connected)
        self._attempt.signals.failed.connect(self._on_connect_failed)
        self._jobs.start(self._attempt)

    def _on_connected(self, listener: Listener) -> None:
        self._attempt = None
        if self._stopped or self.session.closed:
            listener.close()
            return
        self.listener = listener
        self._watch()
        # Whatever was announced while nobody listened is gone: re-read everything.
        for kind in Kind:
            self.session.notify_reset(kind)
        self.session.case_changed.emit()
        self.connection_restored.emit()

    def _on_connect_failed(self, _exc: BaseException, _details: str) -> None:
        self._attempt = None
        if self._stopped or self.session.closed:
            return
        self._delay = min(self._delay * 2, LAST_RETRY_MS)
        self._retry.start(self._delay)

    # ----- changes -------------------------------------------------------------------------
    def _apply(self, changes: Iterable[Change]) -> None:
        """Send each kind's changes as one signal, in the order they came."""
        changed: dict[Kind, list[str]] = {}
        reset: set[Kind] = set()
        case = False
        for change in changes:
            if change.kind == "case":
                case = True
                continue
            try:
                kind = Kind(change.kind)
            except ValueError:
                continue  # a kind this version does not know
            if change.reset or change.operation != "u":
                reset.add(kind)  # records (or a record's links) came or went: the kind is re-read
                continue
            ids = changed.setdefault(kind, [])
            ids.extend(i for i in change.ids if i not in ids)
        for kind, ids in changed.items():
            if kind not in reset:
                self.session.notify_changed(kind, ids, [f.name for f in KINDS[kind].fields])
        for kind in reset:
            self.session.notify_reset(kind)
        if case:
            self.session.case_changed.emit()


def _connected(listener: Listener) -> Listener:
    """``listener``, connected and listening (on a job thread; ServerError if it cannot be)."""
    listener.connect()
    return listener
