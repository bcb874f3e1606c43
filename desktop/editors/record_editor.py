"""The editor panel beside a record list: every field of the selected record, and the
records linked to it.

Built from the field descriptions in ``db.fields``, so each kind gets the right widget for
each field. A finished edit becomes one undoable step through the session.

On a team case the editor keeps the version of the record it shows, and a save names it: a
save that lost the race to someone else's shows both (``dialogs.conflict_dialog``) and does
what the user picks, and nothing they typed is lost.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QFormLayout, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from db.errors import CaseFileError, ConflictError
from db.fields import KINDS, FieldType, Kind

from ..dialogs.conflict_dialog import Choice
from ..dialogs.quick_create import QuickCreateDialog
from ..session import CaseSession, Reference, Seen, short_label
from ..theme import show_as_error
from .field_widgets import DateField, FieldWidget, field_widget
from .ref_widgets import RefField, RefsField

MAX_LINKS_PER_GROUP = 50


class RecordEditor(QScrollArea):
    """Edits one record of ``kind``; shows nothing when no record is selected."""

    navigate_requested = Signal(object, str)  # Kind, record id
    leave_requested = Signal()  # Escape: the keyboard goes back to the list

    def __init__(self, session: CaseSession, kind: Kind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.kind = kind
        self.spec = KINDS[kind]
        self._record_id: str | None = None
        self.seen = Seen()  # the version of the record shown (team cases), which a save expects
        self._resolving = False  # a conflict is being shown: the field's focus-out is no new save
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # Tab goes from the list straight to the first field, not to the panel around them.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        body = QWidget(self)
        self.setWidget(body)
        outer = QVBoxLayout(body)
        self.heading = QLabel(body)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setAccessibleName(f"{self.spec.label} title")
        outer.addWidget(self.heading)
        self.error_label = QLabel(body)
        self.error_label.setWordWrap(True)
        show_as_error(self.error_label)
        self.error_label.setAccessibleName("Problem saving")
        self.error_label.hide()
        outer.addWidget(self.error_label)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # A narrow pane puts a label above its field rather than pushing the field out of sight.
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        outer.addLayout(self.form)
        self.widgets: dict[str, FieldWidget] = {}
        self._refused: dict[str, str] = {}  # field name -> why its last commit was refused
        for f in self.spec.fields:
            widget = self._make_widget(f.name)
            widget.committed.connect(lambda value, name=f.name: self._commit(name, value))
            label = QLabel(f"&{f.label}:" if f.type is not FieldType.BOOL else "", body)
            label.setBuddy(widget.focus_widget())
            self.form.addRow(label, widget)
            self.widgets[f.name] = widget
        self.links = QLabel(body)
        self.links.setWordWrap(True)
        self.links.setTextFormat(Qt.TextFormat.RichText)
        self.links.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.links.setAccessibleName("Linked records")
        self.links.linkActivated.connect(self._follow_link)
        outer.addWidget(self.links)
        self.stamps = QLabel(body)
        self.stamps.setWordWrap(True)  # a narrow pane wraps it rather than growing wide for it
        self.stamps.setEnabled(False)
        outer.addWidget(self.stamps)
        outer.addStretch(1)
        noun = self.spec.label.lower()
        article = "an" if noun[0] in "aeiou" else "a"
        self.placeholder = QLabel(f"Select {article} {noun} to see and edit it.", body)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setEnabled(False)
        outer.addWidget(self.placeholder)
        session.records_changed.connect(self._on_changed)
        session.records_reset.connect(self._on_reset)
        self.load(None)

    def _make_widget(self, name: str) -> FieldWidget:
        f = self.spec.field(name)
        session = self.session
        if f.type in (FieldType.REF, FieldType.REFS):
            target = f.target
            assert target is not None
            cls = RefField if f.type is FieldType.REF else RefsField
            widget: RefField | RefsField = cls(
                f,
                choices=lambda text: [] if session.closed else session.choices(target, text),
                labels=lambda ids: {} if session.closed else session.labels(target, ids),
                create=lambda text: self.create_linked(name, text),
            )
            widget.open_requested.connect(lambda rid: self.navigate_requested.emit(target, rid))
            return widget
        return field_widget(f, all_tags=lambda: [] if session.closed else session.all_tags())

    # ----- loading -----------------------------------------------------------------------
    @property
    def record_id(self) -> str | None:
        """The record being edited."""
        return self._record_id

    def load(self, record_id: str | None) -> None:
        """Show ``record_id`` (None: nothing selected). Pending edits are committed first."""
        if record_id != self._record_id:
            self.flush()
            self._refused.clear()
        self._record_id = record_id
        record = None
        if record_id is not None:
            try:
                record, version = self.session.read_record(self.kind, record_id)
                self.seen = Seen(version)
            except CaseFileError:
                self._record_id = None
        shown = record is not None
        self.error_label.hide()
        for i in range(self.form.rowCount()):
            self.form.setRowVisible(i, shown)
        self.heading.setVisible(shown)
        self.links.setVisible(shown)
        self.stamps.setVisible(shown)
        self.placeholder.setVisible(not shown)
        if record is None:
            return
        read_only = self.session.read_only
        for name, widget in self.widgets.items():
            widget.set_value(record[name])
            widget.set_read_only(read_only)
        self._show_header(record)

    def _refresh_values(self) -> None:
        """Re-read the record after a change, keeping fields that still show a refused value."""
        if self._record_id is None:
            return
        try:
            record, version = self.session.read_record(self.kind, self._record_id)
        except CaseFileError:
            self.load(None)
            return
        kept = []
        for name, widget in self.widgets.items():
            if record[name] != widget.value() and widget.unsaved():
                # Changed elsewhere (someone else, on a team case) while the user was typing here:
                # their text stays; they see why before they save it over the other change.
                kept.append(widget.spec.label)
            elif record[name] != widget.value() or widget.spec.type in (FieldType.REF, FieldType.REFS):
                widget.set_value(record[name])
        if kept:
            # The version stays the one the typing started from, so saving shows both texts.
            self.error_label.setText(
                f"Someone else changed {' and '.join(kept)} while you were typing. "
                "Your text is still in the field; saving it shows you both to choose from."
            )
            self.error_label.show()
        else:
            self.seen.version = version
        self._show_header(record)

    def _show_header(self, record: dict[str, Any]) -> None:
        title = short_label(str(record.get(self.spec.title_field) or ""), 120)
        self.heading.setText(title or f"(untitled {self.spec.label.lower()})")
        self.stamps.setText(
            f"Created {record['created_at'][:10]} · last changed {record['updated_at'][:16].replace('T', ' ')} UTC"
        )
        self._show_links()

    def _show_links(self) -> None:
        assert self._record_id is not None
        refs = self.session.find_references(self.kind, self._record_id)
        groups: dict[tuple[Kind, str], list[Reference]] = {}
        for ref in refs:
            groups.setdefault((ref.kind, ref.field), []).append(ref)
        if not groups:
            self.links.setText("<p><i>No other records refer to this one.</i></p>")
            return
        parts = ["<p><b>Linked records</b></p>"]
        for (kind, field), items in groups.items():
            spec = KINDS[kind]
            heading = f"{spec.plural} ({spec.field(field).label.lower()})"
            lines = [
                f'<a href="{kind.value}:{ref.id}">{html.escape(ref.label or "(untitled)")}</a>'
                for ref in items[:MAX_LINKS_PER_GROUP]
            ]
            if len(items) > MAX_LINKS_PER_GROUP:
                lines.append(f"… and {len(items) - MAX_LINKS_PER_GROUP} more")
            parts.append(f"<p>{html.escape(heading)}: {len(items)}<br>" + "<br>".join(lines) + "</p>")
        self.links.setText("".join(parts))

    def _follow_link(self, href: str) -> None:
        kind_text, _, record_id = href.partition(":")
        self.navigate_requested.emit(Kind(kind_text), record_id)

    def _on_changed(self, kind: Kind, ids: list[str], _fields: list[str]) -> None:
        if self._record_id is not None and ((kind is self.kind and self._record_id in ids) or kind is not self.kind):
            self._refresh_values()

    def _on_reset(self, kind: Kind) -> None:
        if self._record_id is None:
            return
        if kind is self.kind:
            try:
                self.session.get_record(self.kind, self._record_id)
            except CaseFileError:
                self.load(None)
                return
        self._refresh_values()

    # ----- editing -----------------------------------------------------------------------
    def flush(self) -> None:
        """Commit any field the user is still typing in."""
        if self._record_id is None or self.session.closed:
            return
        for widget in self.widgets.values():
            widget.flush()

    def unsaved_field(self) -> FieldWidget | None:
        """Commit what can be; then the first field still holding input that could not be saved."""
        if self._record_id is None or self.session.closed or self.session.read_only:
            return None
        self.flush()
        return next((w for w in self.widgets.values() if w.unsaved()), None)

    def refusal(self, widget: FieldWidget) -> str:
        """Why ``widget``'s input was not saved, as shown in the panel."""
        if isinstance(widget, DateField) and widget.error_text():
            return f"{widget.spec.label}: {widget.error_text()}"
        return self._refused.get(widget.spec.name) or f"{widget.spec.label} could not be saved."

    def discard_unsaved(self) -> None:
        """Put back the stored value of every field holding input that was not saved."""
        for widget in self.widgets.values():
            if widget.unsaved():
                widget.set_value(widget.value())
        self.error_label.hide()

    def _commit(self, name: str, value: Any) -> None:
        if self._record_id is None or self.session.closed or self._resolving:
            return
        widget = self.widgets[name]
        try:
            self.session.edit_record(self.kind, self._record_id, {name: value}, seen=self.seen)
        except ConflictError as exc:
            if exc.theirs.get(name) == widget.value():
                # Their change left this field as the user saw it (news of it is on its way):
                # nothing of theirs is overwritten, so save against the version they left.
                self.seen.version = exc.version
                self._commit(name, value)
            else:
                self._resolve(name, value, exc)
            return
        except CaseFileError as exc:
            self.session.report(exc)
            # The typed value stays in the field, so the user can correct it or try again.
            message = str(exc) or "The change could not be saved."
            self._refused[name] = message
            if widget.spec.type is FieldType.DATE:
                widget.set_error(message)
                self.error_label.hide()
            else:
                self.error_label.setText(
                    f"{widget.spec.label}: {message} Your text is still in the field; "
                    "press Enter there (or leave the field) to try again."
                )
                self.error_label.show()
            if widget.spec.type in (FieldType.BOOL, FieldType.CHOICE):
                widget.set_value(widget.value())  # a checkbox or list shows what is saved
            return
        self.error_label.hide()
        self._refused.pop(name, None)
        widget.set_value(self.session.get_record(self.kind, self._record_id)[name])

    def _resolve(self, name: str, value: Any, exc: ConflictError) -> None:
        """Someone else saved first: show theirs and mine, and do what the user picks."""
        widget = self.widgets[name]
        conflict = self.session.conflict(self.kind, {name: value}, exc)
        self._resolving = True
        try:
            choice = self.session.ask(conflict, self.window())
        finally:
            self._resolving = False
        if self._record_id is None or self.session.closed:
            return
        self.seen.version = exc.version  # the user has now seen theirs
        if choice is Choice.KEEP_MINE:
            self._commit(name, value)  # a new conflict if it moved on again meanwhile
            return
        label = widget.spec.label
        mine = "\n\n".join(f.mine for f in conflict.fields)
        for other, other_widget in self.widgets.items():
            if other != name and not other_widget.unsaved():
                other_widget.set_value(exc.theirs.get(other))
        self._refused.pop(name, None)
        if choice is Choice.TAKE_THEIRS:
            widget.set_value(exc.theirs.get(name))
            QApplication.clipboard().setText(mine)
            self.error_label.setText(f"{label} shows their change. What you typed is on the clipboard.")
        else:
            widget.keep_typed(exc.theirs.get(name))
            self.error_label.setText(
                f"{label}: your text is still in the field, not saved. "
                "Press Enter there (or leave the field) to save it over theirs."
            )
            widget.focus_widget().setFocus(Qt.FocusReason.OtherFocusReason)
        self.error_label.show()
        self._show_header({**exc.theirs, "id": self._record_id})

    def create_linked(self, name: str, text: str) -> None:
        """Create a record from a reference field's typed text and link it, as one undo step."""
        if self._record_id is None:
            return
        f = self.spec.field(name)
        target = f.target
        assert target is not None
        dialog = QuickCreateDialog(target, text, self)
        accepted = dialog.exec() == QuickCreateDialog.DialogCode.Accepted
        dialog.deleteLater()
        if not accepted:
            return
        record_id = self._record_id
        new_id: str | None = None
        try:
            with self.session.macro(f"Add {KINDS[target].label} as {self.spec.label} {f.label}"):
                new_id = self.session.add_record(target, dialog.values())
                if f.type is FieldType.REFS:
                    current = self.session.get_record(self.kind, record_id)[name]
                    self.session.edit_record(self.kind, record_id, {name: [*current, new_id]}, seen=self.seen)
                else:
                    self.session.edit_record(self.kind, record_id, {name: new_id}, seen=self.seen)
        except CaseFileError as exc:
            self.session.report(exc)
            if new_id is None:
                return  # nothing was made: the typed text stays in the field to try again
        self._refresh_values()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape in any field: save what can be saved and hand the keyboard back to the list.

        Input that cannot be saved stays in its field, marked with the reason; the record stays
        selected, and choosing another one asks first, as it does after a click.
        """
        if event.key() == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.flush()
            self.leave_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def focus_first_editable(self) -> None:
        """Put the keyboard focus in the topmost field that takes it (Enter in the list)."""
        for widget in self.widgets.values():
            target = widget.focus_widget()
            if target.isVisibleTo(self) and target.isEnabled() and target.focusPolicy() != Qt.FocusPolicy.NoFocus:
                target.setFocus(Qt.FocusReason.TabFocusReason)
                self.ensureWidgetVisible(target)
                return

    def focus_first_field(self) -> None:
        """Put the keyboard focus in the first field (after adding a record)."""
        first = self.spec.fields[0].name
        order = [self.spec.title_field, first] if self.kind in (Kind.STATEMENT,) else [first]
        self.widgets[order[0]].focus_widget().setFocus(Qt.FocusReason.OtherFocusReason)
