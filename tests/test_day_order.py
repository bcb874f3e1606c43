"""Order within a day: by date, then time, then the user's order, in the file, in JSON and in the packet."""

from __future__ import annotations

import pytest
from briefing_fixtures import outline, section_text
from core_fixtures import plain_connect

from db import queries
from db.errors import InterchangeError, RecordError
from db.fields import Kind
from db.interchange import dumps, export_document, import_document
from db.records import add_record, get_record, update_record
from db.sqlite.casefile import CaseFile
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing

ORDERS = "Government orders Anthropic to suspend Fable 5 and Mythos 5 access for foreign nationals"
REACHES = "Export directive reaches Anthropic"
COMPLIES = "Anthropic complies, removes access for all users, and disputes the basis"


def _listed(cf: CaseFile, kind: Kind = Kind.TIMELINE) -> list[str]:
    """The titles (or statement texts) in the list's date order."""
    order = queries.list_rowids(cf, queries.ListQuery(kind))
    rows = queries.fetch_rows(cf, kind, order)
    at = 1 + [c.name for c in queries.LIST_COLUMNS[kind]].index("title" if kind is Kind.TIMELINE else "text")
    return [str(rows[n][at]) for n in order]


def _move(cf: CaseFile, record_id: str, neighbour_id: str, *, up: bool) -> None:
    """Move a timeline entry just past its neighbour within its day, as Move Up/Down does."""
    from db import day_order

    day_order.set_day_order(cf, Kind.TIMELINE, day_order.moved(cf, Kind.TIMELINE, record_id, neighbour_id, up=up))


def _add(cf: CaseFile, date: str, title: str) -> str:
    return add_record(cf, Kind.TIMELINE, {"date": date, "title": title})


# ----- the file ---------------------------------------------------------------------------


def test_a_span_keeps_to_itself_after_the_single_dates_of_the_day_it_starts(empty_cf):
    """An interval or a quarter is not a day: it lists after its first day's single dates (timed or
    not, whatever their order), before the next day, and moves only among spans just like it."""
    cf = empty_cf
    span = _add(cf, "2026-06-02/2026-06-05", "June 2-5")
    _add(cf, "2026-06-02T17:00-04:00", "June 2 at 5")
    day = _add(cf, "2026-06-02", "June 2")
    _add(cf, "2026-06-03", "June 3")
    quarter = _add(cf, "2026-34", "Q2 2026")  # April to June
    _add(cf, "2026-03", "March")
    twin = _add(cf, "2026-06-02/2026-06-05", "June 2-5 again")
    listed = _listed(cf)
    assert listed.index("March") < listed.index("Q2 2026") < listed.index("June 2 at 5")
    # The span was added first, the untimed June 2 last: each day's records come before it.
    assert listed[listed.index("June 2 at 5") :] == ["June 2 at 5", "June 2", "June 2-5", "June 2-5 again", "June 3"]
    _move(cf, twin, span, up=True)
    assert _listed(cf)[-3:] == ["June 2-5 again", "June 2-5", "June 3"]
    with pytest.raises(RecordError, match="from June 2, 2026 to June 5, 2026: records move only within their day"):
        _move(cf, twin, day, up=True)
    with pytest.raises(RecordError, match="records move only within their day"):
        _move(cf, quarter, day, up=False)


def test_new_records_go_to_the_end_of_their_day_and_timed_ones_by_time(empty_cf):
    cf = empty_cf
    _add(cf, "2026-06-12", "morning, time unknown")
    _add(cf, "2026-06-12T17:21-04:00", "at 5:21")
    _add(cf, "2026-06-13", "next day")
    late = _add(cf, "2026-06-12", "later that day")
    _add(cf, "2026-06-12T09:00-04:00", "at 9")  # before the later time, not at the end
    _add(cf, "2026-06", "June, day unknown")  # a month lists before its days
    assert _listed(cf) == [
        "June, day unknown",
        "morning, time unknown",
        "at 9",
        "at 5:21",
        "later that day",
        "next day",
    ]
    # An entry moved to another day goes to the end of that day, and back again to the end.
    update_record(cf, Kind.TIMELINE, late, {"date": "2026-06-13"})
    assert _listed(cf)[-2:] == ["next day", "later that day"]
    update_record(cf, Kind.TIMELINE, late, {"date": "2026-06-12"})
    assert _listed(cf)[1:5] == ["morning, time unknown", "at 9", "at 5:21", "later that day"]


