"""Properties of the three-way merge (``db.merge``) over random edit scripts.

Two copies of one base (the sample case, as a case file exports it) are each edited by a random
script: change a text, change a list, point a reference elsewhere, create an actor or a
statement (naming existing actors), delete a record (clearing the references to it, as the app
does). Whatever the scripts, a change made on one side only is never lost, the merge is the same
from either side, merging again changes nothing, no reference dangles, and the result is a
document that imports.
"""

from __future__ import annotations

import copy
import functools
import tempfile
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from db.document_check import check_document
from db.fields import KINDS, FieldType, Kind
from db.interchange import export_document, import_document
from db.merge import (
    CASE_KEY,
    PART_ORDER,
    Action,
    Conflict,
    Edited,
    Merge,
    Reason,
    Side,
    State,
    document_state,
    fields_of,
    merge,
    normalise_record,
    references,
    state_document,
)
from db.sample import sample_document
from db.sqlite.casefile import CaseFile

ACTORS = KINDS[Kind.ACTOR].json_name
STATEMENTS = KINDS[Kind.STATEMENT].json_name
TEXTS = (None, "Alpha", "Beta", "Gamma words.")
LISTS = ([], ["x"], ["x", "y"], ["y"])
OPS = ("text", "list", "ref", "create", "delete")
_IDS = uuid.UUID("6d0c3a9e-52f4-4a4e-9a43-6a1f0d3c2b10")

Op = tuple[str, int, int, int]
ops = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 9999), st.integers(0, 9999), st.integers(0, 3)), max_size=6
)
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def base_document() -> dict[str, Any]:
    """The sample case as a case file exports it, with the same UUIDs every run (an import gives
    the sample's readable ids new random ones), so a drawn example means the same edits each time."""
    doc = sample_document()
    ids = {r["id"]: str(uuid.uuid5(_IDS, r["id"])) for part in PART_ORDER[1:] for r in doc.get(part, [])}
    for part in PART_ORDER[1:]:
        for record in doc.get(part, []):
            record["id"] = ids[record["id"]]
            for name in {name for name, _target in references(part, record)}:
                value = record[name]
                record[name] = [ids[v] for v in value] if isinstance(value, list) else ids[value]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "base.casefile"
        import_document(doc, path)
        with CaseFile.open(path, read_only=True) as cf:
            return export_document(cf)


def base_state() -> State:
    return document_state(base_document())


# ----- edit scripts -------------------------------------------------------------------------


