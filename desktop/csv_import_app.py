"""File > Import CSV…: choose a file, read it off the GUI thread, preview and import it as one undo step."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from db.csv_import import CsvPlan
from db.csv_read import CsvTable, read_csv
from db.errors import CaseFileError
from db.fields import KINDS

from . import file_dialogs
from .tasks import Job
from .undo import Change, UndoStep

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .session import CaseSession


class ImportCsvCommand(UndoStep):
    """The records one CSV file added, with the linked records created for names it gave."""

    def __init__(self, session: CaseSession, plan: CsvPlan) -> None:
        spec = KINDS[plan.kind]
        super().__init__(session, f"Import {len(plan.rows)} {spec.plural} From CSV")
        self.session, self.plan = session, plan

    def do(self) -> None:
        self.session.write_import(self.plan)

    def revert(self) -> None:
        self.session.remove_import(self.plan)

    def change(self, undo: bool) -> Change:
        first = self.plan.rows[0][1] if self.plan.rows else None
        return Change(self.plan.kind, first, removed=undo)


class CsvImporter(QObject):
    """The File > Import CSV… command of one window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.job: Job | None = None  # the read under way, if any

    def start(self) -> None:
        """Ask for a file and read it in the background; the preview opens when it is read."""
        session = self.window.session
        if session is None or session.read_only:
            return
        settings = self.window.settings
        path = file_dialogs.ask_open_csv(self.window, settings.folder("import"))
        if path is None:
            return
        settings.set_folder("import", path.parent)
        self.window.flush()
        self.window.statusBar().showMessage(f"Reading {path.name}…")
        job = Job(read_csv, path)
        job.signals.finished.connect(lambda table: self._preview(session, path, table))
        job.signals.failed.connect(lambda exc, _details: self._failed(path, exc))
        self.job = session.jobs.start(job)

    def _failed(self, path: Path, exc: BaseException) -> None:
        self.job = None
        self.window.statusBar().clearMessage()
        if isinstance(exc, CaseFileError):
            QMessageBox.warning(self.window, "Import CSV", f"{path.name} could not be imported. {exc}")

    def _preview(self, session: CaseSession, path: Path, table: CsvTable) -> None:
        from .dialogs.csv_import_dialog import CsvImportDialog

        self.job = None
        self.window.statusBar().clearMessage()
        if session is not self.window.session or session.closed:
            return  # the case was closed while the file was read
        dialog = CsvImportDialog(session, path, table, self.window)
        accepted = dialog.exec() == CsvImportDialog.DialogCode.Accepted
        plan = dialog.plan
        dialog.deleteLater()
        if not accepted or plan is None or plan.problems:
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            session.import_records(plan)
        except CaseFileError as exc:
            session.report(exc)
            return
        finally:
            QApplication.restoreOverrideCursor()
        spec = KINDS[plan.kind]
        if self.window.case_view is not None and plan.rows:
            self.window.case_view.show_record(plan.kind, plan.rows[0][1])
        self.window.statusBar().showMessage(
            f"Imported {len(plan.rows)} {spec.plural.lower()} from {path.name}. Undo with Edit > Undo.", 10000
        )