def test_a_deleted_record_comes_back_in_its_place(empty_cf):
    from db.records import delete_record, restore_record

    cf = empty_cf
    _add(cf, "2026-06-12", "ordered")
    middle = _add(cf, "2026-06-12", "reached")
    _add(cf, "2026-06-12", "complied")
    deleted = delete_record(cf, Kind.TIMELINE, middle)
    assert _listed(cf) == ["ordered", "complied"]
    restore_record(cf, deleted)  # what Undo does
    assert _listed(cf) == ["ordered", "reached", "complied"]


def test_a_move_stays_within_the_day_and_keeps_timed_entries_in_time_order(empty_cf):
    cf = empty_cf
    first = _add(cf, "2026-06-12", "ordered")
    nine = _add(cf, "2026-06-12T09:00-04:00", "at 9")
    five = _add(cf, "2026-06-12T17:21-04:00", "at 5:21")
    other = _add(cf, "2026-06-13", "next day")
    _move(cf, first, five, up=False)  # an untimed entry goes anywhere
    assert _listed(cf) == ["at 9", "at 5:21", "ordered", "next day"]
    with pytest.raises(RecordError, match="stay in time order"):
        _move(cf, five, nine, up=True)
    with pytest.raises(RecordError, match="first timeline entry on June 13, 2026"):
        _move(cf, other, first, up=True)
    # Sorting by the date column, either way, is the same order as the list's own.
    by_date = queries.ListQuery(Kind.TIMELINE, sort="date", descending=True)
    assert list(queries.list_rowids(cf, by_date)) == list(
        reversed(queries.list_rowids(cf, queries.ListQuery(Kind.TIMELINE)))
    )


def test_an_older_file_is_upgraded_in_the_order_it_showed(tmp_path):
    from db.sqlite.filecheck import APPLICATION_ID
    from db.sqlite.migrations import migrate

    path = tmp_path / "Before day order.casefile"
    conn = plain_connect(path)
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        migrate(conn, target=6)
        stamp = "2026-06-24T12:00:00.000Z"
        conn.execute(
            "INSERT INTO case_info (n, id, title, created_at, updated_at) VALUES (1, ?, 'Old', ?, ?)",
            ("11111111-1111-4111-8111-111111111111", stamp, stamp),
        )
        for n, (date, key, title) in enumerate(
            [
                ("2026-06-12T17:21-04:00", "2026-06-12T121:21:00", "at 5:21"),
                ("2026-06-12", "2026-06-12", "complied"),
                ("2026-06-12", "2026-06-12", "ordered"),
                ("2026-06-23", "2026-06-23", "emailed"),
            ],
            start=1,
        ):
            conn.execute(
                "INSERT INTO timeline_entry (id, date, date_key, title, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (f"{n}{n}{n}{n}{n}{n}{n}{n}-0000-4000-8000-000000000000", date, key, title, stamp, stamp),
            )
    finally:
        conn.close()
    with CaseFile.open(path) as cf:
        assert _listed(cf) == ["complied", "ordered", "at 5:21", "emailed"]  # as version 6 listed them
        complied = "22222222-0000-4000-8000-000000000000"
        five = "11111111-0000-4000-8000-000000000000"
        _move(cf, complied, five, up=False)
        assert _listed(cf) == ["ordered", "at 5:21", "complied", "emailed"]  # no rule puts it first again


# ----- JSON -------------------------------------------------------------------------------


