"""The Case page as the case's front page: key events, what the pre-export checks would flag,
recent changes, each line a link to its record; two columns when wide, one when narrow."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QBoxLayout, QLabel

from db import queries, records
from db.dates import PartialDate
from db.fields import Kind
from db.sample import sample_document
from db.sqlite.casefile import CaseFile
from desktop.briefing.checks import preflight
from tests.gui_helpers import open_window

WAIT = 60000


@pytest.fixture
def window(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    overview = window.case_view.case_page.overview
    qtbot.waitUntil(lambda: overview.data is not None, timeout=WAIT)
    return window


def _overview(window):
    return window.case_view.case_page.overview


def _texts(section) -> list[str]:
    return [label.accessibleName() for label in section.links]


def _section_text(section) -> str:
    """Every line a section shows, as rich text."""
    items = (section.grid.itemAt(i).widget() for i in range(section.grid.count()))
    return " ".join(w.text() for w in items if isinstance(w, QLabel))


def _click_link(qtbot, label: QLabel) -> None:
    """Click the first word of a line, where its link starts."""
    label.window().activateWindow()
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=QPoint(4, label.fontMetrics().height() // 2 + 1))


def _show_case_page(qtbot, window) -> None:
    """Click "Case" in the sections list and wait for the front page to read the file again."""
    nav = window.case_view.nav
    rect = nav.visualItemRect(nav.item(0))
    with qtbot.waitSignal(_overview(window).refreshed, timeout=WAIT):
        qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.case_view.current_kind() is None


def _statement_id(cf, words: str) -> str:
    return next(rid for rid, label in queries.choices(cf, Kind.STATEMENT, words))


def test_key_events_are_the_sample_key_events_in_date_order_and_open_on_the_timeline(qtbot, window):
    key = [e for e in sample_document()["timeline"] if e["key"]]
    key.sort(key=lambda e: PartialDate.parse_iso(e["date"]).sort_key)
    section = _overview(window).key_events
    assert _texts(section) == [e["title"] for e in key]
    shown = _section_text(section)
    assert "June 2, 2026" in shown and "5:21 p.m. EDT" in shown

    link = section.links[2]
    assert link.accessibleName() == "President Trump signs Executive Order 14409"
    _click_link(qtbot, link)
    view = window.case_view
    assert view.current_kind() is Kind.TIMELINE
    page = view.current_page()
    record = records.get_record(window.session.cf, Kind.TIMELINE, page.current_id())
    assert record["title"] == "President Trump signs Executive Order 14409"
    assert page.editor.heading.text() == "President Trump signs Executive Order 14409"


def test_an_unsourced_statement_is_flagged_and_the_flag_opens_it(qtbot, window):
    cf = window.session.cf
    overview = _overview(window)
    flag = "Statement “We share the administration’s goal of advancing…” has no source"
    assert flag not in _texts(overview.checks)
    statement = _statement_id(cf, "share administration goal")

    window.case_view.show_record(Kind.STATEMENT, statement)
    page = window.case_view.current_page()
    qtbot.mouseClick(page.editor.widgets["source"].clear_button, Qt.MouseButton.LeftButton)
    assert records.get_record(cf, Kind.STATEMENT, statement)["source"] is None

    _show_case_page(qtbot, window)
    assert flag in _texts(overview.checks)
    _click_link(qtbot, overview.checks.links[_texts(overview.checks).index(flag)])
    assert window.case_view.current_kind() is Kind.STATEMENT
    assert window.case_view.current_page().current_id() == statement

    page.table.setFocus()
    qtbot.keySequence(page.table, QKeySequence.StandardKey.Undo)
    assert records.get_record(cf, Kind.STATEMENT, statement)["source"] is not None
    _show_case_page(qtbot, window)
    assert flag not in _texts(overview.checks)


def test_an_edited_record_tops_recent_changes(qtbot, window):
    cf = window.session.cf
    meta = next(rid for rid, label in queries.choices(cf, Kind.ACTOR, "Meta") if label == "Meta")
    assert _texts(_overview(window).recent)[0] != "Meta"

    window.case_view.show_record(Kind.ACTOR, meta)
    role = window.case_view.current_page().editor.widgets["role"].focus_widget()
    role.setFocus()
    role.selectAll()
    qtbot.keyClicks(role, "Holdout lab")
    qtbot.keyClick(role, Qt.Key.Key_Return)
    assert records.get_record(cf, Kind.ACTOR, meta)["role"] == "Holdout lab"

    _show_case_page(qtbot, window)
    recent = _overview(window).recent
    assert _texts(recent)[0] == "Meta"
    assert "Actor" in _section_text(recent) and "today" in _section_text(recent)
    _click_link(qtbot, recent.links[0])
    assert window.case_view.current_kind() is Kind.ACTOR
    assert window.case_view.current_page().current_id() == meta


def test_a_case_with_no_marking_is_flagged_until_one_is_typed(qtbot, tmp_path):
    path = tmp_path / "new.casefile"
    CaseFile.create(path, title="New matter").close()
    window = open_window(qtbot, path)
    page = window.case_view.case_page
    overview = page.overview
    qtbot.waitUntil(lambda: overview.data is not None, timeout=WAIT)
    assert _texts(overview.checks) == ["The case has no handling marking"]
    assert "No timeline entry is marked as a key event yet." in _section_text(overview.key_events)
    assert "No records yet." in _section_text(overview.recent)

    _click_link(qtbot, overview.checks.links[0])
    marking = page.widgets["marking"].focus_widget()
    assert marking.hasFocus()
    with qtbot.waitSignal(overview.refreshed, timeout=WAIT):
        qtbot.keyClicks(marking, "FOR INTERNAL USE ONLY")
        qtbot.keyClick(marking, Qt.Key.Key_Return)
    with CaseFile.open(path, read_only=True) as cf:
        assert records.get_case(cf)["marking"] == "FOR INTERNAL USE ONLY"
    assert overview.checks.links == []
    assert "Nothing to flag." in _section_text(overview.checks)


def test_two_columns_when_wide_one_under_the_other_when_narrow(qtbot, window):
    page = window.case_view.case_page
    body = page.widget()

    def top_left(widget) -> QPoint:
        return widget.mapTo(body, QPoint(0, 0))

    def beside() -> bool:
        return top_left(page.overview).x() > top_left(page.widgets["title"]).x() + page.widgets["title"].width()

    def under() -> bool:
        return top_left(page.overview).y() > top_left(page.widgets["as_of"]).y()

    window.resize(1280, 800)
    qtbot.waitUntil(lambda: page.columns.direction() is QBoxLayout.Direction.LeftToRight, timeout=WAIT)
    qtbot.waitUntil(beside, timeout=WAIT)
    window.resize(800, 600)
    qtbot.waitUntil(lambda: page.columns.direction() is QBoxLayout.Direction.TopToBottom, timeout=WAIT)
    qtbot.waitUntil(under, timeout=WAIT)
    assert not beside()
    assert body.width() <= page.viewport().width()
    assert page.horizontalScrollBar().maximum() == 0  # nothing cut off at the side


def test_the_gaps_are_the_ones_the_packet_checks_warn_about(sample_cf):
    from db.interchange import export_document
    from db.overview import front_page

    statement = _statement_id(sample_cf, "share administration goal")
    records.update_record(sample_cf, Kind.STATEMENT, statement, {"speaker": None, "source": None})
    for entry in queries.choices(sample_cf, Kind.TIMELINE)[:2]:
        records.update_record(sample_cf, Kind.TIMELINE, entry[0], {"source": None})

    warnings = preflight(export_document(sample_cf))
    gaps = front_page(sample_cf).gaps
    assert sum(gap.total for gap in gaps) == len(warnings) == 5
    assert [(g.kind, g.problem, g.total) for g in gaps] == [
        (Kind.STATEMENT, "no speaker", 1),
        (Kind.STATEMENT, "no source", 1),
        (Kind.DIRECTIVE, "no issued date", 1),
        (Kind.TIMELINE, "no source", 2),
    ]


def test_change_times_read_naturally_in_local_time():
    from desktop.views.case_overview import when

    now = dt.datetime(2026, 6, 24, 15, 0).astimezone()

    def stamp(moment: dt.datetime) -> str:
        return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    assert when(stamp(now.replace(hour=14, minute=5)), now) == "today 2:05 p.m."
    assert when(stamp(now - dt.timedelta(days=1)), now) == "yesterday 3:00 p.m."
    assert when(stamp(now - dt.timedelta(days=3)), now) == "Sunday 3:00 p.m."
    assert when(stamp(now - dt.timedelta(days=30)), now) == "May 25"
    assert when(stamp(now - dt.timedelta(days=400)), now) == "May 20, 2025"


def test_a_line_opens_from_the_keyboard(qtbot, window):
    links = _overview(window).key_events.links
    # Tab from the last field of the case, through the counts' links, to the first key event.
    window.case_view.case_page.widgets["as_of"].focus_widget().setFocus()
    for _ in range(12):
        if links[0].hasFocus():
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert links[0].hasFocus()
    qtbot.keyClick(links[0], Qt.Key.Key_Tab)  # one press per line
    assert links[1].hasFocus()
    qtbot.keyClick(links[1], Qt.Key.Key_Return)
    assert window.case_view.current_kind() is Kind.TIMELINE
    record = records.get_record(window.session.cf, Kind.TIMELINE, window.case_view.current_page().current_id())
    assert record["title"] == links[1].accessibleName()
