"""The timeline strip above the Timeline table: every entry drawn at its date, zoomable.

Built for 100,000 entries: no graphics item per entry. Entries are packed into lanes once, in
``set_marks``; a paint walks only the visible part of each lane with ``bisect``, a pixel
column at a time, so its cost follows the width of the view, not the number of entries. When
many more entries are in view than the lanes can show apart, the lanes give way to a
histogram of how many entries are under way at each date, with key events and the selection
still drawn on top. Everything is drawn in viewport pixels, so text and pens never stretch.

While few entries are in view every one of them is labelled (``timeline_strip_labels``);
with more, only key events are, where they fit. The axis is linear in time within segments,
with long empty stretches cut out as breaks (``timeline_axis``); drawing is in
``timeline_paint``, what labels say in ``timeline_text``, which entry is under the pointer in
``timeline_hits``. Zoom In, Zoom Out and Fit sit beside the strip (``timeline_zoom``).
"""

from __future__ import annotations

import datetime as dt
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPixmap,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QSizePolicy, QToolTip, QWidget

from ..session import TimelineMarks
from .timeline_axis import TimeAxis
from .timeline_hits import entry_at, label_layout
from .timeline_layout import UNIT_DAYS, Track, axis_ticks, lane_depth, pack_lanes, ticks
from .timeline_paint import Shapes, Walks, draw, mix, paint_axis, paint_histogram, pen, shapes
from .timeline_strip_labels import Label, paint_labels
from .timeline_text import EntryTexts
from .timeline_zoom import ZoomBar

MAX_LANES = 8  # entries overlapping more than this share lanes (overdrawn)
MAX_PX_PER_DAY = 2400.0  # zoom limit: about an hour per 100 px
MAX_SCENE_PX = 2.0e9  # scroll bars hold ints; keep the zoomed width below that
CROWDED = 1 / 8  # entries in view per lane pixel above which a histogram replaces the lanes
POINT_PAD = 1 / 288  # five minutes: the least room a point takes in its lane
AXIS_H = 22
MAX_LABEL_ROWS = 4
Role = QPalette.ColorRole