def test_the_order_travels_through_json(sample_cf, tmp_path):
    doc = export_document(sample_cf)
    assert doc["version"] == 4
    june_12 = [(t["title"], t["order"]) for t in doc["timeline"] if t["date"].startswith("2026-06-12")]
    assert june_12 == [(ORDERS, 1), (REACHES, 2), (COMPLIES, 3)]
    statements = [s["text"] for s in doc["statements"]]
    complying = next(i for i, t in enumerate(statements) if t.startswith("We are complying"))
    assert statements[complying + 1].startswith("However, we disagree")  # as its context notes say

    # The document's own order is kept, even when it differs from the order of the list.
    doc["timeline"].reverse()
    import_document(doc, tmp_path / "copy.casefile")
    with CaseFile.open(tmp_path / "copy.casefile") as cf:
        listed = _listed(cf)
        assert [t for t in listed if t in (ORDERS, REACHES, COMPLIES)] == [ORDERS, REACHES, COMPLIES]
        again = export_document(cf)
    doc["timeline"].reverse()
    assert dumps(again) == dumps(doc)


def test_a_document_without_order_lists_by_date_and_time_then_as_given(tmp_path):
    def entry(i: str, date: str, title: str) -> dict[str, str]:
        return {"id": i, "date": date, "title": title}

    doc = {
        "format": "casefile",
        "version": 1,
        "case": {"title": "No order"},
        "timeline": [
            entry("a", "2026-06-12T17:21-04:00", "at 5:21"),
            entry("b", "2026-06-12", "second untimed"),
            entry("c", "2026-06-12", "first untimed"),
        ],
    }
    doc["timeline"][1], doc["timeline"][2] = doc["timeline"][2], doc["timeline"][1]
    import_document(doc, tmp_path / "old.casefile")
    with CaseFile.open(tmp_path / "old.casefile") as cf:
        assert _listed(cf) == ["first untimed", "second untimed", "at 5:21"]
        exported = export_document(cf)
    assert exported["version"] == 1 and all("order" not in t for t in exported["timeline"])


def test_a_bad_or_early_order_is_refused_with_its_path(tmp_path):
    base = {"format": "casefile", "version": 4, "case": {"title": "Bad"}}
    bad = {**base, "timeline": [{"id": "a", "date": "2026-06-12", "title": "x", "order": "first"}]}
    with pytest.raises(InterchangeError) as caught:
        import_document(bad, tmp_path / "bad.casefile")
    assert caught.value.errors == ["timeline[0].order: expected a whole number from 1 up, found text"]
    early = {**base, "version": 3, "statements": [{"id": "s", "text": "x", "order": 2}]}
    with pytest.raises(InterchangeError) as caught:
        import_document(early, tmp_path / "early.casefile")
    assert caught.value.errors == ["statements[0].order: not in format version 3 (added in version 4)"]


# ----- the packet -------------------------------------------------------------------------


def test_the_packet_prints_a_day_by_time_then_by_the_users_order(sample_cf, tmp_path):
    complies = next(t["id"] for t in export_document(sample_cf)["timeline"] if t["title"] == COMPLIES)
    before = get_record(sample_cf, Kind.TIMELINE, complies)["date"]
    path = tmp_path / "packet.pdf"
    render_briefing(export_document(sample_cf, editions=False), path, BriefingOptions(deterministic=True))
    chronology = section_text(path, "Chronology")
    at = [chronology.index(title[:30]) for title in (ORDERS, REACHES, COMPLIES)]
    assert at == sorted(at), chronology  # ordered, then 5:21 p.m., then complied
    statements = section_text(path, next(t for t in outline(path) if t.startswith("Statements")))
    assert statements.index("We are complying") < statements.index("However, we disagree")
    assert statements.index("widely available") < statements.index("used every day by the defenders")

    # The user's order, as moved in the file, is the packet's.
    reaches = next(t["id"] for t in export_document(sample_cf)["timeline"] if t["title"] == REACHES)
    _move(sample_cf, complies, reaches, up=True)
    assert get_record(sample_cf, Kind.TIMELINE, complies)["date"] == before
    render_briefing(export_document(sample_cf, editions=False), path, BriefingOptions(deterministic=True))
    chronology = section_text(path, "Chronology")
    at = [chronology.index(title[:30]) for title in (ORDERS, COMPLIES, REACHES)]
    assert at == sorted(at), chronology
