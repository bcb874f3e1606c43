"""One-click briefing packet: from the app (File > Export Briefing) and the CLI (``casefile export``).

The app writes a packet where the staffer will find it: the folder chosen in Briefing
Options, else beside the case file, unless that is the app's own hidden data folder (where
the sample case lives) or a folder they cannot write, then in Documents/Casefile Briefings.
The CLI writes beside the case file unless told otherwise.

The export reads a snapshot of the case file (SQLite backup into memory), so edits made
while it runs neither wait for it nor change what it prints. The options are stored in
the case file: the same packet can be produced again next week.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from db import records
from db.errors import CaseFileError
from db.paths import briefings_dir, user_data_dir
from db.sqlite.casefile import CaseFile

from .briefing.options import BriefingOptions
from .briefing.staleness import stale_as_of

if TYPE_CHECKING:
    from .briefing.render import BriefingResult
    from .main_window import MainWindow
    from .tasks import ProcessJob
    from .views.banner import Banner


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


def folder_writable(folder: Path) -> bool:
    """Whether the user may create files in ``folder``."""
    return folder.is_dir() and os.access(folder, os.W_OK)


def _inside(folder: Path, parent: Path) -> bool:
    try:
        return folder.resolve().is_relative_to(parent.resolve())
    except OSError:
        return False


def packet_folder(case_path: Path | None, chosen: Path | None = None, documents: Path | None = None) -> Path:
    """Where the app writes a packet: ``chosen`` (Briefing Options) when it is a folder; else the
    case file's folder when the user can write there and it is not the app's data folder (out of
    sight: nobody would find a packet there); else Documents/Casefile Briefings, created if needed.

    ``documents`` is the Documents folder as the desktop reports it.
    """
    if chosen is not None and chosen.is_dir():
        return chosen
    if case_path is not None:
        folder = case_path.parent
        if folder_writable(folder) and not _inside(folder, user_data_dir()):
            return folder
    try:
        return briefings_dir(documents)
    except OSError as exc:
        raise CaseFileError(f"The folder for briefing packets could not be made: {exc.strerror or exc}.") from None


UNMARKED = "the packet has no handling marking (set one in the case's Handling marking field or in Briefing Options)"


def marking_in_force(case: dict[str, Any], options: BriefingOptions) -> str:
    """The handling marking the packet will print: the options' override when set, else the case's."""
    from .briefing.plain import one_line

    text = options.marking_override if options.marking_override is not None else case.get("marking")
    return one_line(text)


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
    """``casefile export PATH -o OUT.pdf [--paper] [--from] [--to] [--key-only] [--deterministic]``;
    the packet is kept as the case's next edition unless ``--deterministic``."""
    from .export_cli import Written, export

    def write(args: argparse.Namespace, cf: CaseFile, out: Path, options: BriefingOptions) -> Written:
        from .editions_cli import keep_edition

        result = export_snapshot(cf, out, options)
        skip = args.deterministic or not getattr(args, "keep_edition", True)
        path = args.path
        return Written(
            f"Wrote {out} ({result.pages} pages).",
            list(result.warnings),
            lambda: keep_edition(path, result, skip=skip),
        )

    return export(args, write, ".pdf")


# ----- the app ----------------------------------------------------------------------------


