"""The command line on team cases: publish, cases, and an address wherever a case is read."""

from __future__ import annotations

import json
import subprocess

import pytest
from server_fixtures import server  # noqa: F401  (fixture)

from desktop.cli import main

pytestmark = pytest.mark.server

HOSTILE_TEXT = [
    "Robert'); DROP TABLE statement; --",
    'He said "no" \\ and \\\\ left; 100% of $$ quoted $tag$',
    "مرحبا بالعالم — שלום עולם — 你好 — 🇺🇸👩🏽‍⚖️ — e\u0301 — \u200b\u202e reversed",
    '=HYPERLINK("http://evil")\n@SUM(1)\r\n\ttabbed',
    "x" * 5000,
]


def _one_error(capsys, *needles: str) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _json_of(location: str, out, capsys) -> bytes:
    assert main(["export-json", location, "-o", str(out), "--force"]) == 0, capsys.readouterr().err
    return out.read_bytes()


def test_a_published_sample_exports_byte_identical_json_csv_and_a_packet(server, sample_path, tmp_path, capsys):  # noqa: F811
    # An edition first, so what a packet printed travels too.
    assert main(["export", str(sample_path), "-o", str(tmp_path / "first.pdf")]) == 0
    address = server.address("sample")
    assert main(["publish", str(sample_path), address]) == 0
    assert "(69 records)" in capsys.readouterr().out

    from_file = _json_of(str(sample_path), tmp_path / "file.json", capsys)
    assert b'"editions": [' in from_file
    assert _json_of(address, tmp_path / "server.json", capsys) == from_file

    assert main(["export-csv", str(sample_path), str(tmp_path / "file-csv")]) == 0
    assert main(["export-csv", address, str(tmp_path / "server-csv")]) == 0
    names = sorted(p.name for p in (tmp_path / "file-csv").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "server-csv").iterdir()) and len(names) == 6
    for name in names:
        assert (tmp_path / "server-csv" / name).read_bytes() == (tmp_path / "file-csv" / name).read_bytes()

    assert main(["export", address, "-o", str(tmp_path / "server.pdf")]) == 0
    out = capsys.readouterr().out
    assert "Wrote" in out and "Kept as edition" not in out
    text = subprocess.run(["pdftotext", str(tmp_path / "server.pdf"), "-"], capture_output=True, check=True).stdout
    assert "CAISI Voluntary Review" in text.decode()
    # The Word packet too, from the same private copy.
    assert main(["export", address, "-o", str(tmp_path / "server.docx")]) == 0
    assert "sections)" in capsys.readouterr().out
    from docx import Document

    assert "CAISI Voluntary Review" in "\n".join(p.text for p in Document(str(tmp_path / "server.docx")).paragraphs)
    # Only read: the server case holds the one edition it was published with.
    assert _json_of(address, tmp_path / "after.json", capsys) == from_file


def test_a_hostile_case_round_trips_byte_identical(server, tmp_path, capsys):  # noqa: F811
    from db import records
    from db.fields import Kind
    from db.sqlite.casefile import CaseFile

    path = tmp_path / "hostile.casefile"
    with CaseFile.create(path, title=HOSTILE_TEXT[0]) as cf:
        records.update_case(cf, {"summary": HOSTILE_TEXT[1], "marking": HOSTILE_TEXT[2]})
        actor = records.add_record(cf, Kind.ACTOR, {"name": HOSTILE_TEXT[2], "tags": HOSTILE_TEXT[:3]})
        for text in HOSTILE_TEXT:
            records.add_record(cf, Kind.STATEMENT, {"text": text, "speaker": actor, "verbatim": True, "notes": text})
        records.add_record(cf, Kind.ACTOR, {"name": HOSTILE_TEXT[3], "affiliation": actor})
    address = server.address("hostile")
    assert main(["publish", str(path), address]) == 0
    from_file = _json_of(str(path), tmp_path / "file.json", capsys)
    assert _json_of(address, tmp_path / "server.json", capsys) == from_file

    # And a JSON document imported straight onto the server exports the same again.
    assert main(["import", str(tmp_path / "file.json"), server.address("imported")]) == 0
    assert _json_of(server.address("imported"), tmp_path / "imported.json", capsys) == from_file


def test_publish_refuses_an_existing_case_name_without_force(server, sample_path, tmp_path, capsys):  # noqa: F811
    address = server.address("one")
    assert main(["publish", str(sample_path), address]) == 0
    empty = tmp_path / "empty.casefile"
    assert main(["new", str(empty), "--title", "Replacement"]) == 0
    capsys.readouterr()
    assert main(["publish", str(empty), address]) == 1
    _one_error(capsys, f'There is already a case "{server.token}-one"', "--force")
    assert main(["publish", str(empty), address, "--force"]) == 0
    assert json.loads(_json_of(address, tmp_path / "now.json", capsys))["case"]["title"] == "Replacement"


