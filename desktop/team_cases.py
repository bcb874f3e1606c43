"""Team cases in the app: opening a case on a PostgreSQL server, publishing a case file to one,
link files, and the passwords typed this session.

A password the user types is kept in memory for this run of the app only, by server, database
and user; addresses (the recent list, remembered servers, link files, titles) never hold one.
Connecting runs on a worker with a Cancel button: a server that does not answer never freezes
the window. A team case has no file, so no lock, backup or side file applies to it.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLineEdit, QMessageBox, QWidget

from db.address import AddressError, is_server_address, parse_server_address, without_password
from db.errors import CaseFileError
from db.store import CaseStore

from . import file_dialogs
from .actions import ActionId
from .session import CaseSession
from .tasks import Job, JobCancelled, ProcessJob

if TYPE_CHECKING:
    from db.postgres.case import ServerCase

    from .documents import Documents, OpenResult

log = logging.getLogger("casefile.team")

LINK_SUFFIX = ".casefile-link"
LINK_FORMAT = "casefile-link"
LINK_VERSION = 1
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")  # libpq's, in its order

# Typed this session, by (host, port, database, user); never written anywhere.
_passwords: dict[tuple[str, str, str, str], str] = {}


# ----- addresses and passwords ---------------------------------------------------------------
def _key(address: str) -> tuple[str, str, str, str]:
    parts = urlsplit(address)
    user = unquote(parts.username or "")
    return (parts.hostname or "", str(parts.port or ""), parts.path.strip("/"), user)


def remember_password(address: str, password: str) -> None:
    """Keep a typed password for this server, database and user until the app quits."""
    _passwords[_key(address)] = password


def forget_password(address: str) -> None:
    """Drop a password the server refused."""
    _passwords.pop(_key(address), None)


def forget_all_passwords() -> None:
    """Drop every typed password (the app quits; tests start clean)."""
    _passwords.clear()


def connect_address(address: str) -> str:
    """The address to connect with: the typed password of this session put in, if there is one."""
    password = _passwords.get(_key(address))
    if password is None:
        return address
    parts = urlsplit(without_password(address))
    userinfo, host = parts.netloc.rsplit("@", 1) if "@" in parts.netloc else ("", parts.netloc)
    return urlunsplit(parts._replace(netloc=f"{userinfo}:{quote(password, safe='')}@{host}"))


def label(address: str) -> str:
    """A team case as a menu shows it: "meta-review on db.example.org/casefile"."""
    try:
        where = parse_server_address(address)
    except AddressError:
        return address
    parts = urlsplit(where.url)
    port = f":{parts.port}" if parts.port and parts.port != 5432 else ""
    return f"{where.case} on {parts.hostname or 'localhost'}{port}/{where.database}"


# ----- link files ----------------------------------------------------------------------------
def write_link(path: Path, address: str) -> Path:
    """Write a ``.casefile-link`` document: the case's address as JSON, without any password."""
    where = parse_server_address(without_password(address))
    doc = {"format": LINK_FORMAT, "version": LINK_VERSION, "address": where.with_case(where.case or "")}
    path = Path(path)
    try:
        path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise CaseFileError(f"{path.name} could not be written: {exc.strerror or exc}.") from None
    return path


def read_link(path: Path) -> str:
    """The address a ``.casefile-link`` document holds; CaseFileError saying why it cannot be used."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CaseFileError(f"{path.name} could not be read: {exc.strerror or exc}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CaseFileError(f"{path.name} is not a team case link.") from None
    if not isinstance(doc, dict) or doc.get("format") != LINK_FORMAT or not isinstance(doc.get("address"), str):
        raise CaseFileError(f"{path.name} is not a team case link.")
    version = doc.get("version")
    if not isinstance(version, int) or version > LINK_VERSION:
        raise CaseFileError(f"{path.name} was written by a newer version of Casefile; update Casefile to open it.")
    address = without_password(doc["address"])
    parse_server_address(address)  # AddressError (a CaseFileError) names what is wrong
    return address


def is_team_entry(entry: Path | str) -> bool:
    """True for a server address or a link file (anything the team code opens, not a case file)."""
    text = str(entry)
    return is_server_address(text) or text.lower().endswith(LINK_SUFFIX)


# ----- work on a worker thread ---------------------------------------------------------------
def open_team_case(address: str) -> OpenResult:
    """Connect to a team case (on a worker thread), with the notices to show over it."""
    from db.postgres.case import ServerCase

    from .documents import OpenResult

    case = ServerCase.open(connect_address(address))
    result = OpenResult(case)
    if case.read_only:
        result.notices.append(
            (
                "info",
                f"{case.display_name} is open read-only ({case.read_only_reason or 'you opened it read-only'}): "
                "you can read and export it, but not change it.",
            )
        )
    return result


def list_cases(server: str) -> list[Any]:
    """The cases of a database (on a worker thread): ``db.postgres.catalog.CaseListing``s."""
    from db.postgres.catalog import list_cases as listing

    return listing(connect_address(server))


def publish(path: Path, address: str, force: bool) -> str | None:
    """Put a case file on the server (on a worker thread); None when the name is taken and not ``force``."""
    from db.postgres.catalog import list_cases as listing
    from db.postgres.publish import publish_file

    where = parse_server_address(address)
    if not force and where.case in {c.name for c in listing(connect_address(without_case(address)))}:
        return None
    publish_file(path, connect_address(address), force=force)
    return address


def without_case(address: str) -> str:
    """The database's address (``case`` taken out)."""
    return parse_server_address(address, need_case=False).url


