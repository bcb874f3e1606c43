"""What to do to the selected records: the tag to add or remove, the field and value to set.

Values are picked with the editor panel's own widgets (a choice list, a yes/no box, a
reference search), so a field looks and reads the same here as when editing one record.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QWidget,
)

from db.fields import FieldSpec, FieldType

from ..editors.field_widgets import FieldWidget, field_widget
from ..editors.ref_widgets import RefField
from ..session import CaseSession


class TagDialog(QDialog):
    """Asks for one tag (completed from the tags in use)."""

    def __init__(self, title: str, prompt: str, action: str, tags: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        caption = QLabel(prompt, self)
        caption.setWordWrap(True)
        form.addRow(caption)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName("Tag")
        self.edit.setPlaceholderText(tags[0] if tags else "A word or two")
        completer = QCompleter(tags, self.edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.edit.setCompleter(completer)
        label = QLabel("&Tag:", self)
        label.setBuddy(self.edit)
        form.addRow(label, self.edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = self.buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.edit.textChanged.connect(lambda text: self.ok.setEnabled(bool(text.strip())))
        self.ok.setEnabled(False)
        self.setMinimumWidth(380)

    def tag(self) -> str:
        """The tag typed."""
        return self.edit.text().strip()


class SetFieldDialog(QDialog):
    """Asks for a field every selected record has and the value to give it."""

    def __init__(
        self, session: CaseSession, fields: list[FieldSpec], prompt: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set Field")
        form = QFormLayout(self)
        caption = QLabel(prompt, self)
        caption.setWordWrap(True)
        form.addRow(caption)
        self.field_combo = QComboBox(self)
        self.field_combo.setAccessibleName("Field")
        self.values = QStackedWidget(self)
        self.widgets: list[FieldWidget] = []
        for f in fields:
            self.field_combo.addItem(f.label, f.name)
            widget = self._widget(session, f)
            self.widgets.append(widget)
            self.values.addWidget(widget)
        field_label = QLabel("&Field:", self)
        field_label.setBuddy(self.field_combo)
        form.addRow(field_label, self.field_combo)
        self.value_label = QLabel("&Value:", self)
        form.addRow(self.value_label, self.values)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = self.buttons.addButton("Set Field", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.field_combo.currentIndexChanged.connect(self._show_field)
        self._show_field(0)
        self.setMinimumWidth(440)

    def _widget(self, session: CaseSession, f: FieldSpec) -> FieldWidget:
        widget: FieldWidget
        if f.type is FieldType.REF:
            target = f.target
            assert target is not None
            ref = RefField(
                f,
                choices=lambda text: session.choices(target, text),
                labels=lambda ids: session.labels(target, ids),
                create=lambda _text: None,
                parent=self,
            )
            # Here a reference is only picked: the records it names are opened and made elsewhere.
            ref.open_button.hide()
            ref.new_button.hide()
            widget = ref
        else:
            widget = field_widget(f, self)
        # A pick is the value to set, not yet an edit: the dialog keeps it until Set Field.
        widget.committed.connect(widget.set_value)
        if f.type is FieldType.CHOICE:
            widget.set_value(f.default if f.default is not None or f.nullable_choice else f.choices[0])
        elif f.type is FieldType.BOOL:
            widget.set_value(True)
        else:
            widget.set_value(None)
        return widget

    def _show_field(self, index: int) -> None:
        if 0 <= index < len(self.widgets):
            self.values.setCurrentIndex(index)
            self.value_label.setBuddy(self.widgets[index].focus_widget())

    def field_name(self) -> str:
        """The field chosen."""
        return str(self.field_combo.currentData())

    def value(self) -> Any:
        """The value chosen for it."""
        return self.widgets[self.field_combo.currentIndex()].value()

    def value_widget(self) -> FieldWidget:
        """The widget the value is picked with (tests type into it)."""
        return self.widgets[self.field_combo.currentIndex()]
