"""Conflicts of a merge or a sync as lines for the terminal (``casefile merge``, ``casefile sync``)."""

from __future__ import annotations

from typing import Any

from db.fields import CASE_FIELDS_BY_NAME, KINDS
from db.merge import CASE, Conflict, kind_of, title_of

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


def conflict_lines(c: Conflict, *, ours: str = "ours", theirs: str = "theirs") -> list[str]:
    """A conflict as a block of lines: the record and field, then base, ours and theirs."""
    where = f'{record_label(c.part)} "{c.title}"' + (f" ({c.id})" if c.id else "")
    what = field_label(c.part, c.field) if c.field is not None else "the whole record"
    reason = c.reason.value.replace("ours", ours).replace("theirs", theirs)
    width = max(len("base"), len(ours), len(theirs)) + 1
    whole = c.field is None
    return [
        f"  {where}, {what}: {reason}",
        *(
            f"    {(label + ':').ljust(width)} {shown(value, whole_record=whole, part=c.part)}"
            for label, value in (("base", c.base), (ours, c.ours), (theirs, c.theirs))
        ),
    ]
