"""The timeline strip's geometry, free of Qt: entries in lanes, and the axis's ticks and labels.

Ticks fall on calendar boundaries (whole years, quarters, months, Mondays, days, hours) at
the finest step whose labels all fit between their ticks, in each piece of time the axis
shows (``timeline_axis`` cuts long empty stretches out; no tick falls in a break).
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import operator
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from db.dates import MONTHS

if TYPE_CHECKING:
    from ..session import TimelineMarks  # only a type here: the layout stays free of Qt

# Tick steps, finest first: (unit, count, minor step).
STEPS: tuple[tuple[str, int, tuple[str, int] | None], ...] = (
    ("hour", 1, None), ("hour", 3, ("hour", 1)), ("hour", 6, ("hour", 1)), ("hour", 12, ("hour", 3)),
    ("day", 1, ("hour", 6)), ("day", 2, ("day", 1)), ("day", 7, ("day", 1)), ("month", 1, ("day", 1)),
    ("month", 3, ("month", 1)), ("month", 6, ("month", 1)), ("year", 1, ("month", 1)),
    ("year", 2, ("year", 1)), ("year", 5, ("year", 1)), ("year", 10, ("year", 1)), ("year", 20, ("year", 5)),
    ("year", 50, ("year", 10)), ("year", 100, ("year", 10)), ("year", 500, ("year", 100)),
    ("year", 1000, ("year", 100)),
)  # fmt: skip
UNIT_DAYS = {"hour": 1 / 24, "day": 1.0, "month": 30.44, "year": 365.25}
SHORTEST_DAYS = {"hour": 1 / 24, "day": 1.0, "month": 28.0, "year": 365.0}  # a step's shortest length
TICK_LABEL_GAP = 10.0  # least room between one tick's label and the next tick


class Track:
    """Entries of one kind (spans or shorter marks) in one lane, in start order.

    ``reach`` is the running maximum of their ends: it never decreases, so ``bisect`` finds the
    first entry still in view even where entries overlap (when lanes overflow).
    """

    def __init__(self) -> None:
        self.idx, self.start, self.reach = array("q"), array("d"), array("d")

    def add(self, i: int, start: float, end: float) -> None:
        self.idx.append(i)
        self.start.append(start)
        self.reach.append(max(end, self.reach[-1]) if self.reach else end)

    def walk(self, first: float, last: float, day_per_px: float) -> Iterator[int]:
        """Indices (into the marks) of entries in [first, last], at most one per pixel column."""
        reach, start, idx, n = self.reach, self.start, self.idx, len(self.idx)
        j = bisect_right(reach, first)
        while j < n and start[j] <= last:
            yield idx[j]
            # Skip what ends within this mark or the next pixel: it would only draw over it.
            j = bisect_right(reach, max(reach[j], start[j] + day_per_px), j + 1)


def lane_depth(marks: TimelineMarks, group: list[int], pad: float) -> int:
    """Most entries of a group (in start order, each at least ``pad`` long) at once: the lanes it needs."""
    ends = sorted(max(marks.end[i], marks.start[i] + pad) for i in group)
    ended = map(partial(bisect_right, ends), (marks.start[i] for i in group))
    return max(map(operator.sub, range(1, len(group) + 1), ended), default=0)


def pack_lanes(marks: TimelineMarks, group: list[int], pad: float, lanes: int, out: array[int], first: int) -> None:
    """Greedy lanes in start order; with every lane busy, share the one that frees soonest."""
    busy: list[tuple[float, int]] = []  # (end, lane) of the last entry put in each busy lane
    free = list(range(lanes))
    for i in group:
        s = marks.start[i]
        while busy and busy[0][0] <= s:
            heapq.heappush(free, heapq.heappop(busy)[1])
        lane = heapq.heappop(free) if free else heapq.heappop(busy)[1]
        heapq.heappush(busy, (max(marks.end[i], s + pad), lane))
        out[i] = first + lane


def ticks(unit: str, count: int, first: float, last: float) -> Iterator[float]:
    """Day numbers of the ticks of one step between two days."""
    first, last = max(first, 1.0), min(last, float(dt.date(9999, 12, 31).toordinal()))
    if unit in ("hour", "day"):
        per_day = 24 if unit == "hour" else 1
        # Days count from ordinal 1, a Monday, so weekly ticks fall on Mondays.
        tick = math.floor((first - 1) * per_day / count) * count + per_day
        while tick <= last * per_day:
            yield tick / per_day
            tick += count
        return
    d = dt.date.fromordinal(int(first))
    months = 12 * count if unit == "year" else count
    month = (d.year * 12 + d.month - 1) // months * months
    while 12 <= month < 12 * 10000 and (tick := dt.date(month // 12, month % 12 + 1, 1).toordinal()) <= last:
        yield float(tick)
        month += months


def tick_label(unit: str, day: float, before: float | None = None) -> str:
    """A tick's label, naming the larger units only where they change since the tick ``before``
    (None: the first tick in view or after a break, which names the year too): "Jan 2026",
    "Apr", ...; "Jun 1, 2026", "8", "Jul 6"."""
    d = dt.date.fromordinal(int(day))
    p = dt.date.fromordinal(int(before)) if before is not None else None
    month = MONTHS[d.month - 1][:3]
    if unit == "year":
        return str(d.year)
    if unit == "month":
        return f"{month} {d.year}" if p is None or p.year != d.year else month
    hour = round((day - int(day)) * 24)
    if unit == "hour" and hour:
        text = f"{hour % 12 or 12} {'a.m.' if hour < 12 else 'p.m.'}"
        return f"{month} {d.day}, {d.year}, {text}" if p is None else text
    if p is None or p.year != d.year:
        return f"{month} {d.day}, {d.year}"
    return f"{month} {d.day}" if p.month != d.month else str(d.day)


def axis_ticks(
    pieces: list[tuple[float, float]],
    x_of: Callable[[float], float],
    measure: Callable[[str], float],
    width: float,
    scale: float,
    walls: list[float],
) -> tuple[tuple[str, int, tuple[str, int] | None], list[tuple[float, float, str]]]:
    """The finest step whose labels each fit before the next tick, and its ticks in view as
    (day, x, label), over ``pieces`` of time drawn at ``scale`` pixels per day.

    Ticks stay inside their piece (a break has none), the first label of each piece names the
    year, and a label that would run into a wall (a break, the right edge) is left empty.
    """
    total = sum(last - first for first, last in pieces)
    walls = sorted([*walls, width])
    for step in STEPS:
        unit, count, _ = step
        if total / (UNIT_DAYS[unit] * count) > width / 12:
            continue  # ticks closer than the narrowest label: not worth measuring
        found: list[tuple[float, float, str, float]] = []
        apart = True
        for first, last in pieces:
            days = [d for d in ticks(unit, count, first, last) if d >= first and x_of(d) >= 0]
            labels = [tick_label(unit, d, days[k - 1] if k else None) for k, d in enumerate(days)]
            piece = [(d, x_of(d), label, measure(label)) for d, label in zip(days, labels, strict=True)]
            apart = apart and all(b[1] - a[1] >= a[3] + TICK_LABEL_GAP for a, b in itertools.pairwise(piece))
            found += piece
        # With one tick or none in view, the step's shortest length must hold its widest label.
        room = SHORTEST_DAYS[unit] * count * scale
        if apart and (len(found) > 1 or room >= max((w for *_, w in found), default=0) + TICK_LABEL_GAP):
            shown = []
            for day, x, label, w in found:
                wall = walls[bisect_right(walls, x)] if x < walls[-1] else x
                shown.append((day, x, label if x + 3 + w <= wall - 2 else ""))
            return step, shown
    return STEPS[-1], []
