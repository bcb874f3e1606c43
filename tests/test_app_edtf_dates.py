"""Typing the dates policy work has into a timeline entry: stored as EDTF, listed in order,
drawn as spans, and a form the app cannot read explained in place."""

from __future__ import annotations

import pytest
from core_fixtures import plain_connect
from PySide6.QtCore import Qt

from db import records
from db.dates import PartialDate
from db.day_order import day_of
from db.fields import Kind
from tests.gui_helpers import open_window


@pytest.fixture
def window(qtbot, sample_path):
    return open_window(qtbot, sample_path)


def _timeline_page(window, qtbot):
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    qtbot.waitUntil(lambda: page.model.rowCount() > 5, timeout=60000)
    return page


def _listed_dates(page) -> list[str]:
    column = page.model.column_of("date")
    return [str(page.model.index(row, column).data() or "") for row in range(page.model.rowCount())]


def _type_date(qtbot, field, text: str) -> None:
    # QTest types ASCII only: ranges are typed with a hyphen, as on most keyboards.
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, text)
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)


@pytest.mark.parametrize(
    ("typed", "edtf", "shown"),
    [
        ("c. 2024", "2024~", "c. 2024"),
        ("about March 2026", "2026-03~", "c. March 2026"),
        ("2025?", "2025?", "2025?"),
        ("Q3 2025", "2025-35", "Q3 2025"),
        ("early 2026", "2026-37", "Early 2026"),
        ("2024-2025", "2024/2025", "2024–2025"),
        ("June 2-5, 2026", "2026-06-02/2026-06-05", "June 2–5, 2026"),
    ],
)
def test_each_new_form_typed_into_an_entry_is_stored_and_listed_in_order(qtbot, window, typed, edtf, shown):
    cf = window.session.cf
    page = _timeline_page(window, qtbot)
    entry = page.model.id_at(0)
    assert entry is not None and page.select_record(entry)
    field = page.editor.widgets["date"]
    _type_date(qtbot, field, typed)
    assert not field.has_error(), field.error_text()
    assert field.edit.text() == shown  # the editor shows the natural form
    assert records.get_record(cf, Kind.TIMELINE, entry)["date"] == PartialDate.parse_iso(edtf)
    # The list shows it naturally, in its place among the other entries' dates.
    qtbot.waitUntil(lambda: shown in _listed_dates(page), timeout=60000)
    # By day (a span by its start, then its end), then the user's order within the day.
    days = [day_of(PartialDate.parse(text).sort_key) for text in _listed_dates(page)]
    assert days == sorted(days)
    row = page.model.row_of(entry)
    assert row is not None and _listed_dates(page)[row] == shown
    # On disk: the EDTF text and its sort key.
    reader = plain_connect(cf.path)
    try:
        stored = reader.execute("SELECT date, date_key FROM timeline_entry WHERE id = ?", (entry,)).fetchone()
    finally:
        reader.close()
    assert stored == (edtf, PartialDate.parse_iso(edtf).sort_key)


def test_a_form_the_app_cannot_read_is_explained_with_examples(qtbot, window):
    cf = window.session.cf
    page = _timeline_page(window, qtbot)
    entry = page.model.id_at(0)
    assert entry is not None and page.select_record(entry)
    before = records.get_record(cf, Kind.TIMELINE, entry)["date"]
    field = page.editor.widgets["date"]
    _type_date(qtbot, field, "Q5 2025")
    assert field.has_error()
    message = field.error_label.text()
    assert message.startswith('Cannot read "Q5 2025" as a date.')
    for example in ("c. 2024", "2025?", "Q3 2025", "early 2026", "June 2–5, 2026", "2024–2025"):
        assert example in message, example
    assert field.error_label.isVisible()
    assert records.get_record(cf, Kind.TIMELINE, entry)["date"] == before
    # A reason the parser knows is given before the forms.
    _type_date(qtbot, field, "2026-2025")
    assert field.error_label.text().startswith('Cannot read "2026-2025" as a date: the range ends before it starts.')


def _typed_into_entry(qtbot, page, entry: str, text: str) -> int:
    """Type a date into an entry's editor; the entry's row number once it is saved."""
    assert page.select_record(entry)
    field = page.editor.widgets["date"]
    _type_date(qtbot, field, text)
    assert not field.has_error(), field.error_text()
    rowid = page.model.rowid_at(page.model.row_of(entry))
    assert rowid is not None
    return rowid


def _span_on_strip(page, rowid: int) -> tuple[float, float] | None:
    marks = page.timeline._marks
    if rowid not in marks.rowids:
        return None
    i = list(marks.rowids).index(rowid)
    return marks.start[i], marks.end[i]


def test_the_strip_draws_an_interval_as_a_span_with_soft_ends_when_approximate(qtbot, window):
    page = _timeline_page(window, qtbot)
    first, second = page.model.id_at(0), page.model.id_at(1)
    assert first is not None and second is not None
    approximate = _typed_into_entry(qtbot, page, first, "c. 2024 - 2025")
    meeting = _typed_into_entry(qtbot, page, second, "June 2-5, 2026")
    expected = PartialDate.parse("June 2–5, 2026").span_days()
    qtbot.waitUntil(lambda: _span_on_strip(page, meeting) == expected, timeout=60000)
    assert _span_on_strip(page, approximate) == PartialDate.parse("c. 2024 – 2025").span_days()
    marks = page.timeline._marks
    assert approximate in marks.soft and meeting not in marks.soft


def test_an_approximate_span_fades_at_its_ends_on_the_strip(qtbot, window):
    page = _timeline_page(window, qtbot)
    entry = page.model.id_at(0)
    assert entry is not None
    rowid = _typed_into_entry(qtbot, page, entry, "c. 2024 - 2025")
    view = page.timeline
    qtbot.waitUntil(lambda: rowid in view._marks.soft, timeout=60000)
    view.zoom_to_fit()
    i = list(view._marks.rowids).index(rowid)
    x0, x1 = view._x_of(view._marks.start[i]), view._x_of(view._marks.end[i])
    assert page.select_record(page.model.id_at(page.model.rowCount() - 1))  # drawn as any entry, not selected
    image = view.viewport().grab().toImage()
    background = image.pixelColor(int((x0 + x1) / 2), 1)

    def ink(x: float, y: int) -> float:
        c = image.pixelColor(int(x), y)
        return sum(abs(a - b) for a, b in zip(c.getRgbF()[:3], background.getRgbF()[:3], strict=True))

    # The bar's row: where the middle of the span is most coloured (above the axis).
    bar_y = max(range(image.height() - 30), key=lambda y: ink((x0 + x1) / 2, y))
    middle = ink((x0 + x1) / 2, bar_y)
    assert middle > 0.2
    # The ends are faded, not cut sharp.
    # (a few pixels in: a grid line marks the first of January at either end)
    assert ink(x0 + 4, bar_y) < middle / 2 and ink(x1 - 5, bar_y) < middle / 2
