"""Every command the user can give, declared once: text, shortcut, menu role, icon.

Menus and toolbars are assembled from this registry; code triggers and enables actions by
``ActionId``. Shortcuts use ``QKeySequence.StandardKey`` where the platform has one, so
they are what users of each system expect.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QApplication, QStyle

from .icons import app_icon

SK = QKeySequence.StandardKey


class ActionId(enum.Enum):
    """Identifiers of the app's actions."""

    NEW_CASE = enum.auto()
    OPEN = enum.auto()
    OPEN_TEAM = enum.auto()
    PUBLISH_TEAM = enum.auto()
    SAVE_TEAM_LINK = enum.auto()
    SAVE_COPY = enum.auto()
    TAKE_OFFLINE_COPY = enum.auto()
    SYNC_WITH_MASTER = enum.auto()
    IMPORT_JSON = enum.auto()
    IMPORT_CSV = enum.auto()
    EXPORT_JSON = enum.auto()
    EXPORT_CSV = enum.auto()
    EXPORT_BRIEFING = enum.auto()
    EXPORT_WORD = enum.auto()
    BRIEFING_OPTIONS = enum.auto()
    BRIEFING_EDITIONS = enum.auto()
    RESTORE_BACKUP = enum.auto()
    CLOSE = enum.auto()
    QUIT = enum.auto()
    NEW_RECORD = enum.auto()
    DELETE_RECORD = enum.auto()
    MOVE_UP_IN_DAY = enum.auto()
    MOVE_DOWN_IN_DAY = enum.auto()
    ADD_TAG = enum.auto()
    REMOVE_TAG = enum.auto()
    SET_FIELD = enum.auto()
    FIND = enum.auto()
    FILTER = enum.auto()
    BACK = enum.auto()
    FORWARD = enum.auto()
    GO_CASE = enum.auto()
    GO_ACTORS = enum.auto()
    GO_STATEMENTS = enum.auto()
    GO_DIRECTIVES = enum.auto()
    GO_TIMELINE = enum.auto()
    GO_SOURCES = enum.auto()
    PREFERENCES = enum.auto()
    ABOUT = enum.auto()
    KEYBOARD_SHORTCUTS = enum.auto()
    OPEN_LOG_FOLDER = enum.auto()
    # View: how record lists look.
    SHOW_EDITOR = enum.auto()
    ROW_LINES_1 = enum.auto()
    ROW_LINES_2 = enum.auto()
    ROW_LINES_3 = enum.auto()


@dataclass(frozen=True)
class ActionSpec:
    """How one action looks and is reached."""

    text: str
    shortcuts: tuple[SK | str, ...] = ()
    tip: str = ""
    role: QAction.MenuRole = QAction.MenuRole.NoRole
    icon: str | QStyle.StandardPixmap | None = None  # a name in resources/icons/ui, or a style icon
    checkable: bool = False


SP = QStyle.StandardPixmap
ROLE = QAction.MenuRole

