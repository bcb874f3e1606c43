"""Pickers for references: one record (speaker, issuer, affiliation, source) or an ordered
list of records (directive parties, timeline actors).

Typing searches the case as you type (the store's full-text index, so it stays quick with
thousands of actors); a "New…" choice creates the record on the spot; "Open" follows the
link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from db.fields import KINDS, FieldSpec

from .field_widgets import FieldWidget

Choices = Callable[[str], list[tuple[str, str]]]
Labels = Callable[[list[str]], dict[str, str]]
Create = Callable[[str], None]  # create a record from typed text and link it (one undo step)


class _SearchBox(QLineEdit):
    """A line edit whose completer lists matching records; ``picked(id)`` when one is chosen."""

    picked = Signal(str)
    create_requested = Signal(str)

    def __init__(self, choices: Choices, noun: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._choices = choices
        self._noun = noun
        self._ids: list[str | None] = []
        self._typed = ""
        self._model = QStringListModel(self)
        self._completer = QCompleter(self._model, self)
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setMaxVisibleItems(12)
        self.setCompleter(self._completer)
        # The stubs do not model picking one overload of a signal.
        self._completer.activated[QModelIndex].connect(self._on_activated)  # type: ignore[index]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.refresh)
        self.textEdited.connect(lambda _t: self._timer.start())

    def refresh(self) -> None:
        """Search for what is typed and show the matches."""
        text = self.text().strip()
        self._typed = text
        found = self._choices(text)
        labels = [label for _id, label in found]
        self._ids = [rid for rid, _label in found]
        if text:
            labels.append(f"New {self._noun} “{text}”…")
            self._ids.append(None)
        self._model.setStringList(labels)
        if self.hasFocus() and labels:
            self._completer.complete()

    def matches(self) -> list[tuple[str | None, str]]:
        """The current completion list as (id or None for "New…", label)."""
        return list(zip(self._ids, self._model.stringList(), strict=False))

    def _on_activated(self, index: QModelIndex) -> None:
        row = index.row()
        if not 0 <= row < len(self._ids):
            return
        rid = self._ids[row]
        if rid is None:
            self.create_requested.emit(self._typed)
        else:
            self.picked.emit(rid)

    def pick_typed(self) -> bool:
        """On Enter: pick the single exact match for the typed text, if there is one."""
        text = self.text().strip().casefold()
        exact = [
            rid
            for rid, label in zip(self._ids, self._model.stringList(), strict=False)
            if rid and label.casefold() == text
        ]
        if len(exact) == 1:
            self.picked.emit(exact[0])
            return True
        return False


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _button(text: str, tip: str, parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setAutoRaise(False)
    return button


class _ReferenceField(FieldWidget):
    """What both pickers share: the target's noun, how to name and create records, the search box."""

    open_requested = Signal(str)

    def __init__(
        self, spec: FieldSpec, choices: Choices, labels: Labels, create: Create, parent: QWidget | None = None
    ) -> None:
        super().__init__(spec, parent)
        assert spec.target is not None
        self.noun = KINDS[spec.target].label.lower()
        self._labels = labels
        self._create = create
        self.box = _SearchBox(choices, self.noun, self)


