"""Conflicts of a merge or a sync as lines for the terminal (``casefile merge``, ``casefile sync``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from db.fields import CASE_FIELDS_BY_NAME, KINDS
from db.merge import CASE, Conflict, fields_of, kind_of, title_of

Namer = Callable[[str, str], str]  # (part, id) -> a record's title, for references

LIMIT = 200  # characters of a value shown; the rest is elided


def record_label(part: str) -> str:
    """ "Statement", "Actor", ... or "Case"."""
    kind = kind_of(part)
    return "Case" if kind is None else KINDS[kind].label


def field_label(part: str, name: str) -> str:
    """A field's label as the app shows it ("Text", "Key provisions")."""
    kind = kind_of(part)
    try:
        return CASE_FIELDS_BY_NAME[name].label if part == CASE else KINDS[kind].field(name).label  # type: ignore[index]
    except KeyError:
        return name


def shown(value: Any, *, whole_record: bool = False, part: str = "") -> str:
    """One value on one line: text quoted and shortened, lists joined, nothing as "(none)"."""
    if whole_record:
        return "(deleted)" if value is None else f"kept: {title_of(part, value)}"
    if value is None or value == []:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    if len(text) > LIMIT:
        text = text[: LIMIT - 1].rstrip() + "…"
    return f'"{text}"' if isinstance(value, str) else text


def named(part: str, field: str | None, value: Any, namer: Namer | None) -> Any:
    """A reference field's value with each id replaced by the title of the record it names."""
    spec = next((f for f in fields_of(part) if f.name == field), None)
    if namer is None or spec is None or spec.target is None or not value:
        return value
    target = KINDS[spec.target].json_name
    if isinstance(value, list):
        return [namer(target, v) for v in value]
    return namer(target, value)


def conflict_lines(c: Conflict, *, ours: str = "ours", theirs: str = "theirs", namer: Namer | None = None) -> list[str]:
    """A conflict as a block of lines: the record and field, then base, ours and theirs
    (references by the titles ``namer`` gives)."""
    where = f'{record_label(c.part)} "{c.title}"' + (f" ({c.id})" if c.id else "")
    what = field_label(c.part, c.field) if c.field is not None else "the whole record"
    reason = c.reason.value.replace("ours", ours).replace("theirs", theirs)
    width = max(len("base"), len(ours), len(theirs)) + 1
    whole = c.field is None
    lines = [f"  {where}, {what}: {reason}"]
    for label, value in (("base", c.base), (ours, c.ours), (theirs, c.theirs)):
        text = shown(named(c.part, c.field, value, namer), whole_record=whole, part=c.part)
        lines.append(f"    {(label + ':').ljust(width)} {text}")
    return lines
