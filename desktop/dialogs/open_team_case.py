"""File > Open Team Case…: say which server and database, list the cases there, pick one.

Listing connects on a worker (a server that does not answer leaves the dialog responsive, with
Cancel); a failure is one plain line under the list. The server fields are shared with
Publish to Team Server… (``ServerForm``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import quote, unquote, urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.address import AddressError, parse_server_address
from db.errors import CaseFileError

from ..settings import Settings
from ..tasks import Job, JobService
from ..team_cases import SSL_MODES, ask_password, forget_password, is_password_refused, list_cases, remember_password

log = logging.getLogger("casefile.team")

DEFAULT_PORT = 5432
DEFAULT_SSLMODE = "prefer"
NameRole = Qt.ItemDataRole.UserRole + 1


class ServerForm(QWidget):
    """Server, port, database, user and TLS mode, with the servers used before to pick from."""

    changed = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.remembered = QComboBox(self)
        self.remembered.setAccessibleName("Recent servers")
        self.remembered.addItem("New server", "")
        for address in settings.remembered_servers():
            self.remembered.addItem(_server_label(address), address)
        self.host = QLineEdit(self)
        self.host.setPlaceholderText("db.example.org")
        self.port = QSpinBox(self)
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.port.setAccessibleName("Port")
        self.database = QLineEdit(self)
        self.database.setPlaceholderText("casefile")
        self.user = QLineEdit(self)
        self.user.setPlaceholderText("your login name")
        self.sslmode = QComboBox(self)
        self.sslmode.addItems(list(SSL_MODES))
        self.sslmode.setCurrentText(DEFAULT_SSLMODE)
        self.sslmode.setAccessibleName("TLS")
        where = QHBoxLayout()
        where.setContentsMargins(0, 0, 0, 0)
        where.addWidget(self.host, 1)
        port_label = QLabel("&Port:", self)
        port_label.setBuddy(self.port)
        where.addWidget(port_label)
        where.addWidget(self.port)
        form = self.rows = QFormLayout(self)  # a dialog may add rows of its own
        form.setContentsMargins(0, 0, 0, 0)
        if self.remembered.count() > 1:
            form.addRow("&Recent:", self.remembered)
        else:
            self.remembered.hide()
        host_label = QLabel("&Server:", self)
        host_label.setBuddy(self.host)
        form.addRow(host_label, where)
        form.addRow("&Database:", self.database)
        form.addRow("&User:", self.user)
        form.addRow("&TLS (sslmode):", self.sslmode)
        self.remembered.activated.connect(self._pick_remembered)
        for edit in (self.host, self.database, self.user):
            edit.textChanged.connect(self.changed)
        self.port.valueChanged.connect(self.changed)
        self.sslmode.currentIndexChanged.connect(self.changed)
        if self.remembered.count() > 1:
            self.remembered.setCurrentIndex(1)
            self._pick_remembered(1)

    def _pick_remembered(self, index: int) -> None:
        address = self.remembered.itemData(index)
        if not address:
            return
        parts = urlsplit(address)
        self.host.setText(parts.hostname or "")
        self.port.setValue(parts.port or DEFAULT_PORT)
        self.database.setText(unquote(parts.path.strip("/")))
        self.user.setText(unquote(parts.username or ""))
        query = dict(part.split("=", 1) for part in parts.query.split("&") if "=" in part)
        self.sslmode.setCurrentText(query.get("sslmode", DEFAULT_SSLMODE))

    def is_complete(self) -> bool:
        """True once a server and a database are given."""
        return bool(self.host.text().strip() and self.database.text().strip())

    def server_address(self) -> str:
        """The database's address as typed (no case, never a password)."""
        user = self.user.text().strip()
        login = f"{quote(user, safe='')}@" if user else ""
        host = self.host.text().strip()
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        port = f":{self.port.value()}" if self.port.value() != DEFAULT_PORT else ""
        database = quote(self.database.text().strip(), safe="")
        mode = self.sslmode.currentText()
        query = f"?sslmode={mode}" if mode != DEFAULT_SSLMODE else ""
        return f"postgresql://{login}{host}{port}/{database}{query}"

    def set_enabled(self, enabled: bool) -> None:
        """Lock the fields while connecting."""
        for widget in (self.remembered, self.host, self.port, self.database, self.user, self.sslmode):
            widget.setEnabled(enabled)


def _server_label(address: str) -> str:
    parts = urlsplit(address)
    user = f"{unquote(parts.username)}@" if parts.username else ""
    port = f":{parts.port}" if parts.port and parts.port != DEFAULT_PORT else ""
    return f"{user}{parts.hostname or 'localhost'}{port}/{unquote(parts.path.strip('/'))}"


