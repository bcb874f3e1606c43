"""Three-way merge of a case, record by record and field by field (see docs/merge.md).

A case is merged as a ``State``: every record keyed by ``(part, id)``, where ``part`` is the
record's list in a Casefile JSON document (``"actors"``, ``"statements"``, ...) or ``"case"``
for the case itself (id ``""``), and its values are its fields in JSON form. ``merge`` compares
each record of two sides (``ours``, ``theirs``) with their common ``base``:

- a field changed on one side only takes that change; the same change on both sides is no
  conflict; different changes to one field are a conflict;
- a record deleted on one side and changed on the other is a conflict, and so is a record
  deleted on one side that the other side's values still refer to: a merge never leaves a
  reference to no record;
- a list (parties, actors, tags, provisions) and a text are each one unit, compared whole and
  never merged word by word: two edits of a quote conflict, they do not blend.

``Merge.resolve`` takes a decision for each conflict (ours, theirs, an edited value, or none
yet: decided later) and gives what each side should hold afterwards and the new base.
Postponed conflicts leave each side's own value in place and keep the old base, so the next
merge finds them again. The module is pure: no files, no SQL, no Qt.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
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


class Side(enum.StrEnum):
    """One of the two sides merged."""

    OURS = "ours"
    THEIRS = "theirs"

    @property
    def other(self) -> Side:
        return Side.THEIRS if self is Side.OURS else Side.OURS


@dataclass(frozen=True)
class Edited:
    """A decision to give a conflicting field a value of the user's own."""

    value: Any


Decision = Side | Edited | None  # None: decide later


class Reason(enum.StrEnum):
    """Why a conflict is one."""

    BOTH_CHANGED = "changed differently on both sides"
    DELETED_BY_OURS = "deleted by ours, changed by theirs"
    DELETED_BY_THEIRS = "deleted by theirs, changed by ours"
    REFERRED_BY_THEIRS = "deleted by ours, still referred to by theirs"
    REFERRED_BY_OURS = "deleted by theirs, still referred to by ours"


@dataclass(frozen=True)
class Conflict:
    """One thing the two sides disagree on.

    ``field`` is None when the conflict is about the whole record (deleted on one side); then
    ``base``, ``ours`` and ``theirs`` are the record's values on each side (None where it is
    deleted or did not exist). Otherwise they are the field's values.
    """

    part: str
    id: str
    field: str | None
    base: Any
    ours: Any
    theirs: Any
    reason: Reason
    title: str

    @property
    def key(self) -> tuple[str, str, str | None]:
        """What identifies the conflict: (part, id, field)."""
        return (self.part, self.id, self.field)

    @property
    def record_key(self) -> Key:
        return (self.part, self.id)

    @property
    def deleting_side(self) -> Side | None:
        """For a conflict about the whole record: the side that deleted it."""
        if self.field is not None:
            return None
        return Side.OURS if self.ours is None else Side.THEIRS

    def value(self, side: Side) -> Any:
        return self.ours if side is Side.OURS else self.theirs

    @property
    def editable(self) -> bool:
        """Whether an edited value of the user's own can settle it (a field, not a deletion)."""
        return self.field is not None


class Action(enum.StrEnum):
    """What a change that merges by itself does."""

    CREATED = "created"
    DELETED = "deleted"
    CHANGED = "changed"


@dataclass(frozen=True)
class Change:
    """A change one side made that merges by itself (the other side takes it)."""

    part: str
    id: str
    side: Side  # who made it
    action: Action
    fields: tuple[str, ...]  # the fields changed (CHANGED), else ()
    title: str


