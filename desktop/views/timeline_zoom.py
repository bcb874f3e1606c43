"""The timeline strip's zoom buttons: Zoom In, Zoom Out and Fit, in a column beside the strip.

The icons are drawn here rather than taken from the icon theme: Windows and macOS have no
theme with zoom icons, and drawn ones follow the palette, dark or light (they are drawn again
whenever the palette changes). A hairline on the left sets the column apart from the strip.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPainter, QPaintEvent, QPalette, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QToolButton, QVBoxLayout, QWidget

ICON = 16
SK = QKeySequence.StandardKey


class ZoomBar(QWidget):
    """Three tool buttons, one above another; the owner enables them as the zoom allows."""

    def __init__(
        self, parent: QWidget, zoom_in: Callable[[], None], zoom_out: Callable[[], None], fit: Callable[[], None]
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3, 2, 2, 2)  # clear of the hairline
        layout.setSpacing(1)
        self.zoom_in_button = self._button("Zoom In", "zoom_in", SK.ZoomIn, zoom_in)
        self.zoom_out_button = self._button("Zoom Out", "zoom_out", SK.ZoomOut, zoom_out)
        self.fit_button = self._button("Fit", "fit", "Ctrl+0", fit, tip="Fit: show every entry")
        for button in (self.zoom_in_button, self.zoom_out_button, self.fit_button):
            layout.addWidget(button)
        layout.addStretch(1)
        self._draw_icons()

    def _draw_icons(self) -> None:
        ink = self.palette().color(QPalette.ColorRole.ButtonText)
        for button in (self.zoom_in_button, self.zoom_out_button, self.fit_button):
            button.setIcon(_icon(str(button.property("shape")), ink))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._draw_icons()  # a switch to dark mode (or back) recolours them
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setPen(self.palette().color(QPalette.ColorRole.Mid))
        p.drawLine(0, 0, 0, self.height())
        p.end()

    def _button(
        self, name: str, shape: str, keys: QKeySequence.StandardKey | str, slot: Callable[[], None], tip: str = ""
    ) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(f"timeline_{shape}")
        button.setAccessibleName(name)
        button.setAutoRaise(True)
        # Clicking a button keeps the keyboard focus in the strip, where the zoom keys work.
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setIconSize(QSize(ICON, ICON))
        button.setProperty("shape", shape)
        shortcut = QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)
        button.setToolTip(f"{tip or name} ({shortcut})")
        button.clicked.connect(slot)
        return button

    def set_enabled(self, can_zoom_in: bool, can_zoom_out: bool) -> None:
        """Grey out what would do nothing: zooming in at the limit, out or fitting when fitted."""
        self.zoom_in_button.setEnabled(can_zoom_in)
        self.zoom_out_button.setEnabled(can_zoom_out)
        self.fit_button.setEnabled(can_zoom_out)


def _icon(shape: str, ink: QColor) -> QIcon:
    """A magnifier with a plus or a minus, or a double arrow between two bars (fit)."""
    pixmap = QPixmap(ICON * 2, ICON * 2)
    pixmap.setDevicePixelRatio(2)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(ink, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    if shape == "fit":
        p.drawLine(QPointF(1.5, 3), QPointF(1.5, 13))
        p.drawLine(QPointF(14.5, 3), QPointF(14.5, 13))
        p.drawLine(QPointF(4.5, 8), QPointF(11.5, 8))
        p.setBrush(ink)
        p.drawPolygon(QPolygonF([QPointF(4, 8), QPointF(7, 5.5), QPointF(7, 10.5)]))
        p.drawPolygon(QPolygonF([QPointF(12, 8), QPointF(9, 5.5), QPointF(9, 10.5)]))
    else:
        p.drawEllipse(QRectF(1.5, 1.5, 9.5, 9.5))
        pen.setWidthF(2.4)
        p.setPen(pen)
        p.drawLine(QPointF(10, 10), QPointF(14.5, 14.5))
        pen.setWidthF(1.5)
        p.setPen(pen)
        p.drawLine(QPointF(4, 6.25), QPointF(8.5, 6.25))
        if shape == "zoom_in":
            p.drawLine(QPointF(6.25, 4), QPointF(6.25, 8.5))
    p.end()
    return QIcon(pixmap)
