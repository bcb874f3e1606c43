"""The ``casefile`` command line: commands for scripts, one-line errors, exit codes."""

from __future__ import annotations

import csv
import json

import pytest
from core_fixtures import (
    folder_listing,
    make_v1_file,
    minimal_document,
    plain_connect,
    run_cli,
    sha256,
    table_rows,
)

from db.paths import backups_dir
from desktop.cli import main


def _one_error_line(capsys, *needles: str) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("casefile: ")
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


def test_new_export_import_export_round_trip(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "case.casefile", "--sample"]) == 0
    assert capsys.readouterr().out == "Created case.casefile with the sample case (69 records).\n"

    assert main(["export-json", "case.casefile", "-o", "a.json"]) == 0
    first = (tmp_path / "a.json").read_bytes()
    assert json.loads(first)["format"] == "casefile"

    assert main(["export-json", "case.casefile"]) == 0
    assert capsys.readouterr().out.encode("utf-8") == first  # standard output gives the same bytes
    assert main(["export-json", "case.casefile", "-o", "-"]) == 0
    assert capsys.readouterr().out.encode("utf-8") == first

    assert main(["import", "a.json", "copy.casefile"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Imported a.json into copy.casefile: 10 sources, 20 actors, 21 statements")
    assert main(["export-json", "copy.casefile", "-o", "b.json"]) == 0
    assert (tmp_path / "b.json").read_bytes() == first
    assert folder_listing(tmp_path) == ["a.json", "b.json", "case.casefile", "copy.casefile"]


def test_new_makes_an_empty_case_titled_after_the_file(tmp_path, capsys):
    path = tmp_path / "Meta review.casefile"
    assert main(["new", str(path)]) == 0
    assert capsys.readouterr().out == f"Created {path}.\n"
    assert table_rows(path, "SELECT title FROM case_info") == [("Meta review",)]
    other = tmp_path / "other.casefile"
    assert main(["new", str(other), "--title", "Export controls"]) == 0
    assert table_rows(other, "SELECT title FROM case_info") == [("Export controls",)]


def test_export_csv(sample_path, tmp_path, capsys):
    folder = tmp_path / "csv"
    assert main(["export-csv", str(sample_path), str(folder)]) == 0
    assert capsys.readouterr().out == f"Wrote 6 CSV files to {folder}.\n"
    with (folder / "actors.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 20
    assert main(["export-csv", str(sample_path), str(folder)]) == 1
    _one_error_line(capsys, "already exists")
    assert main(["export-csv", str(sample_path), str(folder), "--force"]) == 0


def test_search_prints_hits_grouped_by_kind(sample_path, capsys):
    assert main(["search", str(sample_path), "Brennan soon"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "Actors" in lines and "Statements" in lines
    assert lines.index("Actors") < lines.index("Statements")
    assert "  Francis Brennan" in lines
    assert "\x02" not in out and "\x03" not in out

    assert main(["search", str(sample_path), "zzzqqq"]) == 0
    assert capsys.readouterr().out == 'No matches for "zzzqqq".\n'


@pytest.mark.parametrize("text", ['"', "NEAR(", "AND", "*", "meta OR (", "col:meta"])
def test_search_with_query_syntax_is_not_an_error(sample_path, capsys, text):
    assert main(["search", str(sample_path), text]) == 0
    assert capsys.readouterr().err == ""


def test_check_command(sample_path, tmp_path, capsys):
    assert main(["check", str(sample_path)]) == 0
    assert capsys.readouterr().out.startswith("OK: sample.casefile is a valid case file")
    text = tmp_path / "notes.casefile"
    text.write_text("hello", encoding="utf-8")
    assert main(["check", str(text)]) == 1
    assert capsys.readouterr().out.startswith("REFUSED: notes.casefile is not a Casefile case file")


# ----- user errors: one line, exit 1 ------------------------------------------------------


def test_a_missing_file_is_one_line(tmp_path, capsys):
    missing = tmp_path / "nope.casefile"
    for argv in (
        ["export-json", str(missing)],
        ["export-csv", str(missing), str(tmp_path / "out")],
        ["search", str(missing), "meta"],
        ["import", str(tmp_path / "nope.json"), str(tmp_path / "x.casefile")],
    ):
        assert main(argv) == 1
        _one_error_line(capsys, "There is no file at")
    assert folder_listing(tmp_path) == []


def test_a_refused_file_is_one_line_and_unchanged(sample_path, capsys):
    conn = plain_connect(sample_path)
    conn.execute("CREATE TRIGGER evil AFTER INSERT ON actor BEGIN DELETE FROM statement; END")
    conn.close()
    before = sha256(sample_path)
    assert main(["export-json", str(sample_path)]) == 1
    _one_error_line(capsys, "sample.casefile contains database objects Casefile did not create", '"evil"')
    assert sha256(sample_path) == before


def test_a_newer_file_is_one_line(sample_path, capsys):
    conn = plain_connect(sample_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    assert main(["search", str(sample_path), "meta"]) == 1
    _one_error_line(capsys, "newer version of Casefile")


def test_bad_json_is_one_line_with_line_and_column(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "casefile",\n "version": 1,\n "case": {"title": "x"},,\n}', encoding="utf-8")
    assert main(["import", str(bad), str(tmp_path / "out.casefile")]) == 1
    _one_error_line(capsys, "not valid JSON", "line 3, column 25")
    assert folder_listing(tmp_path) == ["bad.json"]


def test_an_invalid_document_names_the_json_path(tmp_path, capsys):
    doc = minimal_document()
    doc["statements"][0]["speaker"] = "metta"
    source = tmp_path / "doc.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["import", str(source), str(tmp_path / "out.casefile")]) == 1
    _one_error_line(capsys, 'statements[0].speaker: no actor with id "metta"')
    assert folder_listing(tmp_path) == ["doc.json"]


def test_an_existing_target_needs_force(sample_path, tmp_path, capsys):
    digest = sha256(sample_path)
    assert main(["new", str(sample_path)]) == 1
    _one_error_line(capsys, "sample.casefile already exists")
    source = tmp_path / "doc.json"
    source.write_text(json.dumps(minimal_document()), encoding="utf-8")
    assert main(["import", str(source), str(sample_path)]) == 1
    _one_error_line(capsys, "sample.casefile already exists")
    assert sha256(sample_path) == digest

    out = tmp_path / "out.json"
    out.write_text("keep", encoding="utf-8")
    assert main(["export-json", str(sample_path), "-o", str(out)]) == 1
    _one_error_line(capsys, "out.json already exists")
    assert out.read_text(encoding="utf-8") == "keep"

    assert main(["export-json", str(sample_path), "-o", str(out), "--force"]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["case"]["marking"] == "FOR INTERNAL USE ONLY"
    assert main(["import", str(source), str(sample_path), "--force"]) == 0
    assert table_rows(sample_path, "SELECT title FROM case_info") == [("Test case",)]
    assert main(["new", str(sample_path), "--force", "--title", "Fresh"]) == 0
    assert table_rows(sample_path, "SELECT title FROM case_info") == [("Fresh",)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.json", "out.json", "sample.casefile"]


def test_exporting_an_old_file_reads_it_without_upgrading_it(tmp_path, capsys):
    path = make_v1_file(tmp_path / "old.casefile")
    digest = sha256(path)
    assert main(["export-json", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["case"]["title"] == "Old case"
    assert [s["text"] for s in doc["statements"]] == ["We hope to sign soon."]
    assert sha256(path) == digest
    assert list(backups_dir().iterdir()) == []


# ----- usage errors: exit 2 ---------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["import"],
        ["import", "only-one.json"],
        ["new"],
        ["export-csv", "x.casefile"],
        ["new", "x.casefile", "--bogus"],
        ["search", "x.casefile"],
        ["export-json", "x.casefile", "--output"],
    ],
)
def test_usage_errors_exit_2(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "usage: casefile" in err and "Traceback" not in err
    assert folder_listing(tmp_path) == []


# ----- the real command in a subprocess ---------------------------------------------------


def test_the_real_command_round_trips_and_reports_errors(tmp_path, casefile_home):
    def cli(*args):
        return run_cli(list(args), cwd=tmp_path, home=casefile_home)

    result = cli("new", "s.casefile", "--sample")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == "Created s.casefile with the sample case (69 records).\n"
    assert cli("export-json", "s.casefile", "-o", "a.json").returncode == 0
    assert cli("import", "a.json", "t.casefile").returncode == 0
    again = cli("export-json", "t.casefile")
    assert again.returncode == 0 and again.stderr == b""
    assert again.stdout == (tmp_path / "a.json").read_bytes()  # byte-identical through a pipe

    missing = cli("export-json", "missing.casefile")
    assert missing.returncode == 1
    assert missing.stderr.decode().splitlines() == [f"casefile: There is no file at {'missing.casefile'}."]
    exists = cli("import", "a.json", "t.casefile")
    assert exists.returncode == 1
    assert exists.stderr == b"casefile: t.casefile already exists.\n"
    usage = cli("import")
    assert usage.returncode == 2 and b"usage: casefile import" in usage.stderr
    assert b"Traceback" not in missing.stderr + exists.stderr + usage.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "s.casefile", "t.casefile"]
