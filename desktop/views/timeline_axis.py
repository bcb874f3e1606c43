"""The timeline strip's time axis, free of Qt: linear in time, with long empty stretches cut out.

Where the entries leave a stretch with nothing in it longer than ``BREAK_SHARE`` of their
whole span, that stretch is cut out and drawn as a break ``BREAK_PX`` pixels wide. What is
left, the segments, all share one scale in pixels per day, so a distance means the same span
of time in every segment and the axis stays date-true wherever there are entries.

The breaks are kept at every zoom and stay ``BREAK_PX`` wide: Zoom In and Zoom Out change
only the pixels per day of the segments, and Fit is the scale at which the segments and their
breaks fill the view. A zoomed-in view scrolls from one segment to the next across a break
instead of across an empty year.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

BREAK_SHARE = 0.15  # an empty stretch longer than this share of the span is cut out
BREAK_PX = 24.0  # a break's width on screen, at every zoom
PAD_SHARE = 0.015  # time kept on each side of a break, as a share of the time kept in all
MARGIN_SHARE = 0.02  # time kept before the first entry; four times as much after the last


@dataclass(frozen=True)
class Segment:
    """Days shown linearly, from ``first`` to ``last``, starting ``offset`` days into the axis."""

    first: float
    last: float
    offset: float


class TimeAxis:
    """Maps days to x and back, at a scale in pixels per day, across segments and breaks.

    x counts pixels from the start of the first segment; a day inside a break maps into the
    break's width in proportion, so the mapping stays monotonic and invertible everywhere.
    """

    def __init__(self, spans: Sequence[tuple[float, float]]) -> None:
        segments, offset = [], 0.0
        for first, last in spans:
            segments.append(Segment(first, last, offset))
            offset += last - first
        self.segments: list[Segment] = segments
        self.days = offset  # the time kept, in days
        self._firsts = [s.first for s in segments]

    @classmethod
    def for_entries(cls, starts: Sequence[float], ends: Sequence[float]) -> TimeAxis:
        """The axis for entries with these starts and ends (both in start order)."""
        if not starts:
            return cls([(0.0, 1.0)])
        first, last, reach = starts[0], max(ends), ends[0]
        gaps: list[tuple[float, float]] = []
        for start, end in zip(starts, ends, strict=True):
            if start - reach > BREAK_SHARE * (last - first):
                gaps.append((reach, start))
            reach = max(reach, end)
        kept = last - first - sum(b - a for a, b in gaps)
        margin, pad = max(kept * MARGIN_SHARE, 0.5), kept * PAD_SHARE
        edges = [first - margin, *(x for a, b in gaps for x in (a + pad, b - pad)), last + 4 * margin]
        return cls(list(zip(edges[::2], edges[1::2], strict=True)))

    def breaks(self) -> list[tuple[float, float]]:
        """The stretches cut out, as (first day, last day)."""
        return [(a.last, b.first) for a, b in zip(self.segments, self.segments[1:], strict=False)]

    def width(self, scale: float) -> float:
        """The axis's width in pixels at ``scale`` pixels per day."""
        return self.days * scale + (len(self.segments) - 1) * BREAK_PX

    def fit(self, width: float) -> float:
        """The scale at which the whole axis is ``width`` pixels wide."""
        return (width - (len(self.segments) - 1) * BREAK_PX) / self.days

    def x(self, day: float, scale: float) -> float:
        """Pixels from the axis's start to ``day``."""
        k = max(bisect_right(self._firsts, day) - 1, 0)
        seg = self.segments[k]
        if day <= seg.last or k == len(self.segments) - 1:
            return (seg.offset + day - seg.first) * scale + k * BREAK_PX
        after = self.segments[k + 1]
        share = (day - seg.last) / (after.first - seg.last)
        return (after.offset * scale) + (k + share) * BREAK_PX

    def day(self, x: float, scale: float) -> float:
        """The day at ``x`` pixels from the axis's start (inside a break, in proportion)."""
        for k, seg in enumerate(self.segments):
            left = seg.offset * scale + k * BREAK_PX
            if k and x < left:
                before = self.segments[k - 1]
                share = max((x - left + BREAK_PX) / BREAK_PX, 0.0)
                return before.last + share * (seg.first - before.last)
            if x <= left + (seg.last - seg.first) * scale or k == len(self.segments) - 1:
                return seg.first + (x - left) / scale
        raise AssertionError("unreachable: the last segment takes every x past it")

    def pieces(self, first: float, last: float) -> list[tuple[float, float]]:
        """The parts of the segments between two days."""
        out = []
        for k, seg in enumerate(self.segments):
            lo = seg.first if k else -float("inf")  # the ends reach on past the margins
            hi = seg.last if k < len(self.segments) - 1 else float("inf")
            if lo < last and hi > first:
                out.append((max(lo, first), min(hi, last)))
        return out
