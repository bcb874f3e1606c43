"""The briefing packet as a Word document: File > Export Briefing as Word… and ``casefile export -o X.docx``.

The same packet as the PDF, for offices that edit every packet before it goes out: written
from a snapshot of the case with the options stored in it, to the same folder and under the
same name as the PDF (with .docx), never over an earlier file, in a child process so the
window stays responsive. A Word packet is not kept as an edition: editions are what was
printed, and a Word file is what gets edited next.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from db.errors import CaseFileError
from db.sqlite.casefile import CaseFile

from .briefing.options import BriefingOptions
from .briefing.staleness import stale_as_of
from .briefing_export import (
    _documents_location,
    marking_in_force,
    options_from,
    output_for,
    packet_folder,
    unused_name,
)

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .tasks import ProcessJob
    from .views.banner import Banner
    from .word.render import WordResult

SUFFIX = ".docx"


def word_name(pdf_name: Path) -> Path:
    """The Word packet's path: the PDF's name with .docx."""
    return pdf_name.with_name(pdf_name.stem + SUFFIX)


def write_snapshot(cf: CaseFile, out: Path, options: BriefingOptions, progress: Any = None) -> WordResult:
    """Write the Word packet from a consistent in-memory snapshot of ``cf`` (safe on a worker)."""
    from db.interchange import export_document

    from .word.render import render_word

    snapshot = cf.snapshot()
    try:
        doc = export_document(snapshot, editions=False)
    finally:
        snapshot.close()
    try:
        return render_word(doc, out, options, progress=progress)
    except OSError as exc:  # a full disk, a folder that went away: the writer left nothing
        raise CaseFileError(f"{out.name} could not be written: {exc.strerror or exc}.") from None


def export_word_job(case_path: Path, out: Path, options: dict[str, Any], progress: Any) -> WordResult:
    """The job run in a child process: open the case read-only and write the Word packet."""
    if not progress(0, 1):
        from .jobs import JobCancelled

        raise JobCancelled("Cancelled.")
    with CaseFile.open(case_path, read_only=True) as cf:
        return write_snapshot(cf, out, BriefingOptions.from_dict(options), progress)


# ----- command line -----------------------------------------------------------------------


def export_from_cli(args: argparse.Namespace) -> int:
    """``casefile export PATH -o OUT.docx`` (or ``--format docx``): the options as for the PDF."""
    from .export_cli import Written, export

    if getattr(args, "edition", None) is not None:
        raise CaseFileError("editions are kept as PDF; write one again without --format docx.")

    def write(_args: argparse.Namespace, cf: CaseFile, out: Path, options: BriefingOptions) -> Written:
        result = write_snapshot(cf, out, options)
        return Written(f"Wrote {out} ({len(result.sections)} sections).", list(result.warnings))

    return export(args, write, SUFFIX)


# ----- the app ----------------------------------------------------------------------------


class WordExporter:
    """File > Export Briefing as Word… for a main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.task: ProcessJob | None = None
        self.last_output: Path | None = None
        self.ready_banner: Banner | None = None

    def export(self) -> None:
        """Write the Word packet at once, where the PDF would go, under a name not yet taken."""
        from .team_cases import case_job

        window = self.window
        session = window.session
        if session is None or self.task is not None:
            return
        window.flush()
        try:
            options = options_from(session.briefing_options())
            case = session.get_case()
        except CaseFileError as exc:
            window.documents.warn(str(exc))
            return
        if not marking_in_force(case, options):
            answer = window.briefing._ask_unmarked()
            if answer == "set":
                if window.briefing.edit_options(focus_marking=True):
                    self.export()
                return
            if answer != "export":
                return
        stale = stale_as_of(case)
        if stale and not window.briefing._confirm_stale(stale):
            return
        folder_text = window.settings.folder("briefing")
        try:
            folder = packet_folder(session.path, Path(folder_text) if folder_text else None, _documents_location())
            out = unused_name(word_name(output_for(case, session.path, folder)))
        except CaseFileError as exc:
            window.documents.warn(str(exc))
            return
        started = dt.datetime.now()

        def done(result: WordResult) -> None:
            self.task = None
            self.last_output = out
            seconds = (dt.datetime.now() - started).total_seconds()
            window.statusBar().showMessage(f"Wrote {out.name} ({seconds:.1f} s)", 15000)
            self._offer_to_open(out, result)

        task = case_job(session, export_word_job, out, options.to_dict())
        task.signals.failed.connect(lambda *_a: setattr(self, "task", None))
        self.task = task
        window.documents.run(
            f"Writing the Word briefing {out.name}…", task, on_done=done, cancellable=True, jobs=session.jobs
        )

    def _offer_to_open(self, out: Path, result: WordResult) -> None:
        """The same banner as after a PDF export: Open and Show in Folder, and what to check."""
        from .written_banner import show_written

        self.ready_banner = show_written(
            self.window,
            self.ready_banner,
            f"Wrote {out.name} in {out.parent}.",
            result.warnings,
            "Word briefing written",
            lambda: self.open_document(out),
            lambda: self.window.briefing.show_packet(out),
        )

    def open_document(self, out: Path) -> None:
        """Open the document in the word processor; say where it is when there is none."""
        from .reveal import open_file

        if not open_file(out):
            self.window.documents.warn(
                f"No app to open Word documents was found on this computer. The document is saved at:\n\n{out}",
                "Cannot Open Document",
            )

    def cancel(self) -> None:
        """Stop a running export (the partial file is removed by the writer)."""
        if self.task is not None:
            self.task.cancel()
