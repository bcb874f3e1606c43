"""Preferences: how Casefile behaves on this computer (kept in the user settings, not the case)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from db.paths import backups_dir

from ..file_dialogs import ask_folder
from ..settings import Settings


class PreferencesDialog(QDialog):
    """Start-up, backups and the briefing folder; ``apply()`` saves them."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Preferences")
        self.reopen = QCheckBox("&Reopen the last case file when Casefile starts", self)
        self.reopen.setChecked(settings.reopen_last())
        self.keep = QSpinBox(self)
        self.keep.setRange(1, 100)
        self.keep.setValue(settings.backups_to_keep())
        self.keep.setSuffix(" per case file")
        self.keep.setAccessibleName("Backups to keep")
        where = QLabel(f"Backups are kept in {backups_dir()}", self)
        where.setWordWrap(True)
        where.setEnabled(False)
        self.folder = QLineEdit(settings.folder("briefing"), self)
        self.folder.setPlaceholderText("beside the case file")
        self.folder.setAccessibleName("Folder for briefing packets")
        browse = QPushButton("&Browse…", self)
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        form = QFormLayout(self)
        form.addRow(self.reopen)
        form.addRow("Automatic &backups to keep:", self.keep)
        form.addRow("", where)
        folder_label = QLabel("Briefing packets &folder:", self)
        folder_label.setBuddy(self.folder)  # a row holding a layout gets no buddy of its own
        form.addRow(folder_label, folder_row)
        form.addRow(buttons)

    def _browse(self) -> None:
        chosen = ask_folder(self, "Folder for Briefing Packets", self.folder.text())
        if chosen is not None:
            self.folder.setText(str(chosen))

    def apply(self) -> None:
        """Save the choices."""
        from pathlib import Path

        self.settings.set_reopen_last(self.reopen.isChecked())
        self.settings.set_backups_to_keep(self.keep.value())
        folder = self.folder.text().strip()
        if folder:
            self.settings.set_folder("briefing", Path(folder))
        else:
            self.settings.clear_folder("briefing")
