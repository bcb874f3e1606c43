"""The View menu: how the record lists look (row lines, the editor pane), remembered."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from ..actions import ActionId, ActionRegistry
from ..settings import Settings
from .case_view import CaseView
from .record_page import RecordPage

ROW_LINE_ACTIONS = {ActionId.ROW_LINES_1: 1, ActionId.ROW_LINES_2: 2, ActionId.ROW_LINES_3: 3}


class ViewMenu(QObject):
    """Builds View > Show Editor Pane and View > Row Lines and keeps them in step with the case shown."""

    def __init__(self, registry: ActionRegistry, settings: Settings, parent: QWidget) -> None:
        super().__init__(parent)
        self.registry = registry
        self.settings = settings
        self.case_view: CaseView | None = None
        self._page: RecordPage | None = None
        self.menu = QMenu("&View", parent)
        self.menu.addAction(registry[ActionId.SHOW_EDITOR])
        self.row_lines_menu = self.menu.addMenu("&Row Lines")
        group = QActionGroup(self)
        group.setExclusive(True)
        for action_id, lines in ROW_LINE_ACTIONS.items():
            action = registry[action_id]
            group.addAction(action)
            self.row_lines_menu.addAction(action)
            action.setChecked(lines == settings.row_lines())
            action.triggered.connect(lambda _c=False, n=lines: self.set_row_lines(n))
        registry[ActionId.SHOW_EDITOR].triggered.connect(self._show_editor)
        self.attach(None)

    def attach(self, case_view: CaseView | None) -> None:
        """Follow the case view shown (None: no case open)."""
        self.case_view = case_view
        self._page = None
        if case_view is not None:
            case_view.set_row_lines(self.settings.row_lines())
            case_view.location_changed.connect(self._update)
        self._update()

    def set_row_lines(self, lines: int) -> None:
        """Show ``lines`` lines of text per row in every list, now and in later sessions."""
        self.settings.set_row_lines(lines)
        for action_id, n in ROW_LINE_ACTIONS.items():
            self.registry[action_id].setChecked(n == lines)
        if self.case_view is not None:
            self.case_view.set_row_lines(lines)

    def _show_editor(self, shown: bool) -> None:
        page = self.case_view.current_page() if self.case_view is not None else None
        if page is not None:
            page.set_editor_shown(shown)

    def _update(self) -> None:
        page = self.case_view.current_page() if self.case_view is not None else None
        if page is not self._page:
            if self._page is not None:
                self._page.editor_shown_changed.disconnect(self._on_editor_shown)
            self._page = page
            if page is not None:
                page.editor_shown_changed.connect(self._on_editor_shown)
        action = self.registry[ActionId.SHOW_EDITOR]
        action.setEnabled(page is not None)
        action.setChecked(page is None or page.editor_shown())

    def _on_editor_shown(self, shown: bool) -> None:
        self.registry[ActionId.SHOW_EDITOR].setChecked(shown)
