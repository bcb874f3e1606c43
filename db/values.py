"""What a field may hold, one rule set for JSON import and for edits; and field values between
Python and the database.

Every value written to a case file passes the rule of its field's type (``fields.FieldSpec``):
``document_check`` applies it to each value of a JSON document, ``records`` (through
``normalise``) to each edit, so a value is accepted or refused, and stored in the same form,
whichever way it comes. The rules:

- **No value.** Absent and null (``None``) mean "no value" in every field, and so does ``""``
  where a string belongs (text, date, choice, reference): text, dates and references become
  null, a choice takes its default (``kind``: ``other``; a directive's ``status``: not known), a
  yes/no is no, a list is empty. A required field with no value is refused.
- **Text** (one line or paragraphs): a string. Control characters other than tab, line feed and
  carriage return are dropped; text that is then empty or only whitespace is no value; an
  unpaired surrogate (``"\\ud800"``) is refused, since UTF-8, and so SQLite, cannot hold it.
  Otherwise text is kept exactly, spaces at either end included.
- **Date**: a string holding an ISO partial date (``2024``, ``2026-05``, ``2026-06-02``,
  ``2026-06-12T17:21-04:00``; spaces around it ignored), stored in its canonical form; blank
  is no value.
- **Yes/no**: true or false; null is no. ``1``, ``0``, ``""``, ``"yes"`` and the like are refused.
- **Choice**: exactly one of the field's words (lower-case snake_case: ``in_force``); anything
  else (``"In force"``, ``" person"``, a number) is refused.
- **Reference**: an id string, taken exactly as given (nothing trimmed or dropped, so it matches
  only the id it spells). The caller checks that it names a record of the right kind other than
  the record itself: a record of the document on import (whose ids are any strings), a record in
  the file on edit (whose ids are UUIDs, so text that no record's id can be, such as an unpaired
  surrogate, names none there).
- **List of references**: a list of references as above, in order; ``""`` entries are left out
  and an id given twice is kept once (where it first appears).
- **Tags**: a list of strings, each cleaned as text and then trimmed; blank entries are left out
  and a tag given twice is kept once.
- **Lines** (key provisions): as tags, but not trimmed, and a repeated line is kept (two
  provisions may read the same).
- **Lists** are JSON arrays (a list or tuple from Python); anything else, a string or ``""``
  included, is refused, and so is an entry that is not a string (null included).
- **Size**: a record too large for a case file is refused (``sizes``).

Only where a person types does an edit read more (``typed=True``, which ``normalise`` uses): a
date may also be written the ways staff write one (``"June 2, 2026"``, ``"6/2/2026"``, ``"Aug
2024"``; see ``dates``) or be a ``PartialDate``, while JSON must use the ISO form
(docs/json-format.md). Choices are picked from a list, never typed, and an empty one already means
the default, so they are no laxer; nor is anything else.

A refused value raises ``ValueProblem``, which says what is wrong twice: as a sentence for the
person editing (``Verbatim must be yes or no.``) and as what follows a JSON path
(``statements[3].verbatim: expected true or false, found a number``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .dates import PartialDate
from .errors import CaseFileError, RecordError
from .fields import KINDS, FieldSpec, FieldType

# ----- the rules --------------------------------------------------------------------------

# Control characters other than tab and line breaks carry no meaning in a case and break
# printing and exports; they are dropped from stored text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters that need a closer look: control characters (dropped) and surrogates (refused).
_UNUSUAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# JSON can escape half of a UTF-16 pair ("\ud800"); such text cannot be stored as UTF-8.
_SURROGATE_PROBLEM = "contains an unpaired surrogate escape (such as \\ud800), which is not a character"


class ValueProblem(ValueError):
    """A value its field cannot hold.

    ``sentence`` says so to the person editing ("Verbatim must be yes or no."); ``found`` lists
    each problem as it follows a JSON path: (what comes after the field's path, "" or "[3]" for
    an entry of a list; the problem). ``partial`` is what of the value could be used (the good
    entries of a list), so a document check can go on to check its references; ``missing``
    marks a required field with no value.
    """

    def __init__(
        self, sentence: str, found: list[tuple[str, str]], *, partial: Any = None, missing: bool = False
    ) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.found = found
        self.partial = partial
        self.missing = missing


Rule = Callable[[FieldSpec, Any], Any]


def strip_controls(text: str) -> str:
    """``text`` without control characters (tab, newline and carriage return kept)."""
    return _CONTROL.sub("", text)


def json_type(value: object) -> str:
    """What a JSON value is, for a message ("a number", "true/false", "a list")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    return "an object"


