"""The store: create, read, update and delete every kind of record, and what undo needs."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from core_fixtures import table_rows

import db.records as records
from db.dates import PartialDate
from db.errors import RecordError, ReferencedError
from db.fields import KINDS, Kind
from db.records import (
    add_record,
    delete_record,
    find_references,
    get_case,
    get_record,
    restore_record,
    update_case,
    update_record,
)


@pytest.fixture
def clock(monkeypatch):
    """A clock that moves on by one second at every reading (the store's only time source)."""
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ticks = itertools.count(1)

    def now() -> str:
        moment = start + dt.timedelta(seconds=next(ticks))
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    monkeypatch.setattr(records, "now_stamp", now)
    return now


@pytest.fixture
def case(empty_cf, clock):
    """A small case with one record of each kind, linked together."""
    cf = empty_cf
    ids = {}
    ids["source"] = add_record(cf, Kind.SOURCE, {"title": "The article", "published": "June 2026"})
    ids["meta"] = add_record(cf, Kind.ACTOR, {"name": "Meta", "kind": "company"})
    ids["anthropic"] = add_record(cf, Kind.ACTOR, {"name": "Anthropic", "kind": "company"})
    ids["brennan"] = add_record(
        cf,
        Kind.ACTOR,
        {"name": "Francis Brennan", "kind": "person", "role": "Meta spokesman", "affiliation": ids["meta"]},
    )
    ids["statement"] = add_record(
        cf,
        Kind.STATEMENT,
        {
            "speaker": ids["brennan"],
            "text": "We hope to sign the agreement soon.",
            "date": "June 23, 2026",
            "verbatim": True,
            "source": ids["source"],
        },
    )
    ids["directive"] = add_record(
        cf,
        Kind.DIRECTIVE,
        {
            "identifier": "EO 14409",
            "title": "Executive Order 14409",
            "kind": "executive_order",
            "issuer": ids["meta"],
            "parties": [ids["anthropic"], ids["meta"], ids["brennan"]],
            "provisions": ["Up to 30 days.", "Voluntary."],
            "source": ids["source"],
        },
    )
    ids["entry"] = add_record(
        cf,
        Kind.TIMELINE,
        {
            "date": "2026-06-23",
            "title": "Meta responds",
            "actors": [ids["brennan"], ids["meta"]],
            "directive": ids["directive"],
            "statement": ids["statement"],
            "key": True,
            "source": ids["source"],
        },
    )
    return cf, ids


# ----- create, read, update, delete -------------------------------------------------------

CRUD = {
    Kind.SOURCE: (
        {
            "title": "Report",
            "publisher": "NYT",
            "author": "A. Writer",
            "url": "https://example.org/a",
            "published": "2026-06-02",
            "accessed": "June 24, 2026",
            "notes": "Line one.\n\nLine two.",
        },
        {"title": "Report (updated)", "published": "May 2026", "url": None},
    ),
    Kind.ACTOR: (
        {
            "name": "CAISI",
            "kind": "government",
            "role": "Review body",
            "description": "At NIST.",
            "tags": ["caisi", "government"],
        },
        {"kind": "organization", "tags": ["nist"], "role": ""},
    ),
    Kind.STATEMENT: (
        {
            "text": "This story is not unusual,",
            "date": "6/23/2026",
            "venue": "email to reporters",
            "verbatim": True,
            "notes": "Commerce spokesman.",
            "tags": ["commerce"],
        },
        {"verbatim": False, "date": "2026", "venue": None},
    ),
    Kind.DIRECTIVE: (
        {
            "identifier": "EO 14409",
            "title": "AI innovation and security",
            "kind": "executive_order",
            "issued": "June 2, 2026",
            "effective": "2026-06-02",
            "status": "in_force",
            "summary": "Voluntary review.",
            "provisions": ["Up to 30 days.", "", "Not mandatory."],
            "tags": ["eo"],
        },
        {"status": None, "kind": "guidance", "provisions": ["Only one."]},
    ),
    Kind.TIMELINE: (
        {
            "date": "2026-06-12T17:21-04:00",
            "title": "Directive reaches Anthropic",
            "description": "5:21 p.m. ET.",
            "key": True,
            "tags": ["export-control"],
        },
        {"date": "June 12, 2026", "key": False, "title": "Directive delivered"},
    ),
}


def _expected(kind: Kind, values: dict) -> dict:
    """What reading back ``values`` should give (dates parsed, blanks as None, lists cleaned)."""
    out = {}
    for f in KINDS[kind].fields:
        if f.name not in values:
            continue
        value = values[f.name]
        if f.type.value == "date":
            value = PartialDate.parse(value) if value else None
        elif f.type.value == "lines":
            value = [v for v in value if v.strip()]
        elif isinstance(value, str) and not value.strip():
            value = None
        out[f.name] = value
    return out


@pytest.mark.parametrize("kind", list(Kind))
def test_add_get_update_delete_every_kind(empty_cf, clock, kind):
    values, changes = CRUD[kind]
    rid = add_record(empty_cf, kind, values)
    record = get_record(empty_cf, kind, rid)
    assert record["id"] == rid
    assert {k: record[k] for k in values} == _expected(kind, values)
    assert record["created_at"] == record["updated_at"]

    old = update_record(empty_cf, kind, rid, changes)
    assert old == {k: record[k] for k in changes}
    updated = get_record(empty_cf, kind, rid)
    assert {k: updated[k] for k in changes} == _expected(kind, changes)
    assert updated["created_at"] == record["created_at"]
    assert updated["updated_at"] > record["updated_at"]
    untouched = set(values) - set(changes)
    assert {k: updated[k] for k in untouched} == {k: record[k] for k in untouched}

    table = KINDS[kind].table
    path = empty_cf.path
    assert table_rows(path, f"SELECT id, updated_at FROM {table}") == [(rid, updated["updated_at"])]

    deleted = delete_record(empty_cf, kind, rid)
    assert deleted.values == updated
    assert deleted.cleared == []
    with pytest.raises(RecordError, match="no longer exists"):
        get_record(empty_cf, kind, rid)
    assert table_rows(path, f"SELECT count(*) FROM {table}") == [(0,)]


def test_values_land_in_the_file_in_their_stored_form(case):
    cf, ids = case
    columns = "text, date, date_key, verbatim, speaker_id, tags"
    sql = f"SELECT {columns} FROM statement WHERE id = '{ids['statement']}'"
    rows = table_rows(cf.path, sql)
    assert rows == [("We hope to sign the agreement soon.", "2026-06-23", "2026-06-23", 1, ids["brennan"], "[]")]
    provisions = table_rows(cf.path, f"SELECT provisions FROM directive WHERE id = '{ids['directive']}'")[0][0]
    assert json.loads(provisions) == ["Up to 30 days.", "Voluntary."]


def test_text_is_cleaned_and_lists_are_tidied(empty_cf):
    rid = add_record(
        empty_cf,
        Kind.ACTOR,
        {"name": "Meta\x00\x07 Platforms", "role": "   ", "tags": [" policy ", "policy", "", "ai\x1b"]},
    )
    record = get_record(empty_cf, Kind.ACTOR, rid)
    assert record["name"] == "Meta Platforms"
    assert record["role"] is None
    assert record["tags"] == ["policy", "ai"]
    assert record["kind"] == "other"  # the default


def test_an_unknown_field_is_refused(empty_cf):
    with pytest.raises(RecordError, match="no field 'nmae'"):
        add_record(empty_cf, Kind.ACTOR, {"nmae": "Meta"})
    rid = add_record(empty_cf, Kind.ACTOR, {"name": "Meta"})
    with pytest.raises(RecordError, match='no field "colour"'):
        update_record(empty_cf, Kind.ACTOR, rid, {"colour": "blue"})


# ----- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "values", "message"),
    [
        (Kind.SOURCE, {"publisher": "NYT"}, "Title is required."),
        (Kind.ACTOR, {"name": "   "}, "Name is required."),
        (Kind.STATEMENT, {"venue": "email"}, "Text is required."),
        (Kind.DIRECTIVE, {"identifier": "EO 1"}, "Title is required."),
        (Kind.TIMELINE, {"title": "Undated"}, "Date is required."),
        (Kind.TIMELINE, {"date": "2026"}, "Title is required."),
    ],
)
def test_required_fields_are_refused(empty_cf, kind, values, message):
    with pytest.raises(RecordError) as caught:
        add_record(empty_cf, kind, values)
    assert str(caught.value) == message
    assert table_rows(empty_cf.path, f"SELECT count(*) FROM {KINDS[kind].table}") == [(0,)]


