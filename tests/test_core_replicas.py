"""Offline copies of a case file master: taking one, syncing both ways, conflicts, privacy, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import records
from db.fields import Kind
from db.interchange import export_document
from db.merge import Edited, Reason, Side
from db.replica import (
    MasterChanged,
    ReplicaError,
    carry_out,
    master_of,
    postponed,
    prepare_sync,
    replica_info,
    take_offline_copy,
)
from db.sqlite.backups import all_backups
from db.sqlite.casefile import CaseFile
from tests.core_fixtures import run_cli


@pytest.fixture
def pair(sample_path: Path, tmp_path: Path):
    """(master path, offline copy open for editing)."""
    copy = take_offline_copy(sample_path, tmp_path / "copy.casefile")
    cf = CaseFile.open(copy)
    yield sample_path, cf
    cf.close()


def ids(cf: CaseFile, table: str, n: int = 3) -> list[str]:
    with cf.read() as conn:
        return list(conn.execute(sa.text(f"SELECT id FROM {table} ORDER BY n LIMIT {n}")).scalars())


def edit_master(path: Path, kind: Kind, rid: str, changes: dict) -> None:
    with CaseFile.open(path) as master:
        records.update_record(master, kind, rid, changes)


def get(path_or_cf: Path | CaseFile, kind: Kind, rid: str) -> dict:
    if isinstance(path_or_cf, CaseFile):
        return records.get_record(path_or_cf, kind, rid)
    with CaseFile.open(path_or_cf, read_only=True) as cf:
        return records.get_record(cf, kind, rid)


def sync(copy: CaseFile, decisions=None, *, prefer: Side | None = None):
    plan = prepare_sync(copy)
    try:
        if prefer is not None:
            decisions = {c.key: prefer for c in plan.merge.conflicts}
        return plan, carry_out(plan, decisions or {})
    finally:
        plan.close()


def no_changes_left(copy: CaseFile) -> None:
    plan = prepare_sync(copy)
    try:
        assert plan.merge.changes == [] and plan.merge.conflicts == []
    finally:
        plan.close()


# ----- taking a copy ------------------------------------------------------------------------


def test_an_offline_copy_is_an_ordinary_case_file_that_remembers_its_master(sample_path, tmp_path):
    copy = take_offline_copy(sample_path, tmp_path / "copy.casefile")
    with CaseFile.open(copy) as cf, CaseFile.open(sample_path, read_only=True) as master:
        assert master_of(cf) == str(sample_path.resolve())
        info = replica_info(cf)
        assert info is not None and info.synced_at is None
        assert export_document(cf) == export_document(master)
        assert master_of(master) is None and postponed(master) == []
    no_changes_left(CaseFile.open(copy))


def test_taking_a_copy_refuses_an_existing_file_and_a_missing_master(sample_path, tmp_path):
    target = tmp_path / "copy.casefile"
    target.write_bytes(b"keep me")
    with pytest.raises(ReplicaError, match="already exists"):
        take_offline_copy(sample_path, target)
    assert target.read_bytes() == b"keep me"
    with pytest.raises(ReplicaError, match="not there"):
        take_offline_copy(tmp_path / "gone.casefile", tmp_path / "other.casefile")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.casefile", "sample.casefile"]


def test_a_copy_of_an_offline_copy_has_that_copy_as_its_master(pair, tmp_path):
    _master, copy = pair
    s = ids(copy, "statement")[0]
    copy.close()
    second = take_offline_copy(copy.path, tmp_path / "second.casefile")
    with CaseFile.open(second) as cf:
        assert master_of(cf) == str(copy.path)
        records.update_record(cf, Kind.STATEMENT, s, {"venue": "From the second copy"})
        sync(cf)
    assert get(copy.path, Kind.STATEMENT, s)["venue"] == "From the second copy"
    with CaseFile.open(copy.path) as first:
        assert master_of(first) == str(_master.resolve())
        sync(first)
    assert get(_master, Kind.STATEMENT, s)["venue"] == "From the second copy"


def test_syncing_an_ordinary_case_file_is_refused(sample_cf):
    with pytest.raises(ReplicaError, match="not an offline copy"):
        prepare_sync(sample_cf)


# ----- syncing ------------------------------------------------------------------------------


def test_changes_on_each_side_reach_the_other(pair):
    master, copy = pair
    s = ids(copy, "statement")
    a = ids(copy, "actor")
    records.update_record(copy, Kind.STATEMENT, s[0], {"venue": "Mine venue", "tags": ["mine"]})
    edit_master(master, Kind.STATEMENT, s[0], {"notes": "Theirs notes"})
    edit_master(master, Kind.ACTOR, a[0], {"role": "Theirs role"})
    new_actor = records.add_record(copy, Kind.ACTOR, {"name": "Made offline"})
    records.add_record(copy, Kind.STATEMENT, {"text": "Said offline", "speaker": new_actor})
    records.update_case(copy, {"summary": "Summary written offline"})

    plan, done = sync(copy)
    assert not plan.merge.conflicts and done.postponed == []
    assert done.to_master == 4 and done.to_copy == 2
    for side in (master, copy):
        assert get(side, Kind.STATEMENT, s[0])["venue"] == "Mine venue"
        assert get(side, Kind.STATEMENT, s[0])["tags"] == ["mine"]
        assert get(side, Kind.STATEMENT, s[0])["notes"] == "Theirs notes"
        assert get(side, Kind.ACTOR, a[0])["role"] == "Theirs role"
        assert get(side, Kind.ACTOR, new_actor)["name"] == "Made offline"
    with CaseFile.open(master, read_only=True) as m:
        doc_m = export_document(m, editions=False)
    assert doc_m == export_document(copy, editions=False)
    assert doc_m["case"]["summary"] == "Summary written offline"
    no_changes_left(copy)


def test_the_same_change_on_both_sides_is_no_conflict(pair):
    master, copy = pair
    s = ids(copy, "statement")[0]
    records.update_record(copy, Kind.STATEMENT, s, {"venue": "Same"})
    edit_master(master, Kind.STATEMENT, s, {"venue": "Same"})
    plan, done = sync(copy)
    assert plan.merge.conflicts == [] and done.to_master == 0 and done.to_copy == 0


def test_a_conflict_left_for_later_stays_listed_and_each_side_keeps_its_own(pair):
    master, copy = pair
    s = ids(copy, "statement")[0]
    base_text = get(copy, Kind.STATEMENT, s)["text"]
    records.update_record(copy, Kind.STATEMENT, s, {"text": "The words as I heard them"})
    edit_master(master, Kind.STATEMENT, s, {"text": "The words as the office heard them"})
    plan, done = sync(copy)
    [conflict] = plan.merge.conflicts
    assert (conflict.field, conflict.reason) == ("text", Reason.BOTH_CHANGED)
    assert (conflict.base, conflict.ours, conflict.theirs) == (
        base_text, "The words as I heard them", "The words as the office heard them",
    )  # fmt: skip
    assert [c.key for c in done.postponed] == [conflict.key]
    assert [c.key for c in postponed(copy)] == [conflict.key]
    assert get(copy, Kind.STATEMENT, s)["text"] == "The words as I heard them"
    assert get(master, Kind.STATEMENT, s)["text"] == "The words as the office heard them"

    plan, done = sync(copy, prefer=Side.THEIRS)  # found again, then decided
    assert [c.key for c in plan.merge.conflicts] == [conflict.key]
    assert plan.merge.conflicts[0].base == base_text
    assert postponed(copy) == [] and done.postponed == []
    assert get(copy, Kind.STATEMENT, s)["text"] == "The words as the office heard them"
    no_changes_left(copy)


def test_an_edited_decision_is_written_to_both_sides(pair):
    master, copy = pair
    s = ids(copy, "statement")[0]
    records.update_record(copy, Kind.STATEMENT, s, {"text": "Mine"})
    edit_master(master, Kind.STATEMENT, s, {"text": "Theirs"})
    plan = prepare_sync(copy)
    try:
        carry_out(plan, {plan.merge.conflicts[0].key: Edited("Agreed words")})
    finally:
        plan.close()
    assert get(copy, Kind.STATEMENT, s)["text"] == get(master, Kind.STATEMENT, s)["text"] == "Agreed words"


def test_deleted_on_one_side_and_changed_on_the_other_is_a_conflict(pair):
    master, copy = pair
    s = ids(copy, "statement")[0]
    records.update_record(copy, Kind.STATEMENT, s, {"venue": "Still needed"})
    with CaseFile.open(master) as m:
        records.delete_record(m, Kind.STATEMENT, s, remove_references=True)
    plan, _done = sync(copy, prefer=Side.OURS)
    [conflict] = plan.merge.conflicts
    assert conflict.field is None and conflict.reason is Reason.DELETED_BY_THEIRS
    assert get(master, Kind.STATEMENT, s)["venue"] == "Still needed"
    no_changes_left(copy)


def refer_to_an_actor_the_master_deleted(master: Path, copy: CaseFile, name: str) -> tuple[str, str]:
    """An actor added in the copy and synced, then deleted in the master while the copy makes it
    a statement's speaker: (the statement's id, the actor's id)."""
    s = ids(copy, "statement")[0]
    orphan = records.add_record(copy, Kind.ACTOR, {"name": name})
    sync(copy)
    with CaseFile.open(master) as m:
        records.delete_record(m, Kind.ACTOR, orphan)
    records.update_record(copy, Kind.STATEMENT, s, {"speaker": orphan})
    return s, orphan


