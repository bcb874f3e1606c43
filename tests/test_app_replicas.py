"""Offline copies in the app: File > Take Offline Copy…, and File > Sync with Master with its
review, on a copy of a case file and on a copy of a team case, each changed on both sides;
the sync is one undo step in the copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from server_fixtures import server  # noqa: F401  (fixture)

from db import records, replica
from db.fields import Kind
from db.sqlite.casefile import CaseFile
from desktop import file_dialogs
from desktop.actions import ActionId
from desktop.dialogs.sync_review import SyncReviewDialog
from tests.gui_helpers import open_window, when_modal

# The sample file's records, found by what they say (its ids are made when it is created).
FIND = {
    "brennan": ("statements", "text", "We share the administration’s goal"),
    "kass": ("statements", "text", "This story is not unusual"),
    "eo": ("directives", "identifier", "EO 14409"),
    "meta": ("actors", "name", "Meta"),
}
MINE_TEXT = "We share the goal. We are still working through the details and expect to sign this summer."
THEIRS_TEXT = "We share the goal. We are working through the details and hope to sign in the coming weeks."


def _ids(path: Path) -> dict[str, str]:
    from db.merge_store import read_state

    store = CaseFile.open(path, read_only=True)
    with store.read() as conn:
        state = read_state(conn)
    store.close()
    out = {}
    for name, (part, field, start) in FIND.items():
        out[name] = next(rid for (p, rid), v in state.items() if p == part and (v.get(field) or "").startswith(start))
    return out


def _menu_action(window, action_id: ActionId):  # type: ignore[no-untyped-def]
    """The action as the File menu holds it (the menu the user opens)."""
    file_menu = window.menuBar().actions()[0].menu()
    action = window.action_registry[action_id]
    assert action in file_menu.actions()
    return action


def _edit_master(store, ids: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    records.update_record(store, Kind.STATEMENT, ids["brennan"], {"text": THEIRS_TEXT})
    records.update_record(store, Kind.STATEMENT, ids["kass"], {"venue": "Commerce Department (Ben Kass)"})
    records.update_record(store, Kind.DIRECTIVE, ids["eo"], {"summary": "The master's summary."})


def _sync_round(qtbot, copy: Path, ids: dict[str, str], read_master) -> None:  # type: ignore[no-untyped-def]
    """Edit the copy in the app, sync through the menu and the review (the statement's words:
    Keep Theirs; the directive's summary: Decide Later), check both sides, then undo the sync."""
    BRENNAN, KASS, EO, META = ids["brennan"], ids["kass"], ids["eo"], ids["meta"]
    window = open_window(qtbot, copy)
    session = window.session
    assert session is not None
    sync = _menu_action(window, ActionId.SYNC_WITH_MASTER)
    assert sync.isEnabled()
    status = window.replicas.status_label
    assert status.isVisible() and status.text().startswith("Offline copy of ")
    session.edit_record(Kind.STATEMENT, BRENNAN, {"text": MINE_TEXT})
    session.edit_record(Kind.DIRECTIVE, EO, {"summary": "This copy's summary."})
    session.edit_record(Kind.ACTOR, META, {"role": "The holdout"})

    def decide(dialog: SyncReviewDialog) -> None:
        keys = [c.key for c in dialog.merge.conflicts]
        assert keys == [("statements", BRENNAN, "text"), ("directives", EO, "summary")]
        tree = dialog.conflict_list
        for index, button in ((0, dialog.keep_theirs_button), (1, dialog.later_button)):
            rect = tree.visualItemRect(tree.topLevelItem(index))
            QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        assert dialog.sync_button.text().replace("&", "") == "Sync and Keep 1 for Later"
        QTest.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)

    seen = when_modal(decide, kind=SyncReviewDialog)
    sync.trigger()
    qtbot.waitUntil(lambda: window.replicas.last_done is not None, timeout=60000)
    assert seen
    done = window.replicas.last_done
    assert done is not None and len(done.postponed) == 1

    # The master: theirs kept, this copy's change taken, the undecided summary its own.
    master = read_master()
    assert master(Kind.STATEMENT, BRENNAN)["text"] == THEIRS_TEXT
    assert master(Kind.ACTOR, META)["role"] == "The holdout"
    assert master(Kind.DIRECTIVE, EO)["summary"] == "The master's summary."
    # The copy on disk: theirs taken, the master's change brought in, the summary left as it was.
    on_disk = CaseFile.open(copy, read_only=True)
    try:
        assert records.get_record(on_disk, Kind.STATEMENT, BRENNAN)["text"] == THEIRS_TEXT
        assert records.get_record(on_disk, Kind.STATEMENT, KASS)["venue"] == "Commerce Department (Ben Kass)"
        assert records.get_record(on_disk, Kind.DIRECTIVE, EO)["summary"] == "This copy's summary."
    finally:
        on_disk.close()
    assert [c.key for c in replica.postponed(session.store)] == [("directives", EO, "summary")]
    assert status.text().endswith(" · 1 conflict left to decide")
    assert window.undo_action.text() == "&Undo Sync with Master"

    # One undo takes the whole sync back out of the copy (the master keeps what it was given).
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: session.get_record(Kind.STATEMENT, BRENNAN)["text"] == MINE_TEXT)
    assert session.get_record(Kind.STATEMENT, KASS)["venue"] == "Commerce Department statement (spokesman)"
    assert read_master()(Kind.STATEMENT, BRENNAN)["text"] == THEIRS_TEXT
    window.redo_action.trigger()
    assert session.get_record(Kind.STATEMENT, BRENNAN)["text"] == THEIRS_TEXT


