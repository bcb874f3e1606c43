"""Briefing editions without the app: kept by ``casefile export``, listed, written again byte for
byte, deleted for good, carried through JSON; the base a packet shows changes since."""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import re
import sqlite3
import zlib
from pathlib import Path

import pytest
from core_fixtures import folder_listing, run_cli, sha256

from db import records
from db.fields import Kind
from db.sqlite.casefile import CaseFile
from desktop.cli import main

SECRET = "Quorvantheel Brisklemont"  # made-up words found nowhere else


def _kept(path: Path) -> list[tuple]:
    """(number, made, made_by, pages, options, pdf_sha256, app_version) of each edition in the file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT number, made, made_by, pages, options, pdf_sha256, app_version FROM edition ORDER BY number"
        ).fetchall()
    except sqlite3.OperationalError:  # a file with no editions table keeps none
        return []
    finally:
        conn.close()


def _content(path: Path, number: int) -> bytes:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT content FROM edition WHERE number = ?", (number,)).fetchone()[0]
    finally:
        conn.close()


def _export(path: Path, out: Path, *extra: str) -> None:
    assert main(["export", str(path), "-o", str(out), *extra]) == 0


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_each_cli_export_is_kept_as_a_numbered_edition(tmp_path, sample_path, capsys):
    _export(sample_path, tmp_path / "one.pdf")
    assert "Kept as edition 1 of sample.casefile." in capsys.readouterr().out
    _export(sample_path, tmp_path / "two.pdf")
    kept = _kept(sample_path)
    assert [row[0] for row in kept] == [1, 2]
    _number, made, who, pages, options, digest, version = kept[0]
    when = dt.datetime.fromisoformat(made)
    assert when.utcoffset() is not None  # local time with its offset
    assert abs(dt.datetime.now(dt.UTC) - when) < dt.timedelta(minutes=10)
    assert who == getpass.getuser()
    assert pages > 5 and digest == sha256(tmp_path / "one.pdf")
    assert json.loads(options)["sections"][0] == "summary" and version
    printed = json.loads(zlib.decompress(_content(sample_path, 1)))
    assert printed["case"]["title"].startswith("CAISI Voluntary Review") and len(printed["statements"]) == 21
    assert "briefing" not in printed  # what a packet prints: the case, not its editions
    # The second packet shows what changed since the first (nothing), and says which it compared with.
    assert json.loads(kept[1][4])["changes_since"] == 1
    assert "Nothing in the case has changed since edition 1" in _pdf_text(tmp_path / "two.pdf")

    capsys.readouterr()
    assert main(["editions", str(sample_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["Edition", "Made", "By", "Pages", "Options"]
    assert re.match(rf"\s*1  \d{{4}}-\d\d-\d\d \d\d:\d\d  {re.escape(who)}\s+{pages}  Letter; all sections$", lines[1])
    assert lines[2].endswith("Letter; all sections; changes since edition 1")


def test_an_edition_written_again_is_the_same_file(tmp_path, sample_path, capsys):
    _export(sample_path, tmp_path / "first.pdf")
    with CaseFile.open(sample_path) as cf:  # the case moves on
        records.update_case(cf, {"subtitle": "A new subtitle"})
    _export(sample_path, tmp_path / "second.pdf")
    capsys.readouterr()
    for number, original in ((1, "first.pdf"), (2, "second.pdf")):
        again = tmp_path / f"again-{number}.pdf"
        assert main(["export", str(sample_path), "--edition", str(number), "-o", str(again)]) == 0
        out = capsys.readouterr().out
        assert f"edition {number} of " in out and "the same file as first written" in out
        assert sha256(again) == sha256(tmp_path / original) == _kept(sample_path)[number - 1][5]
    assert "A new subtitle" not in _pdf_text(tmp_path / "again-1.pdf")
    assert "Changes since edition 1" in _pdf_text(tmp_path / "again-2.pdf")
    # The PDF carries the edition's time, not the time it was written again.
    made = dt.datetime.fromisoformat(_kept(sample_path)[0][1])
    stamp = made.strftime("D:%Y%m%d%H%M%S").encode()
    assert stamp in (tmp_path / "again-1.pdf").read_bytes()


def test_another_version_says_the_file_may_differ(tmp_path, sample_path, capsys, monkeypatch):
    import desktop

    _export(sample_path, tmp_path / "first.pdf")
    recorded = _kept(sample_path)[0][6]
    monkeypatch.setattr(desktop, "__version__", "99.0")
    capsys.readouterr()
    assert main(["export", str(sample_path), "--edition", "1", "-o", str(tmp_path / "again.pdf")]) == 0
    out = capsys.readouterr().out
    assert f"made by Casefile {recorded}; this is 99.0: the text is the same, the file may differ" in out


def test_edition_errors_are_one_line(tmp_path, sample_path, capsys):
    assert main(["export", str(sample_path), "--edition", "3", "-o", str(tmp_path / "x.pdf")]) == 1
    assert capsys.readouterr().err == "casefile: sample.casefile holds no edition 3.\n"
    _export(sample_path, tmp_path / "first.pdf")
    capsys.readouterr()
    assert main(["export", str(sample_path), "--edition", "1", "--paper", "a4", "-o", str(tmp_path / "y.pdf")]) == 2
    assert "--paper cannot be used with it" in capsys.readouterr().err
    assert main(["export", str(sample_path), "--edition", "1", "-o", str(tmp_path / "first.pdf")]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["editions", str(sample_path), "--delete", "7"]) == 1
    assert capsys.readouterr().err == "casefile: sample.casefile holds no edition 7.\n"
    assert main(["editions", str(tmp_path / "missing.casefile")]) == 1
    assert capsys.readouterr().err.startswith("casefile: ")
    assert folder_listing(tmp_path) == ["first.pdf", "sample.casefile"]


def test_without_editions_the_list_says_so(sample_path, capsys):
    assert main(["editions", str(sample_path)]) == 0
    assert (
        capsys.readouterr().out
        == "sample.casefile keeps no editions yet: each briefing packet exported is kept as one.\n"
    )


def test_deterministic_exports_are_not_kept(tmp_path, sample_path, capsys):
    _export(sample_path, tmp_path / "a.pdf")
    _export(sample_path, tmp_path / "b.pdf", "--deterministic")
    assert capsys.readouterr().out.count("Kept as") == 1
    assert [row[0] for row in _kept(sample_path)] == [1]


def test_a_locked_case_still_gets_its_packet(tmp_path, sample_path):
    with CaseFile.open(sample_path):  # open for editing here: the command cannot write to it
        done = run_cli(["export", str(sample_path), "-o", str(tmp_path / "p.pdf")], cwd=tmp_path, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")
    err = done.stderr.decode()
    assert "warning: the packet was written, but it was not kept as an edition: " in err
    assert _kept(sample_path) == []


def test_deleting_an_edition_removes_its_text_for_good(tmp_path, sample_path, capsys):
    with CaseFile.open(sample_path) as cf:
        rid = records.add_record(cf, Kind.STATEMENT, {"text": f"Off the record: {SECRET} met at the embassy."})
    _export(sample_path, tmp_path / "with-secret.pdf")
    with CaseFile.open(sample_path) as cf:
        records.delete_record(cf, Kind.STATEMENT, rid)
    _export(sample_path, tmp_path / "without.pdf")
    blob, later = _content(sample_path, 1), _content(sample_path, 2)
    assert SECRET in zlib.decompress(blob).decode()
    # The compressed text is spread over pages: look for every 64-byte piece of it that the
    # next edition does not share (both begin with the same records, so with the same bytes).
    pieces = [blob[i : i + 64] for i in range(0, len(blob) - 64, 64)]
    pieces = [piece for piece in pieces if piece not in later]
    data = sample_path.read_bytes()
    assert len(pieces) > 20 and sum(piece in data for piece in pieces) > len(pieces) // 2
    capsys.readouterr()

    assert main(["editions", str(sample_path), "--delete", "1"]) == 0
    assert "Deleted edition 1 from sample.casefile" in capsys.readouterr().out
    data = sample_path.read_bytes()
    assert [piece for piece in pieces if piece in data] == []
    assert SECRET.encode() not in data
    assert [row[0] for row in _kept(sample_path)] == [2]
    # Its number is not given again, even when the newest one goes.
    assert main(["editions", str(sample_path), "--delete", "2"]) == 0
    _export(sample_path, tmp_path / "third.pdf")
    assert [row[0] for row in _kept(sample_path)] == [3]


def test_changes_since_a_chosen_edition(tmp_path, sample_path):
    _export(sample_path, tmp_path / "one.pdf")
    with CaseFile.open(sample_path) as cf:
        records.update_case(cf, {"summary": "Meta agreed to the review in principle."})
    _export(sample_path, tmp_path / "two.pdf", "--changes-since", "none")
    assert "Changes since edition" not in _pdf_text(tmp_path / "two.pdf")
    assert json.loads(_kept(sample_path)[1][4])["changes_since"] is None
    _export(sample_path, tmp_path / "three.pdf", "--changes-since", "1")
    text = _pdf_text(tmp_path / "three.pdf")
    assert "Changes since edition 1" in text and "agreed to the review" in text
    assert main(["export", str(sample_path), "--changes-since", "9", "-o", str(tmp_path / "four.pdf")]) == 1
    assert not (tmp_path / "four.pdf").exists()


def test_the_base_of_changes_since(sample_path, tmp_path):
    from db import editions

    with CaseFile.open(sample_path) as cf:
        assert editions.base(cf, "last") is None
    _export(sample_path, tmp_path / "one.pdf")
    with CaseFile.open(sample_path) as cf:
        records.update_case(cf, {"subtitle": "Changed"})
    _export(sample_path, tmp_path / "two.pdf")
    with CaseFile.open(sample_path, read_only=True) as cf:
        last = editions.base(cf, "last")
        first = editions.base(cf, 1)
        assert last is not None and first is not None
        assert (last.number, first.number) == (2, 1)
        assert last.doc["case"]["subtitle"] == "Changed" != first.doc["case"]["subtitle"]
        assert last.made == _kept(sample_path)[1][1]
        with pytest.raises(Exception, match="holds no edition 5"):
            editions.base(cf, 5)


# ----- JSON -----------------------------------------------------------------------------


def test_options_and_editions_travel_through_json(tmp_path, sample_path, capsys):
    with CaseFile.open(sample_path) as cf:
        records.set_briefing_options(cf, {"paper": "a4", "key_only": True})
    _export(sample_path, tmp_path / "one.pdf")
    _export(sample_path, tmp_path / "two.pdf")
    assert main(["editions", str(sample_path), "--delete", "2"]) == 0  # the newest number stays used
    assert main(["export-json", str(sample_path), "-o", str(tmp_path / "a.json")]) == 0
    doc = json.loads((tmp_path / "a.json").read_text("utf-8"))
    assert doc["version"] == 4  # the sample places an entry after a timed one of its day (order)
    part = doc["briefing"]
    assert part["options"] == {"key_only": True, "paper": "a4"}
    assert part["last_edition"] == 2 and [e["number"] for e in part["editions"]] == [1]
    edition = part["editions"][0]
    assert list(edition) == ["number", "made", "made_by", "pages", "options", "pdf_sha256", "app_version", "content"]
    assert edition["content"]["case"]["title"] == doc["case"]["title"]
    assert edition["pdf_sha256"] == sha256(tmp_path / "one.pdf")

    assert main(["import", str(tmp_path / "a.json"), str(tmp_path / "copy.casefile")]) == 0
    assert main(["export-json", str(tmp_path / "copy.casefile"), "-o", str(tmp_path / "b.json")]) == 0
    assert (tmp_path / "b.json").read_bytes() == (tmp_path / "a.json").read_bytes()
    # The imported edition is written again as the same file, and numbering goes on after 2.
    copy = tmp_path / "copy.casefile"
    assert main(["export", str(copy), "--edition", "1", "-o", str(tmp_path / "again.pdf")]) == 0
    assert sha256(tmp_path / "again.pdf") == sha256(tmp_path / "one.pdf")
    _export(copy, tmp_path / "three.pdf")
    assert [row[0] for row in _kept(copy)] == [1, 3]


def test_a_case_without_editions_exports_as_before(sample_path, tmp_path):
    assert main(["export-json", str(sample_path), "-o", str(tmp_path / "a.json")]) == 0
    doc = json.loads((tmp_path / "a.json").read_text("utf-8"))
    assert "briefing" not in doc and doc["version"] != 3


def _refusals(tmp_path: Path, doc: dict) -> list[str]:
    from db.errors import InterchangeError
    from db.interchange import import_document

    with pytest.raises(InterchangeError) as caught:
        import_document(doc, tmp_path / "refused.casefile")
    assert not (tmp_path / "refused.casefile").exists()
    return caught.value.errors


def test_a_bad_briefing_part_is_refused_with_json_paths(tmp_path, sample_path):
    _export(sample_path, tmp_path / "one.pdf")
    assert main(["export-json", str(sample_path), "-o", str(tmp_path / "a.json")]) == 0
    good = json.loads((tmp_path / "a.json").read_text("utf-8"))

    old = json.loads(json.dumps(good))
    old["version"] = 2
    for record in [*old["statements"], *old["timeline"]]:
        record.pop("order")  # only the briefing part is newer than version 2
    old["case"].pop("bottom_line")
    assert _refusals(tmp_path, old) == ["briefing: not in format version 2 (added in version 3)"]

    bad = json.loads(json.dumps(good))
    edition = bad["briefing"]["editions"][0]
    edition["made"] = "June 24"
    edition["pdf_sha256"] = "abc"
    edition["content"]["statements"][0]["speaker"] = "nobody"
    bad["briefing"]["editions"].append({**good["briefing"]["editions"][0], "colour": "red"})
    errors = _refusals(tmp_path, bad)
    assert errors == [
        'briefing.editions[0].made: "June 24" is not a time with its UTC offset, e.g. "2026-06-24T09:15:00-04:00"',
        "briefing.editions[0].pdf_sha256: expected 64 lower-case hexadecimal digits",
        'briefing.editions[0].content.statements[0].speaker: no actor with id "nobody"',
        "briefing.editions[1].colour: unknown field",
    ]

    low = json.loads(json.dumps(good))
    low["briefing"]["last_edition"] = 0
    assert _refusals(tmp_path, low) == ["briefing.last_edition: 0 is lower than edition 1, which the list holds"]

    twice = json.loads(json.dumps(good))
    twice["briefing"]["editions"].append(twice["briefing"]["editions"][0])
    assert _refusals(tmp_path, twice) == [
        "briefing.editions[1].number: duplicate edition number 1 (first at briefing.editions[0].number)"
    ]


def test_the_pdf_carries_the_editions_time(tmp_path):
    from desktop.briefing.render import render_briefing

    made = dt.datetime(2026, 6, 24, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=-3, minutes=-30)))
    doc = {"format": "casefile", "version": 1, "case": {"title": "Stamped"}}
    digests = set()
    for name in ("a.pdf", "b.pdf"):
        render_briefing(doc, tmp_path / name, made=made)
        digests.add(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
    assert len(digests) == 1
    assert b"/CreationDate (D:20260624091500-03'30')" in (tmp_path / "a.pdf").read_bytes()
    assert "Printed June 24, 2026" in _pdf_text(tmp_path / "a.pdf")