def test_a_record_deleted_in_the_master_that_the_copy_now_refers_to_is_a_conflict(pair):
    master, copy = pair
    speaker = get(copy, Kind.STATEMENT, ids(copy, "statement")[0])["speaker"]
    s, orphan = refer_to_an_actor_the_master_deleted(master, copy, "Nobody refers to me")
    plan, _done = sync(copy, prefer=Side.THEIRS)  # keep the deletion
    [conflict] = plan.merge.conflicts
    assert conflict.reason is Reason.REFERRED_BY_OURS and conflict.id == orphan
    for side in (master, copy):  # the speaker the master still had, on both sides
        assert speaker is not None and get(side, Kind.STATEMENT, s)["speaker"] == speaker
        with pytest.raises(records.RecordError):
            get(side, Kind.ACTOR, orphan)
    no_changes_left(copy)


def test_keeping_a_record_the_master_deleted_brings_it_back_there(pair):
    master, copy = pair
    s, orphan = refer_to_an_actor_the_master_deleted(master, copy, "Keep me")
    sync(copy, prefer=Side.OURS)
    for side in (master, copy):
        assert get(side, Kind.STATEMENT, s)["speaker"] == orphan
        assert get(side, Kind.ACTOR, orphan)["name"] == "Keep me"


def test_a_master_changed_while_the_sync_was_prepared_refuses_it_and_nothing_is_written(pair):
    master, copy = pair
    s = ids(copy, "statement")[0]
    records.update_record(copy, Kind.STATEMENT, s, {"venue": "Mine"})
    before_copy = export_document(copy)
    plan = prepare_sync(copy)
    try:
        with CaseFile.open(master, read_only=True) as m:
            before_master = export_document(m)
        # another program edits the master between reading and writing: the plan holds the
        # master open, so the edit goes through the plan's own store
        records.update_record(plan.master, Kind.STATEMENT, s, {"notes": "Meanwhile"})
        with pytest.raises(MasterChanged, match="Sync again"):
            carry_out(plan, {})
    finally:
        plan.close()
    assert export_document(copy) == before_copy
    with CaseFile.open(master, read_only=True) as m:
        after = export_document(m)
    assert after != before_master and get(master, Kind.STATEMENT, s)["venue"] != "Mine"
    with copy.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM replica_sync")).scalar() == 0
    plan, _ = sync(copy)  # the next sync carries both
    assert get(master, Kind.STATEMENT, s)["venue"] == "Mine" and get(copy, Kind.STATEMENT, s)["notes"] == "Meanwhile"


