"""Copies of an open file (backups, Save a Copy, snapshots) let edits in while they run.

The copy tells its caller when it is between two steps; the tests commit their edits there,
on another connection that will not wait for a lock (``busy_timeout = 0``). If the copy held
its lock across steps, those edits would fail at once with "database is locked". Nothing
here depends on how threads are scheduled.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from pathlib import Path

import pytest

import db.sqlite.copying as copying
from db.errors import CaseFileError
from db.sqlite.copying import CopyStopped, copy_database, copy_file_bytes

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


# ----- byte copies (``copy_file_bytes``) ------------------------------------------------------


class ByteCopy:
    """What ``copy_file_bytes`` needs of an open file, on plain sqlite3: a descriptor to read it
    at offsets, a read transaction to hold while a step copies, and the change counter."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        self.reader = _connect(path)
        self.locked_steps = 0

    @contextlib.contextmanager
    def locked(self):  # type: ignore[no-untyped-def]
        self.reader.execute("BEGIN")
        self.reader.execute("SELECT count(*) FROM edits").fetchone()  # takes the read lock
        try:
            self.locked_steps += 1
            yield
        finally:
            self.reader.execute("COMMIT")

    def counter(self) -> int:
        return int.from_bytes(os.pread(self.fd, 4, 24), "big")

    def copy(self, target: Path, *, stop=None) -> int:  # type: ignore[no-untyped-def]
        out = os.open(target, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            return copy_file_bytes(self.fd, out, locked=self.locked, counter=self.counter, stop=stop)
        finally:
            os.close(out)

    def close(self) -> None:
        self.reader.close()
        os.close(self.fd)


@pytest.fixture
def byte_copy(big_file: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(copying, "FILE_STEP_BYTES", 4 * 2**20)  # 9 steps of the 33 MB file
    source = ByteCopy(big_file)
    yield source
    source.close()


def _between_steps(editor: Editor):  # type: ignore[no-untyped-def]
    """A byte copy's ``stop``, asked between two steps with no lock held: where ``editor`` edits."""

    def stop() -> bool:
        editor(0)
        return False

    return stop


def test_a_byte_copy_is_the_file_as_it_stands(big_file, byte_copy, tmp_path):
    assert byte_copy.copy(tmp_path / "copy.db") == 0
    assert (tmp_path / "copy.db").read_bytes() == big_file.read_bytes()
    assert byte_copy.locked_steps == -(-big_file.stat().st_size // copying.FILE_STEP_BYTES)


def test_edits_get_in_between_the_steps_of_a_byte_copy_which_holds_one_consistent_state(big_file, byte_copy, tmp_path):
    editor = Editor(big_file, on_steps={2, 5})
    restarts = byte_copy.copy(tmp_path / "copy.db", stop=_between_steps(editor))
    assert editor.committed == [1, 2] and restarts == 2  # each edit got in at once, and the copy began again
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert _check_copy(copy) == [1, 2]  # the state after the last edit, complete
    copy.close()
    assert (tmp_path / "copy.db").read_bytes() == big_file.read_bytes()
    editor.conn.close()


def test_a_step_of_a_byte_copy_keeps_commits_out(big_file, byte_copy, tmp_path, monkeypatch):
    editor = Editor(big_file, on_steps={1})
    real = copying._copy_range
    refused: list[str] = []

    def copy_range(*args):  # type: ignore[no-untyped-def]
        if not refused:  # an edit in the middle of a step: it must not land in the file
            with pytest.raises(sqlite3.OperationalError, match="locked") as caught:
                editor(0)
            refused.append(str(caught.value))
        return real(*args)

    monkeypatch.setattr(copying, "_copy_range", copy_range)
    assert byte_copy.copy(tmp_path / "copy.db") == 0
    assert refused and editor.committed == []
    editor.conn.close()


def test_a_byte_copy_that_keeps_restarting_finishes_in_one_step(big_file, byte_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(copying, "MAX_RESTARTS", 1)
    editor = Editor(big_file, on_steps=set(range(1, 1000)))  # an edit between every two steps
    restarts = byte_copy.copy(tmp_path / "copy.db", stop=_between_steps(editor))
    assert restarts == 1 and editor.committed == [1]  # after one restart, the rest in one step
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert _check_copy(copy) == [1]
    copy.close()
    editor.conn.close()


def test_a_byte_copy_stops_between_two_steps_when_told(byte_copy, tmp_path):
    asked: list[int] = []

    def stop() -> bool:
        asked.append(byte_copy.locked_steps)
        return len(asked) == 2

    with pytest.raises(CopyStopped):
        byte_copy.copy(tmp_path / "copy.db", stop=stop)
    assert asked == [1, 2]  # asked after each step, never before the first


@pytest.mark.parametrize("without", ["no kernel copy", "the file system refuses it"])
def test_a_byte_copy_reads_and_writes_where_the_kernel_cannot_copy(big_file, byte_copy, tmp_path, monkeypatch, without):
    if without == "no kernel copy":
        monkeypatch.setattr(copying, "_KERNEL_COPY", False)
    else:
        monkeypatch.setattr(copying, "_KERNEL_COPY", True)

        def refuse(*_args):  # type: ignore[no-untyped-def]
            raise OSError(errno.EXDEV, "Invalid cross-device link")

        monkeypatch.setattr(copying.os, "copy_file_range", refuse, raising=False)
    assert byte_copy.copy(tmp_path / "copy.db") == 0
    assert (tmp_path / "copy.db").read_bytes() == big_file.read_bytes()
    assert copying._KERNEL_COPY is False


def test_a_byte_copy_reports_any_other_error(byte_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(copying, "_KERNEL_COPY", True)

    def full(*_args):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(copying.os, "copy_file_range", full, raising=False)
    with pytest.raises(OSError, match="No space"):
        byte_copy.copy(tmp_path / "copy.db")


# ----- an open case file's byte copy ---------------------------------------------------------


def test_an_open_case_files_byte_copy_verifies_and_leaves_nothing_when_stopped(sample_path, tmp_path, monkeypatch):
    from db.interchange import export_document
    from db.sqlite.casefile import CaseFile
    from db.sqlite.filecheck import check_copy

    monkeypatch.setattr(copying, "FILE_STEP_BYTES", 64 * 1024)  # the sample case in several steps
    folder = tmp_path / "copies"
    folder.mkdir()
    with CaseFile.open(sample_path) as cf:
        copy = cf.save_file_copy(folder / "copy.casefile")
        check_copy(copy)
        with CaseFile.open(copy, read_only=True) as made:
            assert export_document(made, editions=False) == export_document(cf, editions=False)
        with pytest.raises(CaseFileError, match="already exists"):
            cf.save_file_copy(copy)
        with pytest.raises(CopyStopped):
            cf.save_file_copy(folder / "stopped.casefile", stop=lambda: True)
        assert sorted(p.name for p in folder.iterdir()) == ["copy.casefile"]  # no temporary file left


def test_an_open_case_file_with_no_descriptor_is_copied_with_the_backup_api(sample_path, tmp_path, monkeypatch):
    from db.sqlite.casefile import CaseFile
    from db.sqlite.filecheck import check_copy

    def no_byte_copy(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("copied byte for byte")

    monkeypatch.setattr("db.sqlite.casefile.copy_file_bytes", no_byte_copy)
    with CaseFile.open(sample_path) as cf:
        fd, cf._header_fd = cf._header_fd, None
        try:
            check_copy(cf.save_file_copy(tmp_path / "copy.casefile"))
        finally:
            cf._header_fd = fd
