"""What the editor pane shows while several records are selected: how many, and what can be
done to all of them at once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class SelectionPanel(QWidget):
    """ "12 statements selected" with a button for each action on the selection."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self)
        self.title.setAccessibleName("Records selected")
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.hint = QLabel("Changes made here apply to every selected record, as one step you can undo.", self)
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)  # quiet, secondary text
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(12, 12, 12, 12)
        self._layout.setSpacing(8)
        self._layout.addWidget(self.title)
        self._layout.addWidget(self.hint)
        self._layout.addSpacing(6)
        self._buttons: list[QPushButton] = []
        self._layout.addStretch(1)

    def set_count(self, text: str) -> None:
        """Say how many records are selected."""
        self.title.setText(text)

    def set_actions(self, actions: list[tuple[str, QAction] | None]) -> None:
        """One button per (caption, action), enabled as the action is; None puts a gap between groups."""
        for button in self._buttons:
            button.deleteLater()
        self._buttons = []
        position = 3
        for item in actions:
            if item is None:
                self._layout.insertSpacing(position, 10)
                position += 1
                continue
            caption, action = item
            button = QPushButton(caption, self)
            button.setToolTip(action.toolTip())
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.setEnabled(action.isEnabled())
            button.clicked.connect(action.trigger)
            action.enabledChanged.connect(button.setEnabled)
            self._layout.insertWidget(position, button)
            position += 1
            self._buttons.append(button)

    def buttons(self) -> list[QPushButton]:
        """The action buttons, in order."""
        return list(self._buttons)
