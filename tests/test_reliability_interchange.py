"""14. What leaves and enters through the interchange formats cannot hurt: CSV that no spreadsheet runs, JSON
that imports exactly what it says or is refused with the path of what is wrong.

CSV: every cell is quoted, and a cell that a spreadsheet could take for a formula (``=``, ``+``,
``-``, ``@`` or their full-width and other compatibility forms, behind any run of spaces and
invisible characters, or a cell starting with a tab or line break) is prefixed with an
apostrophe. Each form is planted in a real case file through the records API and read back from
the exported files.

JSON: a key given twice in one object is refused with the path of that object (a JSON reader
keeps the last one, silently dropping the first ``statements`` list). Every value Python's JSON
reader accepts but a case file cannot hold, or would refuse at open, is refused with its path:
text or a record larger than the 64 MB a case file opens, numbers where text or true/false
belongs (``NaN``, ``Infinity``, ``1e400``, integers beyond 64 bits or beyond the 4300 digits
Python converts), unpaired surrogates, nesting. Edges that a case file can hold (NUL characters,
which are dropped; huge lists; a record just under the limit) import into a file that opens.
Each import reads a real JSON file; a refused one leaves no file and no temporary file.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from core_fixtures import folder_listing, minimal_document
from reliability_helpers import record

from db.csv_export import CASE_CSV, CSV_NAMES, export_csv
from db.errors import InterchangeError
from db.fields import Kind
from db.interchange import export_document, import_json
from db.records import add_record, update_case
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import MAX_VALUE_BYTES

MB = MAX_VALUE_BYTES // 1_048_576
TOO_LONG = f"longer than the {MB} MB a case file can hold"

# ----- CSV injection ----------------------------------------------------------------------

# Each starts, after what a spreadsheet may skip, with a character it may run as a formula.
DANGEROUS = {
    "equals": "=1+1",
    "plus": "+1+1",
    "minus": "-2+3",
    "at": "@SUM(A1:A2)",
    "dde": "=cmd|' /C calc'!A0",
    "negative number": "-5",
    "tab": "\tTAB",
    "carriage return": "\r=1+1",
    "line feed": "\n=1+1",
    "space": " =1+1",
    "spaces and tab": "  \t@SUM(A1)",
    "no-break space": "\u00a0=1+1",
    "em space": "\u2003+1+1",
    "ideographic space": "\u3000-1+1",
    "byte-order mark": "\ufeff=1+1",
    "zero-width space": "\u200b=1+1",
    "zero-width joiner": "\u200d@SUM(A1)",
    "word joiner": "\u2060-1+1",
    "left-to-right mark": "\u200e=1+1",
    "hangul filler": "\u3164=1+1",
    "mixed invisibles": "\u00a0\ufeff\u200b\u2060 =1+1",
    "full-width equals": "\uff1d1+1",
    "full-width plus": "\uff0b1+1",
    "full-width minus": "\uff0d1+1",
    "full-width at": "\uff20SUM(A1)",
    "space then full-width equals": '\u00a0\uff1dHYPERLINK("http://x")',
    "small equals (NFKC)": "\ufe661+1",
    "superscript plus (NFKC)": "\u207a1",
    "minus sign": "\u22125",
}
HARMLESS = ["Costs rose 5% - a lot = much", " plain words", "\u00a0indented", "\u200bhidden start", "5-3", "a=b"]
SEPARATORS = "a;b,c\td"
ONLY_QUOTED_CELLS = re.compile(r'"(?:[^"]|"")*"')


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("danger", list(DANGEROUS.values()), ids=list(DANGEROUS))
def test_formula_cells_in_every_form_are_neutralised_in_the_exported_files(empty_cf, tmp_path, danger):
    speaker = add_record(empty_cf, Kind.ACTOR, {"name": danger, "tags": [danger, "ok"]})
    add_record(empty_cf, Kind.STATEMENT, {"text": danger, "speaker": speaker, "venue": "safe venue"})
    add_record(empty_cf, Kind.DIRECTIVE, {"title": danger, "provisions": [danger, "second"], "parties": [speaker]})
    update_case(empty_cf, {"subtitle": danger})
    folder = tmp_path / "csv"
    export_csv(empty_cf, folder)

    with CaseFile.open(empty_cf.path, read_only=True) as cf:
        doc = export_document(cf)
    stored = doc["statements"][0]["text"]
    assert stored == danger  # planted unchanged
    stored_tag = doc["actors"][0]["tags"][0]
    statement = _rows(folder / "statements.csv")[0]
    assert statement["text"] == "'" + stored
    assert statement["speaker"] == "'" + stored  # a referenced name is a cell too
    assert statement["venue"] == "safe venue"
    actor = _rows(folder / "actors.csv")[0]
    assert actor["name"] == "'" + stored
    # Tags are trimmed as they are stored: "\tTAB" becomes the harmless "TAB".
    assert actor["tags"] == ("" if stored_tag == "TAB" else "'") + stored_tag + "; ok"
    directive = _rows(folder / "directives.csv")[0]
    assert directive["title"] == "'" + stored
    assert directive["provisions"] == "'" + stored + "\nsecond"
    assert directive["parties"] == "'" + stored
    assert _rows(folder / CASE_CSV)[0]["subtitle"] == "'" + stored
    for name in [CASE_CSV, *CSV_NAMES.values()]:
        text = (folder / name).read_bytes().decode("utf-8-sig")
        # Every cell is quoted: what is left outside quotes is only the separators and line ends.
        assert set(ONLY_QUOTED_CELLS.sub("", text)) <= {",", "\r", "\n"}, name
    record(
        14,
        "A cell a spreadsheet could run as a formula, in any form (=, +, -, @, full-width or other compatibility "
        "forms, behind spaces, no-break spaces, byte-order marks, zero-width or other invisible characters, or "
        "starting with a tab or line break), is exported with an apostrophe in front, in every CSV file.",
        form=repr(danger),
        files_checked=len(CSV_NAMES) + 1,
    )


def test_every_cell_is_quoted_so_no_list_separator_splits_it(empty_cf, tmp_path):
    add_record(empty_cf, Kind.STATEMENT, {"text": SEPARATORS, "venue": "x;y", "tags": ["a,b", "c\td"]})
    export_csv(empty_cf, tmp_path / "csv")
    raw = (tmp_path / "csv" / "statements.csv").read_bytes().decode("utf-8-sig")
    header, row = raw.split("\r\n")[:2]
    assert header.startswith('"id","') and row.startswith('"')
    assert f'"{SEPARATORS}"' in row and '"x;y"' in row and '"a,b; c\td"' in row
    # A spreadsheet that splits on ";" or a tab, and honours quotes, still sees each cell whole.
    outside = ONLY_QUOTED_CELLS.sub("", raw)
    assert ";" not in outside and "\t" not in outside and set(outside) <= {",", "\r", "\n"}
    assert _rows(tmp_path / "csv" / "statements.csv")[0]["text"] == SEPARATORS
    record(14, "Every CSV cell is quoted, so a ';', ',' or tab inside a cell cannot split it in any spreadsheet.",
           separators=[";", ",", "\\t"])  # fmt: skip


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_is_not_prefixed(empty_cf, tmp_path, text):
    add_record(empty_cf, Kind.STATEMENT, {"text": text})
    export_csv(empty_cf, tmp_path / "csv")
    assert _rows(tmp_path / "csv" / "statements.csv")[0]["text"] == text


# ----- JSON: import refusals and round trips ----------------------------------------------


def _write_json(tmp_path: Path, doc: Any = None, *, text: str | None = None) -> Path:
    source = tmp_path / "in" / "document.json"
    source.parent.mkdir(exist_ok=True)
    if text is None:
        try:
            data = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # an unpaired surrogate: written as a \ud800 escape, as JSON allows
            data = json.dumps(doc).encode("ascii")
    else:
        data = text.encode("utf-8")
    source.write_bytes(data)
    return source


def _refused(tmp_path: Path, source: Path) -> list[str]:
    """Import ``source``; it must be refused, leaving nothing at the target and no temporary file."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    target = out / "imported.casefile"
    with pytest.raises(InterchangeError) as caught:
        import_json(source, target)
    assert not target.exists()
    assert folder_listing(out) == []
    message = str(caught.value)
    message.encode("utf-8")  # printable: no unpaired surrogate in it
    assert all(len(line) <= 500 and "\x00" not in line for line in caught.value.errors)
    return caught.value.errors


