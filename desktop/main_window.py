"""The main window: menus, toolbar and status bar wired to the current case view."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent, QUndoGroup
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QMenu, QPushButton, QToolBar, QVBoxLayout, QWidget

from db.fields import Kind
from db.paths import user_log_dir

from . import APP_NAME
from .actions import ActionId, ActionRegistry
from .dialogs.shortcuts import show_shortcuts
from .documents import Documents
from .navigation import History
from .session import CaseSession
from .settings import Settings
from .team_cases import label as team_label
from .undo_focus import UndoFocus
from .views.case_view import CaseView
from .views.view_menu import ViewMenu

GO_ACTIONS = {
    ActionId.GO_CASE: None, ActionId.GO_ACTORS: Kind.ACTOR, ActionId.GO_STATEMENTS: Kind.STATEMENT,
    ActionId.GO_DIRECTIVES: Kind.DIRECTIVE, ActionId.GO_TIMELINE: Kind.TIMELINE, ActionId.GO_SOURCES: Kind.SOURCE,
}  # fmt: skip
CASE_ACTIONS = (
    ActionId.SAVE_COPY, ActionId.EXPORT_JSON, ActionId.EXPORT_CSV, ActionId.EXPORT_BRIEFING, ActionId.EXPORT_WORD,
    ActionId.BRIEFING_OPTIONS, ActionId.BRIEFING_EDITIONS, ActionId.CLOSE, ActionId.FIND, ActionId.FILTER, *GO_ACTIONS,
)  # fmt: skip


class MainWindow(QMainWindow):
    """One window showing one case file at a time."""

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.setAcceptDrops(True)
        self.setMinimumSize(760, 480)
        self.session: CaseSession | None = None
        self.case_view: CaseView | None = None
        self.search_dialog: QDialog | None = None
        self.history = History(self)
        self.undo_group = QUndoGroup(self)
        self.undo_focus = UndoFocus(self)
        # Not ``actions``: that would hide QWidget.actions().
        self.action_registry = ActionRegistry(self)
        self.documents = Documents(self)
        from .briefing_export import BriefingExporter

        self.briefing = BriefingExporter(self)
        from .word_export import WordExporter

        self.word = WordExporter(self)
        from .editions_app import EditionsCommands

        self.editions = EditionsCommands(self)
        from .csv_import_app import CsvImporter

        self.csv_import = CsvImporter(self)
        from .day_order import DayOrderCommands

        self.day_order = DayOrderCommands(self)
        from .replica_app import ReplicaCommands

        self.replicas = ReplicaCommands(self)
        from .bulk_actions import BulkCommands

        self.bulk = BulkCommands(
            self.action_registry, lambda: self.case_view.current_page() if self.case_view else None, self
        )
        self._build_menus()
        self._connect_actions()
        self.statusBar()
        self.set_session(None)
        geometry = self.settings.bytes_value("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)

    # ----- building ----------------------------------------------------------------------
    def _build_menus(self) -> None:
        a = self.action_registry
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        from PySide6.QtGui import QKeySequence

        self.undo_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Undo))
        self.redo_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Redo))
        self.undo_action.setObjectName("undo")
        self.redo_action.setObjectName("redo")

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([a[ActionId.NEW_CASE], a[ActionId.OPEN], a[ActionId.OPEN_TEAM]])
        self.recent_menu = QMenu("Open &Recent", self)
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(a[ActionId.SAVE_COPY])
        file_menu.addActions([a[ActionId.PUBLISH_TEAM], a[ActionId.SAVE_TEAM_LINK]])
        file_menu.addActions([a[ActionId.TAKE_OFFLINE_COPY], a[ActionId.SYNC_WITH_MASTER]])
        file_menu.addSeparator()
        file_menu.addActions(
            [a[ActionId.IMPORT_JSON], a[ActionId.IMPORT_CSV], a[ActionId.EXPORT_JSON], a[ActionId.EXPORT_CSV]]
        )
        file_menu.addSeparator()
        file_menu.addActions([a[ActionId.EXPORT_BRIEFING], a[ActionId.EXPORT_WORD]])
        file_menu.addActions([a[ActionId.BRIEFING_OPTIONS], a[ActionId.BRIEFING_EDITIONS]])
        file_menu.addSeparator()
        file_menu.addAction(a[ActionId.RESTORE_BACKUP])
        file_menu.addSeparator()
        file_menu.addActions([a[ActionId.CLOSE], a[ActionId.QUIT]])

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([a[ActionId.NEW_RECORD], a[ActionId.DELETE_RECORD]])
        edit_menu.addActions([a[ActionId.MOVE_UP_IN_DAY], a[ActionId.MOVE_DOWN_IN_DAY]])
        edit_menu.addSeparator()
        edit_menu.addActions([a[ActionId.ADD_TAG], a[ActionId.REMOVE_TAG], a[ActionId.SET_FIELD]])
        edit_menu.addSeparator()
        edit_menu.addActions([a[ActionId.FIND], a[ActionId.FILTER]])
        edit_menu.addSeparator()
        edit_menu.addAction(a[ActionId.PREFERENCES])

        self.view_menu = ViewMenu(a, self.settings, self)
        bar.addMenu(self.view_menu.menu)

        go_menu = bar.addMenu("&Go")
        go_menu.addActions([a[ActionId.BACK], a[ActionId.FORWARD]])
        go_menu.addSeparator()
        go_menu.addActions([a[action_id] for action_id in GO_ACTIONS])

        help_menu = bar.addMenu("&Help")
        help_menu.addActions([a[ActionId.KEYBOARD_SHORTCUTS], a[ActionId.OPEN_LOG_FOLDER], a[ActionId.ABOUT]])
        a[ActionId.KEYBOARD_SHORTCUTS].triggered.connect(lambda: show_shortcuts(self))

        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([a[ActionId.BACK], a[ActionId.FORWARD]])
        toolbar.addSeparator()
        toolbar.addActions([a[ActionId.NEW_RECORD], a[ActionId.DELETE_RECORD], a[ActionId.FIND]])
        toolbar.addSeparator()
        toolbar.addAction(a[ActionId.EXPORT_BRIEFING])
        self.addToolBar(toolbar)
        # Shortcuts work even where the menu bar is hidden (and on macOS's global menu).
        self.addActions([*a.all(), self.undo_action, self.redo_action])
        self.update_recent_menu()

    def _connect_actions(self) -> None:
        a, d = self.action_registry, self.documents
        a[ActionId.NEW_CASE].triggered.connect(d.new_case)
        a[ActionId.OPEN].triggered.connect(d.open_dialog)
        a[ActionId.SAVE_COPY].triggered.connect(d.save_copy)
        a[ActionId.OPEN_TEAM].triggered.connect(d.team.open_dialog)
        a[ActionId.PUBLISH_TEAM].triggered.connect(d.team.publish)
        a[ActionId.SAVE_TEAM_LINK].triggered.connect(d.team.save_link)
        a[ActionId.IMPORT_JSON].triggered.connect(d.import_json)
        a[ActionId.IMPORT_CSV].triggered.connect(self.csv_import.start)
        a[ActionId.EXPORT_JSON].triggered.connect(d.export_json)
        a[ActionId.EXPORT_CSV].triggered.connect(d.export_csv)
        a[ActionId.EXPORT_BRIEFING].triggered.connect(self.briefing.export)
        a[ActionId.EXPORT_WORD].triggered.connect(self.word.export)
        a[ActionId.BRIEFING_OPTIONS].triggered.connect(self.briefing.edit_options)
        a[ActionId.BRIEFING_EDITIONS].triggered.connect(self.editions.show)
        a[ActionId.RESTORE_BACKUP].triggered.connect(d.restore_backup)
        a[ActionId.CLOSE].triggered.connect(d.close_case)
        a[ActionId.QUIT].triggered.connect(self.close)
        a[ActionId.NEW_RECORD].triggered.connect(self._new_record)
        a[ActionId.DELETE_RECORD].triggered.connect(self._delete_record)
        a[ActionId.FIND].triggered.connect(self.open_search)
        a[ActionId.FILTER].triggered.connect(self._focus_filter)
        a[ActionId.BACK].triggered.connect(lambda: self._travel(self.history.back()))
        a[ActionId.FORWARD].triggered.connect(lambda: self._travel(self.history.forward()))
        for action_id, kind in GO_ACTIONS.items():
            a[action_id].triggered.connect(lambda _c=False, k=kind: self._show_page(k))
        a[ActionId.ABOUT].triggered.connect(self._about)
        a[ActionId.PREFERENCES].triggered.connect(self._preferences)
        a[ActionId.OPEN_LOG_FOLDER].triggered.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(user_log_dir())))
        )
        self.history.changed.connect(self._update_actions)

    # ----- the open case -----------------------------------------------------------------
    def set_session(self, session: CaseSession | None, notices: list[tuple[str, str]] | None = None) -> None:
        """Show a case (or the start screen when None), closing the one shown before."""
        self._retire_session()
        self.session = session
        self.history.clear()
        previous_view = self.case_view
        if session is None:
            self.case_view = None
            self.view_menu.attach(None)
            self.setCentralWidget(self._start_screen())
        else:
            self.undo_group.addStack(session.undo_stack)
            self.undo_group.setActiveStack(session.undo_stack)
            self.case_view = CaseView(session, self.history, self)
            self.case_view.location_changed.connect(self._update_actions)
            session.error.connect(self._show_edit_error)
            session.case_changed.connect(self._update_title)
            self.setCentralWidget(self.case_view)
            self.case_view.restore_state(self._load_view_state())
            self.view_menu.attach(self.case_view)
            for kind, text in notices or []:
                self.case_view.add_banner(text, kind)
            if session.live is not None:
                session.live.show_in(self.case_view)
            self.history.visit(self.case_view.location())
            if session.path is not None:
                self.settings.set_last_case(session.path)
        self.undo_focus.follow(session, self.case_view)
        self.day_order.follow(session, self.case_view)
        if previous_view is not None:
            previous_view.deleteLater()
        self._update_title()
        self._update_actions()

    def _retire_session(self) -> None:
        """Commit pending typing, remember the layout, then close the open case."""
        old = self.session
        if old is None:
            return
        if self.case_view is not None:
            self._save_view_state()
            self.case_view.flush()
            # Hiding moves the focus away while the file is still open, so a field's
            # "editing finished" lands in the file, not on a closed connection.
            self.case_view.hide()
        if self.search_dialog is not None:
            self.search_dialog.reject()  # stops its search before the file closes
            self.search_dialog.deleteLater()
            self.search_dialog = None
        self.undo_group.removeStack(old.undo_stack)
        old.close()
        self.session = None

    def _start_screen(self) -> QWidget:
        screen = QWidget(self)
        layout = QVBoxLayout(screen)
        layout.addStretch(1)
        label = QLabel("No case file is open.", screen)
        layout.addWidget(label)
        for text, slot in (
            ("New Case…", self.documents.new_case),
            ("Open…", self.documents.open_dialog),
            ("Open the Sample Case", self.documents.open_sample),
        ):
            button = QPushButton(text, screen)
            button.clicked.connect(slot)
            layout.addWidget(button)
        layout.addStretch(1)
        layout.setContentsMargins(240, 40, 240, 40)
        return screen

    def flush(self) -> None:
        """Commit anything still being typed."""
        if self.case_view is not None:
            self.case_view.flush()

    def _update_title(self) -> None:
        session = self.session
        if session is None or session.closed:
            self.setWindowTitle(APP_NAME)
            self.setWindowFilePath("")
            return
        title = session.get_case()["title"]
        path = session.path
        team = session.team_case
        name = path.name if path else f"{team.display_name} on {team.server}" if team else "Untitled"
        suffix = " (read-only)" if session.read_only else ""
        self.setWindowTitle(f"{title} — {name}{suffix} — {APP_NAME}")
        self.setWindowFilePath(str(path) if path else "")

    def _update_actions(self) -> None:
        has_case = self.session is not None
        for action_id in CASE_ACTIONS:
            self.action_registry[action_id].setEnabled(has_case)
        on_list = has_case and self.case_view is not None and self.case_view.current_page() is not None
        editable = on_list and not (self.session and self.session.read_only)
        self.action_registry[ActionId.NEW_RECORD].setEnabled(bool(editable))
        self.action_registry[ActionId.DELETE_RECORD].setEnabled(bool(editable))
        self.action_registry[ActionId.IMPORT_CSV].setEnabled(has_case and not (self.session and self.session.read_only))
        self.action_registry[ActionId.FILTER].setEnabled(bool(on_list))
        self.action_registry[ActionId.BACK].setEnabled(self.history.can_go_back())
        self.action_registry[ActionId.FORWARD].setEnabled(self.history.can_go_forward())
        self.documents.team.update_actions()
        self.bulk.update()
        self.replicas.update_actions()

    def update_recent_menu(self) -> None:
        """Rebuild File > Open Recent from the settings."""
        self.recent_menu.clear()
        recent = self.settings.recent_entries()
        for i, path in enumerate(recent):
            name = path.name if isinstance(path, Path) else team_label(path)
            action = self.recent_menu.addAction(f"&{i + 1} {name}" if i < 9 else name)
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.setEnabled(not isinstance(path, Path) or path.exists())
            action.triggered.connect(lambda _c=False, p=path: self.documents.open_entry(p))
        if recent:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear Menu")
            clear.triggered.connect(self._clear_recent)
        self.recent_menu.setEnabled(bool(recent))

    def _clear_recent(self) -> None:
        self.settings.clear_recent()
        self.update_recent_menu()

    def _show_edit_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)

    # ----- commands ----------------------------------------------------------------------
    def _new_record(self) -> None:
        page = self.case_view.current_page() if self.case_view else None
        if page is not None:
            page.add_record()

    def _delete_record(self) -> None:
        page = self.case_view.current_page() if self.case_view else None
        if page is not None and page.delete_current():
            self.statusBar().showMessage("Deleted. Undo with Edit > Undo.", 8000)

    def _show_page(self, kind: Kind | None) -> None:
        if self.case_view is not None:
            self.case_view.show_page(kind)
            page = self.case_view.current_page()
            if page is not None:
                page.keys.focus_list(select_first=False)  # Go keys land where the arrow keys work

    def _focus_filter(self) -> None:
        page = self.case_view.current_page() if self.case_view else None
        if page is not None:
            page.focus_filter()

    def open_search(self) -> None:
        """Edit > Find in Case…"""
        if self.session is None or self.case_view is None:
            return
        from .dialogs.search_dialog import SearchDialog

        self.flush()
        if self.search_dialog is not None:
            self.search_dialog.deleteLater()  # the last Find, closed: one dialog at a time
        dialog = SearchDialog(self.session, self)
        dialog.record_chosen.connect(self.case_view.show_record)
        dialog.case_chosen.connect(self._show_case_field)
        self.search_dialog = dialog
        dialog.open()

    def _show_case_field(self, name: str) -> None:
        if self.case_view is not None:
            self.case_view.show_page(None)
            self.case_view.case_page.widgets[name].focus_widget().setFocus()

    def _travel(self, location: object) -> None:
        from .navigation import Location

        if isinstance(location, Location) and self.case_view is not None:
            self.case_view.go(location)

    def _preferences(self) -> None:
        from .dialogs.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec() == PreferencesDialog.DialogCode.Accepted:
            dialog.apply()
        dialog.deleteLater()

    def _about(self) -> None:
        from .dialogs.about import AboutDialog

        AboutDialog(self).exec()

    # ----- window state ------------------------------------------------------------------
    def _save_view_state(self) -> None:
        if self.case_view is None:
            return
        for name, value in self.case_view.save_state().items():
            self.settings.set_bytes_value(name, value)

    def _load_view_state(self) -> dict[str, QByteArray]:
        names = ["split_nav", "split_timeline_strip", *(f"split_{k.value}" for k in Kind)]
        return {n: v for n in names if (v := self.settings.bytes_value(n)) is not None}

    def closeEvent(self, event: QCloseEvent) -> None:
        self.flush()
        self.briefing.cancel()
        self.word.cancel()
        self.documents.tasks.cancel_all()
        self.documents.tasks.wait(10000)
        self.settings.set_bytes_value("geometry", self.saveGeometry())
        last = self.session.path if self.session is not None else None
        self._retire_session()
        if last is not None:
            self.settings.set_last_case(last)
        self.settings.sync()
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.toLocalFile().lower().endswith((".casefile", ".casefile-link")) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            path = url.toLocalFile()
            if path.lower().endswith((".casefile", ".casefile-link")):
                event.acceptProposedAction()
                self.documents.open_path(Path(path))
                return
