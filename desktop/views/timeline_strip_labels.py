"""The timeline strip's labels in its view: which entries get one, with what text, and how
labels and their leaders are drawn. ``timeline_labels`` finds room for them, free of Qt;
this reads the view's geometry (where each entry is, how many label rows there are)."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette

from .timeline_labels import Want, place_labels
from .timeline_paint import mix, pen

if TYPE_CHECKING:
    from .timeline_view import TimelineView

LABEL_ALL = 40  # with at most this many entries in view, every one gets a label
Label = tuple[int, QRectF, str, float]  # entry, rectangle, text, leader x
Role = QPalette.ColorRole


def lay_out_labels(view: TimelineView) -> list[Label]:
    """Every entry in view labelled while there are few, else the key events where they fit."""
    if not view._order:
        return []
    width = view.viewport().width()
    first, last = view._day_at(0), view._day_at(width)
    in_view = bisect_right(view._starts, last) - bisect_left(view._ends, first)
    if in_view > LABEL_ALL:
        return _key_labels(view)
    label_h, rows = view._rows()[3], view._label_rows()
    shown: list[int] = []
    for j in range(bisect_right(view._starts, last) - 1, -1, -1):  # latest first: few to look at
        if view._marks.end[i := view._order[j]] >= first:
            shown.append(i)
            if len(shown) == in_view:
                break
    shown.sort(key=lambda i: sum(view._extent(i)))  # labels are placed in the order of their anchors
    chosen = view._index.get(view._selected) if view._selected is not None else None
    texts: list[list[tuple[str, float]]] = []
    wants: list[Want] = []
    for i in shown:
        x0, x1 = view._extent(i)
        options = view._texts.options(i)
        texts.append(options)
        wants.append(Want((max(x0, 0) + min(x1, width)) / 2, tuple(w for _, w in options)))
    key = [bool(view._marks.key[i]) for i in shown]
    placed = place_labels(wants, rows, width, shown.index(chosen) if chosen in shown else None, key)
    return [
        (i, QRectF(p.left, 3 + p.row * label_h, p.width, label_h - 2), texts[k][p.choice][0], want.anchor)
        for k, (i, p, want) in enumerate(zip(shown, placed, wants, strict=True))
        if p is not None
    ]


def _key_labels(view: TimelineView) -> list[Label]:
    """Titles of key events, left to right, wherever one fits without overlap.

    The selected entry's label goes first so it always shows. Skipping with bisect past
    where no label can start keeps the work proportional to the labels drawn.
    """
    width, label_h = view.viewport().width(), view._rows()[3]
    n_rows = view._label_rows()
    first, last = view._day_at(-8), view._day_at(width + 8)
    chosen = view._index.get(view._selected) if view._selected is not None else None
    rows: list[list[tuple[float, float]]] = [[] for _ in range(n_rows)]  # labels placed
    rights = [-math.inf] * n_rows  # the right end of each row's rightmost label
    out: list[Label] = []

    def free(row: int, x0: float, x1: float) -> bool:
        # The labels that could overlap are the latest placed: look at those first.
        return all(x1 + 6 < left or x0 > right + 6 for left, right in reversed(rows[row]))

    def place(i: int, label: str, w: float, selected: bool = False) -> bool:
        x0, x1 = view._extent(i)
        anchor = round(min(max(x0 if x1 > x0 else x1, 2.0), width - 2.0)) + 0.5
        left = max(min(anchor - 0.5, width - w - 2), 2.0)
        row = 0 if selected else next((r for r in range(n_rows) if free(r, left, left + w)), None)
        if row is None or len(label) < 4:
            return False
        rows[row].append((left, left + w))
        rights[row] = max(rights[row], left + w)
        out.append((i, QRectF(left, 3 + row * label_h, w, label_h - 2), label, anchor))
        return True

    if chosen is not None and view._extent(chosen)[1] >= 0 and view._extent(chosen)[0] <= width:
        place(chosen, *view._texts.elided(view._texts.title(chosen) or view._texts.date_text(chosen)), selected=True)
    # Near the right edge labels are pushed left to stay in view, so they all start at
    # ``width - w - 2``: once one of width w has no room there, no wider one has either.
    no_room_from = math.inf
    keys = view._keys
    j = bisect_right(keys.reach, first)
    while j < len(keys.idx) and keys.start[j] <= last:
        i, x = keys.idx[j], max(view._x_of(keys.start[j]), 2.0)
        if i != chosen and any(free(row, x, x) for row in range(n_rows)):  # else skip measuring
            label, w = view._texts.elided(view._marks.titles.get(view._marks.rowids[i], ""))
            pushed = x > width - w - 2.5
            if not (pushed and w >= no_room_from) and not place(i, label, w) and pushed:
                no_room_from = w
        edge = min(rights)
        j = max(j + 1, bisect_right(keys.start, view._day_at(edge + 6), j + 1))
    return out


def paint_labels(view: TimelineView, p: QPainter, labels: list[Label], crowded: bool) -> None:
    """Leaders first, then the labels over them: key events' in the accent colour, the
    selected entry's filled, the rest in greys."""
    pal = view.palette()
    text, base, accent = pal.color(Role.Text), pal.color(Role.Base), pal.color(Role.Accent)
    chosen = view._index.get(view._selected) if view._selected is not None else None

    def ink(i: int) -> QColor:
        if i == chosen:
            return pal.color(Role.Highlight)
        return accent if view._marks.key[i] else mix(text, base, 0.4)

    for i, rect, _, anchor in labels:
        x = round(anchor) + 0.5
        p.setPen(pen(ink(i), 1))
        p.drawLine(QPointF(x, rect.bottom()), QPointF(x, view._marker_y(i, crowded)))
    for i, rect, label, _ in labels:
        p.setPen(pen(ink(i), 1))
        p.setBrush(ink(i) if i == chosen else base)
        p.drawRoundedRect(rect, 3, 3)
        if i == chosen:
            p.setPen(pal.color(Role.HighlightedText))
        else:
            p.setPen(text if view._marks.key[i] else mix(text, base, 0.75))
        p.drawText(rect.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter, label)
