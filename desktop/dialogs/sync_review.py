"""The review before a sync writes anything: what merges by itself, and each conflict between
this copy (mine) and the master (theirs) with Base / Mine / Theirs side by side and a decision.

A conflict left undecided is postponed, never guessed: the sync keeps each side's own value and
the replica lists it again next time. Keep Mine, Keep Theirs and Decide Later apply to every
conflict selected in the list, and Decide All to every one not yet decided. The panes are filled
from the merge on demand, so a merge of tens of thousands of changes opens as quickly as a small one.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.fields import KINDS
from db.merge import CASE, Conflict, Decision, Edited, Merge, Reason, Side, kind_of
from db.merge_state import field_spec

from ..theme import is_dark
from ..views.case_overview import muted
from .conflict_dialog import value_label
from .sync_changes import SHOWN_PER_GROUP, ChangesTree, count
from .sync_decide_all import DecideAllButton
from .sync_values import Names, conflict_texts, names_from, value_shown
from .value_editor import EDITABLE_TYPES, ValueEditor

ConflictKey = tuple[str, str, str | None]

REASONS = {
    Reason.BOTH_CHANGED: "Changed differently in this copy and in the master",
    Reason.DELETED_BY_OURS: "Deleted in this copy, changed in the master",
    Reason.DELETED_BY_THEIRS: "Deleted in the master, changed in this copy",
    Reason.REFERRED_BY_THEIRS: "Deleted in this copy, still referred to in the master",
    Reason.REFERRED_BY_OURS: "Deleted in the master, still referred to in this copy",
}


def part_label(part: str) -> str:
    """A part's kind as a word: "Statement", or "Case"."""
    kind = kind_of(part)
    return "Case" if kind is None else KINDS[kind].label


def decision_text(decision: Decision) -> str:
    if decision is None:
        return "Decide later"
    if isinstance(decision, Edited):
        return "Edited"
    return "Keep mine" if decision is Side.OURS else "Keep theirs"


