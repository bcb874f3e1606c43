"""Quick edits in table cells: the right editor for dates and choices, and flags that toggle
only on the row being worked on."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from db.dates import PartialDate
from db.fields import KINDS, FieldSpec, FieldType, choice_label

from ..models.record_table import FieldRole, RecordTableModel

Index = QModelIndex | QPersistentModelIndex


class RecordDelegate(QStyledItemDelegate):
    """Line edits for text and dates (dates checked before saving), combo boxes for choices."""

    def __init__(self, model: RecordTableModel) -> None:
        super().__init__(model)
        self._model = model
        self._armed: QPersistentModelIndex | None = None  # the flag a press on the current row may toggle

    def _spec(self, index: Index) -> FieldSpec | None:
        name = index.data(FieldRole)
        spec = KINDS[self._model.kind]
        return spec.field(name) if name in spec.by_name else None

    def editorEvent(self, event: QEvent, model: QAbstractItemModel, option: QStyleOptionViewItem, index: Index) -> bool:
        """A click on a flag toggles it only on the row already selected: a click meant to pick a
        row must not change, say, whether a statement is quoted as the speaker's exact words."""
        if not index.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            return super().editorEvent(event, model, option, index)
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            if not _on_current_row(option.widget, index):
                self._armed = None
                return False  # the view selects the row
            self._armed = QPersistentModelIndex(index)
        elif kind == QEvent.Type.MouseButtonDblClick:
            self._armed = None  # a double click counts as the one click it began with
        elif kind == QEvent.Type.MouseButtonRelease:
            armed, self._armed = self._armed, None
            if armed is None or armed != QPersistentModelIndex(index):
                return False
        return super().editorEvent(event, model, option, index)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        spec = self._spec(index)
        if spec is not None and spec.type is FieldType.CHOICE:
            combo = QComboBox(parent)
            if spec.nullable_choice:
                combo.addItem("(not known)", None)
            for choice in spec.choices:
                combo.addItem(choice_label(choice), choice)
            combo.setAccessibleName(spec.label)
            return combo
        editor = super().createEditor(parent, option, index)
        if isinstance(editor, QLineEdit) and spec is not None:
            editor.setAccessibleName(spec.label)
            if spec.type is FieldType.DATE:
                editor.setPlaceholderText("e.g. June 2, 2026")
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        self._model.begin_edit(index)
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(editor.findData(index.data(Qt.ItemDataRole.EditRole)), 0))
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        spec = self._spec(index)
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        elif spec is not None and spec.type is FieldType.DATE and isinstance(editor, QLineEdit):
            text = editor.text().strip()
            if text:
                try:
                    PartialDate.parse(text)
                except ValueError as exc:
                    # Nothing invalid is saved: say why, keep the stored date.
                    QToolTip.showText(editor.mapToGlobal(editor.rect().bottomLeft()), str(exc), editor)
                    self._model.session.error.emit(str(exc))
                    return
            model.setData(index, text, Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)
        again = self._model.take_edit_again()
        viewport = editor.parentWidget()
        view = viewport.parentWidget() if viewport is not None else None
        if again is not None and isinstance(view, QAbstractItemView):
            # The editor closes once this returns: open it again afterwards, holding what was typed.
            QTimer.singleShot(0, lambda: _edit_again(view, *again))


def _edit_again(view: QAbstractItemView, index: QPersistentModelIndex, typed: str) -> None:
    """Open the cell's editor again over someone else's value, with what the user typed in it."""
    if not index.isValid():
        return
    cell = view.model().index(index.row(), index.column())
    view.setCurrentIndex(cell)
    view.edit(cell)
    editor = view.indexWidget(cell)
    if isinstance(editor, QLineEdit):
        editor.setText(typed)


def _on_current_row(view: object, index: Index) -> bool:
    """Whether ``index`` is on the view's current, selected row (before the click moves it)."""
    if not isinstance(view, QAbstractItemView):
        return True
    selection = view.selectionModel()
    current = view.currentIndex()
    return current.isValid() and current.row() == index.row() and selection.isRowSelected(index.row())
