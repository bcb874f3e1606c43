"""``casefile merge BASE OURS THEIRS -o OUT``: exit codes, the conflict listing, --prefer, case files
and JSON in and out, one-line errors, and the command as a git merge driver."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from core_fixtures import cli_env

from db.document_check import check_document
from db.interchange import dumps, export_document, import_document
from db.sqlite.casefile import CaseFile
from desktop.cli import main


@pytest.fixture
def base_doc(sample_path) -> dict[str, Any]:
    """The sample case as a case file exports it (record ids are UUIDs, as in any case file)."""
    with CaseFile.open(sample_path, read_only=True) as cf:
        return export_document(cf)


def _write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(dumps(doc), encoding="utf-8")
    return path


def _record(doc: dict[str, Any], part: str, index: int) -> dict[str, Any]:
    return doc[part][index]


def _find(doc: dict[str, Any], part: str, rid: str) -> dict[str, Any]:
    return next(r for r in doc[part] if r["id"] == rid)


def _sides(tmp_path: Path, base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    return [
        str(_write(tmp_path / f"{name}.json", doc))
        for name, doc in (("base", base), ("ours", ours), ("theirs", theirs))
    ]


def _one_error_line(capsys, *needles: str) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("casefile: ")
    assert "Traceback" not in captured.err + captured.out
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _edits(base_doc: dict[str, Any], *, same_field: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ours changes an actor's role and a statement's words; theirs tags that actor and changes
    the same words differently (``same_field``) or the statement's venue."""
    ours, theirs = copy.deepcopy(base_doc), copy.deepcopy(base_doc)
    _record(ours, "actors", 0)["role"] = "Press office"
    _record(theirs, "actors", 0)["tags"] = ["white house"]
    _record(ours, "statements", 0)["text"] = "We share the goal."
    if same_field:
        _record(theirs, "statements", 0)["text"] = "We share the goal and hope to sign soon."
    else:
        _record(theirs, "statements", 0)["venue"] = "Email to reporters"
    return ours, theirs


