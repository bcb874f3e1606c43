"""File > Sync with Master backs up both sides at the same time, each copy verified, before it
writes either side: the backups begin while the sync is still reading, before the review."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

import db.sqlite.backups as backups
from db import records, replica
from db.fields import Kind
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import check_file
from desktop.actions import ActionId
from desktop.dialogs.sync_review import SyncReviewDialog
from tests.gui_helpers import open_window, when_modal


def _copy_and_master_changed(sample_path: Path, tmp_path: Path) -> tuple[Path, str]:
    """An offline copy of the sample, and the actor whose role the master then changed."""
    copy = replica.take_offline_copy(sample_path, tmp_path / "copy.casefile")
    with CaseFile.open(sample_path) as master:
        with master.read() as conn:
            actor = conn.execute(sa.text("SELECT id FROM actor ORDER BY n LIMIT 1")).scalar_one()
        records.update_record(master, Kind.ACTOR, actor, {"role": "Changed in the master"})
    return copy, actor


def _open_and_edit(qtbot, copy: Path, actor: str):  # type: ignore[no-untyped-def]
    """The copy open in a window, the actor renamed there: both sides have changed."""
    window = open_window(qtbot, copy)
    session = window.session
    assert session is not None
    session.edit_record(Kind.ACTOR, actor, {"name": "Renamed in the copy"})
    return window, session


def test_sync_with_master_backs_up_both_sides_at_once(qtbot, sample_path, tmp_path, monkeypatch):
    copy, actor = _copy_and_master_changed(sample_path, tmp_path)
    real = backups.backup_if_changed
    both_started = threading.Barrier(2, timeout=20)  # each backup waits here for the other one
    started: list[str] = []

    def meeting(cf, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "verify" in kwargs:  # the sync's backups (the one made on opening the copy checks the whole file)
            started.append(cf.path.name)
            both_started.wait()
        return real(cf, *args, **kwargs)

    monkeypatch.setattr(backups, "backup_if_changed", meeting)
    window, session = _open_and_edit(qtbot, copy, actor)

    before_review: list[str] = []

    def accept(dialog: SyncReviewDialog) -> None:
        before_review.extend(started)
        QTest.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)

    seen = when_modal(accept, kind=SyncReviewDialog)
    window.action_registry[ActionId.SYNC_WITH_MASTER].trigger()
    qtbot.waitUntil(lambda: window.replicas.last_done is not None, timeout=40000)
    assert seen
    assert sorted(before_review) == sorted([copy.name, sample_path.name])  # begun while reading
    # checked again before writing: neither side had changed, so neither was copied again
    assert sorted(started) == sorted([copy.name, sample_path.name] * 2)
    done = window.replicas.last_done
    assert done is not None and len(done.backups) == 2
    for path in done.backups:
        assert check_file(path).version >= 9
    assert session.get_record(Kind.ACTOR, actor)["role"] == "Changed in the master"
    with CaseFile.open(sample_path, read_only=True) as master:
        assert records.get_record(master, Kind.ACTOR, actor)["name"] == "Renamed in the copy"


def test_cancel_in_the_review_does_not_wait_for_the_backups_to_stop(qtbot, sample_path, tmp_path, monkeypatch):
    """Stopping a backup waits for the step it is in: the window goes on meanwhile, and the copy
    closes only once they have stopped."""
    from db.sqlite.backups import all_backups

    copy, actor = _copy_and_master_changed(sample_path, tmp_path)
    real = backups.backup_if_changed
    began, release = threading.Event(), threading.Event()
    released: list[bool] = []  # False: a backup gave up waiting (the window waited for it)

    def held(cf, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "verify" in kwargs:  # the sync's backups, held in their first step
            began.set()
            released.append(release.wait(20))
        return real(cf, *args, **kwargs)

    monkeypatch.setattr(backups, "backup_if_changed", held)
    window, session = _open_and_edit(qtbot, copy, actor)

    def cancel(dialog: SyncReviewDialog) -> None:
        assert began.wait(20)
        dialog.reject()

    cancelled = when_modal(cancel, kind=SyncReviewDialog)
    window.action_registry[ActionId.SYNC_WITH_MASTER].trigger()
    qtbot.waitUntil(lambda: bool(cancelled) and window.replicas.review is None, timeout=40000)
    # back to the window while the backups are still held: they stop on a thread of the case's
    assert not release.is_set()
    release.set()
    assert session.jobs.wait(20000)
    assert released and all(released)
    assert not [t for t in threading.enumerate() if t.name.startswith(("sync-master", "sync-backup"))]
    for backup in all_backups():
        check_file(backup.path)  # a backup stopped half-way was removed
    assert session.get_record(Kind.ACTOR, actor)["role"] != "Changed in the master"
