"""JSON interchange, format 1 (see docs/json-format.md): export, and import into a new file.

Export is deterministic (stable record order, fixed key order, no timestamps), so export,
import, export gives byte-identical JSON. Import checks the whole document first and
reports every problem with its JSON path; only a document with none is written, into a
new case file that appears when complete.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .casefile import CaseFile, build_new_file, now_stamp, temp_path_beside
from .dates import PartialDate
from .errors import CaseFileError, InterchangeError
from .fields import CASE_FIELDS, JSON_ORDER, KINDS, FieldSpec, FieldType, Kind
from .records import is_uuid, new_id
from .values import decode_list, strip_controls

FORMAT = "casefile"
VERSION = 1
MAX_ERRORS = 200
_TOP_KEYS = {"format", "version", "case", *(KINDS[k].json_name for k in JSON_ORDER)}


# ----- export -----------------------------------------------------------------------------


def _date_text(raw: object) -> str | None:
    return raw if isinstance(raw, str) else None


def export_document(cf: CaseFile) -> dict[str, Any]:
    """The whole case file as a format-1 document (plain dicts and lists)."""
    with cf.read() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        return _export(raw)


def _export(raw: sqlite3.Connection) -> dict[str, Any]:
    raw.row_factory = sqlite3.Row
    try:
        case_row = raw.execute("SELECT * FROM case_info WHERE n = 1").fetchone()
        case = {f.name: case_row[f.column] for f in CASE_FIELDS if f.column}
        doc: dict[str, Any] = {"format": FORMAT, "version": VERSION, "case": case}
        for kind in JSON_ORDER:
            doc[KINDS[kind].json_name] = _export_kind(raw, kind)
        return doc
    finally:
        raw.row_factory = None


def _export_kind(raw: sqlite3.Connection, kind: Kind) -> list[dict[str, Any]]:
    spec = KINDS[kind]
    links: dict[str, dict[str, list[str]]] = {}
    for f in spec.fields:
        if f.link is not None:
            grouped: dict[str, list[str]] = defaultdict(list)
            sql = (
                f"SELECT {f.link.owner_column}, {f.link.target_column} FROM {f.link.table} "
                f"ORDER BY {f.link.owner_column}, position"
            )
            for owner, target in raw.execute(sql):
                grouped[owner].append(target)
            links[f.name] = grouped
    rows = raw.execute(f"SELECT * FROM {spec.table}").fetchall()
    records: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    for row in rows:
        record: dict[str, Any] = {"id": row["id"]}
        for f in spec.fields:
            if f.type is FieldType.REFS:
                record[f.name] = links[f.name].get(row["id"], [])
            elif f.type is FieldType.BOOL:
                record[f.name] = bool(row[f.column])
            elif f.type in (FieldType.TAGS, FieldType.LINES):
                record[f.name] = decode_list(row[f.column])
            else:
                record[f.name] = row[f.column]
        records.append((_export_order(spec.kind, row), record))
    records.sort(key=lambda item: item[0])
    return [record for _key, record in records]


def _export_order(kind: Kind, row: sqlite3.Row) -> tuple[str, ...]:
    spec = KINDS[kind]
    title = row[spec.field(spec.title_field).column or ""] or ""
    if spec.date_field and kind is not Kind.SOURCE:  # sources by title (docs/json-format.md)
        key_column = spec.field(spec.date_field).key_column or ""
        return (row[key_column] or "", title, row["id"])
    return (title.casefold(), title, row["id"])


def dumps(doc: dict[str, Any]) -> str:
    """The canonical text of a document: UTF-8 JSON, two-space indent, final newline."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def write_text_atomic(
    path: str | os.PathLike[str], text: str, *, overwrite: bool = False, encoding: str = "utf-8"
) -> Path:
    """Write a text file via a temporary file in the same folder, renamed into place when complete."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise CaseFileError(f"{target.name} already exists.")
    if target.is_dir():
        raise CaseFileError(f"{target.name} is a folder.")
    tmp = temp_path_beside(target)
    try:
        with open(tmp, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CaseFileError(f"{target.name} could not be written: {exc.strerror or exc}.") from None
    return target


def export_json(cf: CaseFile, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write the case as format-1 JSON to ``path``."""
    return write_text_atomic(path, dumps(export_document(cf)), overwrite=overwrite)


# ----- import: reading and checking -------------------------------------------------------


