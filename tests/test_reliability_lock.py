"""4. Two copies of the app, one file: the second sees who holds it and may read it; a dead holder's
lock is taken over.

The holder is a real second process (tests/crash_worker.py --hold) that has the file open
for editing. It is killed with SIGKILL, so it never removes its lock file: the next open
finds the lock file, sees that no live process holds its OS lock, and takes it over.
"""

from __future__ import annotations

import getpass
import os
import socket
import sys
import time

import pytest
from PySide6.QtWidgets import QMessageBox
from reliability_helpers import Holder, record, sha256

from db import queries
from db.fields import Kind
from db.lock import FileInUseError, lock_path, read_owner
from db.sqlite.casefile import CaseFile
from tests.gui_helpers import open_window, when_modal

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="uses SIGKILL; Windows locking (msvcrt) is not exercised on this machine"
)


def test_a_second_copy_is_told_who_has_the_file_and_can_read_it(sample_path):
    holder = Holder(sample_path)
    try:
        started = time.perf_counter()
        with pytest.raises(FileInUseError) as in_use:
            CaseFile.open(sample_path)
        took = time.perf_counter() - started
        message = str(in_use.value)
        assert message.startswith(f"sample.casefile is open for editing by {getpass.getuser()} on ")
        assert f" on {socket.gethostname()} (process {holder.pid}) since " in message
        assert message.endswith("You can open it read-only, or wait until it is closed.")
        assert in_use.value.owner is not None and in_use.value.owner.pid == holder.pid
        with CaseFile.open(sample_path, read_only=True) as cf:  # reading is never blocked
            assert cf.read_only and cf.lock is None
            assert queries.counts(cf)[Kind.STATEMENT] == 21
        assert read_owner(lock_path(sample_path)).pid == holder.pid  # the holder's lock is untouched
        assert holder.proc.poll() is None
        before_kill = sha256(sample_path)
    finally:
        holder.kill()
    assert lock_path(sample_path).exists()  # killed: it could not remove its lock file
    with CaseFile.open(sample_path) as cf:
        assert cf.lock is not None and cf.lock.took_over is not None
        assert cf.lock.took_over.pid == holder.pid
        assert f"(process {holder.pid})" in cf.lock.took_over.describe()
        assert cf.lock.owner.pid == os.getpid()  # now ours
    assert not lock_path(sample_path).exists()
    assert sha256(sample_path) == before_kill
    record(
        4,
        "A second copy opening a file being edited is refused with who has it (user, host, process) and can "
        "open it read-only; when the holder is killed, its stale lock is taken over.",
        holder="a separate process (tests/crash_worker.py --hold)",
        in_use_detected_in_seconds=round(took, 3),
        message=message.replace(getpass.getuser(), "USER").replace(socket.gethostname(), "HOST"),
        stale_lock_taken_over=True,
    )


def test_the_same_process_cannot_open_a_file_twice_for_editing(sample_path):
    with CaseFile.open(sample_path) as first:
        with pytest.raises(FileInUseError):
            CaseFile.open(sample_path)
        assert first.lock is not None and first.lock.held
    with CaseFile.open(sample_path) as again:  # closing gave the lock back
        assert again.lock is not None and again.lock.took_over is None


def test_the_app_offers_read_only_and_later_takes_over_the_dead_holders_lock(qtbot, sample_path):
    holder = Holder(sample_path)
    window = open_window(qtbot)
    shown: list[str] = []

    def open_read_only(box) -> None:
        assert isinstance(box, QMessageBox)
        shown.append(box.text())
        next(b for b in box.buttons() if b.text() == "Open Read-Only").click()

    try:
        seen = when_modal(open_read_only)
        window.documents.open_path(sample_path)
        qtbot.waitUntil(lambda: window.session is not None, timeout=60000)
        assert seen and window.session.read_only
        assert f"(process {holder.pid})" in shown[0] and getpass.getuser() in shown[0]
        assert socket.gethostname() in shown[0] and "open it read-only" in shown[0]
        texts = [b.text() for b in window.case_view.banners]
        assert len(texts) == 1 and "sample.casefile is open read-only" in texts[0]
    finally:
        holder.kill()
    window.documents.close_case()
    window.documents.open_path(sample_path)
    qtbot.waitUntil(lambda: window.session is not None and not window.session.read_only, timeout=60000)
    banners = window.case_view.banners
    assert len(banners) == 1
    qtbot.waitUntil(banners[0].isVisible, timeout=60000)
    assert (
        f"was left locked by {getpass.getuser()} on {socket.gethostname()} (process {holder.pid})" in banners[0].text()
    )
    assert "no longer running; the lock was taken over" in banners[0].text()
    record(4, "In the app, the in-use dialog names the holder and opens read-only; a dead holder's lock is taken over "
              "with a notice.", in_use_dialog=True, read_only_banner=True, takeover_banner=True)  # fmt: skip
