"""One-click briefing packet: from the app (File > Export Briefing) and the CLI (``casefile export``).

The export reads a snapshot of the case file (SQLite backup into memory), so edits made
while it runs neither wait for it nor change what it prints. The options are stored in
the case file: the same packet can be produced again next week.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from db import records
from db.errors import CaseFileError
from db.sqlite.casefile import CaseFile

from .briefing.options import BriefingOptions

if TYPE_CHECKING:
    from .briefing.render import BriefingResult
    from .main_window import MainWindow
    from .tasks import ProcessJob


def load_options(cf: CaseFile) -> BriefingOptions:
    """The options saved in the case file (defaults for anything missing or unreadable)."""
    return options_from(records.get_briefing_options(cf))


def options_from(stored: dict[str, Any]) -> BriefingOptions:
    """Briefing options from their stored form (defaults for anything unreadable)."""
    try:
        return BriefingOptions.from_dict(stored)
    except ValueError:
        return BriefingOptions()


def default_output(cf: CaseFile, folder: Path | None = None) -> Path:
    """``<folder or beside the case file>/<Case title> - briefing - <as of>.pdf``."""
    return output_for(records.get_case(cf), cf.path, folder)


def output_for(case: dict[str, Any], case_path: Path | None, folder: Path | None = None) -> Path:
    """The packet's name for ``case`` (a case record) in ``folder``, else beside the case file."""
    from .briefing.naming import suggested_filename

    doc = {"case": {**case, "as_of": case["as_of"].iso if case["as_of"] else None}}
    base = folder or (case_path.parent if case_path else Path.cwd())
    return base / suggested_filename(doc)


def unused_name(path: Path) -> Path:
    """``path`` if nothing is there, else the first free "NAME (2).pdf", "NAME (3).pdf", ...: an
    export from the app never replaces an earlier packet (one may be open, printed or sent)."""
    candidate, n = path, 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
    return candidate


def export_snapshot(cf: CaseFile, out: Path, options: BriefingOptions, progress: Any = None) -> BriefingResult:
    """Render the packet from a consistent in-memory snapshot of ``cf`` (safe on a worker thread);
    the result carries the edition to keep (see ``editions_export.render_edition``)."""
    from .editions_export import render_edition

    return render_edition(cf, out, options, progress)


# ----- command line -----------------------------------------------------------------------


def export_from_cli(args: argparse.Namespace) -> int:
    """``casefile export PATH -o OUT.pdf [--paper] [--from] [--to] [--key-only] [--deterministic]``."""
    from db.dates import PartialDate

    from .editions_cli import keep_edition

    with CaseFile.open(args.path, read_only=True) as cf:
        options = load_options(cf)
        if args.paper:
            options.paper = args.paper
        for name in ("date_from", "date_to"):
            text = getattr(args, name)
            if text:
                try:
                    setattr(options, name, PartialDate.parse(text).iso)
                except ValueError as exc:
                    raise CaseFileError(str(exc)) from None
        if args.key_only:
            options.key_only = True
        if args.deterministic:
            options.deterministic = True
        options.changes_since = getattr(args, "changes_since", options.changes_since)
        try:
            options.validate()
        except ValueError as exc:
            raise CaseFileError(str(exc)) from None
        out = Path(args.output) if args.output else default_output(cf)
        if out.exists() and not args.force:
            raise CaseFileError(f"{out} already exists (use --force to replace it).")
        if out.is_dir():
            raise CaseFileError(f"{out} is a folder.")
        result = export_snapshot(cf, out, options)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"Wrote {out} ({result.pages} pages).")
    keep_edition(args.path, result, skip=args.deterministic)
    return 0


# ----- the app ----------------------------------------------------------------------------


class BriefingExporter:
    """File > Export Briefing and Briefing Options… for a main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.task: ProcessJob | None = None  # the export running, if any
        self.last_output: Path | None = None
        self.last_result: BriefingResult | None = None

    def export(self) -> None:
        """Write the packet at once beside the case file (or in the last export folder).

        It is written in a child process from the case file on disk, a job of the open case:
        closing the case cancels it (the partial file is removed) before the file closes.
        """
        from . import jobs
        from .tasks import ProcessJob

        session = self.window.session
        if session is None or self.task is not None:
            return
        self.window.flush()
        folder_text = self.window.settings.folder("briefing")
        folder = Path(folder_text) if folder_text and Path(folder_text).is_dir() else None
        try:
            options = options_from(session.briefing_options())
            out = unused_name(output_for(session.get_case(), session.path, folder))
        except CaseFileError as exc:
            self.window.documents.warn(str(exc))
            return
        started = dt.datetime.now()

        def done(result: BriefingResult) -> None:
            self.task = None
            self.last_output, self.last_result = out, result
            seconds = (dt.datetime.now() - started).total_seconds()
            self.window.statusBar().showMessage(f"Wrote {out.name} ({result.pages} pages, {seconds:.1f} s)", 15000)
            self.window.editions.keep(result)
            self._offer_to_open(out, result)

        task = ProcessJob(jobs.export_briefing, session.path, out, options.to_dict())
        task.signals.failed.connect(lambda *_a: setattr(self, "task", None))
        self.task = task
        self.window.documents.run(
            f"Writing the briefing packet {out.name}…",
            task,
            on_done=done,
            cancellable=True,
            jobs=session.jobs,
        )

    def _offer_to_open(self, out: Path, result: BriefingResult) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self.window)
        box.setWindowTitle("Briefing Packet Ready")
        box.setIcon(QMessageBox.Icon.Information if not result.warnings else QMessageBox.Icon.Warning)
        box.setText(f"The briefing packet was written to {out.name} ({result.pages} pages).")
        details = f"Folder: {out.parent}"
        if result.warnings:
            listed = "\n".join(f"• {w}" for w in result.warnings[:15])
            more = f"\n• … and {len(result.warnings) - 15} more" if len(result.warnings) > 15 else ""
            details += f"\n\nWorth checking before it goes out:\n{listed}{more}"
        box.setInformativeText(details)
        open_button = box.addButton("Open PDF", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.setDefaultButton(open_button)
        self.ready_box = box
        box.finished.connect(
            lambda _r: box.clickedButton() is open_button and QDesktopServices.openUrl(QUrl.fromLocalFile(str(out)))
        )
        box.open()

    def cancel(self) -> None:
        """Stop a running export (the partial file is removed by the renderer)."""
        if self.task is not None:
            self.task.cancel()

    def edit_options(self) -> None:
        """Briefing Options…: edit and save the options stored in the case file."""
        from .dialogs.briefing_options import BriefingOptionsDialog

        session = self.window.session
        if session is None:
            return
        try:
            stored = options_from(session.briefing_options())
        except CaseFileError as exc:
            self.window.documents.warn(str(exc))
            return
        dialog = BriefingOptionsDialog(stored, self.window)
        dialog.set_folder(self.window.settings.folder("briefing"))
        if dialog.exec() != BriefingOptionsDialog.DialogCode.Accepted:
            return
        try:
            session.set_briefing_options(dialog.options().to_dict())
        except CaseFileError as exc:
            self.window.documents.warn(str(exc))
            return
        folder = dialog.folder()
        if folder:
            self.window.settings.set_folder("briefing", Path(folder))
        self.window.statusBar().showMessage("Briefing options saved in the case file.", 8000)