def test_a_copy_of_another_case_at_the_masters_path_is_refused(pair, tmp_path):
    master, copy = pair
    from db.sample import create_sample

    master.unlink()
    create_sample(master)  # a new case, with a new id, where the master was
    with pytest.raises(ReplicaError, match="different case"):
        prepare_sync(copy)


def test_a_sync_backs_up_both_sides_first(pair):
    master, copy = pair
    s = ids(copy, "statement")[0]
    records.update_record(copy, Kind.STATEMENT, s, {"venue": "Mine"})
    edit_master(master, Kind.ACTOR, ids(copy, "actor")[0], {"role": "Theirs"})
    _plan, done = sync(copy)
    assert len(done.backups) == 2 and all(p.exists() for p in done.backups)
    backed = {b.path for b in all_backups()}
    assert set(done.backups) <= backed
    # each backup is the side as it was before the sync
    texts = sorted(json.dumps(export_document(CaseFile.open(p, read_only=True))) for p in done.backups)
    assert not any('"Mine"' in t and '"Theirs"' in t for t in texts)


def test_superseded_text_does_not_linger_in_the_copy_after_a_sync(pair):
    master, copy = pair
    s = ids(copy, "statement")[0]
    records.update_record(copy, Kind.STATEMENT, s, {"notes": "Draft: the minister is wrong about Qx7zz"})
    sync(copy)
    records.update_record(copy, Kind.STATEMENT, s, {"notes": "Final wording"})
    sync(copy)
    path = copy.path
    copy.close()
    assert b"Qx7zz" not in path.read_bytes()
    with CaseFile.open(master, read_only=True) as m:
        assert get(m, Kind.STATEMENT, s)["notes"] == "Final wording"
    assert b"Qx7zz" not in master.read_bytes()