def _utf8(text: str) -> bool:
    """False when ``text`` holds half of a UTF-16 pair (an unpaired surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _no_value(f: FieldSpec) -> None:
    """Refuse no value in a required field."""
    if f.required:
        raise ValueProblem(f"{f.label} is required.", [("", "must not be empty")], missing=True)


def _default_choice(f: FieldSpec) -> str | None:
    """A choice given no value: its default (none for a choice that may be left unset)."""
    if not f.nullable_choice and isinstance(f.default, str):
        return f.default
    _no_value(f)
    return None


def _wrong(f: FieldSpec, value: object, said: str, expected: str, *, partial: Any = None) -> ValueProblem:
    # Never the text of a list or object: it may be huge or nested a thousand deep.
    return ValueProblem(f"{f.label} {said}.", [("", f"expected {expected}, found {json_type(value)}")], partial=partial)


def _surrogate(f: FieldSpec) -> ValueProblem:
    return ValueProblem(f"{f.label} contains a broken character (an unpaired surrogate).", [("", _SURROGATE_PROBLEM)])


def _text(f: FieldSpec, value: Any) -> str | None:
    if type(value) is str:
        text: str = value
        if _UNUSUAL.search(text):
            if not _utf8(text):
                raise _surrogate(f)
            text = strip_controls(text)
        if text and not text.isspace():
            return text
        _no_value(f)
        return None
    if value is None:
        _no_value(f)
        return None
    raise _wrong(f, value, "must be text", "text")


@lru_cache(maxsize=65536)
def _parse_iso(text: str) -> PartialDate:
    # A large document repeats the same few thousand dates; PartialDate is immutable.
    return PartialDate.parse_iso(text)


def _bad_date(f: FieldSpec, exc: ValueError) -> ValueProblem:
    return ValueProblem(f"{f.label}: {exc}", [("", str(exc))])


def _date(f: FieldSpec, value: Any) -> PartialDate | None:
    if type(value) is str:
        if value and not value.isspace():
            try:
                return _parse_iso(value)
            except ValueError as exc:
                raise _bad_date(f, exc) from None
        _no_value(f)
        return None
    if value is None:
        _no_value(f)
        return None
    raise _wrong(f, value, "must be a date", "a date string")


def _typed_date(f: FieldSpec, value: Any) -> PartialDate | None:
    if type(value) is str:
        if value and not value.isspace():
            try:
                return PartialDate.parse(value)
            except ValueError as exc:
                raise _bad_date(f, exc) from None
        _no_value(f)
        return None
    if isinstance(value, PartialDate):
        return value
    if value is None:
        _no_value(f)
        return None
    raise _wrong(f, value, "must be a date", "a date string")


def _bool(f: FieldSpec, value: Any) -> bool:
    if value is True:
        return True
    if value is False or value is None:
        return False
    raise _wrong(f, value, "must be yes or no", "true or false")


def _choice(f: FieldSpec, value: Any) -> str | None:
    if type(value) is str:
        if value in f.choices:
            return value
        if not value:
            return _default_choice(f)
        allowed = ", ".join(f.choices)
        shown = value if len(value) <= 60 else value[:59] + "…"
        found = [("", f'"{value}" is not one of {allowed}')]
        raise ValueProblem(f'{f.label}: "{shown}" is not one of {allowed}.', found)
    if value is None:
        return _default_choice(f)
    allowed = ", ".join(f.choices)
    raise _wrong(f, value, f"must be one of {allowed}", f"one of {allowed}")


def _ref(f: FieldSpec, value: Any) -> str | None:
    if type(value) is str:
        if value:
            return value
        _no_value(f)
        return None
    if value is None:
        _no_value(f)
        return None
    raise _wrong(f, value, "must be a record id", "an id string")


def _entries(f: FieldSpec, value: Any) -> list[Any] | tuple[Any, ...]:
    """The entries of a list field's value that is not a ``list``."""
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return value
    raise _wrong(f, value, "must be a list", "a list", partial=[])


