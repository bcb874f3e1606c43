"""One rule set for values: a value imported from JSON and the same value given in an edit are
stored alike or refused alike, for every field of every record kind (see db/values.py).

Each table row is a (field, value) case. The import side puts the value into a real JSON document
(one record per case, serialised and parsed again) and imports it with ``import_document`` into a
new file; the edit side changes a record of a real case file with ``update_record`` (or
``update_case``). Both must accept the value and store the same columns, or both refuse it, the
import naming the value's JSON path and the edit leaving the record as it was. The one deliberate
difference, dates typed the ways people write them, has its own test.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from core_fixtures import table_rows

from db.document_check import VERSION
from db.errors import CaseFileError, InterchangeError
from db.fields import CASE_FIELDS, KINDS, FieldSpec, FieldType, Kind, choice_label
from db.interchange import import_document, loads
from db.records import add_record, get_case, get_record, update_case, update_record
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import MAX_VALUE_BYTES

# ----- the records the cases refer to -----------------------------------------------------


def _uuid(group: int, n: int) -> str:
    return f"{group:08x}-0000-4000-8000-{n:012x}"


TARGETS: dict[Kind, tuple[str, str]] = {
    Kind.SOURCE: (_uuid(1, 1), _uuid(1, 2)),
    Kind.ACTOR: (_uuid(2, 1), _uuid(2, 2)),
    Kind.STATEMENT: (_uuid(3, 1), _uuid(3, 2)),
    Kind.DIRECTIVE: (_uuid(4, 1), _uuid(4, 2)),
}
# An id of a record of another kind, for each kind a reference names.
WRONG_KIND = {Kind.SOURCE: TARGETS[Kind.ACTOR][0], Kind.ACTOR: TARGETS[Kind.SOURCE][0],
              Kind.STATEMENT: TARGETS[Kind.DIRECTIVE][0], Kind.DIRECTIVE: TARGETS[Kind.STATEMENT][0]}  # fmt: skip
DANGLING = _uuid(9, 9)
S1, A1, ST1, D1 = (TARGETS[k][0] for k in (Kind.SOURCE, Kind.ACTOR, Kind.STATEMENT, Kind.DIRECTIVE))


def _base() -> dict[str, Any]:
    """A document holding only the records the cases refer to."""
    s, a, st, d = (TARGETS[k] for k in (Kind.SOURCE, Kind.ACTOR, Kind.STATEMENT, Kind.DIRECTIVE))
    return {
        "format": "casefile",
        "version": VERSION,
        "case": {"title": "Case", "subtitle": "Sub", "summary": "Sum", "marking": "M", "prepared_by": "P",
                 "as_of": "2026-06"},
        "sources": [{"id": s[0], "title": "The article"}, {"id": s[1], "title": "Another article"}],
        "actors": [{"id": a[0], "name": "Meta", "kind": "company"}, {"id": a[1], "name": "Brennan"}],
        "statements": [{"id": st[0], "text": "We hope to sign."}, {"id": st[1], "text": "No comment."}],
        "directives": [{"id": d[0], "title": "EO 14409"}, {"id": d[1], "title": "Export control"}],
        "timeline": [],
    }  # fmt: skip


# A record of each kind with every field set to a valid value the cases then change.
TEMPLATES: dict[Kind, dict[str, Any]] = {
    Kind.SOURCE: {"title": "Title", "publisher": "Publisher", "author": "Author", "url": "https://example.org",
                  "published": "2026-06-02", "accessed": "2026-06", "notes": "Notes"},
    Kind.ACTOR: {"name": "Name", "kind": "company", "role": "Role", "affiliation": A1, "description": "About",
                 "tags": ["tag"]},
    Kind.STATEMENT: {"speaker": A1, "text": "Words", "date": "2026-06-02", "venue": "Venue", "verbatim": True,
                     "source": S1, "locator": "p. 4", "notes": "Notes", "tags": ["tag"]},
    Kind.DIRECTIVE: {"identifier": "EO 1", "title": "Title", "kind": "regulation", "issuer": A1, "issued": "2026",
                     "effective": "2026-07", "status": "proposed", "summary": "Summary", "provisions": ["One."],
                     "parties": [A1], "source": S1, "tags": ["tag"]},
    Kind.TIMELINE: {"date": "2026-06-02", "title": "Title", "description": "About", "actors": [A1],
                    "directive": D1, "statement": ST1, "key": True, "source": S1, "locator": "¶ 12", "tags": ["tag"]},
}  # fmt: skip


class _Self:
    """Stands for the id of the record the value goes into."""

    def __repr__(self) -> str:
        return "SELF"


SELF = _Self()


@dataclass(frozen=True)
class Big:
    """A text of ``size`` bytes, made only when a case is run."""

    size: int

    def make(self) -> str:
        return "x" * self.size


def _materialise(value: Any, record_id: str) -> Any:
    if value is SELF:
        return record_id
    if isinstance(value, Big):
        return value.make()
    return value


# ----- the table --------------------------------------------------------------------------

TEXT = ["Plain words", "  spaced out  ", "tab\tand\nlines\r\n", "a\x00b\x07c\x1bd\x7f", "été \U0001f600 \u202e",
        "", "   ", "\u00a0\u2003\n", "\x00\x01 \x1f", None,
        "a\ud800b", "\udfff", 5, 0, True, 1.5, ["x"], {"a": "b"}]  # fmt: skip
DATES = ["2026-06-12", "2024", "2026-05", "2026-06-12T17:21-04:00", "2026-06-12T17:21:30Z", "2026-06-12 17:21",
         " 2026-06-12 ", "", "  ", None,
         "2026-02-30", "2026-13", "0000", "soon", "2026\x00", "2026-\ud800",
         2026, True, ["2026"], {"y": 2026}]  # fmt: skip
BOOLS = [True, False, None, 1, 0, "true", "", 2, 1.5, [True]]
TAGS = [["policy", "ai"], [" policy ", "policy", "", "  ", "ai\x00"], ["\x00 lead", "lead"], ["AI", "ai"],
        ["tab\tinside"], [], None,
        "policy", [5], [None], ["ok", "\ud800"], {"a": "b"}, [["x"]], [True]]  # fmt: skip
LINES = [["One.", "One.", " two "], ["", "  ", "x\x00y"], ["\ttabbed"], [], None,
         "one", [5], [None], ["\ud800"], {"a": "b"}]  # fmt: skip
# A text just under 64 MB, which leaves no room for the rest of its record, and one over 64 MB.
SIZES = {(Kind.STATEMENT, "text"): [Big(MAX_VALUE_BYTES - 3000), Big(MAX_VALUE_BYTES + 1)]}


def _choices(f: FieldSpec) -> list[Any]:
    first = f.choices[0]
    return [*f.choices, "", None, first.upper(), choice_label(first), f" {first}", f"{first} ", "alien", "\ud800",
            5, True, [first]]  # fmt: skip


def _ref(kind: Kind | None, f: FieldSpec) -> list[Any]:
    assert f.target is not None
    first, second = TARGETS[f.target]
    values = [second, first, None, "", DANGLING, WRONG_KIND[f.target], f" {second}", f"{second}\x00", second.upper(),
              "\ud800", 5, [second], {"id": second}]  # fmt: skip
    return [*values, SELF] if f.target is kind else values


def _refs(f: FieldSpec) -> list[Any]:
    assert f.target is not None
    first, second = TARGETS[f.target]
    return [[second, first], [first, second], [second, second, first], [second, ""], [], None,
            ["  "], [f"{second}\x00"], [DANGLING], [WRONG_KIND[f.target]], [second.upper()], ["\ud800"],
            second, [5], [None], {"a": second}, [[second]]]  # fmt: skip


def values_for(kind: Kind | None, f: FieldSpec) -> list[Any]:
    """The values tried in field ``f`` of a record of ``kind`` (None: the case)."""
    t = f.type
    if t in (FieldType.TEXT, FieldType.LONG_TEXT):
        values = list(TEXT)
    elif t is FieldType.DATE:
        values = list(DATES)
    elif t is FieldType.BOOL:
        values = list(BOOLS)
    elif t is FieldType.CHOICE:
        values = _choices(f)
    elif t is FieldType.REF:
        values = _ref(kind, f)
    elif t is FieldType.REFS:
        values = _refs(f)
    elif t is FieldType.TAGS:
        values = list(TAGS)
    else:
        values = list(LINES)
    return values + SIZES.get((kind, f.name), []) if kind is not None else values


FIELDS = [(kind, f.name) for kind in KINDS for f in KINDS[kind].fields]


# ----- running a case both ways -----------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What became of a value: its stored columns, or the messages that refused it."""

    stored: tuple[Any, ...] | None
    said: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.stored is not None