class RefField(_ReferenceField):
    """A reference to one record: search to pick, New to create, Open to follow, × to clear."""

    def __init__(
        self, spec: FieldSpec, choices: Choices, labels: Labels, create: Create, parent: QWidget | None = None
    ) -> None:
        super().__init__(spec, choices, labels, create, parent)
        noun = self.noun
        self.box.setAccessibleName(spec.label)
        self.box.setPlaceholderText(f"Type to find {_a(noun)}…")
        self.open_button = _button("Open", f"Open this {noun}", self)
        self.new_button = _button("New…", f"Create a new {noun} and pick it", self)
        self.clear_button = _button("×", f"Clear the {spec.label.lower()}", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.box, 1)
        layout.addWidget(self.open_button)
        layout.addWidget(self.new_button)
        layout.addWidget(self.clear_button)
        self.box.picked.connect(self._commit_if_changed)
        self.box.create_requested.connect(self.create_new)
        self.box.returnPressed.connect(self.box.pick_typed)
        self.box.editingFinished.connect(self._restore_label)
        self.open_button.clicked.connect(self._open_current)
        self.new_button.clicked.connect(lambda: self.create_new(self.box.text().strip()))
        self.clear_button.clicked.connect(lambda: self._commit_if_changed(None))

    def _show(self, value: Any) -> None:
        self.box.setText(self._labels([value]).get(value, "") if value else "")
        self.box.setCursorPosition(0)
        self.open_button.setEnabled(bool(value))
        self.clear_button.setEnabled(bool(value))

    def _open_current(self) -> None:
        if self._value:
            self.open_requested.emit(self._value)

    def _restore_label(self) -> None:
        # Leaving the box without picking shows the current reference again.
        completer = self.box.completer()
        popup = completer.popup() if completer is not None else None
        if popup is None or not popup.isVisible():
            self._show(self._value)

    def _commit_if_changed(self, record_id: str | None) -> None:
        if record_id != self._value:
            self._commit(record_id)
        else:
            self._show(self._value)

    def create_new(self, text: str) -> None:
        """Create a record named ``text`` (asking for the details) and pick it."""
        if not self._loading:
            self._create(text)

    def set_read_only(self, read_only: bool) -> None:
        self.box.setReadOnly(read_only)
        self.new_button.setEnabled(not read_only)
        self.clear_button.setEnabled(not read_only and bool(self._value))

    def focus_widget(self) -> QWidget:
        return self.box


class RefsField(_ReferenceField):
    """An ordered list of references (parties, actors involved): add by search, remove, open."""

    def __init__(
        self, spec: FieldSpec, choices: Choices, labels: Labels, create: Create, parent: QWidget | None = None
    ) -> None:
        super().__init__(spec, choices, labels, create, parent)
        noun = self.noun
        self.list = QListWidget(self)
        self.list.setAccessibleName(spec.label)
        self.list.setMaximumHeight(self.list.fontMetrics().lineSpacing() * 6 + 8)
        self.box.setAccessibleName(f"Add to {spec.label.lower()}")
        self.box.setPlaceholderText(f"Type to add {_a(noun)}…")
        self.remove_button = _button("Remove", f"Remove the selected {noun}", self)
        self.open_button = _button("Open", f"Open the selected {noun}", self)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.box, 1)
        row.addWidget(self.open_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.list)
        layout.addLayout(row)
        self.box.picked.connect(self.add)
        self.box.create_requested.connect(self.create_new)
        self.box.returnPressed.connect(self.box.pick_typed)
        self.remove_button.clicked.connect(self.remove_selected)
        self.open_button.clicked.connect(self._open_selected)
        self.list.itemActivated.connect(lambda item: self.open_requested.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.list.currentRowChanged.connect(self._update_buttons)

    def _show(self, value: Any) -> None:
        ids = list(value or [])
        names = self._labels(ids)
        self.list.clear()
        for rid in ids:
            item = QListWidgetItem(names.get(rid, "(missing)"))
            item.setData(Qt.ItemDataRole.UserRole, rid)
            self.list.addItem(item)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.list.currentRow() >= 0
        self.remove_button.setEnabled(has and not self.box.isReadOnly())
        self.open_button.setEnabled(has)

    def add(self, record_id: str) -> None:
        """Append a record to the list (if not already there)."""
        self.box.clear()
        current = list(self._value or [])
        if record_id not in current:
            self._commit([*current, record_id])

    def remove_selected(self) -> None:
        """Remove the selected record from the list."""
        item = self.list.currentItem()
        if item is None:
            return
        rid = item.data(Qt.ItemDataRole.UserRole)
        self._commit([v for v in (self._value or []) if v != rid])

    def create_new(self, text: str) -> None:
        """Create a record named ``text`` and add it."""
        self.box.clear()
        if not self._loading:
            self._create(text)

    def _open_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.open_requested.emit(item.data(Qt.ItemDataRole.UserRole))

    def set_read_only(self, read_only: bool) -> None:
        self.box.setReadOnly(read_only)
        self._update_buttons()

    def focus_widget(self) -> QWidget:
        return self.box
