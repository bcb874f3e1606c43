"""Where the timeline strip's labels go, free of Qt: rows above the marks, none overlapping.

Each label hangs over its entry's marker on a vertical leader, so a label always spans its
anchor's x. Three rules keep the picture readable: labels in one row keep a gap apart, no
label sits in front of another label's leader (entries at one date share one leader, their
labels hanging off it one below another), and no label runs past either edge of the view.
An entry offers labels from longest to shortest (its title, the title cut shorter and
shorter, its date, its number). Every entry first gets the widest label all of them can have
at once under one limit on width; then entries are widened one at a time (key events first)
wherever that takes no room another label needs. When not even the shortest labels all fit,
an entry without one gets its shortest label wherever it misses the other labels, even in
front of a leader.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GAP = 6.0  # least room between two labels in a row
EDGE = 2.0  # least room between a label and the view's edge
LEADER_ROOM = 3.0  # least room between a leader and a label it passes
SHARED = 4.0  # leaders closer than this are drawn as one line
MAX_TRIALS = 60  # layouts tried while widening labels one at a time, to bound the work per view


@dataclass(frozen=True)
class Want:
    """An entry asking for a label: its anchor x and the widths of its labels, longest first."""

    anchor: float
    widths: tuple[float, ...]


@dataclass(frozen=True)
class Placed:
    """A label placed: which of the entry's labels, in which row, from which x."""

    choice: int
    row: int
    left: float
    width: float


def place_labels(
    wants: list[Want], rows: int, width: float, first: int | None = None, key: list[bool] | None = None
) -> list[Placed | None]:
    """Labels for entries in x order; ``first`` (the selected entry) goes first, longest, top row;
    ``key`` marks the entries whose labels are widened first.

    Returns one placement per entry, None where not even its shortest label fits.
    """
    if not wants:
        return []
    # The widest labels every entry can have at once: one limit on width for all, the widest
    # that still labels every entry (found by bisection over the widths on offer).
    limits = sorted({w for want in wants for w in want.widths})
    lo, hi = 0, len(limits) - 1
    placed, failed = _greedy(wants, _caps(wants, limits[0], first), rows, width, first)
    if failed is not None:
        return _squeeze_in(wants, placed, rows, width)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        caps = _caps(wants, limits[mid], first)
        trial, failed = _greedy(wants, caps, rows, width, first)
        # Every entry at the limit, none pushed to a shorter label by those before it.
        if failed is None and all(t.choice == c for t, c in zip(trial, caps, strict=True)):  # type: ignore[union-attr]
            lo, placed = mid, trial
        else:
            hi = mid - 1
    # Then widen one entry at a time, key events first, wherever no other label has to give way.
    order = sorted(range(len(wants)), key=lambda i: (not (key and key[i]), i))
    caps = [p.choice for p in placed]  # type: ignore[union-attr]
    trials = MAX_TRIALS
    for i in order:
        for choice in range(caps[i]):
            if trials == 0:
                return placed
            trials -= 1
            trial, failed = _greedy(wants, [*caps[:i], choice, *caps[i + 1 :]], rows, width, first)
            if failed is None and all(t.choice <= c for t, c in zip(trial, caps, strict=True)):  # type: ignore[union-attr]
                caps, placed = [t.choice for t in trial], trial  # type: ignore[union-attr]
                break
    return placed


def _caps(wants: list[Want], most: float, first: int | None) -> list[int]:
    """Each entry's widest label no wider than ``most`` (its shortest if none is), the selected
    entry's longest."""
    caps = [next((k for k, w in enumerate(want.widths) if w <= most), len(want.widths) - 1) for want in wants]
    if first is not None:
        caps[first] = 0
    return caps


def _squeeze_in(wants: list[Want], placed: list[Placed | None], rows: int, width: float) -> list[Placed | None]:
    """Shortest labels for the entries still without one, wherever they miss the other labels,
    even in front of a leader: an entry's label matters more than a clear leader."""
    spans: list[list[tuple[float, float, float]]] = [[] for _ in range(rows)]
    for want, p in zip(wants, placed, strict=True):
        if p is not None:
            spans[p.row].append((p.left, p.left + p.width, want.anchor))
    out = list(placed)
    for i, want in enumerate(wants):
        if out[i] is None:
            a, w = min(max(want.anchor, EDGE), width - EDGE), want.widths[-1]
            for row in range(rows - 1, -1, -1):  # nearest the marks first: the shortest leader
                left = _spot(a, w, a - w / 2, row, spans, [], width, strict=False)
                if left is not None:
                    out[i] = Placed(len(want.widths) - 1, row, left, w)
                    spans[row].append((left, left + w, a))
                    break
    return out


def _greedy(
    wants: list[Want], caps: list[int], rows: int, width: float, first: int | None
) -> tuple[list[Placed | None], int | None]:
    """Each entry in turn, its longest allowed label in the topmost row with room; the first
    entry left with no label, if any."""
    placed: list[Placed | None] = [None] * len(wants)
    spans: list[list[tuple[float, float, float]]] = [[] for _ in range(rows)]  # (left, right, leader x) per row
    leaders: list[tuple[float, int]] = []  # (x, row of its label) of every leader placed
    failed = None
    order = list(range(len(wants)))
    if first is not None:
        order.remove(first)
        order.insert(0, first)
    for i in order:
        want = wants[i]
        a = min(max(want.anchor, EDGE), width - EDGE)
        # The next entry at another date, to the right: a label too wide to end before it hangs
        # to the left of its leader instead, leaving that entry room.
        after = next((w.anchor for w in wants[i + 1 :] if w.anchor - want.anchor > SHARED), math.inf)
        for choice in range(caps[i], len(want.widths)):
            w = want.widths[choice]
            prefer = a if a + w + GAP < after else a - w
            spot = next(
                (
                    (row, left)
                    for row in range(rows)
                    if (left := _spot(a, w, prefer, row, spans, leaders, width)) is not None
                ),
                None,
            )
            if spot is not None:
                row, left = spot
                placed[i] = Placed(choice, row, left, w)
                spans[row].append((left, left + w, a))
                leaders.append((a, row))
                break
        else:
            if failed is None:
                failed = i
    return placed, failed


def _spot(
    a: float,
    w: float,
    prefer: float,
    row: int,
    spans: list[list[tuple[float, float, float]]],
    leaders: list[tuple[float, int]],
    width: float,
    *,
    strict: bool = True,
) -> float | None:
    """Left x nearest ``prefer`` for a label of width w spanning a in this row, or None."""
    lo, hi = max(a - w, EDGE), min(a, width - EDGE - w)
    if lo > hi:
        return None
    # This label's leader would pass in front of a label in a lower row.
    lower = (span for spans_below in spans[row + 1 :] for span in spans_below)
    if strict and any(left - LEADER_ROOM < a < right + LEADER_ROOM and abs(x - a) > SHARED for left, right, x in lower):
        return None
    # Lefts that are ruled out, as open intervals: overlaps in this row, and covering a leader
    # that comes down from a label above.
    banned = [(left - w - GAP, right + GAP) for left, right, _ in spans[row]]
    banned += [(x - w - LEADER_ROOM, x + LEADER_ROOM) for x, r in leaders if r < row and abs(x - a) > SHARED]
    candidates = [hi, lo, *(edge for interval in banned for edge in interval)]
    ok = [c for c in candidates if lo <= c <= hi and not any(b0 < c < b1 for b0, b1 in banned)]
    return min(ok, key=lambda c: abs(c - prefer)) if ok else None
