"""CSV import: the spreadsheets staff already keep, added to an open case as records of one kind.

The reverse of ``db.csv_export``; how a file is read (encodings, separators) is ``db.csv_read``.

Each column is mapped to one field of the kind (or ignored), guessed from its header: the
names ``export-csv`` writes, the field labels the app shows, and a few obvious synonyms. The
id columns an export writes are ignored: ids of another case file name nothing in this one,
so references are matched by the name the export writes beside them (an actor's name, a
source's or directive's title, a statement's text). A name that matches nothing is either
refused or created as a new record holding only that name, as the user chooses.

Every cell passes the same rule an edit in the app passes (``db.values``, with dates read as
staff type them), so a value is refused or stored exactly as it would be when typed. Every
problem is reported with its row as the spreadsheet numbers it (the header is row 1) and its
column; a file with any problem adds nothing, and one without is added in one transaction.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from .csv_export import _needs_apostrophe
from .csv_read import CsvTable, read_csv
from .declare import CHOICE_LABELS
from .errors import InterchangeError
from .fields import KINDS, FieldSpec, FieldType, Kind
from .records import apply_changes, new_id
from .sizes import refuse_oversized
from .sqlite.casefile import now_stamp
from .store import CaseStore, bulk_writes
from .values import ValueProblem, check_value, to_columns

# The ``--kind`` words of the command line, which are the export's file names.
KIND_NAMES: dict[str, Kind] = {KINDS[kind].json_name: kind for kind in KINDS}

# Headers people write for a field besides its name and label (compared as ``_header_key``).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("full name", "actor"),
    "text": ("quote", "statement", "words"),
    "speaker": ("said by", "who", "author of statement"),
    "verbatim": ("exact words", "exact"),
    "notes": ("note", "comments", "comment", "our notes", "context"),
    "venue": ("where", "place", "setting", "occasion"),
    "tags": ("tag", "keywords", "labels"),
    "url": ("link", "web address", "address"),
    "identifier": ("number", "id number", "reference"),
    "parties": ("party",),
    "actors": ("actor", "people", "who"),
    "key": ("key event", "key events"),
    "published": ("publication date", "date published"),
    "description": ("details",),
    "provisions": ("key provisions", "provision"),
    "locator": ("pinpoint", "page"),
}
_SPACES = re.compile(r"[\s_\-]+")
_PUNCTUATION = re.compile(r"[^\w\s\-]")  # "Exact words?" is the header "exact words"
_BLANK = frozenset({"", "no", "n", "false", "0"})
_YES = frozenset({"yes", "y", "true", "1", "x", "✓"})


@dataclass(frozen=True)
class RowProblem:
    """Why a row (or, when ``row`` is None, the mapping as a whole) cannot be imported."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        where = f'Row {self.row}, column "{self.column}"' if self.column else f"Row {self.row}"
        return f"{where}: {self.message}"


@dataclass
class CsvPlan:
    """What importing a table will add: checked values per row, records to create for unknown
    names, and every problem found. Only a plan with no problems can be written."""

    kind: Kind
    mapping: list[str | None]
    rows: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)  # (row number, id, values)
    created: list[tuple[Kind, str, str]] = field(default_factory=list)  # (kind, id, name)
    problems: list[RowProblem] = field(default_factory=list)
    stamp: str = ""

    @property
    def failing_rows(self) -> set[int]:
        """The spreadsheet row numbers that have a problem."""
        return {p.row for p in self.problems if p.row is not None}

    def errors(self) -> list[str]:
        """Every problem as a line of text."""
        return [str(p) for p in self.problems]


# ----- mapping columns to fields ----------------------------------------------------------


def _name_key(text: str) -> str:
    """How a name is matched: case and runs of spaces aside, exactly."""
    return " ".join(text.casefold().split())


def _header_key(text: str) -> str:
    return _SPACES.sub(" ", _PUNCTUATION.sub("", text.casefold())).strip()


