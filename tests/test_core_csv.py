"""CSV export: one file per kind plus case.csv, for Excel, safe against planted formulas."""

from __future__ import annotations

import csv

import pytest
from core_fixtures import folder_listing

from db.csv_export import CASE_CSV, CSV_NAMES, export_csv
from db.errors import CaseFileError
from db.fields import KINDS, Kind
from db.interchange import export_document
from db.queries import counts
from db.records import add_record, update_case

BOM = b"\xef\xbb\xbf"


def _read(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_one_file_per_kind_plus_case(sample_cf, tmp_path):
    folder = tmp_path / "csv" / "nested"
    written = export_csv(sample_cf, folder)
    assert sorted(p.name for p in written) == sorted([CASE_CSV, *CSV_NAMES.values()])
    assert folder_listing(folder) == [
        "actors.csv",
        "case.csv",
        "directives.csv",
        "sources.csv",
        "statements.csv",
        "timeline.csv",
    ]
    record_counts = counts(sample_cf)
    for kind, name in CSV_NAMES.items():
        data = (folder / name).read_bytes()
        assert data.startswith(BOM)
        assert data.decode("utf-8-sig")  # valid UTF-8 throughout
        assert b"\r\n" in data  # spreadsheet line endings
        rows = _read(folder / name)
        assert len(rows) == record_counts[kind]
        header = next(csv.reader((folder / name).open(encoding="utf-8-sig", newline="")))
        assert header[0] == "id"
        for f in KINDS[kind].fields:
            assert f.name in header
    case_rows = _read(folder / CASE_CSV)
    assert len(case_rows) == 1
    assert case_rows[0]["title"].startswith("CAISI Voluntary Review")
    assert case_rows[0]["marking"] == "FOR INTERNAL USE ONLY"
    assert case_rows[0]["as_of"] == "2026-06-24"


def test_references_are_named_as_well_as_given_by_id(sample_cf, tmp_path):
    export_csv(sample_cf, tmp_path)
    doc = export_document(sample_cf)
    actor_ids = {a["name"]: a["id"] for a in doc["actors"]}

    statements = _read(tmp_path / "statements.csv")
    brennan = next(r for r in statements if r["text"].startswith("We share the administration’s goal"))
    assert brennan["speaker"] == "Francis Brennan"
    assert brennan["speaker_id"] == actor_ids["Francis Brennan"]
    assert brennan["source"] == "Meta statement on the CAISI voluntary review agreement"
    assert brennan["verbatim"] == "yes"
    assert brennan["date"] == "2026-06-23"

    directives = _read(tmp_path / "directives.csv")
    eo = next(r for r in directives if r["identifier"] == "EO 14409")
    assert eo["issuer"] == "President Trump"
    parties = eo["parties"].split("; ")
    assert parties[0] == "Center for AI Standards and Innovation (CAISI)" and "Meta" in parties
    assert eo["parties_ids"].split("; ") == [actor_ids[name] for name in parties]
    assert len(eo["provisions"].split("\n")) == 7  # one provision per line inside the cell

    timeline = _read(tmp_path / "timeline.csv")
    delivery = next(r for r in timeline if r["date"] == "2026-06-12T17:21-04:00")
    assert delivery["actors"] == "Anthropic"
    assert delivery["key"] == "yes"

    actors = _read(tmp_path / "actors.csv")
    brennan_actor = next(r for r in actors if r["name"] == "Francis Brennan")
    assert brennan_actor["affiliation"] == "Meta"
    assert brennan_actor["tags"] == "; ".join(next(a for a in doc["actors"] if a["name"] == "Francis Brennan")["tags"])


@pytest.mark.parametrize(
    "danger", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "=cmd|' /C calc'!A0"]
)
def test_formula_looking_cells_are_prefixed_with_an_apostrophe(empty_cf, tmp_path, danger):
    speaker = add_record(empty_cf, Kind.ACTOR, {"name": danger, "tags": [danger.strip()]})
    add_record(empty_cf, Kind.STATEMENT, {"text": danger, "speaker": speaker, "venue": "safe venue"})
    add_record(empty_cf, Kind.DIRECTIVE, {"title": "Order", "provisions": [danger, "second"], "parties": [speaker]})
    update_case(empty_cf, {"subtitle": danger})
    export_csv(empty_cf, tmp_path)

    statement = _read(tmp_path / "statements.csv")[0]
    assert statement["text"] == "'" + danger
    assert statement["speaker"] == "'" + danger  # a referenced name is a cell too
    assert statement["venue"] == "safe venue"
    actor = _read(tmp_path / "actors.csv")[0]
    assert actor["name"] == "'" + danger
    directive = _read(tmp_path / "directives.csv")[0]
    assert directive["provisions"] == "'" + danger + "\nsecond"
    assert directive["parties"] == "'" + danger
    assert _read(tmp_path / "case.csv")[0]["subtitle"] == "'" + danger
    for row in _read(tmp_path / "statements.csv") + _read(tmp_path / "actors.csv"):
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t"))


def test_ordinary_text_is_not_prefixed(empty_cf, tmp_path):
    add_record(empty_cf, Kind.STATEMENT, {"text": "Costs rose 5% - a lot = much", "date": "2026-06-02"})
    export_csv(empty_cf, tmp_path)
    row = _read(tmp_path / "statements.csv")[0]
    assert row["text"] == "Costs rose 5% - a lot = much"
    assert row["date"] == "2026-06-02"
    assert row["verbatim"] == "no"
    assert row["speaker"] == "" and row["speaker_id"] == ""


def test_existing_csv_files_are_not_overwritten_unless_asked(sample_cf, tmp_path):
    (tmp_path / "actors.csv").write_text("keep", encoding="utf-8")
    with pytest.raises(CaseFileError, match=r"actors\.csv already exists"):
        export_csv(sample_cf, tmp_path)
    assert (tmp_path / "actors.csv").read_text(encoding="utf-8") == "keep"
    assert folder_listing(tmp_path) == ["actors.csv", "sample.casefile"]
    export_csv(sample_cf, tmp_path, overwrite=True)
    assert len(_read(tmp_path / "actors.csv")) == 20
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_file_in_place_of_the_folder_is_refused(sample_cf, tmp_path):
    target = tmp_path / "out"
    target.write_text("not a folder", encoding="utf-8")
    with pytest.raises(CaseFileError, match="is a file, not a folder"):
        export_csv(sample_cf, target)
