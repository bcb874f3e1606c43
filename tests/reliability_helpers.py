"""Helpers shared by the reliability tests (tests/test_reliability_*.py).

``record`` writes what a test measured (kills survived, seeds tried, bytes checked, ...) as one
JSON line to the file named by ``CASEFILE_RELIABILITY_REPORT``, and does nothing when that
variable is not set; ``scripts/reliability_report.py`` turns those lines into
docs/reliability.md. The other helpers make real conditions: a second process, an
unprivileged user, a small or read-only file system.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

REPORT_ENV = "CASEFILE_RELIABILITY_REPORT"
CRASH_WORKER = Path(__file__).resolve().parent / "crash_worker.py"


# ----- figures ----------------------------------------------------------------------------


def record(item: int, proves: str, **figures: Any) -> None:
    """Append what this test measured to the report file (when CASEFILE_RELIABILITY_REPORT is set).

    ``item`` is the number of the behaviour (1-19, listed in scripts/reliability_report.py);
    ``proves`` says in one sentence what passing the test shows; ``figures`` are the numbers it
    measured.
    """
    target = os.environ.get(REPORT_ENV)
    if not target:
        return
    current = os.environ.get("PYTEST_CURRENT_TEST", "unknown test").rsplit(" ", 1)[0]
    line = {"item": item, "test": current, "proves": proves, "figures": figures}
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")


def env_int(name: str, default: int) -> int:
    """A count from the environment (how many kills, seeds, examples), at least 1."""
    value = os.environ.get(name, "").strip()
    return max(1, int(value)) if value else default


# ----- files ------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    """Digest of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def listing(folder: Path) -> list[str]:
    """Every name in a folder (lock files, journals and temporary files included), sorted."""
    return sorted(p.name for p in folder.iterdir())


def integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` of a file, through a plain read-only connection."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "; ".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def child_env() -> dict[str, str]:
    """Environment for a child Python process that imports the repository's packages."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop(REPORT_ENV, None)
    return env


# ----- a second process holding a file ----------------------------------------------------


class Holder:
    """``tests/crash_worker.py --hold PATH``: another process with the file open for editing."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(CRASH_WORKER), "--hold", str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_env(),
            text=True,
        )
        assert self.proc.stdout is not None
        line = read_line(self.proc, timeout=30)
        if not line.startswith("holding "):
            self.kill()
            raise AssertionError(
                f"holder did not start: {line!r} {self.proc.stderr.read() if self.proc.stderr else ''}"
            )
        self.pid = int(line.split()[1])

    def kill(self) -> None:
        """SIGKILL: the holder dies without closing anything."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()


def read_line(proc: subprocess.Popen[str], *, timeout: float) -> str:
    """The next line a child prints (or "" if it exits or says nothing within ``timeout``)."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline().strip() if ready else ""


# ----- an unprivileged user ---------------------------------------------------------------


def unprivileged_ids() -> tuple[int, int] | None:
    """(uid, gid) of the 'nobody' account, when this process could switch to it (root only)."""
    if not hasattr(os, "fork") or os.geteuid() != 0:
        return None
    import pwd  # POSIX only

    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def as_user(ids: tuple[int, int] | None, fn: Callable[[], Any], *, timeout: float = 60) -> dict[str, Any]:
    """Run ``fn`` as another user (in a forked child) or, with ``ids`` None, here.

    Returns {"result": what fn returned, as JSON} or {"error": class name, "message": str,
    "mro": [class names]}. File permissions are real only for a non-root user, so tests
    running as root prove them by dropping to 'nobody' for just this call.
    """

    def outcome() -> dict[str, Any]:
        try:
            return {"result": json.loads(json.dumps(fn(), default=repr))}
        except BaseException as exc:  # reported to the test, which decides
            return {"error": type(exc).__name__, "message": str(exc), "mro": [c.__name__ for c in type(exc).__mro__]}

    if ids is None:
        return outcome()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges, run, report, leave without running any cleanup
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(ids[1])
            os.setuid(ids[0])
            data = json.dumps(outcome()).encode("utf-8")
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
        finally:
            os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    with os.fdopen(read_end, "rb") as source:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([source], [], [], 0.5)
            if ready:
                chunk = os.read(source.fileno(), 65536)
                if not chunk:
                    break
                chunks.append(chunk)
        else:
            os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    if not chunks:
        raise AssertionError("the unprivileged child reported nothing")
    return dict(json.loads(b"".join(chunks)))


@contextlib.contextmanager
def shared_folder(mode: int = 0o755) -> Iterator[Path]:
    """A temporary folder another user can reach (pytest's own are private to their owner)."""
    folder = Path(tempfile.mkdtemp(prefix="casefile-reliability-"))
    try:
        folder.chmod(mode)
        yield folder
    finally:
        with contextlib.suppress(OSError):
            folder.chmod(0o700)
        for root, dirs, _files in os.walk(folder):  # open each folder before walking into it
            for name in dirs:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(root, name), 0o700)
        shutil.rmtree(folder, ignore_errors=True)


# ----- small file systems -----------------------------------------------------------------


def can_mount() -> bool:
    """True when this process may mount file systems (root with the capability)."""
    return sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("mount") is not None


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """Mount a size-limited tmpfs on ``folder``; pytest.skip if mounting is not permitted."""
    import pytest

    folder.mkdir(parents=True, exist_ok=True)
    if not can_mount():
        pytest.skip("mounting a small file system needs root on Linux")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"mount is not permitted here: {done.stderr.strip()}")
    try:
        # Some sandboxes accept the mount but not its size limit: a test that fills the disk would
        # then write until the machine runs out of memory. Check the limit took before using it.
        total = _statvfs_total(folder)
        if total > 4 * _size_in_bytes(size):
            pytest.skip(f"the small file system reports {total} bytes: its size limit is not enforced here")
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def _size_in_bytes(size: str) -> int:
    """``"2m"`` -> 2097152 (the suffixes mount's size= option takes)."""
    scale = {"k": 1024, "m": 1024**2, "g": 1024**3}
    suffix = size[-1].lower()
    return int(size[:-1]) * scale[suffix] if suffix in scale else int(size)


def _statvfs_total(folder: Path) -> int:
    stats = os.statvfs(folder)
    return stats.f_blocks * stats.f_frsize


def remount_read_only(folder: Path) -> bool:
    """Make a tmpfs mounted by ``tmpfs`` read-only (True if it worked)."""
    done = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True, check=False)
    return done.returncode == 0


def fill_disk(folder: Path) -> Path:
    """Write a filler file until the file system holding ``folder`` is full; return it.

    Never writes more than the file system says it holds (plus a margin): where writes go on
    past that, the disk is not really filling, and the test is skipped rather than left to
    write forever.
    """
    import pytest

    filler = folder / "filler.bin"
    budget = _statvfs_total(folder) + 1024 * 1024
    written = 0
    with open(filler, "wb", buffering=0) as handle:
        for size in (65536, 512):
            block = b"\0" * size
            try:
                while written <= budget:
                    written += handle.write(block) or 0
            except OSError:
                continue
    if written > budget:
        filler.unlink()
        pytest.skip(f"wrote {written} bytes to a file system of {budget} without it filling up")
    return filler


def pdftotext(path: Path) -> str:
    """The text of a PDF as poppler extracts it (skips the test when poppler is missing)."""
    import pytest

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def age_leftovers(folder: Path, seconds: float = 120.0) -> None:
    """Make every hidden temporary name in ``folder`` look ``seconds`` old (a later run, in a test)."""
    import time

    from db.tempfiles import is_temp_name

    moment = time.time() - seconds
    for entry in folder.iterdir():
        if is_temp_name(entry.name):
            os.utime(entry, (moment, moment), follow_symlinks=False)


def limit_pages(monkeypatch: Any, cf: Any) -> int:
    """Cap every connection of ``cf`` at the file's current size: the next new page fails with
    SQLITE_FULL, exactly as on a full disk. Returns the page count."""
    import db.sqlite.casefile as casefile_module

    with cf.read() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    real = casefile_module.configure

    def configure(conn: Any, *, read_only: bool = False) -> None:
        real(conn, read_only=read_only)
        conn.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(casefile_module, "configure", configure)
    cf.engine.dispose()  # connections made from now on carry the limit
    return pages
