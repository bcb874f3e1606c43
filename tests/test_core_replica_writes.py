"""A sync writes its two halves side by side: the master's transaction and the copy's run at
the same time, the master's commits only once the copy's changes are written, and the copy's
only once the master's has committed. A half that cannot be written leaves both sides as they
were. The checks that neither side changed since the sync read it stand on each file's change
counter while nothing else was committed, and read the marks again when something was.

Nothing here waits on the scheduler: the tests meet at barriers, or edit at the points the
sync passes through."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

import db.sync_writes as sync_writes
from db import records
from db.errors import WriteError
from db.fields import Kind
from db.interchange import export_document
from db.replica import MasterChanged, ReplicaError, carry_out, prepare_sync, take_offline_copy
from db.sqlite.casefile import CaseFile


def master_document(path: Path) -> dict:
    with CaseFile.open(path, read_only=True) as master:
        return export_document(master, editions=False)


def journal_rows(cf: CaseFile) -> int:
    with cf.read() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM replica_sync")).scalar_one())


def synced(master_path: Path, cf: CaseFile, ids: list[str]) -> bool:
    with CaseFile.open(master_path, read_only=True) as master:
        there = records.get_record(master, Kind.STATEMENT, ids[0])["venue"] == "Changed in the copy"
    here = records.get_record(cf, Kind.STATEMENT, ids[1])["notes"] == "Changed in the master"
    assert there == here, "one side synced without the other"
    return here


def test_the_two_halves_are_written_at_the_same_time(edited_pair, monkeypatch):
    master_path, cf, ids = edited_pair
    real = sync_writes.write_differences
    both_writing = threading.Barrier(2, timeout=30)  # each half's writes wait here for the other's

    def meeting(*args, **kwargs):  # type: ignore[no-untyped-def]
        both_writing.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(sync_writes, "write_differences", meeting)
    plan = prepare_sync(cf)
    try:
        carry_out(plan, {})
    finally:
        plan.close()
    assert synced(master_path, cf, ids) and journal_rows(cf) == 0


def test_a_copy_that_cannot_be_written_leaves_the_master_as_it_was(edited_pair, monkeypatch):
    master_path, cf, ids = edited_pair
    before_master, before_copy = master_document(master_path), export_document(cf, editions=False)
    master_written = threading.Event()
    real_master = sync_writes.write_differences

    def master_first(*args, **kwargs):  # type: ignore[no-untyped-def]
        touched = real_master(*args, **kwargs)
        master_written.set()  # the master's changes are made, in its open transaction
        return touched

    def disk_full(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        assert master_written.wait(30)
        raise WriteError("The change could not be saved: the disk is full.")

    monkeypatch.setattr(sync_writes, "write_differences", master_first)
    monkeypatch.setattr(sync_writes, "_write_copy", disk_full)
    plan = prepare_sync(cf)
    try:
        with pytest.raises(WriteError, match="disk is full"):
            carry_out(plan, {})
    finally:
        plan.close()
    assert master_document(master_path) == before_master  # its transaction rolled back
    assert export_document(cf, editions=False) == before_copy and journal_rows(cf) == 0
    monkeypatch.undo()
    plan = prepare_sync(cf)  # and the next sync carries both
    try:
        carry_out(plan, {})
    finally:
        plan.close()
    assert synced(master_path, cf, ids)


def test_a_master_that_cannot_commit_leaves_the_copy_as_it_was(edited_pair, monkeypatch):
    master_path, cf, _ids = edited_pair
    before_master, before_copy = master_document(master_path), export_document(cf, editions=False)
    real = sync_writes._write_master

    def failing_commit(*args, before_commit, **kwargs):  # type: ignore[no-untyped-def]
        def then_fail(written: dict) -> None:
            before_commit(written)  # both halves are written now, neither committed
            raise WriteError("The change could not be saved: the master's folder went away.")

        return real(*args, before_commit=then_fail, **kwargs)

    monkeypatch.setattr(sync_writes, "_write_master", failing_commit)
    plan = prepare_sync(cf)
    try:
        with pytest.raises(WriteError, match="went away"):
            carry_out(plan, {})
    finally:
        plan.close()
    assert master_document(master_path) == before_master
    assert export_document(cf, editions=False) == before_copy and journal_rows(cf) == 0


@pytest.mark.parametrize("which", [0, 2], ids=["a record the sync writes", "a record it does not"])
def test_the_copy_edited_after_the_sync_read_it(edited_pair, which):
    master_path, cf, ids = edited_pair
    plan = prepare_sync(cf)
    try:
        records.update_record(cf, Kind.STATEMENT, ids[which], {"venue": "Edited meanwhile"})
        if which == 0:
            with pytest.raises(ReplicaError, match="changed while the sync was being prepared"):
                carry_out(plan, {})
        else:  # the counter moved, so the marks were read again: the sync's records are as read
            carry_out(plan, {})
    finally:
        plan.close()
    assert synced(master_path, cf, ids) is (which != 0)
    assert records.get_record(cf, Kind.STATEMENT, ids[which])["venue"] == "Edited meanwhile"
    assert journal_rows(cf) == 0


def checks_of_the_copy(monkeypatch) -> list[bool]:  # type: ignore[no-untyped-def]
    """Whether each copy's half found the copy as its journal left it (and so skipped reading its
    marks again), as the sync's copy's halves are written."""
    found: list[bool] = []
    real = sync_writes._write_copy

    def write_copy(*args, checked=False, **kwargs):  # type: ignore[no-untyped-def]
        found.append(checked)
        return real(*args, checked=checked, **kwargs)

    monkeypatch.setattr(sync_writes, "_write_copy", write_copy)
    return found


def test_a_copy_left_alone_since_its_journal_is_not_checked_again(edited_pair, monkeypatch):
    master_path, cf, ids = edited_pair
    found = checks_of_the_copy(monkeypatch)
    plan = prepare_sync(cf)
    try:
        carry_out(plan, {})
    finally:
        plan.close()
    assert found == [True] and synced(master_path, cf, ids)


@pytest.mark.parametrize("which", [0, 2], ids=["a record the sync writes", "a record it does not"])
def test_the_copy_edited_after_its_journal_was_written(edited_pair, monkeypatch, which):
    master_path, cf, ids = edited_pair
    before_master = master_document(master_path)
    found = checks_of_the_copy(monkeypatch)
    real = sync_writes._write_journal

    def then_edit(plan, *args, **kwargs):  # type: ignore[no-untyped-def]
        counter = real(plan, *args, **kwargs)
        # committed after the sync's journal, before the copy's half writes the master's changes
        records.update_record(plan.replica, Kind.STATEMENT, ids[which], {"venue": "Edited meanwhile"})
        return counter

    monkeypatch.setattr(sync_writes, "_write_journal", then_edit)
    plan = prepare_sync(cf)
    try:
        if which == 0:
            with pytest.raises(ReplicaError, match="edited since"):
                carry_out(plan, {})
        else:
            carry_out(plan, {})
    finally:
        plan.close()
    assert found == [False]  # the counter moved: the marks were read again
    if which == 0:  # the copy's half refused before the master's could commit
        assert master_document(master_path) == before_master
    assert synced(master_path, cf, ids) is (which != 0)
    assert records.get_record(cf, Kind.STATEMENT, ids[which])["venue"] == "Edited meanwhile"
    assert journal_rows(cf) == 0


def test_the_master_edited_after_the_sync_read_it_elsewhere_than_its_records(edited_pair):
    master_path, cf, ids = edited_pair
    plan = prepare_sync(cf)
    try:
        # through the plan's own store: the plan holds the master open for writing
        records.update_record(plan.master, Kind.STATEMENT, ids[2], {"notes": "Edited meanwhile"})
        carry_out(plan, {})  # the counter moved, so the marks were read again: they hold
    finally:
        plan.close()
    assert synced(master_path, cf, ids)
    plan = prepare_sync(cf)  # the edit made meanwhile comes across at the next sync
    try:
        carry_out(plan, {})
    finally:
        plan.close()
    assert records.get_record(cf, Kind.STATEMENT, ids[2])["notes"] == "Edited meanwhile"


def test_a_master_edited_in_a_record_the_sync_writes_is_still_refused(edited_pair):
    master_path, cf, ids = edited_pair
    plan = prepare_sync(cf)
    try:
        records.update_record(plan.master, Kind.STATEMENT, ids[0], {"notes": "Edited meanwhile"})
        with pytest.raises(MasterChanged):
            carry_out(plan, {})
    finally:
        plan.close()
    assert not synced(master_path, cf, ids) and journal_rows(cf) == 0


def test_the_base_a_sync_leaves_names_each_records_marks_as_both_sides_hold_them(sample_path, tmp_path):
    """The sync works out the marks its own writes leave (each record it writes takes its stamp)
    rather than reading them again: for every kind of write (values, lists, dates, references, the
    case's own fields, new and deleted records, on each side), the base must name the marks the
    files hold, or the next sync would take those records for changed."""
    from db.merge_store import read_marks

    copy = CaseFile.open(take_offline_copy(sample_path, tmp_path / "copy.casefile"))
    try:
        with copy.read() as conn:
            s = list(conn.execute(sa.text("SELECT id FROM statement ORDER BY n LIMIT 4")).scalars())
            t = list(conn.execute(sa.text("SELECT id FROM timeline_entry ORDER BY n LIMIT 3")).scalars())
            a = list(conn.execute(sa.text("SELECT id FROM actor ORDER BY n LIMIT 2")).scalars())
        made_here = records.add_record(copy, Kind.ACTOR, {"name": "Made in the copy"})
        records.update_record(copy, Kind.STATEMENT, s[0], {"venue": "Copy venue", "tags": ["copy"]})
        records.update_record(copy, Kind.STATEMENT, s[1], {"speaker": made_here})
        records.update_record(copy, Kind.TIMELINE, t[0], {"date": "2024-03-05"})
        records.delete_record(copy, Kind.TIMELINE, t[1], remove_references=True)
        records.update_case(copy, {"summary": "Summary from the copy"})
        with CaseFile.open(sample_path) as master:
            made_there = records.add_record(master, Kind.ACTOR, {"name": "Made in the master"})
            records.update_record(master, Kind.STATEMENT, s[2], {"notes": "Master notes", "speaker": made_there})
            records.update_record(master, Kind.TIMELINE, t[2], {"date": "2023-11", "title": "Master title"})
            records.update_record(master, Kind.ACTOR, a[0], {"tags": ["master"]})
            records.delete_record(master, Kind.STATEMENT, s[3], remove_references=True)
        plan = prepare_sync(copy)
        try:
            done = carry_out(plan, {})
        finally:
            plan.close()
        assert done.to_master >= 5 and done.to_copy >= 4
        with copy.read() as conn:
            mine = read_marks(conn)
            base = {
                (part, rid): (m, th)
                for part, rid, m, th in conn.execute(
                    sa.text("SELECT part, id, mine, theirs FROM replica_base WHERE base IS NULL AND kept IS NULL")
                )
            }
        with CaseFile.open(sample_path, read_only=True) as master, master.read() as conn:
            theirs = read_marks(conn)
        assert set(base) == set(mine) == set(theirs)  # every record, settled, on both sides
        wrong = {k: (base[k], (mine[k], theirs[k])) for k in base if base[k] != (mine[k], theirs[k])}
        assert wrong == {}
    finally:
        copy.close()