def test_clearing_a_required_field_is_refused_and_nothing_changes(case):
    cf, ids = case
    before = get_record(cf, Kind.ACTOR, ids["meta"])
    with pytest.raises(RecordError, match="Name is required"):
        update_record(cf, Kind.ACTOR, ids["meta"], {"role": "Company", "name": ""})
    assert get_record(cf, Kind.ACTOR, ids["meta"]) == before


@pytest.mark.parametrize(
    ("kind", "values", "needle"),
    [
        (Kind.ACTOR, {"name": "X", "kind": "alien"}, 'Kind: "alien" is not one of person, company'),
        (Kind.DIRECTIVE, {"title": "X", "kind": "memo"}, 'Kind: "memo" is not one of executive_order'),
        (Kind.DIRECTIVE, {"title": "X", "status": "pending"}, 'Status: "pending" is not one of proposed'),
        (Kind.STATEMENT, {"text": "X", "verbatim": "yes"}, "Verbatim must be yes or no."),
        (Kind.ACTOR, {"name": "X", "tags": "one,two"}, "Tags must be a list."),
    ],
)
def test_invalid_choices_and_types_are_refused(empty_cf, kind, values, needle):
    with pytest.raises(RecordError, match=needle):
        add_record(empty_cf, kind, values)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Feb 30, 2026", "February 2026 has no day 30"),
        ("2026-13", "month 13 is out of range"),
        ("soon", None),
    ],
)
def test_an_invalid_date_is_refused_with_the_reason(empty_cf, text, reason):
    with pytest.raises(RecordError) as caught:
        add_record(empty_cf, Kind.STATEMENT, {"text": "X", "date": text})
    message = str(caught.value)
    assert message.startswith(f'Date: Cannot read "{text}" as a date')
    if reason:
        assert reason in message


