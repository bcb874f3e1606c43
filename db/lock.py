"""Who has a case file open for editing: a lock file beside it, held with an OS lock.

Two copies of the app editing one file would each undo the other's work, so an editor
takes ``~lock.<name>#`` beside the case file (the convention office suites use) and holds
an operating-system lock on it for as long as the file is open. The lock file says who
(user, host, process, since when); the OS lock says whether they are still there. A
process that was killed releases its OS lock with it, so its leftover lock file is
recognised as stale and taken over. Read-only opens take no lock.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import sys
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import CaseFileError


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

    def __init__(self, path: Path, owner: LockOwner | None) -> None:
        self.path = path
        self.owner = owner
        who = owner.describe() if owner else "another copy of Casefile"
        super().__init__(
            f"{path.name} is open for editing by {who}. You can open it read-only, or wait until it is closed."
        )


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
        return _parse_owner(path.read_bytes())
    except OSError:
        return None


def _parse_owner(data: bytes) -> LockOwner | None:
    try:
        value: Any = json.loads(data.decode("utf-8"))
        return LockOwner(str(value["user"]), str(value["host"]), int(value["pid"]), str(value["since"]))
    except (ValueError, KeyError, TypeError):
        return None


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

    def __init__(self, path: Path, handle: IO[bytes], owner: LockOwner, took_over: LockOwner | None) -> None:
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
            self.path.unlink()
        with suppress(OSError):
            handle.close()

    @property
    def held(self) -> bool:
        """True until released."""
        return self._handle is not None


def acquire(case_path: Path) -> CaseLock | None:
    """Lock ``case_path`` for editing by this process.

    Raises FileInUseError if another live process holds it. Returns None when no lock can
    be taken because the folder cannot be written (the file then opens read-only anyway).
    """
    path = lock_path(case_path.resolve())
    owner = current_owner()
    if path in _held_here:
        raise FileInUseError(case_path, _held_here[path])
    try:
        handle = open(path, "a+b")  # noqa: SIM115 - held open for as long as the case is open
    except PermissionError:
        return None
    except OSError as exc:
        raise CaseFileError(f"{case_path.name} could not be locked for editing: {exc.strerror or exc}.") from None
    if not _try_os_lock(handle):
        handle.close()
        raise FileInUseError(case_path, read_owner(path))
    try:
        handle.seek(0)
        previous = _parse_owner(handle.read())  # through the locked handle: see read_owner
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(owner.__dict__).encode("utf-8"))
        handle.flush()
    except OSError as exc:
        handle.close()
        raise CaseFileError(f"{case_path.name} could not be locked for editing: {exc.strerror or exc}.") from None
    _held_here[path] = owner
    return CaseLock(path, handle, owner, previous if previous and previous != owner else None)