def _reader(open_store, ids: dict[str, str]):  # type: ignore[no-untyped-def]
    def read():  # type: ignore[no-untyped-def]
        store = open_store()

        def get(kind: Kind, rid: str):  # type: ignore[no-untyped-def]
            return records.get_record(store, kind, rid)

        wanted = ((Kind.STATEMENT, ids["brennan"]), (Kind.ACTOR, ids["meta"]), (Kind.DIRECTIVE, ids["eo"]))
        values = {(k, r): get(k, r) for k, r in wanted}
        store.close()
        return lambda kind, rid: values[(kind, rid)]

    return read


def test_sync_a_copy_of_a_case_file(qtbot, sample_path, tmp_path):
    ids = _ids(sample_path)
    copy = replica.take_offline_copy(sample_path, tmp_path / "copy.casefile")
    master = CaseFile.open(sample_path)
    _edit_master(master, ids)
    master.close()
    _sync_round(qtbot, copy, ids, _reader(lambda: CaseFile.open(sample_path, read_only=True), ids))


@pytest.mark.server
def test_sync_a_copy_of_a_team_case(qtbot, server, sample_path, tmp_path):  # noqa: F811
    from db.postgres.case import ServerCase
    from db.postgres.publish import publish_file

    ids = _ids(sample_path)
    address = server.address("replica")
    publish_file(sample_path, address)
    copy = replica.take_offline_copy(address, tmp_path / "copy.casefile")
    master = ServerCase.open(address)
    _edit_master(master, ids)
    master.close()
    _sync_round(qtbot, copy, ids, _reader(lambda: ServerCase.open(address), ids))


def test_take_an_offline_copy_of_the_open_case_and_open_it(qtbot, sample_path, tmp_path, monkeypatch):
    window = open_window(qtbot, sample_path)
    assert not window.action_registry[ActionId.SYNC_WITH_MASTER].isEnabled()  # an ordinary file
    assert not window.replicas.status_label.isVisible()
    out = tmp_path / "offline.casefile"
    monkeypatch.setattr(file_dialogs, "ask_new_case", lambda *_a, **_k: out)
    seen = when_modal(lambda box: box.button(QMessageBox.StandardButton.Open).click(), kind=QMessageBox)
    _menu_action(window, ActionId.TAKE_OFFLINE_COPY).trigger()
    qtbot.waitUntil(lambda: window.session is not None and window.session.path == out, timeout=60000)
    assert seen
    assert replica.master_of(window.session.store) == str(sample_path.resolve())
    assert window.action_registry[ActionId.SYNC_WITH_MASTER].isEnabled()
    assert window.replicas.status_label.text() == f"Offline copy of {sample_path.resolve()}"


@pytest.mark.server
def test_sync_asks_for_the_team_servers_password_when_the_system_holds_none(
    qtbot,
    server,  # noqa: F811
    sample_path,
    tmp_path,
    monkeypatch,
):
    import os

    from PySide6.QtWidgets import QInputDialog, QLineEdit

    from db.postgres.case import ServerCase
    from db.postgres.publish import publish_file
    from desktop.team_cases import forget_all_passwords

    ids = _ids(sample_path)
    address = server.address("password")
    publish_file(sample_path, address)
    copy = replica.take_offline_copy(address, tmp_path / "copy.casefile")
    with ServerCase.open(address) as master:
        records.update_record(master, Kind.STATEMENT, ids["kass"], {"venue": "From the office"})
    right = next(
        line.rsplit(":", 1)[1]
        for line in Path(os.environ["PGPASSFILE"]).read_text().splitlines()
        if line.split(":")[3] == "casefile_app"
    )
    empty = tmp_path / "no-passwords"
    empty.write_text("")
    empty.chmod(0o600)
    window = open_window(qtbot, copy)
    prompts: list[str] = []

    def answer(text: str, then=None):  # type: ignore[no-untyped-def]
        def fill(dialog) -> None:  # type: ignore[no-untyped-def]
            assert isinstance(dialog, QInputDialog)
            prompts.append(dialog.labelText())
            if then is not None:
                when_modal(then, kind=QInputDialog)
            line = dialog.findChild(QLineEdit)
            QTest.keyClicks(line, text)
            QTest.keyClick(line, Qt.Key.Key_Return)

        return fill

    def accept(dialog: SyncReviewDialog) -> None:
        assert dialog.merge.conflicts == [] and len(dialog.merge.changes) == 1
        QTest.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)

    when_modal(answer("wrong-password", then=answer(right)), kind=QInputDialog)
    reviewed = when_modal(accept, kind=SyncReviewDialog)
    try:
        with monkeypatch.context() as patch:
            patch.setenv("PGPASSFILE", str(empty))  # libpq finds no password now
            _menu_action(window, ActionId.SYNC_WITH_MASTER).trigger()
            qtbot.waitUntil(lambda: window.replicas.last_done is not None, timeout=60000)
    finally:
        forget_all_passwords()
    assert reviewed and len(prompts) == 2 and "refused the password" in prompts[1]
    assert window.session.get_record(Kind.STATEMENT, ids["kass"])["venue"] == "From the office"
    assert right not in (replica.master_of(window.session.store) or "")