def test_dangling_and_wrong_kind_references_are_refused(case):
    cf, ids = case
    with pytest.raises(RecordError, match="Speaker: the actor no longer exists"):
        add_record(cf, Kind.STATEMENT, {"text": "X", "speaker": "00000000-0000-4000-8000-000000000000"})
    with pytest.raises(RecordError, match="Speaker: the actor no longer exists"):
        add_record(cf, Kind.STATEMENT, {"text": "X", "speaker": ids["source"]})  # a source, not an actor
    with pytest.raises(RecordError, match="Directive: the directive no longer exists"):
        update_record(cf, Kind.TIMELINE, ids["entry"], {"directive": ids["statement"]})
    parties_before = get_record(cf, Kind.DIRECTIVE, ids["directive"])["parties"]
    with pytest.raises(RecordError, match="Parties: the actor no longer exists"):
        update_record(cf, Kind.DIRECTIVE, ids["directive"], {"parties": [ids["meta"], "nobody"]})
    assert get_record(cf, Kind.DIRECTIVE, ids["directive"])["parties"] == parties_before
    assert table_rows(cf.path, "SELECT count(*) FROM statement") == [(1,)]


def test_an_actor_cannot_be_affiliated_with_itself(case):
    cf, ids = case
    with pytest.raises(RecordError, match="cannot refer to itself"):
        update_record(cf, Kind.ACTOR, ids["meta"], {"affiliation": ids["meta"]})
    assert get_record(cf, Kind.ACTOR, ids["meta"])["affiliation"] is None


def test_updating_or_deleting_a_missing_record_is_refused(empty_cf):
    ghost = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(RecordError, match="no longer exists"):
        update_record(empty_cf, Kind.ACTOR, ghost, {"name": "X"})
    with pytest.raises(RecordError, match="no longer exists"):
        delete_record(empty_cf, Kind.ACTOR, ghost)


