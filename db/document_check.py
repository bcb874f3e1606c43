"""Checking a Casefile JSON document before import: every problem with its JSON path, or a plan of rows.

``check_document`` walks the whole document, converts each value to what the case file
stores by the rule of its field (``values``: the same rules an edit follows, strictly, so a date
must be ISO), and collects ``path: problem`` lines (up to ``MAX_ERRORS``); a document with any
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

from .dates import PartialDate
from .day_order import DAY_ORDERED, ORDER_SINCE
from .errors import InterchangeError
from .fields import CASE_FIELDS, JSON_ORDER, KINDS, FieldType, Kind
from .records import is_uuid, new_id
from .sizes import QUICK_CHARS, TOO_LARGE, TOO_LONG, oversize, text_bytes
from .sqlite.casefile import now_stamp
from .values import ValueProblem, check_value, json_type, rule_of, to_columns

FORMAT = "casefile"
VERSION = 4  # the newest format version this Casefile reads and writes (docs/json-format.md)
MAX_ERRORS = 200
_TOP_KEYS = {"format", "version", "case", "briefing", *(KINDS[k].json_name for k in JSON_ORDER)}


@dataclass
class Plan:
    """A checked document turned into rows ready to insert."""

    case: dict[str, Any]
    rows: dict[Kind, list[tuple[Any, ...]]]
    columns: dict[Kind, list[str]]
    links: dict[str, list[tuple[str, str, int]]]
    briefing: Any = None  # db.editions_json.BriefingPlan: the briefing options and editions


class _Checker:
    """Walks a document, collecting ``path: problem`` lines and resolving ids."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.ids: dict[str, tuple[Kind, str, str]] = {}  # doc id -> (kind, uuid, path)
        self.uuids: set[str] = set()

    def error(self, path: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error_line(f"{path}: {message}"))

    def refused(self, where: str, name: str, raw: Any, problem: ValueProblem) -> Any:
        """Report a value its field's rule refused (``where.name`` is the field's JSON path, only
        formatted here); return what of it can still be checked (the good entries of a list)."""
        if problem.missing and raw is None:
            self.error(where, f'missing required field "{name}"')
        else:
            for below, message in problem.found:
                self.error(f"{where}.{name}{below}", message)
        return problem.partial

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

    def resolve(self, where: str, name: str, target: Kind | None, doc_id: str, given: Any = None) -> str | None:
        """The record id a reference names; ``given`` is the list it is an entry of, as given."""
        found = self.ids.get(doc_id)
        if found is not None and found[0] is target:
            return found[1]
        assert target is not None
        # The entry's place in the list as given (entries left out or repeated come before it).
        path = f"{where}.{name}" if given is None else f"{where}.{name}[{given.index(doc_id)}]"
        label = KINDS[target].label.lower()
        if found is None:
            self.error(path, f'no {label} with id "{doc_id}"')
        else:
            self.error(path, f'"{doc_id}" is {_a(KINDS[found[0]].label.lower())}, not {_a(label)}')
        return None


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


def _a(noun: str) -> str:
    """The noun with its indefinite article ("an actor", "a source")."""
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def check_document(doc: Any) -> Plan:
    """Check a parsed document completely; raise InterchangeError listing every problem."""
    ck = _Checker()
    if not isinstance(doc, dict):
        raise InterchangeError([f"$: expected a JSON object, found {json_type(doc)}"])
    fmt = doc.get("format")
    if fmt != FORMAT:
        found = json_type(fmt) if isinstance(fmt, list | dict) else json.dumps(fmt, ensure_ascii=False)
        raise InterchangeError(
            [error_line(f'format: expected "{FORMAT}", found {found}; this is not a Casefile document')]
        )
    version = doc.get("version")
    if type(version) is not int:
        raise InterchangeError([f"version: expected a whole number, found {json_type(version)}"])
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
            if f.since > version and f.name in case_doc:
                ck.error(f"case.{f.name}", f"not in format version {version} (added in version {f.since})")
                raw = None
            try:
                case[f.name] = check_value(f, raw)
            except ValueProblem as problem:
                case[f.name] = ck.refused("case", f.name, raw, problem)
        if sum(len(v) for v in case.values() if type(v) is str) > QUICK_CHARS:
            stored = [(f.name, v) for f in CASE_FIELDS for v in to_columns(f, case[f.name]).values()]
            _check_size(ck, "case", stored)

    lists: dict[Kind, list[Any]] = {}
    for kind in JSON_ORDER:
        name = KINDS[kind].json_name
        items = doc.get(name, [])
        if items is None:
            items = []
        if not isinstance(items, list):
            ck.error(name, f"expected a list, found {json_type(items)}")
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
        _check_records(ck, kind, lists[kind], record_ids[kind], plan, stamp, version)
    from .editions_json import check_part

    plan.briefing = check_part(doc.get("briefing"), version, ck.error)
    if ck.errors:
        raise InterchangeError(ck.errors)
    return plan