class BriefingExporter:
    """File > Export Briefing and Briefing Options… for a main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.task: ProcessJob | None = None  # the export running, if any
        self.last_output: Path | None = None
        self.last_result: BriefingResult | None = None
        self.ready_banner: Banner | None = None  # the offer to open the last packet

    def export(self) -> None:
        """Write the packet at once where the staffer will find it (see ``packet_folder``).

        It is written in a child process from the case file on disk (a team case: from a private
        copy of it, see ``team_cases.case_job``), a job of the open case: closing the case cancels
        it (the partial file is removed) before the file closes. A team case has no folder of its
        own, so its packets go to Documents/Casefile Briefings unless Briefing Options names one.
        """
        from . import jobs
        from .team_cases import case_job

        session = self.window.session
        if session is None or self.task is not None:
            return
        self.window.flush()
        try:
            options = options_from(session.briefing_options())
            case = session.get_case()
        except CaseFileError as exc:
            self.window.documents.warn(str(exc))
            return
        if not marking_in_force(case, options):
            answer = self._ask_unmarked()
            if answer == "set":
                if self.edit_options(focus_marking=True):
                    self.export()
                return
            if answer != "export":
                return
        stale = stale_as_of(case)
        if stale and not self._confirm_stale(stale):
            return
        folder_text = self.window.settings.folder("briefing")
        try:
            folder = packet_folder(session.path, Path(folder_text) if folder_text else None, _documents_location())
            out = unused_name(output_for(case, session.path, folder))
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

        task = case_job(session, jobs.export_briefing, out, options.to_dict())
        task.signals.failed.connect(lambda *_a: setattr(self, "task", None))
        self.task = task
        self.window.documents.run(
            f"Writing the briefing packet {out.name}…",
            task,
            on_done=done,
            cancellable=True,
            jobs=session.jobs,
        )

    def _ask_unmarked(self) -> str:
        """Whether to export a packet with no handling marking: "export", "set" or "cancel"."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self.window)
        box.setWindowTitle("No Handling Marking")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText("This packet has no handling marking.")
        box.setInformativeText(
            "Nothing would print at the top and bottom of its pages. Set a marking such as "
            "“FOR INTERNAL USE ONLY” before it goes out, or export it unmarked."
        )
        unmarked = box.addButton("Export Unmarked", QMessageBox.ButtonRole.AcceptRole)
        set_marking = box.addButton("Set Marking…", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(set_marking)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        return "export" if clicked is unmarked else "set" if clicked is set_marking else "cancel"

    def _confirm_stale(self, warning: str) -> bool:
        """Whether to export a packet whose As-of date is months old (the staffer may go on)."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self.window)
        box.setWindowTitle("Old As-of Date")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(warning)
        box.setInformativeText(
            "If the case is up to date, change its As-of date on the Case page first; or export the packet as it is."
        )
        export = box.addButton("Export Anyway", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        return clicked is export

    def _offer_to_open(self, out: Path, result: BriefingResult) -> None:
        """A banner over the case with Open and Show in Folder: it waits, the staffer goes on working."""
        from .written_banner import show_written

        headline = f"Wrote {out.name} ({result.pages} pages) in {out.parent}."
        self.ready_banner = show_written(
            self.window,
            self.ready_banner,
            headline,
            result.warnings,
            "Briefing packet written",
            lambda: self.open_packet(out),
            lambda: self.show_packet(out),
        )

    def open_packet(self, out: Path) -> None:
        """Open the packet in the PDF viewer; say where it is when there is none."""
        from .reveal import open_file

        if not open_file(out):
            self.window.documents.warn(
                f"No app to open PDF files was found on this computer. The packet is saved at:\n\n{out}",
                "Cannot Open Packet",
            )

    def show_packet(self, out: Path) -> None:
        """Show the packet's folder (the packet selected where the file manager can do it)."""
        from .reveal import show_in_folder

        if not show_in_folder(out):
            self.window.documents.warn(
                f"The folder could not be shown. The packet is saved at:\n\n{out}", "Cannot Show Folder"
            )

    def cancel(self) -> None:
        """Stop a running export (the partial file is removed by the renderer)."""
        if self.task is not None:
            self.task.cancel()

    def edit_options(self, *, focus_marking: bool = False) -> bool:
        """Briefing Options…: edit and save the options stored in the case file (True when saved)."""
        from .dialogs.briefing_options import BriefingOptionsDialog

        session = self.window.session
        if session is None:
            return False
        try:
            stored = options_from(session.briefing_options())
            kept = session.editions()
        except CaseFileError as exc:
            self.window.documents.warn(str(exc))
            return False
        dialog = BriefingOptionsDialog(stored, self.window, editions=kept)
        dialog.set_folder(self.window.settings.folder("briefing"))
        if focus_marking:
            dialog.marking.setFocus()
        accepted = dialog.exec() == BriefingOptionsDialog.DialogCode.Accepted
        dialog.deleteLater()
        if not accepted:
            return False
        try:
            session.set_briefing_options(dialog.options().to_dict())
        except CaseFileError as exc:
            self.window.documents.warn(str(exc))
            return False
        folder = dialog.folder()
        if folder:
            self.window.settings.set_folder("briefing", Path(folder))
        else:
            self.window.settings.clear_folder("briefing")
        self.window.statusBar().showMessage("Briefing options saved in the case file.", 8000)
        return True


def _documents_location() -> Path | None:
    """The Documents folder as the desktop reports it (None when it reports none)."""
    from PySide6.QtCore import QStandardPaths

    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else None
