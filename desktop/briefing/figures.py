"""The "Key events at a glance" strip: key events on a true time axis, numbered as in the chronology.

The axis is linear in time; a long quiet stretch is cut out and drawn as a break (the same
axis as the app's timeline strip), so every distance within a segment is the same span of
time. Each key event is a numbered mark (a bar behind it spans an event known only to the
month or year); its label, starting with the same number, sits above or below the axis as
near its mark as the labels beside it allow, wrapped whole. The chronology prints the same
number in the event's row. Labels are paragraphs so they get the same escaping, font
fallback and shaping as all other user text.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
from reportlab.lib.colors import Color, white
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from db.dates import MONTHS
from desktop.views.timeline_axis import TimeAxis
from desktop.views.timeline_layout import axis_ticks

from .context import Ctx
from .model import Record, parse_date, text_of
from .strip_layout import MARK_RADIUS, MARK_STEP, axis_for, key_event_numbers, label_width, place_row, stack_levels
from .styles import ACCENT, INK, MUTED, RULE, Para
from .text import one_line

TEXT_SIZE = 8.0  # labels and tick labels: nothing in the strip prints under 7.5 pt
LABEL_MAX_CHARS = 160  # a strip label longer than this is a paragraph, not a title
NUMBER_SIZE = 7.5
TICK_BAND = 15.0  # room under the axis for the tick labels
PAD = 4.0  # room between the frame's edge and the axis's ends
BAR_COLOUR = Color(0.18, 0.37, 0.56, alpha=0.35)


@dataclass
class _Event:
    start: float
    end: float
    point: bool
    short: str
    title: str
    number: int = 0
    x: float = 0.0
    level: int = 0
    para: Para | None = None
    label_left: float = 0.0
    label_height: float = 0.0
    above: bool = True


def _short_date(value: object) -> str:
    date = parse_date(value)
    if date is None:
        return ""
    if not date.exact:
        return date.display()  # "c. 2024", "Q3 2025", "June 2–5, 2026" are short already
    if date.precision == "year":
        return str(date.year)
    assert date.month is not None
    month = MONTHS[date.month - 1][:3]
    if date.precision == "month":
        return f"{month} {date.year}"
    return f"{month} {date.day}, {date.year}"


def _label_title(title: str) -> str:
    """A key event's title as its label prints it: whole, unless it is longer than any headline
    (a pasted paragraph), which is cut at a word with "…"; the chronology prints it in full."""
    if len(title) <= LABEL_MAX_CHARS:
        return title
    cut = title[:LABEL_MAX_CHARS]
    at_word = cut.rsplit(" ", 1)[0]
    return (at_word if len(at_word) >= LABEL_MAX_CHARS // 2 else cut).rstrip(" ,;:") + "…"


class KeyEventStrip(Flowable):  # type: ignore[misc]
    """A drawn timeline of key events, as wide as the frame."""

    def __init__(self, ctx: Ctx, events: list[Record]) -> None:
        super().__init__()
        self.ctx = ctx
        self.font, self.bold = ctx.fonts.regular, ctx.fonts.bold
        self.label_style = ParagraphStyle(
            "strip_event", parent=ctx.styles.strip_label, fontSize=TEXT_SIZE, leading=TEXT_SIZE * 1.2
        )
        numbers = key_event_numbers(ctx.data.timeline)
        self.events: list[_Event] = []
        for record in events:
            date = parse_date(record.get("date"))
            if date is None:
                continue
            start, end = date.span_days()
            title = _label_title(one_line(text_of(record, "title")))
            point = date.precision in ("day", "time")
            number = numbers.get(id(record), 0)
            self.events.append(_Event(start, end, point, _short_date(record.get("date")), title, number))
        self.events.sort(key=lambda e: (e.start, e.end, e.number))
        as_of = parse_date(ctx.data.case.get("as_of"))
        self.as_of = as_of.span_days()[0] if as_of is not None else None
        self.as_of_text = f"As of {_short_date(ctx.data.case.get('as_of'))}"
        self.axis: TimeAxis = axis_for([(e.start, e.end) for e in self.events], self.as_of)
        self.compressed = bool(self.axis.breaks())
        self.numbered = bool(self.events) and all(e.number for e in self.events)
        self.unlabelled = 0 if self.numbered else len(self.events)

    # Geometry ------------------------------------------------------------------------------

    def _x(self, day: float) -> float:
        return PAD + self.axis.x(day, self.scale)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self._layout(availWidth)
        return self.width, self.height

    def _layout(self, width: float) -> None:
        self.scale = self.axis.fit(width - 2 * PAD)
        for event in self.events:
            event.x = self._x((event.start + event.end) / 2 if not event.point else event.start)
        for event, level in zip(self.events, stack_levels([e.x for e in self.events]), strict=True):
            event.level = level
        levels = max((e.level for e in self.events), default=0) if self.numbered else 0
        below_height = above_height = 0.0
        if self.numbered:
            above, below = self.events[0::2], self.events[1::2]
            for row, is_above in ((above, True), (below, False)):
                w = label_width(len(row), width)
                lefts = place_row([e.x for e in row], [w] * len(row), width)
                for event, left in zip(row, lefts, strict=True):
                    markup = f'<font name="{self.bold}">{event.short}</font>  {self.ctx.m(event.title)}'
                    event.para = self.ctx.para(markup, self.label_style, event.title)
                    _, h = event.para.wrap(w - 2 * MARK_RADIUS - 4, 1e6)
                    event.label_left, event.label_height, event.above = left, max(h, 2 * MARK_RADIUS), is_above
                height = max((e.label_height for e in row), default=0.0)
                if is_above:
                    above_height = height
                else:
                    below_height = height
        self.axis_y = 4.0 + below_height + (6.0 if below_height else 0.0) + TICK_BAND + 2.0
        self.marks_top = self.axis_y + (MARK_RADIUS + levels * MARK_STEP if self.numbered else 4.0)
        self.above_y = self.marks_top + 7.0  # where labels above the axis start
        self.height = self.above_y + above_height + 2.0

    # Drawing -------------------------------------------------------------------------------

    def _axis(self, drawing: Drawing) -> None:
        y = self.axis_y
        walls: list[float] = []
        for k, segment in enumerate(self.axis.segments):
            x0 = self._x(segment.first) if k else 0.0
            x1 = self._x(segment.last) if k < len(self.axis.segments) - 1 else self.width
            drawing.add(Line(x0 + (2 if k else 0), y, x1 - (2 if x1 < self.width else 0), y, strokeColor=RULE,
                             strokeWidth=1))  # fmt: skip
        for first, last in self.axis.breaks():
            a, b = self._x(first), self._x(last)
            walls += [a, b]
            middle = (a + b) / 2
            for dx in (-2.2, 2.2):  # a double slash: time is cut out here
                drawing.add(Line(middle + dx - 2, y - 4.5, middle + dx + 2, y + 4.5, strokeColor=MUTED,
                                 strokeWidth=0.9))  # fmt: skip
        self._ticks(drawing, walls)

    def _ticks(self, drawing: Drawing, walls: list[float]) -> None:
        segments = self.axis.segments
        pieces = self.axis.pieces(segments[0].first, segments[-1].last)

        def measure(text: str) -> float:
            return float(stringWidth(text, self.font, TEXT_SIZE))

        # Labels start at their tick; one that would run into a break or the edge is left off.
        _, ticks = axis_ticks(pieces, self._x, measure, self.width, self.scale, walls[0::2])
        taken = [self._as_of_box()]  # the as-of label has the tick row's right of way
        baseline = self.axis_y - TICK_BAND + 2.5
        for _, x, label in ticks:
            drawing.add(Line(x, self.axis_y - 3, x, self.axis_y, strokeColor=RULE, strokeWidth=0.6))
            box = (x, x + 2 + measure(label))
            if not label or any(box[0] < b and a < box[1] for a, b in taken):
                continue
            drawing.add(String(x + 2, baseline, label, fontName=self.font, fontSize=TEXT_SIZE, fillColor=MUTED))

    def _as_of_box(self) -> tuple[float, float]:
        if self.as_of is None:
            return (0.0, 0.0)
        x = self._x(self.as_of)
        w = stringWidth(self.as_of_text, self.bold, TEXT_SIZE)
        left = x + 4 if x + 4 + w <= self.width else x - 4 - w
        return (left - 2, left + w + 2)

    def _as_of(self, drawing: Drawing) -> None:
        if self.as_of is None:
            return
        x = self._x(self.as_of)
        top = self.marks_top if self.numbered else self.axis_y + 6
        drawing.add(Line(x, self.axis_y - TICK_BAND + 1, x, top, strokeColor=INK, strokeWidth=0.7,
                         strokeDashArray=[2, 1.5]))  # fmt: skip
        left = self._as_of_box()[0] + 2
        drawing.add(String(left, self.axis_y - TICK_BAND + 2.5, self.as_of_text, fontName=self.bold,
                           fontSize=TEXT_SIZE, fillColor=INK))  # fmt: skip

    def _marks(self, drawing: Drawing) -> None:
        y = self.axis_y
        # Marks closer than a quarter point look the same: draw each once (thousands of events).
        bars = {(round(self._x(e.start) * 4), round(self._x(e.end) * 4)) for e in self.events if not e.point}
        for x0, x1 in sorted(bars):
            drawing.add(Rect(x0 / 4, y - 3, max((x1 - x0) / 4, 3.0), 6, rx=1.5, ry=1.5, fillColor=BAR_COLOUR,
                             strokeColor=None))  # fmt: skip
        if not self.numbered:
            for x in sorted({round(e.x * 4) for e in self.events if e.point}):
                drawing.add(Circle(x / 4, y, 2.6, fillColor=ACCENT, strokeColor=white, strokeWidth=0.6))
            return
        for event in self.events:
            cy = y + event.level * MARK_STEP
            if event.level:
                drawing.add(Line(event.x, y, event.x, cy, strokeColor=ACCENT, strokeWidth=0.6))
            self._disc(drawing, event.x, cy, event.number)

    def _disc(self, drawing: Drawing, x: float, y: float, number: int) -> None:
        drawing.add(Circle(x, y, MARK_RADIUS, fillColor=ACCENT, strokeColor=white, strokeWidth=0.8))
        drawing.add(String(x, y - NUMBER_SIZE * 0.36, str(number), fontName=self.bold, fontSize=NUMBER_SIZE,
                           fillColor=white,
                           textAnchor="middle"))  # fmt: skip

    def _label_top(self, event: _Event) -> float:
        if event.above:
            return self.above_y + event.label_height
        return self.axis_y - TICK_BAND - 6.0

    def _drawing(self) -> Drawing:
        drawing = Drawing(self.width, self.height)
        # The renderer starts from these (default Helvetica, which would not be embedded).
        drawing.initialFontName = self.font
        drawing.initialFontSize = TEXT_SIZE
        self._axis(drawing)
        self._as_of(drawing)
        self._marks(drawing)
        for event in self.events:
            if event.para is not None:
                top = self._label_top(event)
                self._disc(drawing, event.label_left + MARK_RADIUS, top - MARK_RADIUS - 0.5, event.number)
        return drawing

    def draw(self) -> None:
        renderPDF.draw(self._drawing(), self.canv, 0, 0)
        for event in self.events:
            if event.para is None:
                continue
            top = self._label_top(event)
            h = event.para.height if hasattr(event.para, "height") else event.label_height
            event.para.drawOn(self.canv, event.label_left + 2 * MARK_RADIUS + 4, top - h)


def strip_note(strip: KeyEventStrip, undated: int, chronology: bool) -> str:
    """Plain-text note under the strip: how to read it, and what was left out."""
    parts: list[str] = []
    where = " in the Chronology" if chronology else ""
    if strip.numbered:
        parts.append(f"Numbers match the key events{where}.")
    else:
        listed = " (all are listed in the Chronology)" if chronology else ""
        parts.append(f"Too many key events to label: {len(strip.events)} are marked{listed}.")
    if any(not e.point for e in strip.events):
        parts.append("Bars span events known only to the month or year.")
    if strip.compressed:
        parts.append("The axis is to scale except at //, where a quiet stretch is cut out.")
    if undated:
        noun = "event has" if undated == 1 else "events have"
        parts.append(f"{undated} key {noun} no date and {'is' if undated == 1 else 'are'} not shown.")
    return " ".join(parts)