def _as_json(doc: dict[str, Any]) -> Any:
    """``doc`` written as JSON text (surrogates as \\u escapes) and read back as import reads a file."""
    return loads(json.dumps(doc).encode("utf-8"))


def _stored(path: Path, kind: Kind | None, name: str, record_id: str) -> tuple[Any, ...]:
    """The columns (or links) that hold a field of one record, read with plain SQLite."""
    if kind is None:
        f = next(f for f in CASE_FIELDS if f.name == name)
        table, where = "case_info", "n = 1"
    else:
        f = KINDS[kind].field(name)
        table, where = KINDS[kind].table, f"id = '{record_id}'"
    if f.link is not None:
        link = f.link
        owner = f"{link.owner_column} = '{record_id}'"
        sql = f"SELECT {link.target_column} FROM {link.table} WHERE {owner} ORDER BY position"
        return tuple(row[0] for row in table_rows(path, sql))
    columns = ", ".join(c for c in (f.column, f.key_column) if c)
    (row,) = table_rows(path, f"SELECT {columns} FROM {table} WHERE {where}")
    return tuple(row)


def _import_verdicts(tmp_path: Path, kind: Kind, name: str, values: list[Any], ids: list[str]) -> list[Verdict]:
    """Import one document holding a record per value; a refused record is named by its errors'
    paths, and the others are imported again without it to see what they store."""
    spec = KINDS[kind]
    doc = _base()
    first = len(doc[spec.json_name])
    template = TEMPLATES[kind]
    doc[spec.json_name] += [
        {**copy.deepcopy(template), "id": rid, name: _materialise(v, rid)} for rid, v in zip(ids, values, strict=True)
    ]
    errors: dict[int, list[str]] = {}
    try:
        import_document(_as_json(doc), tmp_path / "import.casefile")
        path = tmp_path / "import.casefile"
    except InterchangeError as exc:
        for line in exc.errors:
            found = re.match(rf"{spec.json_name}\[(\d+)\]", line)
            assert found and int(found[1]) >= first, f"an error outside the cases: {line}"
            errors.setdefault(int(found[1]) - first, []).append(line)
        for i in errors:
            doc[spec.json_name][first + i][name] = copy.deepcopy(template[name])
        path = tmp_path / "import-again.casefile"
        import_document(_as_json(doc), path)
    verdicts = []
    for i, rid in enumerate(ids):
        if i in errors:
            prefix = f"{spec.json_name}[{first + i}]"
            for line in errors[i]:  # each names the value's JSON path
                assert line.startswith(f"{prefix}.{name}") or (line.startswith(f"{prefix}: ") and name in line), line
            verdicts.append(Verdict(None, tuple(errors[i])))
        else:
            verdicts.append(Verdict(_stored(path, kind, name, rid)))
    return verdicts