def guess_mapping(kind: Kind, header: list[str]) -> list[str | None]:
    """The field each column most likely holds (None: ignored), each field taken once."""
    spec = KINDS[kind]
    known: dict[str, str | None] = {}
    for f in spec.fields:
        words = (*_SYNONYMS.get(f.name, ()), spec.list_label(f.name), f.label, f.name)
        for word in words:  # the later the stronger: a field's own name wins over a synonym
            known[_header_key(word)] = f.name
    # What an export writes beside a name: ids, which name nothing in another case file.
    known["id"] = None
    for f in spec.fields:
        if f.target is not None:
            known[_header_key(f"{f.name}_id{'s' if f.type is FieldType.REFS else ''}")] = None
    mapping: list[str | None] = []
    taken: set[str] = set()
    for title in header:
        name = known.get(_header_key(title))
        if name in taken:
            name = None
        if name is not None:
            taken.add(name)
        mapping.append(name)
    return mapping


def mapping_problems(kind: Kind, header: list[str], mapping: list[str | None]) -> list[RowProblem]:
    """Problems with a mapping itself: a field given two columns, a required field none."""
    spec = KINDS[kind]
    problems: list[RowProblem] = []
    seen: dict[str, str] = {}
    for title, name in zip(header, mapping, strict=True):
        if name is None:
            continue
        if name not in spec.by_name:
            problems.append(RowProblem(None, title, f'A {spec.label.lower()} has no field "{name}".'))
        elif name in seen:
            label = spec.field(name).label
            problems.append(
                RowProblem(None, title, f'Columns "{seen[name]}" and "{title}" are both mapped to {label}.')
            )
        else:
            seen[name] = title
    for f in spec.fields:
        if f.required and f.name not in seen:
            problems.append(
                RowProblem(None, None, f"No column is mapped to {f.label}, which every {spec.label.lower()} needs.")
            )
    return problems


# ----- checking rows ----------------------------------------------------------------------


def _cell_text(cell: str) -> str:
    """A cell as it was before the export guarded it against spreadsheet formulas."""
    if cell.startswith("'") and len(cell) > 1 and _needs_apostrophe(cell[1:]):
        return cell[1:]
    return cell


def _choice_words(f: FieldSpec) -> dict[str, str]:
    words: dict[str, str] = {}
    for choice in f.choices:
        for said in (choice, choice.replace("_", " "), CHOICE_LABELS.get(choice, choice)):
            words[_header_key(said)] = choice
    return words


def _cell_value(f: FieldSpec, text: str) -> object:
    """What a cell holds as the value of field ``f`` (references still names); ValueProblem if none."""
    if f.type is FieldType.BOOL:
        word = text.strip().casefold()
        if word in _YES:
            return True
        if word in _BLANK:
            return False
        raise ValueProblem(f'{f.label} must be yes or no, not "{_shown(text)}".', [])
    if f.type is FieldType.CHOICE:
        if not text.strip():
            return ""
        found = _choice_words(f).get(_header_key(text))
        if found is None:
            allowed = ", ".join(CHOICE_LABELS.get(c, c) for c in f.choices)
            raise ValueProblem(f'{f.label}: "{_shown(text)}" is not one of {allowed}.', [])
        return found
    if f.type in (FieldType.TAGS, FieldType.REFS):
        return [part.strip() for part in text.split(";") if part.strip()]
    if f.type is FieldType.LINES:
        return text.splitlines()
    if f.type is FieldType.REF:
        return text.strip()
    return text


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:59] + "…"


