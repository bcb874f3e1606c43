"""Three-way merge of a case, record by record and field by field (see docs/merge.md).

A case is merged as a ``State`` (``db/merge_state.py``: every record by kind and id, its fields
in JSON form). ``merge`` compares each record of two sides (``ours``, ``theirs``) with their
common ``base``:

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
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any

from .fields import KINDS, FieldType
from .merge_state import (
    CASE,
    CASE_KEY,
    PART_ORDER,
    Key,
    State,
    Values,
    differences,
    document_state,
    field_spec,
    fields_of,
    key_order,
    kind_of,
    normalise_record,
    normalise_value,
    reference_fields,
    references,
    state_document,
    title_of,
)


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

    @property
    def record_key(self) -> Key:
        return (self.part, self.id)


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
    elsewhere: Container[Key] = frozenset()

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
        waiting = {c.record_key for c in postponed if c.field is None}
        later_records = {c.record_key for c in postponed}
        naming_missing, naming_later = _naming(final, self.elsewhere, later_records)
        _settle_common(final, naming_missing, self.ours, self.theirs, self.elsewhere, waiting)
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
        kept: set[tuple[Key, str]] = set()
        decided = {(c.record_key, c.field) for c in self.conflicts if c.field is not None and c not in postponed}
        later = {(c.record_key, c.field) for c in postponed if c.field is not None}
        # Each side is ``final`` but for the postponed conflicts' records: only those, and the
        # records that name them or named a missing record, can name a record the side lacks.
        suspects = later_records | naming_later | naming_missing
        for side, own in held.items():
            kept |= _settle_references(
                sides[side], suspects, own, base, self.base, self.elsewhere, waiting, decided, later
            )
        # a decision that could not be carried out because it names a record whose deletion
        # waits is left to decide with it
        postponed += [c for c in self.conflicts if c not in postponed and (c.record_key, c.field) in kept]
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


def _merged_names(*records: Values | None) -> list[str]:
    names: dict[str, None] = {}
    for r in records:
        if r:
            names.update(dict.fromkeys(r))
    return list(names)


# ----- the merge ---------------------------------------------------------------------------


def merge(base: State, ours: State, theirs: State, *, elsewhere: Container[Key] = frozenset()) -> Merge:
    """Merge ``ours`` and ``theirs``, both made from ``base`` (see the module's docstring).

    ``elsewhere``: records held alike by both sides and left out of the three states (only asked
    whether it holds a record, and only about records none of the states holds: a sync's stand
    for every record of a large case it did not read)."""
    merged: State = {}
    changes: list[Change] = []
    conflicts: list[Conflict] = []
    auto_deleted: dict[Key, tuple[Side, Values]] = {}
    for key in sorted(base.keys() | ours.keys() | theirs.keys(), key=key_order):
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
    conflicts.sort(key=lambda c: (key_order(c.record_key), c.field or ""))
    return Merge(base, ours, theirs, merged, changes, conflicts, elsewhere)


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
    for key in sorted(named & auto_deleted.keys(), key=key_order):
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


def _naming(state: State, elsewhere: Container[Key], watched: Container[Key]) -> tuple[set[Key], set[Key]]:
    """The records of ``state`` that name a record neither it nor ``elsewhere`` holds, and those
    that name one of ``watched``: one pass over every reference (a sync's states hold tens of
    thousands of records, of which a few at most name a missing one)."""
    missing: set[Key] = set()
    naming: set[Key] = set()
    for key, values in state.items():
        for name, target, many in reference_fields(key[0]):
            value = values.get(name)
            if not value:
                continue
            for ref in value if many else (value,):
                named = (target, ref)
                if named not in state and named not in elsewhere:
                    missing.add(key)
                if named in watched:
                    naming.add(key)
    return missing, naming


def _settle_common(
    final: State,
    naming_missing: set[Key],
    ours: State,
    theirs: State,
    elsewhere: Container[Key],
    waiting: set[Key],
) -> None:
    """Leave no reference to a record the decisions left out: a field that would name one takes
    the value of the side that still makes sense (the one that did not change it, as a rule),
    or else loses the missing records, the same on both sides. ``naming_missing``: the records
    of ``final`` that name a record it does not hold (``_naming``), the only ones looked at."""
    for key in naming_missing:
        values = final[key]
        part = key[0]
        for name, target in list(references(part, values)):
            if target in final or target in elsewhere or target in waiting:
                continue
            for side in (ours, theirs):
                option = side.get(key, {}).get(name)
                if key in side and all(t in final or t in elsewhere for _f, t in references(part, {name: option})):
                    values[name] = option
                    break
            else:
                values[name] = _without(part, name, values[name], _Either(final, elsewhere))


def _settle_references(
    state: State,
    suspects: set[Key],
    own: State,
    base: State,
    old_base: State,
    elsewhere: Container[Key],
    waiting: set[Key],
    decided: set[tuple[Key, str]],
    later: set[tuple[Key, str]],
) -> set[tuple[Key, str]]:
    """Leave no reference to a record ``state`` does not hold; return the fields that kept the
    side's own value. ``suspects``: the only records of ``state`` that may name one.

    A field that would name a record whose deletion waits for a decision (``waiting``) keeps
    the side's own value, so the next merge carries the other side's value again: as a change,
    its base being the value kept, or, for a conflict decided now (``decided``), as that
    conflict again, its base staying as it was. A field whose conflict waits (``later``) keeps
    its old base whatever its value loses.
    A record whose deletion was decided is gone from both sides alike, so the references to it
    are cleared alike on both sides and in the base (as deleting a record in the app clears
    them): settled from the side's own value instead, the two sides of a fully decided merge
    would differ.
    """
    kept: set[tuple[Key, str]] = set()
    held = _Either(state, elsewhere)  # records are never added or removed below, only values
    for key in suspects:
        values = state.get(key)
        if values is None:
            continue
        part = key[0]
        for name in dict.fromkeys(n for n, t in references(part, values) if t not in state and t not in elsewhere):
            missing = {t for _f, t in references(part, {name: values[name]}) if t not in held}
            mine = own.get(key, {}).get(name)
            if missing & waiting:
                if key in own and all(t in held for _f, t in references(part, {name: mine})):
                    values[name] = mine
                else:
                    values[name] = _without(part, name, values[name], held)
                kept.add((key, name))
                if key in base:
                    base[key][name] = old_base.get(key, {}).get(name) if (key, name) in decided else values[name]
            else:
                values[name] = _without(part, name, values[name], held)
                if key in base and (key, name) not in later:
                    base[key][name] = values[name]
    return kept


@dataclass(frozen=True)
class _Either(Container[Key]):
    """The records held by either of two collections, asked one at a time (a large case's
    records are not copied into one set to ask about a few)."""

    first: Container[Key]
    second: Container[Key]

    def __contains__(self, key: object) -> bool:
        return key in self.first or key in self.second


def _without(part: str, name: str, value: Any, state: Container[Key]) -> Any:
    f = field_spec(part, name)
    assert f is not None and f.target is not None
    target = KINDS[f.target].json_name
    if f.type is FieldType.REFS:
        return [v for v in value or [] if (target, v) in state]
    return value if (target, value) in state else None


__all__ = [
    "CASE", "CASE_KEY", "PART_ORDER", "Action", "Change", "Conflict", "Decision", "Edited", "Key", "Merge",
    "Outcome", "Reason", "Side", "State", "Values", "differences", "document_state", "fields_of", "kind_of",
    "merge", "normalise_record", "normalise_value", "references", "state_document", "title_of",
]  # fmt: skip
