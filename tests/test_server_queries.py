"""The views' reads on a server case give what they give on the case file it was published from:
every list order, filter and page of rows, the timeline strip, the Case page and the pickers."""

from __future__ import annotations

import pytest
from server_fixtures import server  # noqa: F401  (fixture)

from db import overview, queries, records
from db.dates import PartialDate
from db.fields import KINDS, Kind
from db.postgres.case import ServerCase
from db.postgres.publish import publish_file
from db.queries import LIST_COLUMNS, ListQuery
from db.sqlite.casefile import CaseFile

pytestmark = pytest.mark.server

HOSTILE_TEXT = [
    "Robert'); DROP TABLE statement; --",
    'He said "no" \\ and \\\\ left; 100% of $$ quoted $tag$ [x] {"a": 1}',
    "مرحبا بالعالم — שלום עולם — 你好 — 🇺🇸👩🏽‍⚖️ — e\u0301 — \u200b\u202e reversed",
    "Ça coûte — ÉLYSÉE, Ærø, naïve café, Straße, İstanbul, ς σ",
    "zebra",
    "Zebra",
    "_underscore_ U.S. e-mail@example.com covid-19 1.5 v2.0",
    "x" * 5000,
]
# Dates of every form the list filters and the strip treat apart: years, months, days, times,
# spans (an interval, a quarter, a season), approximate and uncertain dates.
DATES = [
    "2024", "c. 2024", "2024?", "c. 2024?", "May 2026", "about March 2026", "June 2, 2026",
    "June 12, 2026, 5:21 p.m. EDT", "2026-06-12T17:21:30Z", "Q3 2025", "winter 2025", "mid-2026",
    "2024–2025", "June 2–5, 2026", "June 2, 2026",
]  # fmt: skip


@pytest.fixture
def published(server, sample_path):  # noqa: F811
    """The sample case with hostile text, odd tags and every form of date added, as a file and
    published; both open read-only."""
    with CaseFile.open(sample_path) as cf, cf.write() as conn:
        actor = records.insert_record(conn, Kind.ACTOR, {"name": "Élodie Brennan-Ørsted", "kind": "person"})
        for i, text in enumerate(HOSTILE_TEXT):
            tags = [text[:40], "Zeta", "alpha", "ÉTÉ"]
            records.insert_record(
                conn, Kind.ACTOR, {"name": text, "kind": "other", "tags": tags, "affiliation": actor if i % 2 else None}
            )
            records.insert_record(
                conn, Kind.STATEMENT, {"text": text, "speaker": actor, "tags": tags, "venue": text[:20]}
            )
            records.insert_record(conn, Kind.SOURCE, {"title": text, "publisher": text[::-1][:30]})
        for i, date in enumerate(DATES):
            records.insert_record(
                conn, Kind.TIMELINE, {"date": date, "title": f"{HOSTILE_TEXT[i % 8][:30]} {date}", "key": i % 3 == 0}
            )
            records.insert_record(
                conn, Kind.STATEMENT, {"text": f"On {date}: {HOSTILE_TEXT[i % 8][:50]}", "date": date}
            )
            records.insert_record(
                conn, Kind.DIRECTIVE, {"title": f"Order {i}", "kind": "guidance", "issued": date, "parties": [actor]}
            )
    address = server.address("reads")
    publish_file(sample_path, address)
    with CaseFile.open(sample_path, read_only=True) as cf, ServerCase.open(address, read_only=True) as case:
        yield cf, case


def _ids(store, kind: Kind, rowids) -> list[str]:
    rows = queries.fetch_rows(store, kind, list(rowids))
    return [str(rows[n][0]) for n in rowids]


FILTERS = [
    {},
    {"text": "bren"},
    {"text": "meta caisi"},
    {"text": "U.S."},
    {"text": "cafe"},
    {"text": "CAFÉ naï"},
    {"text": "'; drop"},
    {"text": "..."},
    {"text": "a:* & !b | c"},
    {"tag": "alpha"},
    {"tag": "ÉTÉ"},
    {"tag": "nope"},
    {"date_from": PartialDate.parse("2025"), "date_to": None},
    {"date_from": PartialDate.parse("2025-08"), "date_to": PartialDate.parse("2026-06-02")},
    {"date_from": None, "date_to": PartialDate.parse("2024")},
    {"date_from": PartialDate.parse("June 3, 2026"), "date_to": PartialDate.parse("June 4, 2026")},
    {"text": "zebra", "tag": "alpha", "date_from": None},
]


