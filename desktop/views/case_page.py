"""The Case page, the case's front page: its own details and what the file holds beside key
events, what to check before the packet goes out and recent changes (two columns when there is
room, one under the other when there is not)."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QApplication, QBoxLayout, QFormLayout, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from db.errors import CaseFileError, ConflictError
from db.fields import CASE_FIELDS, KINDS, Kind

from ..editors.field_widgets import FieldWidget, field_widget
from ..session import CaseSession, Seen
from .case_overview import CaseOverview, heading, muted

# Below this width (of the page's viewport) the overview goes under the case details.
TWO_COLUMNS_MIN_WIDTH = 780


class CasePage(QScrollArea):
    """Edit title, subtitle, summary, marking, prepared by and as-of date; see counts and span."""

    navigate_requested = Signal(object)  # Kind of the list to show
    record_requested = Signal(object, str)  # Kind, record id to show on its page

    def __init__(self, session: CaseSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.seen = Seen()  # the version of the case's fields shown (a team case), which a save expects
        self._resolving = False  # a conflict is being shown: a field's focus-out is no new save
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(self)
        self.setWidget(body)
        self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight, body)
        self.columns.setContentsMargins(20, 16, 20, 16)
        self.columns.setSpacing(32)

        left = QWidget(body)
        layout = QVBoxLayout(left)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(heading("Case", left))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.widgets: dict[str, FieldWidget] = {}
        for f in CASE_FIELDS:
            widget = field_widget(f, left)
            widget.committed.connect(lambda value, name=f.name: self._commit(name, value))
            label = QLabel(f"&{f.label}:", left)
            label.setBuddy(widget.focus_widget())
            form.addRow(label, widget)
            self.widgets[f.name] = widget
        layout.addLayout(form)

        layout.addSpacing(14)
        layout.addWidget(heading("What this case file holds", left))
        self.counts = QLabel(left)
        self.counts.setTextFormat(Qt.TextFormat.RichText)
        self.counts.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.counts.setAccessibleName("Record counts")
        self.counts.setWordWrap(True)
        self.counts.linkActivated.connect(lambda kind: self.navigate_requested.emit(Kind(kind)))
        self.span = QLabel(left)
        self.span.setAccessibleName("Date span")
        self.file_label = muted("", left)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.counts)
        layout.addWidget(self.span)
        layout.addWidget(self.file_label)
        layout.addStretch(1)

        self.overview = CaseOverview(session, body)
        self.overview.record_requested.connect(self.record_requested)
        self.overview.page_requested.connect(self.navigate_requested)
        self.overview.marking_requested.connect(self._edit_marking)
        self.columns.addWidget(left, 1)
        self.columns.addWidget(self.overview, 1)

        session.case_changed.connect(self.reload)
        session.records_reset.connect(lambda _kind: self._show_overview())
        session.records_changed.connect(self._on_records_changed)
        self.reload()

    def _on_records_changed(self, kind: Kind, _ids: list[str], fields: list[str]) -> None:
        # Only dates change the overview (counts change through records_reset).
        if kind.spec.date_field in fields:
            self._show_overview()

    def reload(self) -> None:
        """Show the stored case details and overview."""
        case, version = self.session.read_case()
        typing = [name for name, widget in self.widgets.items() if widget.hasFocus() and widget.unsaved()]
        for name, widget in self.widgets.items():
            if name in typing and case[name] != widget.value():
                widget.keep_typed(case[name])  # what the user is typing stays; saving it shows both
            elif case[name] != widget.value() or not widget.hasFocus():
                widget.set_value(case[name])
            widget.set_read_only(self.session.read_only)
        if not typing:
            self.seen.version = version  # a save expects the version shown (a team case)
        self._show_overview()

    def _show_overview(self) -> None:
        if self.session.closed:
            return
        counts = self.session.counts()
        items = []
        for kind in (Kind.ACTOR, Kind.STATEMENT, Kind.DIRECTIVE, Kind.TIMELINE, Kind.SOURCE):
            spec = KINDS[kind]
            n = counts[kind]
            plural = "timeline entries" if kind is Kind.TIMELINE else spec.plural.lower()
            noun = html.escape(plural if n != 1 else spec.label.lower()).replace(" ", "&nbsp;")
            items.append(f'<a href="{kind.value}">{n:,}&nbsp;{noun}</a>')  # wrap between counts only
        self.counts.setText(" · ".join(items))
        first, last = self.session.date_span()
        if first and last:
            self.span.setText(f"Dates from {first.display()} to {last.display()}")
        else:
            self.span.setText("No dated records yet")
        path = self.session.path
        mode = " (read-only)" if self.session.read_only else ""
        team = self.session.team_case
        where = f"Team case: {team.display_name} on {team.server}{mode}" if team else ""
        self.file_label.setText(f"File: {path}{mode}" if path else where)

    def _commit(self, name: str, value: Any) -> None:
        if self.session.closed or self._resolving:
            return
        try:
            self.session.edit_case({name: value}, seen=self.seen)
        except ConflictError as exc:
            if exc.theirs.get(name) == self.widgets[name].value():
                self.seen.version = exc.version  # they changed another field: nothing of theirs is lost
                self._commit(name, value)
            else:
                self._resolve(name, value, exc)
            return
        except CaseFileError as exc:
            self.session.report(exc)
            return
        self.widgets[name].set_value(self.session.get_case()[name])

    def _resolve(self, name: str, value: Any, exc: ConflictError) -> None:
        """Someone else changed the field first: show theirs and mine, and do what the user picks."""
        from ..dialogs.conflict_dialog import Choice

        widget = self.widgets[name]
        conflict = self.session.conflict(None, {name: value}, exc)
        self._resolving = True
        try:
            choice = self.session.ask(conflict, self.window())
        finally:
            self._resolving = False
        if self.session.closed:
            return
        self.seen.version = exc.version  # the user has now seen theirs
        if choice is Choice.KEEP_MINE:
            self._commit(name, value)  # a new conflict if it moved on again meanwhile
        elif choice is Choice.TAKE_THEIRS:
            widget.set_value(exc.theirs.get(name))
            QApplication.clipboard().setText("\n\n".join(f.mine for f in conflict.fields))
            self.session.error.emit(f"{widget.spec.label} shows their change. What you typed is on the clipboard.")
        else:
            widget.keep_typed(exc.theirs.get(name))
            widget.focus_widget().setFocus(Qt.FocusReason.OtherFocusReason)

    def _edit_marking(self) -> None:
        widget = self.widgets["marking"]
        self.ensureWidgetVisible(widget)
        widget.focus_widget().setFocus(Qt.FocusReason.OtherFocusReason)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = self.viewport().width() >= TWO_COLUMNS_MIN_WIDTH
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.columns.direction() != direction:
            self.columns.setDirection(direction)

    def flush(self) -> None:
        """Commit a field the user is still typing in."""
        for widget in self.widgets.values():
            widget.flush()