def test_a_clean_merge_takes_each_sides_changes_and_exits_0(base_doc, tmp_path, capsys):
    ours, theirs = _edits(base_doc, same_field=False)
    out = tmp_path / "merged.json"
    assert main(["merge", *_sides(tmp_path, base_doc, ours, theirs), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "2 changes from ours, 2 from theirs, 0 conflicts.",
        f"Wrote {out}.",
    ]
    assert captured.err == ""
    merged = json.loads(out.read_text(encoding="utf-8"))
    check_document(merged)
    actor, statement = _record(merged, "actors", 0), _record(merged, "statements", 0)
    assert (actor["role"], actor["tags"]) == ("Press office", ["white house"])
    assert (statement["text"], statement["venue"]) == ("We share the goal.", "Email to reporters")
    assert merged["sources"] == base_doc["sources"]


def test_conflicts_exit_3_list_each_and_write_nothing(base_doc, tmp_path, capsys):
    ours, theirs = _edits(base_doc, same_field=True)
    out = tmp_path / "merged.json"
    assert main(["merge", *_sides(tmp_path, base_doc, ours, theirs), "-o", str(out)]) == 3
    captured = capsys.readouterr()
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.json", "ours.json", "sample.casefile", "theirs.json"]
    statement = _record(base_doc, "statements", 0)
    lines = captured.out.splitlines()
    assert lines[0] == "1 change from ours, 1 from theirs, 1 conflict."
    assert lines[2:7] == [
        f'Conflict 1 of 1: Statement "{statement["text"][:59]}…" (id {statement["id"]})',
        "  text: changed differently on both sides",
        f"    base:   {json.dumps(statement['text'], ensure_ascii=False)}",
        '    ours:   "We share the goal."',
        '    theirs: "We share the goal and hope to sign soon."',
    ]
    assert lines[-1].startswith("Nothing was written.") and "--prefer ours or --prefer theirs" in lines[-1]


@pytest.mark.parametrize("prefer", ["ours", "theirs"])
def test_prefer_settles_every_conflict_to_that_side(base_doc, tmp_path, capsys, prefer):
    ours, theirs = _edits(base_doc, same_field=True)
    out = tmp_path / "merged.json"
    assert main(["merge", *_sides(tmp_path, base_doc, ours, theirs), "-o", str(out), "--prefer", prefer]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "1 change from ours, 1 from theirs, 1 conflict.",
        f"Settled 1 conflict with the values of {prefer} ({prefer}.json).",
        f"Wrote {out}.",
    ]
    merged = json.loads(out.read_text(encoding="utf-8"))
    winner = ours if prefer == "ours" else theirs
    assert _record(merged, "statements", 0)["text"] == _record(winner, "statements", 0)["text"]
    actor = _record(merged, "actors", 0)
    assert (actor["role"], actor["tags"]) == ("Press office", ["white house"])  # both sides' clean changes


def test_case_files_in_and_a_case_file_out(base_doc, sample_path, tmp_path, capsys):
    ours, theirs = _edits(base_doc, same_field=False)
    import_document(ours, tmp_path / "ours.casefile")
    import_document(theirs, tmp_path / "theirs.casefile")
    out = tmp_path / "merged.casefile"
    args = [str(sample_path), str(tmp_path / "ours.casefile"), str(tmp_path / "theirs.casefile"), "-o", str(out)]
    assert main(["merge", *args]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"Wrote {out}."
    with CaseFile.open(out, read_only=True) as cf:
        merged = export_document(cf)
    expected = copy.deepcopy(ours)
    _record(expected, "actors", 0)["tags"] = ["white house"]
    _record(expected, "statements", 0)["venue"] = "Email to reporters"
    assert merged == expected


def test_a_case_file_and_json_documents_merge_into_json(base_doc, sample_path, tmp_path, capsys):
    ours, theirs = _edits(base_doc, same_field=False)
    import_document(theirs, tmp_path / "theirs.casefile")
    out = tmp_path / "merged.json"
    ours_json = _write(tmp_path / "ours.json", ours)
    assert main(["merge", str(sample_path), str(ours_json), str(tmp_path / "theirs.casefile"), "-o", str(out)]) == 0
    merged = json.loads(out.read_text(encoding="utf-8"))
    assert _record(merged, "statements", 0)["venue"] == "Email to reporters"
    assert _record(merged, "actors", 0)["role"] == "Press office"


def test_out_may_replace_ours_as_git_asks_but_no_other_file(base_doc, tmp_path, capsys):
    ours, theirs = _edits(base_doc, same_field=False)
    base_path, ours_path, theirs_path = _sides(tmp_path, base_doc, ours, theirs)
    before = {p: Path(p).read_bytes() for p in (base_path, theirs_path)}
    for taken in (base_path, theirs_path):
        assert main(["merge", base_path, ours_path, theirs_path, "-o", taken]) == 2
        _one_error_line(capsys, "already exists")
    assert {p: Path(p).read_bytes() for p in before} == before
    assert main(["merge", base_path, ours_path, theirs_path, "-o", ours_path]) == 0
    merged = json.loads(Path(ours_path).read_text(encoding="utf-8"))
    assert _record(merged, "statements", 0)["venue"] == "Email to reporters"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.json", "ours.json", "sample.casefile", "theirs.json"]


def test_ours_a_case_file_without_its_suffix_is_replaced_by_a_case_file(base_doc, sample_path, tmp_path, capsys):
    """git hands the driver temporary files with no extension: OUT keeps the form OURS has."""
    ours, theirs = _edits(base_doc, same_field=False)
    ours_file = tmp_path / ".merge_file_a1B2c3"
    import_document(ours, ours_file)
    theirs_json = _write(tmp_path / ".merge_file_x9Y8z7", theirs)
    assert main(["merge", str(sample_path), str(ours_file), str(theirs_json), "-o", str(ours_file)]) == 0
    with CaseFile.open(ours_file, read_only=True) as cf:
        merged = export_document(cf)
    assert _record(merged, "statements", 0)["venue"] == "Email to reporters"


def test_bad_inputs_give_one_line_and_exit_2(base_doc, tmp_path, capsys):
    good = str(_write(tmp_path / "good.json", base_doc))
    out = tmp_path / "merged.json"
    untitled = copy.deepcopy(base_doc)
    del untitled["case"]["title"]
    newer = {**base_doc, "version": 99}
    (tmp_path / "broken.json").write_text('{"format": "casefile",', encoding="utf-8")
    (tmp_path / "fake.casefile").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    (tmp_path / "folder").mkdir()
    cases = [
        ([str(tmp_path / "missing.json"), good, good], ["missing.json (base)", "no such file"]),
        ([good, str(tmp_path / "broken.json"), good], ["broken.json (ours)", "not valid JSON", "line 1"]),
        (
            [good, good, str(_write(tmp_path / "untitled.json", untitled))],
            ["(theirs)", 'missing required field "title"'],
        ),
        ([good, good, str(_write(tmp_path / "newer.json", newer))], ["(theirs)", "version 99"]),
        ([good, str(tmp_path / "fake.casefile"), good], ["fake.casefile (ours)"]),
        ([str(tmp_path / "folder"), good, good], ["folder (base)", "folder"]),
    ]
    for args, needles in cases:
        assert main(["merge", *args, "-o", str(out)]) == 2, needles
        _one_error_line(capsys, *needles)
        assert not out.exists()


def test_missing_output_is_a_usage_error(base_doc, tmp_path, capsys):
    good = str(_write(tmp_path / "good.json", base_doc))
    with pytest.raises(SystemExit) as exit_:
        main(["merge", good, good, good])
    assert exit_.value.code == 2
    assert "-o/--output" in capsys.readouterr().err


def test_long_words_are_shown_around_where_the_sides_differ(base_doc, tmp_path, capsys):
    words = " ".join(f"word{i}" for i in range(80))
    base = copy.deepcopy(base_doc)
    _record(base, "statements", 1)["text"] = words
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    _record(ours, "statements", 1)["text"] = words.replace("word60", "OURS")
    _record(theirs, "statements", 1)["text"] = words.replace("word60", "THEIRS")
    assert main(["merge", *_sides(tmp_path, base, ours, theirs), "-o", str(tmp_path / "m.json")]) == 3
    lines = capsys.readouterr().out.splitlines()
    ours_line = next(line for line in lines if line.startswith("    ours:"))
    theirs_line = next(line for line in lines if line.startswith("    theirs:"))
    assert "OURS" in ours_line and "THEIRS" in theirs_line
    assert ours_line.startswith('    ours:   "…word')  # cut before, at a word
    assert len(ours_line) < 130


def test_a_record_deleted_on_one_side_and_changed_on_the_other(base_doc, tmp_path, capsys):
    ours, theirs = copy.deepcopy(base_doc), copy.deepcopy(base_doc)
    gone = ours["timeline"].pop(0)
    _find(theirs, "timeline", gone["id"])["description"] = "Rewritten"
    assert main(["merge", *_sides(tmp_path, base_doc, ours, theirs), "-o", str(tmp_path / "m.json")]) == 3
    out = capsys.readouterr().out
    assert f"(id {gone['id']})" in out
    assert "  the whole record: deleted by ours, changed by theirs" in out
    assert "    ours:   deleted" in out
    assert "    theirs: kept, with description changed" in out
    assert (
        main(["merge", *_sides(tmp_path, base_doc, ours, theirs), "-o", str(tmp_path / "m.json"), "--prefer", "ours"])
        == 0
    )
    merged = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert gone["id"] not in {r["id"] for r in merged["timeline"]}


# ----- as a git merge driver ----------------------------------------------------------------


def _git(repo: Path, *args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300, check=check)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_as_a_git_merge_driver(base_doc, tmp_path, casefile_home):
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {
        **cli_env(casefile_home),
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@example.org",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@example.org",
    }
    _git(repo, "init", "-q", "-b", "main", env=env)
    _git(repo, "config", "merge.casefile.name", "Casefile case merge", env=env)
    _git(repo, "config", "merge.casefile.driver", f'"{sys.executable}" -m desktop.cli merge %O %A %B -o %A', env=env)
    (repo / ".gitattributes").write_text("*.casefile.json merge=casefile\n", encoding="utf-8")
    case = repo / "case.casefile.json"
    _write(case, base_doc)
    _git(repo, "add", ".", env=env)
    _git(repo, "commit", "-qm", "base", env=env)
    statement = _record(base_doc, "statements", 0)["id"]

    def branch(name: str, start: str, **values: str) -> None:
        _git(repo, "checkout", "-q", "-b", name, start, env=env)
        doc = json.loads(case.read_text(encoding="utf-8"))
        _find(doc, "statements", statement).update(values)
        _write(case, doc)
        _git(repo, "commit", "-qam", name, env=env)

    # Different fields of one record: a line-based merge would conflict on neighbouring lines
    # or not, by chance; the driver merges by field.
    branch("words", "main", text="We share the goal.")
    branch("venue", "main", venue="Email to reporters")
    merged = _git(repo, "merge", "-q", "--no-edit", "words", env=env, check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    doc = json.loads(case.read_text(encoding="utf-8"))
    check_document(doc)
    assert (_find(doc, "statements", statement)["text"], _find(doc, "statements", statement)["venue"]) == (
        "We share the goal.",
        "Email to reporters",
    )
    assert _git(repo, "status", "--porcelain", env=env).stdout == ""

    # The same field on both sides: git marks the file conflicted and it keeps our side.
    branch("other-words", "main", text="We hope to sign soon.")
    before = case.read_bytes()
    conflicted = _git(repo, "merge", "--no-edit", "words", env=env, check=False)
    assert conflicted.returncode == 1
    assert "Conflict 1 of 1: Statement" in conflicted.stdout
    assert '    ours:   "We hope to sign soon."' in conflicted.stdout
    assert '    theirs: "We share the goal."' in conflicted.stdout
    assert _git(repo, "diff", "--name-only", "--diff-filter=U", env=env).stdout.split() == ["case.casefile.json"]
    assert case.read_bytes() == before

    # Settled by merging again with the driver told which side wins.
    _git(repo, "merge", "--abort", env=env)
    driver = f'"{sys.executable}" -m desktop.cli merge %O %A %B -o %A --prefer theirs'
    settled = _git(repo, "-c", f"merge.casefile.driver={driver}", "merge", "--no-edit", "words", env=env, check=False)
    assert settled.returncode == 0, settled.stdout + settled.stderr
    doc = json.loads(case.read_text(encoding="utf-8"))
    assert _find(doc, "statements", statement)["text"] == "We share the goal."
