"""The Case page: the case's own details, and an overview of what the file holds."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QFrame, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from db.errors import CaseFileError
from db.fields import CASE_FIELDS, KINDS, Kind

from ..editors.field_widgets import FieldWidget, field_widget
from ..session import CaseSession


class CasePage(QScrollArea):
    """Edit title, subtitle, summary, marking, prepared by and as-of date; see counts and span."""

    navigate_requested = Signal(object)  # Kind of the list to show

    def __init__(self, session: CaseSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(self)
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(16, 12, 16, 12)

        details = QGroupBox("Case", body)
        form = QFormLayout(details)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.widgets: dict[str, FieldWidget] = {}
        for f in CASE_FIELDS:
            widget = field_widget(f, details)
            widget.committed.connect(lambda value, name=f.name: self._commit(name, value))
            label = QLabel(f"&{f.label}:", details)
            label.setBuddy(widget.focus_widget())
            form.addRow(label, widget)
            self.widgets[f.name] = widget
        layout.addWidget(details)

        overview = QGroupBox("What this case file holds", body)
        overview_layout = QVBoxLayout(overview)
        self.counts = QLabel(overview)
        self.counts.setTextFormat(Qt.TextFormat.RichText)
        self.counts.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.counts.setAccessibleName("Record counts")
        self.counts.linkActivated.connect(lambda kind: self.navigate_requested.emit(Kind(kind)))
        self.span = QLabel(overview)
        self.span.setAccessibleName("Date span")
        self.file_label = QLabel(overview)
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        overview_layout.addWidget(self.counts)
        overview_layout.addWidget(self.span)
        overview_layout.addWidget(self.file_label)
        layout.addWidget(overview)
        layout.addStretch(1)

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
        case = self.session.get_case()
        for name, widget in self.widgets.items():
            if case[name] != widget.value() or not widget.hasFocus():
                widget.set_value(case[name])
            widget.set_read_only(self.session.read_only)
        self._show_overview()

    def _show_overview(self) -> None:
        if self.session.closed:
            return
        counts = self.session.counts()
        items = []
        for kind in (Kind.ACTOR, Kind.STATEMENT, Kind.DIRECTIVE, Kind.TIMELINE, Kind.SOURCE):
            spec = KINDS[kind]
            n = counts[kind]
            items.append(
                f'<a href="{kind.value}">{n:,} {html.escape(spec.plural.lower() if n != 1 else spec.label.lower())}</a>'
            )
        self.counts.setText(" · ".join(items))
        first, last = self.session.date_span()
        if first and last:
            self.span.setText(f"Dates from {first.display()} to {last.display()}")
        else:
            self.span.setText("No dated records yet")
        path = self.session.path
        mode = " (read-only)" if self.session.read_only else ""
        self.file_label.setText(f"File: {path}{mode}" if path else "")

    def _commit(self, name: str, value: Any) -> None:
        if self.session.closed:
            return
        try:
            self.session.edit_case({name: value})
        except CaseFileError as exc:
            self.session.report(exc)
            return
        self.widgets[name].set_value(self.session.get_case()[name])

    def flush(self) -> None:
        """Commit a field the user is still typing in."""
        for widget in self.widgets.values():
            widget.flush()
