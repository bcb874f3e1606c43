"""A case as the merge sees it (``State``): every record keyed by ``(part, id)``, its fields in
the JSON form of a Casefile document, normalised so that equal values compare equal.

``part`` is the record's list in a Casefile JSON document (``"actors"``, ``"statements"``, ...)
or ``"case"`` for the case itself (id ``""``). Also here: the references a record's values hold,
a record's short title, what to write to turn one state into another, and documents to and from
states. Pure: no files, no SQL, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from .fields import CASE_FIELDS, JSON_ORDER, KINDS, FieldSpec, FieldType, Kind
from .records import short_label

Key = tuple[str, str]  # (part, id): ("actors", "6f1c..."), or ("case", "") for the case itself
Values = dict[str, Any]  # one record's fields in JSON form (no "id")
State = dict[Key, Values]

CASE = "case"
CASE_KEY: Key = (CASE, "")
PART_ORDER: tuple[str, ...] = (CASE, *(KINDS[k].json_name for k in JSON_ORDER))
_KIND_OF_PART: dict[str, Kind] = {KINDS[k].json_name: k for k in JSON_ORDER}


# ----- values ------------------------------------------------------------------------------


def fields_of(part: str) -> tuple[FieldSpec, ...]:
    """The declared fields of a part's records."""
    return CASE_FIELDS if part == CASE else KINDS[_KIND_OF_PART[part]].fields


def kind_of(part: str) -> Kind | None:
    """The record kind a part holds (None for the case)."""
    return _KIND_OF_PART.get(part)


def field_spec(part: str, name: str) -> FieldSpec | None:
    for f in fields_of(part):
        if f.name == name:
            return f
    return None


def normalise_value(part: str, name: str, value: Any) -> Any:
    """A field value in the one form merged values are compared in: no value is the field's
    default (None, False, an empty list or the default choice); a list is a list."""
    f = field_spec(part, name)
    return value if f is None else _normalised(f, value)


def _normalised(f: FieldSpec, value: Any) -> Any:
    if value is None or value == "":
        if f.is_list:
            return []
        if f.type is FieldType.BOOL:
            return False
        if f.type is FieldType.CHOICE:
            return f.default
        return None
    if f.is_list:
        return list(value)
    return value


def normalise_record(part: str, values: Mapping[str, Any]) -> Values:
    """Every declared field of a record, normalised (``normalise_value``); other keys kept."""
    out = {f.name: _normalised(f, values.get(f.name)) for f in fields_of(part)}
    for name, value in values.items():
        if name not in out and name != "id":
            out[name] = value
    return out


def title_of(part: str, values: Mapping[str, Any] | None) -> str:
    """A record's short title (name, title or the start of a statement's words)."""
    if values is None:
        return ""
    if part == CASE:
        return short_label(values.get("title")) or "The case"
    kind = _KIND_OF_PART[part]
    return short_label(values.get(KINDS[kind].title_field)) or f"(untitled {KINDS[kind].label.lower()})"


def references(part: str, values: Mapping[str, Any]) -> Iterable[tuple[str, Key]]:
    """Each (field, referenced record) of one record's values."""
    for name, target, many in reference_fields(part):
        value = values.get(name)
        if many:
            for ref in value or []:
                yield name, (target, ref)
        elif value:
            yield name, (target, value)


@cache
def reference_fields(part: str) -> tuple[tuple[str, str, bool], ...]:
    """(field, the part it refers to, whether it holds a list) of each reference field of a part
    (a merge asks for the references of every record it reads: tens of thousands in a sync)."""
    return tuple(
        (f.name, KINDS[f.target].json_name, f.type is FieldType.REFS) for f in fields_of(part) if f.target is not None
    )


def key_order(key: Key) -> tuple[int, str]:
    return (PART_ORDER.index(key[0]) if key[0] in PART_ORDER else len(PART_ORDER), key[1])


# ----- between states: what to write -------------------------------------------------------


def differences(old: State, new: State) -> dict[Key, Values | None]:
    """The records to write to turn ``old`` into ``new``: new values, or None to delete."""
    out: dict[Key, Values | None] = {}
    for key in sorted(old.keys() | new.keys(), key=key_order):
        before, after = old.get(key), new.get(key)
        if before != after:
            out[key] = None if after is None else after
    return out


# ----- documents ---------------------------------------------------------------------------


def document_state(doc: Mapping[str, Any]) -> State:
    """The records of a Casefile JSON document (format 1 and later) as a ``State``."""
    state: State = {CASE_KEY: normalise_record(CASE, doc.get(CASE) or {})}
    for part in PART_ORDER[1:]:
        for record in doc.get(part) or []:
            state[(part, str(record["id"]))] = normalise_record(part, record)
    return state


def state_document(state: State, like: Mapping[str, Any], other: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A Casefile JSON document holding ``state``: records in ``like``'s order (then ``other``'s
    for records ``like`` lacks), ``like``'s format version (or the newer of the two) and its
    briefing options and editions."""
    doc: dict[str, Any] = {"format": like.get("format", "casefile")}
    version = max(int(like.get("version", 1)), int((other or {}).get("version", 1)))
    for (part, _rid), values in state.items():
        version = max([version, *(f.since for f in fields_of(part) if values.get(f.name))])
    doc["version"] = version
    case = state.get(CASE_KEY, {})
    doc[CASE] = {name: value for name, value in case.items() if _shown(CASE, name, value, version)}
    for part in PART_ORDER[1:]:
        order: dict[str, None] = {}
        for source in (like, other or {}):
            order.update(dict.fromkeys(str(r["id"]) for r in source.get(part) or []))
        order.update(dict.fromkeys(rid for p, rid in sorted(state, key=key_order) if p == part))
        records = []
        for rid in order:
            held = state.get((part, rid))
            if held is not None:
                kept = {n: v for n, v in held.items() if _shown(part, n, v, version)}
                records.append({"id": rid, **kept})
        doc[part] = records
    if "briefing" in like:
        doc["briefing"] = like["briefing"]
    return doc


def _shown(part: str, name: str, value: Any, version: int) -> bool:
    """Whether a document of ``version`` writes this field (newer fields only when they hold a value)."""
    f = field_spec(part, name)
    if f is None:
        return True
    return f.since <= version or bool(value)