class _Names:
    """Records of the case, and rows of the file, by the name a CSV gives them."""

    def __init__(self, conn: Connection, plan: CsvPlan, create_missing: bool) -> None:
        self.conn, self.plan, self.create_missing = conn, plan, create_missing
        self.existing: dict[Kind, dict[str, list[str]]] = {}
        self.in_file: dict[str, list[str]] = {}
        self.created: dict[tuple[Kind, str], str] = {}

    def _index(self, kind: Kind) -> dict[str, list[str]]:
        if kind not in self.existing:
            spec = KINDS[kind]
            column = spec.field(spec.title_field).column
            index: dict[str, list[str]] = {}
            for rid, title in self.conn.execute(sa.text(f"SELECT id, {column} FROM {spec.table} ORDER BY n")):
                index.setdefault(_name_key(title or ""), []).append(rid)
            self.existing[kind] = index
        return self.existing[kind]

    def resolve(self, f: FieldSpec, name: str, own_id: str) -> str:
        """The id of the record ``name`` names for field ``f``; ValueProblem if none can be."""
        assert f.target is not None
        target = KINDS[f.target]
        key = _name_key(name)
        found = self._index(f.target).get(key) or (self.in_file.get(key, []) if f.target is self.plan.kind else [])
        if len(found) > 1:
            raise ValueProblem(f"{len(found)} {target.plural.lower()} are called “{_shown(name)}”; rename one.", [])
        if found:
            if found[0] == own_id:
                raise ValueProblem(f"{f.label}: a record cannot refer to itself.", [])
            return found[0]
        if (f.target, key) in self.created:
            return self.created[(f.target, key)]
        if not self.create_missing:
            raise ValueProblem(
                f"no {target.label.lower()} is called “{_shown(name)}” (add it first, or choose to create missing "
                f"{target.plural.lower()}).",
                [],
            )
        rid = new_id()
        self.created[(f.target, key)] = rid
        self.plan.created.append((f.target, rid, name.strip()))
        return rid


