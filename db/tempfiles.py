"""Temporary files beside their targets: named so they are never taken for a case file, made with
the user's normal permissions, and cleaned up by a later run when a killed process left them.

Every file Casefile writes is built under a temporary name in the target's folder and renamed into
place when complete. The name is hidden (a leading dot), ends in ``.tmp`` (never ``.casefile``,
so no dialog or command takes it for a case file), and carries the writing process's id. A later
run removes such files once nothing has written to them for a minute and their process is gone
(or after a day, when its id may have been reused), so a kill at any moment leaves nothing
behind for long, and no live writer loses its file, not even one on another computer.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from contextlib import suppress
from pathlib import Path

log = logging.getLogger("casefile.tempfiles")

TEMP_SUFFIX = ".tmp"
_PATTERN = re.compile(r"^\..+\.cf(?P<pid>\d+)-[0-9a-f]{8}\.tmp(?:-journal)?$")
STALE_AFTER_S = 60.0


def temp_path_beside(path: Path) -> Path:
    """A unique temporary name in the same folder as ``path`` (so the final rename is atomic)."""
    return path.with_name(f".{path.name[:120]}.cf{os.getpid()}-{uuid.uuid4().hex[:8]}{TEMP_SUFFIX}")


def normal_mode() -> int:
    """The permission bits an ordinary new file gets (0o666 less the process umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def create_temp_beside(path: Path) -> tuple[int, Path]:
    """Create and open (``O_EXCL``) a temporary file beside ``path``; return its descriptor and name.

    The file gets the user's normal permissions, like any file a program saves, not the
    owner-only mode of ``tempfile.mkstemp``.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    while True:
        temp = temp_path_beside(path)
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return False  # judged by age alone where no cheap liveness test exists
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def is_temp_name(name: str) -> bool:
    """True for a name made by ``temp_path_beside`` (and its SQLite journal)."""
    return _PATTERN.match(name) is not None


def clean_stale_temp_files(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove temporary files a killed Casefile process left in ``folder``; return what was removed."""
    removed: list[Path] = []
    moment = time.time() if now is None else now
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _PATTERN.match(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        age = moment - info.st_mtime
        if age < STALE_AFTER_S:
            continue  # being written now, perhaps by a process this one cannot see (another computer)
        if _alive(int(match["pid"])) and age < 24 * 3600:  # a live writer's (or, after a day, a reused id)
            continue
        path = Path(entry.path)
        with suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                _remove_tree(path)
            else:
                path.unlink()
            removed.append(path)
            log.info("removed a temporary file left by an interrupted run: %s", path)
    return removed


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path)
