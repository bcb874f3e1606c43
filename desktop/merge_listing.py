"""Conflicts of a merge or a sync as readable lines for the terminal (``casefile merge``,
``casefile sync``): the record, the field and why, then the base's and each side's value, with
references by the titles of the records they name and a long text cut where the values differ."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from db.merge import Conflict, Merge, Side, State, fields_of, kind_of, references, title_of

_VALUE_WIDTH = 100  # characters of a value shown in a conflict listing

Namer = Callable[[str, str], str]  # (part, id) -> the title of a record, for references


def conflict_block(
    c: Conflict,
    result: Merge,
    number: int,
    total: int,
    *,
    rows: tuple[str, str] = ("ours", "theirs"),
    sides: tuple[str, str] = ("ours", "theirs"),
    namer: Namer | None = None,
) -> str:
    """A conflict as a few readable lines: the record, the field and why, then each side's value.

    ``rows`` label the two sides' values and ``sides`` name them in the reason ("deleted by the
    master"); ``namer`` titles a referenced record the merge did not read (a sync reads only what
    changed)."""
    from db.document_check import error_line

    kind = kind_of(c.part)
    label = "Case" if kind is None else _kind_label(c.part)
    name = title_of(c.part, _any_record(result, (c.part, c.id)))
    where = f" (id {c.id})" if c.id else ""
    lines = [f'Conflict {number} of {total}: {label} "{name}"{where}']
    reason = c.reason.value.replace("ours", "\0").replace("theirs", sides[1]).replace("\0", sides[0])
    if c.field is None:
        lines.append(f"  the whole record: {reason}")
        shown = [_record_fate(c, result, side) for side in (None, Side.OURS, Side.THEIRS)]
    else:
        lines.append(f"  {c.field}: {reason}")
        texts = [_value_text(c.part, c.field, v, result, namer) for v in (c.base, c.ours, c.theirs)]
        shown = _shorten(texts, quoted=_is_text(c.part, c.field))
    width = max(len(r) for r in ("base", *rows)) + 1
    for role, text in zip(("base", *rows), shown, strict=True):
        lines.append(f"    {(role + ':').ljust(width)} {text}")
    return "\n".join(error_line(line) for line in lines)


def _kind_label(part: str) -> str:
    from db.fields import KINDS

    kind = kind_of(part)
    assert kind is not None
    return KINDS[kind].label


def _any_record(result: Merge, key: tuple[str, str]) -> dict[str, Any] | None:
    for state in (result.base, result.merged, result.ours, result.theirs):
        if key in state:
            return state[key]
    return None


def _record_fate(c: Conflict, result: Merge, side: Side | None) -> str:
    """What became of a whole record on one side (None: the base)."""
    if side is None:
        return "the record as it was" if c.base is not None else "(no record)"
    value = c.value(side)
    if value is None:
        return "deleted"
    changed = [name for name in value if (c.base or {}).get(name) != value.get(name)]
    fate = f"kept, with {', '.join(changed)} changed" if changed else "kept as it was"
    referrers = _referrers(result.ours if side is Side.OURS else result.theirs, (c.part, c.id))
    if referrers:
        more = f" and {len(referrers) - 2} more" if len(referrers) > 2 else ""
        fate += f"; referred to by {', '.join(referrers[:2])}{more}"
    return fate


def _referrers(state: State, key: tuple[str, str]) -> list[str]:
    found = []
    for (part, _rid), values in state.items():
        if any(target == key for _f, target in references(part, values)):
            found.append(f'{_kind_label(part).lower()} "{title_of(part, values)}"')
    return found


def _value_text(part: str, name: str, value: Any, result: Merge, namer: Namer | None = None) -> str | None:
    """A field's value as plain text (None for no value): names for references, yes/no, labels."""
    from db.fields import KINDS, FieldType, choice_label

    if value is None or value == "" or value == []:
        return None
    spec = next((f for f in fields_of(part) if f.name == name), None)
    if spec is None:
        return json.dumps(value, ensure_ascii=False)
    if spec.target is not None:
        target = KINDS[spec.target].json_name
        ids = value if isinstance(value, list) else [value]
        return "; ".join(_title(target, i, result, namer) for i in ids)
    if spec.type is FieldType.BOOL:
        return "yes" if value else "no"
    if spec.type is FieldType.CHOICE:
        return choice_label(value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _title(part: str, rid: str, result: Merge, namer: Namer | None) -> str:
    record = _any_record(result, (part, rid))
    if record is not None:
        return title_of(part, record)
    return (namer(part, rid) if namer is not None else "") or rid


def _is_text(part: str, name: str) -> bool:
    from db.fields import FieldType

    spec = next((f for f in fields_of(part) if f.name == name), None)
    return spec is not None and spec.type in (FieldType.TEXT, FieldType.LONG_TEXT)


def _shorten(texts: list[str | None], *, quoted: bool, width: int = _VALUE_WIDTH) -> list[str]:
    """Each value on one line (a text in quotes); a long one cut to show where the values start to differ."""
    present = [t for t in texts if t is not None]
    start_of_difference = len(os.path.commonprefix(present))  # noqa: RUF071  # a character position is wanted if len(present) > 1 else 0
    out = []
    for text in texts:
        if text is None:
            out.append("(empty)")
            continue
        start = 0
        if len(text) > width and start_of_difference > width // 3:
            start = min(start_of_difference - width // 5, len(text) - width)
            space = text.find(" ", start, start + 15)
            start = space + 1 if space >= 0 else start
        shown = text[start : start + width]
        shown = ("…" if start else "") + shown + ("…" if start + width < len(text) else "")
        out.append(json.dumps(shown, ensure_ascii=False) if quoted else shown)
    return out
