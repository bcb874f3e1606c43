"""Dates as policy work has them: approximate, uncertain, part of a year and intervals, stored as
EDTF, sorted, filtered by overlap, exported and imported, with exact dates left as they were."""

from __future__ import annotations

import json

import pytest
from core_fixtures import plain_connect

from db.dates import PartialDate, parse_optional
from db.fields import Kind
from db.interchange import export_json, import_json
from db.queries import ListQuery, fetch_rows, list_rowids, timeline_marks
from db.records import add_record
from db.sqlite.casefile import CaseFile

P = PartialDate

# What staff type, the EDTF stored for it, and how it prints.
FORMS = [
    ("c. 2024", "2024~", "c. 2024"),
    ("circa 2024", "2024~", "c. 2024"),
    ("about March 2026", "2026-03~", "c. March 2026"),
    ("2025?", "2025?", "2025?"),
    ("c. 2024?", "2024%", "c. 2024?"),
    ("Q3 2025", "2025-35", "Q3 2025"),
    ("2025 Q1", "2025-33", "Q1 2025"),
    ("H2 2026", "2026-41", "H2 2026"),
    ("spring 2025", "2025-21", "Spring 2025"),
    ("fall 2025", "2025-23", "Autumn 2025"),
    ("winter 2025", "2025-24", "Winter 2025–26"),
    ("early 2026", "2026-37", "Early 2026"),
    ("mid-2026", "2026-38", "Mid-2026"),
    ("late 2026", "2026-39", "Late 2026"),
    ("2024–2025", "2024/2025", "2024–2025"),
    ("2024-2025", "2024/2025", "2024–2025"),
    ("2024 to 2025", "2024/2025", "2024–2025"),
    ("June 2–5, 2026", "2026-06-02/2026-06-05", "June 2–5, 2026"),
    ("June 2-5, 2026", "2026-06-02/2026-06-05", "June 2–5, 2026"),
    ("June 28 – July 3, 2026", "2026-06-28/2026-07-03", "June 28 – July 3, 2026"),
    ("June–September 2024", "2024-06/2024-09", "June–September 2024"),
    ("2024-06/2024-09", "2024-06/2024-09", "June–September 2024"),
    ("June 2024 – February 2025", "2024-06/2025-02", "June 2024 – February 2025"),
    ("December 30, 2025 – January 2, 2026", "2025-12-30/2026-01-02", "December 30, 2025 – January 2, 2026"),
    ("c. 2024 – 2025", "2024~/2025", "c. 2024 – 2025"),
]


@pytest.mark.parametrize(("typed", "edtf", "shown"), FORMS)
def test_each_form_is_read_stored_as_edtf_and_displayed_naturally(typed, edtf, shown):
    value = P.parse(typed)
    assert value.iso == edtf
    assert value.display() == shown
    # The stored form reads back as the same date, and so does what is displayed (an editor
    # shows the displayed text for the user to change).
    assert P.parse_iso(edtf) == value
    assert P.parse(shown) == value
    assert not value.exact


@pytest.mark.parametrize(
    ("typed", "iso", "key"),
    [
        ("2024", "2024", "2024"),
        ("May 2026", "2026-05", "2026-05"),
        ("June 2, 2026", "2026-06-02", "2026-06-02"),
        ("June 12, 2026, 5:21 p.m. EDT", "2026-06-12T17:21-04:00", "2026-06-12T121:21:00"),
        ("2026-06-12T17:21:30Z", "2026-06-12T17:21:30Z", "2026-06-12T117:21:30"),
    ],
)
def test_exact_dates_keep_their_iso_text_and_sort_key(typed, iso, key):
    value = P.parse(typed)
    assert (value.iso, value.sort_key) == (iso, key)
    assert value.exact and value.precision in ("year", "month", "day", "time")


def test_spans_of_the_extended_forms():
    assert P.parse("Q3 2025").span() == (P(2025, 7, 1).span()[0], P(2025, 9, 30).span()[0])
    assert P.parse("winter 2025").span()[1] == P(2026, 2, 28).span()[0]
    assert P.parse("early 2026").span()[1] == P(2026, 4, 30).span()[0]
    assert P.parse("June 2–5, 2026").span_days() == (P(2026, 6, 2).span_days()[0], P(2026, 6, 5).span_days()[1])
    assert P.parse("c. 2024").span() == P(2024).span()


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("2025–2024", "the range ends before it starts"),
        ("c. June 12, 2026, 5 pm", "a time cannot be approximate or uncertain"),
        ("Q1 2025 – Q3 2025", "a range cannot start or end with a quarter"),
        ("2025-25", "is EDTF that Casefile does not keep"),
        ("2024/..", "is EDTF that Casefile does not keep"),
        ("Q5 2025", None),
    ],
)
def test_forms_that_cannot_be_are_refused_with_the_reason(typed, reason):
    with pytest.raises(ValueError) as caught:
        P.parse(typed)
    message = str(caught.value)
    assert message.startswith(f'Cannot read "{typed}" as a date')
    assert "c. 2024" in message and "Q3 2025" in message  # the examples name the new forms
    if reason:
        assert reason in message


