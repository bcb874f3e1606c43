"""The list of sections on the left of a case: an icon, the name and how many records each holds."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, QTimer
from PySide6.QtCore import QPersistentModelIndex as PIndex
from PySide6.QtGui import QIcon, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from db.fields import KINDS, Kind

from ..icons import app_icon
from ..session import CaseSession

COUNT_ROLE = Qt.ItemDataRole.UserRole + 1
ICON_NAMES: dict[Kind | None, str] = {
    None: "case",
    Kind.ACTOR: "actors",
    Kind.STATEMENT: "statements",
    Kind.DIRECTIVE: "directives",
    Kind.TIMELINE: "timeline",
    Kind.SOURCE: "sources",
}
ICON_SIZE = 18
ROW_PADDING = 7  # above and below the text: rows a pointer hits easily, as in mail and notes sidebars
INSET = 6  # the selection is a rounded pill inset from the list's edges
PADDING = 8
GAP = 8
RADIUS = 6


class SectionDelegate(QStyledItemDelegate):
    """Draws a section row: icon, name, and the record count right-aligned in a muted colour."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | PIndex) -> QSize:
        metrics = option.fontMetrics
        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        width = (
            2 * INSET
            + 2 * PADDING
            + ICON_SIZE
            + GAP
            + metrics.horizontalAdvance(name)
            + self._count_width(index, option)
        )
        return QSize(width, max(metrics.height(), ICON_SIZE) + 2 * ROW_PADDING)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | PIndex) -> None:
        palette = option.palette
        enabled = bool(option.state & QStyle.StateFlag.State_Enabled)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Active if enabled else QPalette.ColorGroup.Disabled
        row = option.rect.adjusted(INSET, 1, -INSET, -1)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        if selected:
            painter.setBrush(palette.color(group, QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(row, RADIUS, RADIUS)
        elif option.state & QStyle.StateFlag.State_MouseOver:
            hover = palette.color(group, QPalette.ColorRole.WindowText)
            hover.setAlphaF(0.08)
            painter.setBrush(hover)
            painter.drawRoundedRect(row, RADIUS, RADIUS)
        inner = row.adjusted(PADDING, 0, -PADDING, 0)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon) and not icon.isNull():
            mode = QIcon.Mode.Selected if selected else (QIcon.Mode.Normal if enabled else QIcon.Mode.Disabled)
            icon_rect = QRect(inner.left(), inner.center().y() - ICON_SIZE // 2 + 1, ICON_SIZE, ICON_SIZE)
            icon.paint(painter, icon_rect, Qt.AlignmentFlag.AlignCenter, mode)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.WindowText
        count = index.data(COUNT_ROLE)
        if count is not None:
            # Muted beside the name, as mail and notes sidebars show counts; plain on the selection.
            painter.setPen(palette.color(group, text_role if selected else QPalette.ColorRole.PlaceholderText))
            painter.drawText(inner, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), f"{count:,}")
        name_rect = inner.adjusted(ICON_SIZE + GAP, 0, -self._count_width(index, option), 0)
        name = option.fontMetrics.elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""), Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.setPen(palette.color(group, text_role))
        painter.drawText(name_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name)
        painter.restore()

    def _count_width(self, index: QModelIndex | PIndex, option: QStyleOptionViewItem) -> int:
        count = index.data(COUNT_ROLE)
        return 0 if count is None else option.fontMetrics.horizontalAdvance(f"{count:,}") + GAP


class SectionList(QListWidget):
    """Case, Actors, Statements, …: one row per page, each record kind with its live count."""

    def __init__(self, session: CaseSession, kinds: tuple[Kind | None, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.kinds = kinds
        self.setAccessibleName("Sections")
        self.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.setItemDelegate(SectionDelegate(self))
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setFrameShape(QListWidget.Shape.NoFrame)
        self.setMouseTracking(True)  # hover highlight
        self.setSpacing(0)
        # The sidebar reads as part of the window, like the source lists of mail and notes apps.
        self.setBackgroundRole(QPalette.ColorRole.Window)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Window)
        self.setAutoFillBackground(True)
        for kind in kinds:
            QListWidgetItem(app_icon(ICON_NAMES[kind]), "Case" if kind is None else KINDS[kind].plural, self)
        # Many adds or deletes in one go (an undo of a macro, an import) cost one set of counts.
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(0)
        self._recount.timeout.connect(self.refresh_counts)
        session.records_reset.connect(lambda _kind: self._recount.start())
        self.refresh_counts()

    def refresh_counts(self) -> None:
        """Show how many records of each kind the case holds (one COUNT per kind, no records read)."""
        if self.session.closed:
            return
        counts = self.session.counts()
        for row, kind in enumerate(self.kinds):
            item = self.item(row)
            if item is not None and kind is not None:
                text = f"{counts.get(kind, 0):,} {KINDS[kind].plural.lower()}"
                item.setData(COUNT_ROLE, counts.get(kind, 0))
                item.setToolTip(text)
                # Screen readers hear the count the row shows, not only its name.
                item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{KINDS[kind].plural}, {text}")

    def count_shown(self, kind: Kind) -> int | None:
        """The count the row for ``kind`` shows."""
        item = self.item(self.kinds.index(kind))
        value = item.data(COUNT_ROLE) if item is not None else None
        return int(value) if value is not None else None
