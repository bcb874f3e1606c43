"""Drawing the timeline strip in viewport pixels: marks merged into runs, diamonds, the
histogram of a crowded view, and the axis with its ticks and breaks. The view works out what
goes where; these draw it, in colours mixed from the palette so light and dark both work."""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterator

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QLinearGradient, QPainter, QPen, QPolygonF

BREAK_INSET = 7.0  # where a break's slashes cross the axis, in from its ends

# Shapes to draw: rectangles of lone spans, crowded spans and days; points; the points' radius;
# spans whose dates are approximate or uncertain, drawn with soft ends.
Shapes = tuple[list[QRectF], list[QRectF], list[QRectF], list[QPointF], float, list[QRectF]]
SOFT_END = 14.0  # pixels over which an approximate span fades in and out
Walks = list[tuple[Iterator[int], float]]  # entries to draw, each group on one y


def shapes(
    tracks: Walks,
    x_of: Callable[[float], float],
    start: array[float],
    end: array[float],
    bar_h: float,
    r: float,
    least: float,
    soft: Callable[[int], bool] | None = None,
) -> Shapes:
    """Rectangles and diamond centres (of radius r; 0 draws points as ticks) for entries.

    Marks that touch in one track merge into one rectangle, so a busy lane costs a
    rectangle per run, not per entry; no mark is narrower than ``least`` pixels. A span
    ``soft`` picks (an approximate date) keeps a rectangle of its own, to fade at its ends.
    """
    half = bar_h / 2
    lone: list[QRectF] = []
    crowd: list[QRectF] = []
    days: list[QRectF] = []
    points: list[QPointF] = []
    faded: list[QRectF] = []
    for entries, y in tracks:
        runs: list[list[float]] = []  # x0, x1, entries, is a span
        for i in entries:
            x0, x1 = x_of(start[i]), x_of(end[i])
            if x0 == x1 and r:
                points.append(QPointF(x0, y))
                continue
            if x1 - x0 < least:  # keep a day visible when zoomed far out
                x0, x1 = (x0 + x1 - least) / 2, (x0 + x1 + least) / 2
            elif x1 - x0 > 5:  # a pixel of air between neighbouring days
                x1 -= 1
            if soft is not None and x1 - x0 > 3 * SOFT_END / 2 and soft(i):
                faded.append(QRectF(x0, y - half, x1 - x0, bar_h))
                continue
            if runs and x0 <= runs[-1][1] + 0.5:
                runs[-1][1:3] = [max(runs[-1][1], x1), runs[-1][2] + 1]
            else:
                runs.append([x0, x1, 1, end[i] - start[i] > 1.5])
        for x0, x1, count, span in runs:
            rect = QRectF(x0, y - half, x1 - x0, bar_h)
            (days if not span else lone if count == 1 else crowd).append(rect)
    return lone, crowd, days, points, r, faded


def draw(p: QPainter, shapes: Shapes, fill: QColor, tint: QColor, edge: QPen | None = None) -> None:
    """Spans light (a lone one outlined so its ends show), days solid, points as diamonds."""
    lone, crowd, days, points, r, faded = shapes
    for rects, outline, brush in ((lone, pen(fill, 1), tint), (crowd, None, tint), (days, None, fill)):
        if rects:
            p.setPen(edge or outline or Qt.PenStyle.NoPen)
            p.setBrush(brush)
            p.drawRects(rects)
    for rect in faded:  # drawn as a lone span, its outline and fill fading at both ends
        outline = QPen(edge) if edge is not None else pen(fill, 1)
        outline.setBrush(soft_brush(rect, outline.color()))
        p.setPen(outline)
        p.setBrush(soft_brush(rect, tint))
        p.drawRect(rect)
    if points and edge:
        p.setBrush(fill)
        p.drawPolygon(QPolygonF([points[0] + QPointF(dx, dy) for dx, dy in ((-r, 0), (0, -r), (r, 0), (0, r))]))
    elif points:  # every diamond in one call: square points of a thick pen, turned 45 degrees
        p.save()
        p.rotate(45)
        p.setPen(QPen(fill, r * math.sqrt(2), Qt.PenStyle.SolidLine, Qt.PenCapStyle.SquareCap))
        c = math.sqrt(0.5)
        p.drawPoints(QPolygonF([QPointF((q.x() + q.y()) * c, (q.y() - q.x()) * c) for q in points]))
        p.restore()