def _when(text: str) -> str:
    """A last-change time (UTC ISO text) in local time, as people read it."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    hour = moment.strftime("%I:%M %p").lstrip("0").replace("AM", "a.m.").replace("PM", "p.m.")
    return f"{moment.strftime('%B')} {moment.day}, {moment.year}, {hour}"


class OpenTeamCaseDialog(QDialog):
    """Pick a team case: server fields, List Cases, a table of the cases there."""

    listed = Signal()  # the cases were listed (or the listing failed): the dialog is idle again

    def __init__(self, settings: Settings, jobs: JobService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open Team Case")
        self.resize(720, 460)
        self.settings, self.jobs = settings, jobs
        self.task: Job | None = None
        self.server: str | None = None  # the database the table lists
        self.form = ServerForm(settings, self)
        self.list_button = QPushButton("&List Cases", self)
        self.list_button.setAutoDefault(False)
        self.table = QTreeWidget(self)
        self.table.setHeaderLabels(["Case", "Title", "Last change"])
        self.table.setRootIsDecorated(False)
        self.table.setAccessibleName("Cases")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.header().setStretchLastSection(False)
        self.table.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel("Give the server and database, then list the cases there.", self)
        self.message.setWordWrap(True)
        self.message.setObjectName("team_case_message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(self)
        self.open_button = self.buttons.addButton("&Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.open_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.list_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.list_button.clicked.connect(self._list_or_cancel)
        self.form.changed.connect(self._fields_changed)
        self.table.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.table.itemDoubleClicked.connect(lambda *_: self.accept())
        self._update_buttons()
        (self.form.host if not self.form.host.text() else self.list_button).setFocus()

    @property
    def busy(self) -> bool:
        """True while connecting."""
        return self.task is not None

    def _fields_changed(self) -> None:
        if self.server is not None and self.form.server_address() != self.server:
            self.table.clear()  # the list no longer belongs to the fields shown
            self.server = None
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.list_button.setText("Cancel" if self.busy else "&List Cases")
        self.list_button.setEnabled(self.busy or self.form.is_complete())
        self.list_button.setDefault(self.table.topLevelItemCount() == 0)
        self.open_button.setEnabled(not self.busy and self.table.currentItem() is not None)
        self.open_button.setDefault(self.table.topLevelItemCount() > 0)

    def _list_or_cancel(self) -> None:
        if self.task is not None:
            self._cancel_listing()
        else:
            self.list_cases()

    def _cancel_listing(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self._idle("Cancelled.")

    def list_cases(self, *, asked: bool = False) -> None:
        """List the cases of the database in the fields (in the background)."""
        server = self.form.server_address()
        try:
            parse_server_address(server, need_case=False)
        except AddressError as exc:
            self.message.setText(str(exc))
            return
        task = Job(list_cases, server)
        self.task = task
        self.table.clear()
        self.form.set_enabled(False)
        self.message.setText(f"Connecting to {_server_label(server)}…")
        self._update_buttons()
        task.signals.finished.connect(lambda result: self._listed(task, server, result))
        task.signals.failed.connect(lambda exc, _details: self._failed(task, server, exc, asked))
        self.jobs.start(task)

    def _listed(self, task: Job, server: str, cases: list[object]) -> None:
        if task is not self.task:
            return  # cancelled: its answer is not wanted
        self.server = server
        self.settings.remember_server(server)
        for listing in cases:
            name, title, last, by = (getattr(listing, a) for a in ("name", "title", "last_change", "changed_by"))
            when = (_when(last) if last else "") + (f" by {by}" if by else "")
            item = QTreeWidgetItem([name, title or "(untitled)", when])
            item.setData(0, NameRole, name)
            self.table.addTopLevelItem(item)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(2)
        count = len(cases)
        self._idle(
            f"{count} case{'s' if count != 1 else ''} on {_server_label(server)}."
            if count
            else f"There are no cases on {_server_label(server)} that you may open."
        )
        first = self.table.topLevelItem(0)
        if first is not None:
            self.table.setCurrentItem(first)
            self.table.setFocus()

    def _failed(self, task: Job, server: str, exc: BaseException, asked: bool) -> None:
        if task is not self.task:
            return
        self._idle("")
        if is_password_refused(exc):
            forget_password(server)
            password = ask_password(self, server, refused=asked)
            if password is not None:
                remember_password(server, password)
                self.list_cases(asked=True)
                return
        if isinstance(exc, CaseFileError):
            self.message.setText(str(exc))
        else:
            log.error("listing the cases failed", exc_info=exc)
            self.message.setText(f"Could not list the cases: {exc}")

    def _idle(self, message: str) -> None:
        self.task = None
        self.form.set_enabled(True)
        self.message.setText(message)
        self._update_buttons()
        self.listed.emit()

    def chosen_address(self) -> str | None:
        """The address of the case picked (no password), or None."""
        item = self.table.currentItem()
        if item is None or self.server is None:
            return None
        return parse_server_address(self.server, need_case=False).with_case(str(item.data(0, NameRole)))

    def accept(self) -> None:
        if self.chosen_address() is not None and not self.busy:
            super().accept()

    def reject(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None
        super().reject()