def _check_records(
    ck: _Checker, kind: Kind, items: list[Any], ids: list[str | None], plan: Plan, stamp: str, version: int
) -> None:
    spec = KINDS[kind]
    name = spec.json_name
    # A field added in a later version of the format is unknown to a document of an earlier one.
    known = {"id", *(f.name for f in spec.fields if f.since <= version)}
    newer = {f.name: f.since for f in spec.fields if f.since > version}
    ordered = kind in DAY_ORDERED
    if ordered and version >= ORDER_SINCE:
        known.add("order")
    elif ordered:
        newer["order"] = ORDER_SINCE
    columns: list[str] = ["id"]
    for f in spec.fields:
        if f.type is FieldType.REFS:
            continue
        assert f.column is not None
        columns.append(f.column)
        if f.key_column:
            columns.append(f.key_column)
    columns += ["created_at", "updated_at"]
    plan.columns[kind] = [*columns, "day_order"] if ordered else columns
    field_of_column = {f.column: f.name for f in spec.fields if f.column}
    column_fields = [field_of_column.get(column, column) for column in columns]
    # This loop runs for every record of a large case: look things up once, format paths
    # only for errors.
    fields = [(f.name, f, f.type, rule_of(f), f.target) for f in spec.fields]
    links_of = {f.name: plan.links[f.link.table] for f in spec.fields if f.link is not None}
    resolve, refused = ck.resolve, ck.refused
    REF, REFS, DATE, BOOL = FieldType.REF, FieldType.REFS, FieldType.DATE, FieldType.BOOL
    TAGS, LINES = FieldType.TAGS, FieldType.LINES
    rows: list[tuple[Any, ...]] = []
    append_row = rows.append
    for i, item in enumerate(items):
        path = f"{name}[{i}]"
        if type(item) is not dict:
            ck.error(path, f"expected an object, found {json_type(item)}")
            continue
        chars = 0  # of text in the record (see QUICK_CHARS)
        if not known.issuperset(item):
            for key in item:
                if key in newer:
                    ck.error(f"{path}.{key}", f"not in format version {version} (added in version {newer[key]})")
                elif key not in known:
                    ck.error(f"{path}.{key}", "unknown field")
        rid = ids[i]
        row: list[Any] = [rid]
        for fname, f, t, rule, target in fields:
            raw = item.get(fname)
            try:
                value = rule(f, raw)
            except ValueProblem as problem:
                value = refused(path, fname, raw, problem)
            if t is REF:
                target_id = resolve(path, fname, target, value) if value else None
                if target_id is not None and target_id == rid:
                    ck.error(f"{path}.{fname}", "a record cannot refer to itself")
                row.append(target_id)
            elif t is REFS:
                links = links_of[fname]
                for position, doc_id in enumerate(value):
                    target_id = resolve(path, fname, target, doc_id, raw)
                    if target_id and rid:
                        links.append((rid, target_id, position))
            elif t is DATE:
                row += _date_columns(value) if value is not None else (None, None)
            elif t is BOOL:
                row.append(1 if value else 0)
            elif t is TAGS or t is LINES:
                if value:
                    encoded = _encode_list(value)
                    chars += len(encoded)
                    row.append(encoded)
                else:
                    row.append("[]")
            else:  # text and choices
                if value:
                    chars += len(value)
                row.append(value)
        if chars > QUICK_CHARS:
            _check_size(ck, path, list(zip(column_fields[1:-2], row[1:], strict=True)))  # no id, no stamps
        row += (stamp, stamp)
        if ordered:
            row.append(_day_order(ck, path, item.get("order")))
        append_row(tuple(row))
    plan.rows[kind] = rows


def _day_order(ck: _Checker, path: str, raw: Any) -> int | None:
    """A record's place within its day as given (checked; placed on import, db/day_order.py)."""
    if raw is None or (type(raw) is int and 1 <= raw <= 1_000_000_000):
        return raw
    found = json.dumps(raw) if type(raw) is int else json_type(raw)
    ck.error(f"{path}.order", f"expected a whole number from 1 up, found {found}")
    return None


def _check_size(ck: _Checker, path: str, values: list[tuple[str, Any]]) -> None:
    """Refuse a record larger than a case file may hold (``sizes.oversize``: bigger ones are
    refused when the file is opened), naming its largest field when that alone is too long.
    ``values`` are (field, stored value) of its columns, the id and stamps left out."""
    found = oversize((name, text_bytes(value)) for name, value in values)
    if found is not None:
        largest, alone = found
        ck.error(f"{path}.{largest}" if alone else path, TOO_LONG if alone else TOO_LARGE)
