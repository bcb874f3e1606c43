"""JSON interchange: exact round trips, ids, overwriting and progress.

Refusals are in test_core_interchange_refusals.py.
"""

from __future__ import annotations

import json
import uuid

import pytest
from core_fixtures import folder_listing, minimal_document, table_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.errors import CaseFileError
from db.fields import JSON_ORDER, KINDS, Kind
from db.interchange import dumps, export_document, export_json, import_document, import_json, loads
from db.records import add_record, update_record
from db.sqlite.casefile import CaseFile


def _export_text(path) -> str:
    with CaseFile.open(path, read_only=True) as cf:
        return dumps(export_document(cf))


def _round_trip(doc, folder) -> tuple[str, str]:
    """Import ``doc``, export, import the export, export again; return both exports."""
    first = folder / f"{uuid.uuid4().hex}.casefile"
    import_document(doc, first)
    text1 = _export_text(first)
    second = folder / f"{uuid.uuid4().hex}.casefile"
    import_document(loads(text1.encode("utf-8")), second)
    return text1, _export_text(second)


# ----- round trips ------------------------------------------------------------------------


def test_sample_export_import_export_is_byte_identical(sample_path, tmp_path):
    exported = tmp_path / "a.json"
    with CaseFile.open(sample_path, read_only=True) as cf:
        export_json(cf, exported)
    copy_path = tmp_path / "copy.casefile"
    summary = import_json(exported, copy_path)
    assert summary.path == copy_path
    assert summary.counts == {
        kind: len(json.loads(exported.read_text("utf-8"))[KINDS[kind].json_name]) for kind in JSON_ORDER
    }
    again = tmp_path / "b.json"
    with CaseFile.open(copy_path, read_only=True) as cf:
        export_json(cf, again)
    assert again.read_bytes() == exported.read_bytes()
    assert folder_listing(tmp_path) == ["a.json", "b.json", "copy.casefile", "sample.casefile"]


def test_export_is_canonical_json(sample_path):
    text = _export_text(sample_path)
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert "’" in text and "\\u2019" not in text  # UTF-8, not escapes
    assert text.startswith('{\n  "format": "casefile",\n  "version": 4,\n  "case": {\n    "title": ')
    doc = json.loads(text)
    assert list(doc) == [
        "format",
        "version",
        "case",
        "sources",
        "actors",
        "statements",
        "directives",
        "timeline",
    ]
    assert list(doc["case"]) == ["title", "subtitle", "summary", "bottom_line", "marking", "prepared_by", "as_of"]
    assert list(doc["actors"][0]) == ["id", "name", "kind", "role", "affiliation", "description", "tags"]
    assert list(doc["statements"][0]) == [
        "id",
        "speaker",
        "text",
        "date",
        "order",
        "venue",
        "verbatim",
        "source",
        "locator",  # version 4 (the bottom line) holds every version-2 field, empty or not
        "notes",
        "tags",
    ]
    assert list(doc["directives"][0]) == [
        "id",
        "identifier",
        "title",
        "kind",
        "issuer",
        "issued",
        "effective",
        "status",
        "summary",
        "provisions",
        "parties",
        "source",
        "tags",
    ]
    assert list(doc["timeline"][0]) == [
        "id",
        "date",
        "order",
        "title",
        "description",
        "actors",
        "directive",
        "statement",
        "key",
        "source",
        "locator",
        "tags",
    ]
    assert "created_at" not in text and "updated_at" not in text and "briefing_options" not in text


def test_export_order_is_stable_and_documented(sample_path):
    doc = json.loads(_export_text(sample_path))
    titles = [s["title"] for s in doc["sources"]]
    assert titles == sorted(titles, key=lambda t: (t.casefold(), t))
    names = [a["name"] for a in doc["actors"]]
    assert names == sorted(names, key=lambda t: (t.casefold(), t))
    from db.dates import PartialDate

    keys = [
        (PartialDate.parse_iso(r["issued"]).sort_key if r["issued"] else "", r["title"], r["id"])
        for r in doc["directives"]
    ]
    assert keys == sorted(keys)
    for name in ("timeline", "statements"):  # by day, then the place within the day
        days = [
            (PartialDate.parse_iso(r["date"]).sort_key[:10] if r["date"] else "", r.get("order") or 0)
            for r in doc[name]
        ]
        assert days == sorted(days), name
    assert doc["statements"][0]["date"] is None  # undated first


