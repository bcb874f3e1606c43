"""What a sync spends its time on: backups made side by side and verified, a merge handed only
what it asks about, and a journal that holds no copy of the copy's records."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

import db.replica as replica
import db.sqlite.backups as backups
from db import records
from db.errors import RefusedFileError
from db.fields import Kind
from db.merge import references
from db.replica import ReplicaError, carry_out, finish_interrupted, prepare_sync, take_offline_copy
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import check_file


@pytest.fixture
def pair(sample_path: Path, tmp_path: Path):
    """(master path, offline copy open for editing), each with one statement changed."""
    copy = take_offline_copy(sample_path, tmp_path / "copy.casefile")
    cf = CaseFile.open(copy)
    with cf.read() as conn:
        ids = list(conn.execute(sa.text("SELECT id FROM statement ORDER BY n LIMIT 2")).scalars())
    records.update_record(cf, Kind.STATEMENT, ids[0], {"venue": "Changed in the copy"})
    with CaseFile.open(sample_path) as master:
        records.update_record(master, Kind.STATEMENT, ids[1], {"notes": "Changed in the master"})
    yield sample_path, cf, ids
    cf.close()


def test_the_two_backups_of_a_sync_are_made_at_the_same_time(pair, monkeypatch):
    master_path, cf, ids = pair
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


def test_a_backup_that_fails_its_check_stops_the_sync_before_anything_is_written(pair, monkeypatch):
    master_path, cf, ids = pair

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


def test_the_merge_is_told_only_about_referenced_records_it_did_not_read(pair, monkeypatch):
    _master_path, cf, _ids = pair
    handed: dict[str, object] = {}
    real = replica.merge

    def spy(base, ours, theirs, *, elsewhere=()):  # type: ignore[no-untyped-def]
        handed.update(states=(base, ours, theirs), elsewhere=set(elsewhere))
        return real(base, ours, theirs, elsewhere=elsewhere)

    monkeypatch.setattr(replica, "merge", spy)
    plan = prepare_sync(cf)
    plan.close()
    states, elsewhere = handed["states"], handed["elsewhere"]
    referenced = {t for state in states for k, v in state.items() for _f, t in references(k[0], v)}  # type: ignore[attr-defined]
    read = {k for state in states for k in state}  # type: ignore[attr-defined]
    assert elsewhere == referenced - read
    with cf.read() as conn:
        actors = conn.execute(sa.text("SELECT count(*) FROM actor")).scalar()
    assert len(elsewhere) < actors  # not every record of the case


def _cut_short_after_the_master(cf: CaseFile, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A sync whose process stops once the master's transaction has committed."""

    class Stopped(Exception):
        pass

    def stop(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise Stopped

    with monkeypatch.context() as m:
        m.setattr(replica, "_finish", stop)
        plan = prepare_sync(cf)
        try:
            with pytest.raises(Stopped):
                carry_out(plan, {})
        finally:
            plan.close()


def test_the_journal_holds_no_copy_of_the_copys_records(pair, monkeypatch):
    _master_path, cf, ids = pair
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


def test_a_sync_cut_short_is_not_finished_over_edits_made_to_the_copy_since(pair, monkeypatch):
    master_path, cf, ids = pair
    _cut_short_after_the_master(cf, monkeypatch)
    records.update_record(cf, Kind.STATEMENT, ids[0], {"venue": "Edited after the crash"})
    with CaseFile.open(master_path) as master, pytest.raises(ReplicaError, match="edited since"):
        finish_interrupted(cf, master)
    assert records.get_record(cf, Kind.STATEMENT, ids[0])["venue"] == "Edited after the crash"
    with cf.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM replica_sync")).scalar() == 1
