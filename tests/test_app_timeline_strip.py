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


def segment_of(strip: TimelineView, day: float) -> int:
    """Which of the axis's segments holds a day (the first and last reach on past the view)."""
    segments = strip.axis_segments()
    found = [k for k, (first, last, *_) in enumerate(segments) if first <= day <= last]
    assert found, f"day {day} falls in a break"
    return found[0]


def check_axis(strip: TimelineView) -> list[tuple[float, float, str, QRectF]]:
    """The ticks in view are linear in time within each segment, at one scale in every segment,
    labelled without overlap inside the view and clear of the breaks, and drawn."""
    ticks = strip.axis_ticks()
    assert len(ticks) >= 3
    scale = strip.scale_x()
    for first, last, x0, x1 in strip.axis_segments():
        assert (x1 - x0) / (last - first) == pytest.approx(scale, rel=1e-9)
    by_segment = itertools.groupby(ticks, key=lambda tick: segment_of(strip, tick[0]))
    for _, group in by_segment:
        for (d0, x0, *_), (d1, x1, *_) in itertools.combinations(list(group), 2):
            assert (x1 - x0) / (d1 - d0) == pytest.approx(scale, rel=1e-9)
    for _, _, b0, b1 in strip.axis_breaks():
        assert not any(b0 <= x <= b1 or rect.intersects(QRectF(b0, 0, b1 - b0, 9999)) for _, x, _, rect in ticks)
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
    # At fit, the months with entries: ticks on the first of every month (or every third),
    # one step throughout, with the months cut out between the segments left out.
    dates = [dt.date.fromordinal(int(day)) for day, *_ in ticks]
    assert all(d.day == 1 for d in dates)
    steps = set()
    for _, group in itertools.groupby(dates, key=lambda d: segment_of(strip, d.toordinal())):
        months = [d.year * 12 + d.month for d in group]
        steps |= {b - a for a, b in itertools.pairwise(months)}
    assert len(steps) == 1 and steps.pop() in (1, 3)
    # The first tick after a break names its year: the break may have skipped one.
    labels = [label for _, _, label, _ in ticks]
    assert "Aug 2024" in labels and "Apr 2026" in labels
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

    # Zooming scales the segments; the breaks between them keep their width.
    whole, fitted = span(), strip.scale_x()
    assert all_in_view() and not zoom_out.isEnabled() and not fit.isEnabled()
    QTest.mouseClick(zoom_in, Qt.MouseButton.LeftButton)
    assert strip.scale_x() == pytest.approx(fitted * 1.5) and span() < whole
    QTest.mouseClick(zoom_in, Qt.MouseButton.LeftButton)
    assert strip.scale_x() == pytest.approx(fitted * 2.25)
    assert zoom_out.isEnabled() and fit.isEnabled()
    QTest.mouseClick(zoom_out, Qt.MouseButton.LeftButton)
    assert strip.scale_x() == pytest.approx(fitted * 1.5)
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
    assert strip.scale_x() == pytest.approx(fitted * 2.25)
    QTest.keyClick(strip, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert strip.scale_x() == pytest.approx(fitted * 1.5)
    QTest.keyClick(strip, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert span() == pytest.approx(whole) and all_in_view()
    # Zoomed in to the limit, Zoom In greys out.
    for _ in range(40):
        strip.zoom_in()
    assert not zoom_in.isEnabled() and zoom_out.isEnabled()


def is_title(text: str, title: str) -> bool:
    """Whether a label shows title text (the title, or its start cut short), not a date or a number."""
    shown = text.removesuffix("…").rstrip()
    return len(shown) >= 4 and title.startswith(shown)


def check_labels(strip: TimelineView, entries: list[int]) -> dict[int, QRectF]:
    """Every entry labelled, each label inside the view and clear of every other."""
    view = QRectF(strip.viewport().rect())
    labels = strip.label_rects()
    assert set(labels) == set(entries), f"entries without a label: {set(entries) - set(labels)}"
    for rowid, rect in labels.items():
        assert not rect.isEmpty() and view.contains(rect), f"label of entry {rowid} runs out of the view: {rect}"
    for (a, ra), (b, rb) in itertools.combinations(labels.items(), 2):
        assert not ra.intersects(rb), f"labels of entries {a} and {b} overlap: {ra} {rb}"
    return labels


def test_at_fit_most_entries_show_their_title(qtbot, page):
    strip = page.timeline
    entries = rowids(page)
    check_labels(strip, entries)
    texts = strip.label_texts()
    titled = [rowid for rowid in entries if is_title(texts[rowid], title_of(page, rowid))]
    assert len(titled) >= 7, f"only {len(titled)} of 10 labels show a title: {sorted(texts.values())}"
    # June 2026's seven entries, three weeks, are among them: the empty months before are cut out.
    june = [rowid for rowid in entries if page.model.index(page.model.row_of_rowid(rowid), 0).data().startswith("June")]
    assert len(june) == 7 and sum(rowid in titled for rowid in june) >= 4


def test_a_small_window_still_labels_every_entry(qtbot, page):
    window = page.window()
    window.resize(800, 600)
    strip = page.timeline
    qtbot.waitUntil(lambda: strip.viewport().width() < 800, timeout=60000)
    entries = rowids(page)
    labels = check_labels(strip, entries)
    assert all(strip.label_texts()[rowid] for rowid in labels)
    assert all(0 <= strip.marker_position(rowid).x() < strip.viewport().width() for rowid in entries)


def test_the_empty_months_are_cut_out_and_drawn_as_a_break(qtbot, page):
    strip = page.timeline
    breaks, segments = strip.axis_breaks(), strip.axis_segments()
    assert len(breaks) == 1 and len(segments) == 2
    (first, last, b0, b1) = breaks[0]
    # The break is where nothing happens: from after August 2024 to before April 2026.
    assert dt.date(2024, 9, 1).toordinal() <= first and last <= dt.date(2026, 4, 1).toordinal()
    assert last - first > 365
    assert all(segment_of(strip, strip._marks.start[i]) is not None for i in range(10))
    # 19 months in a few pixels, while each segment keeps the one scale of the axis.
    assert 10 <= b1 - b0 <= 40
    scale = strip.scale_x()
    for (f0, l0, x0, x1), (_, _, y0, _) in itertools.pairwise(segments):
        assert (x1 - x0) / (l0 - f0) == pytest.approx(scale, rel=1e-9)
        assert y0 - x1 == pytest.approx(b1 - b0)  # the next segment starts where the break ends
    # Markers are where their dates put them: June 2 to June 23 is 21 days at that scale.
    june_2, june_23 = rowids(page)[3], rowids(page)[7]
    apart = strip.marker_position(june_23).x() - strip.marker_position(june_2).x()
    assert apart == pytest.approx(21 * scale, abs=1.5)
    # Drawn: the baseline stops for the break, and its slashes cross the axis.
    image = strip.viewport().grab().toImage()
    axis_y = strip.viewport().height() - 22
    base = strip.palette().color(QPalette.ColorRole.Base)
    middle = round((b0 + b1) / 2)
    assert image.pixelColor(middle, axis_y) == base, "the baseline runs on through the break"
    assert image.pixelColor(round(b0) - 6, axis_y) != base, "no baseline before the break"
    slashes = [
        image.pixelColor(x, y) != image.pixelColor(middle, axis_y)
        for x in range(round(b0), round(b1))
        for y in range(axis_y - 4, axis_y + 5)
    ]
    assert sum(slashes) >= 10, "no slashes drawn across the axis"
    # Zoomed in, the break keeps its width; Fit brings back the same view.
    strip.zoom_in()
    strip.zoom_in()
    ((_, _, z0, z1),) = strip.axis_breaks()
    assert z1 - z0 == pytest.approx(b1 - b0)
    strip.zoom_to_fit()
    assert strip.axis_breaks()[0][2:] == pytest.approx((b0, b1))


def inks(button: QToolButton) -> set[tuple[int, int, int]]:
    """The opaque colours of a button's icon as drawn."""
    image = button.icon().pixmap(16, 16).toImage()
    pixels = (image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height()))
    return {c.getRgb()[:3] for c in pixels if c.alpha() == 255}


def test_zoom_icons_follow_a_palette_change_and_a_hairline_sets_them_apart(qtbot, page):
    strip = page.timeline
    bar = strip.zoom_bar
    buttons = [bar.zoom_in_button, bar.zoom_out_button, bar.fit_button]
    dark = strip.palette()
    for role, colour in ((QPalette.ColorRole.ButtonText, "#f2f2f2"), (QPalette.ColorRole.Button, "#202020")):
        dark.setColor(role, colour)
    dark.setColor(QPalette.ColorRole.Window, "#202020")
    dark.setColor(QPalette.ColorRole.Mid, "#5a5a5a")
    assert all((0xF2, 0xF2, 0xF2) not in inks(b) for b in buttons)
    strip.setPalette(dark)  # as a switch to dark mode does
    assert all((0xF2, 0xF2, 0xF2) in inks(b) for b in buttons), "icons still drawn in the old colour"
    # The column's left edge is a line in the palette's Mid colour, top to bottom.
    image = bar.grab().toImage()
    assert all(image.pixelColor(0, y).name() == "#5a5a5a" for y in range(0, image.height(), 7))
    assert image.pixelColor(1, image.height() - 2).name() != "#5a5a5a"
    assert bar.geometry().left() >= strip.viewport().geometry().right()
