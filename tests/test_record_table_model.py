"""The lazy table model, tested without any widget."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from db import records
from db.dates import PartialDate
from db.fields import Kind
from desktop.models.record_table import PAGE_SIZE, IdRole, RecordTableModel
from desktop.session import CaseSession


@pytest.fixture
def session(qapp, sample_cf):
    s = CaseSession(sample_cf)
    yield s
    s.undo_stack.clear()


def _column_values(model: RecordTableModel, name: str) -> list[str]:
    col = model.column_of(name)
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_rows_and_columns_match_the_case(session):
    model = RecordTableModel(session, Kind.ACTOR)
    assert model.rowCount() == 20
    assert [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())] == [
        "Name", "Kind", "Role or title", "Affiliation", "Tags",
    ]  # fmt: skip
    names = _column_values(model, "name")
    assert names == sorted(names, key=str.casefold)
    brennan = names.index("Francis Brennan")
    assert model.index(brennan, model.column_of("affiliation")).data() == "Meta"
    assert model.index(brennan, model.column_of("kind")).data() == "Person"
    assert model.index(brennan, 0).data(IdRole) == model.id_at(brennan)


def test_timeline_natural_order_is_by_date_and_key_events_are_bold(session):
    model = RecordTableModel(session, Kind.TIMELINE)
    dates = _column_values(model, "date")
    assert dates[0] == "August 2024"
    assert "June 12, 2026, 5:21 p.m. EDT" in dates
    key_col = model.column_of("key")
    for row in range(model.rowCount()):
        checked = model.index(row, key_col).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        font = model.index(row, 0).data(Qt.ItemDataRole.FontRole)
        assert bool(font and font.bold()) == checked


def test_sort_by_another_column_both_ways(session):
    model = RecordTableModel(session, Kind.STATEMENT)
    speaker = model.column_of("speaker")
    model.sort(speaker, Qt.SortOrder.AscendingOrder)
    names = [n or "" for n in _column_values(model, "speaker")]
    assert names == sorted(names, key=str.casefold)
    model.sort(speaker, Qt.SortOrder.DescendingOrder)
    assert [n or "" for n in _column_values(model, "speaker")] == sorted(names, key=str.casefold, reverse=True)


def test_filter_by_text_tag_and_date(session):
    model = RecordTableModel(session, Kind.STATEMENT)
    model.set_filter("brennan")  # the speaker's name finds their statements
    assert model.rowCount() >= 1
    assert set(_column_values(model, "speaker")) == {"Francis Brennan"}
    model.set_filter(tag="anthropic")
    assert model.rowCount() > 0
    assert set(_column_values(model, "speaker")) <= {"Anthropic"}
    model.set_filter(date_from=PartialDate.parse("June 10, 2026"), date_to=PartialDate.parse("June 13, 2026"))
    assert set(_column_values(model, "date")) == {"June 12, 2026"}
    model.set_filter("zzzznotthere")
    assert model.rowCount() == 0


def test_edit_through_set_data_is_saved_and_undoable(session):
    model = RecordTableModel(session, Kind.ACTOR)
    row = _column_values(model, "name").index("Meta")
    record_id = model.id_at(row)
    assert model.setData(model.index(row, model.column_of("role")), "Social media company")
    assert records.get_record(session.cf, Kind.ACTOR, record_id)["role"] == "Social media company"
    assert model.index(row, model.column_of("role")).data() == "Social media company"
    assert session.undo_stack.undoText() == "Edit Actor Role or title"
    session.undo_stack.undo()
    assert records.get_record(session.cf, Kind.ACTOR, record_id)["role"] != "Social media company"


def test_bad_date_in_a_cell_is_refused_and_reported(session, qtbot):
    model = RecordTableModel(session, Kind.TIMELINE)
    record_id = model.id_at(0)
    before = records.get_record(session.cf, Kind.TIMELINE, record_id)["date"]
    with qtbot.waitSignal(session.error) as blocker:
        assert not model.setData(model.index(0, model.column_of("date")), "June 31, 2026")
    assert "June 31, 2026" in blocker.args[0]
    assert records.get_record(session.cf, Kind.TIMELINE, record_id)["date"] == before


def test_checkbox_cell_edits_a_boolean(session):
    model = RecordTableModel(session, Kind.STATEMENT)
    col = model.column_of("verbatim")
    row = next(
        r
        for r in range(model.rowCount())
        if model.index(r, col).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    )
    assert model.flags(model.index(row, col)) & Qt.ItemFlag.ItemIsUserCheckable
    assert model.setData(model.index(row, col), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert records.get_record(session.cf, Kind.STATEMENT, model.id_at(row))["verbatim"] is False


def test_rows_are_read_a_page_at_a_time(session, empty_cf):
    big = CaseSession(empty_cf)
    for i in range(PAGE_SIZE * 3 + 5):
        records.add_record(empty_cf, Kind.SOURCE, {"title": f"Source {i:04d}"})
    model = RecordTableModel(big, Kind.SOURCE)
    assert model.rowCount() == PAGE_SIZE * 3 + 5
    assert not model._pages  # nothing read until asked
    assert model.index(PAGE_SIZE * 2 + 1, 0).data() == f"Source {PAGE_SIZE * 2 + 1:04d}"
    assert list(model._pages) == [2]


def test_adding_and_deleting_records_updates_the_rows(session):
    model = RecordTableModel(session, Kind.SOURCE)
    before = model.rowCount()
    new_id = session.add_record(Kind.SOURCE, {"title": "A new report"})
    assert model.rowCount() == before + 1
    assert model.row_of(new_id) is not None
    session.undo_stack.undo()
    assert model.rowCount() == before
    assert model.row_of(new_id) is None
