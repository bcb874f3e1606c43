"""What a sync spends its time on: backups made side by side and verified, a merge handed only
what it asks about, and a journal that holds no copy of the copy's records."""

from __future__ import annotations

import gc
import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

import db.replica as replica
import db.sqlite.backups as backups
import db.sqlite.casefile as casefile
import db.sync_writes as sync_writes
from db import records
from db.errors import RefusedFileError
from db.fields import Kind
from db.replica import ReplicaError, carry_out, finish_interrupted, prepare_sync
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import check_file


def test_the_two_backups_of_a_sync_are_made_at_the_same_time(edited_pair, monkeypatch):
    master_path, cf, ids = edited_pair
    real = backups.backup_if_changed
    both_started = threading.Barrier(2, timeout=30)  # each backup waits here for the other one

    def meeting(*args, **kwargs):  # type: ignore[no-untyped-def]
        both_started.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(backups, "backup_if_changed", meeting)
    plan = prepare_sync(cf)
    try:
        done = carry_out(plan, {})
    finally:
        plan.close()
    assert len(done.backups) == 2 and all(p.exists() for p in done.backups)
    for path in done.backups:  # each a whole, checked case file
        assert check_file(path).version >= 9
    assert records.get_record(cf, Kind.STATEMENT, ids[1])["notes"] == "Changed in the master"
    with CaseFile.open(master_path, read_only=True) as master:
        assert records.get_record(master, Kind.STATEMENT, ids[0])["venue"] == "Changed in the copy"


def test_a_backup_that_fails_its_check_stops_the_sync_before_anything_is_written(edited_pair, monkeypatch):
    master_path, cf, ids = edited_pair

    def refuse(path: Path) -> None:
        raise RefusedFileError(f"{path.name} is damaged: test.")

    monkeypatch.setattr("db.sqlite.filecheck.check_copy", refuse)
    plan = prepare_sync(cf)
    try:
        with pytest.raises(Exception, match="did not verify"):
            carry_out(plan, {})
    finally:
        plan.close()
    assert records.get_record(cf, Kind.STATEMENT, ids[1])["notes"] != "Changed in the master"
    with CaseFile.open(master_path, read_only=True) as master:
        assert records.get_record(master, Kind.STATEMENT, ids[0])["venue"] != "Changed in the copy"
    with cf.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM replica_sync")).scalar() == 0


