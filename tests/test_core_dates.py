"""Partial dates: parsing what staff type, display, ordering, spans, and date-range filters."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from core_fixtures import plain_connect
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.dates import EXAMPLES, PartialDate, parse_optional, range_keys
from db.fields import Kind
from db.queries import ListQuery, fetch_rows, list_rowids
from db.records import add_record

P = PartialDate


# ----- parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso", "precision"),
    [
        ("2024", "2024", "year"),
        ("2026-05", "2026-05", "month"),
        ("2026-06-02", "2026-06-02", "day"),
        ("2026-06-12T17:21-04:00", "2026-06-12T17:21-04:00", "time"),
        ("Aug 2024", "2024-08", "month"),
        ("August 2024", "2024-08", "month"),
        ("June 2, 2026", "2026-06-02", "day"),
        ("6/2/2026", "2026-06-02", "day"),  # US month/day
        ("June 12, 2026, 5:21 p.m. EDT", "2026-06-12T17:21-04:00", "time"),
        ("June 12, 2026, 5:21 p.m. ET", "2026-06-12T17:21-04:00", "time"),  # daylight saving in June
        ("January 12, 2026, 5:21 p.m. ET", "2026-01-12T17:21-05:00", "time"),  # standard time in January
        ("2026-06-12T17:21:00Z", "2026-06-12T17:21Z", "time"),
        ("  june   2,   2026 ", "2026-06-02", "day"),
    ],
)
def test_parse_reads_iso_and_what_staff_type(text, iso, precision):
    value = P.parse(text)
    assert value.iso == iso
    assert value.precision == precision


def test_us_numeric_dates_are_month_first():
    assert P.parse("6/2/2026") == P(2026, 6, 2)
    assert P.parse("2/6/2026") == P(2026, 2, 6)
    assert P.parse("12/31/2026") == P(2026, 12, 31)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("banana", None),
        ("2026-13", "month 13 is out of range"),
        ("Feb 30, 2026", "February 2026 has no day 30"),
        ("13/1/2026", "month 13 is out of range"),
        ("June 12, 2026, 5:21 p.m. XYZ", '"XYZ" is not a time zone'),
    ],
)
def test_bad_input_is_refused_quoting_it_with_an_example(text, reason):
    with pytest.raises(ValueError) as caught:
        P.parse(text)
    message = str(caught.value)
    assert f'"{text}"' in message
    assert EXAMPLES in message
    assert "June 2, 2026" in message  # an example the user can copy
    if reason:
        assert reason in message


def test_an_empty_date_is_required_text_but_optional_through_parse_optional():
    with pytest.raises(ValueError, match="A date is required"):
        P.parse("   ")
    assert parse_optional("") is None
    assert parse_optional(None) is None
    assert parse_optional(" May 2026 ") == P(2026, 5)


def test_parse_iso_accepts_only_the_canonical_forms():
    assert P.parse_iso("2026-06-12T17:21-04:00") == P(2026, 6, 12, 17, 21, None, -240)
    with pytest.raises(ValueError, match=r'"June 2, 2026" is not an ISO partial date'):
        P.parse_iso("June 2, 2026")


# ----- display ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (P(2024), "2024"),
        (P(2026, 5), "May 2026"),
        (P(2026, 6, 2), "June 2, 2026"),
        (P(2026, 6, 12, 17, 21, None, -240), "June 12, 2026, 5:21 p.m. EDT"),
        (P(2026, 1, 12, 9, 0, None, -300), "January 12, 2026, 9 a.m. EST"),
        (P(2026, 6, 12, 0, 5), "June 12, 2026, 12:05 a.m."),
        (P(2026, 6, 12, 12, 0, None, 0), "June 12, 2026, 12 p.m. UTC"),
        (P(2026, 6, 12, 8, 30, 15, 330), "June 12, 2026, 8:30:15 a.m. UTC+5:30"),
    ],
)
def test_display_reads_naturally(value, text):
    assert value.display() == text
    assert str(value) == text


@pytest.mark.parametrize(
    "text",
    ["2024", "May 2026", "June 2, 2026", "June 12, 2026, 5:21 p.m. EDT", "2026-06-12T17:21:45+05:45"],
)
def test_display_parses_back_to_the_same_date(text):
    value = P.parse(text)
    assert P.parse(value.display()) == value
    assert P.parse_iso(value.iso) == value


@pytest.mark.parametrize(
    "iso",
    [
        "1942-07-15T12:00-04:00",  # New York said "EWT" (war time) then
        "1896-01-15T12:00-10:30",  # Honolulu's "HST" was -10:30 before 1947
        "1969-07-15T12:00-09:00",  # Anchorage said "AHDT"
        "1941-07-15T12:00+02:00",  # London said "BDST"
    ],
)
def test_historical_zone_names_still_parse_back_to_the_same_offset(iso):
    value = P.parse_iso(iso)
    assert P.parse(value.display()) == value


# ----- ordering ---------------------------------------------------------------------------


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    """Any PartialDate, including the non-canonical constructor forms (minute None, second 0)."""
    year = draw(st.integers(1000, 9999))
    precision = draw(st.sampled_from(("year", "month", "day", "time")))
    if precision == "year":
        return P(year)
    month = draw(st.integers(1, 12))
    if precision == "month":
        return P(year, month)
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    if precision == "day":
        return P(year, month, day)
    hour = draw(st.integers(0, 23))
    minute = draw(st.one_of(st.none(), st.integers(0, 59)))
    second = draw(st.one_of(st.none(), st.integers(0, 59)))
    offset = draw(st.one_of(st.none(), st.sampled_from((0, -240, -300, 60, 330)), st.integers(-1080, 1080)))
    return P(year, month, day, hour, minute, second, offset)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(partial_dates(), partial_dates())
def test_ordering_is_total_and_agrees_with_sort_key_order(a, b):
    canonical = P.parse_iso(a.iso)  # the same date as stored and read back
    for x, y in [(a, b), (a, canonical)]:
        outcomes = [x < y, x == y, y < x]
        assert outcomes.count(True) == 1, (x, y)
    assert (a <= b) == (a < b or a == b)
    if a.sort_key < b.sort_key:
        assert a < b
    if a == b:
        assert a.sort_key == b.sort_key and a.iso == b.iso and hash(a) == hash(b)


@settings(max_examples=300, deadline=None)
@given(st.lists(partial_dates(), min_size=2, max_size=12))
def test_sorting_dates_sorts_their_keys(values):
    keys = [v.sort_key for v in sorted(values)]
    assert keys == sorted(keys)


@settings(max_examples=300, deadline=None)
@given(partial_dates())
def test_every_date_round_trips_through_iso_and_display(value):
    assert P.parse_iso(value.iso) == value
    assert P.parse(value.display()) == value
    assert P.parse(value.iso) == value


def test_a_year_sorts_before_its_months_before_its_days_before_its_times():
    year, month, day = P(2026), P(2026, 6), P(2026, 6, 12)
    morning, evening = P(2026, 6, 12, 9, 0, None, -240), P(2026, 6, 12, 17, 21, None, -240)
    earlier_month, next_year = P(2026, 5, 31), P(2027)
    ordered = [year, earlier_month, month, day, morning, evening, next_year]
    assert sorted(reversed(ordered)) == ordered
    for coarse, fine in [(year, month), (month, day), (day, morning)]:
        assert fine.sort_key.startswith(coarse.sort_key)
        assert coarse < fine


def test_times_with_zones_order_by_the_instant_within_a_day():
    new_york = P.parse("2026-06-12T17:21-04:00")  # 21:21 UTC
    london = P.parse("2026-06-12T19:00+01:00")  # 18:00 UTC
    assert london < new_york
    assert london.sort_key < new_york.sort_key


def test_non_canonical_constructor_forms_equal_the_parsed_form():
    assert P(2026, 6, 12, 17, 21, 0) == P.parse("2026-06-12T17:21")
    assert P(2026, 6, 12, 17) == P.parse("2026-06-12T17:00")


def test_impossible_dates_cannot_be_constructed():
    for args in [(2026, 2, 29), (2026, None, 3), (0,), (2026, 6, 12, 24), (2026, 6, None, 9)]:
        with pytest.raises(ValueError):
            P(*args)


# ----- spans ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "first", "last"),
    [
        (P(2024), dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
        (P(2024, 2), dt.date(2024, 2, 1), dt.date(2024, 2, 29)),  # leap year
        (P(2026, 2), dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        (P(2026, 6, 2), dt.date(2026, 6, 2), dt.date(2026, 6, 2)),
        (P(2026, 6, 12, 17, 21, None, -240), dt.date(2026, 6, 12), dt.date(2026, 6, 12)),
    ],
)
def test_span_covers_every_day_of_the_precision(value, first, last):
    assert value.span() == (first, last)


def test_span_days_is_a_range_for_dates_and_a_point_for_times():
    start, end = P(2026, 6).span_days()
    assert end - start == 30
    start, end = P(2026, 6, 12, 18, 0).span_days()
    assert start == end == dt.date(2026, 6, 12).toordinal() + 0.75


def test_range_keys_include_the_coarser_dates_containing_the_start():
    lo, hi, prefixes = range_keys(P(2026, 6, 15), P(2026, 7))
    assert lo == "2026-06-15"
    assert prefixes == ("2026", "2026-06")
    assert hi is not None and hi > "2026-07-31" and hi < "2026-08"
    assert range_keys(None, None) == (None, None, ())


# ----- date-range filters through the list queries ----------------------------------------


@pytest.fixture
def dated_entries(empty_cf):
    dates = [
        "2025",
        "2026",
        "2026-05",
        "2026-06",
        "2026-06-02",
        "2026-06-12T17:21-04:00",
        "2026-07-01",
        "2027",
    ]
    for text in dates:
        add_record(empty_cf, Kind.TIMELINE, {"date": text, "title": f"Entry {text}"})
    return empty_cf


def _dates_in_range(cf, date_from, date_to, kind=Kind.TIMELINE):
    query = ListQuery(kind, date_from=parse_optional(date_from), date_to=parse_optional(date_to))
    rows = fetch_rows(cf, kind, list_rowids(cf, query))
    return sorted(row[1] for row in rows.values())


def test_date_range_includes_a_year_record_overlapping_a_range_that_starts_mid_year(dated_entries):
    found = _dates_in_range(dated_entries, "June 1, 2026", "June 30, 2026")
    assert found == sorted(["2026", "2026-06", "2026-06-02", "2026-06-12T17:21-04:00"])


def test_date_range_to_a_month_includes_every_day_and_time_in_it(dated_entries):
    found = _dates_in_range(dated_entries, "2026-06", "2026-06")
    assert found == sorted(["2026", "2026-06", "2026-06-02", "2026-06-12T17:21-04:00"])


def test_open_ended_date_ranges(dated_entries):
    assert _dates_in_range(dated_entries, "2026-07", None) == ["2026", "2026-07-01", "2027"]
    assert _dates_in_range(dated_entries, None, "2025") == ["2025"]
    assert len(_dates_in_range(dated_entries, None, None)) == 8


def test_stored_dates_are_the_iso_text_and_the_sort_key(dated_entries):
    path = dated_entries.path
    dated_entries.close()
    conn = plain_connect(path)
    try:
        rows = conn.execute("SELECT date, date_key FROM timeline_entry ORDER BY date_key").fetchall()
    finally:
        conn.close()
    assert ("2026-06-12T17:21-04:00", P.parse_iso("2026-06-12T17:21-04:00").sort_key) in rows
    assert [r[0] for r in rows] == [
        "2025",
        "2026",
        "2026-05",
        "2026-06",
        "2026-06-02",
        "2026-06-12T17:21-04:00",
        "2026-07-01",
        "2027",
    ]
