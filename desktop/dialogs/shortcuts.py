"""Help > Keyboard Shortcuts: every key Casefile answers to, grouped as the menus group them.

The list is read from the window's actions when it opens, so a command given a shortcut
shows here without anyone remembering to add it; the keys that work inside a page (which no
menu shows) come from ``views.keyboard.PAGE_KEYS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..views.keyboard import PAGE_KEYS

if TYPE_CHECKING:
    from ..main_window import MainWindow

NATIVE = QKeySequence.SequenceFormat.NativeText
# Qt lists dedicated keys (Back, Find, Open, Close on some keyboards) among the standard
# bindings; a list of shortcuts is about the keys every keyboard has.
FIRST_DEVICE_KEY = Qt.Key.Key_Back.value
# The undo actions' text names the step they would undo; the list names the command.
STABLE_NAMES = {"undo": "Undo", "redo": "Redo"}

Row = tuple[str, str]  # what it does, keys as the platform writes them
Group = tuple[str, list[Row]]


def command_name(action: QAction) -> str:
    """An action's menu text without its mnemonic and ellipsis ("&New Case…" -> "New Case")."""
    text = STABLE_NAMES.get(action.objectName()) or action.text()
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").removesuffix("…").strip()


def typed_shortcuts(action: QAction) -> list[QKeySequence]:
    """The action's shortcuts that are typed on an ordinary keyboard."""
    return [s for s in action.shortcuts() if not s.isEmpty() and _first_key(s) < FIRST_DEVICE_KEY]


def _first_key(sequence: QKeySequence) -> int:
    first = sequence[0]  # type: ignore[index]  # the stubs leave out QKeySequence's indexing
    return int(first.key().value)


def native_keys(portable: str) -> str:
    """Keys written portably ("Ctrl+Return, F2") as this platform writes them ("⌘↩, F2")."""
    parts = []
    for part in portable.split(", "):
        if part.endswith("+Wheel"):  # a modifier and the mouse wheel: no key sequence to show
            modifiers = QKeySequence(part.removesuffix("Wheel") + "A").toString(NATIVE)[:-1]
            parts.append(f"{modifiers}Wheel")
        else:
            parts.append(QKeySequence(part).toString(NATIVE) or part)
    return ", ".join(parts)


def _menu_of(action: QAction) -> QMenu | None:
    return next((o for o in action.associatedObjects() if isinstance(o, QMenu)), None)


def shortcut_groups(actions: list[QAction], menu_order: list[QMenu]) -> list[Group]:
    """Every action with a typed shortcut, grouped by its menu in menu-bar order, then the
    keys that work inside a page."""
    by_menu: dict[QMenu | None, list[QAction]] = {}
    for action in actions:
        if typed_shortcuts(action):
            by_menu.setdefault(_menu_of(action), []).append(action)

    def menu_rank(menu: QMenu | None) -> int:
        return menu_order.index(menu) if menu in menu_order else len(menu_order)

    groups: list[Group] = []
    for menu in sorted(by_menu, key=menu_rank):
        items = by_menu[menu]
        if menu is not None:
            in_menu = menu.actions()
            items.sort(key=lambda a: in_menu.index(a) if a in in_menu else len(in_menu))
        title = command_name(menu.menuAction()) if menu is not None else "Other"
        rows = [(command_name(a), ", ".join(s.toString(NATIVE) for s in typed_shortcuts(a))) for a in items]
        groups.append((title, rows))
    page_groups: dict[str, list[Row]] = {}
    for where, what, keys in PAGE_KEYS:
        page_groups.setdefault(where, []).append((what, native_keys(keys)))
    groups.extend(page_groups.items())
    return groups


class ShortcutsDialog(QDialog):
    """A reference list of keys; it can stay open beside the window while you work."""

    def __init__(self, groups: list[Group], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        layout = QVBoxLayout(self)
        intro = QLabel("Menu commands, and the keys that work in the lists, the editor and the timeline strip.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Keyboard shortcuts")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Command", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        line = self.tree.fontMetrics().height()
        for title, rows in groups:
            group = QTreeWidgetItem(self.tree, [title])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setFirstColumnSpanned(True)
            # Air above each heading, so the groups read as groups.
            group.setSizeHint(0, QSize(0, line * 2))
            group.setTextAlignment(0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
            for what, keys in rows:
                item = QTreeWidgetItem(group, [what, keys])
                item.setSizeHint(0, QSize(0, line + 8))
        self.tree.expandAll()
        layout.addWidget(self.tree, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(620, 720)

    def rows(self) -> list[tuple[str, str, str]]:
        """(group, command, keys) for every line shown."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            assert group is not None
            for j in range(group.childCount()):
                item = group.child(j)
                assert item is not None
                out.append((group.text(0), item.text(0), item.text(1)))
        return out


def show_shortcuts(window: MainWindow) -> ShortcutsDialog:
    """Help > Keyboard Shortcuts: show the list (the one already open, if it is)."""
    dialog = window.findChild(ShortcutsDialog)
    if dialog is None:
        actions = [*window.action_registry.all(), window.undo_action, window.redo_action]
        menus = [m for a in window.menuBar().actions() if isinstance(m := a.menu(), QMenu)]
        dialog = ShortcutsDialog(shortcut_groups(actions, menus), window)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
