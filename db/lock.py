"""Who has a case file open for editing: a lock file beside it, held with an OS lock.

Two copies of the app editing one file would each undo the other's work, so an editor
takes ``~lock.<name>#`` beside the case file (the convention office suites use) and holds
an operating-system lock on it for as long as the file is open. The lock file says who
(user, host, process, since when); the OS lock says whether they are still there. A
process that was killed releases its OS lock with it, so its leftover lock file is
recognised as stale and taken over. Read-only opens take no lock.

The lock file's name can be taken by anything someone put in the folder (an archive can hold
a symbolic link by that name). Casefile writes into it only when it is a regular file with a
single name, opened without following links; anything else leaves the case read-only, with
the reason. A case file with several names (hard links) opens read-only: SQLite names its
journal after the name it opened, so editors under two names could undo each other's work.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import stat
import sys
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import CaseFileError

_MAX_OWNER_BYTES = 4096
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


@dataclass(frozen=True)
class LockOwner:
    """Who holds (or held) a case file."""

    user: str
    host: str
    pid: int
    since: str

    def describe(self) -> str:
        """e.g. "jsmith on LAPTOP-7 (process 4242) since 9:14 a.m. on June 3"."""
        when = self.since
        try:
            stamp = dt.datetime.fromisoformat(self.since).astimezone()
            hour = stamp.strftime("%I:%M").lstrip("0")
            when = f"{hour} {'a.m.' if stamp.hour < 12 else 'p.m.'} on {stamp.strftime('%B')} {stamp.day}"
        except ValueError:
            pass
        return f"{self.user} on {self.host} (process {self.pid}) since {when}"


class FileInUseError(CaseFileError):
    """The case file is open for editing elsewhere; ``owner`` says by whom."""

    def __init__(
        self, path: Path, owner: LockOwner | None, *, other_name: bool = False, replacing: bool = False
    ) -> None:
        self.path = path
        self.owner = owner
        who = owner.describe() if owner else "another copy of Casefile"
        if other_name:
            who += " under another of its names (it has hard links)"
        if replacing:
            message = f"{path.name} was not replaced: it is open for editing by {who}. Close it there first."
        else:
            message = (
                f"{path.name} is open for editing by {who}. You can open it read-only, or wait until it is closed."
            )
        super().__init__(message)


class LockUnavailableError(CaseFileError):
    """No lock can be taken (the folder forbids it, the name is taken by something else, the disk
    is full); the file can still be opened read-only, and ``reason`` says why not for editing."""

    def __init__(self, case_name: str, reason: str) -> None:
        self.reason = reason
        super().__init__(f"{case_name} can only be opened read-only: {reason}.")


def lock_path(case_path: Path) -> Path:
    """The lock file for a case file: ``~lock.<name>#`` in the same folder."""
    return case_path.with_name(f"~lock.{case_path.name}#")


def current_owner() -> LockOwner:
    """This process, as a lock owner."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name available (some service accounts)
        user = "unknown user"
    return LockOwner(user, socket.gethostname(), os.getpid(), dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))


def read_owner(path: Path) -> LockOwner | None:
    """The owner recorded in a lock file, if it can be read.

    Never on a lock this process holds: closing any descriptor of a file drops every POSIX
    (fcntl) lock the process has on it, so reading it through a new descriptor would unlock it.
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_OWNER_BYTES:
            return None
        return _parse_owner(os.read(fd, _MAX_OWNER_BYTES))
    except OSError:
        return None
    finally:
        os.close(fd)


def _parse_owner(data: bytes) -> LockOwner | None:
    """The owner a lock file names; None for anything that is not a lock file's text."""
    if len(data) > _MAX_OWNER_BYTES:
        return None
    try:
        value: Any = json.loads(data.decode("utf-8"))
        owner = LockOwner(_short(value["user"]), _short(value["host"]), int(value["pid"]), _short(value["since"]))
    except (ValueError, KeyError, TypeError, RecursionError, OverflowError):
        return None
    return owner if 0 < owner.pid < 2**31 else None


def _short(value: object) -> str:
    """A name from a lock file, as one short line (the file is someone else's text)."""
    if not isinstance(value, str | int):
        raise TypeError("not a name")
    text = " ".join(str(value).split())
    text = "".join(ch for ch in text if ch.isprintable())
    return text[:80] or "?"


# The OS lock covers one byte far past the owner text, so others can still read who it is
# (Windows refuses reads of locked bytes).
_LOCK_OFFSET = 1 << 20
# fcntl locks belong to a process, not a file handle: a second open in the same process
# would succeed, so this process also remembers what it holds (and who it said it was).
_held_here: dict[Path, LockOwner] = {}


def _try_os_lock(handle: IO[bytes]) -> bool:
    """Take an exclusive, non-blocking OS lock on the lock byte of ``handle``."""
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(_LOCK_OFFSET)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            handle.seek(0)
        else:
            import fcntl

            fcntl.lockf(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _LOCK_OFFSET)
        return True
    except OSError:
        return False


