"""Copy an open case file without holding up the user's edits: with SQLite's backup API, or
byte for byte (``copy_file_bytes``).

A case file uses a rollback journal, so a reader's lock keeps writers out. A backup done in
one step holds that lock for the whole copy: on a large file (250 MB copies in about half a
second here, several seconds on a slow laptop disk) an edit made meanwhile waits, and the
window with it. Copied a few megabytes at a time, the lock is let go between steps: a
waiting edit gets in within one step. SQLite then starts the copy again from the first page
(the source changed), so the copy is always of one consistent state. If edits keep coming
so that the copy has restarted many times, the rest is done in one step: the edits wait once,
for one copy, rather than the copy never finishing.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

PAGES_PER_STEP = 1024  # 4 MB of 4 KB pages: a few milliseconds per step
PAUSE_S = 0.002  # between steps, for a writer waiting on its busy handler to take the lock
FILE_STEP_BYTES = 64 * 2**20  # a byte copy's step: tens of milliseconds from a local disk
MAX_RESTARTS = 20  # with edits coming faster than one copy takes, for 20 copies in a row

BetweenSteps = Callable[[int], None]
"""Called between two steps of a copy (no lock held) with the number of pages still to copy."""


class _Restarting(Exception):
    """Raised from the progress callback to abandon a stepwise copy that keeps restarting."""


class CopyStopped(Exception):
    """The copy was stopped between two steps (its ``stop`` said so); the target is incomplete."""


def copy_database(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    *,
    between_steps: BetweenSteps | None = None,
    stop: Callable[[], bool] | None = None,
) -> int:
    """Copy ``source`` into ``target`` (file or ``:memory:``); return how many times it restarted.

    ``between_steps`` runs after each step that leaves pages to copy, while the source is not
    locked: an edit committed there is what the copy lets in. ``stop`` is asked there too;
    when it says so the copy ends with CopyStopped (a closing case does not wait for a copy).
    """
    seen = {"remaining": -1, "restarts": 0}

    def progress(_status: int, remaining: int, _total: int) -> None:
        if remaining and stop is not None and stop():
            raise CopyStopped("The copy was stopped.")
        if seen["remaining"] >= 0 and remaining >= seen["remaining"] > 0:
            seen["restarts"] += 1
            if seen["restarts"] > MAX_RESTARTS:
                raise _Restarting
        seen["remaining"] = remaining
        if remaining:
            if between_steps is not None:
                between_steps(remaining)
            time.sleep(PAUSE_S)

    try:
        source.backup(target, pages=PAGES_PER_STEP, progress=progress)
    except _Restarting:
        source.backup(target)  # one step: waits for the current edit, then copies everything
    return seen["restarts"]


def copy_file_bytes(
    source: int,
    target: int,
    *,
    locked: Callable[[], AbstractContextManager[object]],
    counter: Callable[[], int],
    stop: Callable[[], bool] | None = None,
) -> int:
    """Copy an open case file byte for byte; return how many times the copy started again.

    ``source``: a descriptor open on the file, read at offsets only (``os.pread``: on POSIX,
    closing any descriptor of the file would let go of SQLite's locks on it); ``target``: an
    empty file's. Each step of ``FILE_STEP_BYTES`` runs inside ``locked()``, a read transaction
    (no commit lands in the file meanwhile). Between steps an edit can get in: the file's change
    ``counter`` (read inside ``locked()``) then has moved, and the copy starts again, in one
    step after ``MAX_RESTARTS``. Where the system offers it (Linux), the kernel copies the
    bytes: much less work than SQLite reading and writing every page through the backup API.
    ``stop`` is asked between steps, as in ``copy_database``.
    """
    restarts = 0
    while True:
        step = FILE_STEP_BYTES if restarts < MAX_RESTARTS else None  # None: all of it at once
        os.ftruncate(target, 0)
        if _copy_in_steps(source, target, step, locked, counter, stop):
            return restarts
        restarts += 1


def _copy_in_steps(
    source: int,
    target: int,
    step: int | None,
    locked: Callable[[], AbstractContextManager[object]],
    counter: Callable[[], int],
    stop: Callable[[], bool] | None,
) -> bool:
    """One attempt of ``copy_file_bytes``: False if a commit got in between two steps."""
    first: int | None = None
    offset, size = 0, 1
    while offset < size:
        if offset and stop is not None and stop():
            raise CopyStopped("The copy was stopped.")
        with locked():
            now = counter()
            if first is None:
                first, size = now, os.fstat(source).st_size
            elif now != first:
                return False
            end = size if step is None else min(size, offset + step)
            _copy_range(source, target, offset, end - offset)
        offset = end
    return True


_KERNEL_COPY = hasattr(os, "copy_file_range")


def _copy_range(source: int, target: int, offset: int, count: int) -> None:
    """Copy ``count`` bytes at ``offset`` of ``source`` to the same offset of ``target``."""
    global _KERNEL_COPY
    done = 0
    while done < count:
        at = offset + done
        if _KERNEL_COPY:
            try:
                n = os.copy_file_range(source, target, count - done, at, at)
            except OSError as exc:  # a file system or kernel without it: read and write
                if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                    raise
                _KERNEL_COPY = False
                continue
        else:
            data = _read_at(source, min(count - done, 2**20), at)
            n = _write_at(target, data, at)
        if n == 0:
            raise OSError(errno.EIO, "the file ended before its copy did")
        done += n


def _read_at(fd: int, count: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, count, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # Windows: a descriptor of the copy's own, no locks to lose
    return os.read(fd, count)


def _write_at(fd: int, data: bytes, offset: int) -> int:
    if hasattr(os, "pwrite"):
        return os.pwrite(fd, data, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.write(fd, data)
