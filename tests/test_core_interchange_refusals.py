"""JSON interchange: every kind of refusal, each with its JSON path, leaving nothing behind."""

from __future__ import annotations

import copy
import json

import pytest
from core_fixtures import folder_listing, minimal_document, sha256, table_rows

from db.errors import CaseFileError, InterchangeError
from db.fields import Kind
from db.interchange import import_document, import_json, load_json, loads


def _refused(doc, tmp_path) -> list[str]:
    """Import ``doc``; it must be refused, leaving no file and no temporary file behind."""
    before = folder_listing(tmp_path)
    target = tmp_path / "refused.casefile"
    with pytest.raises(InterchangeError) as caught:
        import_document(doc, target)
    assert not target.exists()
    assert folder_listing(tmp_path) == before
    errors = caught.value.errors
    assert str(caught.value).splitlines()[: len(errors)] == errors[:20]
    return errors


def _doc_with(change) -> dict:
    doc = copy.deepcopy(minimal_document())
    change(doc)
    return doc


def test_bad_json_is_refused_with_line_and_column(tmp_path):
    with pytest.raises(InterchangeError) as caught:
        loads(b'{\n  "format": "casefile",\n  "version": 1,\n}')
    assert caught.value.errors == [
        "$: not valid JSON: Expecting property name enclosed in double quotes at line 4, column 1"
    ]
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "casefile", "version": 1, "case": {"title": "x"}', encoding="utf-8")
    target = tmp_path / "out.casefile"
    with pytest.raises(InterchangeError, match=r"^\$: not valid JSON: .* at line 1, column 60$"):
        import_json(broken, target)
    assert not target.exists()
    assert folder_listing(tmp_path) == ["broken.json"]


def test_a_file_that_is_not_utf8_text_is_refused(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"case": "café"}'.encode("latin-1"))
    with pytest.raises(InterchangeError, match=r"^\$: the file is not UTF-8 text \(byte 13\)$"):
        load_json(path)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(minimal_document()).encode("utf-8"))
    summary = import_json(path, tmp_path / "bom.casefile")
    assert summary.counts[Kind.ACTOR] == 2