def copy_to_file(case: ServerCase, target: Path) -> Path:
    """Save a Copy of a team case (on the case's job service): a case file of it as it is now."""
    from db.postgres.publish import copy_to_file as write_copy

    return write_copy(case, target, overwrite=True)


class CopiedCaseJob(ProcessJob):
    """A child-process job of a team case (the packet, Word, an edition written again): the
    renderers read a case file by path, so the job first writes a private copy of the case as it
    is now, on its worker thread, runs on that copy, and removes it however the job ends."""

    def __init__(self, case: ServerCase, fn: Callable[..., Any], *args: Any) -> None:
        super().__init__(fn, *args)
        self._case = case

    def _execute(self) -> Any:
        from .jobs import run_child

        with tempfile.TemporaryDirectory(prefix="casefile-packet-", ignore_cleanup_errors=True) as folder:
            copy = copy_to_file(self._case, Path(folder) / "case.casefile")
            if self.cancelled:  # the copy of a large case takes a while: no child for a job already stopped
                raise JobCancelled("Cancelled.")
            return run_child(
                self._fn,
                (copy, *self._args),
                cancelled=self._cancel.is_set,
                on_progress=lambda done, total: self._emit(self.signals.progress, done, total),
            )


def case_job(session: CaseSession, fn: Callable[..., Any], *args: Any) -> ProcessJob:
    """A job ``fn(case_path, *args, progress)`` in a child process on the open case: the case file
    itself, or a private copy of a team case (``CopiedCaseJob``)."""
    team = session.team_case
    if team is None:
        return ProcessJob(fn, session.path, *args)
    return CopiedCaseJob(team, fn, *args)


def export_json(store: CaseStore, out: Path) -> Path:
    """Export JSON of a team case (a job on the case's service: it reads through its own connection)."""
    from db.interchange import export_json as write_json

    return write_json(store, out, overwrite=True)


def export_csv(store: CaseStore, folder: Path) -> list[Path]:
    """Export CSV of a team case (a job on the case's service)."""
    from db.csv_export import export_csv as write_csv

    return write_csv(store, folder, overwrite=True)


def is_password_refused(exc: BaseException) -> bool:
    """True when the server asked for a password it did not get (or refused the one given)."""
    from db.postgres.connect import PasswordRefusedError

    return isinstance(exc, PasswordRefusedError)


def ask_password(parent: QWidget, address: str, *, refused: bool) -> str | None:
    """Ask for the password of a server; None when the user cancels."""
    from PySide6.QtWidgets import QInputDialog

    parts = urlsplit(address)
    who = f"{unquote(parts.username)} at {parts.hostname}" if parts.username else str(parts.hostname)
    text = (
        f"The server refused the password for {who}. Type it again:"
        if refused
        else f"The server asks for the password of {who}:"
    )
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Server Password")
    dialog.setLabelText(text + "\n(Casefile keeps it until you quit, and never writes it down.)")
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.setObjectName("server_password")
    accepted = dialog.exec() == QInputDialog.DialogCode.Accepted
    password = dialog.textValue()
    dialog.deleteLater()
    return password if accepted and password else None