def _edit_verdicts(tmp_path: Path, kind: Kind, name: str, values: list[Any], ids: list[str]) -> list[Verdict]:
    """Edit one record per value in a case file that holds them with the template's values."""
    spec = KINDS[kind]
    doc = _base()
    doc[spec.json_name] += [{**copy.deepcopy(TEMPLATES[kind]), "id": rid} for rid in ids]
    path = tmp_path / "edited.casefile"
    import_document(doc, path)
    verdicts = []
    cf = CaseFile.open(path)
    try:
        for rid, value in zip(ids, values, strict=True):
            before = get_record(cf, kind, rid)
            try:
                update_record(cf, kind, rid, {name: _materialise(value, rid)})
            except CaseFileError as exc:
                assert get_record(cf, kind, rid) == before
                verdicts.append(Verdict(None, (str(exc),)))
            else:
                verdicts.append(Verdict(_stored(path, kind, name, rid)))
    finally:
        cf.close()
    return verdicts


def _disagreements(values: list[Any], imported: list[Verdict], edited: list[Verdict]) -> list[str]:
    """One line for each value that import and edit treat differently."""
    return [
        f"{value!r}: import {_shown(by_import)}; edit {_shown(by_edit)}"
        for value, by_import, by_edit in zip(values, imported, edited, strict=True)
        if by_import.accepted != by_edit.accepted or by_import.stored != by_edit.stored
    ]


def _shown(verdict: Verdict) -> str:
    if verdict.accepted:
        return f"stored {str(verdict.stored)[:80]}"
    return "refused (" + "; ".join(s[:100] for s in verdict.said) + ")"


# ----- the tests --------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "name"), FIELDS, ids=[f"{KINDS[k].json_name}.{n}" for k, n in FIELDS])
def test_import_and_edit_accept_and_refuse_the_same_values(tmp_path, kind, name):
    values = values_for(kind, KINDS[kind].field(name))
    ids = [_uuid(0x7E57, i) for i in range(len(values))]
    imported = _import_verdicts(tmp_path, kind, name, values, ids)
    edited = _edit_verdicts(tmp_path, kind, name, values, ids)
    disagreements = _disagreements(values, imported, edited)
    assert not disagreements, "\n".join(disagreements)
    assert any(v.accepted for v in imported) and not all(v.accepted for v in imported)