def test_check_copy_passes_a_whole_copy_and_refuses_an_altered_or_damaged_one(sample_path, tmp_path):
    from db.sqlite.filecheck import check_copy

    good = tmp_path / "good.casefile"
    shutil.copyfile(sample_path, good)
    assert check_copy(good).path == good.resolve()

    altered = tmp_path / "altered.casefile"
    shutil.copyfile(sample_path, altered)
    conn = sqlite3.connect(altered)
    conn.execute("CREATE TRIGGER planted AFTER UPDATE ON actor BEGIN SELECT 1; END")
    conn.commit()
    conn.close()
    with pytest.raises(RefusedFileError, match="planted"):
        check_copy(altered)

    damaged = tmp_path / "damaged.casefile"
    shutil.copyfile(sample_path, damaged)
    data = bytearray(damaged.read_bytes())
    page = 4096
    for n in range(2, len(data) // page):  # scribble over every b-tree page after the schema's
        data[n * page + 8 : n * page + 64] = b"\xff" * 56
    damaged.write_bytes(bytes(data))
    with pytest.raises(RefusedFileError, match="damaged"):
        check_copy(damaged)


MASTER_ONLY = "6f1d2c3b-0000-4000-8000-000000000001"


def test_the_merge_is_told_which_records_it_did_not_read_are_held_on_both_sides(edited_pair, monkeypatch):
    master_path, cf, _ids = edited_pair
    handed: dict[str, object] = {}
    real = replica.merge

    def spy(base, ours, theirs, *, elsewhere=()):  # type: ignore[no-untyped-def]
        handed.update(states=(base, ours, theirs), elsewhere=elsewhere)
        return real(base, ours, theirs, elsewhere=elsewhere)

    monkeypatch.setattr(replica, "merge", spy)
    with CaseFile.open(master_path) as master, master.write() as conn:  # an actor only the master holds
        records.insert_record(conn, Kind.ACTOR, {"name": "Master only"}, record_id=MASTER_ONLY)
    plan = prepare_sync(cf)
    plan.close()
    states, elsewhere = handed["states"], handed["elsewhere"]
    read = {k for state in states for k in state}  # type: ignore[attr-defined]
    with cf.read() as conn:
        every = {("actors", r) for (r,) in conn.execute(sa.text("SELECT id FROM actor"))}
        every |= {("statements", r) for (r,) in conn.execute(sa.text("SELECT id FROM statement"))}
    assert every - read  # the sync left records out
    assert all(key in elsewhere for key in every - read)  # type: ignore[operator]
    assert not any(key in elsewhere for key in read)  # type: ignore[operator]
    assert ("actors", MASTER_ONLY) not in elsewhere  # type: ignore[operator]
    assert ("actors", "nowhere") not in elsewhere  # type: ignore[operator]
    assert "not a key" not in elsewhere  # type: ignore[operator]


def _cut_short_after_the_master(cf: CaseFile, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A sync whose process stops once the master's transaction has committed, before the copy's
    half is written."""

    class Stopped(Exception):
        pass

    def master_only(plan, token, journal_of, to_master, _ours, stamp):  # type: ignore[no-untyped-def]
        sync_writes._write_journal(plan, token, journal_of())
        sync_writes._write_master(plan, to_master, plan.merge.theirs, stamp, before_commit=lambda _written: None)
        raise Stopped

    with monkeypatch.context() as m:
        m.setattr(replica, "write_both", master_only)
        plan = prepare_sync(cf)
        try:
            with pytest.raises(Stopped):
                carry_out(plan, {})
        finally:
            plan.close()


def test_the_journal_holds_no_copy_of_the_copys_records(edited_pair, monkeypatch):
    _master_path, cf, ids = edited_pair
    _cut_short_after_the_master(cf, monkeypatch)
    with cf.read() as conn:
        journal = json.loads(conn.execute(sa.text("SELECT plan FROM replica_sync")).scalar_one())
    assert "copy_current" not in journal
    assert journal["base"] == []  # every record settled: its base is the copy's value once written
    assert len(journal["to_copy"]) == 1
    # finished from the journal, the copy reads its own records again
    with CaseFile.open(_master_path) as master:
        assert finish_interrupted(cf, master)
    assert records.get_record(cf, Kind.STATEMENT, ids[1])["notes"] == "Changed in the master"
    assert records.get_record(cf, Kind.STATEMENT, ids[0])["venue"] == "Changed in the copy"
    plan = prepare_sync(cf)
    try:
        assert plan.merge.changes == [] and plan.merge.conflicts == []
    finally:
        plan.close()


def test_a_sync_cut_short_is_not_finished_over_edits_made_to_the_copy_since(edited_pair, monkeypatch):
    master_path, cf, ids = edited_pair
    _cut_short_after_the_master(cf, monkeypatch)
    records.update_record(cf, Kind.STATEMENT, ids[0], {"venue": "Edited after the crash"})
    with CaseFile.open(master_path) as master, pytest.raises(ReplicaError, match="edited since"):
        finish_interrupted(cf, master)
    assert records.get_record(cf, Kind.STATEMENT, ids[0])["venue"] == "Edited after the crash"
    with cf.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM replica_sync")).scalar() == 1


def test_backups_begin_while_the_sync_reads_and_a_side_changed_since_is_backed_up_again(edited_pair):
    _master_path, cf, ids = edited_pair
    plan = prepare_sync(cf)
    try:
        early = {f.result() for f in plan.backups._early.values()}  # begun by prepare_sync
        assert len(early) == 2 and all(p is not None and p.exists() for p in early)
        # the copy edited after the backups were made, in a record the sync does not touch
        other = ids_of(cf, "actor")[0]
        records.update_record(cf, Kind.ACTOR, other, {"role": "Edited during the review"})
        done = carry_out(plan, {})
    finally:
        plan.close()
    assert len(done.backups) == 2
    copy_backup = next(p for p in done.backups if p not in early)  # the copy's, made again
    with CaseFile.open(copy_backup, read_only=True) as backup:
        assert records.get_record(backup, Kind.ACTOR, other)["role"] == "Edited during the review"
        assert records.get_record(backup, Kind.STATEMENT, ids[1])["notes"] != "Changed in the master"
    master_backup = next(p for p in done.backups if p in early)  # the master's, unchanged since
    with CaseFile.open(master_backup, read_only=True) as backup:
        assert records.get_record(backup, Kind.STATEMENT, ids[0])["venue"] != "Changed in the copy"


def test_a_sync_dropped_before_writing_stops_its_backups_and_leaves_no_half_copy(edited_pair, monkeypatch):
    _master_path, cf, _ids = edited_pair
    stopping = threading.Event()
    real = casefile.copy_file_bytes

    def slow_copy(source, target, **kwargs):  # type: ignore[no-untyped-def]
        stopping.wait(30)  # until the plan is dropped: then the copy sees the stop at once
        return real(source, target, **kwargs)

    monkeypatch.setattr(casefile, "copy_file_bytes", slow_copy)
    plan = prepare_sync(cf)
    real_close = plan.backups.close

    def close() -> None:
        stopping.set()
        real_close()

    plan.backups.close = close  # type: ignore[method-assign]
    plan.close()
    assert all(f.done() for f in plan.backups._early.values())
    # both stopped: nothing half-written left behind, only each folder's note of whose it is
    assert {p.name for p in backups.backups_dir().rglob("*") if p.is_file()} <= {"source.txt"}


def test_the_master_is_opened_beside_the_reading_of_the_copy(edited_pair, monkeypatch):
    master_path, cf, ids = edited_pair
    reading_copy = threading.Event()
    real_open, real_marks = replica.open_master, replica.read_marks
    threads: dict[str, str] = {}

    def open_master(address, **kwargs):  # type: ignore[no-untyped-def]
        threads["master"] = threading.current_thread().name
        assert reading_copy.wait(30)  # the copy's marks are being read meanwhile
        return real_open(address, **kwargs)

    def read_marks(conn):  # type: ignore[no-untyped-def]
        if threading.current_thread() is threading.main_thread():
            reading_copy.set()
        return real_marks(conn)

    monkeypatch.setattr(replica, "open_master", open_master)
    monkeypatch.setattr(replica, "read_marks", read_marks)
    plan = prepare_sync(cf, str(master_path))
    try:
        assert threads["master"] != threading.main_thread().name
        assert {c.record_key for c in plan.merge.changes} >= {("statements", ids[0]), ("statements", ids[1])}
    finally:
        plan.close()


def test_a_master_that_cannot_be_opened_leaves_nothing_open_or_running(edited_pair, tmp_path):
    _master_path, cf, _ids = edited_pair
    with pytest.raises(ReplicaError, match="not there"):
        prepare_sync(cf, str(tmp_path / "gone.casefile"))
    assert [t for t in threading.enumerate() if t.name.startswith(("sync-master", "sync-backup"))] == []


def test_a_syncs_writes_leave_the_search_index_whole_and_its_settings_as_they_were(edited_pair):
    master_path, cf, _ids = edited_pair
    entries = ids_of(cf, "timeline_entry", 200)
    with CaseFile.open(master_path) as master:
        for n, rid in enumerate(entries):
            records.update_record(master, Kind.TIMELINE, rid, {"title": f"Qzxwords {n} from the master"})
    plan = prepare_sync(cf)
    try:
        carry_out(plan, {})
    finally:
        plan.close()
    with cf.read() as conn:
        hits = conn.execute(sa.text("SELECT count(*) FROM timeline_fts WHERE timeline_fts MATCH 'qzxwords'")).scalar()
    assert hits == len(entries)
    for path in (cf.path, master_path):
        raw = sqlite3.connect(path)
        try:
            for table in ("timeline_fts", "statement_fts"):
                raw.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
                assert raw.execute(f"SELECT k FROM {table}_config").fetchall() == [("version",)]
        finally:
            raw.close()
    check_file(master_path)


def ids_of(cf: CaseFile, table: str, n: int = 3) -> list[str]:
    with cf.read() as conn:
        return list(conn.execute(sa.text(f"SELECT id FROM {table} ORDER BY n LIMIT {n}")).scalars())


def test_the_garbage_collector_waits_while_a_sync_reads_merges_and_writes(edited_pair, monkeypatch):
    _master_path, cf, ids = edited_pair
    real = replica.read_state
    seen: list[bool] = []

    def read_state(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(replica, "read_state", read_state)
    real_write = sync_writes.write_differences

    def write_differences(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real_write(*args, **kwargs)

    monkeypatch.setattr(sync_writes, "write_differences", write_differences)
    assert gc.isenabled()
    plan = prepare_sync(cf)
    assert gc.isenabled()  # on again between reading and writing (the review is shown then)
    try:
        carry_out(plan, {})
    finally:
        plan.close()
    assert gc.isenabled()
    assert len(seen) >= 4 and not any(seen)  # both sides read and both written with it paused
    assert records.get_record(cf, Kind.STATEMENT, ids[1])["notes"] == "Changed in the master"


@pytest.mark.timeout(60)  # a side left waiting for the other would hang here
@pytest.mark.parametrize("side", ["copy", "master"])
def test_an_error_reading_either_side_stops_the_sync_and_lets_go_of_the_master(edited_pair, monkeypatch, side):
    master_path, cf, _ids = edited_pair

    class Unreadable(Exception):
        pass

    if side == "copy":  # before the copy hands its changes to the master's thread

        def unreadable(*_args, **_kwargs):  # type: ignore[no-untyped-def]
            raise Unreadable

        monkeypatch.setattr(replica, "_read_base_marks", unreadable)
    else:  # the master's thread, once it has told which records changed there
        real = replica.read_state

        def read_state(*args, **kwargs):  # type: ignore[no-untyped-def]
            if threading.current_thread().name.startswith("sync-master"):
                raise Unreadable
            return real(*args, **kwargs)

        monkeypatch.setattr(replica, "read_state", read_state)
    with pytest.raises(Unreadable):
        prepare_sync(cf)
    with CaseFile.open(master_path):  # not left open for writing by the failed sync
        pass
