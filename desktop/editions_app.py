"""Editions in the app: keeping each exported packet, and File > Briefing Editions….

A packet the app exports is kept as an edition when the export job hands it back, on the
GUI thread through the session (jobs never write the open file). Export Again writes a kept
edition in the background like any export; Delete asks first, then removes the edition and
what it printed from the case file.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMessageBox

from db.errors import CaseFileError

from .editions_export import ExportedPacket, RewrittenPacket, edition_filename

if TYPE_CHECKING:
    from .dialogs.editions_dialog import EditionsDialog
    from .main_window import MainWindow
    from .session import CaseSession
    from .tasks import ProcessJob


class EditionsCommands:
    """The window's edition commands."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialog: EditionsDialog | None = None
        self.task: ProcessJob | None = None  # an Export Again running, if any
        self.last_kept: int | None = None
        self.last_rewrite: tuple[Path, RewrittenPacket] | None = None

    # ----- keeping ------------------------------------------------------------------------
    def keep(self, result: Any) -> int | None:
        """Keep a packet the app has just written as the next edition; return its number."""
        session = self.window.session
        if session is None or session.closed or not isinstance(result, ExportedPacket) or result.edition is None:
            return None
        bar = self.window.statusBar()
        written = bar.currentMessage()
        if session.read_only:
            note = f"It was not kept as an edition: {_case_word(session)} is open read-only."
            bar.showMessage(_join(written, note), 15000)
            return None
        try:
            number = session.record_edition(result.edition)
        except CaseFileError as exc:
            self.window.documents.warn(f"The packet was written, but it could not be kept as an edition: {exc}")
            return None
        self.last_kept = number
        bar.showMessage(_join(written, f"Kept as edition {number}."), 15000)
        return number

    # ----- the dialog ---------------------------------------------------------------------
    def show(self) -> None:
        """File > Briefing Editions…"""
        from .dialogs.editions_dialog import EditionsDialog

        session = self.window.session
        if session is None:
            return
        if self.dialog is not None:
            self.dialog.deleteLater()  # the last one, closed: one at a time
        dialog = EditionsDialog(session.read_only, self.window)
        dialog.export_again.connect(self.export_again)
        dialog.delete_asked.connect(self.delete)
        session.editions_changed.connect(self._refresh)
        dialog.finished.connect(lambda _r, s=session: _disconnect(s.editions_changed, self._refresh))
        self.dialog = dialog
        self._refresh()
        dialog.open()

    def _refresh(self) -> None:
        session, dialog = self.window.session, self.dialog
        if session is None or session.closed or dialog is None:
            return
        try:
            dialog.set_editions(session.editions())
        except CaseFileError as exc:
            dialog.show_note(str(exc))

    # ----- Export Again -------------------------------------------------------------------
    def export_again(self, number: int) -> None:
        """Write edition ``number`` again, where the user chooses, in the background."""
        from . import file_dialogs, jobs
        from .team_cases import case_job

        session = self.window.session
        if session is None or self.task is not None:
            return
        try:
            title = str(session.get_case()["title"])
        except CaseFileError as exc:
            self.window.documents.warn(str(exc))
            return
        suggested = self._folder() / edition_filename(title, number)
        out = file_dialogs.ask_save_pdf(self.dialog or self.window, str(suggested), "Export Edition Again")
        if out is None:
            return

        def done(result: RewrittenPacket) -> None:
            self.task = None
            self.last_rewrite = (out, result)
            same = " It is the same file as first written." if result.identical else ""
            text = f"Wrote edition {number} again to {out.name} ({result.pages} pages).{same}"
            for note in result.notes:
                text += f"\n{note}"
            if self.dialog is not None:
                self.dialog.show_note(text)
            self.window.statusBar().showMessage(text.split("\n", 1)[0], 15000)

        task = case_job(session, jobs.export_edition, number, out)
        task.signals.failed.connect(lambda *_a: setattr(self, "task", None))
        self.task = task
        self.window.documents.run(
            f"Writing edition {number} again to {out.name}…", task, on_done=done, cancellable=True, jobs=session.jobs
        )

    def _folder(self) -> Path:
        """Where a packet written again is suggested to go: where the last packet went, else the
        briefing folder, else beside the case file (a team case's: Documents/Casefile Briefings)."""
        last = self.window.briefing.last_output
        if last is not None and last.parent.is_dir():
            return last.parent
        chosen = self.window.settings.folder("briefing")
        if chosen and Path(chosen).is_dir():
            return Path(chosen)
        from .briefing_export import _documents_location, packet_folder

        session = self.window.session
        if session is None:
            return Path.home()
        try:
            return packet_folder(session.path, None, _documents_location())
        except CaseFileError:
            return Path.home()

    # ----- Delete -------------------------------------------------------------------------
    def delete(self, number: int) -> None:
        """Ask, then delete edition ``number`` and what it printed."""
        session = self.window.session
        if session is None or session.read_only:
            return
        try:
            later = [e.number for e in session.editions() if e.options.get("changes_since") == number]
        except CaseFileError as exc:
            self.window.documents.warn(str(exc))
            return
        box = QMessageBox(self.dialog or self.window)
        box.setWindowTitle("Delete Edition")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(f"Delete edition {number}?")
        where = _case_word(session)
        detail = (
            f"What it printed is removed from {where} for good: it cannot be exported again, and this cannot be undone."
        )
        if later:
            which = ", ".join(str(n) for n in later)
            detail += (
                f"\n\nEdition{'s' if len(later) > 1 else ''} {which} show{'' if len(later) > 1 else 's'} "
                "changes since it; written again, they will leave the changes out."
            )
        box.setInformativeText(detail)
        delete_button = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        chosen = box.clickedButton() is delete_button
        box.deleteLater()
        if not chosen:
            return
        try:
            session.delete_edition(number)
        except CaseFileError as exc:
            self.window.documents.warn(str(exc))
            return
        if self.dialog is not None:
            self.dialog.show_note(f"Deleted edition {number}: what it printed is gone from {where}.")


def _case_word(session: CaseSession) -> str:
    """What the user calls the open case: "the case file", or "the team case" on a server."""
    return "the team case" if session.team_case is not None else "the case file"


def _join(first: str, second: str) -> str:
    return f"{first.rstrip()} {second}" if first.strip() else second


def _disconnect(signal: Any, slot: Any) -> None:
    with contextlib.suppress(RuntimeError, TypeError):  # already gone with its session
        signal.disconnect(slot)
