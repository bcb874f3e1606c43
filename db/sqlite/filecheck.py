"""Open-time checks: a case file is untrusted until it passes them.

Someone else made the file. Before Casefile writes to it (and so before any trigger in it
could fire) the file's header, ``application_id``, ``user_version``, ``quick_check`` and
every object in ``sqlite_schema`` are checked against what our own migrations create
(``schema_check``). The checks only read: a refused file's bytes are unchanged.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..errors import CaseFileError, NewerVersionError, RefusedFileError
from ..lock import held_elsewhere
from .migrations import SCHEMA_VERSION
from .schema_check import misplaced_value, schema_differences, schema_of
from .sidefiles import full_check_problem, rolled_back_copy, side_file_problem

APPLICATION_ID = 0x43415346  # "CASF"
# Longest single record a case file may hold: far beyond any real statement (a 50-page
# statement is ~150 kB) and small enough that a planted giant value cannot exhaust memory
# when read. Connections are also limited to this (SQLITE_LIMIT_LENGTH).
MAX_VALUE_BYTES = 64 * 1024 * 1024
SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100


@dataclass(frozen=True)
class Header:
    """The fields of the 100-byte SQLite header that the checks use."""

    page_size: int
    write_version: int
    read_version: int
    change_counter: int
    page_count: int
    version_valid_for: int
    text_encoding: int
    user_version: int
    application_id: int


@dataclass(frozen=True)
class FileReport:
    """What the checks found about a file that passed them."""

    path: Path
    version: int
    writable: bool
    size: int
    pending_rollback: bool = False  # a verified hot journal waits to be played back (see check_file)

    @property
    def needs_migration(self) -> bool:
        """True when the file's schema is older than this version of Casefile writes."""
        return self.version < SCHEMA_VERSION


def parse_header(data: bytes) -> Header:
    """Decode the SQLite header (``data`` is at least 100 bytes starting with the magic)."""
    (page_size,) = struct.unpack(">H", data[16:18])
    return Header(
        page_size=65536 if page_size == 1 else page_size,
        write_version=data[18],
        read_version=data[19],
        change_counter=struct.unpack(">I", data[24:28])[0],
        page_count=struct.unpack(">I", data[28:32])[0],
        version_valid_for=struct.unpack(">I", data[92:96])[0],
        text_encoding=struct.unpack(">I", data[56:60])[0],
        user_version=struct.unpack(">i", data[60:64])[0],
        application_id=struct.unpack(">i", data[68:72])[0] & 0xFFFFFFFF,
    )


def read_header(path: Path, *, size_checks: bool = True) -> tuple[Header, int]:
    """Read and check the header of ``path``; return it with the file size.

    Raises CaseFileError for a missing, unreadable or non-case file. ``size_checks=False``
    skips comparing the header with the file's size (while a hot journal is waiting to put
    a crashed transaction's pages and size back).
    """
    name = path.name
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except PermissionError:  # a folder on the way that the user may not enter
        raise CaseFileError(f"You do not have permission to open the folder that holds {name}.") from None
    except OSError as exc:
        raise CaseFileError(f"{name} could not be read: {exc.strerror or exc}.") from None
    if not exists:
        raise CaseFileError(f"There is no file at {path}.")
    if is_dir:
        raise CaseFileError(f"{name} is a folder, not a case file.")
    try:
        with path.open("rb") as handle:
            data = handle.read(HEADER_SIZE)
            size = os.fstat(handle.fileno()).st_size
    except PermissionError:
        raise CaseFileError(f"You do not have permission to read {name}.") from None
    except OSError as exc:
        raise CaseFileError(f"{name} could not be read: {exc.strerror or exc}.") from None
    if size == 0:
        raise RefusedFileError(f"{name} is empty (0 bytes), so it is not a case file.")
    if len(data) < HEADER_SIZE or not data.startswith(SQLITE_MAGIC):
        raise RefusedFileError(f"{name} is not a Casefile case file (it is not an SQLite database).")
    header = parse_header(data)
    if header.page_size < 512 or header.page_size & (header.page_size - 1):
        raise RefusedFileError(f"{name} is damaged: its header gives an invalid page size.")
    if header.application_id != APPLICATION_ID:
        if header.application_id == 0:
            raise RefusedFileError(f"{name} is an SQLite database, but not a Casefile case file.")
        raise RefusedFileError(
            f"{name} belongs to another application (application id 0x{header.application_id:08X}), "
            "so it is not a Casefile case file."
        )
    if header.user_version > SCHEMA_VERSION:
        raise NewerVersionError(
            f"{name} was saved by a newer version of Casefile (file version {header.user_version}; "
            f"this version reads up to {SCHEMA_VERSION}). Update Casefile to open it; the file was not changed."
        )
    if header.user_version < 1:
        raise RefusedFileError(f"{name} is damaged: its schema version ({header.user_version}) is not valid.")
    if header.write_version == 2 or header.read_version == 2:
        raise RefusedFileError(
            f"{name} was switched to write-ahead logging by another program; Casefile case files use a "
            "rollback journal. It was not opened."
        )
    if header.write_version != 1 or header.read_version != 1:
        raise RefusedFileError(f"{name} uses an SQLite file format this version cannot read.")
    if header.text_encoding != 1:
        raise RefusedFileError(f"{name} is not a Casefile case file (it is not stored as UTF-8).")
    if size_checks and size % header.page_size:
        raise RefusedFileError(f"{name} is damaged: it is cut short (its size is not a whole number of pages).")
    if size_checks and header.version_valid_for == header.change_counter and header.page_count:
        declared = header.page_count * header.page_size
        if declared > size:
            raise RefusedFileError(
                f"{name} is damaged: its header says it holds {header.page_count:,} pages "
                f"({declared:,} bytes) but the file has only {size:,} bytes."
            )
    return header, size


