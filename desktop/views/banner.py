"""A message bar across the top of a case: read-only, risky location, recovered lock."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from ..theme import is_dark

_COLOURS = {
    "info": ("#e3f2fd", "#0d47a1", "#90caf9"),
    "warning": ("#fff8e1", "#5d4037", "#ffcc80"),
}
_DARK_COLOURS = {
    "info": ("#1c2d44", "#d3e5ff", "#36598a"),
    "warning": ("#3b3016", "#ffe6ad", "#6e5724"),
}


class Banner(QFrame):
    """One dismissable line of text with a tinted background."""

    def __init__(self, text: str, kind: str = "info", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setObjectName(f"banner_{kind}")
        self._dark: bool | None = None
        self._tint()
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName("Notice")
        close = QToolButton(self)
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip("Hide this notice")
        close.setAccessibleName("Hide this notice")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)

    def _tint(self) -> None:
        dark = is_dark(QGuiApplication.palette())
        if dark == self._dark:
            return  # the style sheet below changes the palette too: only a new scheme re-tints
        self._dark = dark
        background, ink, border = (_DARK_COLOURS if dark else _COLOURS).get(self.kind, _COLOURS["info"])
        self.setStyleSheet(
            f"#banner_{self.kind} {{ background: {background}; border: 1px solid {border}; border-radius: 3px; }}"
            f"#banner_{self.kind} QLabel, #banner_{self.kind} QToolButton {{ color: {ink}; }}"
        )

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._tint()

    def add_button(self, text: str) -> QPushButton:
        """A button after the text, before the close button (the caller connects it)."""
        button, layout = QPushButton(text, self), self.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.insertWidget(layout.count() - 1, button, 0, Qt.AlignmentFlag.AlignVCenter)
        return button

    def text(self) -> str:
        """The message shown."""
        return self.label.text()
