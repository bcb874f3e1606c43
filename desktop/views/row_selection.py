"""Which record a page's list has selected, and what follows from it: the editor shows the
current record (asking first when it holds typing it could not save), the timeline strip marks
it, several selected records bring up the selection panel, and the current record stays selected
and in view across a reload or a sort. Double-clicking a reference cell, or an entry on the
strip, selects the record it names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QMessageBox

if TYPE_CHECKING:
    from .record_page import RecordPage


class RowSelection:
    """The selection of one record page's list (the page keeps ``current_id``, ``select_record``
    and ``selected_rows`` as its own, for its callers)."""

    def __init__(self, page: RecordPage) -> None:
        self.page = page
        self._holding_row = False  # putting the selection back after "Keep Editing"
        selection = page.table.selectionModel()
        selection.currentRowChanged.connect(self._on_row_changed)
        selection.selectionChanged.connect(self._on_selection_changed)
        page.table.doubleClicked.connect(self._follow_cell)
        page.model.modelReset.connect(self._after_reset)
        page.model.layoutChanged.connect(self._after_layout)
        if page.timeline is not None:
            page.timeline.entry_activated.connect(self._on_marker)

    def current_id(self) -> str | None:
        """The selected record."""
        index = self.page.table.currentIndex()
        return self.page.model.id_at(index.row()) if index.isValid() else None

    def select_record(self, record_id: str, *, clear_filter: bool = True) -> bool:
        """Select and show a record, clearing the filter if it hides it."""
        row = self.page.model.row_of(record_id)
        if row is None and clear_filter:
            self.page.clear_filter()
            row = self.page.model.row_of(record_id)
        if row is None:
            self.page.table.selectionModel().clearSelection()
            self.page.table.setCurrentIndex(QModelIndex())
            return False
        index = self.page.model.index(row, 0)
        self.page.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.page.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def selected_rows(self) -> list[int]:
        """Rows of the selected records, top to bottom."""
        rows: set[int] = set()
        selection = self.page.table.selectionModel().selection()
        for i in range(selection.count()):
            part = selection.at(i)
            rows.update(range(part.top(), part.bottom() + 1))
        return sorted(rows)

    def _on_selection_changed(self) -> None:
        from ..bulk_edits import records_noun

        count = len(self.selected_rows())
        if count > 1:
            self.page.selection_panel.set_count(f"{records_noun(self.page.kind, count)} selected")
        self.page.editor_stack.setCurrentIndex(1 if count > 1 else 0)

    def _on_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._holding_row:
            return
        record_id = self.page.model.id_at(current.row()) if current.isValid() else None
        if record_id != self.page.editor.record_id and not self._may_leave_record(previous):
            return
        self.page.editor.load(record_id)
        if self.page.timeline is not None:
            self.page.timeline.set_selected(self.page.model.rowid_at(current.row()) if current.isValid() else None)
        self.page.history.show_record(record_id)
        self.page.current_changed.emit(self.page.kind, record_id)

    def _may_leave_record(self, previous: QModelIndex) -> bool:
        """Before the editor shows another record: typed input it could not save is kept or
        dropped as the user says, never dropped silently. False keeps the record selected."""
        widget = self.page.editor.unsaved_field()
        if widget is None:
            return True
        box = QMessageBox(self.page)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Change Not Saved")
        box.setText(f"What you typed in {widget.spec.label} was not saved.")
        box.setInformativeText(self.page.editor.refusal(widget))
        keep = box.addButton("Keep Editing", QMessageBox.ButtonRole.RejectRole)
        box.addButton("Discard Change", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        if box.clickedButton() is keep:
            if previous.isValid():
                self._holding_row = True
                try:
                    self.page.table.selectionModel().setCurrentIndex(
                        previous,
                        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                    )
                finally:
                    self._holding_row = False
            widget.focus_widget().setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        self.page.editor.discard_unsaved()
        return True

    def _follow_cell(self, index: QModelIndex) -> None:
        """Double-clicking a speaker, issuer, affiliation, source or actors cell opens that record."""
        name = self.page.model.columns[index.column()].field
        spec = self.page.spec.by_name.get(name or "")
        record_id = self.page.model.id_at(index.row())
        if spec is None or spec.target is None or record_id is None:
            return
        value = self.page.session.get_record(self.page.kind, record_id)[spec.name]
        target_id = value[0] if isinstance(value, list) and value else value
        if isinstance(target_id, str):
            self.page.navigate_requested.emit(spec.target, target_id)

    def _on_marker(self, rowid: int) -> None:
        row = self.page.model.row_of_rowid(rowid)
        if row is None:
            self.page.clear_filter()
            row = self.page.model.row_of_rowid(rowid)
        if row is not None:
            index = self.page.model.index(row, 0)
            self.page.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.page.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _after_reset(self) -> None:
        if self.page.editor.record_id is not None:
            row = self.page.model.row_of(self.page.editor.record_id)
            if row is not None:
                self.page.table.selectionModel().blockSignals(True)
                self.page.table.selectionModel().setCurrentIndex(
                    self.page.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.page.table.selectionModel().blockSignals(False)

    def _after_layout(self) -> None:
        # After a sort the same record stays selected and in view.
        index = self.page.table.currentIndex()
        if index.isValid():
            self.page.table.scrollTo(index)