class SyncReviewDialog(QDialog):
    """What merges by itself, and a decision for each conflict, before a sync writes anything."""

    def __init__(
        self, merge: Merge, names: Names | None = None, master: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.merge = merge
        self.names = names or names_from(merge)
        self._decisions: dict[ConflictKey, Decision] = {c.key: None for c in merge.conflicts}
        self._rows = {c.key: row for row, c in enumerate(merge.conflicts)}
        self.setWindowTitle("Sync with Master")
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)

        self.heading = QLabel("Review the sync before anything is written", self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        self.summary = QLabel(self._summary_text(master), self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.summary)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._conflicts_section())
        splitter.addWidget(self._changes_section())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

        buttons = QDialogButtonBox(self)
        self.sync_button = buttons.addButton("&Sync", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.sync_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        first = self.conflict_list.topLevelItem(0)
        if merge.conflicts and first is not None:
            self.conflict_list.setCurrentItem(first)
        self._update_counts()
        self.resize(980, 720)

    # ----- what the dialog gives -------------------------------------------------------------

    def decisions(self) -> dict[ConflictKey, Decision]:
        """A decision for each conflict: Side.OURS, Side.THEIRS, Edited(value), or None (decide later)."""
        return dict(self._decisions)

    def decided(self) -> int:
        return sum(d is not None for d in self._decisions.values())

    # ----- the conflicts ---------------------------------------------------------------------

    def _conflicts_section(self) -> QWidget:
        section = QWidget(self)
        outer = QVBoxLayout(section)
        outer.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        caption = QLabel("&Conflicts", section)
        self._bold(caption)
        self.count_label = muted("", section)
        self.count_label.setWordWrap(False)
        self.decide_all_button = DecideAllButton(self._decide_all, self, section)
        top.addWidget(caption)
        top.addStretch(1)
        top.addWidget(self.count_label)
        top.addSpacing(8)
        top.addWidget(self.decide_all_button)
        outer.addLayout(top)

        self.conflict_list = QTreeWidget(section)
        self.conflict_list.setHeaderLabels(["Record", "Field", "Decision"])
        self.conflict_list.setRootIsDecorated(False)
        self.conflict_list.setUniformRowHeights(True)
        self.conflict_list.setAccessibleName("Conflicts")
        # Shift and Ctrl pick several conflicts that go the same way, to decide them in one choice.
        self.conflict_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.conflict_list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        caption.setBuddy(self.conflict_list)
        items = []
        for c in self.merge.conflicts:
            item = QTreeWidgetItem([f"{part_label(c.part)} · {c.title}", self._field_label(c), ""])
            item.setToolTip(0, c.title)
            self._show_in_list(item, None)
            items.append(item)
        self.conflict_list.addTopLevelItems(items)
        self.conflict_list.currentItemChanged.connect(lambda *_: self._show_current())
        self.conflict_list.itemSelectionChanged.connect(self._selection_changed)

        self.detail = self._detail_pane(section)
        row = QSplitter(Qt.Orientation.Horizontal, section)
        row.setChildrenCollapsible(False)
        row.addWidget(self.conflict_list)
        row.addWidget(self.detail)
        row.setStretchFactor(0, 2)
        row.setStretchFactor(1, 5)
        row.setSizes([340, 620])
        outer.addWidget(row, 1)
        if not self.merge.conflicts:
            row.hide()
            self.count_label.hide()
            self.decide_all_button.hide()
            caption.setText("No conflicts: everything merges by itself.")
            caption.setFont(self.font())
        return section

    def _detail_pane(self, parent: QWidget) -> QWidget:
        pane = QFrame(parent)
        pane.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(pane)
        self.record_label = QLabel(pane)
        self.record_label.setWordWrap(True)
        self.record_label.setTextFormat(Qt.TextFormat.PlainText)
        self._bold(self.record_label)
        self.reason_label = QLabel(pane)
        self.reason_label.setWordWrap(True)
        self.reason_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.record_label)
        layout.addWidget(self.reason_label)

        body = QWidget(pane)
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        self.value_labels: dict[str, QLabel] = {}
        for column, (name, caption) in enumerate(
            (
                ("base", "Base (as both sides last agreed)"),
                ("mine", "Mine (this copy)"),
                ("theirs", "Theirs (the master)"),
            )
        ):
            title = muted(caption, body)  # quieter than the values under it
            grid.addWidget(title, 0, column)
            value = value_label("", caption.split(" ")[0], body)
            grid.addWidget(value, 1, column)
            grid.setColumnStretch(column, 1)
            self.value_labels[name] = value
        grid.setRowStretch(2, 1)
        scroll = QScrollArea(pane)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)

        self.edited_label = QLabel(pane)
        self.edited_label.setWordWrap(True)
        self.edited_label.setTextFormat(Qt.TextFormat.PlainText)
        self.edited_label.hide()
        layout.addWidget(self.edited_label)
        self.hint_label = muted("", pane)
        layout.addWidget(self.hint_label)
        self.selection_label = QLabel(pane)
        self.selection_label.setWordWrap(True)
        self.selection_label.setTextFormat(Qt.TextFormat.PlainText)
        self._bold(self.selection_label)
        self.selection_label.hide()
        layout.addWidget(self.selection_label)

        choices = QHBoxLayout()
        self.keep_mine_button = QPushButton("Keep &Mine", pane)
        self.keep_theirs_button = QPushButton("Keep &Theirs", pane)
        self.edit_button = QPushButton("&Edit…", pane)
        self.later_button = QPushButton("Decide &Later", pane)
        # Checked shows the decision; not an exclusive group, which Tab would pass over as one stop.
        for button in (self.keep_mine_button, self.keep_theirs_button, self.edit_button, self.later_button):
            button.setCheckable(True)
            button.setAutoDefault(False)  # Enter is Sync wherever the focus is
        self.keep_mine_button.clicked.connect(lambda: self._decide(Side.OURS))
        self.keep_theirs_button.clicked.connect(lambda: self._decide(Side.THEIRS))
        self.edit_button.clicked.connect(self._edit)
        self.later_button.clicked.connect(lambda: self._decide(None))
        choices.addWidget(self.keep_mine_button)
        choices.addWidget(self.keep_theirs_button)
        choices.addWidget(self.edit_button)
        choices.addStretch(1)
        choices.addWidget(self.later_button)
        layout.addLayout(choices)
        return pane

    def current(self) -> Conflict | None:
        """The conflict shown in the detail pane."""
        item = self.conflict_list.currentItem()
        if item is None:
            return None
        return self.merge.conflicts[self.conflict_list.indexOfTopLevelItem(item)]

    def _show_current(self) -> None:
        c = self.current()
        if c is None:
            return
        self.record_label.setText(f"{part_label(c.part)} “{c.title}”" if c.part != CASE else c.title)
        reason = REASONS[c.reason]
        self.reason_label.setText(
            f"{self._field_label(c)}: {reason[0].lower()}{reason[1:]}." if c.field else f"{reason}."
        )
        base, mine, theirs = self._texts(c)
        self.value_labels["base"].setText(base)
        self.value_labels["mine"].setText(mine)
        self.value_labels["theirs"].setText(theirs)
        self.hint_label.setText(self._hint(c))
        self._show_decision(c)

    def selected(self) -> list[Conflict]:
        """The conflicts a choice applies to: those selected in the list, else the one shown."""
        rows = self._selected_rows()
        if rows:
            return [self.merge.conflicts[row] for row in rows]
        c = self.current()
        return [] if c is None else [c]

    def _selected_rows(self) -> list[int]:
        # By model index: looking items up one by one would take seconds for thousands selected.
        return sorted(index.row() for index in self.conflict_list.selectionModel().selectedRows())

    def _selection_changed(self) -> None:
        # The conflict shown is always one the choices apply to: Ctrl+click can unselect the
        # current row while others stay selected, so the pane moves to the first of those.
        tree = self.conflict_list
        item = tree.currentItem()
        if item is None or not item.isSelected():
            rows = self._selected_rows()
            if rows:
                first = tree.model().index(rows[0], 0)
                tree.selectionModel().setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
        c = self.current()
        if c is not None:
            self._show_decision(c)

    def _show_decision(self, c: Conflict) -> None:
        chosen = self.selected()
        many = len(chosen) > 1
        decisions = [self._decisions[x.key] for x in chosen] or [self._decisions[c.key]]
        # A choice shows checked only when every selected conflict has it.
        agreed = decisions[0] if all(d == decisions[0] for d in decisions) else "mixed"
        decision = self._decisions[c.key]
        self.keep_mine_button.setChecked(agreed is Side.OURS)
        self.keep_theirs_button.setChecked(agreed is Side.THEIRS)
        self.edit_button.setChecked(not many and isinstance(decision, Edited))
        self.later_button.setChecked(agreed is None)
        spec = field_spec(c.part, c.field) if c.field else None
        editable = c.editable and spec is not None and spec.type in EDITABLE_TYPES
        self.edit_button.setEnabled(editable and not many)
        self.edit_button.setToolTip(
            "Edit… gives one conflict a value of your own: select just one to edit it" if many else ""
        )
        self.selection_label.setVisible(many)
        if many:
            self.selection_label.setText(
                f"{len(chosen):,} conflicts selected: Keep Mine, Keep Theirs and Decide Later apply to all of them."
            )
        if isinstance(decision, Edited):
            spec = field_spec(c.part, c.field or "")
            self.edited_label.setText(f"Your value: {value_shown(self.names, spec, decision.value)}")
            self.edited_label.show()
        else:
            self.edited_label.hide()

    def _hint(self, c: Conflict) -> str:
        if c.field is not None:
            return ""
        what = part_label(c.part).lower()
        mine = "deletes it" if c.ours is None else "keeps it as this copy has it"
        theirs = "deletes it" if c.theirs is None else "keeps it as the master has it"
        return f"Keep Mine {mine}; Keep Theirs {theirs}. A deleted {what} is kept or deleted, not edited."

    def _decide(self, decision: Decision, conflicts: list[Conflict] | None = None) -> None:
        """Give ``conflicts`` (by default those selected) the decision, and show it."""
        # A column sized to its contents measures every row on each change: thousands of
        # decisions would take a minute. It is measured once, after them all.
        header = self.conflict_list.header()
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        for c in self.selected() if conflicts is None else conflicts:
            self._decisions[c.key] = decision
            item = self.conflict_list.topLevelItem(self._rows[c.key])
            if item is not None:
                self._show_in_list(item, decision)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        shown = self.current()
        if shown is not None:
            self._show_decision(shown)
        self._update_counts()

    def _decide_all(self, side: Side) -> None:
        """Decide Keep Mine or Keep Theirs for each conflict not yet decided, and no other."""
        self._decide(side, [c for c in self.merge.conflicts if self._decisions[c.key] is None])

    def _edit(self) -> None:
        c = self.current()
        if c is None or c.field is None or len(self.selected()) > 1:
            return
        spec = field_spec(c.part, c.field)
        assert spec is not None
        earlier = self._decisions[c.key]
        start = earlier.value if isinstance(earlier, Edited) else c.ours
        editor = ValueEditor(spec, f"{part_label(c.part).lower()} “{c.title}”", start, self)
        if editor.exec() == QDialog.DialogCode.Accepted:
            self._decide(Edited(editor.value), [c])
        else:
            self._show_decision(c)  # Cancel leaves the decision as it was
        editor.deleteLater()

    def _show_in_list(self, item: QTreeWidgetItem, decision: Decision) -> None:
        item.setText(2, decision_text(decision))
        role = QPalette.ColorRole.PlaceholderText if decision is None else QPalette.ColorRole.Text
        item.setForeground(2, self.palette().brush(role))  # what still waits reads quieter

    def _update_counts(self) -> None:
        total, done = len(self._decisions), self.decided()
        self.count_label.setText(f"{done:,} of {total:,} conflicts decided")
        later = total - done
        self.sync_button.setText(f"&Sync and Keep {later:,} for Later" if later else "&Sync")
        self.decide_all_button.show_undecided(later)

    # ----- showing values --------------------------------------------------------------------

    def _texts(self, c: Conflict) -> tuple[str, str, str]:
        return conflict_texts(c, self.names, self._mark())

    def _field_label(self, c: Conflict) -> str:
        if c.field is None:
            return "Whole record"
        spec = field_spec(c.part, c.field)
        return spec.label if spec is not None else c.field

    def _mark(self) -> str:
        if is_dark(self.palette()):
            return '<span style="background-color:#6b5300; color:#ffffff">'
        return '<span style="background-color:#ffe38f; color:#000000">'

    @staticmethod
    def _bold(label: QLabel) -> None:
        font = label.font()
        font.setBold(True)
        label.setFont(font)

    # ----- what merges by itself -------------------------------------------------------------

    def _changes_section(self) -> QWidget:
        section = QWidget(self)
        layout = QVBoxLayout(section)
        layout.setContentsMargins(0, 0, 0, 0)
        caption = QLabel("Merges by &itself", section)
        self._bold(caption)
        layout.addWidget(caption)
        self.change_tree = ChangesTree(self.merge, section)
        caption.setBuddy(self.change_tree)
        layout.addWidget(self.change_tree, 1)
        return section

    def _summary_text(self, master: str | None) -> str:
        m = self.merge
        where = f"The master is {master}. " if master else ""
        auto = count(len(m.changes), "change") + (" merges" if len(m.changes) == 1 else " merge") + " by itself"
        if len(m.changes) != 1:
            auto = auto.replace("by itself", "by themselves")
        conflicts = f"; {count(len(m.conflicts), 'conflict')} to decide" if m.conflicts else ""
        later = "a conflict left for later stays listed in this copy"
        return f"{where}{auto}{conflicts}. Nothing is written until you choose Sync; {later}."


__all__ = ["SHOWN_PER_GROUP", "SyncReviewDialog", "ValueEditor"]
