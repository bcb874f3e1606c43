"""Checking a format-1 document before import: every problem with its JSON path, or a plan of rows.

``check_document`` walks the whole document, converts each value to what the case file
stores, and collects ``path: problem`` lines (up to ``MAX_ERRORS``); a document with any
problem is refused with all of them, and one with none becomes a ``Plan`` ready to insert.
Whatever a case file could not hold, or would refuse when opened, is a problem too: text
with an unpaired surrogate, a number where text or true/false belongs, and a record larger
than ``MAX_VALUE_BYTES``. Each line is printable on its own (see ``error_line``).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .casefile import now_stamp
from .dates import PartialDate
from .errors import InterchangeError
from .fields import CASE_FIELDS, JSON_ORDER, KINDS, FieldSpec, FieldType, Kind
from .filecheck import MAX_VALUE_BYTES
from .records import is_uuid, new_id
from .values import strip_controls

FORMAT = "casefile"
VERSION = 1
MAX_ERRORS = 200
# A record's text, at most four UTF-8 bytes a character, cannot take it past MAX_VALUE_BYTES
# (the largest record a case file opens) while it has no more characters than this; only a
# record with more is measured exactly. The margin covers ids, dates, flags and the record header.
_RECORD_MARGIN = 4096
_QUICK_CHARS = (MAX_VALUE_BYTES - _RECORD_MARGIN) // 4
_TOO_LONG = f"longer than the {MAX_VALUE_BYTES // 1_048_576} MB a case file can hold"
_TOO_LARGE = f"larger than the {MAX_VALUE_BYTES // 1_048_576} MB a case file can hold in one record"
_TOP_KEYS = {"format", "version", "case", *(KINDS[k].json_name for k in JSON_ORDER)}


@dataclass
class Plan:
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
        self.chars = 0  # characters of text in the record being checked (see _QUICK_CHARS)

    def error(self, path: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error_line(f"{path}: {message}"))

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
            self.chars += len(value)
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
                if type(value) is str:
                    self.error(f"{where}.{name}", f'"{value}" is not one of {", ".join(f.choices)}')
                else:  # never the text of a list or object: it may be huge or nested a thousand deep
                    self.error(f"{where}.{name}", f"expected one of {', '.join(f.choices)}, found {_json_type(value)}")
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
# In a message: characters that would break the line, reorder it, or could not be printed or
# written as UTF-8.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_LONGEST_MESSAGE = 400


def error_line(message: str) -> str:
    """An error line safe to show, log and print: control, direction and line-separator characters
    and unpaired surrogates written as JSON escapes (``\\u0000``, ``\\ud800``: what to look for in
    the file), and a value pasted into it cut short in the middle."""
    if _UNPRINTABLE.search(message):
        message = _UNPRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", message)
    if len(message) > _LONGEST_MESSAGE:
        half = _LONGEST_MESSAGE // 2
        message = f"{message[:half]}…{message[-half:]}"
    return message


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


def check_document(doc: Any) -> Plan:
    """Check a parsed document completely; raise InterchangeError listing every problem."""
    ck = _Checker()
    if not isinstance(doc, dict):
        raise InterchangeError([f"$: expected a JSON object, found {_json_type(doc)}"])
    fmt = doc.get("format")
    if fmt != FORMAT:
        found = _json_type(fmt) if isinstance(fmt, list | dict) else json.dumps(fmt, ensure_ascii=False)
        raise InterchangeError(
            [error_line(f'format: expected "{FORMAT}", found {found}; this is not a Casefile document')]
        )
    version = doc.get("version")
    if type(version) is not int:
        raise InterchangeError([f"version: expected a whole number, found {_json_type(version)}"])
    if version > VERSION:
        raise InterchangeError(
            [
                error_line(
                    f"version: this document is version {version}, newer than this version of Casefile reads "
                    f"({VERSION})"
                )
            ]
        )
    if version < 1:
        raise InterchangeError([error_line(f"version: {version} is not a valid version")])
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
        if ck.chars > _QUICK_CHARS:
            _check_size(ck, "case", list(case.items()))

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
    plan = Plan(case=case, rows={}, columns={}, links=defaultdict(list))
    stamp = now_stamp()
    for kind in JSON_ORDER:
        _check_records(ck, kind, lists[kind], record_ids[kind], plan, stamp)
    if ck.errors:
        raise InterchangeError(ck.errors)
    return plan


def _check_records(ck: _Checker, kind: Kind, items: list[Any], ids: list[str | None], plan: Plan, stamp: str) -> None:
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
    field_of_column = {f.column: f.name for f in spec.fields if f.column}
    column_fields = [field_of_column.get(column, column) for column in columns]
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
        ck.chars = 0
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
                if value:
                    encoded = _encode_list(value)
                    ck.chars += len(encoded)
                    row.append(encoded)
                else:
                    row.append("[]")
            else:
                row.append(value)
        if ck.chars > _QUICK_CHARS:
            _check_size(ck, path, list(zip(column_fields, row, strict=False)))
        row += (stamp, stamp)
        append_row(tuple(row))
    plan.rows[kind] = rows


def _check_size(ck: _Checker, path: str, values: list[tuple[str, Any]]) -> None:
    """Refuse a record larger than a case file may hold (``MAX_VALUE_BYTES``: bigger ones are
    refused when the file is opened), naming its largest field when that alone is too long."""
    total = _RECORD_MARGIN
    largest, largest_size = "", 0
    for field_name, value in values:
        if type(value) is str:
            size = len(value.encode("utf-8"))
            total += size
            if size > largest_size:
                largest, largest_size = field_name, size
    if total <= MAX_VALUE_BYTES:
        return
    if largest_size + _RECORD_MARGIN > MAX_VALUE_BYTES:
        ck.error(f"{path}.{largest}", _TOO_LONG)
    else:
        ck.error(path, _TOO_LARGE)