class TimelineView(QGraphicsView):
    """Horizontal, zoomable timeline of entries: spans for partial dates, key events emphasised."""

    entry_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setAccessibleName("Timeline")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(140)
        self.zoom_bar = ZoomBar(self, self.zoom_in, self.zoom_out, self.zoom_to_fit)
        self.setViewportMargins(0, 0, self.zoom_bar.sizeHint().width(), 0)
        self._texts = EntryTexts()
        # The axis and the entries' marks, drawn once per view (size, zoom, scroll, marks) and
        # reused while only the labels, key events or selection change (an edit, a click).
        self._base: tuple[tuple[object, ...], QPixmap, Shapes] | None = None
        self._selected: int | None = None
        # The labels as last laid out, with what they depend on; titles bump the version.
        self._labels: tuple[tuple[object, ...], list[Label]] | None = None
        self._text_version = 0
        self._fitted = True
        self._marks: TimelineMarks  # set_marks sets it (and everything drawn from it)
        self.set_marks(TimelineMarks(array("q"), array("d"), array("d"), array("b"), {}))

    def sizeHint(self) -> QSize:
        return QSize(600, 160)

    # ----- data ----------------------------------------------------------------------------
    def set_marks(self, marks: TimelineMarks, *, keep_view: bool = False) -> None:
        """Replace every entry: lanes are assigned here, once, greedily in start order.

        ``keep_view`` keeps the zoom and the day in the middle of the view (a reload after an
        edit); otherwise the whole span is fitted.
        """
        kept = None
        if keep_view and len(self._marks) and not self._fitted:
            kept = (self.scale_x(), self._day_at(self.viewport().width() / 2))
        self._marks, n, start, end = marks, len(marks), marks.start, marks.end
        self._base = None
        self._text_version += 1
        self._index = {rowid: i for i, rowid in enumerate(marks.rowids)}
        # Date order is start order except for zoned times (ordered by instant): sort to be sure.
        self._order = sorted(range(n), key=start.__getitem__)
        self._rank = array("q", bytes(8 * n))  # each entry's place in date order, its number
        for place, i in enumerate(self._order):
            self._rank[i] = place
        self._texts.reset(marks, self._rank)
        self._starts, self._ends = array("d", (start[i] for i in self._order)), array("d", sorted(end))
        first = self._starts[0] if n else float(dt.date.today().toordinal())
        last = self._ends[-1] if n else first + 1
        # Spans longer than a day get lanes above the days and times, so a few year-long entries
        # cannot crowd out the precise ones. A mark holds its lane for at least ten pixels of a
        # 1,000-pixel view of everything, so marks seldom touch when zoomed out.
        pad = max(POINT_PAD, (last - first) / 100)
        groups = [[i for i in self._order if (end[i] - start[i] <= 1.5) == short] for short in (True, False)]
        need = [lane_depth(marks, group, pad) for group in groups]
        fine = min(need[0], max(MAX_LANES - need[1], MAX_LANES // 2))
        self._lane_count = max(fine + min(need[1], MAX_LANES - fine), 1)
        self._lane = array("b", bytes(n))
        pack_lanes(marks, groups[0], pad, max(fine, 1), self._lane, 0)
        pack_lanes(marks, groups[1], pad, max(self._lane_count - fine, 1), self._lane, fine)
        # Tracks by kind (0 spans, 1 days and points, 2 and 3 the same for key events) and lane;
        # key rows: key events in one row, for the histogram view; keys: all key events, for labels.
        self._tracks = [[Track() for _ in range(MAX_LANES)] for _ in range(4)]
        self._key_rows, self._keys = [Track(), Track()], Track()
        for i in self._order:
            s, e, lane = start[i], end[i], self._lane[i]
            short = e - s <= 1.5
            self._tracks[short][lane].add(i, s, e)
            if marks.key[i]:
                self._tracks[2 + short][lane].add(i, s, e)
                self._key_rows[short].add(i, s, e)
                self._keys.add(i, s, e)
        # Long empty stretches cut out; more room after the last entry than before the first,
        # since the latest entries are most often crowded together and their labels hang right.
        ends = array("d", (end[i] for i in self._order))
        self._axis = TimeAxis.for_entries(self._starts, ends) if n else TimeAxis([(first - 0.5, last + 0.5)])
        if self._selected not in self._index:
            self._selected = None
        self.zoom_to_fit()
        if kept is not None:
            scale, middle = kept
            least, most = self.zoom_limits()
            self._set_scale(min(max(scale, least), most))
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() + round(self._x_of(middle) - self.viewport().width() / 2))

    def set_title(self, rowid: int, title: str) -> None:
        """Show a changed title (after an edit) without rebuilding the strip."""
        self._texts.set_title(rowid, title)
        self._text_version += 1
        self.viewport().update()  # while few entries are in view, any of them may show its title

    def set_title_lookup(self, fn: Callable[[int], str] | None) -> None:
        """Give a function from rowid to title, for tooltips and the selected entry's label."""
        self._texts.set_lookup(fn)
        self._text_version += 1
        self.viewport().update()

    def set_selected(self, rowid: int | None) -> None:
        """Highlight an entry (None clears) and scroll it into view; emits nothing."""
        self._selected = rowid if rowid in self._index else None
        if self._selected is not None:
            self._reveal(self._index[self._selected])
        self.viewport().update()

    def selected(self) -> int | None:
        """Rowid of the highlighted entry, if any."""
        return self._selected

    # ----- zoom ----------------------------------------------------------------------------
    def scale_x(self) -> float:
        """Current horizontal scale in pixels per day."""
        return self.transform().m11()

    def zoom_limits(self) -> tuple[float, float]:
        """Smallest (the whole span fits) and largest horizontal scale, in pixels per day."""
        axis = self._axis
        most = min(MAX_PX_PER_DAY, (MAX_SCENE_PX - axis.width(0)) / axis.days)
        return min(max(axis.fit(self.viewport().width() - 2), 10 / axis.days), most), most

    def zoom_in(self) -> None:
        """Zoom in about the selected entry if it is in view, else the middle."""
        self._zoom(1.5, self._zoom_anchor())

    def zoom_out(self) -> None:
        """Zoom out about the selected entry if it is in view, else the middle."""
        self._zoom(1 / 1.5, self._zoom_anchor())

    def zoom_to_fit(self) -> None:
        """Show the whole span of entries."""
        self._set_scale(self.zoom_limits()[0])
        self.viewport().update()

    def visible_span(self) -> tuple[float, float]:
        """First and last day (ordinals, fractions for times of day) the view shows."""
        return self._day_at(0), self._day_at(self.viewport().width())

    def _set_scale(self, scale: float) -> None:
        least, most = self.zoom_limits()
        # Scene x is the axis's pixels over the scale: the breaks' fixed pixels change its width.
        self.scene().setSceneRect(0, 0, self._axis.width(scale) / scale, 1)
        self.setTransform(QTransform.fromScale(scale, 1))
        self._fitted = scale <= least * 1.0001  # a fitted view refits when resized
        self.zoom_bar.set_enabled(scale < most * 0.9999, not self._fitted)

    def _zoom(self, factor: float, anchor: float) -> None:
        """Scale by ``factor`` keeping the day under viewport x ``anchor`` in place."""
        least, most = self.zoom_limits()
        day = self._day_at(anchor)
        self._set_scale(min(max(self.scale_x() * factor, least), most))
        bar = self.horizontalScrollBar()
        bar.setValue(bar.value() + round(self._x_of(day) - anchor))
        self.viewport().update()

    def _zoom_anchor(self) -> float:
        x = sum(self._extent(self._index[self._selected])) / 2 if self._selected is not None else -1
        return x if 0 <= x <= self.viewport().width() else self.viewport().width() / 2

    # ----- geometry ------------------------------------------------------------------------
    def _x_of(self, day: float) -> float:
        t = self.viewportTransform()
        return self._axis.x(day, t.m11()) + t.dx()

    def _day_at(self, x: float) -> float:
        t = self.viewportTransform()
        return self._axis.day(x - t.dx(), t.m11())

    def _extent(self, i: int) -> tuple[float, float]:
        """Left and right viewport x of entry i's span (a point has both the same)."""
        return self._x_of(self._marks.start[i]), self._x_of(self._marks.end[i])

    def _rows(self) -> tuple[float, float, float, float]:
        """Axis y, top of the marks, lane pitch and label row height, for the viewport height."""
        axis_y = self.viewport().height() - AXIS_H
        label_h = QFontMetricsF(self.font()).height() + 4
        top = 3 + self._label_rows() * label_h + 6
        return axis_y, top, min(16.0, max(4.0, (axis_y - 4 - top) / self._lane_count)), label_h

    def _label_rows(self) -> int:
        """As many label rows as leave the lanes about 8 pixels each (two rows at least)."""
        room = self.viewport().height() - AXIS_H - 4 - 9 - 8 * self._lane_count
        return min(max(int(room // (QFontMetricsF(self.font()).height() + 4)), 2), MAX_LABEL_ROWS)

    def _crowded(self) -> bool:
        """Whether the entries in view are too many to show apart in lanes."""
        width = self.viewport().width()
        shown = bisect_right(self._starts, self._day_at(width)) - bisect_left(self._ends, self._day_at(0))
        return shown > CROWDED * MAX_LANES * width

    def _marker_y(self, i: int, crowded: bool) -> float:
        """Centre y of entry i's marker: its lane, or the key row above the histogram."""
        axis_y, top, pitch, _ = self._rows()
        return top + 5 if crowded else axis_y - 4 - (self._lane[i] + 0.5) * pitch

    def marker_position(self, rowid: int) -> QPoint | None:
        """Viewport position of an entry's marker centre, or None for an unknown rowid."""
        i = self._index.get(rowid)
        if i is None:
            return None
        return QPoint(round(sum(self._extent(i)) / 2), round(self._marker_y(i, self._crowded())))

    def _reveal(self, i: int) -> None:
        x0, x1 = self._extent(i)
        width = self.viewport().width()
        if x1 < 8 or x0 > width - 8:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() + round((x0 + x1 - width) / 2))

    # ----- text ----------------------------------------------------------------------------
    # ----- painting ------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        # Draw in viewport pixels: undo the scene scale, keep whatever maps the viewport to the device.
        painter.save()
        painter.setWorldTransform(self.viewportTransform().inverted()[0] * painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint(painter)
        painter.restore()

    def _paint(self, p: QPainter) -> None:
        pal = self.palette()
        width, height = self.viewport().width(), self.viewport().height()
        text, base, accent = pal.color(Role.Text), pal.color(Role.Base), pal.color(Role.Accent)
        p.fillRect(QRectF(0, 0, width, height), base)
        if not self._order:
            p.setPen(pal.color(Role.PlaceholderText))
            p.drawText(QRectF(0, 0, width, height), Qt.AlignmentFlag.AlignCenter, "No timeline entries")
            return
        axis_y, _top, pitch, _ = self._rows()
        crowded, bar_h = self._crowded(), max(3.0, pitch * 0.6)
        key_h = 9.0 if crowded else min(pitch - 1, bar_h + 5)
        t, ratio = self.viewportTransform(), self.devicePixelRatioF()
        key = (width, height, ratio, t.m11(), t.dx(), pal.cacheKey(), self.font().key())
        if self._base is None or self._base[0] != key:
            pixmap = QPixmap(round(width * ratio), round(height * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(base)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            try:
                keys = self._paint_base(painter, width, crowded, bar_h, key_h)
            finally:
                painter.end()
            self._base = (key, pixmap, keys)
        p.drawPixmap(QPointF(0, 0), self._base[1])
        p.setFont(self.font())
        keys = self._base[2]
        selected = self._index.get(self._selected) if self._selected is not None else None
        paint_labels(self, p, label_layout(self), crowded)
        # Key events over the rest, taller, in the accent colour; then the selection over all.
        draw(p, keys, accent, mix(accent, base, 0.45))
        if selected is not None:
            x, y = round(sum(self._extent(selected)) / 2) + 0.5, self._marker_y(selected, crowded)
            highlight = pal.color(Role.Highlight)
            p.setPen(pen(mix(highlight, base, 0.5), 1))
            p.drawLine(QPointF(x, y), QPointF(x, axis_y))
            shapes = _shapes_of(self, [(iter((selected,)), y)], key_h + 2, 7.0, 7)
            draw(p, shapes, highlight, highlight, pen(text, 1.5))

    def _paint_base(self, p: QPainter, width: int, crowded: bool, bar_h: float, key_h: float) -> Shapes:
        """The axis and every entry's mark but the key events'; returns the key events' shapes."""
        pal = self.palette()
        text, base = pal.color(Role.Text), pal.color(Role.Base)
        axis_y, top, pitch, _ = self._rows()
        self._paint_axis(p, width, axis_y, mix(text, base, 0.55), mix(text, base, 0.1))
        first, last, per_px = self._day_at(-8), self._day_at(width + 8), 1 / self.scale_x()
        lanes = [axis_y - 4 - (lane + 0.5) * pitch for lane in range(MAX_LANES)]

        def walks(kinds: list[list[Track]]) -> Walks:
            return [(t.walk(first, last, per_px), y) for ts in kinds for t, y in zip(ts, lanes, strict=True)]

        if crowded:
            counts = [
                bisect_right(self._starts, self._day_at(x + 3)) - bisect_left(self._ends, self._day_at(x))
                for x in range(0, width, 3)
            ]
            paint_histogram(p, counts, top + 12, axis_y - 1, mix(text, base, 0.35))
            return _shapes_of(self, [(t.walk(first, last, per_px), top + 5) for t in self._key_rows], key_h, 0, 3)
        plain = _shapes_of(self, walks(self._tracks[:2]), bar_h, min(bar_h / 2 + 1.5, 4.5), 3)
        draw(p, plain, mix(text, base, 0.5), mix(text, base, 0.2))
        return _shapes_of(self, walks(self._tracks[2:]), key_h, 6.0, 4)

    def _axis_font(self) -> QFont:
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        return font

    def axis_segments(self) -> list[tuple[float, float, float, float]]:
        """The stretches of time drawn linearly, as (first day, last day, left x, right x)."""
        return [(g.first, g.last, self._x_of(g.first), self._x_of(g.last)) for g in self._axis.segments]

    def axis_breaks(self) -> list[tuple[float, float, float, float]]:
        """The empty stretches cut out of the axis, as (first day, last day, left x, right x)."""
        return [(a, b, self._x_of(a), self._x_of(b)) for a, b in self._axis.breaks()]

    def axis_ticks(self) -> list[tuple[float, float, str, QRectF]]:
        """The labelled axis as drawn: (day, x, label, label rectangle) for each tick in view,
        the label empty (and its rectangle null) where it would run into a break or past the edge."""
        fm = QFontMetricsF(self._axis_font())
        axis_y = self.viewport().height() - AXIS_H
        _, shown = self._ticks(fm)

        def rect(x: float, label: str) -> QRectF:
            return QRectF(round(x) + 3.5, axis_y + 3, fm.horizontalAdvance(label), fm.height()) if label else QRectF()

        return [(day, x, label, rect(x, label)) for day, x, label in shown]

    def _ticks(
        self, fm: QFontMetricsF
    ) -> tuple[tuple[str, int, tuple[str, int] | None], list[tuple[float, float, str]]]:
        width = self.viewport().width()
        pieces = self._axis.pieces(self._day_at(0), self._day_at(width))
        walls = [x0 for _, _, x0, _ in self.axis_breaks()]
        return axis_ticks(pieces, self._x_of, fm.horizontalAdvance, width, self.scale_x(), walls)

    def _paint_axis(self, p: QPainter, width: int, axis_y: float, ink: QColor, grid: QColor) -> None:
        """The axis at the finest calendar step whose labels fit, broken where time is cut out."""
        p.setFont(self._axis_font())
        (_, _, minor), shown = self._ticks(QFontMetricsF(p.font()))
        minor_xs: list[float] = []
        if minor and UNIT_DAYS[minor[0]] * minor[1] * self.scale_x() >= 5:
            for first, last in self._axis.pieces(self._day_at(0), self._day_at(width)):
                minor_xs += map(self._x_of, ticks(*minor, first, last))
        breaks = [(x0, x1) for _, _, x0, x1 in self.axis_breaks() if x1 >= 0 and x0 <= width]
        paint_axis(p, width, axis_y, shown, minor_xs, breaks, ink, grid)
        p.setFont(self.font())

    def label_rects(self) -> dict[int, QRectF]:
        """Rowid to the viewport rectangle of its label, for every label the strip shows now."""
        return {self._marks.rowids[i]: rect for i, rect, _, _ in label_layout(self)}

    def label_texts(self) -> dict[int, str]:
        """Rowid to the text of its label, for every label the strip shows now."""
        return {self._marks.rowids[i]: text for i, _, text, _ in label_layout(self)}

    # ----- input ---------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        i = entry_at(self, event.position().x(), event.position().y())
        if event.button() == Qt.MouseButton.LeftButton and i is not None:
            self._activate(i, reveal=False)
            event.accept()
        else:
            super().mousePressEvent(event)  # empty space: drag to pan

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        event.accept()  # a click on a marker ends here too, not in the parent

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._zoom(1.2 ** (delta.y() / 120), event.position().x())
        else:  # a vertical wheel scrolls sideways: the strip has nothing above or below
            step = event.pixelDelta().x() or event.pixelDelta().y() or (delta.x() or delta.y()) // 2
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - step)
        event.accept()

    def _zoom_keys(self) -> dict[int, Callable[[], None]]:
        """Keys that zoom, with Ctrl or without: +, =, - and 0."""
        k = Qt.Key
        zoom_in, zoom_out, fit = self.zoom_in, self.zoom_out, self.zoom_to_fit
        return {k.Key_Plus: zoom_in, k.Key_Equal: zoom_in, k.Key_Minus: zoom_out, k.Key_0: fit}

    def event(self, event: QEvent) -> bool:
        # Ctrl++, Ctrl+- and Ctrl+0 zoom the strip while it has the focus, whatever the window binds them to.
        overrides = event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
        if overrides and event.key() in self._zoom_keys():  # type: ignore[attr-defined]
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, n, k = event.key(), len(self._order), Qt.Key
        zoom = self._zoom_keys()
        current = self._index.get(self._selected) if self._selected is not None else None
        if key in zoom:
            zoom[key]()
        elif key in (k.Key_Home, k.Key_End, k.Key_Left, k.Key_Right):
            # The marks come in date order, so neighbours by index are neighbours in time.
            if key in (k.Key_Home, k.Key_End) or current is None:
                target = 0 if key in (k.Key_Home, k.Key_Right) else n - 1
            else:
                target = min(max(current + (1 if key == k.Key_Right else -1), 0), n - 1)
            if n and target != current:
                self._activate(target, reveal=True)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            i = entry_at(self, event.pos().x(), event.pos().y())
            if i is None:
                QToolTip.hideText()
            else:
                title, when = self._texts.title(i, full=True), self._texts.date_text(i)
                QToolTip.showText(event.globalPos(), f"{title}\n{when}" if title else when, self.viewport())
            return True
        return super().viewportEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        area, width = self.contentsRect(), self.zoom_bar.sizeHint().width()
        self.zoom_bar.setGeometry(area.right() + 1 - width, area.top(), width, self.viewport().height())
        if self._fitted:
            self.zoom_to_fit()

    def _activate(self, i: int, *, reveal: bool) -> None:
        self._selected = self._marks.rowids[i]
        if reveal:
            self._reveal(i)
        self.viewport().update()
        self.entry_activated.emit(self._selected)


def _shapes_of(view: TimelineView, tracks: Walks, bar_h: float, r: float, least: float) -> Shapes:
    marks = view._marks
    soft = (lambda i: marks.rowids[i] in marks.soft) if marks.soft else None
    return shapes(tracks, view._x_of, marks.start, marks.end, bar_h, r, least, soft)
