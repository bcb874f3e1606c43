"""Briefing Options…: what the packet holds and how it prints (saved in the case file)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from db.dates import PartialDate
from db.editions import Edition

from ..briefing.options import MAX_EXCERPT_WORDS, SECTION_IDS, BriefingOptions
from ..file_dialogs import ask_folder
from ..theme import show_as_error

SECTION_LABELS = {
    "summary": "Summary and key events at a glance",
    "chronology": "Chronology",
    "actors": "Actors",
    "directives": "Directives",
    "statements": "Statements",
    "sources": "Sources",
}


class BriefingOptionsDialog(QDialog):
    """Edits a BriefingOptions; ``options()`` returns the result (valid when accepted)."""

    def __init__(
        self, options: BriefingOptions, parent: QWidget | None = None, *, editions: Sequence[Edition] = ()
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Briefing Options")
        # Saved back with every choice the dialog does not show, so saving never resets one.
        self._stored = dataclasses.replace(options, sections=list(options.sections))
        self._kept = {edition.number for edition in editions}
        self.sections = QListWidget(self)
        self.sections.setAccessibleName("Sections, in order")
        self.sections.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        chosen = list(options.sections)
        for section in chosen + [s for s in SECTION_IDS if s not in chosen]:
            item = QListWidgetItem(SECTION_LABELS[section], self.sections)
            item.setData(Qt.ItemDataRole.UserRole, section)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if section in chosen else Qt.CheckState.Unchecked)
        self.sections.setCurrentRow(0)
        up = QPushButton("Move &Up", self)
        down = QPushButton("Move &Down", self)
        up.clicked.connect(lambda: self._move(-1))
        down.clicked.connect(lambda: self._move(1))
        order_buttons = QVBoxLayout()
        order_buttons.addWidget(up)
        order_buttons.addWidget(down)
        order_buttons.addStretch(1)
        order = QHBoxLayout()
        order.addWidget(self.sections, 1)
        order.addLayout(order_buttons)

        self.date_from = QLineEdit(self._date_text(options.date_from), self)
        self.date_to = QLineEdit(self._date_text(options.date_to), self)
        for edit, word in ((self.date_from, "From"), (self.date_to, "To")):
            edit.setPlaceholderText("any date")
            edit.setAccessibleName(f"{word} date")
            edit.textChanged.connect(self._validate)
        self.key_only = QCheckBox("Chronology shows &key events only", self)
        self.key_only.setChecked(options.key_only)
        self.changes_since = QComboBox(self)
        self.changes_since.setAccessibleName("Show changes since")
        self.changes_since.setToolTip(
            "The packet lists what was added, changed and removed since this edition and marks "
            "changed records in the margin. The last edition is always the newest packet kept."
        )
        _fill_changes_since(self.changes_since, editions, options.changes_since)
        self.changes_since.currentIndexChanged.connect(self._validate)
        self.paper = QComboBox(self)
        self.paper.addItem("US Letter", "letter")
        self.paper.addItem("A4", "a4")
        self.paper.setCurrentIndex(max(self.paper.findData(options.paper), 0))
        self.paper.setAccessibleName("Paper size")
        self.marking = QLineEdit(options.marking_override or "", self)
        self.marking.setPlaceholderText("the case's marking")
        self.marking.setAccessibleName("Marking override")
        self.check_annex = QCheckBox("List records with gaps in a “Before it goes &out” annex", self)
        self.check_annex.setToolTip(
            "Quotes and records with no source, speaker or issued date are marked where they print "
            "either way; the annex lists them at the end, with their pages."
        )
        self.check_annex.setChecked(options.check_annex)
        self.excerpt_words = QSpinBox(self)
        self.excerpt_words.setRange(0, MAX_EXCERPT_WORDS)
        self.excerpt_words.setSingleStep(25)
        self.excerpt_words.setSuffix(" words")
        self.excerpt_words.setSpecialValueText("Never (print every text whole)")
        self.excerpt_words.setValue(options.excerpt_words)
        self.excerpt_words.setAccessibleName("Excerpt texts longer than")
        self.excerpt_words.setToolTip(
            "Statements, directive summaries and chronology descriptions longer than this print cut "
            "at a sentence, with their full texts in an annex at the end."
        )
        self.deterministic = QCheckBox("&Identical file every time (fixed timestamps)", self)
        self.deterministic.setChecked(options.deterministic)
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setPlaceholderText("beside the case file or in Documents")
        self.folder_edit.setToolTip(
            "Empty: beside the case file, or in Documents/Casefile Briefings when that folder is "
            "Casefile's own or cannot be written"
        )
        self.folder_edit.setAccessibleName("Export folder")
        browse = QPushButton("&Browse…", self)
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        self.error = QLabel(self)
        show_as_error(self.error)
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.addRow(_buddy_label("&Sections:", self.sections), order)
        form.addRow("&From:", self.date_from)
        form.addRow("&To:", self.date_to)
        form.addRow("", self.key_only)
        form.addRow(_buddy_label("Show &changes since:", self.changes_since), self.changes_since)
        form.addRow("&Paper:", self.paper)
        form.addRow("&Marking:", self.marking)
        form.addRow("", self.check_annex)
        form.addRow(_buddy_label("E&xcerpt texts longer than:", self.excerpt_words), self.excerpt_words)
        form.addRow("", self.deterministic)
        form.addRow(_buddy_label("Export &folder:", self.folder_edit), folder_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._validate()

    @staticmethod
    def _date_text(iso: str | None) -> str:
        return PartialDate.parse_iso(iso).display() if iso else ""

    def _move(self, step: int) -> None:
        row = self.sections.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.sections.count():
            return
        item = self.sections.takeItem(row)
        self.sections.insertItem(target, item)
        self.sections.setCurrentRow(target)

    def _browse(self) -> None:
        folder = ask_folder(self, "Folder for Briefing Packets", self.folder_edit.text())
        if folder is not None:
            self.folder_edit.setText(str(folder))

    def set_folder(self, folder: str) -> None:
        """Show the remembered export folder."""
        self.folder_edit.setText(folder)

    def folder(self) -> str:
        """The export folder chosen ("" = the app chooses: see ``briefing_export.packet_folder``)."""
        return self.folder_edit.text().strip()

    def _validate(self) -> None:
        try:
            self.options().validate()
            message = self._changes_since_problem()
        except ValueError as exc:
            message = str(exc)
        self.error.setText(message)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not message)

    def options(self) -> BriefingOptions:
        """The options as edited (raises ValueError for an unreadable date)."""
        sections = [
            self.sections.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.sections.count())
            if self.sections.item(i).checkState() == Qt.CheckState.Checked
        ]
        dates = []
        for edit in (self.date_from, self.date_to):
            text = edit.text().strip()
            dates.append(PartialDate.parse(text).iso if text else None)
        return dataclasses.replace(
            self._stored,
            sections=sections,
            date_from=dates[0],
            date_to=dates[1],
            key_only=self.key_only.isChecked(),
            paper=str(self.paper.currentData()),
            marking_override=self.marking.text().strip() or None,
            deterministic=self.deterministic.isChecked(),
            check_annex=self.check_annex.isChecked(),
            excerpt_words=self.excerpt_words.value(),
            changes_since=self.changes_since.currentData(),
        )

    def _changes_since_problem(self) -> str:
        since = self.changes_since.currentData()
        if type(since) is int and since not in self._kept:
            # Refused here rather than at export, where it would stop the packet being written.
            return (
                f"Edition {since} is no longer kept in this case file: choose another edition, or no changes section."
            )
        return ""


def _fill_changes_since(combo: QComboBox, editions: Sequence[Edition], chosen: object) -> None:
    """The editions a packet can show changes since, newest first, with ``chosen`` selected."""
    newest_first = sorted(editions, key=lambda e: e.number, reverse=True)
    if newest_first:
        last = newest_first[0]
        combo.addItem(f"The last edition ({last.number}, {_made_day(last)})", "last")
    else:
        combo.addItem("No editions yet: the first packet starts the record", "last")
    for edition in newest_first:
        who = " ".join(edition.made_by.split())
        # The name comes from whoever made the file: a long one must not widen the dialog.
        who = f" ({who if len(who) <= 40 else who[:39] + '…'})" if who else ""
        combo.addItem(f"Edition {edition.number} of {_made_day(edition)}{who}", edition.number)
    combo.addItem("No changes section", None)
    if type(chosen) is int and combo.findData(chosen) < 0:
        # An edition since deleted: shown for what it is, so the choice is not changed unseen.
        combo.insertItem(1, f"Edition {chosen} (no longer kept)", chosen)
    # findData cannot find None, and would take 1 for True: look for the exact value.
    found = next((i for i in range(combo.count()) if _same(combo.itemData(i), chosen)), 0)
    combo.setCurrentIndex(found)


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def _made_day(edition: Edition) -> str:
    """The day an edition was made, as the packet prints dates ("June 24, 2026")."""
    when = edition.made_at()
    return PartialDate.from_date(when.date()).display() if when is not None else edition.made


def _buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose mnemonic focuses ``buddy`` (a row holding a layout gets no buddy of
    its own, and its label would show the "&")."""
    label = QLabel(text, buddy.parentWidget())
    label.setBuddy(buddy)
    return label