@dataclass
class Merge:
    """The outcome of ``merge``: what merges by itself, and the conflicts to decide."""

    base: State
    ours: State
    theirs: State
    merged: State  # everything that merged by itself; conflicting fields hold ours' value
    changes: list[Change]
    conflicts: list[Conflict]
    # records not read because neither side changed them (a sync reads only what moved): they
    # exist on both sides, so a reference to one is not a reference to nothing
    elsewhere: frozenset[Key] = frozenset()

    @property
    def clean(self) -> bool:
        return not self.conflicts

    def changes_by(self, side: Side) -> list[Change]:
        """The changes ``side`` made that the other side takes."""
        return [c for c in self.changes if c.side is side]

    def resolve(self, decisions: Mapping[tuple[str, str, str | None], Decision] | None = None) -> Outcome:
        """What each side and the new base hold once ``decisions`` are applied.

        A conflict with no decision (or None) is postponed: each side keeps its own value and the
        base keeps the old one, so the next merge finds it again.
        """
        decisions = decisions or {}
        final: State = {k: dict(v) for k, v in self.merged.items()}
        postponed: list[Conflict] = []
        for c in self.conflicts:
            decision = decisions.get(c.key)
            if decision is None:
                postponed.append(c)
                continue
            if isinstance(decision, Edited):
                if c.field is None:
                    raise ValueError("A deleted record is kept or deleted, not edited.")
                final[c.record_key][c.field] = normalise_value(c.part, c.field, decision.value)
                continue
            value = c.value(decision)
            if c.field is not None:
                final[c.record_key][c.field] = value
            elif value is None:
                final.pop(c.record_key, None)
            else:
                final[c.record_key] = dict(value)
        _settle_common(final, self.ours, self.theirs, self.elsewhere)
        base: State = {k: dict(v) for k, v in final.items()}
        held = {Side.OURS: self.ours, Side.THEIRS: self.theirs}
        sides: dict[Side, State] = {}
        for side, own in held.items():
            state = {k: dict(v) for k, v in final.items()}
            for c in postponed:
                _keep_own(state, own, c)
            sides[side] = state
        for c in postponed:
            _keep_own(base, self.base, c)
        for side, own in held.items():
            _settle_references(sides[side], own, base, self.base, self.elsewhere)
        return Outcome(sides[Side.OURS], sides[Side.THEIRS], base, postponed)


@dataclass
class Outcome:
    """What each side holds after a resolved merge, and the base for the next one."""

    ours: State
    theirs: State
    base: State
    postponed: list[Conflict] = field(default_factory=list)

    def state(self, side: Side) -> State:
        return self.ours if side is Side.OURS else self.theirs


# ----- values ------------------------------------------------------------------------------


def fields_of(part: str) -> tuple[FieldSpec, ...]:
    """The declared fields of a part's records."""
    return CASE_FIELDS if part == CASE else KINDS[_KIND_OF_PART[part]].fields


def kind_of(part: str) -> Kind | None:
    """The record kind a part holds (None for the case)."""
    return _KIND_OF_PART.get(part)


def _spec(part: str, name: str) -> FieldSpec | None:
    for f in fields_of(part):
        if f.name == name:
            return f
    return None


def normalise_value(part: str, name: str, value: Any) -> Any:
    """A field value in the one form merged values are compared in: no value is the field's
    default (None, False, an empty list or the default choice); a list is a list."""
    f = _spec(part, name)
    if f is None:
        return value
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
    out = {f.name: normalise_value(part, f.name, values.get(f.name)) for f in fields_of(part)}
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
    for f in fields_of(part):
        if f.target is None:
            continue
        target = KINDS[f.target].json_name
        value = values.get(f.name)
        if f.type is FieldType.REFS:
            for ref in value or []:
                yield f.name, (target, ref)
        elif value:
            yield f.name, (target, value)


def _merged_names(*records: Values | None) -> list[str]:
    names: dict[str, None] = {}
    for r in records:
        if r:
            names.update(dict.fromkeys(r))
    return list(names)


def _order(key: Key) -> tuple[int, str]:
    return (PART_ORDER.index(key[0]) if key[0] in PART_ORDER else len(PART_ORDER), key[1])


# ----- the merge ---------------------------------------------------------------------------


