"""Writing a whole case file: a new file is filled under a temporary name beside its target
and renamed into place only when complete, so no reader ever sees a half-written case file;
the file it replaces, if any, is locked and its side files removed first. The verified
backup taken before an upgrade is written the same way.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from ..errors import CaseFileError, RefusedFileError
from ..filenames import migration_backup_stem
from ..lock import CaseLock, FileInUseError, LockUnavailableError
from ..lock import acquire as acquire_lock
from ..tempfiles import clean_stale_temp_files, create_temp_beside
from .connections import make_engine, require_sqlite
from .filecheck import APPLICATION_ID, FileReport, check_connection_uri, check_file
from .migrations import SCHEMA_VERSION, migrate
from .sidefiles import SIDE_SUFFIXES, remove_side_files, side_path

SUFFIX = ".casefile"


def create_file(path: str | os.PathLike[str], write: Callable[[Connection], None], *, overwrite: bool = False) -> Path:
    """Create a case file with the current schema, filled by ``write`` in one write transaction.

    ``write`` gets a SQLAlchemy connection to the new file, which nobody else can see yet; the
    file appears at ``path`` only when ``write`` has returned and everything is on disk.
    """

    def fill(conn: sqlite3.Connection) -> None:
        engine = make_engine(lambda: conn, single=True)
        try:
            with engine.connect().execution_options(casefile_begin="IMMEDIATE") as new, new.begin():
                write(new)
        except DBAPIError as exc:
            if isinstance(exc.orig, sqlite3.Error):  # a full disk, say: reported as for any new file
                raise exc.orig from None
            raise

    return build_new_file(path, fill, overwrite=overwrite)


def build_new_file(
    path: str | os.PathLike[str],
    fill: Callable[[sqlite3.Connection], None],
    *,
    overwrite: bool = False,
    migrate_schema: bool = True,
) -> Path:
    """Create a case file by filling a temporary file and renaming it into place.

    ``fill`` receives an autocommit connection with the current schema (or, with
    ``migrate_schema=False``, an empty database it must fill itself, as a backup does).
    On any error the temporary file is removed and ``path`` is untouched.
    """
    require_sqlite()

    def write(tmp: Path, fd: int) -> None:
        os.close(fd)  # made by create_temp_beside, with the user's normal permissions
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            if migrate_schema:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute("PRAGMA secure_delete = ON")
                migrate(conn)
            fill(conn)
            if not migrate_schema:
                conn.execute("PRAGMA journal_mode = DELETE")
            _fsync_path(tmp)
        finally:
            conn.close()

    return _write_beside(Path(path), write, overwrite=overwrite)


def copy_to_new_file(path: str | os.PathLike[str], fill: Callable[[int], None]) -> Path:
    """Create a file at ``path`` (which must not exist) by writing its bytes under a temporary
    name (``fill`` gets its descriptor) and renaming it into place once it is on disk. On any
    error the temporary file is removed."""

    def write(_tmp: Path, fd: int) -> None:
        try:
            fill(fd)
            os.fsync(fd)
        finally:
            os.close(fd)

    return _write_beside(Path(path), write, overwrite=False)


def _write_beside(target: Path, write: Callable[[Path, int], None], *, overwrite: bool) -> Path:
    """Have ``write`` fill a temporary file beside ``target`` (its path and an open descriptor,
    which ``write`` closes), then rename it over ``target``, whose lock is taken first and side
    files removed. CaseFileError if it cannot be written; on any error ``target`` is untouched."""
    if target.is_dir():
        raise CaseFileError(f"{target.name} is a folder.")
    if target.exists() and not overwrite:
        raise CaseFileError(f"{target.name} already exists.")
    if not target.parent.is_dir():
        raise CaseFileError(f"The folder {target.parent} does not exist.")
    clean_stale_temp_files(target.parent)
    lock: CaseLock | None = None
    try:
        # Made here, with the user's normal permissions (SQLite would create it 0644 less the umask).
        fd, tmp = create_temp_beside(target)
    except OSError as exc:
        raise CaseFileError(f"{target.name} could not be written: {exc.strerror or exc}.") from None
    try:
        write(tmp, fd)
        lock = _lock_for_replacing(target)
        # The old file's journal or log must not be played into the new one at its next open.
        remove_side_files(target)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except sqlite3.Error as exc:
        _remove_quietly(tmp)
        raise CaseFileError(f"{target.name} could not be written: {exc}.") from None
    except OSError as exc:
        _remove_quietly(tmp)
        raise CaseFileError(f"{target.name} could not be written: {exc.strerror or exc}.") from None
    except BaseException:
        _remove_quietly(tmp)
        raise
    finally:
        if lock is not None:
            lock.release()
    return target


def _lock_for_replacing(target: Path) -> CaseLock | None:
    """Take the editing lock of a case file about to be replaced (FileInUseError while it is open).

    None when there is nothing there to replace.
    """
    if not (target.exists() or any(side_path(target, s).exists() for s in SIDE_SUFFIXES)):
        return None
    try:
        return acquire_lock(target, replacing=True)
    except FileInUseError as exc:
        raise FileInUseError(exc.path, exc.owner, replacing=True) from None
    except LockUnavailableError as exc:
        raise CaseFileError(f"{target.name} was not replaced: {exc.reason}.") from None


def backup_before_migration(path: Path, report: FileReport, folder: Path) -> Path:
    """Copy ``path`` with the backup API into ``folder`` and verify the copy; return its path."""
    base = migration_backup_stem(path.stem, SCHEMA_VERSION, dt.datetime.now())
    target = folder / f"{base}{SUFFIX}"
    n = 1
    while target.exists():  # a second try within the same second
        n += 1
        target = folder / f"{base} ({n}){SUFFIX}"
    source = sqlite3.connect(check_connection_uri(path, writable=False), uri=True)
    try:
        build_new_file(target, source.backup, migrate_schema=False)
    finally:
        source.close()
    verified = check_file(target)
    if verified.version != report.version:
        raise RefusedFileError(f"The backup of {path.name} could not be verified, so the file was not upgraded.")
    return target


def _fsync_path(path: Path) -> None:
    with suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    _fsync_path(folder)


def _remove_quietly(path: Path) -> None:
    for candidate in (path, Path(f"{path}-journal")):
        with suppress(OSError):
            candidate.unlink()