def _imported(tmp_path: Path, source: Path) -> dict[str, Any]:
    """Import ``source``; the new file must pass every open-time check. Returns its export."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    target = out / "imported.casefile"
    import_json(source, target)
    with CaseFile.open(target) as cf:
        return export_document(cf)


def _doc(**changes: Any) -> dict[str, Any]:
    doc = minimal_document()
    for where, value in changes.items():
        kind, index, field = where.split("__")
        if kind == "case":
            doc["case"][field] = value
        else:
            doc[kind][int(index)][field] = value
    return doc


DUPLICATES = {
    "top-level list": (
        '{"format": "casefile", "version": 1, "case": {"title": "T"}, '
        '"statements": [{"id": "a", "text": "first list"}], "statements": []}',
        ['$: the key "statements" appears twice'],
    ),
    "field in a record": (
        '{"format": "casefile", "version": 1, "case": {"title": "T"}, '
        '"actors": [{"id": "x", "name": "X"}, {"id": "y", "name": "Y"}], '
        '"statements": [{"id": "a", "text": "1"}, {"id": "b", "text": "2"}, '
        '{"id": "c", "text": "3", "speaker": "x", "speaker": "y"}]}',
        ['statements[2]: the key "speaker" appears twice'],
    ),
    "case field, three times": (
        '{"format": "casefile", "version": 1, "case": {"title": "A", "title": "B", "title": "C"}}',
        ['case: the key "title" appears 3 times'],
    ),
    "inside a dropped duplicate and nested": (
        '{"format": "casefile", "version": 1, "case": {"title": "T"}, '
        '"actors": [{"id": "x", "name": "X", "tags": [{"k": 1, "k": 2}]}], "actors": []}',
        ['$: the key "actors" appears twice', 'actors[0].tags[0]: the key "k" appears twice'],
    ),
    "the same id key": (
        '{"format": "casefile", "version": 1, "case": {"title": "T"}, '
        '"sources": [{"id": "s", "id": "t", "title": "S"}]}',
        ['sources[0]: the key "id" appears twice'],
    ),
}


@pytest.mark.parametrize(("text", "expected"), list(DUPLICATES.values()), ids=list(DUPLICATES))
def test_a_key_given_twice_is_refused_with_its_path(tmp_path, text, expected):
    json.loads(text)  # Python's own reader takes it, keeping the last value
    assert _refused(tmp_path, _write_json(tmp_path, text=text)) == expected
    record(14, "A JSON object that gives a key twice is refused, naming the object's path and the key; nothing "
           "is written (a JSON reader would keep the last value and silently drop the first).",
           expected=expected)  # fmt: skip


# Edges Python's JSON reader accepts: (document text, the line the refusal must contain).
NUMBERS = {
    "NaN as text": (
        json.dumps(_doc(statements__0__text=float("nan"))),
        "statements[0].text: expected text, found a number",
    ),
    "Infinity as a name": (
        json.dumps(_doc(actors__0__name=float("inf"))),
        "actors[0].name: expected text, found a number",
    ),
    "-Infinity as a date": (
        json.dumps(_doc(timeline__0__date=float("-inf"))),
        "timeline[0].date: expected a date string, found a number",
    ),
    "1e400 as a tag": (
        json.dumps(_doc(actors__0__tags=["ok", 0.5])).replace("0.5", "1e400"),
        "actors[0].tags[1]: expected text, found a number",
    ),
    "NaN as the version": (
        json.dumps(_doc()).replace('"version": 1', '"version": NaN'),
        "version: expected a whole number, found a number",
    ),
    "1 as verbatim": (
        json.dumps(_doc(statements__0__verbatim=1)),
        "statements[0].verbatim: expected true or false, found a number",
    ),
    "0 as key": (json.dumps(_doc(timeline__0__key=0)), "timeline[0].key: expected true or false, found a number"),
    "2**64 as verbatim": (
        json.dumps(_doc(statements__0__verbatim=2**64)),
        "statements[0].verbatim: expected true or false, found a number",
    ),
    "-2**63-1 as a kind": (
        json.dumps(_doc(actors__0__kind=-(2**63) - 1)),
        "actors[0].kind: expected one of person, company, government, organization, other, found a number",
    ),
    "5000-digit verbatim": (
        json.dumps(_doc(statements__0__verbatim=7)).replace('"verbatim": 7', '"verbatim": ' + "7" * 5000),
        "statements[0].verbatim: expected true or false, found a number",
    ),
    "5000-digit version": (
        json.dumps(_doc()).replace('"version": 1', '"version": ' + "9" * 5000),
        "version: expected a whole number, found a number",
    ),
    "2**70 as the version": (
        json.dumps(_doc()).replace('"version": 1', f'"version": {2**70}'),
        f"version: this document is version {2**70}, newer than this version of Casefile reads (4)",
    ),
    "true as text": (json.dumps(_doc(sources__0__title=True)), "sources[0].title: expected text, found true/false"),
}


@pytest.mark.parametrize(("text", "expected"), list(NUMBERS.values()), ids=list(NUMBERS))
def test_numbers_where_a_case_file_keeps_text_or_yes_no_are_refused_with_the_path(tmp_path, text, expected):
    errors = _refused(tmp_path, _write_json(tmp_path, text=text))
    assert expected in errors
    record(14, "NaN, Infinity, 1e400, integers beyond 64 bits or 4300 digits, and numbers where true/false "
           "belongs are refused with the field's JSON path; nothing is written.", edge=expected)  # fmt: skip


SURROGATES = {
    "in text": (_doc(statements__0__text="a\ud800b"), "statements[0].text: contains an unpaired surrogate escape"),
    "in a tag": (_doc(actors__0__tags=["ok", "\udfff"]), "actors[0].tags[1]: contains an unpaired surrogate escape"),
    "in the title": (_doc(case__0__title="\ud83d"), "case.title: contains an unpaired surrogate escape"),
    "in a reference": (_doc(statements__0__speaker="\ud800"), 'statements[0].speaker: no actor with id "\\ud800"'),
    "in a kind": (_doc(actors__0__kind="\ud800"), '"\\ud800" is not one of person'),
    "in a date": (_doc(timeline__0__date="2026-\ud800"), 'timeline[0].date: "2026-\\ud800"'),
}


@pytest.mark.parametrize(("doc", "expected"), list(SURROGATES.values()), ids=list(SURROGATES))
def test_unpaired_surrogates_are_refused_with_a_message_that_can_be_printed(tmp_path, doc, expected):
    errors = _refused(tmp_path, _write_json(tmp_path, doc))
    assert any(line.startswith(expected) or expected in line for line in errors), errors
    record(14, "An unpaired surrogate escape (\\ud800, which UTF-8 cannot hold) is refused with its path, and the "
           "message shows it as an escape so it can be printed and logged.", edge=expected)  # fmt: skip


def test_an_unpaired_surrogate_in_a_key_is_refused_printably(tmp_path):
    text = json.dumps(_doc()).replace('"text":', '"\\ud800": 1, "text":', 1)
    errors = _refused(tmp_path, _write_json(tmp_path, text=text))
    assert errors == ["statements[0].\\ud800: unknown field"]


def test_nul_and_control_characters_are_dropped_and_the_file_opens(tmp_path):
    doc = _doc(statements__0__text="before\x00after\x07", actors__0__tags=["a\x00b", "\x00"], case__0__summary="\x00x")
    exported = _imported(tmp_path, _write_json(tmp_path, doc))
    assert exported["statements"][0]["text"] == "beforeafter"
    assert next(a for a in exported["actors"] if a["name"] == "Meta")["tags"] == ["ab"]
    assert exported["case"]["summary"] == "x"
    record(14, "NUL and other control characters in text import with the characters dropped (as typing them "
           "would), and the new case file opens.", fields=3)  # fmt: skip


NESTED = 900  # within Python's reader's limit; far deeper is "nested too deeply"


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("actors__0__tags", "actors[0].tags[0]: expected text, found a list"),
        (
            "actors__0__kind",
            "actors[0].kind: expected one of person, company, government, organization, other, found a list",
        ),
        ("statements__0__text", "statements[0].text: expected text, found a list"),
        ("case__0__notes", "case.notes: unknown field"),
    ],
)
def test_nested_values_in_fields_are_refused_with_a_short_message(tmp_path, where, expected):
    text = json.dumps(_doc(**{where: ["@"]})).replace('["@"]', "[" * NESTED + "]" * NESTED)
    assert json.loads(text)  # Python's reader takes it
    errors = _refused(tmp_path, _write_json(tmp_path, text=text))
    assert errors == [expected]
    record(14, "Values nested 900 deep inside a field (a tag, a kind, a text) are refused with the field's path "
           "in a one-line message.", depth=NESTED)  # fmt: skip


def test_nesting_beyond_the_readers_limit_is_refused(tmp_path):
    text = json.dumps(_doc(actors__0__tags=["@"])).replace('["@"]', "[" * 100_000 + "]" * 100_000)
    assert _refused(tmp_path, _write_json(tmp_path, text=text)) == ["$: not valid JSON: nested too deeply"]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("timeline__0__date", 'timeline[0].date: "xxxx'),
        ("statements__0__speaker", 'statements[0].speaker: no actor with id "xxxx'),
        ("directives__0__status", 'directives[0].status: "xxxx'),
    ],
)
def test_a_huge_value_quoted_in_a_refusal_is_cut_short(tmp_path, where, expected):
    errors = _refused(tmp_path, _write_json(tmp_path, _doc(**{where: "x" * 1_000_000})))
    assert len(errors) == 1 and errors[0].startswith(expected) and "…" in errors[0]


# ----- the 64 MB a case file can hold ------------------------------------------------------

LIMIT_EDGES: dict[str, tuple[str, Callable[[], Any], str]] = {
    # Four-byte characters: a quarter as many characters as bytes, and one character too many.
    "statement text": (
        "statements__0__text",
        lambda: "\U0001f600" * (MAX_VALUE_BYTES // 4 + 1),
        f"statements[0].text: {TOO_LONG}",
    ),
    "case summary": ("case__0__summary", lambda: "s" * (MAX_VALUE_BYTES + 1), f"case.summary: {TOO_LONG}"),
    "a tag list": (
        "actors__0__tags",
        lambda: [f"{i:07d}" + "t" * 1_000_000 for i in range(70)],
        f"actors[0].tags: {TOO_LONG}",
    ),
}


@pytest.mark.parametrize(("where", "make", "expected"), list(LIMIT_EDGES.values()), ids=list(LIMIT_EDGES))
def test_a_field_longer_than_a_case_file_holds_is_refused_with_its_path(tmp_path, where, make, expected):
    source = _write_json(tmp_path, _doc(**{where: make()}))
    assert _refused(tmp_path, source) == [expected]
    record(14, "A text or list field whose stored form is over the 64 MB a case file opens is refused at import "
           "with its path, counting UTF-8 bytes, not characters; nothing is written.",
           json_bytes=source.stat().st_size, limit_bytes=MAX_VALUE_BYTES)  # fmt: skip


def test_a_record_over_the_limit_in_total_is_refused_with_its_path(tmp_path):
    half = MAX_VALUE_BYTES // 2 + 1
    doc = _doc(statements__0__text="t" * half, statements__0__notes="n" * half)
    assert _refused(tmp_path, _write_json(tmp_path, doc)) == [
        f"statements[0]: larger than the {MB} MB a case file can hold in one record"
    ]
    record(14, "A record whose fields are each under 64 MB but together over it is refused with the record's path.",
           record_bytes=2 * half)  # fmt: skip


def test_a_record_just_under_the_limit_imports_into_a_file_that_opens(tmp_path):
    text = "\u00e9" * ((MAX_VALUE_BYTES - 8192) // 2)  # two bytes each
    exported = _imported(tmp_path, _write_json(tmp_path, _doc(statements__0__text=text)))
    assert exported["statements"][0]["text"] == text
    record(14, "A record just under 64 MB imports, and the new file passes every open-time check.",
           text_bytes=len(text.encode("utf-8")))  # fmt: skip


def test_huge_lists_round_trip(tmp_path):
    tags = [f"tag {i}" for i in range(200_000)]
    provisions = [f"Provision {i}." for i in range(100_000)]
    doc = _doc(actors__0__tags=tags, directives__0__provisions=provisions)
    doc["sources"] += [{"id": f"s{i}", "title": f"Source {i}"} for i in range(50_000)]
    exported = _imported(tmp_path, _write_json(tmp_path, doc))
    assert next(a for a in exported["actors"] if a["name"] == "Meta")["tags"] == tags
    assert exported["directives"][0]["provisions"] == provisions
    assert len(exported["sources"]) == 50_001
    record(14, "Lists of hundreds of thousands of tags, provisions and records import into a file that opens "
           "and exports them unchanged.", tags=len(tags), provisions=len(provisions), sources=50_001)  # fmt: skip
