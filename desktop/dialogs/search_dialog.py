"""Find anything: a search over the whole case, hits grouped by record type.

The search is a job of the open case (``CaseSession.jobs``), so typing never waits for it.
Each query gets a number; an answer that comes back for an older number is dropped, and
starting a new query stops the one still running. The worker reads through a connection of
its own from the case file's pool (its own read transaction, no copy of a large file to make);
a file that has one shared connection (an in-memory copy) is searched through a private copy
instead. Closing the case stops the search: closing the dialog cancels it first, and the
search itself stops, without reading on, once it finds its file closed.

The case's own fields are searched too and listed last, under "Case": the records are what a
search is usually for, and Enter takes the first hit. Matched words are shown in bold; the
record text is escaped, so whatever a user typed prints as typed.
"""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QKeyEvent,
    QLinearGradient,
    QPainter,
    QPalette,
    QShowEvent,
    QTextDocument,
    QTextOption,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.errors import CaseFileError
from db.fields import KINDS
from db.search import HIT_END, HIT_START, CaseHit, SearchHit, SearchStopped, search, search_case, shares_one_connection
from db.sqlite.casefile import CaseFile

from ..session import CaseSession
from ..tasks import Job, JobCancelled

HitRole = Qt.ItemDataRole.UserRole + 1
MarkupRole = Qt.ItemDataRole.UserRole + 2  # the row as rich text, matched words in bold
CASE_GROUP = "Case"
Index = QModelIndex | QPersistentModelIndex
_FADE = 32  # pixels over which a row too long to show fades out
log = logging.getLogger("casefile.search")


@dataclass(frozen=True)
class SearchOutcome:
    """What one background search found (or why it found nothing), for query number ``generation``."""

    generation: int
    text: str
    hits: list[SearchHit] = field(default_factory=list)
    error: str | None = None
    case_hits: list[CaseHit] = field(default_factory=list)


class _PrivateCopy:
    """An in-memory copy of a case file whose only connection the app itself is using; searches
    take turns on it, and it is closed when the dialog closes."""

    def __init__(self, cf: CaseFile) -> None:
        self.cf = cf.snapshot()  # on the GUI thread, the thread that uses the original's connection
        self.lock = threading.Lock()

    def search(self, text: str, stop: Callable[[], bool]) -> tuple[list[CaseHit], list[SearchHit]]:
        """Search the copy (on a worker thread), one search at a time."""
        with self.lock:
            if self.cf.closed:
                raise SearchStopped("The dialog was closed.")
            hits = search(self.cf, text, stop=stop)
            return search_case(self.cf, text), hits

    def close(self) -> None:
        """Close the copy once the search using it (already told to stop) lets go of it."""
        with self.lock:
            self.cf.close()


def find_in_background(
    cf: CaseFile, copy: _PrivateCopy | None, text: str, generation: int, stop: Callable[[], bool]
) -> SearchOutcome:
    """Search ``cf`` (or its private copy) for ``text``; runs on a worker thread until ``stop()``."""
    try:
        if copy is not None:
            case_hits, hits = copy.search(text, stop)
        else:
            hits = search(cf, text, stop=stop)
            case_hits = search_case(cf, text)
    except SearchStopped:
        raise JobCancelled("The search was stopped.") from None
    except CaseFileError as exc:
        return SearchOutcome(generation, text, error=str(exc))
    except Exception as exc:  # shown in the dialog rather than lost on the worker thread
        if stop():
            raise JobCancelled("The search was stopped.") from None  # what it ran into no longer matters
        log.exception("search for %r failed", text)
        return SearchOutcome(generation, text, error=f"The search failed: {exc}")
    return SearchOutcome(generation, text, hits, case_hits=case_hits)


def markup(text: str) -> str:
    """Rich text of a snippet or title: the text escaped, its marked words in bold."""
    escaped = html.escape(" ".join(text.split()), quote=False)
    return escaped.replace(HIT_START, "<b>").replace(HIT_END, "</b>")


def _plain(text: str) -> str:
    return " ".join(text.replace(HIT_START, "").replace(HIT_END, "").split())


def row_html(title: str, snippet: str, text: QColor, quiet: QColor) -> str:
    """A result row: the title, and under it the snippet in a quieter colour when it says more."""
    head = f'<div style="color: {text.name()}">{markup(title)}</div>'
    if not _plain(snippet) or _plain(snippet) == _plain(title):
        return head
    return f'{head}<div style="margin-left: 12px; color: {quiet.name()}">{markup(snippet)}</div>'


