"""One editing widget per kind of field value.

Each widget shows a value, lets the user change it, and emits ``committed(value)`` when
the user has finished (Enter, leaving the field, picking an item). Nothing is saved by the
widget itself: the editor panel turns a commit into an undoable edit. A refused value
stays in the widget, marked, so the user can correct it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from db.dates import EXAMPLES, PartialDate, explain_error
from db.fields import FieldSpec, FieldType, choice_label

from ..theme import set_refused, show_as_error


class FieldWidget(QWidget):
    """Base: a labelled editor for one field."""

    committed = Signal(object)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._value: Any = None
        self._loading = False

    def set_value(self, value: Any) -> None:
        """Show a stored value (does not emit ``committed``)."""
        self._loading = True
        try:
            self._value = value
            self._show(value)
            self.set_error(None)
        finally:
            self._loading = False

    def value(self) -> Any:
        """The last stored value shown."""
        return self._value

    def keep_typed(self, stored: Any) -> None:
        """The stored value changed under the user's input: note it, and leave what they typed
        in the field, so saving it writes it over the new value."""
        self._value = stored

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Commit a pending change (before the panel switches to another record)."""

    def unsaved(self) -> bool:
        """True while the field holds input that differs from what is stored (typed and not yet
        committed, or refused when it was)."""
        return False

    def set_read_only(self, read_only: bool) -> None:
        """Allow or forbid edits."""
        self.setEnabled(not read_only)

    def set_error(self, message: str | None) -> None:
        """Mark the field as refused with ``message`` (None clears it)."""

    def focus_widget(self) -> QWidget:
        """The widget a label's mnemonic should focus."""
        return self

    def _commit(self, value: Any) -> None:
        if not self._loading:
            self.committed.emit(value)


class TextField(FieldWidget):
    """One line of text."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(spec.label)
        self.edit.setClearButtonEnabled(True)
        self.edit.setPlaceholderText(spec.placeholder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        self.edit.editingFinished.connect(self.flush)

    def _show(self, value: Any) -> None:
        self.edit.setText(value or "")
        self.edit.setCursorPosition(0)  # show the start of long text, not its end

    def flush(self) -> None:
        text = self.edit.text()
        if text != (self._value or ""):
            self._commit(text)

    def unsaved(self) -> bool:
        return self.edit.text() != (self._value or "")

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)
        self.edit.setClearButtonEnabled(not read_only)  # no clear button on text that cannot change

    def focus_widget(self) -> QWidget:
        return self.edit


class _PlainText(QPlainTextEdit):
    """Multi-line text that reports leaving the field, and commits on Ctrl+Enter."""

    focus_lost = Signal()

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        self.focus_lost.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.focus_lost.emit()
            return
        if event.key() == Qt.Key.Key_Tab and not event.modifiers():
            self.focusNextChild()  # Tab moves on; the text never holds tabs typed by accident
            return
        if event.key() == Qt.Key.Key_Backtab:
            self.focusPreviousChild()
            return
        super().keyPressEvent(event)


class LongTextField(FieldWidget):
    """Paragraphs (summaries, quotes, notes)."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None, *, lines: int = 4) -> None:
        super().__init__(spec, parent)
        self.edit = _PlainText(self)
        self.edit.setAccessibleName(spec.label)
        self.edit.setTabChangesFocus(True)
        height = self.edit.fontMetrics().lineSpacing() * lines + 12
        self.edit.setMinimumHeight(height)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        self.edit.focus_lost.connect(self.flush)

    def _show(self, value: Any) -> None:
        self.edit.setPlainText(self._text_of(value))

    def _text_of(self, value: Any) -> str:
        return value or ""

    def _parsed(self) -> Any:
        return self.edit.toPlainText()

    def flush(self) -> None:
        if self.unsaved():
            self._commit(self._parsed())

    def unsaved(self) -> bool:
        return self.edit.toPlainText() != self._text_of(self._value)

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)

    def focus_widget(self) -> QWidget:
        return self.edit


class LinesField(LongTextField):
    """A list of lines (key provisions), one per line."""

    def _text_of(self, value: Any) -> str:
        return "\n".join(value or [])

    def _parsed(self) -> Any:
        return [line for line in self.edit.toPlainText().split("\n") if line.strip()]


class TagsField(TextField):
    """Tags typed as a comma-separated list, completing from the tags already in use."""

    def __init__(
        self, spec: FieldSpec, parent: QWidget | None = None, all_tags: Callable[[], list[str]] | None = None
    ) -> None:
        super().__init__(spec, parent)
        self.edit.setPlaceholderText("tags, separated by commas")
        self._all_tags = all_tags
        self._model = QStringListModel(self)
        self._completer = _LastItemCompleter(self._model, self.edit)
        self.edit.setCompleter(self._completer)
        self.edit.textEdited.connect(self._refresh_completions)

    def _refresh_completions(self) -> None:
        if self._all_tags is not None and not self._model.rowCount():
            self._model.setStringList(self._all_tags())

    def _show(self, value: Any) -> None:
        self._model.setStringList([])
        self.edit.setText(", ".join(value or []))

    def _tags(self) -> list[str]:
        return [t.strip() for t in self.edit.text().split(",") if t.strip()]

    def flush(self) -> None:
        if self.unsaved():
            self._commit(self._tags())

    def unsaved(self) -> bool:
        return self._tags() != list(self._value or [])