def test_exporting_twice_gives_the_same_bytes_even_after_an_edit_is_undone(sample_path):
    first = _export_text(sample_path)
    with CaseFile.open(sample_path) as cf:
        rid = next(r["id"] for r in export_document(cf)["actors"] if r["name"] == "Meta")
        old = update_record(cf, Kind.ACTOR, rid, {"role": "Changed"})
        assert dumps(export_document(cf)) != first
        update_record(cf, Kind.ACTOR, rid, old)
    assert _export_text(sample_path) == first


@st.composite
def iso_dates(draw: st.DrawFn) -> str:
    from db.dates import PartialDate

    year = draw(st.integers(1900, 2100))
    precision = draw(st.sampled_from(("year", "month", "day", "time")))
    if precision == "year":
        return PartialDate(year).iso
    month = draw(st.integers(1, 12))
    if precision == "month":
        return PartialDate(year, month).iso
    day = draw(st.integers(1, 28))
    if precision == "day":
        return PartialDate(year, month, day).iso
    offset = draw(st.one_of(st.none(), st.integers(-720, 840)))
    second = draw(st.one_of(st.none(), st.integers(0, 59)))
    return PartialDate(year, month, day, draw(st.integers(0, 23)), draw(st.integers(0, 59)), second, offset).iso


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40
)  # any Unicode, including control characters (which import drops) and blanks
WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(str.strip)
MAYBE_TEXT = st.one_of(st.none(), TEXT)
MAYBE_DATE = st.one_of(st.none(), iso_dates())
TAGS = st.lists(st.one_of(WORDS, st.just("  padded  ")), max_size=4)


