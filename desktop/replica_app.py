"""Offline copies in the app: File > Take Offline Copy… and File > Sync with Master.

Reading both sides and writing them run off the GUI thread behind a modal progress window, so
nothing else edits the copy meanwhile; the review dialog sits between the two and nothing is
written unless the user chooses Sync. What the sync wrote into the copy is one undo step, which
writes the copy's records back as they were (or again as the sync left them).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog, QLabel, QMessageBox

from db import replica
from db.address import is_server_address
from db.errors import CaseFileError
from db.merge import CASE, Key, Values, kind_of
from db.merge_store import write_to_store
from db.sqlite.casefile import now_stamp

from . import file_dialogs
from .actions import ActionId
from .tasks import Job
from .team_cases import ask_password, connect_address, forget_password, is_password_refused, remember_password
from .undo import Change, UndoStep

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .session import CaseSession

log = logging.getLogger("casefile.replicas")


class ReplicaCommands:
    """The window's offline-copy commands, and the status line of an open copy."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.master: str | None = None  # the open case's master, when it is an offline copy
        self.status_label = QLabel(window)
        self.status_label.setObjectName("replica_status")
        self.status_label.hide()
        window.statusBar().addPermanentWidget(self.status_label)
        self.review: QDialog | None = None  # the review on screen, if any
        self.last_done: replica.SyncDone | None = None
        a = window.action_registry
        a[ActionId.TAKE_OFFLINE_COPY].triggered.connect(self.take_copy)
        a[ActionId.SYNC_WITH_MASTER].triggered.connect(self.sync)

    # ----- the open case ---------------------------------------------------------------------
    def update_actions(self) -> None:
        """Follow the open case: Sync only for an offline copy; the status line."""
        session = self.window.session
        try:
            self.master = replica.master_of(session.store) if session is not None and not session.closed else None
        except CaseFileError:
            self.master = None
        a = self.window.action_registry
        a[ActionId.TAKE_OFFLINE_COPY].setEnabled(session is not None)
        a[ActionId.SYNC_WITH_MASTER].setEnabled(self.master is not None and not (session and session.read_only))
        self.show_status()

    def show_status(self) -> None:
        session = self.window.session
        if self.master is None or session is None:
            self.status_label.hide()
            return
        text = f"Offline copy of {_shown(self.master)}"
        left = len(replica.postponed(session.store))
        if left:
            text += f" · {left} conflict{'s' if left != 1 else ''} left to decide"
        self.status_label.setText(text)
        self.status_label.show()

    # ----- taking a copy ---------------------------------------------------------------------
    def take_copy(self) -> None:
        """File > Take Offline Copy…: the open case (a file or a team case) as the master."""
        session = self.window.session
        if session is None:
            return
        team = session.team_case
        master = team.address.with_case(team.address.case or "") if team else str(session.path)
        name = f"{session.store.display_name.removesuffix('.casefile')} (offline).casefile"
        path = file_dialogs.ask_new_case(self.window, self.window.documents._beside(name), "Take Offline Copy")
        if path is None:
            return
        self.window.flush()
        self.window.documents.run(
            f"Taking an offline copy to {path.name}…",
            Job(replica.take_offline_copy, master, path),
            on_done=self._offer_open,
            jobs=session.jobs,
        )

    def _offer_open(self, path: Path) -> None:
        self.window.documents.status(f"Took an offline copy: {path}")
        answer = QMessageBox.question(
            self.window,
            "Offline Copy Taken",
            f"The offline copy {path.name} is ready. Open it now?",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Close,
            QMessageBox.StandardButton.Open,
        )
        if answer == QMessageBox.StandardButton.Open:
            self.window.documents.open_path(path)

    # ----- syncing ---------------------------------------------------------------------------
    def sync(self, *, asked: bool = False) -> None:
        """File > Sync with Master: read and merge, review, then write both sides. A team case
        that wants a password the system does not hold asks for it (kept in memory only)."""
        session = self.window.session
        master = self.master
        if session is None or master is None:
            return
        self.window.flush()

        def refused(exc: BaseException) -> None:
            if is_server_address(master) and is_password_refused(exc):
                forget_password(master)
                password = ask_password(self.window, master, refused=asked)
                if password is not None:
                    remember_password(master, password)
                    self.sync(asked=True)
                return
            self._failed(exc)

        self.window.documents.run(
            f"Reading this copy and {_shown(master)}…",
            # the master is opened by prepare_sync, beside its reading of the copy
            Job(replica.prepare_sync, session.store, connect_address(master) if is_server_address(master) else master),
            on_done=lambda plan: self._review(session, plan),
            on_failed=refused,
            jobs=session.jobs,
        )

    def _review(self, session: CaseSession, plan: replica.SyncPlan) -> None:
        from .dialogs.sync_review import SyncReviewDialog

        m = plan.merge
        if not m.changes and not m.conflicts:
            _drop(session, plan)
            self.window.documents.status("This copy and the master already agree: nothing to sync.")
            return
        dialog = SyncReviewDialog(m, master=plan.master_shown, parent=self.window)
        self.review = dialog
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        decisions = dialog.decisions()
        self.review = None
        dialog.deleteLater()
        if not accepted or self.window.session is not session:
            _drop(session, plan)
            return
        self.window.documents.run(
            f"Syncing with {plan.master_shown}…",
            Job(_carry_out, plan, decisions),
            on_done=lambda done: self._written(session, done),
            on_failed=self._failed,
            jobs=session.jobs,
        )

    def _written(self, session: CaseSession, done: replica.SyncDone) -> None:
        self.last_done = done
        if done.before or done.after:
            _refresh(session, done.after)
            session.undo_stack.push(SyncCommand(session, done))
        left = len(done.postponed)
        later = f"; {left} conflict{'s' if left != 1 else ''} left for later" if left else ""
        self.window.documents.status(
            f"Synced: {done.to_copy:,} records brought into this copy, {done.to_master:,} into the master{later}."
        )
        self.show_status()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, replica.MasterChanged):
            self.window.documents.warn(f"{exc} Nothing was written: choose Sync with Master again.")
        else:
            self.window.documents.show_failure(exc)


