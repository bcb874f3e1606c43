"""The sync review's "Decide All" button: one choice for every conflict not yet decided, so
fifty conflicts that all go one way take one choice, not fifty. What was decided stays."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QPushButton, QWidget

from db.merge import Side

from .sync_changes import FROM

KEYS = {Side.OURS: "Ctrl+Shift+M", Side.THEIRS: "Ctrl+Shift+T"}
TEXTS = {Side.OURS: "Keep &Mine for All Undecided", Side.THEIRS: "Keep &Theirs for All Undecided"}


class DecideAllButton(QPushButton):
    """A menu of Keep Mine and Keep Theirs for every undecided conflict; each also has a key that
    works while the menu is closed, as the window holds the actions."""

    def __init__(self, decide: Callable[[Side], None], window: QWidget, parent: QWidget | None = None) -> None:
        super().__init__("Decide &All", parent)
        self.setAutoDefault(False)  # Enter is Sync wherever the focus is
        self.setToolTip("Decide every conflict not yet decided at once; those already decided stay as they are")
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        self.actions_by_side: dict[Side, QAction] = {}
        for side in (Side.OURS, Side.THEIRS):
            action = QAction(TEXTS[side], self)
            action.setShortcut(QKeySequence(KEYS[side]))
            action.triggered.connect(lambda _checked=False, side=side: decide(side))
            menu.addAction(action)
            window.addAction(action)  # the key works without opening the menu
            self.actions_by_side[side] = action
        self.setMenu(menu)
        self.show_undecided(0)

    def show_undecided(self, left: int) -> None:
        """Say how many conflicts each choice would decide; nothing to decide turns them off."""
        for side, action in self.actions_by_side.items():
            action.setEnabled(left > 0)
            whose = "this copy’s" if side is Side.OURS else "the master’s"
            if left:
                which = "the conflict" if left == 1 else f"all {left:,} conflicts"
                action.setToolTip(
                    f"Keeps {whose} value in {which} not yet decided; those already decided stay as they are"
                )
            else:
                action.setToolTip(f"Every conflict is decided: nothing is left to take from {FROM[side]}")
