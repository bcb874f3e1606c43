"""Converting field values between Python, the database and their checks.

Python side: text is ``str | None``, dates are ``PartialDate | None``, booleans ``bool``,
references are record ids, lists are ``list[str]``. Database side: the columns of
``db/migrations``. Everything a user can type is checked here with a message that names
the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from .dates import PartialDate
from .errors import CaseFileError, RecordError
from .fields import FieldSpec, FieldType

# Control characters other than tab and line breaks carry no meaning in a case and break
# printing and exports; they are dropped from stored text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str) -> str:
    """``text`` without control characters (tab, newline and carriage return kept)."""
    return _CONTROL.sub("", text)


def _refuse_surrogates(text: str, spec: FieldSpec) -> None:
    # Half of a UTF-16 pair is not a character; SQLite cannot store it as UTF-8.
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise RecordError(f"{spec.label} contains a broken character (an unpaired surrogate).")


def clean_text(value: object, spec: FieldSpec) -> str | None:
    """Text as stored: unchanged except that control characters are dropped and empty or
    whitespace-only text is no value."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{spec.label} must be text.")
    _refuse_surrogates(value, spec)
    value = strip_controls(value)
    if not value.strip():
        return None
    return value


def clean_list(value: object, spec: FieldSpec) -> list[str]:
    """A list of non-empty strings, duplicates removed (first one kept), order kept."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise RecordError(f"{spec.label} must be a list.")
    out: list[str] = []
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str):
            raise RecordError(f"{spec.label} must be a list of text.")
        _refuse_surrogates(item, spec)
        text = strip_controls(item.strip() if spec.type is FieldType.TAGS else item)
        if not text.strip() or (spec.type is not FieldType.LINES and text in seen):
            continue
        seen.add(text)
        out.append(text)
    return out


def to_date(value: object, spec: FieldSpec) -> PartialDate | None:
    """A PartialDate from a PartialDate, typed text, or nothing."""
    if value is None or isinstance(value, PartialDate):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return PartialDate.parse(value)
        except ValueError as exc:
            raise RecordError(f"{spec.label}: {exc}") from None
    raise RecordError(f"{spec.label} must be a date.")


def normalise(spec: FieldSpec, value: object) -> object:
    """The Python value a field will hold after storing ``value``; raises RecordError if invalid."""
    kind = spec.type
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        result: object = clean_text(value, spec)
    elif kind is FieldType.DATE:
        result = to_date(value, spec)
    elif kind is FieldType.BOOL:
        if not isinstance(value, bool | int) or (isinstance(value, int) and value not in (0, 1)):
            raise RecordError(f"{spec.label} must be yes or no.")
        result = bool(value)
    elif kind is FieldType.CHOICE:
        if value is None or value == "":
            result = None if spec.nullable_choice else spec.default
        elif value not in spec.choices:
            allowed = ", ".join(spec.choices)
            raise RecordError(f'{spec.label}: "{value}" is not one of {allowed}.')
        else:
            result = value
    elif kind is FieldType.REF:
        if value is not None and not isinstance(value, str):
            raise RecordError(f"{spec.label} must be a record id.")
        result = value or None
    else:
        result = clean_list(value, spec)
    if spec.required and result is None:
        raise RecordError(f"{spec.label} is required.")
    return result


def to_columns(spec: FieldSpec, value: object) -> dict[str, Any]:
    """Column values for a normalised field value (REFS fields have no column)."""
    assert spec.column is not None
    kind = spec.type
    if kind is FieldType.DATE:
        date = value if isinstance(value, PartialDate) else None
        key_column = spec.key_column
        assert key_column is not None
        return {spec.column: date.iso if date else None, key_column: date.sort_key if date else None}
    if kind is FieldType.BOOL:
        return {spec.column: 1 if value else 0}
    if kind in (FieldType.TAGS, FieldType.LINES):
        return {spec.column: json.dumps(list(value) if isinstance(value, list) else [], ensure_ascii=False)}
    return {spec.column: value}


def from_column(spec: FieldSpec, raw: object) -> object:
    """The Python value of a field from its stored column value."""
    kind = spec.type
    if kind is FieldType.DATE:
        return stored_date(raw)
    if kind is FieldType.BOOL:
        return bool(raw)
    if kind in (FieldType.TAGS, FieldType.LINES):
        return decode_list(raw)
    return raw


def stored_date(raw: object) -> PartialDate | None:
    """A date as stored in a column; CaseFileError if its text is not a date (a damaged file)."""
    if not isinstance(raw, str):
        return None
    try:
        return PartialDate.parse_iso(raw)
    except ValueError:
        shown = raw if len(raw) <= 40 else raw[:39] + "…"
        raise CaseFileError(f"The case file is damaged: a stored date ({shown!r}) is not a valid date.") from None


def decode_list(raw: object) -> list[str]:
    """A stored JSON array of strings (anything else reads as an empty list).

    The open-time checks (``stored_values``) refuse a file whose lists are anything else, so
    this only guards values that never passed them.
    """
    if not isinstance(raw, str) or not raw:
        return []
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