SPECS: dict[ActionId, ActionSpec] = {
    ActionId.NEW_CASE: ActionSpec("&New Case…", (SK.New,), "Create a new, empty case file", icon="new-case"),
    ActionId.OPEN: ActionSpec("&Open…", (SK.Open,), "Open a case file", icon="open"),
    ActionId.OPEN_TEAM: ActionSpec("Open &Team Case…", (), "Open a case kept on a PostgreSQL server"),
    ActionId.PUBLISH_TEAM: ActionSpec("&Publish to Team Server…", (), "Put this case file on a server as a team case"),
    ActionId.SAVE_TEAM_LINK: ActionSpec("Save Team Case &Link…", (), "Write a small file that opens this team case"),
    ActionId.SAVE_COPY: ActionSpec("Save a &Copy…", (SK.SaveAs,), "Write a complete copy of this case file"),
    ActionId.TAKE_OFFLINE_COPY: ActionSpec("Take O&ffline Copy…", (), "Write a copy to edit offline and sync later"),
    ActionId.SYNC_WITH_MASTER: ActionSpec("S&ync with Master", (), "Bring this offline copy and its master together"),
    ActionId.IMPORT_JSON: ActionSpec("&Import JSON…", (), "Create a new case file from a JSON document"),
    ActionId.IMPORT_CSV: ActionSpec("Import CS&V…", (), "Add the rows of a spreadsheet to this case"),
    ActionId.EXPORT_JSON: ActionSpec("Export &JSON…", (), "Write this case as a JSON document"),
    ActionId.EXPORT_CSV: ActionSpec("Export C&SV…", (), "Write one spreadsheet file per record type"),
    ActionId.EXPORT_BRIEFING: ActionSpec(
        "Export &Briefing", ("Ctrl+E",), "Write the briefing packet PDF beside the case file",
        icon="export-briefing",
    ),
    ActionId.EXPORT_WORD: ActionSpec(
        "Export Briefing as &Word…", (), "Write the briefing packet as a Word document, to edit before it goes out"
    ),
    ActionId.BRIEFING_OPTIONS: ActionSpec("Briefing &Options…", (), "Choose what the briefing packet holds"),
    ActionId.BRIEFING_EDITIONS: ActionSpec("Briefing E&ditions…", (), "The packets exported, kept as editions"),
    ActionId.RESTORE_BACKUP: ActionSpec("&Restore From Backup…", (), "Open one of the automatic backups"),
    ActionId.CLOSE: ActionSpec("&Close", (SK.Close,), "Close this case file"),
    ActionId.QUIT: ActionSpec("&Quit", (SK.Quit,), "Quit Casefile", ROLE.QuitRole),
    ActionId.NEW_RECORD: ActionSpec("&New Record…", ("Ctrl+Shift+N", "Ins"), "Add a record to this list",
                                    icon="new-record"),
    ActionId.DELETE_RECORD: ActionSpec("&Delete Record…", (SK.Delete,), "Delete the selected records",
                                       icon="delete-record"),
    ActionId.MOVE_UP_IN_DAY: ActionSpec("Mo&ve Up Within Day", ("Alt+Shift+Up",),
                                        "Put the selected record before the one above it on the same day"),
    ActionId.MOVE_DOWN_IN_DAY: ActionSpec("Move Do&wn Within Day", ("Alt+Shift+Down",),
                                          "Put the selected record after the one below it on the same day"),
    ActionId.ADD_TAG: ActionSpec("&Add Tag…", ("Ctrl+T",), "Add a tag to the selected records"),
    ActionId.REMOVE_TAG: ActionSpec("Re&move Tag…", ("Ctrl+Shift+T",), "Take a tag off the selected records"),
    ActionId.SET_FIELD: ActionSpec("&Set Field…", ("Ctrl+Shift+F",), "Give the selected records one value of a field"),
    ActionId.FIND: ActionSpec("&Find in Case…", (SK.Find, "Ctrl+K"), "Search the whole case",
                              icon="find"),
    ActionId.FILTER: ActionSpec("Filter &List", ("Ctrl+L",), "Filter the current list"),
    ActionId.BACK: ActionSpec("&Back", (SK.Back,), "Go back", icon="back"),
    ActionId.FORWARD: ActionSpec("&Forward", (SK.Forward,), "Go forward", icon="forward"),
    ActionId.GO_CASE: ActionSpec("&Case", ("Ctrl+1",)),
    ActionId.GO_ACTORS: ActionSpec("&Actors", ("Ctrl+2",)),
    ActionId.GO_STATEMENTS: ActionSpec("&Statements", ("Ctrl+3",)),
    ActionId.GO_DIRECTIVES: ActionSpec("&Directives", ("Ctrl+4",)),
    ActionId.GO_TIMELINE: ActionSpec("&Timeline", ("Ctrl+5",)),
    ActionId.GO_SOURCES: ActionSpec("S&ources", ("Ctrl+6",)),
    ActionId.PREFERENCES: ActionSpec("&Preferences…", (SK.Preferences,), "Start-up, backups and folders",
                                     ROLE.PreferencesRole),
    ActionId.ABOUT: ActionSpec("&About Casefile", (), "Version and licences", ROLE.AboutRole),
    ActionId.KEYBOARD_SHORTCUTS: ActionSpec("&Keyboard Shortcuts", ("Ctrl+/",), "Every key Casefile answers to"),
    ActionId.OPEN_LOG_FOLDER: ActionSpec("Open &Log Folder", (), "Show the folder with Casefile's log"),
    ActionId.SHOW_EDITOR: ActionSpec("Show &Editor Pane", ("Ctrl+Shift+E",), "Show or hide the editor beside the list",
                                     checkable=True),
    ActionId.ROW_LINES_1: ActionSpec("&One Line", (), "Show one line of text in each row", checkable=True),
    ActionId.ROW_LINES_2: ActionSpec("&Two Lines", (), "Show up to two lines of text in each row", checkable=True),
    ActionId.ROW_LINES_3: ActionSpec("T&hree Lines", (), "Show up to three lines of text in each row", checkable=True),
}  # fmt: skip


class ActionRegistry(QObject):
    """Builds one QAction per ActionId, owned by the main window."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._actions: dict[ActionId, QAction] = {}
        style = QApplication.style()
        for action_id, spec in SPECS.items():
            action = QAction(spec.text, parent)
            action.setObjectName(action_id.name.lower())
            keys: list[QKeySequence] = []
            for shortcut in spec.shortcuts:
                keys.extend(
                    QKeySequence.keyBindings(shortcut) if isinstance(shortcut, SK) else [QKeySequence(shortcut)]
                )
            if keys:
                action.setShortcuts(keys)
            if spec.tip:
                action.setStatusTip(spec.tip)
                shortcut_text = keys[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
                action.setToolTip(f"{spec.tip} ({shortcut_text})" if shortcut_text else spec.tip)
            action.setMenuRole(spec.role)
            action.setCheckable(spec.checkable)
            if isinstance(spec.icon, str):
                action.setIcon(app_icon(spec.icon))
            elif spec.icon is not None:
                action.setIcon(QIcon(style.standardIcon(spec.icon)))
            self._actions[action_id] = action

    def __getitem__(self, action_id: ActionId) -> QAction:
        return self._actions[action_id]

    def all(self) -> list[QAction]:
        """Every action (to add them to the window so shortcuts work without a menu bar)."""
        return list(self._actions.values())