def test_a_qualified_date_sorts_with_its_unqualified_neighbour_and_spans_by_start_then_end():
    typed = [
        "2025",
        "c. 2024",
        "2024",
        "2024–2025",
        "2024-03",
        "2024?",
        "2023",
        "2024–2026",
        "Q3 2024",
        "July 2024",
        "July 1, 2024",
        "June 2–5, 2024",
        "June 2, 2024",
    ]
    ordered = sorted(P.parse(t) for t in typed)
    # "c. 2024" and "2024?" sit with 2024 (their keys are its key); a span sorts at its start,
    # after a plain date with the same start, and among spans by its end.
    assert [d.display() for d in ordered] == [
        "2023",
        "2024",
        "2024?",  # ties break on the stored text, where "?" comes before "~"
        "c. 2024",
        "2024–2025",
        "2024–2026",
        "March 2024",
        "June 2, 2024",
        "June 2–5, 2024",
        "July 2024",
        "Q3 2024",
        "July 1, 2024",
        "2025",
    ]
    assert P.parse("c. 2024").sort_key == P.parse("2024?").sort_key == P(2024).sort_key


# ----- in a case file ---------------------------------------------------------------------

MIXED = [
    "2025",
    "2024~",
    "2024",
    "2024/2025",
    "2024-35",
    "2024-07",
    "2024-06-02/2024-06-05",
    "2024-06-02",
    "2023?",
    "2026-05-10",
]


@pytest.fixture
def mixed_entries(empty_cf):
    for text in MIXED:
        add_record(empty_cf, Kind.TIMELINE, {"date": text, "title": f"Entry {text}"})
    return empty_cf


def _listed(cf, date_from=None, date_to=None):
    query = ListQuery(Kind.TIMELINE, date_from=parse_optional(date_from), date_to=parse_optional(date_to))
    rows = fetch_rows(cf, Kind.TIMELINE, list_rowids(cf, query))
    return [rows[n][1] for n in list_rowids(cf, query)]


def test_the_list_sorts_a_mixed_case_by_the_stored_key(mixed_entries):
    assert _listed(mixed_entries) == [
        "2023?",
        "2024~",  # added before the plain 2024: same key, then the order of entry
        "2024",
        "2024/2025",
        "2024-06-02",
        "2024-06-02/2024-06-05",
        "2024-07",
        "2024-35",
        "2025",
        "2026-05-10",
    ]


def test_a_date_range_filter_keeps_every_date_that_overlaps_it(mixed_entries):
    # The interval 2024–2025 and the year 2025 overlap March 2025; nothing else does.
    assert _listed(mixed_entries, "March 2025", "March 2025") == ["2024/2025", "2025"]
    # August 2024 is inside Q3 2024, inside 2024 (plain or approximate) and inside 2024–2025.
    assert _listed(mixed_entries, "2024-08", "2024-08") == ["2024~", "2024", "2024/2025", "2024-35"]
    # June 4 is inside the June 2–5 meeting, and a range typed as a quarter covers its months.
    assert "2024-06-02/2024-06-05" in _listed(mixed_entries, "June 4, 2024", "June 4, 2024")
    assert _listed(mixed_entries, "Q3 2024", "Q3 2024") == ["2024~", "2024", "2024/2025", "2024-07", "2024-35"]
    # Open ends: from 2025 on catches the interval that runs into it.
    assert _listed(mixed_entries, "2025", None) == ["2024/2025", "2025", "2026-05-10"]
    assert _listed(mixed_entries, None, "2023") == ["2023?"]


def test_the_file_stores_edtf_and_key_and_opens_again(mixed_entries):
    path = mixed_entries.path
    mixed_entries.close()
    conn = plain_connect(path)
    try:
        stored = dict(conn.execute("SELECT date, date_key FROM timeline_entry").fetchall())
    finally:
        conn.close()
    assert stored["2024-35"] == "2024-07+2024-09-30"
    assert stored["2024/2025"] == "2024+2025-12-31"
    assert stored["2024~"] == "2024"
    assert stored["2024-06-02"] == "2024-06-02"
    # Opening checks every stored value; EDTF dates and their keys pass.
    reopened = CaseFile.open(path)
    try:
        assert len(_listed(reopened)) == len(MIXED)
    finally:
        reopened.close()


def test_a_damaged_key_beside_an_edtf_date_is_refused_at_open(mixed_entries):
    path = mixed_entries.path
    mixed_entries.close()
    conn = plain_connect(path)
    try:
        conn.execute("UPDATE timeline_entry SET date_key = '2024+garbage' WHERE date = '2024/2025'")
    finally:
        conn.close()
    with pytest.raises(Exception, match="date_key does not match"):
        CaseFile.open(path)


def test_timeline_marks_draw_spans_and_know_the_soft_ones(mixed_entries):
    marks = timeline_marks(mixed_entries)
    by_row = {n: i for i, n in enumerate(marks.rowids)}
    rows = {date: n for n, (_, date, *_rest) in fetch_rows(mixed_entries, Kind.TIMELINE, marks.rowids).items()}
    for text in MIXED:
        i = by_row[rows[text]]
        assert (marks.start[i], marks.end[i]) == P.parse_iso(text).span_days(), text
    assert marks.soft == frozenset({rows["2024~"], rows["2023?"]})


def test_json_round_trip_keeps_edtf_and_exact_dates_byte_for_byte(mixed_entries, tmp_path):
    first = export_json(mixed_entries, tmp_path / "first.json")
    doc = json.loads(first.read_text(encoding="utf-8"))
    assert sorted(entry["date"] for entry in doc["timeline"]) == sorted(MIXED)
    import_json(first, tmp_path / "copy.casefile")
    copy = CaseFile.open(tmp_path / "copy.casefile")
    try:
        # The same order; records with the same key may trade places (ties go by order of entry).
        keys = [P.parse_iso(d).sort_key for d in _listed(mixed_entries)]
        assert [P.parse_iso(d).sort_key for d in _listed(copy)] == keys
        assert sorted(_listed(copy)) == sorted(MIXED)
        second = export_json(copy, tmp_path / "second.json")
    finally:
        copy.close()
    assert first.read_bytes() == second.read_bytes()
