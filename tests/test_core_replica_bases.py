"""What an offline copy keeps of each record's base (migration 10): nothing while the copy has not
changed the record, its old value once the copy first does, and nothing again after a sync."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
import sqlalchemy as sa

from db import records
from db.declare import FieldSpec
from db.fields import CASE_FIELDS, JSON_ORDER, KINDS, FieldType, Kind
from db.merge import CASE_KEY, Side
from db.merge_store import read_state, values_of_rows
from db.replica import carry_out, prepare_sync
from db.sqlite.casefile import CaseFile
from db.sqlite.migrations import migrate
from tests.test_core_replicas import pair  # noqa: F401  (fixture: master path, offline copy open)

EDITABLE = [
    (kind, f) for kind in JSON_ORDER for f in KINDS[kind].fields if not (f.required and f.type is FieldType.TEXT)
]


def base_rows(cf: CaseFile) -> dict[tuple[str, str], tuple[Any, Any]]:
    """Every record's (base, kept) in the copy."""
    with cf.read() as conn:
        rows = conn.execute(sa.text("SELECT part, id, base, kept FROM replica_base")).all()
    return {(p, i): (b, k) for p, i, b, k in rows}


def sync_cleanly(copy: CaseFile) -> None:
    """Sync the copy; no conflict is expected."""
    plan = prepare_sync(copy)
    try:
        assert plan.merge.conflicts == []
        carry_out(plan, {})
    finally:
        plan.close()


def triggers(cf: CaseFile) -> dict[str, str]:
    with cf.read() as conn:
        return dict(conn.execute(sa.text("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'")).all())


def record_with(cf: CaseFile, kind: Kind, f: FieldSpec) -> str:
    """A record of ``kind`` whose ``f`` the test can change: one that has a value there if any does."""
    spec = KINDS[kind]
    with cf.read() as conn:
        ids = list(conn.execute(sa.text(f"SELECT id FROM {spec.table} ORDER BY n")).scalars())
    for rid in ids:
        if records.get_record(cf, kind, rid).get(f.name) not in (None, "", []):
            return rid
    return ids[0]


def another_value(cf: CaseFile, kind: Kind, rid: str, f: FieldSpec) -> Any:
    """A valid value of ``f`` for the record, different from the one it has."""
    now = records.get_record(cf, kind, rid).get(f.name)
    if f.type in (FieldType.TEXT, FieldType.LONG_TEXT):
        return f"{f.label} as the copy has it"
    if f.type is FieldType.CHOICE:
        return next(c for c in f.choices if c != now)
    if f.type is FieldType.DATE:
        return "2021-02-03"
    if f.type is FieldType.BOOL:
        return not now
    if f.type is FieldType.TAGS:
        return ["copy-tag"]
    if f.type is FieldType.LINES:
        return ["A line the copy added.", "And another."]
    assert f.target is not None
    with cf.read() as conn:
        table = KINDS[f.target].table
        others = [t for t in conn.execute(sa.text(f"SELECT id FROM {table} ORDER BY n DESC")).scalars() if t != rid]
    if f.type is FieldType.REFS:
        return [t for t in others if t not in (now or [])][:2][::-1]
    return next(t for t in others if t != now)


def other_text_field(kind: Kind, name: str) -> FieldSpec:
    """A text field of ``kind`` other than ``name``, for the master to change."""
    texts = [f for f in KINDS[kind].fields if f.type in (FieldType.TEXT, FieldType.LONG_TEXT) and not f.required]
    return next(f for f in texts if f.name != name)


def test_a_new_copy_keeps_no_base_of_its_own(pair):  # noqa: F811
    _master, copy = pair
    rows = base_rows(copy)
    with copy.read() as conn:
        held = read_state(conn)
    assert set(rows) == set(held)  # every record is known, the case included
    assert set(rows.values()) == {(None, None)}


@pytest.mark.parametrize(("kind", "f"), EDITABLE, ids=[f"{k.value}-{f.name}" for k, f in EDITABLE])
def test_the_copy_keeps_a_records_old_value_when_it_first_changes_it(pair, kind, f):  # noqa: F811
    _master, copy = pair
    part = KINDS[kind].json_name
    rid = record_with(copy, kind, f)
    with copy.read() as conn:
        before = read_state(conn, [(part, rid)])[(part, rid)]
    records.update_record(copy, kind, rid, {f.name: another_value(copy, kind, rid, f)})
    base, kept = base_rows(copy)[(part, rid)]
    assert base is None and kept is not None
    assert values_of_rows(part, [json.loads(kept)])[0] == before
    # a second change keeps the value the record had at the last sync
    records.update_record(copy, kind, rid, {f.name: another_value(copy, kind, rid, f)})
    assert base_rows(copy)[(part, rid)] == (None, kept)