class CaseLock:
    """An acquired lock; ``release`` (or closing the case file) gives it up."""

    def __init__(
        self,
        path: Path,
        handle: IO[bytes],
        owner: LockOwner,
        took_over: LockOwner | None,
    ) -> None:
        self.path = path
        self._handle: IO[bytes] | None = handle
        self.owner = owner
        self.took_over = took_over  # the stale owner whose lock was taken over, if any

    def release(self) -> None:
        """Give up the lock and remove the lock file."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        _held_here.pop(self.path, None)
        # Remove first (while still holding the OS lock) so no one else's fresh lock is deleted.
        with suppress(OSError):
            if not_a_plain_file(os.lstat(self.path)) is None:
                self.path.unlink()
        with suppress(OSError):
            handle.close()

    @property
    def held(self) -> bool:
        """True until released."""
        return self._handle is not None


def _open_lock_file(path: Path, case_name: str) -> IO[bytes]:
    """Open (or create) the lock file, refusing anything that is not a plain file of its own."""
    not_ours = (
        f"the name of its lock file ({path.name}) is taken by {{what}}, which Casefile will not write into; "
        "remove it to edit the case"
    )
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise LockUnavailableError(case_name, f"its lock file cannot be checked ({exc.strerror or exc})") from None
    if info is not None:
        what = not_a_plain_file(info)
        if what:
            raise LockUnavailableError(case_name, not_ours.format(what=what))
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK | getattr(os, "O_BINARY", 0), 0o666)
    except PermissionError:
        raise LockUnavailableError(case_name, "its folder does not allow a lock file") from None
    except OSError as exc:
        if info is None and os.path.lexists(path):  # something took the name meanwhile
            raise LockUnavailableError(case_name, not_ours.format(what="something else")) from None
        raise LockUnavailableError(case_name, f"its lock file could not be made ({exc.strerror or exc})") from None
    handle = os.fdopen(fd, "r+b")
    try:
        what = not_a_plain_file(os.fstat(fd))
    except OSError:
        what = "something that cannot be read"
    if what:
        handle.close()
        raise LockUnavailableError(case_name, not_ours.format(what=what))
    return handle


def not_a_plain_file(info: os.stat_result) -> str | None:
    """What a name beside a case file holds (from ``lstat``), when it is not a plain file with one
    name: Casefile writes into nothing else, and SQLite must not be let near it."""
    if stat.S_ISLNK(info.st_mode):
        return "a link to another file"
    if stat.S_ISDIR(info.st_mode):
        return "a folder"
    if not stat.S_ISREG(info.st_mode):
        return "a special file"
    if info.st_nlink > 1:
        return "a file with other names (a hard link)"
    return None


def _refuse_other_names(case_path: Path) -> None:
    """A case file with other names (hard links) is opened read-only, with the reason.

    SQLite names its journal after the name a file was opened by: a journal left beside one
    name is invisible to an editor that opened another, and could later be played back over
    that editor's work. Nor could two editors be kept apart by lock files beside two names.
    """
    try:
        links = os.stat(case_path).st_nlink
    except OSError:
        return
    if links > 1:
        raise LockUnavailableError(
            case_path.name,
            f"it has {links - 1} other name{'s' if links > 2 else ''} on this disk (hard links), so edits made "
            "under one name could be undone by a journal left beside another; save a copy to edit it",
        )


def acquire(case_path: Path, *, replacing: bool = False) -> CaseLock:
    """Lock ``case_path`` for editing by this process (``replacing``: to move a new file into its place).

    Raises FileInUseError if another live process holds it, and LockUnavailableError, with the
    reason, when no lock can be taken (the file can then still be opened read-only).
    """
    path = lock_path(case_path.resolve())
    owner = current_owner()
    if path in _held_here:
        raise FileInUseError(case_path, _held_here[path])
    if not replacing:
        _refuse_other_names(case_path.resolve())
    created = not os.path.lexists(path)
    handle = _open_lock_file(path, case_path.name)
    if not _try_os_lock(handle):
        handle.close()
        raise FileInUseError(case_path, read_owner(path))
    try:
        handle.seek(0)
        previous = _parse_owner(handle.read(_MAX_OWNER_BYTES + 1))  # through the locked handle: see read_owner
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(owner.__dict__).encode("utf-8"))
        handle.flush()
    except OSError as exc:
        if created:
            with suppress(OSError):
                path.unlink()  # ours, and empty or partial: it helps nobody (removed while still locked)
        handle.close()
        raise LockUnavailableError(
            case_path.name, f"its lock file could not be written ({exc.strerror or exc})"
        ) from None
    _held_here[path] = owner
    return CaseLock(path, handle, owner, previous if previous and previous != owner else None)


def held_elsewhere(case_path: Path) -> bool:
    """True while another process holds the editing lock of ``case_path`` (nothing is written).

    A journal beside a file someone is editing belongs to their edit in progress. Opened for
    reading only, so a lock file someone else owns (or one on a read-only share) is still seen.
    """
    path = lock_path(case_path.resolve())
    if path in _held_here:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | getattr(os, "O_BINARY", 0))
    except OSError:
        return False
    try:
        if not_a_plain_file(os.fstat(fd)) is not None:
            return False
        if sys.platform == "win32":
            return False  # msvcrt cannot probe without writing; judged by the journal alone
        import errno
        import fcntl

        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, _LOCK_OFFSET)
        except OSError as exc:
            return exc.errno in (errno.EACCES, errno.EAGAIN)
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _LOCK_OFFSET)
        return False
    except OSError:
        return False
    finally:
        os.close(fd)
