"""Where the key-events strip puts things: numbered marks on the axis and labels beside them.

Pure geometry in points, so the rules can be read (and tested) apart from the drawing.
"""

from __future__ import annotations

from collections.abc import Sequence

from desktop.views.timeline_axis import TimeAxis

from .model import Record, parse_date

MAX_BREAKS = 2  # more cuts than this and a reader loses the thread of time
MAX_NUMBERED = 9  # single digits fit a mark, five labels a side fit the frame; more stop being a glance
MARK_RADIUS = 5.6
MARK_STEP = 2 * MARK_RADIUS + 1.5  # a mark that would touch the one before it stacks above it
LABEL_GAP = 8.0  # least room between two labels side by side
LABEL_MAX_WIDTH = 150.0


def numbered_key_events(timeline: Sequence[Record]) -> list[Record]:
    """The key events that get a number: those with a date, in the chronology's order."""
    return [t for t in timeline if t.get("key") is True and parse_date(t.get("date")) is not None]


def key_event_numbers(timeline: Sequence[Record]) -> dict[int, int]:
    """Each numbered key event's number (1, 2, 3 in date order), by the record's identity.

    Empty when there are too many key events to number: the strip then shows marks only.
    """
    events = numbered_key_events(timeline)
    if len(events) > MAX_NUMBERED:
        return {}
    return {id(record): n for n, record in enumerate(events, start=1)}


def axis_for(spans: Sequence[tuple[float, float]], as_of: float | None) -> TimeAxis:
    """The axis for events spanning these days, reaching the as-of day if there is one."""
    points = sorted([*spans, *([(as_of, as_of)] if as_of is not None else [])])
    axis = TimeAxis.for_entries([a for a, _ in points], [b for _, b in points])
    kept = [(seg.first, seg.last) for seg in axis.segments]
    if len(kept) - 1 <= MAX_BREAKS:
        return axis
    # On paper every break is one more thing to decode: keep only the longest cuts.
    cuts = sorted(range(len(kept) - 1), key=lambda k: kept[k + 1][0] - kept[k][1], reverse=True)[:MAX_BREAKS]
    merged: list[tuple[float, float]] = [kept[0]]
    for k in range(1, len(kept)):
        if k - 1 in cuts:
            merged.append(kept[k])
        else:
            merged[-1] = (merged[-1][0], kept[k][1])
    return TimeAxis(merged)


def stack_levels(xs: Sequence[float]) -> list[int]:
    """For marks at ``xs`` (ascending), the level each sits at: 0 on the axis, 1 above it, ..."""
    last_x: list[float] = []  # per level, the x of the latest mark there
    levels: list[int] = []
    for x in xs:
        level = next((k for k, prev in enumerate(last_x) if x - prev >= MARK_STEP), len(last_x))
        if level == len(last_x):
            last_x.append(x)
        else:
            last_x[level] = x
        levels.append(level)
    return levels


def label_width(count: int, width: float) -> float:
    """One label's width when ``count`` labels share a row ``width`` points wide."""
    return min(LABEL_MAX_WIDTH, (width - (count - 1) * LABEL_GAP) / max(count, 1))


def place_row(anchors: Sequence[float], widths: Sequence[float], width: float) -> list[float]:
    """Left edges for labels in one row, each as near as it can be to centring on its anchor.

    Labels keep their anchors' order, never overlap and stay within ``[0, width]``: pushed
    right past the label before, then pulled back left from the right edge if they run off it.
    """
    lefts: list[float] = []
    for anchor, w in zip(anchors, widths, strict=True):
        left = min(max(anchor - w / 2, 0.0), width - w)
        if lefts:
            left = max(left, lefts[-1] + widths[len(lefts) - 1] + LABEL_GAP)
        lefts.append(left)
    limit = width
    for k in range(len(lefts) - 1, -1, -1):
        lefts[k] = max(min(lefts[k], limit - widths[k]), 0.0)
        limit = lefts[k] - LABEL_GAP
    return lefts
