"""A message bar across the top of a case: read-only, risky location, recovered lock."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

_COLOURS = {
    "info": ("#e3f2fd", "#0d47a1", "#90caf9"),
    "warning": ("#fff8e1", "#5d4037", "#ffcc80"),
}


class Banner(QFrame):
    """One dismissable line of text with a tinted background."""

    def __init__(self, text: str, kind: str = "info", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        background, ink, border = _COLOURS.get(kind, _COLOURS["info"])
        self.kind = kind
        self.setObjectName(f"banner_{kind}")
        self.setStyleSheet(
            f"#banner_{kind} {{ background: {background}; border: 1px solid {border}; border-radius: 3px; }}"
            f"#banner_{kind} QLabel {{ color: {ink}; }}"
        )
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

    def add_button(self, text: str) -> QPushButton:
        """A button after the text, before the close button (the caller connects it)."""
        button, layout = QPushButton(text, self), self.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.insertWidget(layout.count() - 1, button, 0, Qt.AlignmentFlag.AlignVCenter)
        return button

    def text(self) -> str:
        """The message shown."""
        return self.label.text()
