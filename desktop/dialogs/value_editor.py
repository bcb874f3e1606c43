"""A value of the user's own for a field two sides changed differently: text as typed, a list
one item per line, a date as written; checked as an edit of the field would be."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from db.errors import CaseFileError
from db.fields import FieldSpec, FieldType
from db.values import normalise

from ..theme import show_as_error

# References, choices and flags are picked, not typed: Keep Mine or Keep Theirs settles them.
EDITABLE_TYPES = (FieldType.TEXT, FieldType.LONG_TEXT, FieldType.DATE, FieldType.TAGS, FieldType.LINES)


class ValueEditor(QDialog):
    """A value of the user's own for one conflicting field, started from mine."""

    def __init__(self, spec: FieldSpec, what: str, start: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.value: Any = None
        self.setWindowTitle("Edit Value")
        layout = QVBoxLayout(self)
        self.many = spec.type in (FieldType.LONG_TEXT, FieldType.TAGS, FieldType.LINES)
        hint = " (one per line)" if spec.is_list else ""
        caption = QLabel(f"&{spec.label} of {what}{hint}:", self)
        caption.setWordWrap(True)
        layout.addWidget(caption)
        self.editor: QPlainTextEdit | QLineEdit
        text = "\n".join(start) if spec.is_list else ("" if start is None else str(start))
        if self.many:
            self.editor = QPlainTextEdit(text, self)
            self.editor.setTabChangesFocus(True)
        else:
            self.editor = QLineEdit(text, self)
        self.editor.setAccessibleName(spec.label)
        caption.setBuddy(self.editor)
        layout.addWidget(self.editor, 1)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        show_as_error(self.error_label)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 300 if self.many else 140)

    def text(self) -> str:
        e = self.editor
        return e.toPlainText() if isinstance(e, QPlainTextEdit) else e.text()

    def accept(self) -> None:
        raw = self.text()
        value: Any = [line.strip() for line in raw.splitlines() if line.strip()] if self.spec.is_list else raw
        try:
            checked = normalise(self.spec, value or None)
        except CaseFileError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.value = checked.iso() if self.spec.type is FieldType.DATE and checked is not None else value  # type: ignore[attr-defined]
        super().accept()
