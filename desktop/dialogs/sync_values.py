"""Each side of a conflict as the sync review shows it: a field's value as text, references by
their names, a whole record one field a line, and the words or list items that differ marked."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from db.fields import KINDS, FieldSpec, Kind
from db.merge import CASE, Conflict, Merge, Side, fields_of
from db.merge_state import field_spec

from .conflict_dialog import value_text, word_diff
from .sync_changes import FROM

Names = Callable[[Kind, list[str]], dict[str, str]]


def names_from(merge: Merge) -> Names:
    """Record titles from the merge's own states (this copy's title first), to name references by."""
    titles: dict[tuple[str, str], str] = {}

    def names(kind: Kind, ids: list[str]) -> dict[str, str]:
        if not titles:
            from db.merge import title_of

            for state in (merge.base, merge.theirs, merge.ours):
                for (part, rid), values in state.items():
                    if part != CASE:
                        titles[(part, rid)] = title_of(part, values)
        part = KINDS[kind].json_name
        return {i: titles[(part, i)] for i in ids if (part, i) in titles}

    return names


def conflict_texts(c: Conflict, names: Names, mark: str) -> tuple[str, str, str]:
    """Base, Mine and Theirs of a conflict as rich text, the words or items that differ marked."""
    if c.field is not None:
        spec = field_spec(c.part, c.field)
        base = value_shown(names, spec, c.base)
        if spec is not None and spec.is_list:
            return word_diff(base, base, mark)[0], *_list_marks(names, spec, c.ours, c.theirs, mark)
        theirs, mine = word_diff(value_shown(names, spec, c.theirs), value_shown(names, spec, c.ours), mark)
        return word_diff(base, base, mark)[0], mine, theirs
    base = _record_text(names, c.part, c.base)
    out = []
    for side in (Side.OURS, Side.THEIRS):
        values = c.value(side)
        if values is None:
            out.append(f"<i>Deleted in {FROM[side]}</i>")
        else:
            out.append(word_diff(base, _record_text(names, c.part, values), mark)[1])
    return word_diff(base, base, mark)[0], out[0], out[1]


def _list_marks(names: Names, spec: FieldSpec, mine: Any, theirs: Any, mark: str) -> tuple[str, str]:
    """Each side's items, those the other side lacks marked: a list is compared item by item,
    where a word diff would mark an item both hold for standing between two that differ."""
    out = []
    for own, other in ((mine or [], theirs or []), (theirs or [], mine or [])):
        lines = []
        for item in own:
            text = html.escape(value_text(names, spec, [item]))
            lines.append(text if item in other else f"{mark}{text}</span>")
        out.append('<div style="white-space: pre-wrap">' + ("<br>".join(lines) or "(empty)") + "</div>")
    return out[0], out[1]


def value_shown(names: Names, spec: FieldSpec | None, value: Any) -> str:
    """A field's value as plain text: a list one item per line, references by their names."""
    if spec is None:
        return "(empty)" if value in (None, "", []) else str(value)
    if spec.is_list and value:
        return "\n".join(value_text(names, spec, [v]) for v in value)
    return value_text(names, spec, value)


def _record_text(names: Names, part: str, values: Mapping[str, Any] | None) -> str:
    if values is None:
        return "(none)"
    lines = []
    for spec in fields_of(part):
        value = values.get(spec.name)
        if value in (None, "", [], False):
            continue
        text = value_shown(names, spec, value).replace("\n", "; ")
        lines.append(f"{spec.label}: {text}")
    return "\n".join(lines)
