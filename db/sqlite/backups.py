"""Automatic backups: a rotating set of verified copies of each case file.

When a case file is opened for editing and it has changed since its last backup, a copy is
written with SQLite's backup API into the user data folder, then opened and checked like
any received file (as Zotero does before trusting its backups). The newest ``KEEP`` copies
of each file are kept. A sync's backups, made where no edit is expected, are byte copies of
the file (``CaseFile.save_file_copy``), checked the same way.

Backups are filed by the file on disk, not by anything stored in it: the folder's name is a
hash of the file's full path. A file someone sent cannot steer where its backups go (an id
read from the file could name any folder), and two copies of one case each keep their own
backups (a shared rotation would let edits to a copy push out every backup of the original).
A ``source.txt`` in each folder names the file, for people looking at the folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import CaseFileError
from ..paths import backups_dir
from .casefile import CaseFile
from .copying import CopyStopped, copy_database
from .filecheck import check_connection_uri, check_file
from .newfile import SUFFIX, build_new_file

KEEP = 10
_NAME = re.compile(r"^(?P<stamp>\d{4}-\d{2}-\d{2} \d{6}) #(?P<counter>\d+)" + re.escape(SUFFIX) + "$")
log = logging.getLogger("casefile.backups")


@dataclass(frozen=True)
class Backup:
    """One backup copy of a case file."""

    path: Path
    made: dt.datetime
    change_counter: int
    size: int

    def title(self) -> str:
        """The case title stored in the copy ("" if it cannot be read)."""
        try:
            conn = sqlite3.connect(check_connection_uri(self.path, writable=False), uri=True)
            try:
                row = conn.execute("SELECT title FROM case_info WHERE n = 1").fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return ""
        return str(row[0]) if row else ""


def backup_key(path: Path) -> str:
    """The name of the folder that holds the backups of the file at ``path``."""
    full = os.path.normcase(str(path.resolve()))
    return hashlib.sha256(full.encode("utf-8", "surrogatepass")).hexdigest()[:32]


_KEY = re.compile(r"^[0-9a-f]{32}$")


def case_folder(key: str, root: Path | None = None) -> Path:
    """Where the backups of one file live (``key`` from ``backup_key``)."""
    if not _KEY.match(key):
        raise ValueError(f"not a backup folder key: {key!r}")
    return (root or backups_dir()) / key


def list_backups(key: str, root: Path | None = None) -> list[Backup]:
    """Backups of one file (``key`` from ``backup_key``), newest first."""
    folder = case_folder(key, root)
    found: list[Backup] = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match and path.is_file() and not path.is_symlink():
            made = dt.datetime.strptime(match["stamp"], "%Y-%m-%d %H%M%S")
            found.append(Backup(path, made, int(match["counter"]), path.stat().st_size))
    found.sort(key=lambda b: (b.made, b.change_counter), reverse=True)
    return found


def backup_if_changed(
    cf: CaseFile,
    *,
    root: Path | None = None,
    keep: int = KEEP,
    now: dt.datetime | None = None,
    stop: Callable[[], bool] | None = None,
    verify: Callable[[Path], object] = check_file,
    byte_copy: bool = False,
) -> Backup | None:
    """Write a verified backup of ``cf`` if it changed since its newest backup; prune old ones.

    Returns the new backup, or None when nothing changed. Raises CaseFileError if the copy
    cannot be written or does not verify (the bad copy is removed). ``stop`` is asked between
    steps of the copy and before the check: once it says so, the unfinished backup is removed
    and ``db.sqlite.copying.CopyStopped`` raised (a case being closed does not wait for its backup).
    ``verify`` checks the copy (``check_copy`` is enough for a copy of a file Casefile has open).
    ``byte_copy``: copy the file byte for byte (``CaseFile.save_file_copy``), in large steps, where
    no edit is expected: much quicker for a large file than the backup API's small steps.
    """
    if cf.path is None:
        return None
    key = backup_key(cf.path)
    counter = cf.change_counter()
    existing = list_backups(key, root)
    if existing and existing[0].change_counter == counter:
        return None
    folder = case_folder(key, root)
    folder.mkdir(parents=True, exist_ok=True)
    note = folder / "source.txt"
    if not note.exists():
        try:
            note.write_text(f"Automatic backups of {cf.path.resolve()}\n", encoding="utf-8")
        except OSError as exc:
            log.warning("could not write %s: %s", note, exc)
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H%M%S")
    target = folder / f"{stamp} #{counter}{SUFFIX}"
    if target.exists():
        return None

    def fill(conn: sqlite3.Connection) -> None:
        raw = cf.raw_connection()
        try:
            copy_database(raw.driver_connection, conn, stop=stop)
        finally:
            raw.close()

    if byte_copy:
        cf.save_file_copy(target, stop=stop)
    else:
        build_new_file(target, fill, migrate_schema=False)
    if stop is not None and stop():
        target.unlink(missing_ok=True)
        raise CopyStopped("The backup was stopped.")
    try:
        verify(target)
    except CaseFileError:
        target.unlink(missing_ok=True)
        raise CaseFileError(f"The backup of {cf.path.name} did not verify and was discarded.") from None
    made = list_backups(key, root)
    for old in made[keep:]:
        try:
            old.path.unlink()
        except OSError as exc:
            log.warning("could not remove old backup %s: %s", old.path, exc)
    return next(b for b in made if b.path == target)


def restore_backup(backup: Backup, target: Path, *, overwrite: bool = False) -> Path:
    """Copy a backup into a new case file at ``target`` (checked first; the backup is kept)."""
    check_file(backup.path)
    source = sqlite3.connect(check_connection_uri(backup.path, writable=False), uri=True)
    try:
        build_new_file(target, source.backup, overwrite=overwrite, migrate_schema=False)
    finally:
        source.close()
    return target


def all_backups(root: Path | None = None) -> list[Backup]:
    """Backups of every case, newest first."""
    folder = root or backups_dir()
    found: list[Backup] = []
    if folder.is_dir():
        for case_dir in folder.iterdir():
            if case_dir.is_dir() and not case_dir.is_symlink() and _KEY.match(case_dir.name):
                found.extend(list_backups(case_dir.name, folder))
    found.sort(key=lambda b: (b.made, b.change_counter), reverse=True)
    return found