@pytest.mark.parametrize("name", [f.name for f in CASE_FIELDS])
def test_the_case_fields_follow_the_same_rules(tmp_path, name):
    values = values_for(None, next(f for f in CASE_FIELDS if f.name == name))
    edit_path = tmp_path / "edited.casefile"
    import_document(_base(), edit_path)
    imported: list[Verdict] = []
    edited: list[Verdict] = []
    cf = CaseFile.open(edit_path)
    try:
        for i, value in enumerate(values):
            doc = _base()
            doc["case"][name] = value
            target = tmp_path / f"import-{i}.casefile"
            try:
                import_document(_as_json(doc), target)
            except InterchangeError as exc:
                for line in exc.errors:
                    assert line.startswith(f"case.{name}") or (line.startswith("case: ") and name in line), line
                imported.append(Verdict(None, tuple(exc.errors)))
            else:
                imported.append(Verdict(_stored(target, None, name, "")))
            before = get_case(cf)
            try:
                update_case(cf, {name: value})
            except CaseFileError as exc:
                assert get_case(cf) == before
                edited.append(Verdict(None, (str(exc),)))
            else:
                edited.append(Verdict(_stored(edit_path, None, name, "")))
    finally:
        cf.close()
    disagreements = _disagreements(values, imported, edited)
    assert not disagreements, "\n".join(disagreements)


@pytest.mark.parametrize(
    ("kind", "name", "typed", "iso"),
    [
        (Kind.STATEMENT, "date", "June 2, 2026", "2026-06-02"),
        (Kind.TIMELINE, "date", "6/2/2026", "2026-06-02"),
        (Kind.SOURCE, "accessed", "Aug 2024", "2024-08"),
        (Kind.DIRECTIVE, "issued", "June 12, 2026, 5:21 p.m. EDT", "2026-06-12T17:21-04:00"),
    ],
)
def test_only_an_edit_reads_a_date_as_people_type_it(tmp_path, kind, name, typed, iso):
    imported = _import_verdicts(tmp_path, kind, name, [typed, iso], [_uuid(0x7E57, 0), _uuid(0x7E57, 1)])
    edited = _edit_verdicts(tmp_path, kind, name, [typed, iso], [_uuid(0x7E57, 0), _uuid(0x7E57, 1)])
    iso_only = (
        f'"{typed}" is not an ISO partial date; use "2024", "2026-05", "2026-06-02" or "2026-06-12T17:21-04:00", '
        'or EDTF such as "2024~", "2025-35" or "2024/2025"'
    )
    assert not imported[0].accepted and imported[0].said[0].endswith(iso_only)
    assert edited[0].accepted and edited[0].stored == edited[1].stored == imported[1].stored
    assert edited[0].stored[0] == iso


def test_the_kind_and_verbatim_cases_of_the_issue(tmp_path):
    """An empty kind is the default ("other") both ways; 1 is not a yes/no either way."""
    ids = [_uuid(0x7E57, 0)]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _import_verdicts(tmp_path / "a", Kind.ACTOR, "kind", [""], ids) == [Verdict(("other",))]
    assert _edit_verdicts(tmp_path / "a", Kind.ACTOR, "kind", [""], ids) == [Verdict(("other",))]
    assert _import_verdicts(tmp_path / "b", Kind.STATEMENT, "verbatim", [1], ids) == [
        Verdict(None, ("statements[2].verbatim: expected true or false, found a number",))
    ]
    assert _edit_verdicts(tmp_path / "b", Kind.STATEMENT, "verbatim", [1], ids) == [
        Verdict(None, ("Verbatim must be yes or no.",))
    ]


def test_a_record_over_the_limit_in_total_is_refused_both_ways(tmp_path):
    half = MAX_VALUE_BYTES // 2 + 1
    big = {"text": "t" * half, "notes": "n" * half}
    doc = _base()
    doc["statements"].append({"id": _uuid(0x7E57, 0), **big})
    with pytest.raises(InterchangeError) as caught:
        import_document(doc, tmp_path / "import.casefile")
    assert caught.value.errors == ["statements[2]: larger than the 64 MB a case file can hold in one record"]
    path = tmp_path / "edited.casefile"
    import_document(_base(), path)
    cf = CaseFile.open(path)
    try:
        with pytest.raises(CaseFileError, match=r"^The statement would be larger than the 64 MB a case file can hold"):
            add_record(cf, Kind.STATEMENT, big)
        before = get_record(cf, Kind.STATEMENT, ST1)
        update_record(cf, Kind.STATEMENT, ST1, {"notes": big["notes"]})
        with pytest.raises(CaseFileError, match=r"^The statement would be larger than the 64 MB a case file can hold"):
            update_record(cf, Kind.STATEMENT, ST1, {"text": big["text"]})
        assert get_record(cf, Kind.STATEMENT, ST1)["text"] == before["text"]
    finally:
        cf.close()
    assert table_rows(path, "SELECT count(*) FROM statement") == [(2,)]
