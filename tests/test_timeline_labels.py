"""Where the timeline strip's labels go, and how its axis cuts out empty time: Qt-free units."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys

import pytest

from desktop.views.timeline_axis import BREAK_PX, TimeAxis
from desktop.views.timeline_labels import EDGE, GAP, LEADER_ROOM, SHARED, Placed, Want, place_labels

TITLE, CUT, DATE, NUMBER = 180.0, 90.0, 44.0, 14.0


def want(anchor: float) -> Want:
    return Want(anchor, (TITLE, CUT, DATE, NUMBER))


def check(wants: list[Want], placed: list[Placed | None], rows: int, width: float) -> None:
    """Each label spans its anchor, stays in the view, keeps apart from the rest in its row, and
    sits in front of no leader from a label above it."""
    for w, p in zip(wants, placed, strict=True):
        if p is not None:
            a = min(max(w.anchor, EDGE), width - EDGE)
            assert p.left <= a <= p.left + p.width
            assert p.left >= EDGE and p.left + p.width <= width - EDGE
            assert 0 <= p.row < rows and p.width == w.widths[p.choice]
    pairs = [(w, p) for w, p in zip(wants, placed, strict=True) if p is not None]
    for (wa, a), (wb, b) in itertools.combinations(pairs, 2):
        if a.row == b.row:
            assert a.left + a.width + GAP <= b.left or b.left + b.width + GAP <= a.left
        upper, lower, x = (a, b, wa.anchor) if a.row < b.row else (b, a, wb.anchor)
        other = wb.anchor if upper is a else wa.anchor
        if upper.row != lower.row and abs(x - other) > SHARED:
            assert not lower.left - LEADER_ROOM < x < lower.left + lower.width + LEADER_ROOM


def test_entries_far_apart_all_get_their_titles_in_the_top_row():
    wants = [want(x) for x in (100, 400, 700)]
    placed = place_labels(wants, 3, 1000)
    check(wants, placed, 3, 1000)
    assert [(p.choice, p.row) for p in placed] == [(0, 0)] * 3


def test_entries_at_one_date_stack_in_rows_on_one_leader():
    wants = [want(500)] * 3
    placed = place_labels(wants, 3, 1000)
    check(wants, placed, 3, 1000)
    assert sorted(p.row for p in placed) == [0, 1, 2]
    assert all(p.choice == 0 for p in placed)


def test_labels_stay_inside_both_edges():
    wants = [want(0), want(999)]
    placed = place_labels(wants, 2, 1000)
    check(wants, placed, 2, 1000)
    assert placed[0].left == EDGE and placed[1].left + placed[1].width == 1000 - EDGE


def test_crowding_shortens_titles_before_dates_and_dates_before_numbers():
    # Roomy: titles. Tighter: cut titles, then dates, then numbers; one step at a time.
    steps = []
    for width in (1000, 330, 170, 60):
        wants = [want(width * k / 4) for k in range(1, 4)]
        placed = place_labels(wants, 1, width)
        check(wants, placed, 1, width)
        assert all(p is not None for p in placed)
        steps.append(max(p.choice for p in placed))
    assert steps == sorted(steps) and steps[0] == 0 and steps[-1] == 3


def test_an_entry_with_room_keeps_its_title_while_a_crowded_one_is_cut():
    wants = [want(50), want(60), want(70), want(800)]
    placed = place_labels(wants, 2, 1000)
    check(wants, placed, 2, 1000)
    assert placed[3].choice == 0
    assert max(p.choice for p in placed[:3]) > 0


def test_key_events_are_widened_first():
    # Room for one title and one cut title: the key event gets the title, whichever it is.
    wants = [want(100), want(300)]
    assert [p.choice for p in place_labels(wants, 1, 400, key=[True, False])] == [0, 1]
    assert [p.choice for p in place_labels(wants, 1, 400, key=[False, True])] == [1, 0]


def test_the_selected_entry_goes_first_with_its_title_in_the_top_row():
    wants = [want(500 + k) for k in range(0, 40, 10)]
    placed = place_labels(wants, 4, 1000, first=2)
    check(wants, placed, 4, 1000)
    assert (placed[2].choice, placed[2].row) == (0, 0)


def test_too_many_for_the_rows_still_never_overlap():
    rnd = random.Random(3)
    for _ in range(60):
        width = rnd.uniform(200, 1200)
        wants = sorted((want(rnd.uniform(0, width)) for _ in range(rnd.randrange(1, 40))), key=lambda w: w.anchor)
        rows = rnd.randrange(1, 5)
        placed = place_labels(wants, rows, width)
        spans = [(p.row, p.left, p.left + p.width) for p in placed if p is not None]
        for (ra, la, xa), (rb, lb, xb) in itertools.combinations(spans, 2):
            assert ra != rb or xa <= lb or xb <= la
        assert all(left >= EDGE and right <= width - EDGE for _, left, right in spans)


def test_the_axis_cuts_out_a_long_empty_stretch_and_keeps_one_scale():
    # Two clusters of days a year apart, a month each.
    starts = [float(d) for d in (*range(1000, 1030, 3), *range(1400, 1430, 3))]
    axis = TimeAxis.for_entries(starts, [s + 1 for s in starts])
    ((gap_from, gap_to),) = axis.breaks()
    assert 1028 < gap_from < 1050 and 1380 < gap_to < 1400
    scale = 5.0
    # Linear within each segment, at the one scale; the break is BREAK_PX wide whatever the scale.
    for seg in axis.segments:
        assert axis.x(seg.last, scale) - axis.x(seg.first, scale) == pytest.approx((seg.last - seg.first) * scale)
    for scale in (1.0, 5.0, 80.0):
        assert axis.x(gap_to, scale) - axis.x(gap_from, scale) == pytest.approx(BREAK_PX)
    # Day to x and back, inside segments, inside the break and past either end.
    for day in (990.0, 1010.5, 1200.0, 1415.25, 1500.0):
        assert axis.day(axis.x(day, scale), scale) == pytest.approx(day)
    assert axis.width(axis.fit(1000)) == pytest.approx(1000)


def test_entries_spread_evenly_get_no_break():
    starts = [float(d) for d in range(0, 1000, 60)]
    axis = TimeAxis.for_entries(starts, [s + 30 for s in starts])
    assert axis.breaks() == [] and len(axis.segments) == 1


def test_labels_and_axis_need_no_qt():
    code = (
        "import sys; import desktop.views.timeline_labels, desktop.views.timeline_axis; "
        "assert not any(m.startswith('PySide6') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