def test_every_list_order_and_filter_lists_the_same_records_on_the_server(published) -> None:
    cf, case = published
    compared = 0
    for kind in Kind:
        sorts = [None, *(col.name for col in LIST_COLUMNS[kind])]
        for sort in sorts:
            for descending in (False, True):
                for filters in FILTERS if sort is None else FILTERS[:1]:
                    query = ListQuery(kind, sort=sort, descending=descending, **filters)  # type: ignore[arg-type]
                    on_file = _ids(cf, kind, queries.list_rowids(cf, query))
                    on_server = _ids(case, kind, queries.list_rowids(case, query))
                    assert on_server == on_file, (kind, sort, descending, filters)
                    compared += bool(on_file)
    assert compared > 100  # the orders compared are not empty ones


def test_typed_words_match_the_same_records_on_the_server(published) -> None:
    cf, case = published
    for kind in Kind:
        for filters in FILTERS:
            text = str(filters.get("text", ""))
            on_file, on_server = queries.matching_rowids(cf, kind, text), queries.matching_rowids(case, kind, text)
            assert on_server == on_file, (kind, text)
    assert queries.matching_rowids(case, Kind.STATEMENT, "brenn")  # by the speaker's name too
    assert queries.matching_rowids(case, Kind.SOURCE, "cafe") == queries.matching_rowids(case, Kind.SOURCE, "CAFÉ")


def test_every_shown_column_holds_the_same_values_on_the_server(published) -> None:
    cf, case = published
    for kind in Kind:
        rowids = list(queries.list_rowids(cf, ListQuery(kind)))
        on_file = {row[0]: row for row in queries.fetch_rows(cf, kind, rowids).values()}
        on_server = {row[0]: row for row in queries.fetch_rows(case, kind, rowids).values()}
        assert on_server == on_file, kind
        assert {queries.rowid_of(case, kind, rid) for rid in on_file} == set(rowids)


def test_the_timeline_strip_case_page_and_pickers_read_the_same_on_the_server(published) -> None:
    cf, case = published
    marks = {store: queries.timeline_marks(store) for store in (cf, case)}
    ids = {store: _ids(store, Kind.TIMELINE, marks[store].rowids) for store in (cf, case)}
    assert ids[case] == ids[cf] and len(ids[cf]) > len(DATES)
    for field in ("start", "end", "key"):
        assert getattr(marks[case], field).tolist() == getattr(marks[cf], field).tolist(), field
    assert marks[case].titles == marks[cf].titles and marks[case].soft == marks[cf].soft and marks[cf].soft

    assert overview.front_page(case) == overview.front_page(cf)
    assert queries.counts(case) == queries.counts(cf)
    assert queries.date_span(case) == queries.date_span(cf)
    for kind in [None, *(k for k in Kind if "tags" in KINDS[k].by_name)]:
        assert queries.all_tags(case, kind) == queries.all_tags(cf, kind)
    for kind in Kind:
        for typed in ("", "e", "bren", "ÉLO", "zeb", "u.s", "!!"):
            assert queries.choices(case, kind, typed) == queries.choices(cf, kind, typed), (kind, typed)
        some = [rid for rid, _label in queries.choices(cf, kind, "", limit=20)] + ["no-such-id"]
        assert queries.labels(case, kind, some) == queries.labels(cf, kind, some)


def test_a_record_added_on_the_server_is_listed_and_found_at_once(server, sample_path) -> None:  # noqa: F811
    address = server.address("edit")
    publish_file(sample_path, address)
    with ServerCase.open(address) as case:
        rid = records.add_record(case, Kind.STATEMENT, {"text": "Quixotic pledge from Zürich", "date": "2026-07-01"})
        found = queries.list_rowids(case, ListQuery(Kind.STATEMENT, text="zuri quix"))
        assert _ids(case, Kind.STATEMENT, found) == [rid]
        records.update_record(case, Kind.STATEMENT, rid, {"text": "Plain words"})
        assert not queries.list_rowids(case, ListQuery(Kind.STATEMENT, text="zuri"))
        assert KINDS[Kind.STATEMENT].table == "statement"
