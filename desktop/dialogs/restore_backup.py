"""File > Restore From Backup…: pick an automatic backup and restore it into a new file."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.sqlite.backups import Backup

BackupRole = Qt.ItemDataRole.UserRole + 1


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(1, n // 1024)} KB"


class RestoreBackupDialog(QDialog):
    """Lists backups (newest first) with their date, case title and size."""

    def __init__(self, backups: list[Backup], note: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore From Backup")
        self.resize(640, 380)
        label = QLabel(note, self)
        label.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Backed up", "Case", "Size"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAccessibleName("Backups")
        for backup in backups:
            made = backup.made.strftime("%B %d, %Y, %I:%M %p").replace(" 0", " ")
            item = QTreeWidgetItem([made, backup.title() or "(untitled)", _size(backup.size)])
            item.setData(0, BackupRole, backup)
            self.tree.addTopLevelItem(item)
        for column in range(3):
            self.tree.resizeColumnToContents(column)
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)
        self.buttons = QDialogButtonBox(self)
        self.restore_button = self.buttons.addButton("Restore as New File…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button.setEnabled(bool(backups))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.tree.itemDoubleClicked.connect(lambda _i, _c: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.buttons)

    def chosen(self) -> Backup | None:
        """The selected backup."""
        item = self.tree.currentItem()
        value = item.data(0, BackupRole) if item is not None else None
        return value if isinstance(value, Backup) else None
