"""A case file on disk: create, check and open, migrate, copy, snapshot, close.

One matter, one SQLite file, open as a ``CaseFile``: a pool of connections with the settings
of ``connections``, the editing lock, and the upgrade of an older file in place after a
verified backup. New files are written by ``newfile``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from ..errors import CaseFileError, WriteError, describe_sqlite_error
from ..fields import FTS_TABLE_NAMES
from ..lock import CaseLock, LockUnavailableError
from ..lock import acquire as acquire_lock
from ..paths import backups_dir
from ..tempfiles import clean_stale_temp_files
from .connections import (
    FTS_SECURE_DELETE,
    configure,
    configure_memory,
    is_damage,
    make_engine,
    require_sqlite,
)
from .copying import copy_database, copy_file_bytes
from .filecheck import (
    check_connection_uri,
    check_file,
    has_hot_journal,
    play_back_journal,
)
from .migrations import SCHEMA_VERSION, migrate
from .newfile import backup_before_migration, build_new_file, copy_to_new_file, create_file
from .sidefiles import rolled_back_copy

log = logging.getLogger("casefile.file")


def now_stamp() -> str:
    """UTC timestamp text used for ``created_at``/``updated_at``."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CaseFile:
    """An open case file. Use ``CaseFile.open`` / ``CaseFile.create``; close when done."""

    def __init__(self, path: Path | None, engine: Engine, *, read_only: bool, version: int) -> None:
        self.path = path
        self.engine = engine
        self.read_only = read_only
        self.read_only_reason: str | None = None  # why it is read-only, for the app's banner
        self.version = version
        self.lock: CaseLock | None = None
        self.repaired: list[str] = []  # what was repaired when it was opened, to tell the user
        # One descriptor on the file for reading its header, kept until the connections are gone:
        # closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's
        # locks of a transaction on another thread included.
        # (Only a file opened by ``open`` has one: an in-memory copy must never close a descriptor
        # of the file it was copied from.)
        self._header_fd: int | None = None
        # Full-text tables whose old words linger in index segments until merged (see close).
        self._fts_with_removed_text: set[str] = set()
        self._closed = False

    # ----- lifecycle ---------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str], *, read_only: bool = False, backup_dir: Path | None = None) -> CaseFile:
        """Check and open a case file; migrate an older one after a verified backup.

        Raises RefusedFileError (with the reason) for anything that fails the checks.
        """
        require_sqlite()
        report = check_file(path)
        p = report.path.resolve()
        reason = "you opened it read-only" if read_only else None
        if not report.writable:
            read_only, reason = True, "the file or its folder cannot be written"
        lock: CaseLock | None = None
        if not read_only:
            try:
                lock = acquire_lock(p)  # FileInUseError if someone else is editing it
            except LockUnavailableError as exc:
                read_only, reason = True, exc.reason
            else:
                clean_stale_temp_files(p.parent)
        try:
            if report.pending_rollback and not read_only:
                # Checked again now that this editor holds the lock (the journal or file could have
                # changed since), then played back.
                report = check_file(p)
                if report.pending_rollback:
                    play_back_journal(p)
                    report = check_file(p)
            if (report.needs_migration or report.pending_rollback) and read_only:
                cf = cls._open_private_copy(p, rollback=report.pending_rollback)
                cf.read_only_reason = reason
                return cf
            if report.needs_migration:
                backup = backup_before_migration(p, report, backup_dir or backups_dir())
                _migrate_in_place(p, backup)
            uri = check_connection_uri(p, writable=not read_only)
            opened: list[CaseFile] = []

            def connect() -> sqlite3.Connection:
                if opened and opened[0].closed:  # a background read that started as the case closed
                    raise CaseFileError("The case file is closed.")
                conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
                configure(conn, read_only=read_only)
                return conn

            cf = cls(p, make_engine(connect, single=False), read_only=read_only, version=SCHEMA_VERSION)
            opened.append(cf)
            with suppress(OSError):
                cf._header_fd = os.open(p, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        cf.lock = lock
        cf.read_only_reason = reason
        if not read_only:
            try:
                from .search_index import repair_search_index

                cf.repaired = repair_search_index(p)  # before anything reads the index
                cf.enable_fts_secure_delete()
            except BaseException:
                cf.close()
                raise
        return cf

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, title: str = "Untitled case", overwrite: bool = False) -> CaseFile:
        """Create a new, empty case file at ``path`` and open it."""
        from ..records import insert_case_row

        create_file(path, lambda conn: insert_case_row(conn, title=title), overwrite=overwrite)
        return cls.open(path)

    @classmethod
    def from_connection(cls, conn: sqlite3.Connection, *, read_only: bool, path: Path | None = None) -> CaseFile:
        """Wrap an already-checked in-memory connection (snapshots and migrated copies)."""
        configure_memory(conn, read_only=read_only)
        return cls(path, make_engine(lambda: conn, single=True), read_only=read_only, version=SCHEMA_VERSION)

    @classmethod
    def _open_private_copy(cls, path: Path, *, rollback: bool) -> CaseFile:
        """Read-only, in memory: an older file upgraded, or a file with its journal played back.

        The file on disk is only read (it is upgraded or recovered when opened for editing).
        """
        memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        try:
            with ExitStack() as stack:
                source_path = stack.enter_context(rolled_back_copy(path)) if rollback else path
                source = sqlite3.connect(check_connection_uri(source_path, writable=False), uri=True)
                try:
                    copy_database(source, memory)
                finally:
                    source.close()
            migrate(memory)
        except (sqlite3.Error, OSError) as exc:
            memory.close()
            detail = describe_sqlite_error(exc) if isinstance(exc, sqlite3.Error) else (exc.strerror or str(exc))
            raise CaseFileError(
                f"{path.name} could not be opened read-only: a private copy to read could not be made "
                f"({detail}). The file was not changed."
            ) from None
        return cls.from_connection(memory, read_only=True, path=path)

    def close(self) -> None:
        """Release every connection; leaves no journal beside the file."""
        if not self._closed:
            self._purge_removed_words()
            self._closed = True
            self.engine.dispose()
            if self._header_fd is not None:
                with suppress(OSError):
                    os.close(self._header_fd)
                self._header_fd = None
            if self.lock is not None:
                if self.path is not None:
                    _remove_dead_journal(self.path)
                self.lock.release()

    def change_counter(self) -> int:
        """SQLite's file change counter (it goes up with every committed change), read without
        opening the file again."""
        self._check_open()
        if self._header_fd is None:
            raise CaseFileError(f"{self.display_name} has no file on disk.")
        try:
            if hasattr(os, "pread"):
                data = os.pread(self._header_fd, 4, 24)
            else:  # Windows: no POSIX locks to lose there
                os.lseek(self._header_fd, 24, os.SEEK_SET)
                data = os.read(self._header_fd, 4)
        except OSError as exc:
            raise CaseFileError(f"{self.display_name} could not be read: {exc.strerror or exc}.") from None
        return int.from_bytes(data, "big")

    def note_removed_text(self, fts_table: str) -> None:
        """A record of this index was deleted or changed: its old words must not stay in the file."""
        self._fts_with_removed_text.add(fts_table)

    def _purge_removed_words(self) -> None:
        # Deleted text must not linger in a file that gets emailed. FTS5 keeps the words of
        # deleted and changed rows in its index segments until they are merged: SQLite 3.42+
        # can drop them at once (the "secure-delete" option, set when the file is opened);
        # older SQLite merges the touched indexes here, and secure_delete zeroes the pages freed.
        if self.read_only or not self._fts_with_removed_text or FTS_SECURE_DELETE:
            return
        try:
            with self.write() as conn:
                for table in sorted(self._fts_with_removed_text):
                    conn.exec_driver_sql(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
        except (CaseFileError, DatabaseError, sqlite3.DatabaseError) as exc:
            log.warning("could not compact the search index of %s: %s", self.display_name, exc)
        self._fts_with_removed_text.clear()

    def enable_fts_secure_delete(self) -> None:
        """Have FTS5 remove deleted words immediately (SQLite 3.42 or newer)."""
        if self.read_only or not FTS_SECURE_DELETE:
            return
        with self.write() as conn:
            for table in FTS_TABLE_NAMES.values():
                value = conn.exec_driver_sql(f"SELECT v FROM {table}_config WHERE k = 'secure-delete'").scalar()
                if value != 1:
                    conn.exec_driver_sql(f"INSERT INTO {table} ({table}, rank) VALUES ('secure-delete', 1)")

    @property
    def closed(self) -> bool:
        """True once ``close`` has run."""
        return self._closed

    def __enter__(self) -> CaseFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def display_name(self) -> str:
        """The file name without its extension (or "Untitled" for an in-memory file)."""
        return self.path.stem if self.path else "Untitled"

    # ----- connections -------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection inside a read transaction (one consistent view of the file)."""
        self._check_open()
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except (DatabaseError, sqlite3.DatabaseError) as exc:
            # Damage quick_check could not see shows up when the pages are read.
            if not is_damage(exc):
                raise
            raise CaseFileError(f"{self.display_name} could not be read: {describe_sqlite_error(exc)}.") from exc

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection inside a write transaction; commits on success, rolls back on error."""
        self._check_open()
        if self.read_only:
            raise CaseFileError(f"{self.display_name} is open read-only; the change was not saved.")
        try:
            with self.engine.connect().execution_options(casefile_begin="IMMEDIATE") as conn, conn.begin():
                yield conn
        except (OperationalError, sqlite3.OperationalError) as exc:
            raise WriteError(f"The change could not be saved: {describe_sqlite_error(exc)}.") from exc
        except (DatabaseError, sqlite3.DatabaseError) as exc:
            if not is_damage(exc):
                raise
            raise WriteError(f"The change could not be saved: {describe_sqlite_error(exc)}.") from exc

    def _check_open(self) -> None:
        if self._closed:
            raise CaseFileError("The case file is closed.")

    def raw_connection(self) -> Any:
        """A pooled DB-API connection (for the backup API); close it to return it to the pool."""
        self._check_open()
        return self.engine.raw_connection()

    # ----- copies ------------------------------------------------------------------------
    def save_copy(
        self, target: str | os.PathLike[str], *, overwrite: bool = False, stop: Callable[[], bool] | None = None
    ) -> Path:
        """Write a complete copy with SQLite's backup API (safe while the file is open).

        ``stop`` is asked between steps of the copy; when it says so, nothing is left at ``target``
        and ``db.sqlite.copying.CopyStopped`` is raised.
        """
        dest = Path(target)
        if dest.exists() and not overwrite:
            raise CaseFileError(f"{dest.name} already exists.")
        if self.path is not None and dest.resolve() == self.path:
            raise CaseFileError("A copy cannot be saved over the open case file itself.")

        def fill(conn: sqlite3.Connection) -> None:
            raw = self.raw_connection()
            try:
                copy_database(raw.driver_connection, conn, stop=stop)
            finally:
                raw.close()

        build_new_file(dest, fill, overwrite=overwrite, migrate_schema=False)
        return dest

    def save_file_copy(self, target: str | os.PathLike[str], *, stop: Callable[[], bool] | None = None) -> Path:
        """``save_copy`` byte for byte (``copying.copy_file_bytes``): for a large file, much less
        work than the backup API, whose every page SQLite reads and writes. The copy holds the
        file as it was at one commit; an edit made meanwhile waits for one step of it. ``stop``:
        as for ``save_copy``. A file with no descriptor to read it at offsets is copied with the
        backup API."""
        dest = Path(target)
        if dest.exists():
            raise CaseFileError(f"{dest.name} already exists.")
        if self.path is None or (self._header_fd is None and hasattr(os, "pread")):
            return self.save_copy(dest, stop=stop)
        path = self.path

        def fill(fd: int) -> None:
            with ExitStack() as stack:
                if hasattr(os, "pread"):
                    assert self._header_fd is not None
                    source = self._header_fd  # never closed before the file is: POSIX locks
                else:  # Windows: a descriptor of the copy's own (no POSIX locks to lose)
                    source = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
                    stack.callback(os.close, source)
                copy_file_bytes(source, fd, locked=self._read_locked, counter=self.change_counter, stop=stop)

        return copy_to_new_file(dest, fill)

    @contextmanager
    def _read_locked(self) -> Iterator[None]:
        """A read transaction that has read the file: no commit lands in it until it ends."""
        with self.read() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM case_info").scalar()
            yield

    def snapshot(self) -> CaseFile:
        """A read-only in-memory copy of the file as it is now, for background work."""
        memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        raw = self.raw_connection()
        try:
            copy_database(raw.driver_connection, memory)
        finally:
            raw.close()
        return CaseFile.from_connection(memory, read_only=True, path=self.path)


def _migrate_in_place(path: Path, backup: Path) -> None:
    try:
        conn = sqlite3.connect(check_connection_uri(path, writable=True), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise CaseFileError(
            f"{path.name} could not be upgraded ({describe_sqlite_error(exc)}); it is unchanged."
        ) from None
    try:
        configure(conn)
        migrate(conn, all_or_nothing=True)
    except sqlite3.Error as exc:
        raise CaseFileError(
            f"{path.name} could not be upgraded to this version of Casefile ({describe_sqlite_error(exc)}). "
            f"The file is unchanged and can still be opened by the version that saved it; a copy is at {backup}."
        ) from None
    finally:
        conn.close()


def _remove_dead_journal(path: Path) -> None:
    """Remove a journal that SQLite itself ignores, so no side file stays beside a closed case file.

    A process killed just after it began a transaction, before it changed the file, leaves a
    journal whose header was never completed (its first byte is zero). SQLite does not treat
    it as hot, so it never rolls it back nor deletes it, yet it holds copies of pages of the
    file. Only called by the editor that holds the lock, after its own connections closed; a
    hot journal (first byte set) would already have been rolled back when the file was read.
    """
    journal = Path(f"{path}-journal")
    if journal.exists() and not has_hot_journal(path):
        with suppress(OSError):
            journal.unlink()