@st.composite
def random_documents(draw: st.DrawFn) -> dict:
    used: set[str] = set()

    def ident(prefix: str, i: int) -> str:
        value = str(draw(st.uuids())) if draw(st.booleans()) else f"{prefix}-{i}"
        value = f"{prefix}-{i}" if value in used else value
        used.add(value)
        return value

    sources = [
        {
            "id": ident("s", i),
            "title": draw(WORDS),
            "publisher": draw(MAYBE_TEXT),
            "url": draw(MAYBE_TEXT),
            "published": draw(MAYBE_DATE),
            "accessed": draw(MAYBE_DATE),
            "notes": draw(MAYBE_TEXT),
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    source_ids = st.one_of(st.none(), st.sampled_from([s["id"] for s in sources])) if sources else st.none()
    actors: list[dict] = []
    for i in range(draw(st.integers(1, 5))):
        aid = ident("a", i)
        others = [a["id"] for a in actors]
        actors.append(
            {
                "id": aid,
                "name": draw(WORDS),
                "kind": draw(st.sampled_from(("person", "company", None))),
                "role": draw(MAYBE_TEXT),
                "description": draw(MAYBE_TEXT),
                "tags": draw(TAGS),
                "affiliation": draw(st.one_of(st.none(), st.sampled_from(others))) if others else None,
            }
        )
    # An affiliation may point forward in the list, too.
    if len(actors) > 1 and draw(st.booleans()):
        actors[0]["affiliation"] = actors[-1]["id"]
    actor_ids = [a["id"] for a in actors]
    statements = [
        {
            "id": ident("st", i),
            "speaker": draw(st.one_of(st.none(), st.sampled_from(actor_ids))),
            "text": draw(WORDS),
            "date": draw(MAYBE_DATE),
            "venue": draw(MAYBE_TEXT),
            "verbatim": draw(st.booleans()),
            "source": draw(source_ids),
            "tags": draw(TAGS),
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    directives = [
        {
            "id": ident("d", i),
            "identifier": draw(MAYBE_TEXT),
            "title": draw(WORDS),
            "kind": draw(st.sampled_from(("executive_order", "export_control", "other"))),
            "issuer": draw(st.one_of(st.none(), st.sampled_from(actor_ids))),
            "issued": draw(MAYBE_DATE),
            "effective": draw(MAYBE_DATE),
            "status": draw(st.sampled_from((None, "proposed", "in_force"))),
            "summary": draw(MAYBE_TEXT),
            "provisions": draw(st.lists(TEXT, max_size=3)),
            "parties": draw(st.lists(st.sampled_from(actor_ids), max_size=5)),
            "source": draw(source_ids),
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    timeline = [
        {
            "id": ident("t", i),
            "date": draw(iso_dates()),
            "title": draw(WORDS),
            "description": draw(MAYBE_TEXT),
            "actors": draw(st.lists(st.sampled_from(actor_ids), max_size=4)),
            "directive": draw(st.sampled_from([None, *[d["id"] for d in directives]])),
            "statement": draw(st.sampled_from([None, *[s["id"] for s in statements]])),
            "key": draw(st.booleans()),
            "source": draw(source_ids),
            "tags": draw(TAGS),
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    case = {
        "title": draw(WORDS),
        "subtitle": draw(MAYBE_TEXT),
        "summary": draw(MAYBE_TEXT),
        "marking": draw(MAYBE_TEXT),
        "as_of": draw(MAYBE_DATE),
    }
    return {
        "format": "casefile",
        "version": 1,
        "case": case,
        "sources": sources,
        "actors": actors,
        "statements": statements,
        "directives": directives,
        "timeline": timeline,
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(random_documents())
def test_a_random_case_round_trips_byte_for_byte(tmp_path, doc):
    text1, text2 = _round_trip(doc, tmp_path)
    assert text1 == text2
    exported = json.loads(text1)
    # Nothing was lost on the way in: titles, links and dates arrive as given.
    for kind in JSON_ORDER:
        spec = KINDS[kind]
        given_titles = sorted(r[spec.title_field] for r in doc[spec.json_name])
        assert sorted(r[spec.title_field] for r in exported[spec.json_name]) == given_titles
    assert _links(exported) == _links(doc)
    assert sorted(t["date"] for t in exported["timeline"]) == sorted(t["date"] for t in doc["timeline"])


def _links(doc: dict) -> dict[str, list]:
    """Every link of a document, by the names of the records at both ends (ids change on import)."""
    actor = {a["id"]: a["name"] for a in doc["actors"]}
    title = {r["id"]: r[KINDS[k].title_field] for k in JSON_ORDER for r in doc[KINDS[k].json_name]}

    def names(ids):
        return tuple(actor[i] for i in dict.fromkeys(ids))  # a repeated link is kept once

    return {
        "affiliation": sorted((a["name"], str(title.get(a.get("affiliation")))) for a in doc["actors"]),
        "speaker": sorted((s["text"], str(actor.get(s["speaker"]))) for s in doc["statements"]),
        "parties": sorted((d["title"], names(d["parties"]), str(actor.get(d["issuer"]))) for d in doc["directives"]),
        "timeline": sorted(
            (
                t["title"],
                names(t["actors"]),
                str(title.get(t["directive"])),
                str(title.get(t["statement"])),
                str(title.get(t["source"])),
            )
            for t in doc["timeline"]
        ),
    }


def test_control_characters_and_blanks_are_cleaned_once_and_then_stable(tmp_path):
    doc = minimal_document()
    doc["actors"][0]["description"] = "line\x00one\x1b\nline two\t"
    doc["actors"][0]["role"] = "   "
    doc["actors"][0]["tags"] = ["  spaced  ", "spaced", ""]
    doc["statements"][0]["notes"] = ""
    text1, text2 = _round_trip(doc, tmp_path)
    assert text1 == text2
    meta = next(a for a in json.loads(text1)["actors"] if a["name"] == "Meta")
    assert meta["description"] == "lineone\nline two\t"
    assert meta["role"] is None
    assert meta["tags"] == ["spaced"]


# ----- ids --------------------------------------------------------------------------------


def test_import_keeps_uuid_ids_and_replaces_other_ids(tmp_path):
    kept = "0e8a2b5c-1d3f-4a6b-8c9d-0e1f2a3b4c5d"
    upper = "ABCDEF01-2345-4678-9ABC-DEF012345678"
    doc = minimal_document()
    doc["actors"][0]["id"] = kept
    doc["actors"][1]["affiliation"] = kept
    doc["directives"][0]["parties"] = [kept]
    doc["timeline"][0]["actors"] = [kept, "brennan"]
    doc["sources"][0]["id"] = upper
    for record in (doc["statements"][0], doc["timeline"][0]):
        record["source"] = upper
    path = tmp_path / "ids.casefile"
    import_document(doc, path)
    out = json.loads(_export_text(path))
    meta = next(a for a in out["actors"] if a["name"] == "Meta")
    brennan = next(a for a in out["actors"] if a["name"] == "Francis Brennan")
    assert meta["id"] == kept
    assert out["sources"][0]["id"] == upper.lower()
    assert brennan["id"] != "brennan"
    for record in [brennan, *out["statements"], *out["directives"], *out["timeline"]]:
        assert uuid.UUID(record["id"]) and len(record["id"]) == 36
    assert brennan["affiliation"] == kept
    assert out["statements"][0]["speaker"] == brennan["id"]
    assert out["timeline"][0]["actors"] == [kept, brennan["id"]]
    assert out["timeline"][0]["statement"] == out["statements"][0]["id"]
    assert out["timeline"][0]["directive"] == out["directives"][0]["id"]
    assert table_rows(path, f"SELECT name FROM actor WHERE id = '{kept}'") == [("Meta",)]


def test_importing_the_same_non_uuid_document_twice_gives_new_ids_each_time(tmp_path):
    a, b = tmp_path / "a.casefile", tmp_path / "b.casefile"
    import_document(minimal_document(), a)
    import_document(minimal_document(), b)
    ids_a = {r[0] for r in table_rows(a, "SELECT id FROM actor")}
    ids_b = {r[0] for r in table_rows(b, "SELECT id FROM actor")}
    assert ids_a.isdisjoint(ids_b)


def test_optional_fields_may_be_omitted_or_null_and_take_their_defaults(tmp_path):
    doc = {
        "format": "casefile",
        "version": 1,
        "case": {"title": "Bare"},
        "actors": [{"id": "a", "name": "Someone", "kind": None, "tags": None}],
        "statements": [{"id": "s", "text": "Words", "verbatim": None}],
        "directives": [{"id": "d", "title": "Order", "status": None, "parties": None}],
        "timeline": None,
    }
    path = tmp_path / "bare.casefile"
    import_document(doc, path)
    out = json.loads(_export_text(path))
    assert out["case"] == {
        "title": "Bare",
        "subtitle": None,
        "summary": None,
        "marking": None,
        "prepared_by": None,
        "as_of": None,
    }
    assert out["actors"][0]["kind"] == "other" and out["actors"][0]["tags"] == []
    assert out["statements"][0]["verbatim"] is False and out["statements"][0]["speaker"] is None
    assert out["directives"][0]["kind"] == "other" and out["directives"][0]["status"] is None
    assert out["sources"] == [] and out["timeline"] == []


def test_export_json_does_not_overwrite_unless_asked(sample_cf, tmp_path):
    target = tmp_path / "out.json"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(CaseFileError, match=r"out\.json already exists"):
        export_json(sample_cf, target)
    assert target.read_text(encoding="utf-8") == "keep me"
    export_json(sample_cf, target, overwrite=True)
    assert json.loads(target.read_text(encoding="utf-8"))["format"] == "casefile"
    assert folder_listing(tmp_path) == ["out.json", "sample.casefile"]


def test_import_reports_progress_to_the_end(tmp_path):
    seen = []
    import_document(
        minimal_document(), tmp_path / "p.casefile", progress=lambda done, total: seen.append((done, total))
    )
    assert seen and seen[-1][0] == seen[-1][1] > 0


def test_records_added_in_the_app_export_and_import_with_their_ids(empty_cf, tmp_path):
    rid = add_record(empty_cf, Kind.ACTOR, {"name": "Ünïcødé “Actor” 🙂", "tags": ["日本語"]})
    exported = tmp_path / "e.json"
    export_json(empty_cf, exported)
    path = tmp_path / "i.casefile"
    import_json(exported, path)
    assert table_rows(path, "SELECT id, name, tags FROM actor") == [(rid, "Ünïcødé “Actor” 🙂", '["日本語"]')]
    assert _export_text(path) == exported.read_text(encoding="utf-8")
