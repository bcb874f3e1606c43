"""Copies of an open file (backups, Save a Copy, snapshots) let edits in while they run."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

import db.copying as copying
from db.copying import copy_database

ROWS = 4000  # 4000 rows of 8 KB: a 33 MB file, many steps of the stepwise copy


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.db"
    conn = _connect(path)
    conn.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB)")
    conn.execute("CREATE TABLE edits (n INTEGER PRIMARY KEY)")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO filler (body) VALUES (randomblob(8192))", [()] * ROWS)
    conn.execute("COMMIT")
    conn.close()
    return path


class Writer(threading.Thread):
    """Commits one small edit every ``gap`` seconds on its own connection, ``count`` times."""

    def __init__(self, path: Path, count: int, gap: float) -> None:
        super().__init__(daemon=True)
        self.conn = _connect(path)
        self.count, self.gap = count, gap
        self.commits: list[tuple[int, float]] = []  # (edit number, when it committed)
        self.waits: list[float] = []
        self.started_event = threading.Event()

    def run(self) -> None:
        self.started_event.set()
        for n in range(1, self.count + 1):
            start = time.perf_counter()
            self.conn.execute("INSERT INTO edits (n) VALUES (?)", (n,))
            done = time.perf_counter()
            self.commits.append((n, done))
            self.waits.append(done - start)
            time.sleep(self.gap)
        self.conn.close()


def _check_copy(target: sqlite3.Connection) -> list[int]:
    assert target.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert target.execute("SELECT count(*) FROM filler").fetchone()[0] == ROWS
    return [n for (n,) in target.execute("SELECT n FROM edits ORDER BY n")]


def test_edits_get_in_while_a_copy_runs_and_the_copy_is_one_consistent_state(big_file, tmp_path, monkeypatch):
    monkeypatch.setattr(copying, "PAUSE_S", 0.01)  # a copy of many steps, however fast the disk
    source = _connect(big_file)
    target = sqlite3.connect(tmp_path / "copy.db", isolation_level=None)
    writer = Writer(big_file, count=3, gap=0.02)
    writer.start()
    writer.started_event.wait()
    started = time.perf_counter()
    restarts = copy_database(source, target)
    finished = time.perf_counter()
    writer.join(30)
    copied = _check_copy(target)
    # Edits committed while the copy was running, not after it: the copy did not lock them out.
    assert any(started < when < finished for _n, when in writer.commits)
    assert restarts >= 1  # and the copy started again after each, so it holds whole edits only
    assert copied == list(range(1, len(copied) + 1))
    source.close()
    target.close()


def test_a_copy_that_keeps_restarting_finishes_in_one_step(big_file, monkeypatch):
    monkeypatch.setattr(copying, "MAX_RESTARTS", 1)
    source = _connect(big_file)
    memory = sqlite3.connect(":memory:")
    writer = Writer(big_file, count=40, gap=0.005)  # edits faster than the copy can finish
    writer.start()
    writer.started_event.wait()
    restarts = copy_database(source, memory)
    writer.join(60)
    assert restarts == 2  # gave up stepping after the second restart, then copied in one step
    copied = _check_copy(memory)
    assert copied == list(range(1, len(copied) + 1))
    assert max(writer.waits) < 5.0  # no edit ran into the busy timeout
    source.close()