# ----- link lists -------------------------------------------------------------------------


def test_link_lists_keep_their_order(case):
    cf, ids = case
    directive = get_record(cf, Kind.DIRECTIVE, ids["directive"])
    assert directive["parties"] == [ids["anthropic"], ids["meta"], ids["brennan"]]
    entry = get_record(cf, Kind.TIMELINE, ids["entry"])
    assert entry["actors"] == [ids["brennan"], ids["meta"]]

    update_record(cf, Kind.DIRECTIVE, ids["directive"], {"parties": [ids["brennan"], ids["anthropic"]]})
    update_record(cf, Kind.TIMELINE, ids["entry"], {"actors": [ids["meta"], ids["anthropic"], ids["brennan"]]})
    assert get_record(cf, Kind.DIRECTIVE, ids["directive"])["parties"] == [ids["brennan"], ids["anthropic"]]
    assert get_record(cf, Kind.TIMELINE, ids["entry"])["actors"] == [
        ids["meta"],
        ids["anthropic"],
        ids["brennan"],
    ]
    rows = table_rows(
        cf.path,
        f"SELECT actor_id, position FROM timeline_actor WHERE entry_id = '{ids['entry']}' ORDER BY position",
    )
    assert rows == [(ids["meta"], 0), (ids["anthropic"], 1), (ids["brennan"], 2)]


def test_a_repeated_link_is_kept_once(case):
    cf, ids = case
    update_record(cf, Kind.DIRECTIVE, ids["directive"], {"parties": [ids["meta"], ids["anthropic"], ids["meta"]]})
    assert get_record(cf, Kind.DIRECTIVE, ids["directive"])["parties"] == [ids["meta"], ids["anthropic"]]


# ----- deleting referenced records, and undoing it ----------------------------------------


def test_deleting_a_referenced_record_lists_the_references(case):
    cf, ids = case
    with pytest.raises(ReferencedError) as caught:
        delete_record(cf, Kind.ACTOR, ids["meta"])
    refs = {(r.kind, r.id, r.field) for r in caught.value.references}
    assert refs == {
        (Kind.ACTOR, ids["brennan"], "affiliation"),
        (Kind.DIRECTIVE, ids["directive"], "issuer"),
        (Kind.DIRECTIVE, ids["directive"], "parties"),
        (Kind.TIMELINE, ids["entry"], "actors"),
    }
    message = str(caught.value)
    assert "referred to by 4 record(s)" in message
    assert "Actor “Francis Brennan” (Affiliation)" in message
    assert "Directive “Executive Order 14409” (Issuer)" in message
    assert get_record(cf, Kind.ACTOR, ids["meta"])["name"] == "Meta"  # nothing was deleted
    assert {(r.kind, r.id, r.field) for r in find_references(cf, Kind.ACTOR, ids["meta"])} == refs


def test_a_source_cited_everywhere_is_referenced_by_each_citing_record(case):
    cf, ids = case
    with pytest.raises(ReferencedError) as caught:
        delete_record(cf, Kind.SOURCE, ids["source"])
    assert {r.kind for r in caught.value.references} == {Kind.STATEMENT, Kind.DIRECTIVE, Kind.TIMELINE}


def _snapshot(cf, ids):
    wanted = [
        (Kind.ACTOR, "meta"),
        (Kind.ACTOR, "brennan"),
        (Kind.ACTOR, "anthropic"),
        (Kind.STATEMENT, "statement"),
        (Kind.DIRECTIVE, "directive"),
        (Kind.TIMELINE, "entry"),
        (Kind.SOURCE, "source"),
    ]
    return {name: get_record(cf, kind, ids[name]) for kind, name in wanted}


