"""File > Briefing Editions…: the packets kept as editions, with Export Again… and Delete….

The dialog shows the list and asks; the window's ``EditionsCommands`` (``desktop.editions_app``)
does the work, so the list follows ``CaseSession.editions_changed`` whoever kept or deleted one.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.editions import Edition

from ..editions_export import options_summary

NumberRole = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Edition", "Made", "By", "Pages", "Options")


def made_text(edition: Edition) -> str:
    """When an edition was made, as people read it: "June 24, 2026, 9:15 AM"."""
    when = edition.made_at()
    if when is None:
        return edition.made
    return when.strftime("%B %d, %Y, %I:%M %p").replace(" 0", " ")


class EditionsDialog(QDialog):
    """Lists the case's editions, newest first; asks for Export Again and Delete."""

    export_again = Signal(int)  # the edition's number
    delete_asked = Signal(int)

    def __init__(self, read_only: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Briefing Editions")
        self.resize(760, 380)
        self.read_only = read_only
        intro = QLabel(
            "Every briefing packet exported is kept here as an edition. Export Again writes the same "
            "packet from what was kept; the next packet shows what changed since the last edition.",
            self,
        )
        intro.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAccessibleName("Editions")
        header = self.tree.headerItem()
        for column in (0, 3):  # numbers stand centred under their headings, clear of the next column
            header.setTextAlignment(column, Qt.AlignmentFlag.AlignCenter)
        self.tree.itemDoubleClicked.connect(lambda _item, _column: self._export_again())
        self.tree.currentItemChanged.connect(lambda *_a: self._update_buttons())
        self.empty = QLabel("No editions yet. Export a briefing packet (File > Export Briefing) and it is kept here.")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note = QLabel(self)  # what the last Export Again or Delete did
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(self)
        self.export_button = QPushButton("&Export Again…", self)
        self.export_button.setToolTip("Write this edition again, as it was exported")
        self.delete_button = QPushButton("&Delete…", self)
        self.delete_button.setToolTip("Delete this edition and what it printed from the case file")
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.export_button.clicked.connect(self._export_again)
        self.delete_button.clicked.connect(self._delete)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.set_editions([])

    def set_editions(self, editions: list[Edition]) -> None:
        """Show these editions (newest first), keeping the selected one selected."""
        current = self.current_number()
        self.tree.clear()
        for edition in sorted(editions, key=lambda e: e.number, reverse=True):
            item = QTreeWidgetItem(
                [str(edition.number), made_text(edition), edition.made_by, str(edition.pages),
                 options_summary(edition.options)]
            )  # fmt: skip
            item.setData(0, NumberRole, edition.number)
            item.setToolTip(0, f"SHA-256 {edition.pdf_sha256}\nMade by Casefile {edition.app_version}")
            for column in (0, 3):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignCenter)
            self.tree.addTopLevelItem(item)
            if edition.number == current:
                self.tree.setCurrentItem(item)
        first = self.tree.topLevelItem(0)
        if self.tree.currentItem() is None and first is not None:
            self.tree.setCurrentItem(first)
        for column in range(len(COLUMNS) - 1):
            self.tree.resizeColumnToContents(column)
            self.tree.setColumnWidth(column, self.tree.columnWidth(column) + 18)  # room between columns
        self.tree.setVisible(bool(editions))
        self.empty.setVisible(not editions)
        self._update_buttons()

    def current_number(self) -> int | None:
        """The selected edition's number."""
        item = self.tree.currentItem()
        return None if item is None else int(item.data(0, NumberRole))

    def select(self, number: int) -> None:
        """Select edition ``number`` in the list."""
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, NumberRole) == number:
                self.tree.setCurrentItem(item)

    def show_note(self, text: str) -> None:
        """Say what the last action did, under the list."""
        self.note.setText(text)

    def _update_buttons(self) -> None:
        chosen = self.current_number() is not None
        self.export_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen and not self.read_only)
        if self.read_only:
            self.delete_button.setToolTip("The case file is open read-only")

    def _export_again(self) -> None:
        number = self.current_number()
        if number is not None:
            self.export_again.emit(number)

    def _delete(self) -> None:
        number = self.current_number()
        if number is not None and not self.read_only:
            self.delete_asked.emit(number)
