"""The History panel under the record editor of a team case: who changed which field and when,
as the server recorded it, with "Restore This Value" to put back what a change replaced.

A restore is an ordinary edit through the session, so it is one undoable step and the server
records it like any other change. A case file keeps no history; there the panel stays hidden.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from db.errors import CaseFileError
from db.fields import Kind
from db.postgres.history import NoHistoryError
from db.records import Record

from ..field_save import Saved, save_field
from ..session import CaseSession, Change

_CHANGE_ROLE = Qt.ItemDataRole.UserRole + 1
NO_CHANGES = "No changes recorded yet."
_Index = QModelIndex | QPersistentModelIndex


def when_text(change: Change) -> str:
    """When a change was made, in local time, as people write it ("Jun 12, 2026, 2:05 p.m.")."""
    local = change.at.astimezone()
    hour = local.hour % 12 or 12
    return f"{local:%b} {local.day}, {local.year}, {hour}:{local:%M} {'a.m.' if local.hour < 12 else 'p.m.'}"


class _ChangeDelegate(QStyledItemDelegate):
    """Each change as two lines: the field in bold with who and when beside it, then old → new."""

    PAD = 6

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        line = option.fontMetrics.height()
        return QSize(1, 2 * line + 2 * self.PAD + 2)  # as wide as the list: never a sideways scroll

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        change = index.data(_CHANGE_ROLE)
        if not isinstance(change, Change):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = (
            QPalette.ColorGroup.Active if opt.state & QStyle.StateFlag.State_Active else QPalette.ColorGroup.Inactive
        )
        text = opt.palette.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        quiet = QColor(text)
        quiet.setAlphaF(0.65)
        rect = opt.rect.adjusted(self.PAD + 2, self.PAD, -self.PAD - 2, -self.PAD)
        line = opt.fontMetrics.height()
        painter.save()
        bold = QFont(opt.font)
        bold.setBold(True)
        head = change.label if change.field is not None else change.label.capitalize()
        head_width = QFontMetrics(bold).horizontalAdvance(head)
        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(QRect(rect.left(), rect.top(), rect.width(), line), Qt.AlignmentFlag.AlignLeft, head)
        painter.setFont(opt.font)
        painter.setPen(quiet)
        who = f"{change.by} · {when_text(change)}"
        room = max(0, rect.width() - head_width - 12)
        shown = opt.fontMetrics.elidedText(who, Qt.TextElideMode.ElideLeft, room)
        painter.drawText(QRect(rect.left(), rect.top(), rect.width(), line), Qt.AlignmentFlag.AlignRight, shown)
        body = (
            f"{change.old_text}  →  {change.new_text}"
            if change.field is not None
            else change.new_text or change.old_text
        )
        painter.setPen(text)
        body = opt.fontMetrics.elidedText(body, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(
            QRect(rect.left(), rect.top() + line + 2, rect.width(), line), Qt.AlignmentFlag.AlignLeft, body
        )
        painter.restore()


def item_text(change: Change) -> str:
    """Two lines: what changed and who did it when; then the old and the new value."""
    if change.field is None:  # the record created or deleted
        return f"{change.label.capitalize()} · {change.by} · {when_text(change)}"
    return f"{change.label} · {change.by} · {when_text(change)}\n{change.old_text}  →  {change.new_text}"


class HistoryPanel(QWidget):
    """The server's history of the record in the editor (hidden for a case file)."""

    def __init__(self, session: CaseSession, kind: Kind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.kind = kind
        self._record_id: str | None = None
        self._shown: Record | None = None  # the record as it stood when its history was read

        self.title = QLabel("History", self)
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.list = QListWidget(self)
        self.list.setAccessibleName("History of the record")
        self.list.setItemDelegate(_ChangeDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.empty = QLabel(NO_CHANGES, self)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)  # quiet, secondary text
        self.restore_button = QPushButton("Restore This Value", self)
        self.restore_button.setToolTip("Put back the value the selected change replaced (you can undo it)")
        self.restore_button.setEnabled(False)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 12)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)

        self.list.currentItemChanged.connect(lambda _new, _old: self._update_button())
        self.restore_button.clicked.connect(self.restore_selected)
        session.records_changed.connect(self._on_changed)
        self.setVisible(session.keeps_history)

    @property
    def record_id(self) -> str | None:
        """The record whose history is shown."""
        return self._record_id

    def show_record(self, record_id: str | None) -> None:
        """Show the history of ``record_id`` (None: nothing selected)."""
        self._record_id = record_id
        self.reload()

    def reload(self) -> None:
        """Read the record's history again from the server."""
        self.list.clear()
        self.empty.setText(NO_CHANGES)
        found = []
        self._shown = None
        if self._record_id is not None and self.session.keeps_history and not self.session.closed:
            try:
                # Read first: a change made between the two reads shows in the list, and a restore
                # then sees the record moved on since and asks.
                self._shown = self.session.read_record(self.kind, self._record_id)[0]
                found = self.session.record_history(self._record_id)
            except NoHistoryError as exc:  # a case from an older Casefile, not yet brought up to date
                self.empty.setText(str(exc))
            except CaseFileError as exc:
                self.session.report(exc)
        for change in found:
            item = QListWidgetItem(item_text(change))
            item.setData(_CHANGE_ROLE, change)
            if change.field is not None:
                item.setToolTip(f"{change.label}\nWas: {change.old_text}\nThen: {change.new_text}")
            self.list.addItem(item)
        self.empty.setVisible(self._record_id is not None and not found)
        self._update_button()

    def selected_change(self) -> Change | None:
        """The change selected in the list."""
        item = self.list.currentItem()
        change = item.data(_CHANGE_ROLE) if item is not None else None
        return change if isinstance(change, Change) else None

    def _update_button(self) -> None:
        change = self.selected_change()
        self.restore_button.setEnabled(change is not None and change.field is not None and not self.session.read_only)

    def restore_selected(self) -> None:
        """Put back the value the selected change replaced, as one undoable edit."""
        change = self.selected_change()
        if change is None or change.field is None or self._record_id is None:
            return
        field, shown = change.field, self._shown
        try:
            saved = save_field(
                self.session,
                self.kind,
                self._record_id,
                field,
                change.old,
                lambda record: shown is not None and record.get(field) == shown.get(field),
                text=f"Restore {change.label}",
                step="restore",
                parent=self.window(),
            )
        except CaseFileError as exc:
            self.session.report(exc)
            return
        if saved is not Saved.SAVED:
            self.reload()  # their change, newest in the list, is what a restore would now replace

    def _on_changed(self, kind: Kind, ids: list[str], _fields: list[str]) -> None:
        if kind is self.kind and self._record_id in ids:
            self.reload()