def test_a_missing_json_file_is_a_plain_error(tmp_path):
    with pytest.raises(CaseFileError, match="There is no file at"):
        import_json(tmp_path / "nowhere.json", tmp_path / "x.casefile")
    assert not (tmp_path / "x.casefile").exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d.update(format="other"),
            ['format: expected "casefile", found "other"; this is not a Casefile document'],
        ),
        (
            lambda d: d.pop("format"),
            ['format: expected "casefile", found null; this is not a Casefile document'],
        ),
        (
            lambda d: d.update(version=5),
            ["version: this document is version 5, newer than this version of Casefile reads (4)"],
        ),
        (
            lambda d: d["case"].update(bottom_line="Meta has not signed."),
            ["case.bottom_line: not in format version 1 (added in version 4)"],
        ),
        (
            lambda d: d["statements"][0].update(locator="p. 4"),
            ["statements[0].locator: not in format version 1 (added in version 2)"],
        ),
        (lambda d: d.update(version="1"), ["version: expected a whole number, found text"]),
        (lambda d: d.update(version=0), ["version: 0 is not a valid version"]),
        (lambda d: d["directives"][0].pop("title"), ['directives[0]: missing required field "title"']),
        (lambda d: d.pop("case"), ["case: missing required object"]),
        (lambda d: d["case"].update(title="  "), ["case.title: must not be empty"]),
        (lambda d: d["timeline"][0].pop("date"), ['timeline[0]: missing required field "date"']),
        (
            lambda d: d["statements"][0].update(speaker="metta"),
            ['statements[0].speaker: no actor with id "metta"'],
        ),
        (
            lambda d: d["timeline"][0].update(actors=["meta", "ghost"]),
            ['timeline[0].actors[1]: no actor with id "ghost"'],
        ),
        (
            lambda d: d["statements"][0].update(speaker="src"),
            ['statements[0].speaker: "src" is a source, not an actor'],
        ),
        (
            lambda d: d["timeline"][0].update(statement="eo"),
            ['timeline[0].statement: "eo" is a directive, not a statement'],
        ),
        (
            lambda d: d["timeline"][0].update(date="June 31, 2026"),
            [
                'timeline[0].date: "June 31, 2026" is not an ISO partial date; '
                'use "2024", "2026-05", "2026-06-02" or "2026-06-12T17:21-04:00", '
                'or EDTF such as "2024~", "2025-35" or "2024/2025"'
            ],
        ),
        (
            lambda d: d["directives"][0].update(issued="2026-02-30"),
            ["directives[0].issued: February 2026 has no day 30"],
        ),
        (lambda d: d["timeline"][0].update(title="\x00\x01 "), ["timeline[0].title: must not be empty"]),
        (
            lambda d: d["actors"].append({"id": "meta", "name": "Meta again"}),
            ['actors[2].id: duplicate id "meta" (first used at actors[0].id)'],
        ),
        (
            lambda d: d["actors"][1].update(id="src"),
            [
                'actors[1].id: duplicate id "src" (first used at sources[0].id)',
                'statements[0].speaker: no actor with id "brennan"',
                'timeline[0].actors[1]: no actor with id "brennan"',
            ],
        ),
        (lambda d: d["actors"][0].update(nmae="Meta"), ["actors[0].nmae: unknown field"]),
        (lambda d: d.update(notes="hi"), ["notes: unknown field"]),
        (lambda d: d["case"].update(author="me"), ["case.author: unknown field"]),
        (lambda d: d["actors"][0].update(name=5), ["actors[0].name: expected text, found a number"]),
        (lambda d: d["actors"][0].update(tags="ai"), ["actors[0].tags: expected a list, found text"]),
        (
            lambda d: d["actors"][0].update(tags=["ok", 3]),
            ["actors[0].tags[1]: expected text, found a number"],
        ),
        (
            lambda d: d["statements"][0].update(verbatim="yes"),
            ["statements[0].verbatim: expected true or false, found text"],
        ),
        (
            lambda d: d["statements"][0].update(date=2026),
            ["statements[0].date: expected a date string, found a number"],
        ),
        (
            lambda d: d["directives"][0].update(kind="memo"),
            [
                'directives[0].kind: "memo" is not one of executive_order, export_control, agreement, '
                "regulation, legislation, guidance, other"
            ],
        ),
        (
            lambda d: d["actors"][0].update(affiliation="meta"),
            ["actors[0].affiliation: a record cannot refer to itself"],
        ),
        (
            lambda d: d.update(actors={}),
            [
                "actors: expected a list, found an object",
                'statements[0].speaker: no actor with id "brennan"',
                'directives[0].parties[0]: no actor with id "meta"',
                'timeline[0].actors[0]: no actor with id "meta"',
                'timeline[0].actors[1]: no actor with id "brennan"',
            ],
        ),
        (lambda d: d["sources"].append("a string"), ["sources[1]: expected an object, found text"]),
        (
            lambda d: d["sources"][0].update(id=""),
            [
                "sources[0].id: expected a non-empty id string",
                'statements[0].source: no source with id "src"',
                'timeline[0].source: no source with id "src"',
            ],
        ),
        (
            lambda d: d["case"].update(title="x\ud800"),
            ["case.title: contains an unpaired surrogate escape (such as \\ud800), which is not a character"],
        ),
    ],
    ids=lambda value: value[0][:60] if isinstance(value, list) else "doc",
)
def test_each_error_names_its_json_path(tmp_path, change, expected):
    assert _refused(_doc_with(change), tmp_path) == expected


def test_a_document_that_is_not_an_object_is_refused(tmp_path):
    assert _refused([1, 2], tmp_path) == ["$: expected a JSON object, found a list"]


def test_every_problem_is_reported_at_once(tmp_path):
    def many(d):
        d["actors"][0]["name"] = None
        d["statements"][0]["speaker"] = "metta"
        d["timeline"][0]["date"] = "soon"

    errors = _refused(_doc_with(many), tmp_path)
    assert errors == [
        'actors[0]: missing required field "name"',
        'statements[0].speaker: no actor with id "metta"',
        'timeline[0].date: "soon" is not an ISO partial date; use "2024", "2026-05", "2026-06-02" or '
        '"2026-06-12T17:21-04:00", or EDTF such as "2024~", "2025-35" or "2024/2025"',
    ]


def test_an_existing_target_is_not_overwritten_unless_asked(tmp_path, sample_path):
    before = sha256(sample_path)
    with pytest.raises(CaseFileError, match=r"sample\.casefile already exists"):
        import_document(minimal_document(), sample_path)
    assert sha256(sample_path) == before
    listing = folder_listing(tmp_path)
    # A refused document never replaces an existing file, even with overwrite=True.
    with pytest.raises(InterchangeError):
        import_document(_doc_with(lambda d: d.update(version=9)), sample_path, overwrite=True)
    assert sha256(sample_path) == before
    assert folder_listing(tmp_path) == listing

    summary = import_document(minimal_document(), sample_path, overwrite=True)
    assert summary.counts[Kind.ACTOR] == 2
    assert table_rows(sample_path, "SELECT title FROM case_info") == [("Test case",)]
    assert folder_listing(tmp_path) == listing