@pytest.mark.parametrize(("kind", "name"), [(Kind.ACTOR, "meta"), (Kind.SOURCE, "source"), (Kind.ACTOR, "brennan")])
def test_delete_with_references_removed_then_restore_puts_everything_back(case, kind, name):
    cf, ids = case
    before = _snapshot(cf, ids)
    deleted = delete_record(cf, kind, ids[name], remove_references=True)
    assert deleted.cleared
    with pytest.raises(RecordError):
        get_record(cf, kind, ids[name])
    assert find_references(cf, kind, ids[name]) == []
    after_delete = _snapshot_without(cf, ids, name)
    for ref in deleted.cleared:  # every referring record lost the reference and was stamped
        current = next(v for v in after_delete.values() if v["id"] == ref.id)
        assert ids[name] not in (current[ref.field] if isinstance(current[ref.field], list) else [current[ref.field]])
        assert current["updated_at"] > ref.old_updated_at

    restore_record(cf, deleted)
    assert _snapshot(cf, ids) == before


def _snapshot_without(cf, ids, gone):
    wanted = [
        (Kind.ACTOR, "meta"),
        (Kind.ACTOR, "brennan"),
        (Kind.ACTOR, "anthropic"),
        (Kind.STATEMENT, "statement"),
        (Kind.DIRECTIVE, "directive"),
        (Kind.TIMELINE, "entry"),
        (Kind.SOURCE, "source"),
    ]
    return {name: get_record(cf, kind, ids[name]) for kind, name in wanted if name != gone}


def test_removing_references_keeps_the_other_links_in_order(case):
    cf, ids = case
    delete_record(cf, Kind.ACTOR, ids["meta"], remove_references=True)
    assert get_record(cf, Kind.DIRECTIVE, ids["directive"])["parties"] == [ids["anthropic"], ids["brennan"]]
    assert get_record(cf, Kind.DIRECTIVE, ids["directive"])["issuer"] is None
    assert get_record(cf, Kind.ACTOR, ids["brennan"])["affiliation"] is None
    assert get_record(cf, Kind.TIMELINE, ids["entry"])["actors"] == [ids["brennan"]]


def test_deleting_a_record_with_links_removes_its_link_rows(case):
    cf, ids = case
    delete_record(cf, Kind.TIMELINE, ids["entry"])
    assert table_rows(cf.path, "SELECT count(*) FROM timeline_actor") == [(0,)]
    delete_record(cf, Kind.DIRECTIVE, ids["directive"])
    assert table_rows(cf.path, "SELECT count(*) FROM directive_party") == [(0,)]


def test_update_record_returns_the_old_values_for_undo(case):
    cf, ids = case
    before = get_record(cf, Kind.STATEMENT, ids["statement"])
    old = update_record(cf, Kind.STATEMENT, ids["statement"], {"text": "New words.", "date": "2026", "speaker": None})
    assert old == {"text": before["text"], "date": before["date"], "speaker": ids["brennan"]}
    update_record(cf, Kind.STATEMENT, ids["statement"], old)
    restored = get_record(cf, Kind.STATEMENT, ids["statement"])
    assert {k: restored[k] for k in old} == old


# ----- the case ---------------------------------------------------------------------------


def test_get_and_update_case(empty_cf, clock):
    case = get_case(empty_cf)
    assert case["title"] == "Empty case"
    assert case["as_of"] is None
    old = update_case(
        empty_cf, {"subtitle": "A subtitle", "as_of": "June 24, 2026", "marking": "FOR INTERNAL USE ONLY"}
    )
    assert old == {"subtitle": None, "as_of": None, "marking": None}
    case2 = get_case(empty_cf)
    assert case2["subtitle"] == "A subtitle"
    assert case2["as_of"] == PartialDate(2026, 6, 24)
    assert case2["updated_at"] > case["updated_at"]
    assert case2["id"] == case["id"]
    assert table_rows(empty_cf.path, "SELECT as_of, as_of_key, marking FROM case_info") == [
        ("2026-06-24", "2026-06-24", "FOR INTERNAL USE ONLY")
    ]
    with pytest.raises(RecordError, match="Title is required"):
        update_case(empty_cf, {"title": " "})
    with pytest.raises(RecordError, match='no field "colour"'):
        update_case(empty_cf, {"colour": "red"})
    with pytest.raises(RecordError, match="As of: Cannot read"):
        update_case(empty_cf, {"as_of": "tomorrow"})
    assert get_case(empty_cf)["title"] == "Empty case"