def merge(base: State, ours: State, theirs: State, *, elsewhere: Collection[Key] = ()) -> Merge:
    """Merge ``ours`` and ``theirs``, both made from ``base`` (see the module's docstring).

    ``elsewhere``: records held alike by both sides and left out of the three states."""
    merged: State = {}
    changes: list[Change] = []
    conflicts: list[Conflict] = []
    auto_deleted: dict[Key, tuple[Side, Values]] = {}
    for key in sorted(base.keys() | ours.keys() | theirs.keys(), key=_order):
        part, rid = key
        b, o, t = base.get(key), ours.get(key), theirs.get(key)
        if o == t:
            if o is not None:
                merged[key] = dict(o)
            continue
        if b is None and (o is None or t is None):
            side, created = (Side.THEIRS, t) if o is None else (Side.OURS, o)
            assert created is not None
            merged[key] = dict(created)
            changes.append(Change(part, rid, side, Action.CREATED, (), title_of(part, created)))
            continue
        if b is not None and (o is None or t is None):
            deleter, keeper = (Side.OURS, t) if o is None else (Side.THEIRS, o)
            assert keeper is not None
            if keeper == b:
                auto_deleted[key] = (deleter, b)
                changes.append(Change(part, rid, deleter, Action.DELETED, (), title_of(part, b)))
            else:
                reason = Reason.DELETED_BY_OURS if deleter is Side.OURS else Reason.DELETED_BY_THEIRS
                conflicts.append(Conflict(part, rid, None, b, o, t, reason, title_of(part, b)))
                merged_record = dict(keeper)  # provisional, so references to it are not taken as dangling
                merged[key] = merged_record
            continue
        assert o is not None and t is not None
        b = b or {}
        values: Values = {}
        changed: dict[Side, list[str]] = {Side.OURS: [], Side.THEIRS: []}
        for name in _merged_names(o, t):
            bf, of, tf = b.get(name), o.get(name), t.get(name)
            if of == tf:
                values[name] = of
            elif of == bf:
                values[name] = tf
                changed[Side.THEIRS].append(name)
            elif tf == bf:
                values[name] = of
                changed[Side.OURS].append(name)
            else:
                values[name] = of
                conflicts.append(Conflict(part, rid, name, bf, of, tf, Reason.BOTH_CHANGED, title_of(part, b or o)))
        merged[key] = values
        for side, names in changed.items():
            if names:
                action = Action.CHANGED if base.get(key) is not None else Action.CREATED
                changes.append(Change(part, rid, side, action, tuple(names), title_of(part, values)))
    conflicts += _referred_deletions(merged, conflicts, auto_deleted)
    # a record-level conflict's provisional record is not part of what merged by itself
    for c in conflicts:
        if c.field is None and c.reason in (Reason.DELETED_BY_OURS, Reason.DELETED_BY_THEIRS):
            merged.pop(c.record_key, None)
    referred = {c.record_key for c in conflicts if c.field is None}
    changes = [c for c in changes if (c.part, c.id) not in referred or c.action is not Action.DELETED]
    conflicts.sort(key=lambda c: (_order(c.record_key), c.field or ""))
    return Merge(base, ours, theirs, merged, changes, conflicts, frozenset(elsewhere) - merged.keys())


def _referred_deletions(
    merged: State, conflicts: list[Conflict], auto_deleted: Mapping[Key, tuple[Side, Values]]
) -> list[Conflict]:
    """A conflict for each record deleted on one side that a value that may survive still names."""
    if not auto_deleted:
        return []
    candidates: list[tuple[str, Values]] = [(k[0], v) for k, v in merged.items()]
    for c in conflicts:
        for value in (c.ours, c.theirs):
            if c.field is None and value is not None:
                candidates.append((c.part, value))
            elif c.field is not None:
                candidates.append((c.part, {c.field: value}))
    named: set[Key] = set()
    for part, values in candidates:
        named.update(target for _f, target in references(part, values))
    out = []
    for key in sorted(named & auto_deleted.keys(), key=_order):
        deleter, kept = auto_deleted[key]
        reason = Reason.REFERRED_BY_THEIRS if deleter is Side.OURS else Reason.REFERRED_BY_OURS
        ours, theirs = (None, kept) if deleter is Side.OURS else (kept, None)
        out.append(Conflict(key[0], key[1], None, kept, ours, theirs, reason, title_of(key[0], kept)))
    return out


