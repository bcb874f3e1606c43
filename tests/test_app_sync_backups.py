"""File > Sync with Master backs up both sides at the same time, each copy verified, before it
writes either side: the backups begin while the sync is still reading, before the review."""

from __future__ import annotations

import threading

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


def test_sync_with_master_backs_up_both_sides_at_once(qtbot, sample_path, tmp_path, monkeypatch):
    copy = replica.take_offline_copy(sample_path, tmp_path / "copy.casefile")
    with CaseFile.open(sample_path) as master:
        with master.read() as conn:
            actor = conn.execute(sa.text("SELECT id FROM actor ORDER BY n LIMIT 1")).scalar_one()
        records.update_record(master, Kind.ACTOR, actor, {"role": "Changed in the master"})
    real = backups.backup_if_changed
    both_started = threading.Barrier(2, timeout=20)  # each backup waits here for the other one
    started: list[str] = []

    def meeting(cf, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "verify" in kwargs:  # the sync's backups (the one made on opening the copy checks the whole file)
            started.append(cf.path.name)
            both_started.wait()
        return real(cf, *args, **kwargs)

    monkeypatch.setattr(backups, "backup_if_changed", meeting)
    window = open_window(qtbot, copy)
    session = window.session
    assert session is not None
    session.edit_record(Kind.ACTOR, actor, {"name": "Renamed in the copy"})

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