class _LastItemCompleter(QCompleter):
    """Completes the item after the last comma of a comma-separated list."""

    def __init__(self, model: QStringListModel, edit: QLineEdit) -> None:
        super().__init__(model, edit)
        self._edit = edit
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def splitPath(self, path: str) -> list[str]:
        return [path.split(",")[-1].strip()]

    def pathFromIndex(self, index: Any) -> str:
        head = self._edit.text().rsplit(",", 1)
        prefix = head[0] + ", " if len(head) > 1 else ""
        return prefix + str(self.model().data(index))


class DateField(FieldWidget):
    """A partial date: accepts what staff type, shows the normal form, marks bad input in place."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(spec.label)
        self.edit.setPlaceholderText("e.g. June 2, 2026 · May 2026 · c. 2024 · Q3 2025")
        self.edit.setToolTip(f"Type a date like {EXAMPLES}.")
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setObjectName("fieldError")
        show_as_error(self.error_label)
        self.error_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.error_label)
        self.edit.editingFinished.connect(self.flush)
        self.edit.textEdited.connect(self._validate_live)

    def _show(self, value: Any) -> None:
        self.edit.setText(value.display() if isinstance(value, PartialDate) else "")

    def parse(self) -> tuple[PartialDate | None, str | None]:
        """The typed date, or the reason it cannot be read."""
        text = self.edit.text().strip()
        if not text:
            return None, ("A date is required." if self.spec.required else None)
        try:
            return PartialDate.parse(text), None
        except ValueError as exc:
            return None, explain_error(str(exc))

    def _validate_live(self) -> None:
        _value, error = self.parse()
        # While typing, only mark; the reason shows once the user leaves the field.
        self.edit.setProperty("invalid", error is not None)
        if error is None:
            self.set_error(None)

    def flush(self) -> None:
        value, error = self.parse()
        if error is not None:
            self.set_error(error)
            return
        self.set_error(None)
        if value != self._value:
            self._commit(value)
        elif value is not None:
            self.edit.setText(value.display())

    def set_error(self, message: str | None) -> None:
        if message:
            self.error_label.setText(message)
            self.error_label.show()
            set_refused(self.edit, True)
            self.edit.setAccessibleDescription(message)
        else:
            self.error_label.hide()
            self.error_label.clear()
            set_refused(self.edit, False)
            self.edit.setAccessibleDescription("")

    def has_error(self) -> bool:
        """True while the field shows a refused value."""
        return not self.error_label.isHidden()

    def error_text(self) -> str:
        """Why the shown value was refused ('' when it was not)."""
        return self.error_label.text() if self.has_error() else ""

    def unsaved(self) -> bool:
        value, error = self.parse()
        return error is not None or value != self._value

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)

    def focus_widget(self) -> QWidget:
        return self.edit


class ChoiceField(FieldWidget):
    """One of a fixed set (kind, status)."""

    NOT_KNOWN = "(not known)"

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox(self)
        self.combo.setAccessibleName(spec.label)
        if spec.nullable_choice:
            self.combo.addItem(self.NOT_KNOWN, None)
        for choice in spec.choices:
            self.combo.addItem(choice_label(choice), choice)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        self.combo.activated.connect(lambda _i: self._commit(self.combo.currentData()))

    def _show(self, value: Any) -> None:
        index = self.combo.findData(value)
        self.combo.setCurrentIndex(max(index, 0))

    def focus_widget(self) -> QWidget:
        return self.combo


class BoolField(FieldWidget):
    """Yes or no (verbatim, key event)."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.check = QCheckBox(spec.check_text or spec.label, self)
        self.check.setAccessibleName(spec.label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        self.check.toggled.connect(self._commit)

    def _show(self, value: Any) -> None:
        self.check.setChecked(bool(value))

    def focus_widget(self) -> QWidget:
        return self.check


def field_widget(spec: FieldSpec, parent: QWidget | None = None, **context: Any) -> FieldWidget:
    """The widget for a field (references are built by the editor panel, which knows the case)."""
    kind = spec.type
    if kind is FieldType.TEXT:
        return TextField(spec, parent)
    if kind is FieldType.LONG_TEXT:
        return LongTextField(spec, parent, lines=spec.lines)
    if kind is FieldType.LINES:
        return LinesField(spec, parent, lines=5)
    if kind is FieldType.TAGS:
        return TagsField(spec, parent, all_tags=context.get("all_tags"))
    if kind is FieldType.DATE:
        return DateField(spec, parent)
    if kind is FieldType.CHOICE:
        return ChoiceField(spec, parent)
    if kind is FieldType.BOOL:
        return BoolField(spec, parent)
    raise ValueError(f"no plain widget for {kind}")