def _keep_own(state: State, own: State, c: Conflict) -> None:
    """Leave a postponed conflict's record or field as ``own`` holds it."""
    key = c.record_key
    if c.field is None:
        if key in own:
            state[key] = dict(own[key])
        else:
            state.pop(key, None)
    elif key in state and key in own:
        state[key][c.field] = own[key].get(c.field)
    elif key in state:
        state.pop(key)


def _settle_common(final: State, ours: State, theirs: State, elsewhere: frozenset[Key]) -> None:
    """Leave no reference to a record the decisions left out: a field that would name one takes
    the value of the side that still makes sense (the one that did not change it, as a rule),
    or else loses the missing records, the same on both sides."""
    for key, values in final.items():
        part = key[0]
        for name, target in list(references(part, values)):
            if target in final or target in elsewhere:
                continue
            for side in (ours, theirs):
                option = side.get(key, {}).get(name)
                if key in side and all(t in final or t in elsewhere for _f, t in references(part, {name: option})):
                    values[name] = option
                    break
            else:
                values[name] = _without(part, name, values[name], final.keys() | elsewhere)


def _settle_references(state: State, own: State, base: State, old_base: State, elsewhere: frozenset[Key]) -> None:
    """Leave no reference to a record ``state`` does not hold.

    A field that would name a missing record (one whose deletion waits for a decision) keeps
    the side's own value, and its base stays as it was, so the next merge carries it again;
    failing that the missing records are left out of the value.
    """
    for key, values in state.items():
        part = key[0]
        for name, target in list(references(part, values)):
            if target in state or target in elsewhere:
                continue
            mine = own.get(key, {}).get(name)
            if key in own and all(t in state or t in elsewhere for _f, t in references(part, {name: mine})):
                values[name] = mine
                if key in base:
                    base[key][name] = old_base.get(key, {}).get(name)
            else:
                values[name] = _without(part, name, values[name], state.keys() | elsewhere)


def _without(part: str, name: str, value: Any, state: Collection[Key]) -> Any:
    f = _spec(part, name)
    assert f is not None and f.target is not None
    target = KINDS[f.target].json_name
    if f.type is FieldType.REFS:
        return [v for v in value or [] if (target, v) in state]
    return value if (target, value) in state else None


# ----- between states: what to write -------------------------------------------------------


def differences(old: State, new: State) -> dict[Key, Values | None]:
    """The records to write to turn ``old`` into ``new``: new values, or None to delete."""
    out: dict[Key, Values | None] = {}
    for key in sorted(old.keys() | new.keys(), key=_order):
        before, after = old.get(key), new.get(key)
        if before != after:
            out[key] = None if after is None else after
    return out


def apply_differences(state: State, diffs: Mapping[Key, Values | None]) -> State:
    """``state`` with ``diffs`` written (a new dict; ``state`` is left alone)."""
    out = dict(state)
    for key, values in diffs.items():
        if values is None:
            out.pop(key, None)
        else:
            out[key] = values
    return out


def group_by_part(keys: Iterable[Key]) -> dict[str, list[str]]:
    """Ids grouped by part, parts in document order."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for part, rid in sorted(keys, key=_order):
        grouped[part].append(rid)
    return dict(grouped)


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
        order.update(dict.fromkeys(rid for p, rid in sorted(state, key=_order) if p == part))
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
    f = _spec(part, name)
    if f is None:
        return True
    return f.since <= version or bool(value)
