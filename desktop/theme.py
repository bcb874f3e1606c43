"""Light and dark: the app's palette follows the system's colour scheme, at start and as it changes.

The macOS style and Windows 11 style draw the system's dark mode themselves. Elsewhere (the
Windows Vista style on Windows 10, Fusion on Linux) Qt either ignores the dark scheme or
leaves the palette to the desktop theme, so a dark scheme switches to Fusion with the palette
below, and a light one puts the original style and the system's palette back.
"""

from __future__ import annotations

import logging
import weakref

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger("casefile.theme")

# Styles that follow the system's dark mode on their own, with native controls.
NATIVE_DARK_STYLES = frozenset({"macos", "windows11"})

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

_DARK = {
    Role.Window: "#26272b",
    Role.WindowText: "#e7e8ea",
    Role.Base: "#1d1e21",
    Role.AlternateBase: "#25262a",
    Role.Text: "#e7e8ea",
    Role.Button: "#323338",
    Role.ButtonText: "#e7e8ea",
    Role.BrightText: "#ff7b72",
    Role.Highlight: "#2f6fcf",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#7fb0ff",
    Role.LinkVisited: "#c3a6ff",
    Role.ToolTipBase: "#33343a",
    Role.ToolTipText: "#e7e8ea",
    Role.PlaceholderText: "#8e9097",
    Role.Light: "#45464c",
    Role.Midlight: "#3a3b40",
    Role.Mid: "#2c2d31",
    Role.Dark: "#17181a",
    Role.Shadow: "#000000",
    Role.Accent: "#2f6fcf",
}
_DARK_DISABLED = {
    Role.WindowText: "#74767c",
    Role.Text: "#74767c",
    Role.ButtonText: "#74767c",
    Role.Highlight: "#3d3e44",
    Role.HighlightedText: "#a3a5ab",
    Role.PlaceholderText: "#5d5f65",
}


def dark_palette() -> QPalette:
    """The app's dark palette: neutral greys, light text, a blue that reads on both."""
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role, colour in _DARK_DISABLED.items():
        palette.setColor(Group.Disabled, role, QColor(colour))
    return palette


def is_dark(palette: QPalette) -> bool:
    """True when ``palette`` draws light text on a dark window."""
    return palette.color(Role.Window).lightness() < palette.color(Role.WindowText).lightness()


def error_colour(palette: QPalette) -> QColor:
    """A red for error text and borders that reads on the palette's window and fields (4.5:1 or
    better on both light and dark)."""
    return QColor("#ff8a80") if is_dark(palette) else QColor("#b3261e")


def set_refused(edit: QWidget, refused: bool) -> None:
    """Give a line edit the red border of a refused value (or take it away); the red follows
    the palette, light or dark, as it changes."""
    edit.setProperty("refused", refused)
    _ERRORS.watch(edit)


def show_as_error(label: QWidget) -> None:
    """Draw ``label``'s text in the error red of its palette, now and after each palette change."""
    label.setProperty("errorText", True)
    _ERRORS.watch(label)


class _Errors(QObject):
    """Keeps error text and refused values' borders red against whichever palette is in use.

    Told by the application's palette signal: a widget with a style sheet (a red border) is
    not sent the palette-change events."""

    def __init__(self) -> None:
        super().__init__()
        self.widgets: weakref.WeakSet[QWidget] = weakref.WeakSet()
        self.connected = False

    def watch(self, widget: QWidget) -> None:
        app = QApplication.instance()
        if not self.connected and isinstance(app, QApplication):
            app.paletteChanged.connect(self.recolour_all)
            self.connected = True
        self.widgets.add(widget)
        self.recolour(widget)

    def recolour_all(self) -> None:
        for widget in list(self.widgets):
            if shiboken6.isValid(widget):  # the Python side can outlive a deleted widget
                self.recolour(widget)
            else:
                self.widgets.discard(widget)

    def recolour(self, widget: QWidget) -> None:
        colour = error_colour(QApplication.palette())
        if widget.property("errorText"):
            palette = widget.palette()
            if palette.color(Role.WindowText) != colour:
                palette.setColor(Role.WindowText, colour)
                widget.setPalette(palette)
        else:
            sheet = f"QLineEdit {{ border: 2px solid {colour.name()}; }}" if widget.property("refused") else ""
            if widget.styleSheet() != sheet:
                widget.setStyleSheet(sheet)


_ERRORS = _Errors()


def system_scheme() -> Qt.ColorScheme:
    """The colour scheme the system asks for (Unknown where it does not say)."""
    return QGuiApplication.styleHints().colorScheme()


class SchemeFollower(QObject):
    """Keeps the application's style and palette in step with the system's colour scheme."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        self.light_style = app.style().name()
        self.scheme = Qt.ColorScheme.Unknown
        app.styleHints().colorSchemeChanged.connect(self.apply)
        self.apply(system_scheme())

    def apply(self, scheme: Qt.ColorScheme) -> None:
        """Use the palette for ``scheme`` (the style's own when it draws dark mode natively)."""
        if scheme == self.scheme:
            return
        previous, self.scheme = self.scheme, scheme
        if self.light_style.lower() in NATIVE_DARK_STYLES:
            return
        if scheme == Qt.ColorScheme.Dark:
            if self.app.style().name().lower() != "fusion":
                self.app.setStyle("Fusion")
            self.app.setPalette(dark_palette())
            log.info("dark colour scheme")
        elif previous == Qt.ColorScheme.Dark:
            if self.app.style().name().lower() != self.light_style.lower():
                self.app.setStyle(self.light_style)
            # An empty palette sets no role, so every role comes from the system again.
            self.app.setPalette(QPalette())
            log.info("light colour scheme")


def follow_system_scheme(app: QApplication) -> SchemeFollower:
    """Make ``app`` follow the system's light or dark scheme from now on (once per application)."""
    existing = app.findChild(SchemeFollower)
    if isinstance(existing, SchemeFollower):
        return existing
    return SchemeFollower(app)