def _pick(state: State, n: int, wanted: Any = None) -> tuple[str, str] | None:
    """A record of the state: half the time one of a few, so that both sides often touch the same one."""
    keys = sorted(k for k in state if wanted is None or wanted(k))
    if not keys:
        return None
    return keys[(n // 2) % min(len(keys), 5)] if n % 2 == 0 else keys[(n // 2) % len(keys)]


def _fields(part: str, *types: FieldType) -> list[Any]:
    return [f for f in fields_of(part) if f.type in types]


def _ids_of(state: State, part: str) -> list[str]:
    return sorted(rid for p, rid in state if p == part)


def apply_script(state: State, script: list[Op], side: str) -> State:
    """``state`` after a script of edits (a new state; the given one is left alone)."""
    state = copy.deepcopy(state)
    for step, (op, a, b, c) in enumerate(script):
        if op == "create":
            rid = str(uuid.uuid5(_IDS, f"{side}-{step}-{a}-{b}"))
            actors = _ids_of(state, ACTORS)
            someone = actors[b % len(actors)] if actors and c else None
            if a % 2:
                state[(ACTORS, rid)] = normalise_record(ACTORS, {"name": TEXTS[1 + c % 3], "affiliation": someone})
            else:
                state[(STATEMENTS, rid)] = normalise_record(STATEMENTS, {"text": TEXTS[1 + c % 3], "speaker": someone})
            continue
        if op == "delete":
            key = _pick(state, a, lambda k: k != CASE_KEY)
            if key is not None:
                delete(state, key)
            continue
        types = {
            "text": (FieldType.TEXT, FieldType.LONG_TEXT),
            "list": (FieldType.TAGS, FieldType.LINES, FieldType.REFS),
            "ref": (FieldType.REF,),
        }[op]
        key = _pick(state, a, lambda k, types=types: bool(_fields(k[0], *types)))
        if key is None:
            continue
        f = _fields(key[0], *types)[b % len(_fields(key[0], *types))]
        if f.type in (FieldType.TEXT, FieldType.LONG_TEXT):
            value: Any = TEXTS[c] if not f.required else TEXTS[1 + c % 3]
        elif f.type in (FieldType.TAGS, FieldType.LINES):
            value = list(LISTS[c])
        else:
            assert f.target is not None
            targets = [t for t in _ids_of(state, KINDS[f.target].json_name) if (KINDS[f.target].json_name, t) != key]
            chosen = [targets[(b + i * 7) % len(targets)] for i in range(c)] if targets else []
            single = chosen[0] if chosen else None
            value = list(dict.fromkeys(chosen)) if f.type is FieldType.REFS else single
        state[key][f.name] = value
    return state


def delete(state: State, key: tuple[str, str]) -> None:
    """Delete a record and clear every reference to it (``delete_record(remove_references=True)``)."""
    del state[key]
    for other, values in state.items():
        for name, target in list(references(other[0], values)):
            if target == key:
                values[name] = [v for v in values[name] if v != key[1]] if isinstance(values[name], list) else None


def sides(script_ours: list[Op], script_theirs: list[Op]) -> tuple[State, State, State]:
    base = base_state()
    return base, apply_script(base, script_ours, "ours"), apply_script(base, script_theirs, "theirs")


def dangling(state: State) -> list[tuple[tuple[str, str], str, tuple[str, str]]]:
    return [(k, name, t) for k, v in state.items() for name, t in references(k[0], v) if t not in state]


def every(m: Merge, side: Side) -> dict[tuple[str, str, str | None], Side]:
    return {c.key: side for c in m.conflicts}


def some(m: Merge) -> dict[tuple[str, str, str | None], Side | Edited | None]:
    """Every other conflict settled (alternately ours, theirs), the rest postponed."""
    return {
        c.key: (Side.OURS if i % 4 == 0 else Side.THEIRS) if i % 2 == 0 else None for i, c in enumerate(m.conflicts)
    }


# ----- properties ---------------------------------------------------------------------------


@PROPERTY
@given(ops, ops)
def test_a_change_made_on_one_side_only_is_never_lost(script_ours, script_theirs):
    base, ours, theirs = sides(script_ours, script_theirs)
    m = merge(base, ours, theirs)
    in_conflict = {c.record_key for c in m.conflicts if c.field is None}
    fields_in_conflict = {c.key for c in m.conflicts}
    for decision in (Side.OURS, Side.THEIRS):
        out = m.resolve(every(m, decision))
        for result in (out.ours, out.theirs):
            for key in base.keys() | ours.keys() | theirs.keys():
                if key in in_conflict:
                    continue
                b, o, t = base.get(key), ours.get(key), theirs.get(key)
                for mine, other in ((o, t), (t, o)):
                    if b is None and other is None and mine is not None:  # created on one side
                        assert result.get(key) == _settled(mine, key, in_conflict, result), key
                    if b is not None and mine is None and other == b:  # deleted on one side
                        assert key not in result, key
                if b is None or o is None or t is None:
                    continue
                for name in b.keys() | o.keys() | t.keys():
                    if (key[0], key[1], name) in fields_in_conflict:
                        continue
                    for mine, other in ((o, t), (t, o)):
                        one_sided = mine.get(name) != b.get(name) and other.get(name) == b.get(name)
                        if one_sided and not _names_conflicted(key[0], name, mine.get(name), in_conflict):
                            assert result[key][name] == mine[name], (key, name)


def _names_conflicted(part: str, name: str, value: Any, in_conflict: set[tuple[str, str]]) -> bool:
    """Whether a value refers to a record whose fate was a conflict (deciding it may clear the reference)."""
    return any(t in in_conflict for _f, t in references(part, {name: value}))


def _settled(values: dict[str, Any], key: tuple[str, str], in_conflict: set[tuple[str, str]], result: State) -> Any:
    """A created record as the result should hold it: references to records a decision removed left out."""
    if not any(_names_conflicted(key[0], n, v, in_conflict) for n, v in values.items()):
        return values
    return result.get(key)


@PROPERTY
@given(ops, ops)
def test_merging_is_the_same_from_either_side(script_ours, script_theirs):
    base, ours, theirs = sides(script_ours, script_theirs)
    forward, backward = merge(base, ours, theirs), merge(base, theirs, ours)
    assert {_mirrored(c) for c in forward.conflicts} == {_key(c) for c in backward.conflicts}
    assert {(c.part, c.id, c.side, c.action, c.fields) for c in forward.changes} == {
        (c.part, c.id, c.side.other, c.action, c.fields) for c in backward.changes
    }
    for side in (Side.OURS, Side.THEIRS):
        there = forward.resolve(every(forward, side))
        back = backward.resolve(every(backward, side.other))
        assert there.ours == back.theirs == there.theirs == back.ours
        assert there.base == back.base


_MIRROR = {
    Reason.BOTH_CHANGED: Reason.BOTH_CHANGED,
    Reason.DELETED_BY_OURS: Reason.DELETED_BY_THEIRS,
    Reason.DELETED_BY_THEIRS: Reason.DELETED_BY_OURS,
    Reason.REFERRED_BY_OURS: Reason.REFERRED_BY_THEIRS,
    Reason.REFERRED_BY_THEIRS: Reason.REFERRED_BY_OURS,
}


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _key(c: Conflict) -> tuple[Any, ...]:
    return (c.key, _freeze(c.base), _freeze(c.ours), _freeze(c.theirs), c.reason)


def _mirrored(c: Conflict) -> tuple[Any, ...]:
    return (c.key, _freeze(c.base), _freeze(c.theirs), _freeze(c.ours), _MIRROR[c.reason])


@PROPERTY
@given(ops, ops)
def test_merging_again_after_deciding_everything_changes_nothing(script_ours, script_theirs):
    base, ours, theirs = sides(script_ours, script_theirs)
    m = merge(base, ours, theirs)
    for decisions in (every(m, Side.OURS), every(m, Side.THEIRS)):
        out = m.resolve(decisions)
        again = merge(out.base, out.ours, out.theirs)
        assert again.changes == [] and again.conflicts == []
        assert out.ours == out.theirs == out.base


def without_missing(part: str, name: str, value: Any, state: State) -> Any:
    """A reference field's value less the records ``state`` does not hold."""
    spec = next(f for f in fields_of(part) if f.name == name)
    if spec.target is None:
        return value
    target = KINDS[spec.target].json_name
    if isinstance(value, list):
        return [v for v in value if (target, v) in state]
    return value if (target, value) in state else None


@PROPERTY
@example(script_ours=[("delete", 3621, 0, 0)], script_theirs=[("delete", 0, 0, 0)])
@given(ops, ops)
def test_merging_again_finds_exactly_what_was_postponed(script_ours, script_theirs):
    base, ours, theirs = sides(script_ours, script_theirs)
    m = merge(base, ours, theirs)
    out = m.resolve(some(m))
    again = merge(out.base, out.ours, out.theirs)
    waiting = {c.key for c in out.postponed}
    assert {c.key for c in again.conflicts} <= waiting
    # a postponed conflict is found again unless the decisions took it away: a deletion that
    # waited only because the other side referred to it, once nothing refers to it; two values
    # that differed only by records whose deletion was decided, once both lost them
    referred = (Reason.REFERRED_BY_OURS, Reason.REFERRED_BY_THEIRS)
    found_again = {c.key for c in again.conflicts}
    for c in out.postponed:
        if c.key not in found_again and c.reason not in referred:
            assert c.field is not None
            assert out.ours[c.record_key][c.field] == out.theirs[c.record_key][c.field], c
    # a value that names a record whose deletion waits carries again, as a change, once it is decided
    waits = {c.record_key for c in out.postponed if c.field is None}
    for change in again.changes:
        if change.record_key not in waits:
            assert change.action is Action.CHANGED
            values = (out.ours if change.side is Side.OURS else out.theirs)[change.record_key]
            named = {t for f, t in references(change.part, values) if f in change.fields}
            assert named & waits, change
    # until decided, each side keeps its own value (less any record whose deletion was decided)
    for before in out.postponed:
        if before.field is None:
            continue
        for side, state in ((Side.OURS, out.ours), (Side.THEIRS, out.theirs)):
            kept = state[before.record_key][before.field]
            own = before.value(side)
            assert kept == own or kept == without_missing(before.part, before.field, own, state)


@PROPERTY
@given(ops, ops)
def test_no_reference_dangles(script_ours, script_theirs):
    base, ours, theirs = sides(script_ours, script_theirs)
    assert dangling(ours) == [] and dangling(theirs) == []  # the scripts themselves leave none
    m = merge(base, ours, theirs)
    for decisions in (every(m, Side.OURS), every(m, Side.THEIRS), some(m), {}):
        out = m.resolve(decisions)
        assert dangling(out.ours) == []
        assert dangling(out.theirs) == []


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops, ops, st.sampled_from([Side.OURS, Side.THEIRS]))
def test_the_merged_case_is_a_document_that_imports(script_ours, script_theirs, side):
    base, ours, theirs = sides(script_ours, script_theirs)
    m = merge(base, ours, theirs)
    merged = m.resolve(every(m, side)).ours
    doc = state_document(merged, base_document())
    check_document(doc)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "merged.casefile"
        import_document(doc, path)
        with CaseFile.open(path, read_only=True) as cf:
            back = document_state(export_document(cf))
    # "order" is a statement's place within its day, which an export writes only where needed
    assert _fields_only(back) == _fields_only(merged)


def _fields_only(state: State) -> State:
    return {k: {n: v for n, v in values.items() if n != "order"} for k, values in state.items()}


def test_a_decided_deletion_clears_references_to_it_alike_on_both_sides():
    """Ours points a directive's issuer at an actor theirs deleted; once the deletion is decided,
    both sides and the base hold the same issuer (the one theirs kept, which still exists), never
    each side a different one."""
    base = base_state()
    directive = next(k for k, v in sorted(base.items()) if k[0] == "directives" and v["issuer"])
    actor = next(k for k in sorted(base) if k[0] == ACTORS and k[1] != base[directive]["issuer"])
    ours = copy.deepcopy(base)
    ours[directive]["issuer"] = actor[1]
    theirs = copy.deepcopy(base)
    delete(theirs, actor)
    m = merge(base, ours, theirs)
    assert [(c.record_key, c.reason) for c in m.conflicts] == [(actor, Reason.REFERRED_BY_OURS)]
    out = m.resolve({m.conflicts[0].key: Side.THEIRS})
    assert actor not in out.ours
    assert out.ours[directive]["issuer"] == base[directive]["issuer"]
    assert out.ours == out.theirs == out.base
