"""The pinpoint within a source (``locator``) on statements and timeline entries, end to end:
stored, upgraded into older files, searched, exported and imported in JSON (format version 2,
and version 1 still read and written when nothing needs more), exported to CSV, printed."""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import pytest
from briefing_fixtures import pdftotext_pages
from core_fixtures import make_v1_file, minimal_document, table_rows

from db.csv_export import export_csv
from db.errors import InterchangeError
from db.fields import KINDS, Kind
from db.interchange import dumps, export_document, import_document, loads
from db.records import add_record, get_record, update_record
from db.search import search
from db.sqlite.casefile import CaseFile
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing

PINPOINTED = (Kind.STATEMENT, Kind.TIMELINE)


def _case(tmp_path: Path) -> tuple[CaseFile, dict[Kind, str]]:
    cf = CaseFile.create(tmp_path / "case.casefile", title="Pinpoints")
    source = add_record(cf, Kind.SOURCE, {"title": "Hearing transcript"})
    ids = {
        Kind.SOURCE: source,
        Kind.STATEMENT: add_record(cf, Kind.STATEMENT, {"text": "We will comply.", "source": source}),
        Kind.TIMELINE: add_record(cf, Kind.TIMELINE, {"date": "2026-06-02", "title": "Hearing", "source": source}),
    }
    return cf, ids


@pytest.mark.parametrize("kind", PINPOINTED)
def test_locator_is_a_declared_field_stored_and_searchable(tmp_path: Path, kind: Kind) -> None:
    cf, ids = _case(tmp_path)
    try:
        assert KINDS[kind].field("locator").label == "Pinpoint"
        update_record(cf, kind, ids[kind], {"locator": "slide 7"})
        assert get_record(cf, kind, ids[kind])["locator"] == "slide 7"
        hits = [h for h in search(cf, "slide 7") if h.kind is kind]
        assert [h.id for h in hits] == [ids[kind]]
        update_record(cf, kind, ids[kind], {"locator": ""})
        assert get_record(cf, kind, ids[kind])["locator"] is None
        assert not [h for h in search(cf, "slide") if h.kind is kind]
    finally:
        cf.close()


def test_an_older_file_gains_the_field_and_its_index_on_upgrade(tmp_path: Path) -> None:
    path = make_v1_file(tmp_path / "old.casefile")
    (tmp_path / "backups").mkdir()
    cf = CaseFile.open(path, backup_dir=tmp_path / "backups")
    try:
        (statement_id,) = (str(r[0]) for r in table_rows(path, "SELECT id FROM statement"))
        assert get_record(cf, Kind.STATEMENT, statement_id)["locator"] is None
        update_record(cf, Kind.STATEMENT, statement_id, {"locator": "¶ 12"})
        assert [h.id for h in search(cf, "12")] == [statement_id]
        assert search(cf, "hope")  # the rebuilt index still holds the older text
    finally:
        cf.close()


def test_json_round_trip_keeps_locators_as_version_2(tmp_path: Path) -> None:
    cf, ids = _case(tmp_path)
    try:
        update_record(cf, Kind.STATEMENT, ids[Kind.STATEMENT], {"locator": "p. 4"})
        update_record(cf, Kind.TIMELINE, ids[Kind.TIMELINE], {"locator": "at 14:05"})
        doc = export_document(cf)
    finally:
        cf.close()
    assert doc["version"] == 2
    assert [s["locator"] for s in doc["statements"]] == ["p. 4"]
    assert [t["locator"] for t in doc["timeline"]] == ["at 14:05"]
    text = dumps(doc)
    import_document(loads(text), tmp_path / "copy.casefile")
    again = CaseFile.open(tmp_path / "copy.casefile", read_only=True)
    try:
        assert dumps(export_document(again)) == text
    finally:
        again.close()


def test_a_case_without_locators_exports_as_version_1(tmp_path: Path) -> None:
    cf, _ids = _case(tmp_path)
    try:
        doc = export_document(cf)
    finally:
        cf.close()
    assert doc["version"] == 1
    for kind in PINPOINTED:
        assert all("locator" not in record for record in doc[KINDS[kind].json_name])


def test_version_1_documents_import_without_it_and_may_not_carry_it(tmp_path: Path) -> None:
    doc = minimal_document()
    assert doc["version"] == 1
    import_document(copy.deepcopy(doc), tmp_path / "v1.casefile")
    statements = doc["statements"]
    assert isinstance(statements, list) and statements
    statements[0]["locator"] = "p. 4"
    with pytest.raises(InterchangeError) as refused:
        import_document(copy.deepcopy(doc), tmp_path / "refused.casefile")
    assert refused.value.errors == ["statements[0].locator: not in format version 1 (added in version 2)"]
    assert not (tmp_path / "refused.casefile").exists()
    doc["version"] = 2
    import_document(copy.deepcopy(doc), tmp_path / "v2.casefile")
    cf = CaseFile.open(tmp_path / "v2.casefile", read_only=True)
    try:
        assert export_document(cf)["statements"][0]["locator"] == "p. 4"
    finally:
        cf.close()


def test_csv_has_a_locator_column(tmp_path: Path) -> None:
    cf, ids = _case(tmp_path)
    try:
        update_record(cf, Kind.STATEMENT, ids[Kind.STATEMENT], {"locator": "p. 4"})
        export_csv(cf, tmp_path / "csv")
    finally:
        cf.close()
    for kind, expected in ((Kind.STATEMENT, "p. 4"), (Kind.TIMELINE, "")):
        with open(tmp_path / "csv" / f"{KINDS[kind].json_name}.csv", encoding="utf-8-sig", newline="") as f:
            (row,) = list(csv.DictReader(f))
        assert row["locator"] == expected


def test_the_packet_prints_the_pinpoint_with_the_citation(tmp_path: Path) -> None:
    cf, ids = _case(tmp_path)
    try:
        update_record(cf, Kind.STATEMENT, ids[Kind.STATEMENT], {"locator": "p. 4"})
        update_record(cf, Kind.TIMELINE, ids[Kind.TIMELINE], {"locator": "¶ 12 <b>"})
        doc = export_document(cf)
    finally:
        cf.close()
    out = tmp_path / "packet.pdf"
    render_briefing(doc, out, BriefingOptions(deterministic=True))
    text = " ".join(" ".join(page.split()) for page in pdftotext_pages(out))
    assert "[1, ¶ 12 <b>]" in text  # markup-looking text prints literally
    assert "[1, p. 4]" in text