def _mix(a: QColor, b: QColor, share_of_b: float) -> QColor:
    """A colour between ``a`` and ``b``: quieter text that still reads in light and dark themes."""
    keep = 1 - share_of_b
    return QColor.fromRgbF(
        a.redF() * keep + b.redF() * share_of_b,
        a.greenF() * keep + b.greenF() * share_of_b,
        a.blueF() * keep + b.blueF() * share_of_b,
    )


class HitDelegate(QStyledItemDelegate):
    """Paints a hit from its marked title and snippet (``MarkupRole``); headings paint as usual."""

    def document(self, option: QStyleOptionViewItem, index: Index) -> QTextDocument:
        """The row's text laid out as it is painted."""
        title, snippet = index.data(MarkupRole)
        palette: QPalette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            text = quiet = palette.color(QPalette.ColorRole.HighlightedText)
        else:
            text, base = palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base)
            quiet = _mix(text, base, 0.4)
        doc = QTextDocument()
        doc.setDocumentMargin(2)
        doc.setDefaultFont(option.font)
        text_option = QTextOption()
        text_option.setWrapMode(QTextOption.WrapMode.NoWrap)
        doc.setDefaultTextOption(text_option)
        doc.setHtml(row_html(title, snippet, text, quiet))
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if index.data(MarkupRole) is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        doc = self.document(opt, index)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        painter.save()
        painter.translate(rect.topLeft())
        painter.setClipRect(rect.translated(-rect.topLeft()))
        doc.documentLayout().draw(painter, QAbstractTextDocumentLayout.PaintContext())
        painter.restore()
        if doc.idealWidth() > rect.width():
            # Too long for the row: the last words fade out rather than a letter being cut in half.
            selected = bool(opt.state & QStyle.StateFlag.State_Selected)
            ground = opt.palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
            clear = QColor(ground)
            clear.setAlpha(0)
            band = QRect(rect.right() - _FADE, rect.top(), _FADE + 1, rect.height())
            fade = QLinearGradient(band.left(), 0, band.right(), 0)
            fade.setColorAt(0, clear)
            fade.setColorAt(1, ground)
            painter.fillRect(band, fade)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        if index.data(MarkupRole) is None:
            return super().sizeHint(option, index)
        doc = self.document(option, index)
        return QSize(int(doc.idealWidth()), int(doc.size().height()))


class _SearchEdit(QLineEdit):
    """Arrow keys move through the results while typing."""

    moved = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self.moved.emit(1 if event.key() == Qt.Key.Key_Down else -1)
            return
        super().keyPressEvent(event)


