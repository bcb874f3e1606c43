"""A small dialog to create an actor or source on the spot from a reference picker."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from db.errors import RecordError
from db.fields import KINDS, FieldType, Kind, choice_label
from db.values import normalise

from ..theme import show_as_error


class QuickCreateDialog(QDialog):
    """Asks for the essential fields of a new record; ``values()`` gives them."""

    def __init__(self, kind: Kind, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        spec = KINDS[kind]
        self.setWindowTitle(f"New {spec.label.title()}")  # title case, as every window title
        form = QFormLayout(self)
        form.addRow(QLabel(f"Create a new {spec.label.lower()}; you can add the other details later."))
        self._inputs: dict[str, QLineEdit | QComboBox] = {}
        # The fields worth asking for when creating a record in passing; the rest can wait.
        for f in (f for f in spec.fields if f.quick):
            widget: QLineEdit | QComboBox
            if f.type is FieldType.CHOICE:
                widget = QComboBox(self)
                for choice in f.choices:
                    widget.addItem(choice_label(choice), choice)
                widget.setCurrentIndex(max(widget.findData(f.default), 0))
            else:
                widget = QLineEdit(self)
                if f.name == spec.title_field:
                    widget.setText(text)
            widget.setAccessibleName(f.label)
            label = QLabel(f"&{f.label}:", self)
            label.setBuddy(widget)
            form.addRow(label, widget)
            self._inputs[f.name] = widget
        # Why the dialog did not close: shown under the fields, the refused field focused.
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        show_as_error(self.error_label)
        self.error_label.setAccessibleName("Problem")
        self.error_label.hide()
        form.addRow(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        title_input = self._inputs[spec.title_field]
        if isinstance(title_input, QLineEdit):
            title_input.textChanged.connect(self._update_ok)
        self._update_ok()

    def accept(self) -> None:
        """Close only when every value can be stored, by the rules an edit uses; otherwise say
        which field and why, and keep everything typed."""
        spec = KINDS[self.kind]
        for name, value in self.values().items():
            f = spec.field(name)
            try:
                normalise(f, value)
            except RecordError as exc:
                self.error_label.setText(str(exc))
                self.error_label.show()
                self.adjustSize()  # room for the whole reason
                widget = self._inputs[name]
                widget.setFocus()
                if isinstance(widget, QLineEdit):
                    widget.selectAll()
                return
        self.error_label.hide()
        super().accept()

    def _update_ok(self) -> None:
        title = self._inputs[KINDS[self.kind].title_field]
        ok = not isinstance(title, QLineEdit) or bool(title.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def input(self, name: str) -> QLineEdit | QComboBox:
        """The input for a field (tests type into it)."""
        return self._inputs[name]

    def values(self) -> dict[str, Any]:
        """Field values typed, ready for ``add_record``."""
        out: dict[str, Any] = {}
        for name, widget in self._inputs.items():
            out[name] = widget.currentData() if isinstance(widget, QComboBox) else widget.text().strip()
        return out