def _drop(session: CaseSession, plan: replica.SyncPlan) -> None:
    """Let go of a plan that will not be carried out, off the GUI thread: its backups are told to
    stop at once, but the step each is in (a few megabytes copied, or the check of a finished
    copy) ends first, under a second on a large case. The case's jobs wait for it before the
    copy closes; if they have closed already (or close before it starts), it is done here."""
    plan.backups.stop()
    job = Job(plan.close)
    job.signals.failed.connect(lambda exc, details: _dropped_anyway(plan, exc, details))
    session.jobs.start(job)


def _dropped_anyway(plan: replica.SyncPlan, exc: BaseException, details: str) -> None:
    if details:  # it ran and failed: what is left of it is closed all the same
        log.warning("dropping a sync plan failed: %s", exc)
    plan.close()  # else it never ran: its case was closing


def _carry_out(plan: replica.SyncPlan, decisions: dict[Any, Any]) -> replica.SyncDone:
    try:
        return replica.carry_out(plan, decisions)
    finally:
        plan.close()


def _shown(address: str) -> str:
    from db.address import describe

    return describe(address)


def _refresh(session: CaseSession, diffs: dict[Key, Values | None]) -> None:
    """Tell the views every kind the sync touched (records come and go: a reset each)."""
    parts = {part for part, _id in diffs}
    for part in parts:
        kind = kind_of(part)
        if kind is not None:
            session.notify_reset(kind)
    if CASE in parts:
        session.case_changed.emit()


class SyncCommand(UndoStep):
    """A sync's writes into this copy: undo puts the copy's records back, redo writes them again."""

    def __init__(self, session: CaseSession, done: replica.SyncDone) -> None:
        super().__init__(session, "Sync with Master")
        self.session, self.done = session, done

    def _write(self, diffs: dict[Key, Values | None]) -> None:
        write_to_store(self.session.store, diffs, stamp=now_stamp())
        _refresh(self.session, diffs)

    def do(self) -> None:
        self._write(self.done.after)

    def revert(self) -> None:
        self._write(self.done.before)

    def change(self, undo: bool) -> Change:
        kinds = [kind_of(part) for part, _id in self.done.after]
        return Change(next((k for k in kinds if k is not None), None))