def soft_brush(rect: QRectF, colour: QColor) -> QLinearGradient:
    """A fill that fades in over the first ``SOFT_END`` pixels of a span and out over the last,
    as "c. 2024" has no sharp first or last day."""
    gradient = QLinearGradient(rect.left(), 0, rect.right(), 0)
    clear = QColor(colour)
    clear.setAlphaF(0.0)
    edge = min(SOFT_END / max(rect.width(), 1.0), 0.5)
    gradient.setColorAt(0.0, clear)
    gradient.setColorAt(edge, colour)
    gradient.setColorAt(1.0 - edge, colour)
    gradient.setColorAt(1.0, clear)
    return gradient


def paint_histogram(p: QPainter, counts: list[int], top: float, bottom: float, ink: QColor) -> None:
    """How many entries are under way in each 3-pixel column, as bars on a square-root scale."""
    unit = (bottom - top) / math.sqrt(max(max(counts, default=1), 1))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(ink)
    p.drawRects([QRectF(k * 3, bottom, 3, -max(math.sqrt(n) * unit, 1.5)) for k, n in enumerate(counts) if n])


def paint_axis(
    p: QPainter,
    width: int,
    axis_y: float,
    shown: list[tuple[float, float, str]],
    minor: list[float],
    breaks: list[tuple[float, float]],
    ink: QColor,
    grid: QColor,
) -> None:
    """Baseline broken at the breaks, minor ticks, labelled ticks with faint grid lines above."""
    fm = QFontMetricsF(p.font())
    edges = [0.0, *(x for x0, x1 in breaks for x in (x0 + BREAK_INSET, x1 - BREAK_INSET)), float(width)]
    tick_lines = [QLineF(a, axis_y + 0.5, b, axis_y + 0.5) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    tick_lines += [QLineF(x, axis_y, x, axis_y + 3) for x in (round(x) + 0.5 for x in minor)]
    grid_lines = []
    p.setPen(ink)
    for _, x, label in shown:
        x = round(x) + 0.5
        grid_lines.append(QLineF(x, 3, x, axis_y))
        tick_lines.append(QLineF(x, axis_y, x, axis_y + 6))
        if label:
            p.drawText(QPointF(x + 3, axis_y + 3 + fm.ascent()), label)
    for lines, colour in ((grid_lines, grid), (tick_lines, ink)):
        if lines:
            p.setPen(pen(colour, 1))
            p.drawLines(lines)
    for x0, x1 in breaks:
        paint_break(p, x0, x1, axis_y, ink, mix(ink, grid, 0.45))


def paint_break(p: QPainter, x0: float, x1: float, axis_y: float, ink: QColor, edge: QColor) -> None:
    """A break: the strip torn top to bottom along two zigzags, and a double slash on the axis."""
    for x in (x0 + BREAK_INSET, x1 - BREAK_INSET):
        zigzag = [QPointF(x + (1.5 if k % 2 else -1.5), y) for k, y in enumerate(range(3, round(axis_y) - 5, 4))]
        p.setPen(pen(edge, 1))
        p.drawPolyline(QPolygonF(zigzag))
        p.setPen(pen(ink, 1.2))
        p.drawLine(QPointF(x - 2.5, axis_y + 5), QPointF(x + 2.5, axis_y - 4))


def mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``amount`` of a over b, so tints follow light and dark palettes."""
    pairs = zip((a.redF(), a.greenF(), a.blueF()), (b.redF(), b.greenF(), b.blueF()), strict=True)
    return QColor.fromRgbF(*(x * amount + y * (1 - amount) for x, y in pairs))


def pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCosmetic(True)
    return pen
