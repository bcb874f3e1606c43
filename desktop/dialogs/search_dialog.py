"""Find anything: a search over the whole case, hits grouped by record type."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.fields import KINDS, Kind
from db.search import SearchHit, search

from ..session import CaseSession

HitRole = Qt.ItemDataRole.UserRole + 1


class _SearchEdit(QLineEdit):
    """Arrow keys move through the results while typing."""

    moved = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self.moved.emit(1 if event.key() == Qt.Key.Key_Down else -1)
            return
        super().keyPressEvent(event)


class SearchDialog(QDialog):
    """Type to search; Enter (or a double-click) jumps to the record."""

    record_chosen = Signal(object, str)  # Kind, record id

    def __init__(self, session: CaseSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Find in Case")
        self.resize(640, 480)
        self.edit = _SearchEdit(self)
        self.edit.setPlaceholderText("Search actors, statements, directives, timeline and sources")
        self.edit.setAccessibleName("Search text")
        self.edit.setClearButtonEnabled(True)
        self.results = QTreeWidget(self)
        self.results.setHeaderHidden(True)
        self.results.setAccessibleName("Search results")
        self.results.setItemDelegate(QStyledItemDelegate(self.results))
        self.results.setRootIsDecorated(False)
        self.results.setUniformRowHeights(False)
        self.status = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self.run_search)
        self.edit.textChanged.connect(lambda _t: self._timer.start())
        self.edit.returnPressed.connect(self.choose_current)
        self.edit.moved.connect(self._move)
        self.results.itemActivated.connect(lambda _item, _col: self.choose_current())

    def run_search(self) -> None:
        """Search for the typed words and list the hits by kind."""
        self._timer.stop()
        text = self.edit.text()
        self.results.clear()
        hits = search(self.session.cf, text) if text.strip() else []
        groups: dict[Kind, QTreeWidgetItem] = {}
        first: QTreeWidgetItem | None = None
        for hit in hits:
            group = groups.get(hit.kind)
            if group is None:
                group = QTreeWidgetItem(self.results, [KINDS[hit.kind].plural])
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setExpanded(True)
                groups[hit.kind] = group
            plain = " ".join(hit.plain_snippet().split())
            item = QTreeWidgetItem(group, [f"{hit.title}\n    {plain}" if plain and plain != hit.title else hit.title])
            item.setData(0, HitRole, hit)
            item.setToolTip(0, plain)
            if first is None:
                first = item
        if first is not None:
            self.results.setCurrentItem(first)
        count = len(hits)
        self.status.setText("" if not text.strip() else f"{count} match{'es' if count != 1 else ''}")

    def _move(self, step: int) -> None:
        items = []
        for i in range(self.results.topLevelItemCount()):
            group = self.results.topLevelItem(i)
            items.extend(group.child(j) for j in range(group.childCount()))
        if not items:
            return
        current = self.results.currentItem()
        pos = items.index(current) if current in items else -1
        self.results.setCurrentItem(items[max(0, min(len(items) - 1, pos + step))])

    def choose_current(self) -> None:
        """Jump to the selected hit (runs a pending search first)."""
        if self._timer.isActive():
            self.run_search()
        item = self.results.currentItem()
        hit = item.data(0, HitRole) if item is not None else None
        if isinstance(hit, SearchHit):
            self.record_chosen.emit(hit.kind, hit.id)
            self.accept()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self.edit.setFocus()
        self.edit.selectAll()