def _largest_record(conn: sqlite3.Connection) -> int | None:
    """Size of the largest record in the file, from page headers (None if SQLite lacks dbstat)."""
    try:
        # Aggregate mode: one row per b-tree, about twice as fast as a row per page.
        row = conn.execute("SELECT max(mx_payload) FROM dbstat('main', 1)").fetchone()
    except sqlite3.OperationalError:
        return None  # reads are still limited to MAX_VALUE_BYTES per value
    except sqlite3.DatabaseError as exc:
        raise RefusedFileError(f"The file is damaged: {exc}.") from None
    return int(row[0]) if row and row[0] is not None else 0


def has_hot_journal(path: Path) -> bool:
    """True when a rollback journal beside ``path`` holds a crashed transaction to undo.

    SQLite writes the journal's header magic only once the journal is complete, just before
    it changes the database file, so a journal whose first byte is zero is not hot.
    """
    try:
        with open(f"{path}-journal", "rb") as handle:
            return handle.read(1) not in (b"", b"\0")
    except OSError:
        return False


def check_connection_uri(path: Path, *, writable: bool) -> str:
    """SQLite URI for opening ``path`` read-write or read-only."""
    return f"file:{quote(str(path.resolve()))}?mode={'rw' if writable else 'ro'}"


def _check_connection(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA query_only = ON")
    conn.execute("PRAGMA cell_size_check = ON")
    return conn


def _quick_check(conn: sqlite3.Connection, name: str, out: list[object]) -> None:
    """Run quick_check; append None if it passed, else the RefusedFileError to raise."""
    try:
        result = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        out.append(RefusedFileError(f"{name} is damaged: {exc}."))
        return
    except UnicodeDecodeError:  # SQLite's message quotes damaged bytes of the schema
        out.append(RefusedFileError(f"{name} is damaged: its database schema is malformed."))
        return
    out.append(None if result == ["ok"] else RefusedFileError(f"{name} is damaged: {result[0]}."))


def _quick_check_on(uri: str, name: str, out: list[object]) -> None:
    try:
        conn = _check_connection(uri)
    except sqlite3.Error as exc:
        out.append(RefusedFileError(f"{name} could not be opened: {exc}."))
        return
    try:
        _quick_check(conn, name, out)
    finally:
        conn.close()


def _raise_first(results: list[object]) -> None:
    for item in results:
        if isinstance(item, BaseException):
            raise item


def check_file(path: str | os.PathLike[str]) -> FileReport:
    """Run every open-time check on ``path``; raise RefusedFileError/CaseFileError if it fails.

    Reads only, whatever lies beside the file: a write-ahead log or a linked side file refuses
    it (see db.sqlite.sidefiles), and a hot journal left by a crash is played back into a private copy
    and checked there in full; the report then says ``pending_rollback`` and the journal is
    played back into the file itself only when it is opened for editing (``play_back_journal``).
    """
    p = Path(path)
    name = p.name
    require_regular_file(p)
    read_header(p, size_checks=False)  # a missing, unreadable or foreign file: say that first
    # SQLite opens the file a link points at, and looks for side files beside that: so do we.
    p = p.resolve()
    problem = side_file_problem(p)
    if problem is not None:
        raise RefusedFileError(f"{name} was not opened: {problem}. The file was not changed.")
    writable = os.access(p, os.W_OK) and os.access(p.parent, os.W_OK)
    if has_hot_journal(p):
        if held_elsewhere(p):
            # Another Casefile is saving an edit right now: the journal is its own, and SQLite's
            # locks make this reader wait for the edit to finish.
            return _check_contents(p, writable=writable, size_checks=False)
        return _check_with_journal(p, writable=writable)
    return _check_contents(p, writable=writable)


def _check_with_journal(p: Path, *, writable: bool) -> FileReport:
    name = p.name
    try:
        with rolled_back_copy(p) as copy:
            try:
                report = _check_contents(copy, writable=writable)
                conn = sqlite3.connect(check_connection_uri(copy, writable=False), uri=True)
                try:
                    problem = full_check_problem(conn)
                finally:
                    conn.close()
            except RefusedFileError as exc:
                problem = str(exc).removeprefix(f"{name} ")
    except (OSError, sqlite3.Error) as exc:
        raise CaseFileError(
            f"{name} has a journal from an interrupted save that could not be checked "
            f"({getattr(exc, 'strerror', None) or exc}); the file was not changed."
        ) from None
    if problem is not None:
        raise RefusedFileError(
            f"{name} has a leftover journal ({name}-journal) from an interrupted save that does not match it: "
            f"played back, it would leave the file damaged ({problem}). The file was not changed; move "
            f"{name}-journal out of the folder to open the file without it."
        )
    return FileReport(path=p, version=report.version, writable=writable, size=report.size, pending_rollback=True)


def play_back_journal(path: Path) -> None:
    """Let SQLite play a hot journal back into ``path`` (after ``check_file`` verified it in a copy).

    Only the editor that holds the file's lock calls this.
    """
    try:
        conn = sqlite3.connect(check_connection_uri(path, writable=True), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise CaseFileError(f"{path.name} could not be recovered from an interrupted save: {exc}.") from None
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error as exc:
        raise CaseFileError(f"{path.name} could not be recovered from an interrupted save: {exc}.") from None
    finally:
        conn.close()


def _check_contents(p: Path, *, writable: bool, size_checks: bool = True) -> FileReport:
    """The checks of the file's own bytes (no hot journal beside it), through a read-only connection."""
    header, size = read_header(p, size_checks=size_checks)
    name = p.name
    uri = check_connection_uri(p, writable=False)
    quick: list[object] = []  # quick_check's verdict, from a second connection
    runner: threading.Thread | None = None
    try:
        conn = _check_connection(uri)
    except sqlite3.Error as exc:
        raise RefusedFileError(f"{name} could not be opened: {exc}.") from None
    try:
        # quick_check and the scans below each read the whole file; on a large case they take
        # a few hundred milliseconds each, so they run side by side (SQLite releases the GIL).
        runner = threading.Thread(target=_quick_check_on, args=(uri, name, quick), daemon=True)
        runner.start()
        try:
            actual = schema_of(conn)
        except sqlite3.DatabaseError as exc:
            raise RefusedFileError(f"{name} is damaged: {exc}.") from None
        except UnicodeDecodeError:
            raise RefusedFileError(f"{name} is damaged: its database schema is malformed.") from None
        scan_error: RefusedFileError | None = None
        try:
            largest = _largest_record(conn)
            if largest is not None and largest > MAX_VALUE_BYTES:
                raise RefusedFileError(
                    f"{name} holds a single value of {largest / 1_048_576:,.0f} MB, far larger than any real "
                    f"case (the limit is {MAX_VALUE_BYTES // 1_048_576} MB), so it was not opened."
                )
            if not schema_differences(actual, header.user_version):  # only our own tables are read
                try:
                    from .stored_values import stored_value_problem  # values Casefile never writes

                    misplaced = misplaced_value(conn, header.user_version) or stored_value_problem(
                        conn, header.user_version
                    )
                except sqlite3.DatabaseError as exc:
                    raise RefusedFileError(f"{name} is damaged: {exc}.") from None
                if misplaced:
                    raise RefusedFileError(f"{name} is damaged: {misplaced}.")
        except RefusedFileError as exc:
            scan_error = exc
        if runner is not None:
            runner.join()
        _raise_first(quick)  # quick_check's verdict comes first: it explains damage best
        if scan_error is not None:
            raise scan_error
    finally:
        if runner is not None and runner.is_alive():
            runner.join()
        conn.close()
    problems = schema_differences(actual, header.user_version)
    if problems:
        listed = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise RefusedFileError(
            f"{name} contains database objects Casefile did not create ({listed}). "
            "It may have been altered by another program or tampered with, so it was not opened."
        )
    return FileReport(path=p, version=header.user_version, writable=writable, size=size)


def check_copy(path: str | os.PathLike[str]) -> FileReport:
    """Verify a copy just made of an open case file (backup API or bytes): its header, quick_check
    and its schema. The scans of stored values (``check_file``) look for what a file someone sent
    may hold; the open file passed them, and Casefile's own writes since cannot add any."""
    p = Path(path)
    header, size = read_header(p)
    found: list[object] = []
    try:
        conn = _check_connection(check_connection_uri(p, writable=False))
    except sqlite3.Error as exc:
        raise RefusedFileError(f"{p.name} could not be opened: {exc}.") from None
    try:
        _quick_check(conn, p.name, found)
        _raise_first(found)
        problems = schema_differences(schema_of(conn), header.user_version)
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise RefusedFileError(f"{p.name} is damaged: {exc}.") from None
    finally:
        conn.close()
    if problems:
        raise RefusedFileError(f"{p.name} does not hold the schema Casefile created: {problems[0]}.")
    return FileReport(path=p.resolve(), version=header.user_version, writable=True, size=size)


def require_regular_file(path: Path) -> None:
    """Refuse at once anything that is not a regular file (a named pipe would make a read wait forever)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return  # read_header says there is no file
    except OSError:
        return  # read_header says why it cannot be read
    if stat.S_ISDIR(info.st_mode):
        raise CaseFileError(f"{path.name} is a folder, not a case file.")
    if not stat.S_ISREG(info.st_mode):
        raise RefusedFileError(
            f"{path.name} is not a file but a special file (a named pipe, socket or device), so it is not a case "
            "file. It was not opened."
        )
