"""A save that lost the race on a team case: what is stored now (theirs) beside what the user
would write (mine), word by word, and the choice of which to keep.

Nothing the user typed is lost whichever they pick: Keep Mine saves it, Edit… leaves it in the
field, and Take Theirs puts it on the clipboard. The default (Enter) overwrites nobody.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from db.dates import PartialDate
from db.declare import choice_label
from db.errors import CaseFileError, ConflictError
from db.fields import CASE_FIELDS_BY_NAME, KINDS, FieldSpec, Kind
from db.values import normalise

from ..theme import is_dark


class Choice(Enum):
    """What the user chose to do with a change that lost the race."""

    KEEP_MINE = "keep mine"  # save mine over theirs
    TAKE_THEIRS = "take theirs"  # show theirs, save nothing
    EDIT = "edit"  # keep mine in the field to change before saving


@dataclass(frozen=True)
class FieldConflict:
    """One field both changed: its label and each side's value as text."""

    label: str
    theirs: str
    mine: str


@dataclass(frozen=True)
class Conflict:
    """What to show: the kind of record ("actor", "case"), the fields, who changed it and when,
    and ``step`` ("undo" or "redo") when the change is an undo or redo rather than typing."""

    what: str
    fields: tuple[FieldConflict, ...]
    changed_by: str | None = None
    changed_at: str | None = None
    step: str | None = None


_TOKENS = re.compile(r"\s+|[^\s]+\s*")  # each word with the space after it


def word_diff(theirs: str, mine: str, mark: str) -> tuple[str, str]:
    """HTML of both texts with the words only one side has marked (``mark`` is the opening
    ``<span>``); whole words, so a changed word reads as one, not as scattered letters, and a
    lone word both share amid changes ("on") is marked with them, so a rewrite reads as one."""
    a, b = _TOKENS.findall(theirs), _TOKENS.findall(mine)
    ops: list[tuple[str, int, int, int, int]] = list(difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes())
    for i in range(1, len(ops) - 1):
        tag, i1, i2, j1, j2 = ops[i]
        if tag == "equal" and i2 - i1 == 1 and ops[i - 1][0] != "equal" and ops[i + 1][0] != "equal":
            ops[i] = ("replace", i1, i2, j1, j2)
    left: list[str] = []
    right: list[str] = []
    run: list[tuple[str, str]] = []  # consecutive changes, marked as one span per side

    def close_run() -> None:
        one, other = "".join(x for x, _ in run), "".join(y for _, y in run)
        if one:
            left.append(f"{mark}{html.escape(one)}</span>")
        if other:
            right.append(f"{mark}{html.escape(other)}</span>")
        run.clear()

    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            close_run()
            left.append(html.escape("".join(a[i1:i2])))
            right.append(html.escape("".join(b[j1:j2])))
        else:
            run.append(("".join(a[i1:i2]), "".join(b[j1:j2])))
    close_run()
    return _block("".join(left)), _block("".join(right))


def _block(body: str) -> str:
    return f'<div style="white-space: pre-wrap">{body.replace(chr(10), "<br>")}</div>'


def when_text(at: str | None) -> str:
    """A server time (UTC ISO) in local time, as the History panel writes it ("Jun 12, 2026, 2:05 p.m.")."""
    if not at:
        return ""
    try:
        local = datetime.fromisoformat(at).astimezone()
    except ValueError:
        return at
    hour = local.hour % 12 or 12
    return f"{local:%b} {local.day}, {local.year}, {hour}:{local:%M} {'a.m.' if local.hour < 12 else 'p.m.'}"