def check_table(
    conn: Connection,
    table: CsvTable,
    kind: Kind,
    mapping: list[str | None] | None = None,
    *,
    create_missing: bool = False,
    stop: Any = None,
) -> CsvPlan:
    """Check every row of ``table`` as records of ``kind`` against the case ``conn`` reads."""
    spec = KINDS[kind]
    mapping = list(mapping) if mapping is not None else guess_mapping(kind, table.header)
    plan = CsvPlan(kind, mapping, stamp=now_stamp())
    plan.problems.extend(mapping_problems(kind, table.header, mapping))
    if plan.problems:
        return plan
    names = _Names(conn, plan, create_missing)
    columns = [(i, spec.field(name), table.header[i]) for i, name in enumerate(mapping) if name is not None]
    title_at = (
        next(i for i, name in enumerate(mapping) if name == spec.title_field) if spec.title_field in mapping else None
    )
    pending: list[tuple[int, str, list[str]]] = []
    for number, cells in enumerate(table.rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line of the spreadsheet
        rid = new_id()
        if title_at is not None:
            names.in_file.setdefault(_name_key(_cell_text(cells[title_at])), []).append(rid)
        pending.append((number, rid, cells))
    for n, (number, rid, cells) in enumerate(pending):
        if stop is not None and n % 500 == 0 and stop():
            break
        if number in table.overlong:
            plan.problems.append(
                RowProblem(
                    number, None, f"it has {table.overlong[number]} cells; the header names {len(table.header)}."
                )
            )
        values: dict[str, Any] = {}
        for i, f, title in columns:
            try:
                value = _cell_value(f, _cell_text(cells[i]))
                if f.type is FieldType.REF and value:
                    value = names.resolve(f, str(value), rid)
                elif f.type is FieldType.REFS:
                    value = [names.resolve(f, str(v), rid) for v in value]  # type: ignore[attr-defined]
                values[f.name] = check_value(f, value, typed=True)
            except ValueProblem as problem:
                plan.problems.append(RowProblem(number, title, problem.sentence.removeprefix(f"{f.label}: ")))
        plan.rows.append((number, rid, values))
    return plan


def check_csv(
    cf: CaseStore, table: CsvTable, kind: Kind, mapping: list[str | None] | None = None, *,
    create_missing: bool = False, stop: Any = None,
) -> CsvPlan:  # fmt: skip
    """``check_table`` against an open case file (safe off the GUI thread: a read of its own)."""
    with cf.read() as conn:
        return check_table(conn, table, kind, mapping, create_missing=create_missing, stop=stop)


# ----- writing and taking back ------------------------------------------------------------


def _write(conn: Connection, plan: CsvPlan) -> None:
    # Straight through the driver, many rows a statement: one by one through ``insert_record``
    # took seconds for a file of 10,000 rows, with the window waiting. The values passed the
    # same rules at check time, and the foreign keys still refuse a record that has gone since.
    spec = KINDS[plan.kind]
    created: dict[Kind, list[tuple[str, dict[str, Any]]]] = {}
    for kind, rid, name in plan.created:
        created.setdefault(kind, []).append((rid, {KINDS[kind].title_field: name}))
    for kind, rows in created.items():
        _insert(conn, kind, rows, plan.stamp)
    # A reference to another row of the file (an actor's affiliation) is written once both exist.
    in_file = {rid for _n, rid, _v in plan.rows}
    later: list[tuple[str, dict[str, Any]]] = []
    now: list[tuple[str, dict[str, Any]]] = []
    for _number, rid, values in plan.rows:
        ahead = {
            name: value
            for name, value in values.items()
            if spec.field(name).target is plan.kind and value and set(_as_list(value)) & in_file
        }
        now.append((rid, {k: v for k, v in values.items() if k not in ahead}))
        if ahead:
            later.append((rid, ahead))
    _insert(conn, plan.kind, now, plan.stamp)
    for rid, ahead in later:
        apply_changes(conn, spec, rid, ahead, updated_at=plan.stamp)


def _insert(conn: Connection, kind: Kind, rows: list[tuple[str, dict[str, Any]]], stamp: str) -> None:
    """Insert checked records of one kind, with their links, in a few statements."""
    spec = KINDS[kind]
    defaults = {f.name: check_value(f, f.default, typed=True) for f in spec.fields if not f.required}
    names: list[str] = []
    table_rows: list[tuple[Any, ...]] = []
    links: dict[str, list[tuple[str, str, int]]] = {}
    for rid, values in rows:
        columns: dict[str, Any] = {"id": rid, "created_at": stamp, "updated_at": stamp}
        for f in spec.fields:
            value = values[f.name] if f.name in values else defaults[f.name]
            if f.type is FieldType.REFS:
                links.setdefault(f.name, []).extend((rid, str(target), i) for i, target in enumerate(_as_list(value)))
            else:
                columns.update(to_columns(f, value))
        refuse_oversized(conn, spec.fields, columns, spec.label.lower())
        if not names:
            names = list(columns)
        table_rows.append(tuple(columns[name] for name in names))
    writes = bulk_writes(conn)
    if table_rows:
        writes.insert_rows(conn, spec.table, names, table_rows)
    for name, link_rows in links.items():
        link = spec.field(name).link
        assert link is not None
        writes.insert_rows(conn, link.table, [link.owner_column, link.target_column, "position"], link_rows)


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [value]


def write_plan(cf: CaseStore, plan: CsvPlan) -> None:
    """Add the records of a plan with no problems, all in one transaction (again, after
    ``remove_plan``: the same ids and stamps)."""
    if plan.problems:
        raise InterchangeError(plan.errors())
    with cf.write() as conn:
        _write(conn, plan)


def remove_plan(cf: CaseStore, plan: CsvPlan) -> None:
    """Take out every record a written plan added (the rows, then the records created for names)."""
    groups: list[tuple[Kind, list[str]]] = [(plan.kind, [rid for _n, rid, _v in plan.rows])]
    for kind in KINDS:
        ids = [rid for k, rid, _name in plan.created if k is kind]
        if ids:
            groups.append((kind, ids))
    with cf.write() as conn:
        # Rows of the file may refer to each other (affiliations): checked once all are gone.
        bulk_writes(conn).defer_foreign_keys(conn)
        for kind, ids in groups:
            table = KINDS[kind].table
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                binds = ", ".join(f":id{i}" for i in range(len(chunk)))
                conn.execute(
                    sa.text(f"DELETE FROM {table} WHERE id IN ({binds})"), {f"id{i}": v for i, v in enumerate(chunk)}
                )
    for kind, _ids in groups:
        cf.note_removed_text(KINDS[kind].fts)


def import_csv(
    cf: CaseStore,
    path: str | os.PathLike[str],
    kind: Kind,
    *,
    mapping: list[str | None] | None = None,
    create_missing: bool = False,
) -> CsvPlan:
    """Read, check and add a CSV file's rows as records of ``kind`` in one transaction;
    InterchangeError listing every problem (and nothing written) if there is any."""
    table = read_csv(path)
    with cf.write() as conn:
        plan = check_table(conn, table, kind, mapping, create_missing=create_missing)
        if plan.problems:
            raise InterchangeError(plan.errors())
        _write(conn, plan)
    return plan
