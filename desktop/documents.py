"""File commands: new, open, recent, save a copy, import and export, close (team cases on a
server: ``team_cases``).

Slow work runs in the background with a progress dialog, so the window never freezes: work
on the open case (copies, exports, the backup) on the case's own job service, which closing
the case cancels and waits for; work that belongs to no open case (checking and opening a
file, importing, restoring a backup) on this object's. Refusals and failures are shown in
plain words; nothing half-written is left behind (the core writes new files under a
temporary name and renames them when complete).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from db.errors import CaseFileError
from db.filenames import copy_name, json_name, restored_name
from db.lock import FileInUseError
from db.paths import user_data_dir
from db.sqlite.casefile import CaseFile
from db.store import CaseStore

from . import file_dialogs, jobs, team_cases
from .session import CaseSession
from .tasks import Job, JobCancelled, JobService, ProcessJob

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger("casefile.documents")


@dataclass
class OpenResult:
    """An opened case (a file or a team case) and the notices to show with it."""

    cf: CaseStore
    notices: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) for banners


def _exists(path: Path) -> bool:
    """Whether ``path`` exists (True when it cannot be told: a folder the user may not enter)."""
    try:
        return path.exists()
    except OSError:
        return True


def open_case(path: Path, read_only: bool) -> OpenResult:
    """Open a case file (on a worker thread): checks, lock, backup, location warning."""
    from db.locations import location_risk

    cf = CaseFile.open(path, read_only=read_only)
    result = OpenResult(cf)
    try:
        if cf.read_only:
            result.notices.append(
                (
                    "info",
                    f"{path.name} is open read-only ({cf.read_only_reason or 'you opened it read-only'}): "
                    "you can read, search and export it, but not change it.",
                )
            )
        if cf.lock is not None and cf.lock.took_over is not None:
            result.notices.append(
                (
                    "info",
                    f"{path.name} was left locked by {cf.lock.took_over.describe()}, which is no longer running; "
                    "the lock was taken over. Nothing in the file was lost.",
                )
            )
        result.notices += [("warning", note) for note in cf.repaired]
        risk = location_risk(path)
        if risk is not None:
            result.notices.append(("warning", risk.message(path.name)))
    except BaseException:
        cf.close()
        raise
    return result


class PendingOpen(QObject):
    """Opening a case file started before the window exists (at launch): the file checks run
    on a worker while the main thread builds the window."""

    _ready = Signal()

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.result: OpenResult | None = None
        self.error: BaseException | None = None
        self._jobs = JobService(self, threads=1)
        self._task = Job(open_case, path, False)
        self._task.signals.finished.connect(self._finished)
        self._task.signals.failed.connect(self._failed)
        self._jobs.start(self._task)

    def _finished(self, result: OpenResult) -> None:
        self.result = result
        self._ready.emit()

    def _failed(self, exc: BaseException, _details: str) -> None:
        self.error = exc
        self._ready.emit()

    def deliver(self, on_done: Callable[[OpenResult], None], on_failed: Callable[[BaseException], None]) -> None:
        """Call ``on_done`` or ``on_failed`` now if the open has finished, else when it does."""

        def hand_over() -> None:
            if self.result is not None:
                on_done(self.result)
            elif self.error is not None:
                on_failed(self.error)

        if self.result is None and self.error is None:
            self._ready.connect(hand_over)
        else:
            hand_over()


class Documents(QObject):
    """The File menu's commands for one main window."""

    opened = Signal(object)  # CaseSession
    failed = Signal(str)  # message shown to the user

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.settings = window.settings
        self.tasks = JobService(self)  # work that belongs to no open case (the window waits for it on quitting)
        self.active: Job | None = None
        self.backup_task: Job | None = None
        self.last_error: str | None = None
        self.team = team_cases.TeamCases(self)

    # ----- running work ------------------------------------------------------------------
    def run(
        self,
        label: str,
        task: Job,
        *,
        on_done: Callable[[Any], None],
        cancellable: bool = False,
        on_failed: Callable[[BaseException], None] | None = None,
        jobs: JobService | None = None,
    ) -> Job:
        """Start ``task`` with a progress dialog; call ``on_done(result)`` when it ends.

        ``jobs`` is the service it belongs to: the open case's for work on the case (closing the
        case cancels it), this object's by default.
        """
        dialog = QProgressDialog(label, "Cancel" if cancellable else "", 0, 0, self.window)
        dialog.setWindowTitle("Casefile")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if not cancellable:
            dialog.setCancelButton(None)
        dialog.canceled.connect(task.cancel)

        def progress(done: int, total: int) -> None:
            dialog.setMaximum(max(total, 1))
            dialog.setValue(min(done, total))

        def close_dialog() -> None:
            dialog.canceled.disconnect(task.cancel)  # closing a progress dialog emits canceled
            dialog.close()
            dialog.deleteLater()

        def finished(result: Any) -> None:
            close_dialog()
            self.active = None
            if task.cancelled:  # it ended just as it was cancelled: its result is not wanted
                if isinstance(result, OpenResult):
                    result.cf.close()  # a file opened meanwhile gives its lock back
                self.status("Cancelled.")
                return
            on_done(result)

        def failed(exc: BaseException, details: str) -> None:
            close_dialog()
            self.active = None
            if isinstance(exc, JobCancelled) or task.cancelled:
                self.status("Cancelled.")
                return
            if on_failed is not None:
                on_failed(exc)
            else:
                self.show_failure(exc, details)

        task.signals.progress.connect(progress)
        task.signals.finished.connect(finished)
        task.signals.failed.connect(failed)
        self.active = task
        return (jobs or self.tasks).start(task)

    def show_failure(self, exc: BaseException, details: str = "") -> None:
        """Tell the user why something failed (an unexpected error gets the error dialog)."""
        if isinstance(exc, CaseFileError):
            self.warn(str(exc))
            return
        from .errors import show_error_dialog

        log.error("task failed: %s\n%s", exc, details)
        show_error_dialog(self.window, f"{exc.__class__.__name__}: {exc}", details)

    def warn(self, message: str, title: str = "Casefile") -> None:
        """A warning dialog (and ``failed`` for tests and the log)."""
        self.last_error = message
        self.failed.emit(message)
        log.info("user told: %s", message)
        QMessageBox.warning(self.window, title, message)

    def status(self, message: str) -> None:
        """A message in the status bar."""
        self.window.statusBar().showMessage(message, 8000)

    @property
    def session(self) -> CaseSession | None:
        """The open case."""
        return self.window.session

    # ----- opening -----------------------------------------------------------------------
    def open_path(self, path: Path, *, read_only: bool = False, pending: PendingOpen | None = None) -> None:
        """Check and open a case file in the background, then show it.

        ``pending`` is an open already started (at launch, while the window was being built).
        A server address or a ``.casefile-link`` file opens the team case.
        """
        if pending is None and team_cases.is_team_entry(path):
            self.team.open_entry(path)
            return
        path = Path(path)
        self.window.flush()

        def done(result: OpenResult) -> None:
            session = CaseSession(result.cf)
            self.window.set_session(session, notices=result.notices)
            self.settings.add_recent(path.resolve())
            self.window.update_recent_menu()
            self.status(f"Opened {path.name}" + (" (read-only)" if result.cf.read_only else ""))
            self.opened.emit(self.window.session)
            if not result.cf.read_only:
                self.start_backup(session)

        def refused(exc: BaseException) -> None:
            if isinstance(exc, FileInUseError):
                self._offer_read_only(path, exc)
                return
            if isinstance(exc, CaseFileError) and not _exists(path):
                self.settings.remove_recent(path.resolve())
                self.window.update_recent_menu()
            if isinstance(exc, CaseFileError):
                self.warn(f"{path.name} was not opened.\n\n{exc}", "Cannot Open Case File")
            else:
                self.show_failure(exc)

        if pending is not None:
            pending.deliver(done, refused)
            return
        self.run(f"Opening {path.name}…", Job(open_case, path, read_only), on_done=done, on_failed=refused)

    def open_entry(self, entry: Path | str) -> None:
        """Open a recent case: a case file's path or a team case's address."""
        if isinstance(entry, str):
            self.team.open_entry(entry)
        else:
            self.open_path(entry)

    def start_backup(self, session: CaseSession) -> Job:
        """Back the file up in the background if it changed since its last backup (see db.sqlite.backups).

        The copy is read from the open file through a pooled connection of its own, a few pages
        at a time (``db.sqlite.copying``), so edits made meanwhile are not held up; closing the case
        waits for it.
        """
        task = Job(_back_up, session.cf, self.settings.backups_to_keep(), with_stop=True)

        def failed(exc: BaseException, _details: str) -> None:
            if isinstance(exc, JobCancelled) or task.cancelled:
                return  # the case was closed first
            log.warning("automatic backup failed: %s", exc)
            view = self.window.case_view
            if view is not None and self.window.session is session:
                name = session.path.name if session.path else "the case file"
                view.add_banner(f"The automatic backup of {name} failed: {exc}", "warning")

        task.signals.failed.connect(failed)
        self.backup_task = task
        return session.jobs.start(task)

    def _offer_read_only(self, path: Path, exc: FileInUseError) -> None:
        self.last_error = str(exc)
        self.failed.emit(str(exc))
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("Case File In Use")
        box.setText(str(exc))
        read_only = box.addButton("Open Read-Only", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(read_only)
        box.exec()
        if box.clickedButton() is read_only:
            self.open_path(path, read_only=True)

    def open_dialog(self) -> None:
        """File > Open…"""
        path = file_dialogs.ask_open_case(self.window, self.settings.folder("open"))
        if path is not None:
            self.settings.set_folder("open", path.parent)
            self.open_path(path)

    def new_case(self) -> None:
        """File > New Case…: create an empty case file and open it."""
        path = file_dialogs.ask_new_case(self.window, self.settings.folder("open"))
        if path is None:
            return
        self.settings.set_folder("open", path.parent)
        try:
            CaseFile.create(path, title=path.stem, overwrite=path.exists()).close()
        except CaseFileError as exc:
            self.warn(str(exc))
            return
        self.open_path(path)

    def open_sample(self) -> None:
        """Open the sample case (creating it in the user data folder if needed)."""
        from db.sample import SAMPLE_FILE_NAME, create_sample

        path = user_data_dir() / SAMPLE_FILE_NAME
        if not path.exists():
            try:
                create_sample(path)
            except CaseFileError as exc:
                self.warn(str(exc))
                return
        self.open_path(path)

    def close_case(self) -> None:
        """File > Close."""
        self.window.set_session(None)

    # ----- copies, import, export --------------------------------------------------------
    def save_copy(self) -> None:
        """File > Save a Copy…: a complete copy through SQLite's backup API (of a team case: a new
        case file holding it as it is now)."""
        session = self.session
        if session is None:
            return
        name = copy_name(session.store.display_name)
        path = file_dialogs.ask_new_case(self.window, self._beside(name), "Save a Copy")
        if path is None:
            return
        self.window.flush()
        team = session.team_case
        self.run(
            f"Saving a copy to {path.name}…",
            Job(team_cases.copy_to_file, team, path) if team else Job(_save_copy, session.cf, path, with_stop=True),
            on_done=lambda p: self.status(f"Saved a copy as {p}"),
            jobs=session.jobs,
        )

    def import_json(self) -> None:
        """File > Import JSON…: create a new case file from a Casefile JSON document, then open it."""
        source = file_dialogs.ask_open_json(self.window, self.settings.folder("import"))
        if source is None:
            return
        self.settings.set_folder("import", source.parent)
        target = file_dialogs.ask_new_case(self.window, str(source.with_suffix(".casefile")), "Save Imported Case As")
        if target is None:
            return

        self.run(
            f"Importing {source.name}…",
            ProcessJob(jobs.import_json, source, target, target.exists()),
            on_done=lambda summary: self.open_path(summary.path),
            cancellable=True,
        )

    def export_json(self) -> None:
        """File > Export JSON…"""
        session = self.session
        if session is None:
            return
        path = file_dialogs.ask_save_json(self.window, self._beside(json_name(session.store.display_name), "export"))
        if path is None:
            return
        self.settings.set_folder("export", path.parent)
        self.window.flush()
        self.run(
            f"Exporting {path.name}…",
            Job(team_cases.export_json, session.store, path)
            if session.path is None
            else ProcessJob(jobs.export_json, session.path, path),
            on_done=lambda p: self.status(f"Exported JSON to {p}"),
            jobs=session.jobs,
        )

    def export_csv(self) -> None:
        """File > Export CSV…: one spreadsheet file per record type into a folder."""
        from db.csv_export import CASE_CSV, CSV_NAMES

        session = self.session
        if session is None:
            return
        folder = file_dialogs.ask_folder(self.window, "Export CSV to Folder", self._beside("", "export"))
        if folder is None:
            return
        self.settings.set_folder("export", folder)
        existing = [n for n in (CASE_CSV, *CSV_NAMES.values()) if (folder / n).exists()]
        if existing:
            answer = QMessageBox.question(
                self.window,
                "Replace Files?",
                f"{folder} already holds {', '.join(existing)}. Replace them?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.window.flush()
        self.run(
            "Exporting CSV…",
            Job(team_cases.export_csv, session.store, folder)
            if session.path is None
            else ProcessJob(jobs.export_csv, session.path, folder),
            on_done=lambda paths: self.status(f"Wrote {len(paths)} CSV files to {folder}"),
            jobs=session.jobs,
        )

    def restore_backup(self) -> None:
        """File > Restore From Backup…: restore an automatic backup into a new case file and open it."""
        from db.sqlite.backups import all_backups, backup_key, list_backups, restore_backup

        from .dialogs.restore_backup import RestoreBackupDialog

        session = self.session
        if session is not None and not session.closed and session.path is not None:
            backups = list_backups(backup_key(session.path))
            note = (
                f"Automatic backups of “{session.store.display_name}”, newest first. Casefile keeps the last "
                "ten, taken when the file is opened after it has changed. Restoring makes a new file; "
                "the open file is not changed."
            )
        else:
            backups = all_backups()
            note = "Automatic backups of your case files, newest first. Restoring makes a new file."
        dialog = RestoreBackupDialog(backups, note, self.window)
        accepted = dialog.exec() == RestoreBackupDialog.DialogCode.Accepted
        backup = dialog.chosen()
        dialog.deleteLater()
        if not accepted or backup is None:
            return
        name = restored_name(backup.title(), backup.made)
        target = file_dialogs.ask_new_case(self.window, self._beside(name), "Restore Backup As")
        if target is None:
            return
        self.run(
            f"Restoring {target.name}…",
            Job(lambda: restore_backup(backup, target, overwrite=target.exists())),
            on_done=lambda path: self.open_path(path),
        )

    def _beside(self, name: str, purpose: str = "open") -> str:
        folder = self.settings.folder(purpose)
        session = self.session
        if not folder and session is not None and session.path is not None:
            folder = str(session.path.parent)
        return str(Path(folder) / name) if folder else name


def _back_up(cf: CaseFile, keep: int, stop: Callable[[], bool]) -> Any:
    """The automatic backup (a job on the case's service; closing the case stops it between steps)."""
    from db.sqlite.backups import backup_if_changed

    return backup_if_changed(cf, keep=keep, stop=stop)


def _save_copy(cf: CaseFile, target: Path, stop: Callable[[], bool]) -> Path:
    """File > Save a Copy (a job on the case's service): the open file copied a few MB at a time,
    so edits go on meanwhile; closing the case stops it between steps and leaves no file."""
    return cf.save_copy(target, overwrite=True, stop=stop)