# ----- the command line ---------------------------------------------------------------------


def test_the_command_line_takes_a_copy_and_syncs_it_listing_conflicts(sample_path, tmp_path, casefile_home):
    out = run_cli(["offline-copy", str(sample_path), "copy.casefile"], cwd=tmp_path, home=casefile_home)
    assert out.returncode == 0, out.stderr
    assert b"Took an offline copy" in out.stdout
    copy = tmp_path / "copy.casefile"
    with CaseFile.open(copy) as cf:
        s = ids(cf, "statement")[0]
        records.update_record(cf, Kind.STATEMENT, s, {"venue": "Mine"})
    edit_master(sample_path, Kind.STATEMENT, s, {"venue": "Theirs"})

    out = run_cli(["sync", "copy.casefile"], cwd=tmp_path, home=casefile_home)
    text = out.stdout.decode()
    assert out.returncode == 3, out.stderr
    assert "1 conflict left to decide" in text
    assert 'base:   "' in text and 'mine:   "Mine"' in text and 'theirs: "Theirs"' in text
    assert get(copy, Kind.STATEMENT, s)["venue"] == "Mine"

    out = run_cli(["sync", "copy.casefile", "--prefer", "theirs"], cwd=tmp_path, home=casefile_home)
    assert out.returncode == 0, out.stderr
    assert "1 conflict settled as theirs" in out.stdout.decode()
    assert get(copy, Kind.STATEMENT, s)["venue"] == "Theirs"

    out = run_cli(["sync", str(sample_path)], cwd=tmp_path, home=casefile_home)
    assert out.returncode == 1 and b"not an offline copy" in out.stderr and b"Traceback" not in out.stderr


def test_the_command_line_names_the_records_a_conflicting_reference_points_to(pair, tmp_path, casefile_home):
    master, copy = pair
    s = ids(copy, "statement")[0]
    mine = records.add_record(copy, Kind.ACTOR, {"name": "Speaker Heard Offline"})
    theirs = records.add_record(copy, Kind.ACTOR, {"name": "Speaker Named By The Office"})
    sync(copy)
    records.update_record(copy, Kind.STATEMENT, s, {"speaker": mine})
    edit_master(master, Kind.STATEMENT, s, {"speaker": theirs})
    copy.close()
    out = run_cli(["sync", str(copy.path)], cwd=tmp_path, home=casefile_home)
    text = out.stdout.decode()
    assert out.returncode == 3, out.stderr
    assert "mine:   Speaker Heard Offline" in text and "theirs: Speaker Named By The Office" in text
    assert "changed differently on both sides" in text
    assert mine not in text and theirs not in text


@pytest.mark.parametrize("side", ["copy", "master"])
def test_records_deleted_together_that_refer_to_each_other_reach_the_other_side(pair, side):
    """Two actors affiliated with each other, deleted on one side as a user does (the first with
    its references cleared, then the second): the sync deletes both on the other side in one
    transaction, where each still names the other (references are checked at commit)."""
    master_path, copy = pair
    first = records.add_record(copy, Kind.ACTOR, {"name": "First"})
    second = records.add_record(copy, Kind.ACTOR, {"name": "Second", "affiliation": first})
    records.update_record(copy, Kind.ACTOR, first, {"affiliation": second})
    sync(copy)
    assert get(master_path, Kind.ACTOR, first)["affiliation"] == second
    edited = copy if side == "copy" else CaseFile.open(master_path)
    try:
        for rid in sorted((first, second)):
            records.delete_record(edited, Kind.ACTOR, rid, remove_references=True)
    finally:
        if edited is not copy:
            edited.close()
    sync(copy)
    for store in (copy, master_path):
        for rid in (first, second):
            with pytest.raises(records.RecordError):
                get(store, Kind.ACTOR, rid)
    no_changes_left(copy)
