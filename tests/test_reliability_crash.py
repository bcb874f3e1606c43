"""1. Crash during edits: an editing process is killed with SIGKILL at random moments, over and over.

A real child process (tests/crash_worker.py) opens a case file for editing and commits
numbered edits in a loop, each one transaction across the statement, timeline, link and
full-text tables, and prints each number only after its commit. The test kills it with
SIGKILL a random 20-400 ms after its first edit, then opens the file as the app does: the
dead process's lock is taken over, ``integrity_check`` is ok, the edits present are exactly
0..M with no gaps and no half edits, and M is at least the last number the process printed.
The same file goes through every kill of its lane, so damage could accumulate and would show.
"""

from __future__ import annotations

import random
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import CRASH_WORKER, child_env, env_int, listing, read_line, record

from db.fields import Kind
from db.lock import lock_path
from db.records import add_record
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import has_hot_journal

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGKILL does not exist on Windows (TerminateProcess is not the same test)"
)

KILLS = env_int("CASEFILE_CRASH_KILLS", 100)
SEED = env_int("CASEFILE_CRASH_SEED", 6)
LANES = 2  # two files killed in parallel: twice the kills in the same time on a 2-core machine
PREFIX = "crash edit "


def _make_case(path: Path) -> str:
    with CaseFile.create(path, title="Crash test") as cf:
        return add_record(cf, Kind.ACTOR, {"name": "Crash Test Actor", "kind": "person"})


def _state(cf: CaseFile) -> dict[str, Any]:
    """Everything the edits left: statements and entries by number, index counts, integrity."""
    with cf.read() as conn:
        statements = {
            int(text[len(PREFIX) :]): sid
            for sid, text in conn.exec_driver_sql("SELECT id, text FROM statement WHERE text LIKE 'crash edit %'")
        }
        links: dict[str, list[str]] = {}
        for entry, actor in conn.exec_driver_sql("SELECT entry_id, actor_id FROM timeline_actor ORDER BY position"):
            links.setdefault(entry, []).append(actor)
        entries = {
            int(title[len(PREFIX) :]): (statement, links.get(entry, []))
            for entry, title, statement in conn.exec_driver_sql(
                "SELECT id, title, statement_id FROM timeline_entry WHERE title LIKE 'crash edit %'"
            )
        }
        indexed = {
            fts: conn.exec_driver_sql(f"SELECT count(*) FROM {fts} WHERE {fts} MATCH '\"crash\"'").scalar()
            for fts in ("statement_fts", "timeline_fts")
        }
        check = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
        foreign = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    with cf.write() as conn:  # FTS5's own check of its index against the table (changes nothing)
        for fts in ("statement_fts", "timeline_fts"):
            conn.exec_driver_sql(f"INSERT INTO {fts} ({fts}) VALUES ('integrity-check')")
    return {"statements": statements, "entries": entries, "indexed": indexed, "check": check, "foreign": foreign}


def _lane(path: Path, actor: str, kills: int, rng: random.Random) -> dict[str, Any]:
    """Start, kill and check ``kills`` times on one file; return what was measured."""
    took: list[float] = []
    hot_journals = dead_journals = unreported = 0
    last_total = -1
    for _ in range(kills):
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(CRASH_WORKER), str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_env(),
            text=True,
        )
        first = read_line(proc, timeout=60)
        if not first.isdigit():
            proc.kill()
            _out, err = proc.communicate(timeout=30)
            raise AssertionError(f"the editing process made no edit: {first!r} {err}")
        time.sleep(rng.uniform(0.020, 0.400))
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        last_reported = int([first, *out.split()][-1])
        hot = has_hot_journal(path)  # killed while changing the file: SQLite must roll it back
        hot_journals += hot
        dead_journals += Path(f"{path}-journal").exists() and not hot  # killed before changing it
        assert lock_path(path).exists(), "the killed process left no lock file to take over"

        cf = CaseFile.open(path)
        try:
            assert cf.lock is not None and cf.lock.took_over is not None, "the stale lock was not taken over"
            assert cf.lock.took_over.pid == proc.pid
            state = _state(cf)
        finally:
            cf.close()
        assert not Path(f"{path}-journal").exists() and not lock_path(path).exists()
        statements, entries = state["statements"], state["entries"]
        top = max(statements)
        assert state["check"] == ["ok"]
        assert state["foreign"] == []
        assert sorted(statements) == list(range(top + 1)), "an edit is missing in the middle"
        assert sorted(entries) == list(range(top + 1)), "a statement lost its timeline entry (half an edit)"
        for n, statement in statements.items():
            assert entries[n] == (statement, [actor]), f"edit {n} is not whole"
        assert top >= last_reported, f"edit {last_reported} was reported saved but is gone (file has 0..{top})"
        assert state["indexed"] == {"statement_fts": top + 1, "timeline_fts": top + 1}
        assert top >= last_total  # edits from earlier kills are still there
        unreported += top - last_reported
        last_total = top
        took.append(time.perf_counter() - started)
    return {
        "took": took,
        "hot_journals": hot_journals,
        "dead_journals": dead_journals,
        "unreported": unreported,
        "edits": last_total + 1,
    }


@pytest.mark.slow  # about a minute for 100 kills on a 2-core machine; CASEFILE_CRASH_KILLS sets the count
def test_killing_an_editing_process_never_loses_or_splits_a_saved_edit(tmp_path):
    per_lane = [KILLS // LANES + (1 if i < KILLS % LANES else 0) for i in range(LANES)]
    paths = [tmp_path / f"lane{i}.casefile" for i in range(LANES)]
    actors = [_make_case(path) for path in paths]
    started = time.perf_counter()
    with ThreadPoolExecutor(LANES) as pool:
        futures = [
            pool.submit(_lane, path, actor, kills, random.Random(SEED * 1000 + i))
            for i, (path, actor, kills) in enumerate(zip(paths, actors, per_lane, strict=True))
        ]
        results = [future.result() for future in futures]
    elapsed = time.perf_counter() - started
    took = [t for r in results for t in r["took"]]
    assert len(took) == KILLS
    assert listing(tmp_path) == sorted(path.name for path in paths)  # no journal, lock or temporary file
    record(
        1,
        "A process editing a case file can be killed at any moment: the file opens, passes integrity_check, "
        "its stale lock is taken over, and it holds exactly the edits committed, whole, including the last "
        "one the process reported as saved.",
        kills_survived=KILLS,
        parallel_files=LANES,
        seed=SEED,
        kill_delay_ms="20-400 after the first edit",
        last_edit_checks=KILLS,
        kills_while_writing_the_file=sum(r["hot_journals"] for r in results),
        kills_with_a_journal_not_yet_started=sum(r["dead_journals"] for r in results),
        edits_committed=sum(r["edits"] for r in results),
        committed_but_not_yet_reported=sum(r["unreported"] for r in results),
        edits_lost=0,
        half_edits_found=0,
        stale_locks_taken_over=KILLS,
        seconds_per_kill_median=round(statistics.median(took), 3),
        seconds_per_kill_max=round(max(took), 3),
        seconds_total=round(elapsed, 1),
    )
