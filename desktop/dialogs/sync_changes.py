"""The "Merges by itself" list of the sync review: each change one side made that the other
takes, grouped by kind of record, a kind's rows made only when it is opened (and at most
``SHOWN_PER_GROUP`` of them), so a sync of tens of thousands of changes opens at once."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from db.fields import KINDS
from db.merge import Action, Change, Merge, Side, kind_of
from db.merge_state import field_spec

# Past this many rows a group of changes says how many more there are instead of listing them:
# nobody reads ten thousand rows, and a row each would make a large sync slow to open.
SHOWN_PER_GROUP = 500

FROM = {Side.OURS: "this copy", Side.THEIRS: "the master"}


def count(n: int, noun: str) -> str:
    """ "1 change", "2,400 changes"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def part_plural(part: str) -> str:
    kind = kind_of(part)
    return "The case" if kind is None else KINDS[kind].plural


class ChangesTree(QTreeWidget):
    """Record, change and side of each change that merges by itself, under its kind."""

    def __init__(self, merge: Merge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["Record", "Change", "From"])
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAccessibleName("Merges by itself")
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 260)
        header.resizeSection(2, 240)
        self._groups: dict[str, list[Change]] = defaultdict(list)
        for change in merge.changes:
            self._groups[change.part].append(change)
        self._filled: set[str] = set()
        for part, changes in self._groups.items():
            item = QTreeWidgetItem([part_plural(part), count(len(changes), "change"), _sides_text(changes)])
            item.setData(0, Qt.ItemDataRole.UserRole, part)
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            self.addTopLevelItem(item)
        self.itemExpanded.connect(self._fill)
        if not self._groups:
            self.addTopLevelItem(QTreeWidgetItem(["Nothing else changed on either side", "", ""]))

    def _fill(self, item: QTreeWidgetItem) -> None:
        part = item.data(0, Qt.ItemDataRole.UserRole)
        if part is None or part in self._filled:
            return
        self._filled.add(part)
        changes = self._groups[part]
        rows = [
            QTreeWidgetItem([c.title, _change_text(c), FROM[c.side].capitalize()]) for c in changes[:SHOWN_PER_GROUP]
        ]
        if len(changes) > SHOWN_PER_GROUP:
            more = QTreeWidgetItem([f"… and {len(changes) - SHOWN_PER_GROUP:,} more", "", ""])
            more.setFlags(Qt.ItemFlag.NoItemFlags)
            rows.append(more)
        item.addChildren(rows)


def _sides_text(changes: list[Change]) -> str:
    counts = {side: sum(c.side is side for c in changes) for side in Side}
    return ", ".join(f"{counts[s]:,} from {FROM[s]}" for s in (Side.THEIRS, Side.OURS) if counts[s])


def _change_text(c: Change) -> str:
    if c.action is Action.CREATED:
        return "Added"
    if c.action is Action.DELETED:
        return "Deleted"
    labels = []
    for name in c.fields:
        spec = field_spec(c.part, name)
        labels.append(spec.label if spec is not None else name)
    return f"Changed: {', '.join(labels)}"
