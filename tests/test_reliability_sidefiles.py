"""11. Side files: what lies beside a case file never writes through a link, never plays into the wrong
file, and never changes a file that is only checked or read.

Real files and real processes: a lock file's name taken by a symbolic link, a hard link, a
folder or a named pipe; a case file with two names edited from two processes; a hot journal
beside the file it belongs to (a crash caught mid-transaction) and beside another file (what
``import --force`` used to leave); a write-ahead log beside a rollback-journal case file.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from reliability_helpers import Holder, integrity, listing, record, sha256

from db import records
from db.errors import CaseFileError, RefusedFileError
from db.fields import Kind
from db.interchange import export_document, import_json
from db.lock import FileInUseError, lock_path
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import check_file, has_hot_journal
from tests.core_fixtures import run_cli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symbolic links, named pipes and SIGKILL")

VICTIM_TEXT = b"a file that is not Casefile's: it must never be truncated or written\n"


def _hashes(folder: Path) -> dict[str, str]:
    """Digest of every regular file in a folder (side files included), by name."""
    return {p.name: sha256(p) for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()}


# ----- the lock file's name taken by something else ------------------------------------------


def _plant_symlink(lock: Path, victim: Path) -> None:
    lock.symlink_to(victim)


def _plant_hard_link(lock: Path, victim: Path) -> None:
    os.link(victim, lock)


def _plant_folder(lock: Path, _victim: Path) -> None:
    lock.mkdir()


def _plant_fifo(lock: Path, _victim: Path) -> None:
    os.mkfifo(lock)


PLANTS = {
    "symbolic link": _plant_symlink,
    "hard link": _plant_hard_link,
    "folder": _plant_folder,
    "named pipe": _plant_fifo,
}


@pytest.mark.parametrize("kind", list(PLANTS))
def test_a_lock_file_name_taken_by_something_else_is_never_written_and_the_case_opens_read_only(
    sample_path, tmp_path, kind
):
    victim = tmp_path / "elsewhere" / "important.txt"
    victim.parent.mkdir()
    victim.write_bytes(VICTIM_TEXT)
    lock = lock_path(sample_path)
    PLANTS[kind](lock, victim)
    before = sha256(sample_path)
    started = time.perf_counter()
    with CaseFile.open(sample_path) as cf:  # never waits on a pipe, never writes through a link
        assert cf.read_only
        assert cf.read_only_reason is not None and lock.name in cf.read_only_reason
        assert "remove it to edit the case" in cf.read_only_reason
        assert records.get_case(cf)["title"]
    took = time.perf_counter() - started
    assert victim.read_bytes() == VICTIM_TEXT
    assert os.path.lexists(lock)  # not ours to remove either
    assert sha256(sample_path) == before
    record(
        11,
        f"A lock file name taken by a {kind} is neither followed nor written: the file it points to is unchanged "
        "and the case opens read-only with the reason.",
        planted=kind,
        victim_unchanged=True,
        seconds_to_open=round(took, 3),
    )


def test_a_file_whose_lock_name_is_a_link_is_not_replaced(sample_path, tmp_path):
    victim = tmp_path / "important.txt"
    victim.write_bytes(VICTIM_TEXT)
    lock_path(sample_path).symlink_to(victim)
    before = sha256(sample_path)
    done = run_cli(["import", "--force", str(_minimal_json(tmp_path)), str(sample_path)], cwd=tmp_path, home=tmp_path)
    assert done.returncode == 1
    assert done.stderr.decode().startswith("casefile: sample.casefile was not replaced: the name of its lock file")
    assert victim.read_bytes() == VICTIM_TEXT and sha256(sample_path) == before


def test_a_hostile_lock_file_content_is_read_as_nobody_in_particular(sample_path):
    lock = lock_path(sample_path)
    for content in (
        b"\xff\xfe not json",
        json.dumps({"user": ["x"] * 10, "host": {"a": 1}, "pid": "1e999", "since": None}).encode(),
        b"[" * 100_000 + b"]" * 100_000,
        json.dumps({"user": "a\nb\x1b[31m" + "x" * 10_000, "host": "h", "pid": 1, "since": "now"}).encode(),
        b"x" * 5_000_000,
    ):
        lock.write_bytes(content)  # a dead holder's lock file, as someone else wrote it
        with CaseFile.open(sample_path) as cf:  # taken over: no OS lock is held on it
            assert not cf.read_only
            assert cf.lock is not None
            took_over = cf.lock.took_over
            assert took_over is None or ("\n" not in took_over.user and len(took_over.describe()) < 300)
        assert not lock.exists()
    record(
        16,
        "A lock file holding bytes that are not a lock (binary, wrong types, deeply nested or 5 MB of text) is "
        "taken over without an error; a name read from it is one short printable line.",
        contents_tried=5,
    )


@pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="needs O_NOFOLLOW")
def test_a_full_disk_while_taking_the_lock_opens_read_only_with_the_reason(sample_path, monkeypatch):
    import db.lock as lock_module

    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, handle):  # type: ignore[no-untyped-def]
            self._handle = handle

        def write(self, _data: bytes) -> int:
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(self._handle, name)

    monkeypatch.setattr(lock_module.os, "fdopen", lambda *a, **k: FullDisk(real_fdopen(*a, **k)))
    with CaseFile.open(sample_path) as cf:
        assert cf.read_only
        assert cf.read_only_reason == "its lock file could not be written (No space left on device)"
    assert not lock_path(sample_path).exists()  # no empty lock file left behind
    record(16, "A full disk while writing the lock file opens the case read-only with that reason.")


# ----- a case file with two names --------------------------------------------------------------


def test_a_case_file_with_two_names_opens_read_only_under_either(sample_path, tmp_path):
    other_name = tmp_path / "other folder" / "same case.casefile"
    other_name.parent.mkdir()
    os.link(sample_path, other_name)
    before = sha256(sample_path)
    for name in (sample_path, other_name):  # neither name can edit it: no two editors, no stray journal
        with CaseFile.open(name) as cf:
            assert cf.read_only
            assert cf.read_only_reason is not None and "other name on this disk (hard links)" in cf.read_only_reason
            assert records.get_case(cf)["title"]
    assert sha256(sample_path) == before and not lock_path(sample_path).exists()
    done = run_cli(["new", "--force", str(other_name)], cwd=tmp_path, home=tmp_path)  # replacing one name is fine
    assert done.returncode == 0, done.stderr
    assert sha256(sample_path) == before  # the other name keeps the file it had
    with CaseFile.open(other_name) as cf:
        assert not cf.read_only  # a new file, with one name
    record(
        11,
        "A case file with two names (a hard link) opens read-only under either name, with the reason: SQLite "
        "names its journal after the name it opened, so editors under two names could undo each other's work.",
        names=2,
    )


def test_a_journal_that_names_a_file_to_delete_is_refused(sample_path, tmp_path):
    victim = tmp_path / "report.docx"
    victim.write_bytes(VICTIM_TEXT)
    crashed = _crash_state(sample_path, tmp_path / "crash")
    journal = Path(f"{crashed}-journal")
    # SQLite's multi-database journal record: the super-journal's name, its length, a checksum of
    # its bytes and the journal magic, at the very end of the journal.
    name = str(victim).encode()
    journal.write_bytes(
        journal.read_bytes() + name + len(name).to_bytes(4, "big") + (sum(name) & 0xFFFFFFFF).to_bytes(4, "big")
        + bytes.fromhex("d9d505f920a163d7")
    )  # fmt: skip
    before = _hashes(crashed.parent)
    for attempt in (
        lambda: check_file(crashed),
        lambda: CaseFile.open(crashed),
        lambda: CaseFile.open(crashed, read_only=True),
    ):
        with pytest.raises(RefusedFileError, match="names another file to delete"):
            attempt()
    assert victim.read_bytes() == VICTIM_TEXT
    assert _hashes(crashed.parent) == before
    record(
        11,
        "A hot journal that names a super-journal (a file SQLite deletes after playing the journal back) is "
        "refused before anything plays it back: the named file survives, the case file and journal unchanged.",
        victim_unchanged=True,
    )


# ----- journals ---------------------------------------------------------------------------------


def _crash_state(source: Path, folder: Path) -> Path:
    """A copy of ``source`` caught in the middle of a large transaction: the file and its hot journal."""
    folder.mkdir()
    work = folder / "work.casefile"
    shutil.copyfile(source, work)
    conn = sqlite3.connect(work, isolation_level=None)
    conn.execute("PRAGMA cache_size = 1")  # spill to the file at once: the journal becomes hot
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE statement SET text = text || ' (edited in a transaction that never committed)'")
    conn.execute("UPDATE actor SET name = name || ' edited'")
    shot = folder / "crashed.casefile"
    shutil.copyfile(work, shot)  # what the disk holds if the process dies now
    shutil.copyfile(f"{work}-journal", f"{shot}-journal")
    conn.execute("ROLLBACK")
    conn.close()
    work.unlink()
    assert has_hot_journal(shot)
    return shot


def _statements(path: Path) -> list[str]:
    with CaseFile.open(path, read_only=True) as cf:
        return sorted(r["text"] for r in export_document(cf)["statements"])


def test_a_crash_journal_is_checked_in_a_copy_and_played_back_only_by_an_editor(sample_path, tmp_path):
    crashed = _crash_state(sample_path, tmp_path / "crash")
    before = _hashes(crashed.parent)
    started = time.perf_counter()
    report = check_file(crashed)
    took = time.perf_counter() - started
    assert report.pending_rollback
    done = run_cli(["check", str(crashed)], cwd=tmp_path, home=tmp_path)
    assert done.returncode == 0, done.stdout
    assert b"a save was interrupted" in done.stdout
    assert _statements(crashed) == _statements(sample_path)  # read-only: the last committed state...
    assert _hashes(crashed.parent) == before  # ...and the file and its journal only read
    with CaseFile.open(crashed) as cf:  # an editor plays the journal back into the file
        assert not cf.read_only
    assert not Path(f"{crashed}-journal").exists()
    assert integrity(crashed) == "ok"
    assert _statements(crashed) == _statements(sample_path)
    record(
        11,
        "A hot journal from a crash is played back into a private copy and checked in full (integrity_check, "
        "foreign_key_check) before anything else; check and read-only opens leave file and journal unchanged, "
        "an editor plays it back.",
        seconds_to_check_with_journal=round(took, 3),
    )


def test_a_journal_beside_the_wrong_file_is_refused_and_nothing_changes(sample_path, tmp_path):
    crashed = _crash_state(sample_path, tmp_path / "crash")
    other = tmp_path / "other"
    other.mkdir()
    target = other / "case.casefile"
    # Another case of the same schema: what a file copied over an old one (by a tool that knows
    # nothing of journals) looks like next to the old file's journal.
    import_json(_minimal_json(tmp_path), target)
    shutil.copyfile(f"{crashed}-journal", f"{target}-journal")
    before = _hashes(other)
    with pytest.raises(RefusedFileError, match=r"leftover journal \(case\.casefile-journal\)") as refused:
        check_file(target)
    assert "move case.casefile-journal out of the folder" in str(refused.value)
    for read_only in (False, True):
        with pytest.raises(RefusedFileError):
            CaseFile.open(target, read_only=read_only)
    done = run_cli(["check", str(target)], cwd=tmp_path, home=tmp_path)
    assert done.returncode == 1 and done.stdout.startswith(b"REFUSED:")
    assert _hashes(other) == before and listing(other) == ["case.casefile", "case.casefile-journal"]
    Path(f"{target}-journal").unlink()  # the way out the message gives
    with CaseFile.open(target) as cf:
        assert records.get_case(cf)["title"] == "Test case"
    record(
        11,
        "A hot journal that belongs to another file is refused with the reason and the way out; check, "
        "open for editing and open read-only leave the file and the journal byte for byte unchanged.",
        opens_tried=3,
    )


def _minimal_json(folder: Path) -> Path:
    from tests.core_fixtures import minimal_document

    path = folder / "minimal.json"
    if not path.exists():
        path.write_text(json.dumps(minimal_document()), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["import", "new", "save-copy", "restore"])
def test_a_new_file_never_inherits_the_old_files_journal(sample_path, tmp_path, command):
    crashed = _crash_state(sample_path, tmp_path / "crash")  # the old target, crashed mid-transaction
    json_path = _minimal_json(tmp_path)
    if command == "import":
        done = run_cli(["import", "--force", str(json_path), str(crashed)], cwd=tmp_path, home=tmp_path)
        assert done.returncode == 0, done.stderr
    elif command == "new":
        done = run_cli(["new", "--force", "--sample", str(crashed)], cwd=tmp_path, home=tmp_path)
        assert done.returncode == 0, done.stderr
    elif command == "save-copy":
        with CaseFile.open(sample_path) as cf:
            records.add_record(cf, Kind.ACTOR, {"name": "Only in the copy"})
            cf.save_copy(crashed, overwrite=True)
    else:
        from db.sqlite.backups import backup_if_changed, restore_backup

        with CaseFile.open(sample_path) as cf:
            backup = backup_if_changed(cf)
        assert backup is not None
        restore_backup(backup, crashed, overwrite=True)
    assert not Path(f"{crashed}-journal").exists()  # removed before the new file moved in
    report = check_file(crashed)
    assert not report.pending_rollback
    with CaseFile.open(crashed) as cf:
        doc = export_document(cf)
    assert integrity(crashed) == "ok"
    if command == "import":
        assert doc["case"]["title"] == "Test case"
    record(
        11,
        f"Replacing a case file ({command}) removes the old file's journal first: the new file opens as written, "
        "passes integrity_check, and nothing is played back into it.",
        command=command,
    )


# ----- a write-ahead log beside a rollback-journal case file -------------------------------------


def _plant_wal(target: Path, source: Path, folder: Path) -> None:
    """Put a real write-ahead log (of a WAL-mode copy of ``source``) beside ``target``."""
    folder.mkdir()
    wal_copy = folder / target.name
    shutil.copyfile(source, wal_copy)
    conn = sqlite3.connect(wal_copy, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("UPDATE actor SET name = 'Renamed through the log'")
    shutil.copyfile(f"{wal_copy}-wal", f"{target}-wal")
    conn.close()


@pytest.mark.parametrize("how", ["check", "cli check", "open", "open read-only", "export"])
def test_a_write_ahead_log_beside_the_file_is_refused_and_never_applied(sample_path, tmp_path, how):
    _plant_wal(sample_path, sample_path, tmp_path / "wal")
    folder = sample_path.parent
    before = _hashes(folder)
    if how == "check":
        with pytest.raises(RefusedFileError, match=r"sample\.casefile-wal beside it is a write-ahead log"):
            check_file(sample_path)
    elif how == "cli check":
        done = run_cli(["check", str(sample_path)], cwd=tmp_path, home=tmp_path)
        assert done.returncode == 1
        assert b"move sample.casefile-wal out of the folder" in done.stdout
    elif how == "export":
        done = run_cli(["export-json", str(sample_path)], cwd=tmp_path, home=tmp_path)
        assert done.returncode == 1 and b"write-ahead log" in done.stderr
        assert done.stderr.count(b"\n") == 1  # one line, no traceback
    else:
        with pytest.raises(RefusedFileError):
            CaseFile.open(sample_path, read_only=how.endswith("read-only"))
    assert _hashes(folder) == before  # the file and the log, byte for byte
    with open(sample_path, "rb") as handle:
        assert handle.read(20)[18:20] == b"\x01\x01"  # still a rollback-journal file
    os.rename(f"{sample_path}-wal", tmp_path / "set-aside.wal")  # the way out the message gives
    with CaseFile.open(sample_path) as cf:
        assert "Renamed through the log" not in {a["name"] for a in export_document(cf)["actors"]}
    record(
        11,
        f"A write-ahead log beside a case file is refused ({how}) with the way out, never applied: file and log "
        "unchanged, the file still in rollback-journal mode.",
        how=how,
    )


@pytest.mark.parametrize("suffix", ["-journal", "-wal", "-shm"])
def test_a_side_file_that_is_a_link_is_refused(sample_path, tmp_path, suffix):
    victim = tmp_path / "victim.bin"
    victim.write_bytes(VICTIM_TEXT)
    Path(f"{sample_path}{suffix}").symlink_to(victim)
    with pytest.raises(RefusedFileError, match="a link to another file"):
        CaseFile.open(sample_path)
    assert victim.read_bytes() == VICTIM_TEXT


def test_a_case_file_that_is_a_named_pipe_is_refused_at_once(tmp_path):
    pipe = tmp_path / "pipe.casefile"
    os.mkfifo(pipe)
    started = time.perf_counter()
    with pytest.raises(CaseFileError, match="special file"):
        check_file(pipe)
    done = run_cli(["export-json", str(pipe)], cwd=tmp_path, home=tmp_path)
    took = time.perf_counter() - started
    assert done.returncode == 1 and b"special file" in done.stderr
    json_pipe = tmp_path / "pipe.json"
    os.mkfifo(json_pipe)
    done = run_cli(["import", str(json_pipe), str(tmp_path / "new.casefile")], cwd=tmp_path, home=tmp_path)
    assert done.returncode == 1 and b"special file" in done.stderr
    record(16, "A .casefile (or a JSON file to import) that is a named pipe is refused at once, by the core and "
           "the command line, never waited on.", seconds=round(took, 3))  # fmt: skip


# ----- replacing a file someone is editing --------------------------------------------------------


@pytest.mark.parametrize("command", ["import", "new", "save-copy"])
def test_a_file_open_in_another_process_is_not_replaced(sample_path, tmp_path, command):
    holder = Holder(sample_path)
    try:
        before = sha256(sample_path)
        if command == "save-copy":
            other = tmp_path / "other.casefile"
            shutil.copyfile(sample_path, other)
            with CaseFile.open(other) as cf, pytest.raises(FileInUseError, match="was not replaced"):
                cf.save_copy(sample_path, overwrite=True)
        else:
            args = (
                ["import", "--force", str(_minimal_json(tmp_path)), str(sample_path)]
                if command == "import"
                else ["new", "--force", str(sample_path)]
            )
            done = run_cli(args, cwd=tmp_path, home=tmp_path)
            assert done.returncode == 1
            message = done.stderr.decode()
            assert message.startswith("casefile: sample.casefile was not replaced: it is open for editing by ")
            assert message.count("\n") == 1
        assert sha256(sample_path) == before
    finally:
        holder.kill()
    record(13, f"{command} over a case file another process is editing is refused and the file is unchanged.",
           command=command)  # fmt: skip


def test_side_files_are_looked_for_beside_the_file_a_link_points_at(sample_path, tmp_path):
    link = tmp_path / "elsewhere" / "shortcut.casefile"
    link.parent.mkdir()
    link.symlink_to(sample_path)
    _plant_wal(sample_path, sample_path, tmp_path / "wal")  # beside the real file, not beside the link
    before = _hashes(sample_path.parent)
    for attempt in (lambda: check_file(link), lambda: CaseFile.open(link), lambda: CaseFile.open(link, read_only=True)):
        with pytest.raises(RefusedFileError, match="write-ahead log"):
            attempt()
    assert _hashes(sample_path.parent) == before
    record(11, "A case file opened through a symbolic link has the side files beside the real file checked "
           "(where SQLite looks), so a log there is refused, not applied.")  # fmt: skip
