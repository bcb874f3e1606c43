"""What is where on the timeline strip: the entry whose label or marker is at a point (a click, a
tooltip), and the labels as laid out for the view as it is, worked out once and reused."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from .timeline_strip_labels import Label, lay_out_labels

if TYPE_CHECKING:
    from .timeline_view import TimelineView

HIT_SLOP = 4.0


def entry_at(view: TimelineView, x: float, y: float) -> int | None:
    """Index of the entry whose label or marker is at (x, y)."""
    labelled = next((i for i, rect, _, _ in label_layout(view) if rect.contains(x, y)), None)
    return labelled if labelled is not None else marker_at(view, x, y)


def marker_at(view: TimelineView, x: float, y: float) -> int | None:
    """Index of the entry whose marker is within HIT_SLOP of (x, y); the nearest lane, then the
    narrowest, wins a tie."""
    crowded, (_, top, pitch, _) = view._crowded(), view._rows()
    near, far = view._day_at(x - HIT_SLOP - 6), view._day_at(x + HIT_SLOP + 6)
    best: tuple[float, float, float, int] | None = None
    for track in view._key_rows if crowded else view._tracks[0] + view._tracks[1]:
        lo = bisect_right(track.reach, near)
        for j in range(lo, min(lo + 256, len(track.idx))):  # in a busy pixel any entry will do
            i = track.idx[j]
            if track.start[j] > far or abs(y - view._marker_y(i, crowded)) > pitch / 2 + 3 + HIT_SLOP:
                break  # (a track's entries share one y)
            x0, x1 = view._extent(i)
            off = max(abs(x - (x0 + x1) / 2) - max((x1 - x0) / 2, 1.5 if x1 > x0 else 4.0), 0.0)
            # Nearest wins, then the nearer lane (lanes are close when the labels take room).
            hit = (off, round(abs(y - view._marker_y(i, crowded))), x1 - x0, i)
            if off <= HIT_SLOP and (best is None or hit[:3] < best[:3]):
                best = hit
    if best is None and crowded and y > top + 12:  # on the histogram: an entry starting there
        j = bisect_left(view._starts, view._day_at(x - HIT_SLOP))
        if j < len(view._order) and view._x_of(view._starts[j]) <= x + HIT_SLOP:
            return view._order[j]
    return None if best is None else best[3]


def label_layout(view: TimelineView) -> list[Label]:
    """The labels for the view as it is, worked out once per view: painting, hovering and
    clicking all ask for them, and finding room for every label takes a few layouts."""
    t, size = view.viewportTransform(), view.viewport().size()
    key = (size.width(), size.height(), t.m11(), t.dx(), view._selected, view.font().key(), view._text_version)
    if view._labels is None or view._labels[0] != key:
        view._texts.use_font(view.font())
        view._labels = (key, lay_out_labels(view))
    return view._labels[1]
