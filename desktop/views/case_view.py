"""Everything shown for one open case file: the navigation list and a page per kind."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtWidgets import QSplitter, QStackedWidget, QVBoxLayout, QWidget

from db.fields import Kind

from ..navigation import History, Location
from ..session import CaseSession
from .banner import Banner
from .case_page import CasePage
from .record_page import RecordPage
from .section_list import SectionList

PAGE_ORDER: tuple[Kind | None, ...] = (
    None,
    Kind.ACTOR,
    Kind.STATEMENT,
    Kind.DIRECTIVE,
    Kind.TIMELINE,
    Kind.SOURCE,
)


class CaseView(QWidget):
    """Navigation on the left, the current page on the right; follows links and history."""

    location_changed = Signal()

    def __init__(self, session: CaseSession, history: History, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.history = history
        self._restoring = False
        self.nav = SectionList(session, PAGE_ORDER, self)
        self.nav.setMaximumWidth(260)
        self.nav.setMinimumWidth(140)
        self.stack = QStackedWidget(self)
        self.case_page = CasePage(session, self)
        # Record pages are built the first time they are shown: opening a large case reads
        # only what the first page needs.
        self.pages: dict[Kind, RecordPage] = {}
        self._saved_state: dict[str, QByteArray] = {}
        self.row_lines = 1
        for kind in PAGE_ORDER:
            self.stack.addWidget(self.case_page if kind is None else QWidget(self.stack))
        self.case_page.navigate_requested.connect(lambda kind: self.show_page(kind))
        self.case_page.record_requested.connect(self.show_record)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("split_nav")
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(0, False)
        # As wide as the widest section's name and count, and no wider: the lists need the room.
        self.splitter.setSizes([self.nav.sizeHintForColumn(0) + 2 * self.nav.frameWidth() + 4, 1200])
        self.banners: list[Banner] = []
        self._banner_box = QVBoxLayout()
        self._banner_box.setContentsMargins(6, 6, 6, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(self._banner_box)
        layout.addWidget(self.splitter, 1)
        self.nav.currentRowChanged.connect(self._on_nav)
        self.nav.setCurrentRow(0)

    def add_banner(self, text: str, kind: str = "info") -> Banner:
        """Show a notice across the top of the case (read-only, risky location, ...)."""
        banner = Banner(text, kind, self)
        self.banners.append(banner)
        self._banner_box.addWidget(banner)
        return banner

    # ----- where we are ------------------------------------------------------------------
    def current_kind(self) -> Kind | None:
        """The kind of the page shown (None: the Case page)."""
        return PAGE_ORDER[max(self.nav.currentRow(), 0)]

    def current_page(self) -> RecordPage | None:
        """The record page shown, if any."""
        kind = self.current_kind()
        return self.page(kind) if kind is not None else None

    def page(self, kind: Kind) -> RecordPage:
        """The page of ``kind``, built on first use."""
        page = self.pages.get(kind)
        if page is None:
            page = RecordPage(self.session, kind, self)
            page.navigate_requested.connect(self.show_record)
            page.current_changed.connect(self._on_record_selected)
            self.pages[kind] = page
            index = PAGE_ORDER.index(kind)
            placeholder = self.stack.widget(index)
            assert placeholder is not None  # the stack holds a placeholder for every page not yet built
            self.stack.insertWidget(index, page)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self._restore_page_state(page)
            page.set_row_lines(self.row_lines)
        return page

    def set_row_lines(self, lines: int) -> None:
        """Show one, two or three lines of text in every list's rows."""
        self.row_lines = lines
        for page in self.pages.values():
            page.set_row_lines(lines)

    def location(self) -> Location:
        """The page and record shown."""
        page = self.current_page()
        return Location(self.current_kind(), page.current_id() if page else None)

    # ----- going places ------------------------------------------------------------------
    def show_page(self, kind: Kind | None) -> None:
        """Show a page."""
        self.nav.setCurrentRow(PAGE_ORDER.index(kind))

    def show_record(self, kind: Kind, record_id: str) -> bool:
        """Show a record on its page (following a link or a search hit)."""
        self.flush()
        self.show_page(kind)
        found = self.page(kind).select_record(record_id)
        if found:
            self.page(kind).table.setFocus()
        return found

    def go(self, location: Location) -> None:
        """Show a place from the history without recording a new visit."""
        self._restoring = True
        try:
            if location.kind is None:
                self.show_page(None)
            elif location.record_id is None or not self.show_record(location.kind, location.record_id):
                self.show_page(location.kind)
        finally:
            self._restoring = False
        self.location_changed.emit()

    def _on_nav(self, row: int) -> None:
        if row < 0:
            return
        self.flush()
        kind = PAGE_ORDER[row]
        if kind is not None:
            self.page(kind)
        self.stack.setCurrentIndex(row)
        if not self._restoring:
            self.history.visit(self.location())
        self.location_changed.emit()

    def _on_record_selected(self, kind: Kind, record_id: str | None) -> None:
        if kind is self.current_kind() and not self._restoring and record_id is not None:
            self.history.visit(Location(kind, record_id))
        self.location_changed.emit()

    # ----- state -------------------------------------------------------------------------
    def flush(self) -> None:
        """Commit what the user is still typing on any page."""
        self.case_page.flush()
        for page in self.pages.values():
            page.editor.flush()

    def save_state(self) -> dict[str, QByteArray]:
        """Splitter positions to remember."""
        state = dict(self._saved_state)
        state[self.splitter.objectName()] = self.splitter.saveState()
        for page in self.pages.values():
            for splitter in page.splitters():
                state[splitter.objectName()] = splitter.saveState()
        return state

    def restore_state(self, state: dict[str, QByteArray]) -> None:
        """Put splitters back where the user left them (pages built later get theirs then)."""
        self._saved_state = dict(state)
        value = state.get(self.splitter.objectName())
        if value is not None:
            self.splitter.restoreState(value)
        for page in self.pages.values():
            self._restore_page_state(page)

    def _restore_page_state(self, page: RecordPage) -> None:
        for splitter in page.splitters():
            value = self._saved_state.get(splitter.objectName())
            if value is not None:
                splitter.restoreState(value)