def load_json(path: str | os.PathLike[str]) -> Any:
    """Parse a JSON file; InterchangeError with the line and column if it is not JSON."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise CaseFileError(f"There is no file at {p}.") from None
    except IsADirectoryError:
        raise CaseFileError(f"{p.name} is a folder, not a JSON file.") from None
    except OSError as exc:
        raise CaseFileError(f"{p.name} could not be read: {exc.strerror or exc}.") from None
    return loads(data)


def loads(data: bytes | str) -> Any:
    """Parse JSON text; InterchangeError naming the line and column of the first problem."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise InterchangeError([f"$: the file is not UTF-8 text (byte {exc.start})"]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InterchangeError([f"$: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]) from None
    except RecursionError:
        raise InterchangeError(["$: not valid JSON: nested too deeply"]) from None


@dataclass
class _Plan:
    """A checked document turned into rows ready to insert."""

    case: dict[str, Any]
    rows: dict[Kind, list[tuple[Any, ...]]]
    columns: dict[Kind, list[str]]
    links: dict[str, list[tuple[str, str, int]]]


class _Checker:
    """Walks a document, collecting ``path: problem`` lines and converting values."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.ids: dict[str, tuple[Kind, str, str]] = {}  # doc id -> (kind, uuid, path)
        self.uuids: set[str] = set()

    def error(self, path: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{path}: {message}")

    def value(self, where: str, name: str, f: FieldSpec, value: Any) -> Any:
        """Check one field's JSON value; return it in stored form (refs stay document ids).

        ``where.name`` is the field's JSON path; it is only formatted for an error (this runs
        millions of times for a large document).
        """
        t = f.type
        if value is None:
            if t is FieldType.BOOL:
                return False
            if t is FieldType.CHOICE:
                return None if f.nullable_choice else f.default
            return [] if f.is_list else None
        if t is FieldType.TEXT or t is FieldType.LONG_TEXT:
            if type(value) is not str:
                self.error(f"{where}.{name}", f"expected text, found {_json_type(value)}")
                return None
            if _UNUSUAL.search(value):
                if _has_lone_surrogate(value):
                    self.error(f"{where}.{name}", _SURROGATE_PROBLEM)
                    return None
                value = strip_controls(value)
            return None if not value or value.isspace() else value
        if t is FieldType.DATE:
            if type(value) is not str:
                self.error(f"{where}.{name}", f"expected a date string, found {_json_type(value)}")
                return None
            if not value or value.isspace():
                return None
            try:
                return _parse_iso(value)
            except ValueError as exc:
                self.error(f"{where}.{name}", str(exc))
                return None
        if t is FieldType.BOOL:
            if type(value) is not bool:
                self.error(f"{where}.{name}", f"expected true or false, found {_json_type(value)}")
                return False
            return value
        if t is FieldType.CHOICE:
            if value not in f.choices:
                self.error(f"{where}.{name}", f'"{value}" is not one of {", ".join(f.choices)}')
                return f.default
            return value
        if t is FieldType.REF:
            if type(value) is not str:
                self.error(f"{where}.{name}", f"expected an id string, found {_json_type(value)}")
                return None
            return value or None
        if type(value) is not list:
            self.error(f"{where}.{name}", f"expected a list, found {_json_type(value)}")
            return []
        out: list[str] = []
        seen: set[str] = set()
        for i, item in enumerate(value):
            if type(item) is not str:
                self.error(f"{where}.{name}[{i}]", f"expected text, found {_json_type(item)}")
                continue
            if _UNUSUAL.search(item):
                if _has_lone_surrogate(item):
                    self.error(f"{where}.{name}[{i}]", _SURROGATE_PROBLEM)
                    continue
                item = strip_controls(item)
            if t is FieldType.TAGS:
                item = item.strip()
            if not item or item.isspace() or (t is not FieldType.LINES and item in seen):
                continue
            seen.add(item)
            out.append(item)
        return out

    def required(self, field_path: str, record_path: str, name: str, raw: Any) -> None:
        if raw is None:
            self.error(record_path, f'missing required field "{name}"')
        elif isinstance(raw, str) and not strip_controls(raw).strip():  # other values have their own error
            self.error(field_path, "must not be empty")

    def register(self, path: str, kind: Kind, raw_id: Any) -> str | None:
        if type(raw_id) is not str or not raw_id:
            self.error(f"{path}.id", "expected a non-empty id string" if raw_id is not None else "missing id")
            return None
        if raw_id in self.ids:
            self.error(f"{path}.id", f'duplicate id "{raw_id}" (first used at {self.ids[raw_id][2]})')
            return None
        rid = raw_id.lower() if is_uuid(raw_id.lower()) else new_id()
        if rid in self.uuids:
            self.error(f"{path}.id", f'duplicate id "{raw_id}"')
            return None
        self.uuids.add(rid)
        self.ids[raw_id] = (kind, rid, f"{path}.id")
        return rid

    def resolve(
        self, where: str, name: str, target: Kind | None, doc_id: str, position: int | None = None
    ) -> str | None:
        found = self.ids.get(doc_id)
        if found is not None and found[0] is target:
            return found[1]
        assert target is not None
        path = f"{where}.{name}" if position is None else f"{where}.{name}[{position}]"
        label = KINDS[target].label.lower()
        if found is None:
            self.error(path, f'no {label} with id "{doc_id}"')
        else:
            self.error(path, f'"{doc_id}" is {_a(KINDS[found[0]].label.lower())}, not {_a(label)}')
        return None


# JSON can escape half of a UTF-16 pair ("\ud800"); such text cannot be stored as UTF-8.
_SURROGATE_PROBLEM = "contains an unpaired surrogate escape (such as \\ud800), which is not a character"


# Characters that need a closer look: control characters (dropped) and surrogates (refused).
_UNUSUAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_encode_list = json.JSONEncoder(ensure_ascii=False).encode


@lru_cache(maxsize=65536)
def _date_columns(value: PartialDate) -> tuple[str, str]:
    return value.iso, value.sort_key


@lru_cache(maxsize=65536)
def _parse_iso(text: str) -> PartialDate:
    # A large case repeats the same few thousand dates; PartialDate is immutable.
    return PartialDate.parse_iso(text)


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _a(noun: str) -> str:
    """The noun with its indefinite article ("an actor", "a source")."""
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def check_document(doc: Any) -> _Plan:
    """Check a parsed document completely; raise InterchangeError listing every problem."""
    ck = _Checker()
    if not isinstance(doc, dict):
        raise InterchangeError([f"$: expected a JSON object, found {_json_type(doc)}"])
    if doc.get("format") != FORMAT:
        found = json.dumps(doc.get("format"), ensure_ascii=False)
        raise InterchangeError([f'format: expected "{FORMAT}", found {found}; this is not a Casefile document'])
    version = doc.get("version")
    if type(version) is not int:
        raise InterchangeError([f"version: expected a whole number, found {_json_type(version)}"])
    if version > VERSION:
        raise InterchangeError(
            [f"version: this document is version {version}, newer than this version of Casefile reads ({VERSION})"]
        )
    if version < 1:
        raise InterchangeError([f"version: {version} is not a valid version"])
    for key in sorted(set(doc) - _TOP_KEYS):
        ck.error(key, "unknown field")
    case_doc = doc.get("case")
    case: dict[str, Any] = {}
    if not isinstance(case_doc, dict):
        ck.error("case", "missing required object" if case_doc is None else "expected an object")
    else:
        known = {f.name for f in CASE_FIELDS}
        for key in sorted(set(case_doc) - known):
            ck.error(f"case.{key}", "unknown field")
        for f in CASE_FIELDS:
            raw = case_doc.get(f.name)
            value = ck.value("case", f.name, f, raw)
            if f.required and value is None:
                ck.required(f"case.{f.name}", "case", f.name, raw)
            case[f.name] = value

    lists: dict[Kind, list[Any]] = {}
    for kind in JSON_ORDER:
        name = KINDS[kind].json_name
        items = doc.get(name, [])
        if items is None:
            items = []
        if not isinstance(items, list):
            ck.error(name, f"expected a list, found {_json_type(items)}")
            items = []
        lists[kind] = items
    # First pass: ids (references may point forwards).
    record_ids: dict[Kind, list[str | None]] = {}
    for kind in JSON_ORDER:
        name = KINDS[kind].json_name
        record_ids[kind] = [
            ck.register(f"{name}[{i}]", kind, item.get("id")) if isinstance(item, dict) else None
            for i, item in enumerate(lists[kind])
        ]
    plan = _Plan(case=case, rows={}, columns={}, links=defaultdict(list))
    stamp = now_stamp()
    for kind in JSON_ORDER:
        _check_records(ck, kind, lists[kind], record_ids[kind], plan, stamp)
    if ck.errors:
        raise InterchangeError(ck.errors)
    return plan


def _check_records(ck: _Checker, kind: Kind, items: list[Any], ids: list[str | None], plan: _Plan, stamp: str) -> None:
    spec = KINDS[kind]
    name = spec.json_name
    known = {"id", *spec.by_name}
    columns: list[str] = ["id"]
    for f in spec.fields:
        if f.type is FieldType.REFS:
            continue
        assert f.column is not None
        columns.append(f.column)
        if f.key_column:
            columns.append(f.key_column)
    columns += ["created_at", "updated_at"]
    plan.columns[kind] = columns
    # This loop runs for every record of a large case: look things up once, format paths
    # only for errors.
    fields = [(f.name, f, f.type, f.required, f.target) for f in spec.fields]
    links_of = {f.name: plan.links[f.link.table] for f in spec.fields if f.link is not None}
    value_of, resolve, required = ck.value, ck.resolve, ck.required
    REF, REFS, DATE, BOOL = FieldType.REF, FieldType.REFS, FieldType.DATE, FieldType.BOOL
    TAGS, LINES = FieldType.TAGS, FieldType.LINES
    rows: list[tuple[Any, ...]] = []
    append_row = rows.append
    for i, item in enumerate(items):
        path = f"{name}[{i}]"
        if type(item) is not dict:
            ck.error(path, f"expected an object, found {_json_type(item)}")
            continue
        if not known.issuperset(item):
            for key in item:
                if key not in known:
                    ck.error(f"{path}.{key}", "unknown field")
        rid = ids[i]
        row: list[Any] = [rid]
        for fname, f, t, is_required, target in fields:
            raw = item.get(fname)
            value = value_of(path, fname, f, raw)
            if value is None and is_required:
                required(f"{path}.{fname}", path, fname, raw)
            if t is REF:
                target_id = resolve(path, fname, target, value) if value else None
                if target_id is not None and target_id == rid:
                    ck.error(f"{path}.{fname}", "a record cannot refer to itself")
                row.append(target_id)
            elif t is REFS:
                links = links_of[fname]
                for position, doc_id in enumerate(value):
                    target_id = resolve(path, fname, target, doc_id, position)
                    if target_id and rid:
                        links.append((rid, target_id, position))
            elif t is DATE:
                row += _date_columns(value) if value is not None else (None, None)
            elif t is BOOL:
                row.append(1 if value else 0)
            elif t is TAGS or t is LINES:
                row.append(_encode_list(value) if value else "[]")
            else:
                row.append(value)
        row += (stamp, stamp)
        append_row(tuple(row))
    plan.rows[kind] = rows


# ----- import: writing --------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSummary:
    """How many records of each kind a new case file received."""

    path: Path
    counts: dict[Kind, int]


def import_document(
    doc: Any,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Check ``doc`` and write it into a new case file at ``path`` (all or nothing)."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise CaseFileError(f"{target.name} already exists.")
    plan = check_document(doc)
    build_new_file(target, lambda conn: _write_plan(conn, plan, progress), overwrite=overwrite)
    return ImportSummary(target, {kind: len(plan.rows[kind]) for kind in JSON_ORDER})


def import_json(
    source: str | os.PathLike[str], path: str | os.PathLike[str], *, overwrite: bool = False
) -> ImportSummary:
    """Read a format-1 JSON file and write it into a new case file at ``path``."""
    return import_document(load_json(source), path, overwrite=overwrite)


def _write_plan(conn: sqlite3.Connection, plan: _Plan, progress: Callable[[int, int], None] | None) -> None:
    from .records import insert_case_row

    total = sum(len(rows) for rows in plan.rows.values()) + sum(len(v) for v in plan.links.values())
    done = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        # References may point forwards within a list (an actor affiliated with a later one).
        conn.execute("PRAGMA defer_foreign_keys = ON")
        # The new file is not visible to anyone yet: index the text in bulk at the end rather
        # than row by row through the full-text triggers (about ten times faster), then put
        # the triggers back with exactly the SQL they had, so the schema is unchanged.
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%\\_fts\\_%' ESCAPE '\\' "
            "ORDER BY rowid"
        ).fetchall()
        for name, _sql in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        # Secondary indexes are likewise built once at the end (one sort instead of 100,000
        # inserts into each b-tree), with their exact SQL.
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid"
        ).fetchall()
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        title = plan.case.pop("title")
        insert_case_row(conn, title=title, values=plan.case)
        order: list[tuple[str, list[tuple[Any, ...]], list[str]]] = []
        for kind in JSON_ORDER:
            order.append((KINDS[kind].table, plan.rows[kind], plan.columns[kind]))
        order.append(("directive_party", plan.links["directive_party"], ["directive_id", "actor_id", "position"]))
        order.append(("timeline_actor", plan.links["timeline_actor"], ["entry_id", "actor_id", "position"]))
        for table, rows, columns in order:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
            for start in range(0, len(rows), 5000):
                conn.executemany(sql, rows[start : start + 5000])
                done += len(rows[start : start + 5000])
                if progress:
                    progress(done, total)
        for _name, sql in indexes:
            conn.execute(sql)
        for kind in JSON_ORDER:
            fts = KINDS[kind].fts
            conn.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")
        for _name, sql in triggers:
            conn.execute(sql)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite already rolled back after a full disk or an I/O error
            conn.execute("ROLLBACK")
        raise
