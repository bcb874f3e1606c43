"""The "Key events at a glance" strip: key events on a drawn time axis.

An event known to the day (or minute) is a dot; one known only to a month or a year is a bar
over that span, so the reader sees how precise each date is. Labels sit in lanes above and
below the axis and are placed left to right wherever a lane has room; events that get no
room keep their mark and are counted in a note ("and 12 more"). Shapes are a reportlab
Drawing; labels are paragraphs so they get the same escaping, font fallback and shaping as
all other user text.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
from reportlab.lib.colors import Color, white
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from db.dates import MONTHS

from .context import Ctx
from .model import Record, parse_date, text_of
from .styles import ACCENT, MUTED, RULE
from .text import one_line

LANE_HEIGHT = 11.0
LANES_PER_SIDE = 3
LABEL_GAP = 6.0
TICK_ROOM = 11.0
MAX_LABEL_CHARS = 46
LINEAR_WEIGHT = 0.35  # share of an event's axis position that follows its date (the rest: its rank)
BAR_COLOUR = Color(0.18, 0.37, 0.56, alpha=0.45)


@dataclass
class _Event:
    start: float
    end: float
    point: bool
    short: str
    title: str
    anchor: float = 0.0
    width: float = 0.0
    lane: int | None = None  # 0, 1, 2 above the axis; -1, -2, -3 below


def _short_date(record: Record) -> str:
    date = parse_date(record.get("date"))
    if date is None:
        return ""
    if date.precision == "year":
        return str(date.year)
    assert date.month is not None
    month = MONTHS[date.month - 1][:3]
    if date.precision == "month":
        return f"{month} {date.year}"
    return f"{month} {date.day}, {date.year}"


def _ticks(first: float, last: float) -> list[tuple[float, str]]:
    """Axis ticks (day number, label) for the span: years, months or days."""
    top = dt.date.max.toordinal()
    start = dt.date.fromordinal(min(max(int(first), 1), top - 1))  # years 1 and 9999 are dates too
    end = dt.date.fromordinal(min(max(int(last), start.toordinal() + 1), top))
    days = (end - start).days
    ticks: list[tuple[float, str]] = []
    if days > 3 * 366:
        step = max(1, round(days / 365.25 / 10))
        year = start.year + 1
        while year <= dt.MAXYEAR and dt.date(year, 1, 1) <= end:
            if year % step == 0:
                ticks.append((float(dt.date(year, 1, 1).toordinal()), str(year)))
            year += 1
    elif days > 75:
        step = max(1, -(-days // 31 // 12))
        year, month = start.year, start.month + 1
        while True:
            if month > 12:
                year, month = year + 1, 1
            if year > dt.MAXYEAR:
                break
            day = dt.date(year, month, 1)
            if day > end:
                break
            if (year * 12 + month) % step == 0:
                name = MONTHS[month - 1][:3]
                new_year = not ticks or dt.date.fromordinal(int(ticks[-1][0])).year != year
                ticks.append((float(day.toordinal()), f"{name} {year}" if new_year else name))
            month += 1
    else:
        step = 1 if days <= 12 else 2 if days <= 24 else 7 if days <= 75 else 14
        for ordinal in range(start.toordinal() + 1, end.toordinal() + 1):
            day = dt.date.fromordinal(ordinal)
            if ordinal % step == 0 or step == 1:
                ticks.append((float(ordinal), f"{MONTHS[day.month - 1][:3]} {day.day}"))
    return ticks


class KeyEventStrip(Flowable):  # type: ignore[misc]
    """A drawn timeline of key events, as wide as the frame."""

    def __init__(self, ctx: Ctx, events: list[Record]) -> None:
        super().__init__()
        self.ctx = ctx
        self.font = ctx.fonts.regular
        self.events: list[_Event] = []
        for record in events:
            date = parse_date(record.get("date"))
            if date is None:
                continue
            start, end = date.span_days()
            title = one_line(text_of(record, "title"))
            if len(title) > MAX_LABEL_CHARS:
                title = title[: MAX_LABEL_CHARS - 1].rstrip() + "…"
            point = date.precision in ("day", "time")
            self.events.append(_Event(start, end, point, _short_date(record), title))
        self.unlabelled = 0
        self.compressed = False
        self._knots: list[float] = []
        self._share: list[float] = []

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self._layout(availWidth)
        return self.width, self.height

    def _x(self, day: float) -> float:
        knots, share = self._knots, self._share
        i = min(max(bisect_right(knots, day) - 1, 0), len(knots) - 2)
        k0, k1 = knots[i], knots[i + 1]
        t = 0.0 if k1 == k0 else (day - k0) / (k1 - k0)
        fraction = share[i] + (share[i + 1] - share[i]) * t
        return self.left + fraction * (self.width - self.left - self.right)

    def _scale(self) -> None:
        """A time axis that keeps order but shrinks long empty stretches.

        Key events bunch (two years of quiet, then five events in one June): on a linear axis
        the bunch is unreadable. Each event boundary is placed part by its date and part by
        its rank, so quiet stretches shrink and busy ones open up, and the order stays true.
        """
        knots = sorted({self.first, self.last, *(e.start for e in self.events), *(e.end for e in self.events)})
        if len(knots) > 400:  # thousands of events: rank spacing adds nothing visible
            knots = [self.first, self.last]
        count = len(knots) - 1
        span = self.last - self.first
        self._knots = knots
        self._share = [
            LINEAR_WEIGHT * (k - self.first) / span + (1 - LINEAR_WEIGHT) * i / count for i, k in enumerate(knots)
        ]
        self.compressed = len(knots) > 2

    def _layout(self, width: float) -> None:
        self.left = self.right = 6.0
        starts = [e.start for e in self.events]
        ends = [e.end for e in self.events]
        first, last = min(starts), max(ends)
        span = max(last - first, 20.0)
        pad = span * 0.04
        middle = (first + last) / 2
        self.first = min(first, middle - span / 2) - pad
        self.last = max(last, middle + span / 2) + pad
        self._scale()
        style = self.ctx.styles.strip_label
        bold = self.ctx.fonts.bold
        lane_ends: dict[int, float] = {}
        order = [0, -1, 1, -2, 2, -3][: 2 * LANES_PER_SIDE]
        self.unlabelled = 0
        self.events.sort(key=lambda e: (e.start, e.end))
        for event in self.events:
            x0, x1 = self._x(event.start), self._x(event.end)
            event.anchor = (x0 + x1) / 2 if event.point else x0 + min(5.0, (x1 - x0) / 2)
            event.lane = None
            earliest = min(lane_ends.get(lane, -1e9) for lane in order) + LABEL_GAP
            if earliest > event.anchor - 2 and event.anchor < width * 0.55:
                self.unlabelled += 1  # every lane is busy here: no need to measure the label
                continue
            text_width = stringWidth(event.short + "  ", bold, style.fontSize) + stringWidth(
                event.title, self.font, style.fontSize
            )
            event.width = min(text_width + 4, width * 0.45)
            left = self._label_left(event)
            for lane in order:
                if lane_ends.get(lane, -1e9) + LABEL_GAP <= left:
                    event.lane = lane
                    lane_ends[lane] = left + event.width
                    break
            if event.lane is None:
                self.unlabelled += 1
        above = max([e.lane + 1 for e in self.events if e.lane is not None and e.lane >= 0], default=0)
        below = max([-e.lane for e in self.events if e.lane is not None and e.lane < 0], default=0)
        self.above, self.below = above, below
        self.axis_y = TICK_ROOM + below * LANE_HEIGHT + (6.0 if below else 0.0) + 4.0
        self.height = self.axis_y + above * LANE_HEIGHT + (8.0 if above else 4.0) + 4.0

    def _drawing(self) -> Drawing:
        drawing = Drawing(self.width, self.height)
        # The renderer starts from these (default Helvetica, which would not be embedded).
        drawing.initialFontName = self.font
        drawing.initialFontSize = 6.5
        axis_y = self.axis_y
        drawing.add(Line(self.left, axis_y, self.width - self.right, axis_y, strokeColor=RULE, strokeWidth=1))
        label_end = -1e9
        for day, label in _ticks(self.first, self.last):
            x = self._x(day)
            if not self.left <= x <= self.width - self.right:
                continue
            drawing.add(Line(x, axis_y - 3, x, axis_y + 3, strokeColor=RULE, strokeWidth=0.6))
            width = stringWidth(label, self.font, 6.5)
            if x + 1.5 < label_end + 4 or x + 1.5 + width > self.width:
                continue  # ticks bunch where the axis is compressed: label only those with room
            drawing.add(String(x + 1.5, axis_y - 10, label, fontName=self.font, fontSize=6.5, fillColor=MUTED))
            label_end = x + 1.5 + width
        for event in self.events:
            if event.lane is not None:
                y0 = axis_y + (3 if event.lane >= 0 else -3)
                y1 = self._lane_y(event.lane) + (0 if event.lane >= 0 else LANE_HEIGHT - 2)
                drawing.add(Line(event.anchor, y0, event.anchor, y1, strokeColor=RULE, strokeWidth=0.4))
        # Marks closer than a quarter point look the same: draw each once (thousands of events).
        bars = {(round(self._x(e.start) * 4), round(self._x(e.end) * 4)) for e in self.events if not e.point}
        for x0, x1 in sorted(bars):
            drawing.add(
                Rect(x0 / 4, axis_y - 3, max((x1 - x0) / 4, 3.0), 6, rx=1.5, ry=1.5,
                     fillColor=BAR_COLOUR, strokeColor=None)
            )  # fmt: skip
        for x in sorted({round(e.anchor * 4) for e in self.events if e.point}):
            drawing.add(Circle(x / 4, axis_y, 2.6, fillColor=ACCENT, strokeColor=white, strokeWidth=0.6))
        return drawing

    def _label_left(self, event: _Event) -> float:
        return min(max(event.anchor - 2, 0.0), self.width - event.width)

    def _lane_y(self, lane: int) -> float:
        if lane >= 0:
            return self.axis_y + 7.0 + lane * LANE_HEIGHT
        return self.axis_y - TICK_ROOM - 2.0 - (-lane) * LANE_HEIGHT + 2.0

    def draw(self) -> None:
        renderPDF.draw(self._drawing(), self.canv, 0, 0)
        style = self.ctx.styles.strip_label
        for event in self.events:
            if event.lane is None:
                continue
            markup = f'<font name="{self.ctx.fonts.bold}">{event.short}</font>  {self.ctx.m(event.title)}'
            label = self.ctx.para(markup, style, event.title)
            label.wrap(event.width + 30, LANE_HEIGHT)
            left = self._label_left(event)
            self.canv.saveState()
            self.canv.setFillColor(white)
            self.canv.rect(left - 1, self._lane_y(event.lane) - 1, event.width + 1, LANE_HEIGHT - 2, stroke=0, fill=1)
            self.canv.restoreState()
            label.drawOn(self.canv, left, self._lane_y(event.lane) + 0.5)


def strip_note(strip: KeyEventStrip, undated: int, chronology: bool) -> str:
    """Plain-text note under the strip: what bars and dots mean, and what was left out."""
    parts: list[str] = []
    kinds = {e.point for e in strip.events}
    if kinds == {True, False}:
        parts.append("Dots mark events known to the day; bars span events known only to the month or year.")
    elif kinds == {False}:
        parts.append("Bars span events known only to the month or year.")
    if strip.compressed:
        parts.append("Quiet stretches of the axis are compressed.")
    where = " (all are listed in the Chronology)" if chronology else ""
    if strip.unlabelled:
        noun = "event" if strip.unlabelled == 1 else "events"
        shown = len(strip.events) - strip.unlabelled
        parts.append(
            f"Labels shown for {shown} key events, and {strip.unlabelled} more {noun} marked without a label{where}."
        )
    if undated:
        noun = "event has" if undated == 1 else "events have"
        parts.append(f"{undated} key {noun} no date and {'is' if undated == 1 else 'are'} not shown.")
    return " ".join(parts)
