"""File > Publish to Team Server…: which server and database, and the new case's name."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from db.address import CASE_NAME_LIMIT, AddressError, check_case_name, parse_server_address

from ..settings import Settings
from .open_team_case import ServerForm


def suggested_name(stem: str) -> str:
    """A case name made from a file name: letters, digits, "-" and "_" only."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-").lower()
    return name[:CASE_NAME_LIMIT] or "case"


class PublishDialog(QDialog):
    """Server fields and the case name, checked as it is typed."""

    def __init__(self, settings: Settings, file_stem: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Publish to Team Server")
        self.resize(520, 0)
        intro = QLabel(
            "Puts a copy of this case file on a PostgreSQL server as a team case that the office "
            "opens with File > Open Team Case. The case file itself is not changed.",
            self,
        )
        intro.setWordWrap(True)
        self.form = ServerForm(settings, self)
        self.name = QLineEdit(suggested_name(file_stem), self)
        self.name.setMaxLength(CASE_NAME_LIMIT)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setObjectName("case_name_problem")
        self.form.rows.addRow("Case &name:", self.name)
        self.form.rows.addRow("", self.problem)
        self.buttons = QDialogButtonBox(self)
        self.publish_button = self.buttons.addButton("&Publish", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.publish_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.form.changed.connect(self._check)
        self.name.textChanged.connect(self._check)
        self._check()
        (self.form.host if not self.form.host.text() else self.name).setFocus()
        self.name.selectAll()

    def _check(self) -> None:
        problem = ""
        try:
            check_case_name(self.name.text())
        except AddressError as exc:
            problem = str(exc)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.publish_button.setEnabled(not problem and self.form.is_complete())

    def address(self) -> str | None:
        """The new case's address (no password), or None while the fields are incomplete."""
        if not self.publish_button.isEnabled():
            return None
        try:
            return parse_server_address(self.form.server_address(), need_case=False).with_case(self.name.text())
        except AddressError:
            return None

    def accept(self) -> None:
        if self.address() is not None:
            super().accept()
