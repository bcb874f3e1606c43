"""One page per kind of record: a filter bar, a sortable table, and the editor panel.

The Timeline page also shows the timeline strip above its table; selecting in either
selects in both.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from db.dates import PartialDate
from db.errors import CaseFileError, ConflictError
from db.fields import KINDS, Kind
from db.versions import Seen

from ..editors.delegates import RecordDelegate
from ..editors.record_editor import RecordEditor
from ..models.record_table import RecordTableModel
from ..session import CaseSession, TimelineMarks
from ..theme import set_refused
from .history_panel import HistoryPanel
from .keyboard import PageKeys
from .list_layout import ColumnFitter, apply_row_lines
from .row_selection import RowSelection
from .selection_panel import SelectionPanel

ALL_TAGS = "All tags"
EDITOR_WIDTH = 360
EDITOR_MIN_WIDTH = 280
LIST_MIN_WIDTH = 320


class _TagCombo(QComboBox):
    """The tag filter: its list is read when it opens (reading every tag of 100,000 records
    takes a few hundred milliseconds, too long to do on every page load)."""

    about_to_show = Signal()

    def showPopup(self) -> None:
        self.about_to_show.emit()
        super().showPopup()


class RecordPage(QWidget):
    """List, filter and edit the records of one kind."""

    navigate_requested = Signal(object, str)  # Kind, record id
    current_changed = Signal(object, object)  # Kind, record id or None
    marks_loaded = Signal()  # the timeline strip has its data
    editor_shown_changed = Signal(bool)

    def __init__(self, session: CaseSession, kind: Kind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.kind = kind
        self.spec = KINDS[kind]
        self.model = RecordTableModel(session, kind, self)

        # Filter bar: short captions, so it fits the smallest window (the longer wording is in
        # the accessible names and tips).
        plural = self.spec.plural.lower() if kind is not Kind.TIMELINE else "timeline entries"
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter")
        self.filter_edit.setToolTip(f"Show the {plural} with these words (names of speakers and issuers too)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName(f"Filter {self.spec.plural.lower()}")
        self.filter_edit.setMinimumWidth(self.filter_edit.fontMetrics().horizontalAdvance("Filter") * 2 + 30)
        self.tag_combo = _TagCombo(self)
        self.tag_combo.about_to_show.connect(self._fill_tags)
        self.tag_combo.setAccessibleName("Filter by tag")
        self.tag_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.tag_combo.setMinimumContentsLength(len(ALL_TAGS))
        self.tag_combo.addItem(ALL_TAGS, None)
        self.from_edit = QLineEdit(self)
        self.to_edit = QLineEdit(self)
        for edit, word in ((self.from_edit, "From"), (self.to_edit, "To")):
            edit.setPlaceholderText(f"{word} date")
            edit.setAccessibleName(f"{word} date")
            edit.setToolTip(f"{word} date, as you would write it: June 2, 2026, Aug 2024, 2026")
            edit.setClearButtonEnabled(True)
            # Room for a typed day ("June 12, 2026") beside the clear button.
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("June 12, 2026") + 38)
            edit.setVisible(self.spec.date_field is not None)
        self.count_label = QLabel(self)
        self.count_label.setAccessibleName("Number of records shown")
        self.count_label.setEnabled(False)  # quiet, secondary text
        self.new_button = QToolButton(self)
        self.new_button.setText(f"New {self.spec.label.title()}…")
        self.new_button.setAccessibleName(f"New {self.spec.label.lower()}")
        self.new_button.setToolTip(f"Add a {self.spec.label.lower()} to this list")
        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        if "tags" in self.spec.by_name:
            bar.addWidget(self.tag_combo)
        else:
            self.tag_combo.hide()
        bar.addWidget(self.from_edit)
        bar.addWidget(self.to_edit)
        bar.addWidget(self.new_button)

        # Table.
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setItemDelegate(RecordDelegate(self.model))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        # No sort indicator: the list starts in the kind's natural order (by date, or by name).
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName(f"{self.spec.plural} list")
        self.columns = ColumnFitter(self.table, self.model, self.spec)
        self.row_lines = 1
        apply_row_lines(self.table, self.row_lines)

        # The list with its count under it, then the editor: the list gets the width.
        list_pane = QWidget(self)
        list_box = QVBoxLayout(list_pane)
        list_box.setContentsMargins(0, 0, 0, 0)
        list_box.setSpacing(2)
        list_box.addWidget(self.table, 1)
        list_box.addWidget(self.count_label)
        list_pane.setMinimumWidth(LIST_MIN_WIDTH)
        self.editor = RecordEditor(session, kind, self)
        self.editor.setMinimumWidth(EDITOR_MIN_WIDTH)
        # With several records selected the pane shows what can be done to all of them instead.
        self.selection_panel = SelectionPanel(self)
        self.editor_stack = QStackedWidget(self)
        # On a team case the server's history of the record shows under the editor.
        self.history = HistoryPanel(session, kind, self)
        editor_pane = QSplitter(Qt.Orientation.Vertical, self)
        editor_pane.addWidget(self.editor)
        editor_pane.addWidget(self.history)
        editor_pane.setStretchFactor(0, 3)
        editor_pane.setStretchFactor(1, 1)
        editor_pane.setSizes([3000, 1000])
        self.editor_stack.addWidget(editor_pane)
        self.editor_stack.addWidget(self.selection_panel)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName(f"split_{kind.value}")
        self.splitter.addWidget(list_pane)
        self.splitter.addWidget(self.editor_stack)
        self.splitter.setCollapsible(0, False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([100000, EDITOR_WIDTH])
        self._editor_width = EDITOR_WIDTH  # the width to come back to after hiding the editor
        self.splitter.splitterMoved.connect(lambda _pos, _i: self.editor_shown_changed.emit(self.editor_shown()))

        self.timeline = None
        self._marks_generation = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        if kind is Kind.TIMELINE:
            from .timeline_view import TimelineView

            self.timeline = TimelineView(self)
            self.timeline.set_title_lookup(self._timeline_title)
            self.vsplit = QSplitter(Qt.Orientation.Vertical, self)
            self.vsplit.setObjectName("split_timeline_strip")
            self.vsplit.addWidget(self.timeline)
            self.vsplit.addWidget(self.splitter)
            self.vsplit.setStretchFactor(1, 1)
            layout.addWidget(self.vsplit, 1)
            self._reload_marks()
        else:
            layout.addWidget(self.splitter, 1)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(120)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(lambda _t: self._filter_timer.start())
        self.tag_combo.activated.connect(lambda _i: self.apply_filter())
        self.from_edit.editingFinished.connect(self.apply_filter)
        self.to_edit.editingFinished.connect(self.apply_filter)
        self.model.modelReset.connect(self._update_count)
        self.row_selection = RowSelection(self)
        self.editor.navigate_requested.connect(self.navigate_requested)
        self.new_button.clicked.connect(self.add_record)
        session.records_reset.connect(self._on_records_reset)
        session.records_changed.connect(self._on_records_changed)
        self._update_count()
        self.keys = PageKeys(self)

    # ----- helpers -----------------------------------------------------------------------
    def _fill_tags(self) -> None:
        current = self.tag_combo.currentData()
        self.tag_combo.blockSignals(True)
        self.tag_combo.clear()
        self.tag_combo.addItem(ALL_TAGS, None)
        if "tags" in self.spec.by_name:
            for tag in self.session.all_tags(self.kind):
                self.tag_combo.addItem(tag, tag)
        self.tag_combo.setCurrentIndex(max(self.tag_combo.findData(current), 0))
        self.tag_combo.blockSignals(False)

    def _dates(self) -> tuple[PartialDate | None, PartialDate | None]:
        out: list[PartialDate | None] = []
        for edit in (self.from_edit, self.to_edit):
            text = edit.text().strip()
            value = None
            if text:
                try:
                    value = PartialDate.parse(text)
                    set_refused(edit, False)
                    edit.setToolTip(value.display())
                except ValueError as exc:
                    set_refused(edit, True)
                    edit.setToolTip(str(exc))
            else:
                set_refused(edit, False)
            out.append(value)
        return out[0], out[1]

    def _update_count(self) -> None:
        shown = self.model.rowCount()
        noun = self.spec.label.lower()
        if shown != 1:
            noun = "timeline entries" if self.kind is Kind.TIMELINE else self.spec.plural.lower()
        self.count_label.setText(f"{shown:,} {noun}")

    def _timeline_title(self, rowid: int) -> str:
        row = self.model.row_of_rowid(rowid)
        if row is None:
            return ""
        return str(self.model.index(row, self.model.column_of("title")).data() or "")

    def _reload_marks(self, *, keep_view: bool = False) -> None:
        """Read the strip's data off the GUI thread, then show it (the table is usable meanwhile)."""
        if self.timeline is None or self.session.closed:
            return
        from ..tasks import Job

        self._marks_generation += 1
        generation = self._marks_generation
        if self.session.shares_one_connection():
            # An in-memory copy (an older file or a recovered one, read-only) has one connection,
            # the window's own: read it here rather than from a second thread.
            marks = self.session.timeline_marks()
            self.timeline.set_marks(marks, keep_view=keep_view)
            self.timeline.set_selected(self._current_rowid())
            self.marks_loaded.emit()
            return
        task = Job(self.session.timeline_marks)  # a fast read of the live file: closing the case waits for it

        def show(marks: TimelineMarks) -> None:
            if generation != self._marks_generation or self.timeline is None or self.session.closed:
                return  # a newer reload is on its way, or the case was closed
            self.timeline.set_marks(marks, keep_view=keep_view)
            self.timeline.set_selected(self._current_rowid())
            self.marks_loaded.emit()

        task.signals.finished.connect(show)
        self.session.jobs.start(task)

    def _current_rowid(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.rowid_at(index.row()) if index.isValid() else None

    # ----- filtering ---------------------------------------------------------------------
    def apply_filter(self) -> None:
        """Apply the filter bar to the list, keeping the selected record if it still matches."""
        keep = self.current_id()
        date_from, date_to = self._dates()
        self.model.set_filter(self.filter_edit.text(), self.tag_combo.currentData(), date_from, date_to)
        if keep is not None:
            self.select_record(keep, clear_filter=False)

    def apply_typed_filter(self) -> None:
        """Apply filter text still waiting for the pause in typing."""
        if self._filter_timer.isActive():
            self._filter_timer.stop()
            self.apply_filter()

    def clear_filter(self) -> None:
        """Show every record."""
        self.filter_edit.blockSignals(True)
        self.filter_edit.clear()
        self.filter_edit.blockSignals(False)
        self.tag_combo.setCurrentIndex(0)
        self.from_edit.clear()
        self.to_edit.clear()
        self.model.set_filter()

    def focus_filter(self) -> None:
        """Put the cursor in the filter box."""
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    # ----- selection (``RowSelection`` follows it) ----------------------------------------
    def current_id(self) -> str | None:
        """The selected record."""
        return self.row_selection.current_id()

    def select_record(self, record_id: str, *, clear_filter: bool = True) -> bool:
        """Select and show a record, clearing the filter if it hides it."""
        return self.row_selection.select_record(record_id, clear_filter=clear_filter)

    def selected_rows(self) -> list[int]:
        """Rows of the selected records, top to bottom."""
        return self.row_selection.selected_rows()

    def _on_records_reset(self, kind: Kind) -> None:
        if kind is self.kind:
            self._reload_marks(keep_view=True)

    def _on_records_changed(self, kind: Kind, ids: list[str], fields: list[str]) -> None:
        # The strip shows dates and key flags, and key events' titles; other edits leave it be.
        if kind is self.kind and self.timeline is not None:
            if {"date", "key"} & set(fields):
                self._reload_marks(keep_view=True)
            elif "title" in fields:
                for record_id in ids:
                    rowid = self.session.rowid_of(self.kind, record_id)
                    if rowid is not None:
                        self.timeline.set_title(rowid, self.session.get_record(self.kind, record_id)["title"])

    # ----- adding and deleting -----------------------------------------------------------
    def add_record(self) -> str | None:
        """Ask for the essentials of a new record, create it and select it."""
        from ..dialogs.quick_create import QuickCreateDialog

        if self.session.read_only:
            return None
        dialog = QuickCreateDialog(self.kind, "", self)
        accepted = dialog.exec() == QuickCreateDialog.DialogCode.Accepted
        dialog.deleteLater()
        if not accepted:
            return None
        try:
            record_id = self.session.add_record(self.kind, dialog.values())
        except CaseFileError as exc:
            self.session.report(exc)
            return None
        self.select_record(record_id)
        self.set_editor_shown(True)  # the new record's first field takes the typing
        self.editor.focus_first_field()
        return record_id

    def delete_current(self) -> bool:
        """Delete the selected record, asking first if other records refer to it."""
        from ..dialogs.delete_dialog import confirm_delete, confirm_delete_changed

        if len(self.selected_rows()) > 1:
            from ..bulk_actions import delete_selection

            return delete_selection(self)
        record_id = self.current_id()
        if record_id is None or self.session.read_only:
            return False
        row = self.table.currentIndex().row()
        # what the editor shows as Delete is chosen is what the user saw (a team case; no version
        # on a case file): a change arriving while they answer the question below is news to them
        seen = Seen(self.editor.seen.version) if self.editor.record_id == record_id else None
        choice = confirm_delete(self, self.session, self.kind, record_id)
        if choice is None:
            return False
        while True:
            try:
                self.session.delete_record(self.kind, record_id, remove_references=choice, seen=seen)
                break
            except ConflictError as exc:
                if not confirm_delete_changed(self, self.kind, exc):
                    self.editor.load(record_id)  # theirs, to see what they changed
                    return False
                seen = Seen(exc.version)  # the user has now been told of theirs
            except CaseFileError as exc:
                self.session.report(exc)
                return False
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(min(row, self.model.rowCount() - 1), 0))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    # ----- view options ----------------------------------------------------------------------
    def set_row_lines(self, lines: int) -> None:
        """Show one, two or three lines of text per row."""
        self.row_lines = lines
        apply_row_lines(self.table, lines)

    def editor_shown(self) -> bool:
        """Whether the editor pane has any width (it may be collapsed by its handle too)."""
        return self.splitter.sizes()[1] > 0

    def set_editor_shown(self, shown: bool) -> None:
        """Show the editor pane at its last width, or hide it and give the list the width."""
        if shown == self.editor_shown():
            return
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if shown:
            width = max(self._editor_width, EDITOR_MIN_WIDTH)
            self.splitter.setSizes([max(total - width, 0), width])
        else:
            if self.editor_stack.isAncestorOf(self.focusWidget()):
                self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            self._editor_width = sizes[1]
            self.splitter.setSizes([total, 0])
        self.editor_shown_changed.emit(self.editor_shown())

    # ----- state ---------------------------------------------------------------------------
    def splitters(self) -> list[QSplitter]:
        """Splitters whose positions are remembered."""
        return [self.splitter, *([self.vsplit] if self.timeline is not None else [])]
