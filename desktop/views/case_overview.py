"""The Case page's front-page lists: key events, what to check before the packet goes out, and
the records changed last. Each line opens its record."""

from __future__ import annotations

import datetime as dt
import html
import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFocusEvent, QPalette, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from db.dates import PartialDate
from db.errors import CaseFileError
from db.fields import KINDS, Kind
from db.overview import Change, FrontPage, Gap, KeyEvent

from ..session import CaseSession
from ..tasks import Job, JobCancelled

log = logging.getLogger("casefile.views")

# Edits come in bursts (undoing a macro, typing field after field): read once the burst is over.
REFRESH_DELAY_MS = 300

CASE_LINK = "case:marking"  # the "no handling marking" line: edit the marking on this page


def heading(text: str, parent: QWidget) -> QLabel:
    """A section heading of the Case page."""
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def muted(text: str, parent: QWidget) -> QLabel:
    """Secondary text (a date, a time, a file name): the text colour part way to the background,
    so it recedes in light and dark themes alike and stays readable (disabled text is too faint)."""
    label = QLabel(text, parent)
    palette = label.palette()
    ink, paper = palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window)
    mixed = QColor.fromRgbF(
        ink.redF() * 0.6 + paper.redF() * 0.4,
        ink.greenF() * 0.6 + paper.greenF() * 0.4,
        ink.blueF() * 0.6 + paper.blueF() * 0.4,
    )
    palette.setColor(QPalette.ColorRole.WindowText, mixed)
    label.setPalette(palette)
    label.setWordWrap(True)
    return label


class _LinkLabel(QLabel):
    """One line's link; an eliding one stays on one line and cuts its text to the width it has."""

    def __init__(self, href: str, text: str, parent: QWidget, *, elide: bool) -> None:
        super().__init__(parent)
        self.href, self.full_text, self.elide = href, text, elide
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(not elide)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setAccessibleName(text)
        self._fit()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        # A label reached by Tab has focus but no link selected, so Return would do nothing and
        # every line would take two presses of Tab: select its link at once.
        if event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason):
            self.focusNextPrevChild(event.reason() is Qt.FocusReason.TabFocusReason)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.elide:
            self._fit()

    def _fit(self) -> None:
        text = self.full_text
        if self.elide and self.width() > 0:
            text = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, self.width())
            self.setToolTip(self.full_text if text != self.full_text else "")
        self.setText(_link(self.href, text))


def _link(href: str, text: str) -> str:
    """Rich text: ``text`` as a link (no underline: a list of them reads as a list, not a page of
    underlines)."""
    return f'<a href="{html.escape(href)}" style="text-decoration:none">{html.escape(text)}</a>'


def _excerpt(text: str, limit: int) -> str:
    """One line of at most about ``limit`` characters, cut between words."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[:limit]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.(") + "…"


def _quoted(kind: Kind, label: str, limit: int) -> str:
    text = _excerpt(label, limit)
    return f"“{text}”" if kind is Kind.STATEMENT else text


def gap_lines(gap: Gap) -> list[tuple[str, str]]:
    """``(href, text)`` of each line a gap shows: one per record, then how many more."""
    if gap.kind is None:
        return [(CASE_LINK, "The case has no handling marking")]
    spec = KINDS[gap.kind]
    lines = [
        (f"{gap.kind.value}:{rid}", f"{spec.label} “{_excerpt(label, 48)}” has {gap.problem}")
        for rid, label in gap.records
    ]
    more = gap.total - len(gap.records)
    if more > 0:
        plural = "timeline entries" if gap.kind is Kind.TIMELINE else spec.plural.lower()
        verb = "has" if more == 1 else "have"
        noun = spec.label.lower() if more == 1 else plural
        lines.append((gap.kind.value, f"… and {more:,} more {noun} {verb} {gap.problem}"))
    return lines


def when(stamp: str, now: dt.datetime | None = None) -> str:
    """A change time (UTC ISO text) as the user's local time: "today 2:05 p.m.", "yesterday
    9:40 a.m.", "Monday 9:40 a.m.", "June 3", "June 3, 2025"."""
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return ""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(moment.tzinfo)
    hour = moment.hour % 12 or 12
    clock = f"{hour}:{moment.minute:02d} {'a.m.' if moment.hour < 12 else 'p.m.'}"
    days = (now.date() - moment.date()).days
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"yesterday {clock}"
    if 1 < days < 7:
        return f"{moment:%A} {clock}"
    day = f"{moment:%B} {moment.day}"
    return day if moment.year == now.year else f"{day}, {moment.year}"


def _date_note(date: PartialDate | None) -> str:
    """A key event's date as rich text, a time on a line of its own so the date column stays narrow."""
    if date is None:
        return "(no date)"
    text = date.display()
    day, sep, clock = text.partition(f"{date.year}, ")
    if not sep:
        return html.escape(text)
    return f"{html.escape(day)}{date.year}<br>{html.escape(clock)}"