class ConflictDialog(QDialog):
    """Theirs and mine for each field, and Keep Mine, Take Theirs (the default) and Edit…."""

    def __init__(self, conflict: Conflict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.choice: Choice | None = None
        undo = conflict.step is not None
        step = conflict.step or ""
        self.setWindowTitle("Changed by Someone Else")
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)

        if step == "restore":  # Restore This Value in the History panel
            heading = f"Someone else changed this {conflict.what} after its history was shown"
        elif undo:
            heading = f"Someone else changed this {conflict.what} since your edit"
        else:
            heading = f"Someone else changed this {conflict.what} while you were editing"
        self.heading = QLabel(heading, self)
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)

        self.who = QLabel(self._who_text(), self)
        self.who.setWordWrap(True)
        self.who.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.who)

        mine_caption = f"What {step} would write" if undo else "Mine (not saved)"
        self.theirs_labels: list[QLabel] = []
        self.mine_labels: list[QLabel] = []
        body = QWidget(self)
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        mark = self._mark()
        row = 0
        for field in conflict.fields:
            name = QLabel(field.label, body)
            bold = name.font()
            bold.setBold(True)
            name.setFont(bold)
            grid.addWidget(name, row, 0, 1, 2)
            row += 1
            grid.addWidget(self._caption("Theirs (saved now)", body), row, 0)
            grid.addWidget(self._caption(mine_caption, body), row, 1)
            row += 1
            theirs_html, mine_html = word_diff(field.theirs, field.mine, mark)
            theirs = value_label(theirs_html, f"Theirs: {field.label}", body)
            mine = value_label(mine_html, f"Mine: {field.label}", body)
            grid.addWidget(theirs, row, 0)
            grid.addWidget(mine, row, 1)
            self.theirs_labels.append(theirs)
            self.mine_labels.append(mine)
            row += 1
        grid.setRowStretch(row, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)

        if undo:
            help_text = (
                f"{step.title()} Anyway writes the value on the right over theirs. "
                f"Keep Theirs leaves their change and drops this {step} step."
            )
            if step == "restore":
                help_text = "Restore Anyway writes the value on the right over theirs. Keep Theirs leaves their change."
        else:
            help_text = (
                "Keep Mine saves your text over theirs. Take Theirs shows their text and puts yours "
                "on the clipboard. Edit… leaves your text in the field to change before you save it."
            )
        self.help = QLabel(help_text, self)
        self.help.setWordWrap(True)
        self.help.setEnabled(False)
        layout.addWidget(self.help)

        buttons = QHBoxLayout()
        self.edit_button = QPushButton("Edit…", self)
        self.edit_button.setVisible(not undo)
        self.keep_mine_button = QPushButton(f"{step.title()} Anyway" if undo else "Keep Mine", self)
        self.take_theirs_button = QPushButton("Keep Theirs" if undo else "Take Theirs", self)
        for button in (self.edit_button, self.keep_mine_button, self.take_theirs_button):
            button.setAutoDefault(False)
        # The safe default overwrites nobody; Escape (Edit…) keeps the user's text to work on.
        self.take_theirs_button.setDefault(True)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.keep_mine_button)
        buttons.addWidget(self.take_theirs_button)
        layout.addLayout(buttons)
        self.edit_button.clicked.connect(lambda: self._choose(Choice.EDIT))
        self.keep_mine_button.clicked.connect(lambda: self._choose(Choice.KEEP_MINE))
        self.take_theirs_button.clicked.connect(lambda: self._choose(Choice.TAKE_THEIRS))
        self.resize(640, min(560, 220 + 130 * len(conflict.fields)))
        self.take_theirs_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _who_text(self) -> str:
        c = self.conflict
        when = when_text(c.changed_at)
        if c.changed_by and when:
            who = f"{c.changed_by} changed it on {when}"
        elif c.changed_by:
            who = f"{c.changed_by} changed it"
        else:
            who = f"It was changed on {when}" if when else "The server does not say who changed it"
        who += "" if who.endswith(".") else "."  # "p.m." already ends the sentence
        if c.step is not None:
            return f"{who} Nothing has been written yet."
        return f"{who} Your change has not been saved yet."

    def _mark(self) -> str:
        if is_dark(self.palette()):
            return '<span style="background-color:#6b5300; color:#ffffff">'
        return '<span style="background-color:#ffe38f; color:#000000">'

    @staticmethod
    def _caption(text: str, parent: QWidget) -> QLabel:
        label = QLabel(text, parent)
        label.setEnabled(False)  # a quieter colour than the values under it
        return label

    def _choose(self, choice: Choice) -> None:
        self.choice = choice
        self.accept()

    def reject(self) -> None:
        """Escape: keep working on mine (for an undo or redo, which has no field: keep theirs)."""
        self.choice = Choice.TAKE_THEIRS if self.conflict.step is not None else Choice.EDIT
        super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter takes the default wherever the focus is, even on the selectable text.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            focused = self.focusWidget()
            if isinstance(focused, QPushButton) and focused.isVisible():
                focused.click()
            else:
                self.take_theirs_button.click()
            event.accept()
            return
        super().keyPressEvent(event)


def describe(
    labels: Callable[[Kind, list[str]], dict[str, str]],
    kind: Kind | None,
    values: dict[str, Any],
    exc: ConflictError,
    step: str | None = None,
) -> Conflict:
    """The conflict to show for ``values`` refused with ``exc``: each field theirs and mine both
    changed (a field where both hold the same is no conflict); ``kind`` None: the case's fields;
    ``labels`` gives records' titles to name references by."""
    fields = []
    for name, mine in values.items():
        spec = KINDS[kind].field(name) if kind is not None else CASE_FIELDS_BY_NAME[name]
        theirs = exc.theirs.get(name)
        if _normal(spec, mine) == theirs:
            continue
        fields.append(FieldConflict(spec.label, value_text(labels, spec, theirs), value_text(labels, spec, mine)))
    what = KINDS[kind].label.lower() if kind is not None else "case"
    return Conflict(what, tuple(fields), exc.changed_by, exc.changed_at, step)


def _normal(spec: FieldSpec, value: Any) -> Any:
    try:
        return normalise(spec, value)
    except CaseFileError:
        return value  # shown as typed: it is what the user wrote


def value_text(labels: Callable[[Kind, list[str]], dict[str, str]], spec: FieldSpec, value: Any) -> str:
    """A field's value as the user reads it: dates as written, references by their titles."""
    value = _normal(spec, value)
    if value is None or value == [] or value == "":
        return "(empty)"
    if isinstance(value, PartialDate):
        return value.display()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if spec.target is not None:
        ids = [str(v) for v in (value if isinstance(value, list) else [value])]
        titles = labels(spec.target, ids)
        return "; ".join(titles.get(i) or "(a deleted record)" for i in ids)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if spec.choices:
        return choice_label(str(value))
    return str(value)


def ask(conflict: Conflict, parent: QWidget | None = None) -> Choice:
    """Show the dialog until the user chooses; their choice."""
    while isinstance(parent, ConflictDialog):  # one closing now must not take the next one with it
        parent = parent.parentWidget()
    dialog = ConflictDialog(conflict, parent)
    dialog.exec()
    choice = dialog.choice or Choice.EDIT
    dialog.deleteLater()
    return choice


def value_label(text: str, name: str, parent: QWidget) -> QLabel:
    """A value shown as on a sheet of paper (the base colour, a frame), its marks in rich text,
    selectable so a line can be copied; ``name`` is what a screen reader calls it."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setFrameShape(QFrame.Shape.StyledPanel)
    label.setAutoFillBackground(True)
    label.setBackgroundRole(QPalette.ColorRole.Base)
    label.setMargin(6)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    label.setAccessibleName(name)
    return label
