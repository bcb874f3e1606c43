"""5. Automatic backups: made when the file changed since the last one, verified, rotated; restorable.

Backups are written with SQLite's backup API into the user data folder (CASEFILE_HOME in
the tests), then opened and checked like any received file; a copy that fails the check is
discarded. The newest ``KEEP`` are kept. File > Restore From Backup… lists them with their
dates and restores one into a new file, which opens with the content of that backup.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time

import pytest
from reliability_helpers import listing, record, sha256

import db.sqlite.backups as backups_module
from db import interchange, records
from db.errors import CaseFileError
from db.fields import Kind
from db.paths import backups_dir
from db.sqlite.backups import KEEP, backup_if_changed, backup_key, case_folder, list_backups
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import check_file
from desktop import file_dialogs
from desktop.actions import ActionId
from desktop.dialogs.restore_backup import RestoreBackupDialog
from tests.gui_helpers import open_window, when_modal


def _names(cf: CaseFile) -> set[str]:
    with cf.read() as conn:
        return set(conn.exec_driver_sql("SELECT name FROM actor").scalars())


def test_a_verified_backup_is_made_only_when_the_file_changed(sample_path):
    with CaseFile.open(sample_path) as cf:
        started = time.perf_counter()
        first = backup_if_changed(cf)
        took = time.perf_counter() - started
        assert first is not None and first.path.parent == backups_dir() / backup_key(sample_path)
        assert check_file(first.path).version == cf.version  # a valid case file on its own
        with CaseFile.open(first.path, read_only=True) as copy:
            assert interchange.export_document(copy) == interchange.export_document(cf)
        assert backup_if_changed(cf) is None  # unchanged since: no new copy
        records.add_record(cf, Kind.ACTOR, {"name": "Added after the first backup"})
        second = backup_if_changed(cf)
        assert second is not None and second.change_counter > first.change_counter
        assert backup_if_changed(cf) is None
    assert [b.path for b in list_backups(backup_key(sample_path))] == [second.path, first.path]
    assert listing(second.path.parent) == sorted(
        [first.path.name, second.path.name, "source.txt"]
    )  # no temporary files
    record(
        5,
        "A backup is written only when the file changed since the last one, and is itself a valid case file "
        "with the same content.",
        backups_made=2,
        skipped_when_unchanged=2,
        backup_bytes=second.size,
        seconds_to_back_up_and_verify=round(took, 3),
    )


def test_backups_rotate_keeping_the_newest(sample_path):
    base = dt.datetime(2026, 6, 1, 9, 0, 0)
    made = []
    with CaseFile.open(sample_path) as cf:
        for i in range(KEEP + 5):
            records.add_record(cf, Kind.SOURCE, {"title": f"Source added on day {i}"})
            backup = backup_if_changed(cf, now=base + dt.timedelta(days=i))
            assert backup is not None
            made.append(backup)
        kept = list_backups(backup_key(cf.path))
    assert len(kept) == KEEP
    assert [b.path for b in kept] == [b.path for b in reversed(made[-KEEP:])]  # the newest, newest first
    assert [b.made for b in kept] == [base + dt.timedelta(days=i) for i in reversed(range(5, KEEP + 5))]
    assert len(list(kept[0].path.parent.glob("*.casefile"))) == KEEP
    record(5, "Backups rotate: the newest KEEP are kept, older ones removed.", backups_made=len(made), kept=KEEP)


def _corrupt_after_writing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Let the backup be written, then damage its pages, as a failing disk would."""
    damaged: list[str] = []
    real_build = backups_module.build_new_file

    def build(target, fill, **kwargs):  # type: ignore[no-untyped-def]
        path = real_build(target, fill, **kwargs)
        data = bytearray(path.read_bytes())
        for page in range(2, len(data) // 4096):
            data[page * 4096 + 8 : page * 4096 + 40] = b"\xa5" * 32
        path.write_bytes(bytes(data))
        damaged.append(path.name)
        return path

    monkeypatch.setattr(backups_module, "build_new_file", build)
    return damaged


def test_a_backup_that_does_not_verify_is_discarded(sample_path, monkeypatch):
    with CaseFile.open(sample_path) as cf:
        good = backup_if_changed(cf)
        assert good is not None
        records.add_record(cf, Kind.ACTOR, {"name": "Changed since"})
        with monkeypatch.context() as patch:
            damaged = _corrupt_after_writing(patch)
            with pytest.raises(
                CaseFileError, match=r"^The backup of sample\.casefile did not verify and was discarded\.$"
            ):
                backup_if_changed(cf)
        assert len(damaged) == 1
        assert listing(good.path.parent) == [good.path.name, "source.txt"]  # the bad copy is gone, the good one kept
        assert [b.path for b in list_backups(backup_key(cf.path))] == [good.path]
        again = backup_if_changed(cf)  # the next try succeeds
        assert again is not None and check_file(again.path)
    record(5, "A backup copy that fails the open-time checks is discarded and reported; the earlier backups stay.",
           damaged_copies_discarded=1)  # fmt: skip


def test_a_failed_backup_is_shown_in_the_app_and_the_file_still_opens(qtbot, sample_path, monkeypatch):
    _corrupt_after_writing(monkeypatch)
    window = open_window(qtbot, sample_path)
    qtbot.waitUntil(lambda: window.documents.backup_task.done.is_set(), timeout=60000)
    qtbot.waitUntil(lambda: len(window.case_view.banners) == 1, timeout=60000)
    text = window.case_view.banners[0].text()
    assert text == (
        "The automatic backup of sample.casefile failed: The backup of sample.casefile did not verify and was "
        "discarded."
    )
    assert window.case_view.banners[0].kind == "warning"
    assert not window.session.read_only
    folder = case_folder(backup_key(window.session.cf.path))
    assert not folder.exists() or not list(folder.glob("*.casefile"))


def test_restore_from_backup_lists_dates_and_restores_the_backed_up_content(qtbot, sample_path, tmp_path, monkeypatch):
    with CaseFile.open(sample_path) as cf:
        records.add_record(cf, Kind.ACTOR, {"name": "In the first backup"})
    window = open_window(qtbot, sample_path)  # opening backs up the changed file after the window shows
    qtbot.waitUntil(lambda: window.documents.backup_task.done.is_set(), timeout=60000)
    window.session.add_record(Kind.ACTOR, {"name": "Added after the first backup"})
    window.documents.close_case()
    window.documents.open_path(sample_path)  # changed again: a second backup
    qtbot.waitUntil(lambda: window.session is not None, timeout=60000)
    qtbot.waitUntil(lambda: window.documents.backup_task.done.is_set(), timeout=60000)
    assert len(list_backups(backup_key(window.session.cf.path))) == 2
    previous = window.documents.backup_task
    window.documents.close_case()
    window.documents.open_path(sample_path)  # unchanged since the last backup: no new copy
    qtbot.waitUntil(lambda: window.session is not None, timeout=60000)
    qtbot.waitUntil(
        lambda: window.documents.backup_task is not previous and window.documents.backup_task.done.is_set(),
        timeout=60000,
    )
    cf = window.session.cf
    found = list_backups(backup_key(cf.path))
    title = records.get_case(cf)["title"]
    assert len(found) == 2
    original = sha256(sample_path)
    target = tmp_path / "restored.casefile"
    monkeypatch.setattr(file_dialogs, "ask_new_case", lambda *a, **k: target)
    listed: list[list[str]] = []

    def choose_older(dialog) -> None:
        assert isinstance(dialog, RestoreBackupDialog)
        tree = dialog.tree
        listed.extend([tree.topLevelItem(i).text(c) for c in range(3)] for i in range(tree.topLevelItemCount()))
        tree.setCurrentItem(tree.topLevelItem(1))
        dialog.restore_button.click()

    seen = when_modal(choose_older)
    window.action_registry[ActionId.RESTORE_BACKUP].trigger()
    qtbot.waitUntil(lambda: window.session is not None and window.session.cf.path == target.resolve(), timeout=60000)
    assert seen
    assert [row[0] for row in listed] == [b.made.strftime("%B %d, %Y, %I:%M %p").replace(" 0", " ") for b in found]
    assert all(row[1] == title for row in listed)
    names = _names(window.session.cf)
    assert "In the first backup" in names and "Added after the first backup" not in names
    assert sha256(sample_path) == original  # restoring made a new file; the case file is untouched
    with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    record(
        5,
        "File > Restore From Backup... lists the backups with their dates and restores the chosen one into a "
        "new file that opens with exactly that backup's content.",
        opens=3,
        backups_made_by_the_app=2,
        backups_skipped_because_unchanged=1,
        backups_listed=len(listed),
        restored="the older of two",
    )


def _set_case_id(path, case_id: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("UPDATE case_info SET id = ? WHERE n = 1", (case_id,))
    finally:
        conn.close()


def test_a_crafted_case_id_cannot_steer_where_backups_go(sample_path, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    # Files named like backups in a folder the crafted id points at: rotation must never see them.
    planted = [victim / f"2020-01-{day:02d} 000000 #{day}.casefile" for day in range(1, KEEP + 4)]
    for path in planted:
        path.write_bytes(b"someone else's file")
    _set_case_id(sample_path, str(victim))  # an absolute path as the "id"
    crafted = tmp_path / "crafted.casefile"
    crafted.write_bytes(sample_path.read_bytes())
    _set_case_id(crafted, "../../../" + victim.name)
    made = []
    for path in (sample_path, crafted):
        for i in range(2):
            with CaseFile.open(path) as cf:
                records.add_record(cf, Kind.SOURCE, {"title": f"Change {i}"})
                backup = backup_if_changed(cf, keep=1)
                assert backup is not None
                made.append(backup)
                assert backup.path.parent.parent == backups_dir()  # inside the backups folder, always
    assert all(path.read_bytes() == b"someone else's file" for path in planted)  # nothing written or deleted
    assert sorted(p.name for p in victim.iterdir()) == sorted(p.name for p in planted)
    record(
        12,
        "A case id crafted as a path (absolute or ../) neither places backups outside the backups folder nor "
        "rotates away files there; backups are filed by a hash of the file's own path.",
        planted_backup_named_files=len(planted),
        untouched=len(planted),
        backups_made=len(made),
    )


def test_copies_of_one_case_keep_their_own_backups(sample_path, tmp_path):
    copy = tmp_path / "copy of sample.casefile"
    copy.write_bytes(sample_path.read_bytes())  # the same case id in both files
    base = dt.datetime(2026, 6, 1, 9, 0, 0)
    with CaseFile.open(sample_path) as cf:
        records.add_record(cf, Kind.ACTOR, {"name": "Only in the original"})
        original = backup_if_changed(cf, now=base)
    assert original is not None
    with CaseFile.open(copy) as cf:
        for i in range(KEEP + 3):  # far more than KEEP backups of the copy
            records.add_record(cf, Kind.SOURCE, {"title": f"Copy change {i}"})
            assert backup_if_changed(cf, now=base + dt.timedelta(days=i + 1)) is not None
    assert [b.path for b in list_backups(backup_key(sample_path))] == [original.path]  # still there
    assert len(list_backups(backup_key(copy))) == KEEP
    assert backup_key(sample_path) != backup_key(copy)
    assert (original.path.parent / "source.txt").read_text(encoding="utf-8").strip().endswith("sample.casefile")
    record(
        12,
        "Two copies of one case (same case id) keep separate backup rotations: editing the copy never pushes "
        "out a backup of the original.",
        backups_of_the_copy=KEEP + 3,
        backups_of_the_original_kept=1,
    )