def test_cases_lists_each_case_with_its_title_and_last_change(server, sample_path, tmp_path, capsys):  # noqa: F811
    empty = tmp_path / "empty.casefile"
    assert main(["new", str(empty), "--title", "Second matter"]) == 0
    assert main(["publish", str(sample_path), server.address("a")]) == 0
    assert main(["publish", str(empty), server.address("b")]) == 0
    capsys.readouterr()
    assert main(["cases", server.url]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if server.token in line]
    assert [line.split()[0] for line in lines] == [f"{server.token}-a", f"{server.token}-b"]
    assert lines[0].endswith("CAISI Voluntary Review: Meta Holdout and the Anthropic Export Directive")
    assert lines[1].endswith("Second matter")
    assert all(line.split()[1][:2] == "20" for line in lines)  # the date of the last change
    assert all(line.split()[3] == "casefile_app" for line in lines)  # who made it (the publishing role)


def test_check_passes_a_published_case_and_refuses_one_with_a_foreign_column(server, sample_path, capsys):  # noqa: F811
    address = server.address("checked")
    assert main(["publish", str(sample_path), address]) == 0
    capsys.readouterr()
    assert main(["check", address]) == 0
    from db.postgres.migrations import SCHEMA_VERSION

    out = capsys.readouterr().out
    assert out.startswith(f'OK: "{server.token}-checked" is a valid case (schema version {SCHEMA_VERSION})')
    with server.connect() as conn:
        conn.execute(f'ALTER TABLE "casefile_{server.token}-checked".actor ADD COLUMN planted text')
    assert main(["check", address]) == 1
    assert "actor.planted is not declared" in capsys.readouterr().out


def test_server_failures_are_one_plain_line_without_the_password(server, sample_path, tmp_path, capsys):  # noqa: F811
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    unreachable = server.as_user("casefile_app", port=port + 1) + "?case=x"
    assert main(["export-json", unreachable]) == 1
    _one_error(capsys, "could not be reached", "Connection refused")

    wrong = server.as_user("casefile_app", password="not-the-password") + "?case=x"
    assert main(["export-json", wrong]) == 1
    line = _one_error(capsys, "refused the user name or password")
    assert "not-the-password" not in line and "casefile_app:***@" in line

    assert main(["export-json", server.address("missing")]) == 1
    _one_error(capsys, f'There is no case "{server.token}-missing"')

    assert main(["export-json", server.url.rsplit("/", 1)[0] + "/no_such_db?case=x"]) == 1
    _one_error(capsys, "There is no database no_such_db")

    reader = server.as_user("casefile_reader") + f"?case={server.token}-denied"
    assert main(["publish", str(sample_path), reader]) == 1
    _one_error(capsys, "the server refused it", "permission denied", "Ask the database owner")

    assert main(["publish", str(sample_path), server.url + "?case=bad;name"]) == 1
    _one_error(capsys, "cannot name a case")


def test_a_case_being_published_can_still_be_edited_in_the_file(server, sample_path, tmp_path, monkeypatch):  # noqa: F811
    """Publishing reads a private copy: an edit saved in the file while the rows go up is not
    kept waiting on the file's lock (with the file itself read throughout, it failed as busy)."""
    import shutil

    import sqlalchemy as sa

    from db import queries, records
    from db.fields import Kind
    from db.postgres import publish
    from db.queries import ListQuery
    from db.sqlite.casefile import CaseFile

    path = tmp_path / "open.casefile"
    shutil.copy(sample_path, path)
    upload = publish.copy_rows
    saved: list[str] = []

    def edit_while_uploading(source, target):  # type: ignore[no-untyped-def]
        source.execute(sa.text("SELECT count(*) FROM actor")).scalar()  # the upload has begun reading
        with CaseFile.open(path) as cf:  # the app, with the case open, saves an edit meanwhile
            rowids = queries.list_rowids(cf, ListQuery(Kind.TIMELINE))
            entry = str(queries.fetch_rows(cf, Kind.TIMELINE, rowids[:1])[rowids[0]][0])
            records.update_record(cf, Kind.TIMELINE, entry, {"title": "Saved during the upload"})
            saved.append(entry)
        return upload(source, target)

    monkeypatch.setattr(publish, "copy_rows", edit_while_uploading)
    assert main(["publish", str(path), server.address("busy")]) == 0
    assert saved
    with CaseFile.open(path, read_only=True) as cf:
        assert records.get_record(cf, Kind.TIMELINE, saved[0])["title"] == "Saved during the upload"


def test_a_case_deleted_while_the_cases_are_listed_is_left_out(server, sample_path, monkeypatch, capsys):  # noqa: F811
    from db.postgres import catalog

    assert main(["publish", str(sample_path), server.address("kept")]) == 0
    assert main(["publish", str(sample_path), server.address("gone")]) == 0
    capsys.readouterr()
    listing = catalog._listing

    def deleted_meanwhile(conn, schema, name):  # type: ignore[no-untyped-def]
        if name == f"{server.token}-gone":
            with server.connect() as other:  # someone else deletes it after the schemas were read
                other.execute(f'DROP SCHEMA "{schema}" CASCADE')
        return listing(conn, schema, name)

    monkeypatch.setattr(catalog, "_listing", deleted_meanwhile)
    assert main(["cases", server.url]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines() if server.token in line]
    assert names == [f"{server.token}-kept"]
