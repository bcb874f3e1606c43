"""Copies of an open file (backups, Save a Copy, snapshots) let edits in while they run.

The copy tells its caller when it is between two steps; the tests commit their edits there,
on another connection that will not wait for a lock (``busy_timeout = 0``). If the copy held
its lock across steps, those edits would fail at once with "database is locked". Nothing
here depends on how threads are scheduled.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import db.sqlite.copying as copying
from db.sqlite.copying import copy_database

ROWS = 4000  # 4000 rows of 8 KB: a 33 MB file, many steps of the stepwise copy


def _connect(path: Path, *, busy_ms: int = 5000) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
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


class Editor:
    """Commits one edit between copy steps, on the steps named, without ever waiting for a lock."""

    def __init__(self, path: Path, on_steps: set[int]) -> None:
        self.conn = _connect(path, busy_ms=0)
        self.on_steps = on_steps
        self.step = 0
        self.committed: list[int] = []
        self.remaining_seen: list[int] = []

    def __call__(self, remaining: int) -> None:
        self.step += 1
        self.remaining_seen.append(remaining)
        if self.step in self.on_steps:
            n = len(self.committed) + 1
            self.conn.execute("INSERT INTO edits (n) VALUES (?)", (n,))  # raises if the copy holds its lock
            self.committed.append(n)


def _check_copy(target: sqlite3.Connection) -> list[int]:
    assert target.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert target.execute("SELECT count(*) FROM filler").fetchone()[0] == ROWS
    return [n for (n,) in target.execute("SELECT n FROM edits ORDER BY n")]


def test_the_copy_takes_many_steps(big_file):
    pages = _connect(big_file).execute("PRAGMA page_count").fetchone()[0]
    assert pages > 3 * copying.PAGES_PER_STEP  # so that edits can come between steps


def test_edits_get_in_between_steps_and_the_copy_is_one_consistent_state(big_file, tmp_path):
    source = _connect(big_file)
    target = sqlite3.connect(tmp_path / "copy.db", isolation_level=None)
    editor = Editor(big_file, on_steps={2, 4, 6})
    restarts = copy_database(source, target, between_steps=editor)
    assert editor.committed == [1, 2, 3]  # each committed at once while the copy was running
    assert restarts == 3  # and the copy started again after each, so it holds whole edits only
    assert _check_copy(target) == [1, 2, 3]  # the state after the last edit, complete
    for conn in (source, target, editor.conn):
        conn.close()


def test_a_copy_without_edits_never_restarts(big_file):
    source = _connect(big_file)
    memory = sqlite3.connect(":memory:")
    editor = Editor(big_file, on_steps=set())
    assert copy_database(source, memory, between_steps=editor) == 0
    assert editor.remaining_seen == sorted(editor.remaining_seen, reverse=True)
    assert _check_copy(memory) == []


def test_a_copy_that_keeps_restarting_finishes_in_one_step(big_file, monkeypatch):
    monkeypatch.setattr(copying, "MAX_RESTARTS", 1)
    source = _connect(big_file)
    memory = sqlite3.connect(":memory:")
    editor = Editor(big_file, on_steps=set(range(1, 1000)))  # an edit after every step
    restarts = copy_database(source, memory, between_steps=editor)
    assert restarts == 2  # gave up stepping after the second restart, then copied in one step
    assert editor.committed == [1, 2]  # the third step found the copy restarting again: no more steps
    assert _check_copy(memory) == [1, 2]
    source.close()
    editor.conn.close()


def test_a_copy_in_large_steps_takes_fewer_steps_with_no_pause_and_still_lets_edits_in(big_file, monkeypatch):
    pages = _connect(big_file).execute("PRAGMA page_count").fetchone()[0]
    monkeypatch.setattr(copying, "LARGE_STEP_PAGES", 4 * copying.PAGES_PER_STEP)

    def no_pause(_seconds: float) -> None:
        raise AssertionError("a copy in large steps does not pause between them")

    monkeypatch.setattr(copying.time, "sleep", no_pause)
    source = _connect(big_file)
    target = sqlite3.connect(":memory:")
    editor = Editor(big_file, on_steps={1})
    restarts = copy_database(source, target, between_steps=editor, large_steps=True)
    assert editor.committed == [1] and restarts == 1  # the edit got in between two large steps
    steps = -(-pages // copying.LARGE_STEP_PAGES)  # a whole copy after the restart: this many steps
    assert editor.step == 1 + steps - 1  # the step before the edit, then the copy's steps less its last
    assert _check_copy(target) == [1]
    for conn in (source, target, editor.conn):
        conn.close()