def _bad_entries(f: FieldSpec, value: list[Any] | tuple[Any, ...], out: list[str], expected: str) -> ValueProblem:
    """The problem with the entries of a list that the rule of its field skipped (looked at again:
    only a refused value comes here)."""
    ids = expected == "an id string"  # taken as given: the caller looks them up
    found: list[tuple[str, str]] = []
    for i, item in enumerate(value):
        if type(item) is not str:
            found.append((f"[{i}]", f"expected {expected}, found {json_type(item)}"))
        elif not ids and not _utf8(item):
            found.append((f"[{i}]", _SURROGATE_PROBLEM))
    if found[0][1] == _SURROGATE_PROBLEM:
        sentence = f"{f.label} contains a broken character (an unpaired surrogate)."
    else:
        sentence = f"{f.label} must be a list of {'record ids' if ids else 'text'}."
    return ValueProblem(sentence, found, partial=out)


def _refs(f: FieldSpec, value: Any) -> list[str]:
    if type(value) is not list:
        value = _entries(f, value)
    out: list[str] = []
    seen: set[str] = set()
    bad = False
    for item in value:
        if type(item) is str:
            if item and item not in seen:
                seen.add(item)
                out.append(item)
        else:
            bad = True
    if bad:
        raise _bad_entries(f, value, out, "an id string")
    return out


def _text_entries(f: FieldSpec, value: Any) -> tuple[list[Any] | tuple[Any, ...], list[str], bool]:
    """A list value's entries, the text ones with control characters removed, and whether any
    entry was not text (or not valid text)."""
    entries = value if type(value) is list else _entries(f, value)
    texts: list[str] = []
    bad = False
    for item in entries:
        if type(item) is not str:
            bad = True
            continue
        if _UNUSUAL.search(item):
            if not _utf8(item):
                bad = True
                continue
            item = strip_controls(item)
        texts.append(item)
    return entries, texts, bad


def _tags(f: FieldSpec, value: Any) -> list[str]:
    entries, texts, bad = _text_entries(f, value)
    out = list(dict.fromkeys(tag for tag in (item.strip() for item in texts) if tag))  # in order, once each
    if bad:
        raise _bad_entries(f, entries, out, "text")
    return out


def _lines(f: FieldSpec, value: Any) -> list[str]:
    entries, texts, bad = _text_entries(f, value)
    out = [item for item in texts if item and not item.isspace()]
    if bad:
        raise _bad_entries(f, entries, out, "text")
    return out


_RULES: dict[FieldType, Rule] = {
    FieldType.TEXT: _text,
    FieldType.LONG_TEXT: _text,
    FieldType.DATE: _date,
    FieldType.BOOL: _bool,
    FieldType.CHOICE: _choice,
    FieldType.REF: _ref,
    FieldType.REFS: _refs,
    FieldType.TAGS: _tags,
    FieldType.LINES: _lines,
}
_TYPED_RULES: dict[FieldType, Rule] = {**_RULES, FieldType.DATE: _typed_date}


def rule_of(spec: FieldSpec, *, typed: bool = False) -> Rule:
    """``check_value`` for one field, looked up once: call it as ``rule(spec, value)`` (a document
    check does, for every value of a large document)."""
    return (_TYPED_RULES if typed else _RULES)[spec.type]


def check_value(spec: FieldSpec, value: object, *, typed: bool = False) -> object:
    """The value a field holds once ``value`` is stored in it (text cleaned, a date a PartialDate,
    a list tidied), by the rules in the module docstring; ValueProblem if it cannot hold it.

    ``typed``: ``value`` is what a person typed in an editor (dates are read as typed), not a
    JSON value.
    """
    return rule_of(spec, typed=typed)(spec, value)


def normalise(spec: FieldSpec, value: object) -> object:
    """The Python value a field will hold after an edit stores ``value``; RecordError, saying why
    in a sentence, if the field cannot hold it."""
    try:
        result = _TYPED_RULES[spec.type](spec, value)
    except ValueProblem as problem:
        raise RecordError(problem.sentence) from None
    # A record in a case file has a UUID for its id: text SQLite cannot even be given (an unpaired
    # surrogate) names none, as any other id of no record does (records._check_target).
    if spec.target is not None and result and not all(map(_utf8, result if isinstance(result, list) else [result])):
        raise RecordError(f"{spec.label}: the {KINDS[spec.target].label.lower()} no longer exists.")
    return result


# ----- Python values and columns ----------------------------------------------------------


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
        return {spec.column: bool(value)}  # 1 or 0 in a case file; a boolean on a server
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