# ----- the File menu's team commands ---------------------------------------------------------
class TeamCases(QObject):
    """File > Open Team Case…, Publish to Team Server…, Save Team Case Link…, and opening addresses."""

    def __init__(self, documents: Documents) -> None:
        super().__init__(documents)
        self.documents = documents
        self.window = documents.window
        self.settings = documents.settings

    def open_entry(self, entry: Path | str) -> None:
        """Open a server address or a link file."""
        text = str(entry)
        if is_server_address(text):
            self.open_address(text)
            return
        try:
            address = read_link(Path(text))
        except CaseFileError as exc:
            self.documents.warn(f"{Path(text).name} was not opened.\n\n{exc}", "Cannot Open Team Case")
            return
        self.open_address(address)

    def open_address(self, address: str, *, asked: bool = False) -> None:
        """Connect to a team case in the background, then show it (asking for a password if the server wants one)."""
        address = without_password(address)
        self.window.flush()

        def done(result: OpenResult) -> None:
            session = CaseSession(result.cf)
            # Queued: a read that fails while the window is still being built is told once it is.
            session.unavailable.connect(self._lists_unavailable, Qt.ConnectionType.QueuedConnection)
            self.window.set_session(session, notices=result.notices)
            self.settings.add_recent(address)
            self.window.update_recent_menu()
            self.documents.status(f"Opened {label(address)}" + (" (read-only)" if result.cf.read_only else ""))
            self.documents.opened.emit(session)

        def refused(exc: BaseException) -> None:
            if is_password_refused(exc):
                forget_password(address)
                password = ask_password(self.window, address, refused=asked)
                if password is not None:
                    remember_password(address, password)
                    self.open_address(address, asked=True)
                    return
            if isinstance(exc, CaseFileError):
                self.documents.warn(f"{label(address)} was not opened.\n\n{exc}", "Cannot Open Team Case")
            else:
                self.documents.show_failure(exc)

        self.documents.run(
            f"Connecting to {label(address)}…",
            Job(open_team_case, address),
            on_done=done,
            on_failed=refused,
            cancellable=True,
        )

    def _lists_unavailable(self, message: str) -> None:
        view = self.window.case_view
        if view is not None:
            view.add_banner(message, "warning")

    def open_dialog(self) -> None:
        """File > Open Team Case…"""
        from .dialogs.open_team_case import OpenTeamCaseDialog

        dialog = OpenTeamCaseDialog(self.settings, self.documents.tasks, self.window)
        accepted = dialog.exec() == OpenTeamCaseDialog.DialogCode.Accepted
        address = dialog.chosen_address()
        dialog.deleteLater()
        if accepted and address:
            self.open_address(address)

    def publish(self) -> None:
        """File > Publish to Team Server…: the open case file as a new team case, then offer to open it."""
        from .dialogs.publish_dialog import PublishDialog

        session = self.documents.session
        if session is None or session.path is None:
            return
        self.window.flush()
        dialog = PublishDialog(self.settings, session.path.stem, self.window)
        accepted = dialog.exec() == PublishDialog.DialogCode.Accepted
        address = dialog.address()
        dialog.deleteLater()
        if accepted and address:
            self._publish(session.path, address, force=False)

    def _publish(self, path: Path, address: str, *, force: bool, asked: bool = False) -> None:
        shown = label(address)

        def done(result: str | None) -> None:
            if result is None:
                answer = QMessageBox.question(
                    self.window,
                    "Replace Team Case?",
                    f"There is already a case named {shown}. Replace it with {path.name}? "
                    "Everything in the team case now is lost.",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                    QMessageBox.StandardButton.Cancel,
                )
                if answer == QMessageBox.StandardButton.Yes:
                    self._publish(path, address, force=True)
                return
            self.settings.remember_server(without_case(address))
            box = QMessageBox(self.window)
            box.setIcon(QMessageBox.Icon.Information)
            box.setWindowTitle("Published")
            box.setText(f"{path.name} is now the team case {shown}.")
            open_it = box.addButton("Open Team Case", QMessageBox.ButtonRole.AcceptRole)
            box.addButton("Not Now", QMessageBox.ButtonRole.RejectRole)
            box.setDefaultButton(open_it)
            box.exec()
            if box.clickedButton() is open_it:
                self.open_address(address)

        def failed(exc: BaseException) -> None:
            if is_password_refused(exc):
                forget_password(address)
                password = ask_password(self.window, address, refused=asked)
                if password is not None:
                    remember_password(address, password)
                    self._publish(path, address, force=force, asked=True)
                return
            if isinstance(exc, CaseFileError):
                self.documents.warn(f"{path.name} was not published.\n\n{exc}", "Cannot Publish")
            else:
                self.documents.show_failure(exc)

        self.documents.run(
            f"Publishing {path.name} to {shown}…",
            Job(publish, path, address, force),
            on_done=done,
            on_failed=failed,
            cancellable=True,
        )

    def save_link(self) -> None:
        """File > Save Team Case Link…: a small file that opens this team case on double-click."""
        session = self.documents.session
        case = session.team_case if session is not None else None
        if case is None:
            return
        folder = self.settings.folder("open")
        name = f"{case.display_name}{LINK_SUFFIX}"
        path = file_dialogs.ask_save_link(self.window, str(Path(folder) / name) if folder else name)
        if path is None:
            return
        try:
            write_link(path, case.address.with_case(case.display_name))
        except CaseFileError as exc:
            self.documents.warn(str(exc))
            return
        self.documents.status(f"Saved a link to {case.display_name} as {path}")

    def update_actions(self) -> None:
        """Enable what applies to the open case: a team case has no backups and no file to publish."""
        session = self.documents.session
        team = session is not None and session.team_case is not None
        actions = self.window.action_registry
        actions[ActionId.SAVE_TEAM_LINK].setEnabled(team)
        actions[ActionId.PUBLISH_TEAM].setEnabled(session is not None and not team)
        restore = actions[ActionId.RESTORE_BACKUP]
        restore.setEnabled(not team)
        restore.setStatusTip(
            "A team case is backed up on its server (pg_dump), not by Casefile"
            if team
            else "Open one of the automatic backups"
        )
        # A team case has no folder beside it: its packets go to the briefing folder.
        export = actions[ActionId.EXPORT_BRIEFING]
        tip = (
            "Write the briefing packet PDF in Documents/Casefile Briefings or the folder chosen in Briefing Options"
            if team
            else "Write the briefing packet PDF beside the case file"
        )
        export.setStatusTip(tip)
        keys = export.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        export.setToolTip(f"{tip} ({keys})" if keys else tip)
