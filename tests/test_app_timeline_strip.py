"""The Timeline page's strip on the sample case: every entry labelled, a date-true axis, zoom buttons."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from PySide6.QtCore import QEvent, QPoint, QRectF, Qt
from PySide6.QtGui import QHelpEvent, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolButton, QToolTip

from db.fields import Kind
from desktop.views.timeline_view import TimelineView
from tests.gui_helpers import open_window


@pytest.fixture
def page(qtbot, sample_path):
    """The sample case's Timeline page in a 1280×800 window, the strip's data loaded."""
    window = open_window(qtbot, sample_path)
    window.resize(1280, 800)
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    strip = page.timeline
    qtbot.waitUntil(lambda: strip.isVisible() and strip.viewport().width() > 1000, timeout=60000)
    qtbot.waitUntil(lambda: all(strip.marker_position(r) is not None for r in rowids(page)), timeout=60000)
    return page


def rowids(page) -> list[int]:
    return [page.model.rowid_at(row) for row in range(page.model.rowCount())]


def title_of(page, rowid: int) -> str:
    return page.model.index(page.model.row_of_rowid(rowid), page.model.column_of("title")).data()


def tooltip_at(strip: TimelineView, point: QPoint) -> str:
    event = QHelpEvent(QEvent.Type.ToolTip, point, strip.viewport().mapToGlobal(point))
    QApplication.sendEvent(strip.viewport(), event)
    return QToolTip.text()


def test_at_fit_every_entry_has_a_label_and_none_collide(qtbot, page):
    strip = page.timeline
    entries = rowids(page)
    assert len(entries) == 10
    view = QRectF(strip.viewport().rect())
    labels = strip.label_rects()
    assert set(labels) == set(entries), "an entry without a label at fit"
    for rowid, rect in labels.items():
        assert not rect.isEmpty() and view.contains(rect), f"label of entry {rowid} runs out of the view: {rect}"
    for (a, ra), (b, rb) in itertools.combinations(labels.items(), 2):
        assert not ra.intersects(rb), f"labels of entries {a} and {b} overlap: {ra} {rb}"
    # Labels sit above the marks, and a label too short for its title names it in the tooltip.
    assert all(rect.bottom() < strip.marker_position(rowid).y() for rowid, rect in labels.items())
    for rowid, rect in labels.items():
        assert tooltip_at(strip, rect.center().toPoint()).startswith(title_of(page, rowid))
    # A click on a label selects its entry in the table, as a click on its marker does.
    target = entries[6]
    with qtbot.waitSignal(strip.entry_activated, timeout=60000) as blocker:
        QTest.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=labels[target].center().toPoint())
    assert blocker.args == [target]
    assert page.model.rowid_at(page.table.currentIndex().row()) == target
    # Selected, its label is still there, and still clear of the others.
    labels = strip.label_rects()
    assert set(labels) == set(entries)
    assert not any(ra.intersects(rb) for ra, rb in itertools.combinations(labels.values(), 2))


def check_axis(strip: TimelineView) -> list[tuple[float, float, str, QRectF]]:
    """The ticks in view are linear in time, labelled without overlap inside the view, and drawn."""
    ticks = strip.axis_ticks()
    assert len(ticks) >= 3
    scale = strip.scale_x()
    for (d0, x0, *_), (d1, x1, *_) in itertools.pairwise(ticks):
        assert (x1 - x0) / (d1 - d0) == pytest.approx(scale, rel=1e-9)
    # The same holds for any two ticks, not only neighbours: one scale across the view.
    (d0, x0, *_), (d1, x1, *_) = ticks[0], ticks[-1]
    assert (x1 - x0) / (d1 - d0) == pytest.approx(scale, rel=1e-9)
    view = QRectF(strip.viewport().rect())
    rects = [rect for _, _, label, rect in ticks if label]
    assert len(rects) >= len(ticks) - 1  # at most the last, at the right edge, goes unlabelled
    assert all(view.contains(rect) for rect in rects)
    assert not any(a.intersects(b) for a, b in itertools.pairwise(rects))
    image = strip.viewport().grab().toImage()
    base = strip.palette().color(QPalette.ColorRole.Base)
    axis_y = strip.viewport().height() - 22
    for _, x, _, _ in ticks:
        assert image.pixelColor(round(x), axis_y + 4) != base, f"no tick drawn at x={x}"
    return ticks


def test_axis_is_date_true_with_calendar_ticks(qtbot, page):
    strip = page.timeline
    ticks = check_axis(strip)
    # At fit, about two years: ticks on the first of every third month.
    dates = [dt.date.fromordinal(int(day)) for day, *_ in ticks]
    assert all(d.day == 1 for d in dates)
    months = [d.year * 12 + d.month for d in dates]
    steps = {b - a for a, b in itertools.pairwise(months)}
    assert len(steps) == 1 and steps.pop() in (1, 3, 6)
    # Zoomed into June 2026: ticks at a finer calendar step, still linear and apart.
    june = page.model.rowid_at(3)
    strip.set_selected(june)
    for _ in range(6):
        strip.zoom_in()
    fine = check_axis(strip)
    gaps = {round(b[0] - a[0], 6) for a, b in itertools.pairwise(fine)}
    assert len(gaps) == 1 and gaps.pop() in (1.0, 2.0, 7.0), "days or weeks apart"


def test_zoom_buttons_and_keys_change_the_span_and_fit_shows_all(qtbot, page):
    strip = page.timeline
    buttons = {b.accessibleName(): b for b in strip.findChildren(QToolButton)}
    assert {"Zoom In", "Zoom Out", "Fit"} <= set(buttons), "no zoom buttons beside the strip"
    zoom_in, zoom_out, fit = buttons["Zoom In"], buttons["Zoom Out"], buttons["Fit"]
    for button in (zoom_in, zoom_out, fit):
        assert button.isVisible() and not button.icon().isNull() and button.toolTip()
    assert "Ctrl+0" in fit.toolTip()

    def span() -> float:
        first, last = strip.visible_span()
        return last - first

    def all_in_view() -> bool:
        width = strip.viewport().width()
        return all(0 <= strip.marker_position(r).x() < width for r in rowids(page))

    whole = span()
    assert all_in_view() and not zoom_out.isEnabled() and not fit.isEnabled()
    QTest.mouseClick(zoom_in, Qt.MouseButton.LeftButton)
    assert span() == pytest.approx(whole / 1.5)
    QTest.mouseClick(zoom_in, Qt.MouseButton.LeftButton)
    assert span() == pytest.approx(whole / 2.25)
    assert zoom_out.isEnabled() and fit.isEnabled()
    QTest.mouseClick(zoom_out, Qt.MouseButton.LeftButton)
    assert span() == pytest.approx(whole / 1.5)
    for _ in range(3):
        QTest.mouseClick(zoom_in, Qt.MouseButton.LeftButton)
    assert not all_in_view()
    QTest.mouseClick(fit, Qt.MouseButton.LeftButton)
    assert span() == pytest.approx(whole) and all_in_view()
    # The buttons leave the focus where it was; with it in the strip, Ctrl++, Ctrl+- and Ctrl+0 zoom.
    strip.setFocus()
    qtbot.waitUntil(strip.hasFocus, timeout=60000)
    QTest.mouseClick(zoom_in, Qt.MouseButton.LeftButton)
    assert strip.hasFocus()
    QTest.keyClick(strip, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert span() == pytest.approx(whole / 2.25)
    QTest.keyClick(strip, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert span() == pytest.approx(whole / 1.5)
    QTest.keyClick(strip, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert span() == pytest.approx(whole) and all_in_view()
    # Zoomed in to the limit, Zoom In greys out.
    for _ in range(40):
        strip.zoom_in()
    assert not zoom_in.isEnabled() and zoom_out.isEnabled()
