"""A sync killed at any point leaves the copy and its master both as they were or both synced.

The worker (tests/sync_kill_worker.py) kills itself at each step of a sync: after backing up,
after the copy's journal, with the copy's changes written, with both sides' changes written and
neither committed, after the master's transaction committed, and with the copy's new base
written after it. The next sync (``prepare_sync``, which first finishes or forgets a sync cut short) must then find the
two sides whole: both untouched, or both holding both sides' changes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import records
from db.fields import Kind
from db.interchange import export_document
from db.replica import prepare_sync, take_offline_copy
from db.sqlite.casefile import CaseFile
from tests.core_fixtures import cli_env

WORKER = Path(__file__).with_name("sync_kill_worker.py")
POINTS = ("backup", "journal", "written", "master", "committed", "copy", "never")


def document(path: Path) -> dict:
    with CaseFile.open(path, read_only=True) as cf:
        return export_document(cf, editions=False)


@pytest.mark.parametrize("point", POINTS)
def test_a_sync_killed_at_any_point_leaves_both_sides_whole(point, sample_path, tmp_path, casefile_home):
    copy_path = take_offline_copy(sample_path, tmp_path / "copy.casefile")
    with CaseFile.open(copy_path) as copy:
        with copy.read() as conn:
            s = list(conn.execute(sa.text("SELECT id FROM statement ORDER BY n LIMIT 3")).scalars())
        records.update_record(copy, Kind.STATEMENT, s[0], {"venue": "Changed in the copy"})
        records.update_record(copy, Kind.STATEMENT, s[2], {"text": "The copy's words"})
        records.add_record(copy, Kind.ACTOR, {"name": "Added in the copy"})
    with CaseFile.open(sample_path) as master:
        records.update_record(master, Kind.STATEMENT, s[1], {"notes": "Changed in the master"})
        records.update_record(master, Kind.STATEMENT, s[2], {"text": "The master's words"})
    before_copy, before_master = document(copy_path), document(sample_path)

    run = subprocess.run(
        [sys.executable, str(WORKER), str(copy_path), point],
        env=cli_env(casefile_home), capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    if point == "never":
        assert run.returncode == 0, run.stderr.decode()
    else:
        assert run.returncode == -9, run.stderr.decode()

    with CaseFile.open(copy_path) as copy:
        prepare_sync(copy).close()  # finishes or forgets the sync cut short
        with copy.read() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM replica_sync")).scalar() == 0
    after_copy, after_master = document(copy_path), document(sample_path)
    if (after_copy, after_master) == (before_copy, before_master):
        assert point in ("backup", "journal", "written", "master")
        return
    assert after_copy == after_master
    by_id = {r["id"]: r for r in after_copy["statements"]}
    assert by_id[s[0]]["venue"] == "Changed in the copy"
    assert by_id[s[1]]["notes"] == "Changed in the master"
    assert by_id[s[2]]["text"] == "The copy's words"
    assert any(a["name"] == "Added in the copy" for a in after_copy["actors"])
    assert point in ("committed", "copy", "never")