@pytest.mark.parametrize(("kind", "f"), EDITABLE, ids=[f"{k.value}-{f.name}" for k, f in EDITABLE])
def test_a_field_the_copy_changed_and_another_the_master_changed_both_arrive(pair, kind, f):  # noqa: F811
    """The base the copy kept is the record as it was: a record-level base of the copy's own value
    would take the master's record whole and lose the copy's change."""
    master, copy = pair
    part = KINDS[kind].json_name
    rid = record_with(copy, kind, f)
    mine = another_value(copy, kind, rid, f)
    records.update_record(copy, kind, rid, {f.name: mine})
    with copy.read() as conn:
        edited = read_state(conn, [(part, rid)])[(part, rid)][f.name]
    theirs_field = other_text_field(kind, f.name)
    with CaseFile.open(master) as cf:
        records.update_record(cf, kind, rid, {theirs_field.name: "The master's words"})
    sync_cleanly(copy)
    with copy.read() as conn:
        ours = read_state(conn, [(part, rid)])[(part, rid)]
    with CaseFile.open(master, read_only=True) as cf, cf.read() as conn:
        theirs = read_state(conn, [(part, rid)])[(part, rid)]
    assert ours == theirs
    assert ours[theirs_field.name] == "The master's words"
    assert ours[f.name] == edited
    assert base_rows(copy)[(part, rid)] == (None, None)


def test_a_deleted_record_and_the_case_keep_their_old_values(pair):  # noqa: F811
    _master, copy = pair
    with copy.read() as conn:
        rid = conn.execute(sa.text("SELECT id FROM timeline_entry ORDER BY n DESC LIMIT 1")).scalar_one()
        before = read_state(conn, [("timeline", rid), CASE_KEY])
    records.delete_record(copy, Kind.TIMELINE, rid)
    records.update_case(copy, {f.name: "Changed in the copy" for f in CASE_FIELDS if f.name == "summary"})
    rows = base_rows(copy)
    for key in (("timeline", rid), CASE_KEY):
        base, kept = rows[key]
        assert base is None and kept is not None
        assert values_of_rows(key[0], [json.loads(kept)])[0] == before[key]


def test_a_sync_clears_what_the_copy_kept_but_a_conflict_left_for_later_keeps_its_base(pair):  # noqa: F811
    master, copy = pair
    before = triggers(copy)
    with copy.read() as conn:
        first, second = conn.execute(sa.text("SELECT id FROM actor ORDER BY n LIMIT 2")).scalars()
    records.update_record(copy, Kind.ACTOR, first, {"description": "Mine, and only mine"})
    records.update_record(copy, Kind.ACTOR, second, {"description": "Mine, in conflict"})
    with CaseFile.open(master) as cf:
        records.update_record(cf, Kind.ACTOR, second, {"description": "Theirs, in conflict"})
    plan = prepare_sync(copy)
    try:
        (conflict,) = plan.merge.conflicts
        carry_out(plan, {})  # decided later
    finally:
        plan.close()
    rows = base_rows(copy)
    assert rows[("actors", first)] == (None, None)
    base, kept = rows[("actors", second)]
    assert kept is None and json.loads(base)["description"] == conflict.base
    assert [k for k, (_b, kept) in rows.items() if kept is not None] == []
    plan = prepare_sync(copy)
    try:
        assert [c.key for c in plan.merge.conflicts] == [conflict.key]
        carry_out(plan, {conflict.key: Side.THEIRS})
    finally:
        plan.close()
    assert set(base_rows(copy).values()) == {(None, None)}
    assert records.get_record(copy, Kind.ACTOR, second)["description"] == "Theirs, in conflict"
    # the sync set the triggers aside for its own writes only
    assert triggers(copy) == before
    records.update_record(copy, Kind.ACTOR, second, {"description": "Mine again"})
    base, kept = base_rows(copy)[("actors", second)]
    assert base is None and json.loads(kept)["description"] == "Theirs, in conflict"


def test_the_upgrade_keeps_the_bases_a_copy_held_and_adds_the_triggers(tmp_path):
    conn = sqlite3.connect(tmp_path / "v9.casefile", isolation_level=None)
    try:
        migrate(conn, target=9)
        conn.execute("INSERT INTO replica_base VALUES ('actors', 'a1', 'm', 't', '{\"name\": \"A\"}')")
        assert migrate(conn) == [10]
        assert conn.execute("SELECT * FROM replica_base").fetchall() == [
            ("actors", "a1", "m", "t", '{"name": "A"}', None)
        ]
        on = conn.execute("SELECT tbl_name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'replica_keep_%'")
        tables = {KINDS[k].table for k in JSON_ORDER} | {"case_info", "directive_party", "timeline_actor"}
        assert {table for (table,) in on} == tables
    finally:
        conn.close()


def test_a_copy_whose_bases_predate_the_triggers_still_syncs_from_them(pair):  # noqa: F811
    """A copy taken before version 10 holds every base as values: a change the copy makes then is
    not kept again (the base is there), and the sync reads the values."""
    master, copy = pair
    with copy.read() as conn:
        state = read_state(conn)
    with copy.write() as conn:
        conn.execute(
            sa.text("UPDATE replica_base SET base = :base WHERE part = :part AND id = :id"),
            [{"part": k[0], "id": k[1], "base": json.dumps(v, sort_keys=True)} for k, v in state.items()],
        )
        rid = conn.execute(sa.text("SELECT id FROM statement ORDER BY n LIMIT 1")).scalar_one()
    records.update_record(copy, Kind.STATEMENT, rid, {"venue": "A venue the copy named"})
    assert base_rows(copy)[("statements", rid)][1] is None
    with CaseFile.open(master) as cf:
        records.update_record(cf, Kind.STATEMENT, rid, {"notes": "A note the master added"})
    sync_cleanly(copy)
    with CaseFile.open(master, read_only=True) as cf:
        synced = records.get_record(cf, Kind.STATEMENT, rid)
    assert synced["venue"] == "A venue the copy named" and synced["notes"] == "A note the master added"
    assert base_rows(copy)[("statements", rid)] == (None, None)