class _Section(QWidget):
    """A heading and a list of lines that is filled anew on each refresh."""

    link_activated = Signal(str)

    def __init__(self, title: str, empty: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = empty
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.heading = heading(title, self)
        layout.addWidget(self.heading)
        self.body = QWidget(self)
        self.grid = QGridLayout(self.body)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(5)
        self.grid.setColumnStretch(1, 1)
        layout.addWidget(self.body)
        self.links: list[QLabel] = []  # the link of each line, in order

    def clear(self) -> None:
        self.links.clear()
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()

    def show_empty(self, text: str | None = None) -> None:
        self.clear()
        self.grid.addWidget(muted(text or self.empty_text, self.body), 0, 0, 1, 2)

    def add_line(self, href: str, text: str, *, aside: str = "", note: str = "", elide: bool = False) -> QLabel:
        """One line: ``note`` (rich text, a date) on the left, ``text`` linked (wrapped, or cut to one
        line), ``aside`` (a time) on the right."""
        row = self.grid.rowCount()
        if note:
            left = muted(note, self.body)
            left.setTextFormat(Qt.TextFormat.RichText)
            left.setWordWrap(False)
            left.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(left, row, 0)
        label = _LinkLabel(href, text, self.body, elide=elide)
        label.linkActivated.connect(self.link_activated)
        self.grid.addWidget(label, row, 1 if note else 0, 1, 1 if note else 2)
        if aside:
            right = muted(aside, self.body)
            right.setWordWrap(False)
            right.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(right, row, 2)
        self.links.append(label)
        return label


class CaseOverview(QWidget):
    """Key events, what the pre-export checks would flag, and recent changes, read off the GUI
    thread whenever records change (after a short pause) and the page is on screen."""

    record_requested = Signal(object, str)  # Kind, record id
    page_requested = Signal(object)  # Kind of the list to show
    marking_requested = Signal()
    refreshed = Signal()  # the lists show what the file holds now

    def __init__(self, session: CaseSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(22)
        self.key_events = _Section("Key events", "No timeline entry is marked as a key event yet.", self)
        self.checks = _Section("Before it goes out", "Nothing to flag.", self)
        self.recent = _Section("Recent changes", "No records yet.", self)
        for section in (self.key_events, self.checks, self.recent):
            section.link_activated.connect(self._follow)
            section.show_empty("Reading…")
            layout.addWidget(section)
        layout.addStretch(1)
        self.data: FrontPage | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self._stale = True  # read when first shown
        self._reading = False
        self._again = False
        session.records_changed.connect(self._on_records_changed)
        session.records_reset.connect(self._on_records_reset)
        session.case_changed.connect(self.schedule)

    def _on_records_changed(self, _kind: Kind, _ids: list[str], _fields: list[str]) -> None:
        self.schedule()

    def _on_records_reset(self, _kind: Kind) -> None:
        self.schedule()

    # ----- when to read ------------------------------------------------------------------
    def schedule(self) -> None:
        """Read again shortly, or when next shown (a hidden page does no work for edits made elsewhere)."""
        if self.isVisible():
            self._timer.start()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Read the lists now (off the GUI thread unless the file has a single shared connection)."""
        self._timer.stop()
        self._stale = False
        if self.session.closed:
            return
        if self._reading:
            self._again = True  # one read at a time; the newest edits are read when it ends
            return
        if self.session.shares_one_connection():
            # An in-memory copy has one connection, the window's own: read it here (it is small).
            try:
                self._show(self.session.front_page())
            except CaseFileError as exc:
                self._failed(exc)
            return
        self._reading = True
        task = Job(self.session.front_page)  # a few short reads of the live file: closing waits for it
        task.signals.finished.connect(self._read)
        task.signals.failed.connect(lambda exc, _details: self._read_failed(exc))
        self.session.jobs.start(task)

    def _read(self, data: FrontPage) -> None:
        self._reading = False
        if self.session.closed:
            return
        if self._again:
            self._again = False
            self.refresh()
            return
        self._show(data)

    def _read_failed(self, exc: BaseException) -> None:
        self._reading = False
        if self.session.closed or isinstance(exc, JobCancelled):
            return
        if self._again:
            self._again = False
            self.refresh()
            return
        self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        log.info("the case overview could not be read: %s", exc)
        self.checks.show_empty(f"The pre-export checks could not be run: {exc}")

    # ----- showing -----------------------------------------------------------------------
    def _show(self, data: FrontPage) -> None:
        self.data = data
        self._show_key_events(data.key_events, data.key_event_total)
        self._show_checks(data.gaps)
        self._show_recent(data.recent)
        self.refreshed.emit()

    def _show_key_events(self, events: tuple[KeyEvent, ...], total: int) -> None:
        section = self.key_events
        if not events:
            section.show_empty()
            return
        section.clear()
        for event in events:
            section.add_line(f"{Kind.TIMELINE.value}:{event.id}", event.title, note=_date_note(event.date))
        if total > len(events):
            more = total - len(events)
            section.add_line(Kind.TIMELINE.value, f"… and {more:,} more on the timeline")

    def _show_checks(self, gaps: tuple[Gap, ...]) -> None:
        section = self.checks
        if not gaps:
            section.show_empty()
            return
        section.clear()
        for gap in gaps:
            for href, text in gap_lines(gap):
                section.add_line(href, text)

    def _show_recent(self, changes: tuple[Change, ...]) -> None:
        section = self.recent
        if not changes:
            section.show_empty()
            return
        section.clear()
        now = dt.datetime.now(dt.UTC)
        for change in changes:
            section.add_line(
                f"{change.kind.value}:{change.id}",
                _quoted(change.kind, change.label, 120),
                note=html.escape(KINDS[change.kind].label),
                aside=when(change.updated_at, now),
                elide=True,
            )

    def _follow(self, href: str) -> None:
        if href == CASE_LINK:
            self.marking_requested.emit()
            return
        kind, _sep, record_id = href.partition(":")
        if record_id:
            self.record_requested.emit(Kind(kind), record_id)
        else:
            self.page_requested.emit(Kind(kind))