def test_a_master_that_is_gone_is_told_in_plain_words_and_nothing_is_written(qtbot, sample_path, tmp_path):
    ids = _ids(sample_path)
    copy = replica.take_offline_copy(sample_path, tmp_path / "copy.casefile")
    window = open_window(qtbot, copy)
    window.session.edit_record(Kind.STATEMENT, ids["kass"], {"venue": "Written offline"})
    sample_path.rename(tmp_path / "moved.casefile")
    told: list[str] = []

    def read(box: QMessageBox) -> None:
        told.append(box.text())
        box.button(QMessageBox.StandardButton.Ok).click()

    seen = when_modal(read, kind=QMessageBox)
    _menu_action(window, ActionId.SYNC_WITH_MASTER).trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=60000)
    assert "is not there: was it moved or renamed?" in told[0] and "Traceback" not in told[0]
    assert window.replicas.last_done is None
    assert window.session.get_record(Kind.STATEMENT, ids["kass"])["venue"] == "Written offline"
    with window.session.store.read() as conn:
        import sqlalchemy as sa

        assert conn.execute(sa.text("SELECT count(*) FROM replica_sync")).scalar() == 0


def test_cancel_in_the_review_writes_nothing_and_stops_the_backups_begun(qtbot, sample_path, tmp_path):
    import threading

    from db.sqlite.backups import all_backups
    from db.sqlite.filecheck import check_file

    ids = _ids(sample_path)
    copy = replica.take_offline_copy(sample_path, tmp_path / "copy.casefile")
    with CaseFile.open(sample_path) as master:
        records.update_record(master, Kind.STATEMENT, ids["kass"], {"venue": "From the office"})
    window = open_window(qtbot, copy)
    window.session.edit_record(Kind.STATEMENT, ids["brennan"], {"text": MINE_TEXT})

    cancelled = when_modal(lambda dialog: dialog.reject(), kind=SyncReviewDialog)
    _menu_action(window, ActionId.SYNC_WITH_MASTER).trigger()
    qtbot.waitUntil(lambda: bool(cancelled) and window.replicas.review is None, timeout=60000)
    # the plan was dropped (off the GUI thread): its backups stopped or finished, none left half-written
    assert window.session.jobs.wait(60000)
    assert not [t for t in threading.enumerate() if t.name.startswith(("sync-master", "sync-backup"))]
    for backup in all_backups():
        check_file(backup.path)
    assert window.replicas.last_done is None
    assert window.session.get_record(Kind.STATEMENT, ids["kass"])["venue"] != "From the office"
    with CaseFile.open(sample_path, read_only=True) as master:
        assert records.get_record(master, Kind.STATEMENT, ids["brennan"])["text"] != MINE_TEXT

    # the copy syncs as before afterwards
    accepted = when_modal(lambda dialog: dialog.sync_button.click(), kind=SyncReviewDialog)
    _menu_action(window, ActionId.SYNC_WITH_MASTER).trigger()
    qtbot.waitUntil(lambda: window.replicas.last_done is not None, timeout=60000)
    assert accepted
    assert window.session.get_record(Kind.STATEMENT, ids["kass"])["venue"] == "From the office"
    with CaseFile.open(sample_path, read_only=True) as master:
        assert records.get_record(master, Kind.STATEMENT, ids["brennan"])["text"] == MINE_TEXT


def test_a_copy_its_master_agrees_with_says_so_and_lets_go_of_the_master(qtbot, sample_path, tmp_path):
    import threading

    copy = replica.take_offline_copy(sample_path, tmp_path / "copy.casefile")
    window = open_window(qtbot, copy)
    reviews = when_modal(lambda dialog: dialog.reject(), kind=SyncReviewDialog)
    _menu_action(window, ActionId.SYNC_WITH_MASTER).trigger()
    qtbot.waitUntil(lambda: "already agree" in window.statusBar().currentMessage(), timeout=60000)
    assert window.statusBar().currentMessage() == "This copy and the master already agree: nothing to sync."
    # no review; the plan was let go of off the GUI thread: no sync thread left, the master closed
    assert window.session.jobs.wait(60000)
    assert not reviews
    assert not [t for t in threading.enumerate() if t.name.startswith(("sync-master", "sync-backup"))]
    assert window.replicas.last_done is None
    with CaseFile.open(sample_path) as master:  # open for editing: nothing holds it any more
        assert not master.read_only