class SearchDialog(QDialog):
    """Type to search; Enter (or a double-click) jumps to the record."""

    record_chosen = Signal(object, str)  # Kind, record id
    case_chosen = Signal(str)  # the name of the case field that matched
    results_shown = Signal(str)  # the words whose hits (or failure) the list now shows

    def __init__(self, session: CaseSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.task: Job | None = None  # the search running for the words typed, if any
        self._generation = 0
        self._copy: _PrivateCopy | None = None
        self._choose_when_shown = False
        self.setWindowTitle("Find in Case")
        self.resize(640, 480)
        self.edit = _SearchEdit(self)
        self.edit.setPlaceholderText("Search the case, its actors, statements, directives, timeline and sources")
        self.edit.setAccessibleName("Search text")
        self.edit.setClearButtonEnabled(True)
        self.results = QTreeWidget(self)
        self.results.setHeaderHidden(True)
        self.results.setAccessibleName("Search results")
        self.results.setItemDelegate(HitDelegate(self.results))
        self.results.setRootIsDecorated(False)
        self.results.setUniformRowHeights(False)
        self.status = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self.run_search)
        self.edit.textChanged.connect(lambda _t: self._timer.start())
        self.edit.returnPressed.connect(self.choose_current)
        self.edit.moved.connect(self._move)
        self.results.itemActivated.connect(lambda item, _col: self._choose(item))

    def run_search(self) -> None:
        """Start searching for the typed words in the background; the hits replace the list when
        they arrive (``results_shown``), and a search still running for older words is stopped."""
        self._timer.stop()
        self._cancel_running()
        text = self.edit.text()
        if not text.strip():
            self._show(SearchOutcome(self._generation, text))
            return
        cf = self.session.cf
        try:
            if cf.closed:
                raise CaseFileError("The case file is closed.")
            if self._copy is None and shares_one_connection(cf):
                self._copy = _PrivateCopy(cf)
        except CaseFileError as exc:
            self._show(SearchOutcome(self._generation, text, error=str(exc)))
            return
        self.task = Job(find_in_background, cf, self._copy, text, self._generation, with_stop=True, stops_on_close=True)
        self.task.signals.finished.connect(self._arrived)
        generation = self._generation
        self.task.signals.failed.connect(lambda exc, _details: self._failed(generation, text, exc))
        self.status.setText("Searching…")
        self.session.jobs.start(self.task)

    def _cancel_running(self) -> None:
        """Stop the running search and make sure nothing it finds is shown."""
        self._generation += 1
        if self.task is not None:
            self.task.cancel()
            self.task = None

    def _arrived(self, outcome: SearchOutcome) -> None:
        if outcome.generation != self._generation:
            return  # the answer to words typed before: a newer search replaced it
        self.task = None
        if self.session.cf.closed:
            outcome = SearchOutcome(outcome.generation, outcome.text, error="The case file is closed.")
        self._show(outcome)

    def _failed(self, generation: int, text: str, exc: BaseException) -> None:
        if generation != self._generation or isinstance(exc, JobCancelled):
            return  # stopped for newer words, or the dialog closed
        self.task = None
        self._show(SearchOutcome(generation, text, error=str(exc)))

    def _show(self, outcome: SearchOutcome) -> None:
        """List the hits by kind, the case's own fields last (or say why there are none)."""
        text, hits = outcome.text, outcome.hits
        self.results.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        first: QTreeWidgetItem | None = None
        found: list[tuple[str, SearchHit | CaseHit, str, str]] = [
            (KINDS[hit.kind].plural, hit, hit.marked_title or hit.title, hit.snippet) for hit in hits
        ]
        found += [(CASE_GROUP, hit, hit.label, hit.snippet) for hit in outcome.case_hits]
        for heading, hit, title, snippet in found:
            group = groups.get(heading)
            if group is None:
                group = self._group(heading)
                groups[heading] = group
            plain_title, plain = _plain(title), _plain(snippet)
            item = QTreeWidgetItem(
                group, [f"{plain_title}\n    {plain}" if plain and plain != plain_title else plain_title]
            )
            item.setData(0, HitRole, hit)
            item.setData(0, MarkupRole, (title, snippet))
            item.setToolTip(0, plain)
            if first is None:
                first = item
        if first is not None:
            self.results.setCurrentItem(first)
        count = len(found)
        if outcome.error is not None:
            self.status.setText(outcome.error)
        else:
            self.status.setText("" if not text.strip() else f"{count} match{'es' if count != 1 else ''}")
        self.results_shown.emit(text)
        if self._choose_when_shown:
            self._choose_when_shown = False
            self.choose_current()

    def _group(self, heading: str) -> QTreeWidgetItem:
        group = QTreeWidgetItem(self.results, [heading])
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        # Set apart from the hits, whose matched words are bold too: smaller and quieter.
        font = group.font(0)
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
        group.setFont(0, font)
        palette = self.results.palette()
        group.setForeground(
            0, _mix(palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base), 0.4)
        )
        group.setExpanded(True)
        return group

    def _move(self, step: int) -> None:
        items: list[QTreeWidgetItem] = []
        for i in range(self.results.topLevelItemCount()):
            group = self.results.topLevelItem(i)
            if group is not None:
                items.extend(item for j in range(group.childCount()) if (item := group.child(j)) is not None)
        if not items:
            return
        current = self.results.currentItem()
        pos = items.index(current) if current in items else -1
        self.results.setCurrentItem(items[max(0, min(len(items) - 1, pos + step))])

    def choose_current(self) -> None:
        """Jump to the selected hit (once the search for the words typed has answered)."""
        if self._timer.isActive():
            self.run_search()
        if self.task is not None:
            self._choose_when_shown = True
            return
        self._choose(self.results.currentItem())

    def _choose(self, item: QTreeWidgetItem | None) -> None:
        hit = item.data(0, HitRole) if item is not None else None
        if isinstance(hit, SearchHit):
            self.record_chosen.emit(hit.kind, hit.id)
            self.accept()
        elif isinstance(hit, CaseHit):
            self.case_chosen.emit(hit.field)
            self.accept()

    def done(self, result: int) -> None:
        """Closing stops a running search; its answer is dropped and a private copy is closed."""
        self._timer.stop()
        self._choose_when_shown = False
        if self.task is not None:
            self.status.clear()  # no answer is coming for the list shown
        self._cancel_running()
        if self._copy is not None:
            self._copy.close()
            self._copy = None
        super().done(result)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.edit.setFocus()
        self.edit.selectAll()
