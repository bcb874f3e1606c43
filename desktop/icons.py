"""The app's own icons: monochrome SVGs drawn in the palette's text colour at any size.

Each icon is a file under ``resources/icons/ui/`` drawn with ``currentColor``. The engine
below substitutes the colour of the current palette each time a size is asked for, so one
file serves light and dark mode, enabled, disabled and selected, and a 2x screen gets a
pixmap rendered at twice the pixels rather than a small bitmap scaled up.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QImage, QImageReader, QPainter, QPalette, QPixmap

from db.paths import resource_path

ICON_FOLDER = ("icons", "ui")
_MODE_ROLE = {
    QIcon.Mode.Normal: (QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText),
    QIcon.Mode.Active: (QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText),
    QIcon.Mode.Selected: (QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText),
    QIcon.Mode.Disabled: (QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText),
}
# Rendered pixmaps per icon; a handful of sizes times modes times two palettes.
_CACHE_LIMIT = 64


def icon_colour(mode: QIcon.Mode = QIcon.Mode.Normal) -> QColor:
    """The colour an icon in ``mode`` is drawn in with the application's current palette."""
    group, role = _MODE_ROLE.get(mode, _MODE_ROLE[QIcon.Mode.Normal])
    colour = QGuiApplication.palette().color(group, role)
    if mode is QIcon.Mode.Disabled and colour == QGuiApplication.palette().color(role):
        # Some palettes give disabled text the same colour as enabled text; fade it.
        colour.setAlphaF(0.4)
    return colour


def render_svg(svg: bytes, size: QSize, colour: QColor) -> QImage:
    """The monochrome ``svg`` drawn in ``colour`` at exactly ``size`` pixels."""
    tinted = svg.replace(b"currentColor", colour.name(QColor.NameFormat.HexRgb).encode("ascii"))
    buffer = QBuffer()
    buffer.setData(QByteArray(tinted))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, QByteArray(b"svg"))
    reader.setScaledSize(size)
    image = reader.read()
    if image.isNull():
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
    elif colour.alpha() < 255:
        faded = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        faded.fill(Qt.GlobalColor.transparent)
        painter = QPainter(faded)
        painter.setOpacity(colour.alphaF())
        painter.drawImage(QPoint(0, 0), image)
        painter.end()
        image = faded
    return image


class TintedSvgIconEngine(QIconEngine):
    """Draws one monochrome SVG in the palette colour for the icon's mode, at any size and scale."""

    def __init__(self, name: str, svg: bytes) -> None:
        super().__init__()
        self._name = name
        self._svg = svg
        self._cache: dict[tuple[int, int, int, int], QPixmap] = {}

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        colour = icon_colour(mode)
        pixels = QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))
        key = (pixels.width(), pixels.height(), colour.rgba(), round(scale * 100))
        pixmap = self._cache.get(key)
        if pixmap is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            pixmap = QPixmap.fromImage(render_svg(self._svg, pixels, colour))
            pixmap.setDevicePixelRatio(scale)
            self._cache[key] = pixmap
        return pixmap

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        device = painter.device()
        scale = device.devicePixelRatioF() if device is not None else 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        return size

    def availableSizes(self, mode: QIcon.Mode = QIcon.Mode.Normal, state: QIcon.State = QIcon.State.Off) -> list[QSize]:
        return []  # scalable: any size is drawn fresh

    def iconName(self) -> str:
        return self._name

    def key(self) -> str:
        return "casefile-tinted-svg"

    def isNull(self) -> bool:
        return not self._svg

    def clone(self) -> QIconEngine:
        return TintedSvgIconEngine(self._name, self._svg)


@cache
def _svg_bytes(name: str) -> bytes:
    path = resource_path(*ICON_FOLDER, f"{name}.svg")
    return path.read_bytes() if path.is_file() else b""


def app_icon(name: str) -> QIcon:
    """The icon ``resources/icons/ui/<name>.svg``, tinted to follow the palette (null if missing)."""
    svg = _svg_bytes(name)
    if not svg:
        return QIcon()
    return QIcon(TintedSvgIconEngine(name, svg))
