"""CSV import: the reverse of export-csv, for the spreadsheets staff keep (encodings, mapping,
links by name, every problem with its row and column, all or nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from db.csv_export import CSV_NAMES, export_csv
from db.csv_import import check_csv, guess_mapping, import_csv, remove_plan, write_plan
from db.csv_read import read_csv
from db.errors import InterchangeError
from db.fields import JSON_ORDER, KINDS, FieldType, Kind
from db.interchange import export_document
from db.queries import counts
from db.records import add_record, get_record
from db.sqlite.casefile import CaseFile


def _by_name(doc: dict[str, Any], kind: Kind) -> list[dict[str, Any]]:
    """The records of one kind with ids left out and references given by the name they point at."""
    names = {r["id"]: r[KINDS[k].title_field] for k in JSON_ORDER for r in doc[KINDS[k].json_name]}
    spec = KINDS[kind]
    out = []
    for record in doc[spec.json_name]:
        plain: dict[str, Any] = {}
        for f in spec.fields:
            value = record.get(f.name)
            if f.type is FieldType.REF:
                value = names.get(value) if value else None
            elif f.type is FieldType.REFS:
                value = [names[v] for v in value]
            plain[f.name] = value
        out.append(plain)
    return sorted(out, key=repr)


@pytest.mark.parametrize("kind", JSON_ORDER)
def test_each_kind_round_trips_into_an_empty_case(kind, sample_cf, tmp_path):
    export_csv(sample_cf, tmp_path / "csv")
    target = CaseFile.create(tmp_path / "new.casefile", title="New")
    try:
        plan = import_csv(target, tmp_path / "csv" / CSV_NAMES[kind], kind, create_missing=True)
        assert len(plan.rows) == counts(sample_cf)[kind]
        assert _by_name(export_document(target), kind) == _by_name(export_document(sample_cf), kind)
    finally:
        target.close()


def test_the_whole_case_round_trips_kind_by_kind(sample_cf, tmp_path):
    export_csv(sample_cf, tmp_path / "csv")
    target = CaseFile.create(tmp_path / "new.casefile", title="New")
    try:
        for kind in JSON_ORDER:  # sources and actors first: later kinds find them by name
            plan = import_csv(target, tmp_path / "csv" / CSV_NAMES[kind], kind)
            assert plan.created == []
        assert counts(target) == counts(sample_cf)
        for kind in JSON_ORDER:
            assert _by_name(export_document(target), kind) == _by_name(export_document(sample_cf), kind)
    finally:
        target.close()


def test_utf8_with_and_without_bom_and_windows_1252(empty_cf, tmp_path):
    text = "Name,Role\nJosé Núñez,Deputy – trade\n"
    files = {
        "bom.csv": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "plain.csv": text.encode("utf-8"),
        "excel.csv": text.replace("\n", "\r\n").encode("cp1252"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    assert read_csv(tmp_path / "excel.csv").encoding == "Windows-1252"
    assert read_csv(tmp_path / "bom.csv").header == ["Name", "Role"]  # no BOM glued to the first header
    for name in files:
        import_csv(empty_cf, tmp_path / name, Kind.ACTOR)
    with empty_cf.read() as conn:
        from sqlalchemy import text as sql

        got = conn.execute(sql("SELECT name, role FROM actor")).all()
    assert [tuple(r) for r in got] == [("José Núñez", "Deputy – trade")] * 3


def test_errors_are_refused_whole_naming_row_and_column(empty_cf, tmp_path):
    source = tmp_path / "timeline.csv"
    source.write_text(
        "date,title,key\n2026-06-02,Fine entry,yes\nnot a date,Bad date,no\n2026-06-04,,maybe\n", encoding="utf-8"
    )
    with pytest.raises(InterchangeError) as refused:
        import_csv(empty_cf, source, Kind.TIMELINE)
    errors = refused.value.errors
    assert errors[0].startswith('Row 3, column "date": Cannot read "not a date" as a date.')
    assert errors[1:] == [
        'Row 4, column "title": Title is required.',
        'Row 4, column "key": Key event must be yes or no, not "maybe".',
    ]
    assert counts(empty_cf)[Kind.TIMELINE] == 0  # not even the good row


def test_an_unknown_speaker_is_refused_or_created(empty_cf, tmp_path):
    add_record(empty_cf, Kind.ACTOR, {"name": "Known Person"})
    source = tmp_path / "statements.csv"
    source.write_text("speaker,text\nknown person,First.\nNew Person,Second.\nNew Person,Third.\n", encoding="utf-8")
    with pytest.raises(InterchangeError) as refused:
        import_csv(empty_cf, source, Kind.STATEMENT)
    assert refused.value.errors == [
        f'Row {n}, column "speaker": no actor is called “New Person” (add it first, or choose to create '
        "missing actors)."
        for n in (3, 4)
    ]
    assert counts(empty_cf)[Kind.ACTOR] == 1 and counts(empty_cf)[Kind.STATEMENT] == 0

    plan = import_csv(empty_cf, source, Kind.STATEMENT, create_missing=True)
    assert counts(empty_cf)[Kind.ACTOR] == 2  # one new actor for the two rows that name it
    speakers = [get_record(empty_cf, Kind.STATEMENT, rid)["speaker"] for _n, rid, _v in plan.rows]
    names = [get_record(empty_cf, Kind.ACTOR, a)["name"] for a in speakers]
    assert names == ["Known Person", "New Person", "New Person"]


def test_a_changed_mapping(empty_cf, tmp_path):
    source = tmp_path / "mine.csv"
    source.write_text("Who,Quote,Remarks\nAda,Hello there.,free text\n", encoding="utf-8")
    table = read_csv(source)
    assert guess_mapping(Kind.STATEMENT, table.header) == ["speaker", "text", None]
    mapping: list[str | None] = [None, "text", "notes"]  # the speaker left out, Remarks as notes
    plan = check_csv(empty_cf, table, Kind.STATEMENT, mapping)
    assert plan.problems == []
    write_plan(empty_cf, plan)
    record = get_record(empty_cf, Kind.STATEMENT, plan.rows[0][1])
    assert (record["speaker"], record["text"], record["notes"]) == (None, "Hello there.", "free text")
    twice = check_csv(empty_cf, table, Kind.STATEMENT, [None, "text", "text"])
    assert [str(p) for p in twice.problems] == ['Columns "Quote" and "Remarks" are both mapped to Text.']
    none = check_csv(empty_cf, table, Kind.STATEMENT, [None, None, "notes"])
    assert [str(p) for p in none.problems] == ["No column is mapped to Text, which every statement needs."]


def test_export_headers_choices_by_label_and_taking_back(empty_cf, tmp_path):
    source = tmp_path / "directives.csv"
    source.write_text(
        "id,identifier,title,kind,status,parties,parties_ids,provisions\n"
        'x1,EO 1,First order,Executive order,In force,"Ada; Bo",a;b,"One\nTwo"\n',
        encoding="utf-8",
    )
    table = read_csv(source)
    assert guess_mapping(Kind.DIRECTIVE, table.header) == [
        None, "identifier", "title", "kind", "status", "parties", None, "provisions",
    ]  # fmt: skip
    plan = check_csv(empty_cf, table, Kind.DIRECTIVE, create_missing=True)
    write_plan(empty_cf, plan)
    record = get_record(empty_cf, Kind.DIRECTIVE, plan.rows[0][1])
    assert (record["kind"], record["status"], record["provisions"]) == ("executive_order", "in_force", ["One", "Two"])
    assert [get_record(empty_cf, Kind.ACTOR, a)["name"] for a in record["parties"]] == ["Ada", "Bo"]
    remove_plan(empty_cf, plan)
    assert counts(empty_cf) == {kind: 0 for kind in Kind}
    write_plan(empty_cf, plan)  # again: same ids
    assert get_record(empty_cf, Kind.DIRECTIVE, plan.rows[0][1])["title"] == "First order"


def test_cli_import_csv(sample_path, tmp_path, capsys):
    from desktop.cli import main

    target = tmp_path / "new.casefile"
    assert main(["new", str(target)]) == 0
    assert main(["export-csv", str(sample_path), str(tmp_path / "csv")]) == 0
    statements = str(tmp_path / "csv" / "statements.csv")
    capsys.readouterr()
    assert main(["import-csv", statements, str(target), "--kind", "statements"]) == 1
    err = capsys.readouterr().err
    assert 'casefile: Row 2, column "speaker": no actor is called' in err
    assert err.rstrip().endswith("nothing was imported from " + statements + ".")
    with CaseFile.open(target, read_only=True) as cf:
        assert counts(cf)[Kind.STATEMENT] == 0 and counts(cf)[Kind.ACTOR] == 0
    assert main(["import-csv", statements, str(target), "--kind", "statements", "--create-missing"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Imported 21 statements from {statements} into {target} (and ")
    with CaseFile.open(target, read_only=True) as cf:
        assert counts(cf)[Kind.STATEMENT] == 21


def test_a_missing_file_is_one_line(tmp_path, capsys, empty_cf):
    from desktop.cli import main

    path = Path(empty_cf.path)
    empty_cf.close()
    assert main(["import-csv", str(tmp_path / "nope.csv"), str(path), "--kind", "actors"]) == 1
    assert capsys.readouterr().err == f"casefile: There is no file at {tmp_path / 'nope.csv'}.\n"
