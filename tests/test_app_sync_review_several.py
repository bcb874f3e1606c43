"""Deciding many conflicts of a sync at once: several selected in the list (Shift and Ctrl, from the
keyboard or the mouse) take one choice together, and Decide All settles every conflict not yet
decided while leaving the decisions already made alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from db import records, replica
from db.fields import Kind
from db.merge import Side
from db.sqlite.casefile import CaseFile
from desktop.actions import ActionId
from desktop.dialogs.sync_review import SyncReviewDialog, ValueEditor
from tests.gui_helpers import open_window, when_modal
from tests.test_app_sync_review import BRENNAN, EO, LYNCH, sample_merge

ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def review(qtbot):  # type: ignore[no-untyped-def]
    """The sample sync's review (three conflicts), shown and active, as the user sees it."""
    dialog = SyncReviewDialog(sample_merge(), master="/cases/CAISI Voluntary Review.casefile")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)  # mnemonics and keys need an active window
    return dialog


def _marks(d: SyncReviewDialog) -> list[str]:
    tree = d.conflict_list
    return [tree.topLevelItem(i).text(2) for i in range(tree.topLevelItemCount())]


def _key(d: SyncReviewDialog, record: tuple[str, str]) -> tuple[str, str, str | None]:
    return next(c.key for c in d.merge.conflicts if c.record_key == record)


def _click_row(d: SyncReviewDialog, record: tuple[str, str], modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    index = next(i for i, c in enumerate(d.merge.conflicts) if c.record_key == record)
    tree = d.conflict_list
    rect = tree.visualItemRect(tree.topLevelItem(index))
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_several_selected_with_the_keyboard_take_one_choice(qtbot, review):
    d = review
    assert [c.record_key for c in d.merge.conflicts] == [LYNCH, BRENNAN, EO]
    QTest.keyClick(d, Qt.Key.Key_C, ALT)
    QTest.keyClick(d.conflict_list, Qt.Key.Key_Home)
    QTest.keyClick(d.conflict_list, Qt.Key.Key_Down, SHIFT)
    assert len(d.conflict_list.selectedItems()) == 2
    assert d.selection_label.isVisible()
    assert d.selection_label.text() == (
        "2 conflicts selected: Keep Mine, Keep Theirs and Decide Later apply to all of them."
    )
    assert d.record_label.text().startswith("Statement “")  # the pane shows the current conflict
    QTest.keyClick(d, Qt.Key.Key_T, ALT)
    qtbot.waitUntil(lambda: d.decided() == 2)
    assert d.decisions() == {_key(d, LYNCH): Side.THEIRS, _key(d, BRENNAN): Side.THEIRS, _key(d, EO): None}
    assert _marks(d) == ["Keep theirs", "Keep theirs", "Decide later"]
    assert d.keep_theirs_button.isChecked() and not d.later_button.isChecked()
    assert d.count_label.text() == "2 of 3 conflicts decided"
    assert d.sync_button.text().replace("&", "") == "Sync and Keep 1 for Later"

    # Ctrl+A takes the whole list; choices that differ across it show none checked.
    QTest.keyClick(d, Qt.Key.Key_C, ALT)
    QTest.keyClick(d.conflict_list, Qt.Key.Key_A, CTRL)
    assert d.selection_label.text().startswith("3 conflicts selected")
    assert not any(b.isChecked() for b in (d.keep_mine_button, d.keep_theirs_button, d.later_button))
    QTest.keyClick(d, Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: d.decided() == 3)
    assert set(d.decisions().values()) == {Side.OURS}
    assert _marks(d) == ["Keep mine"] * 3
    assert d.sync_button.text().replace("&", "") == "Sync"
    QTest.keyClick(d, Qt.Key.Key_L, ALT)
    qtbot.waitUntil(lambda: d.decided() == 0)
    assert _marks(d) == ["Decide later"] * 3
    assert d.sync_button.text().replace("&", "") == "Sync and Keep 3 for Later"

    # One conflict again: the pane no longer speaks of a selection.
    QTest.keyClick(d, Qt.Key.Key_C, ALT)
    QTest.keyClick(d.conflict_list, Qt.Key.Key_End)
    assert len(d.conflict_list.selectedItems()) == 1
    assert not d.selection_label.isVisible()


def test_edit_is_one_conflict_at_a_time(qtbot, review):
    d = review
    _click_row(d, BRENNAN)
    assert d.edit_button.isEnabled() and d.edit_button.toolTip() == ""
    _click_row(d, EO, Qt.KeyboardModifier.ControlModifier)
    assert len(d.conflict_list.selectedItems()) == 2
    assert not d.edit_button.isEnabled()
    assert d.edit_button.toolTip() == "Edit… gives one conflict a value of your own: select just one to edit it"
    opened = when_modal(lambda editor: editor.reject(), kind=ValueEditor)
    QTest.keyClick(d, Qt.Key.Key_E, ALT)  # a disabled button's mnemonic does nothing
    assert not opened and d.decided() == 0

    # Ctrl+click takes the shown conflict out of the selection: the pane moves to what is left,
    # which is then one conflict, and Keep Mine decides that one only.
    _click_row(d, EO, Qt.KeyboardModifier.ControlModifier)
    assert [c.record_key for c in d.selected()] == [BRENNAN]
    assert d.current().record_key == BRENNAN
    assert d.edit_button.isEnabled() and not d.selection_label.isVisible()
    QTest.mouseClick(d.keep_mine_button, Qt.MouseButton.LeftButton)
    assert d.decisions() == {_key(d, LYNCH): None, _key(d, BRENNAN): Side.OURS, _key(d, EO): None}


def test_keep_mine_for_all_leaves_earlier_decisions_alone(qtbot, review):
    d = review
    button = d.decide_all_button
    mine, theirs = button.actions_by_side[Side.OURS], button.actions_by_side[Side.THEIRS]
    assert [a.text().replace("&", "") for a in button.menu().actions()] == [
        "Keep Mine for All Undecided",
        "Keep Theirs for All Undecided",
    ]
    assert mine.shortcut().toString() == "Ctrl+Shift+M" and theirs.shortcut().toString() == "Ctrl+Shift+T"
    assert "already decided stay as they are" in button.toolTip()

    _click_row(d, EO)
    QTest.mouseClick(d.keep_theirs_button, Qt.MouseButton.LeftButton)
    assert mine.toolTip() == (
        "Keeps this copy’s value in all 2 conflicts not yet decided; those already decided stay as they are"
    )
    QTest.keyClick(d, Qt.Key.Key_M, CTRL | SHIFT)
    qtbot.waitUntil(lambda: d.decided() == 3)
    assert d.decisions() == {_key(d, LYNCH): Side.OURS, _key(d, BRENNAN): Side.OURS, _key(d, EO): Side.THEIRS}
    assert _marks(d) == ["Keep mine", "Keep mine", "Keep theirs"]
    assert d.count_label.text() == "3 of 3 conflicts decided"
    assert d.sync_button.text().replace("&", "") == "Sync"
    assert d.keep_theirs_button.isChecked()  # the conflict shown kept its own decision
    # Nothing is left to decide: both are off and say why, and the key changes nothing.
    assert not mine.isEnabled() and not theirs.isEnabled()
    assert theirs.toolTip() == "Every conflict is decided: nothing is left to take from the master"
    QTest.keyClick(d, Qt.Key.Key_T, CTRL | SHIFT)
    assert d.decisions()[_key(d, LYNCH)] is Side.OURS


def _statements(path: Path) -> list[str]:
    from db.merge_store import read_state

    store = CaseFile.open(path, read_only=True)
    try:
        with store.read() as conn:
            state = read_state(conn)
    finally:
        store.close()
    return sorted(rid for part, rid in state if part == "statements")[:5]


def _venues(path: Path, ids: list[str]) -> dict[str, str]:
    store = CaseFile.open(path, read_only=True)
    try:
        return {rid: records.get_record(store, Kind.STATEMENT, rid)["venue"] for rid in ids}
    finally:
        store.close()


def test_several_and_the_rest_decided_at_once_are_what_the_sync_writes(qtbot, sample_path, tmp_path):
    ids = _statements(sample_path)
    copy = replica.take_offline_copy(sample_path, tmp_path / "copy.casefile")
    master = CaseFile.open(sample_path)
    for n, rid in enumerate(ids):
        records.update_record(master, Kind.STATEMENT, rid, {"venue": f"The master's venue {n}"})
    master.close()
    window = open_window(qtbot, copy)
    session = window.session
    assert session is not None
    for n, rid in enumerate(ids):
        session.edit_record(Kind.STATEMENT, rid, {"venue": f"This copy's venue {n}"})

    chosen: dict[str, str] = {}
    failed: list[BaseException] = []

    def decide(d: SyncReviewDialog) -> None:
        try:
            choose(d)
        except BaseException as exc:
            failed.append(exc)
            d.reject()  # a failed check ends the review, or its event loop would hold the test
            raise

    def choose(d: SyncReviewDialog) -> None:
        d.activateWindow()
        qtbot.waitUntil(d.isActiveWindow)  # keys need an active window
        order = [c.record_key[1] for c in d.merge.conflicts]
        assert sorted(order) == sorted(ids)
        # The first three from the keyboard: theirs; the two left by Keep Mine for All.
        QTest.keyClick(d, Qt.Key.Key_C, ALT)
        QTest.keyClick(d.conflict_list, Qt.Key.Key_Home)
        QTest.keyClick(d.conflict_list, Qt.Key.Key_Down, SHIFT)
        QTest.keyClick(d.conflict_list, Qt.Key.Key_Down, SHIFT)
        assert len(d.conflict_list.selectedItems()) == 3
        QTest.keyClick(d, Qt.Key.Key_T, ALT)
        qtbot.waitUntil(lambda: d.decided() == 3)
        assert d.sync_button.text().replace("&", "") == "Sync and Keep 2 for Later"
        QTest.keyClick(d, Qt.Key.Key_M, CTRL | SHIFT)
        assert _marks(d) == ["Keep theirs"] * 3 + ["Keep mine"] * 2
        for rid in order:
            n = ids.index(rid)
            chosen[rid] = f"The master's venue {n}" if order.index(rid) < 3 else f"This copy's venue {n}"
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # Enter is Sync

    seen = when_modal(decide, kind=SyncReviewDialog)
    window.action_registry[ActionId.SYNC_WITH_MASTER].trigger()
    qtbot.waitUntil(lambda: window.replicas.last_done is not None or bool(failed), timeout=60000)
    assert seen and not failed and len(chosen) == 5
    done = window.replicas.last_done
    assert done is not None and not done.postponed
    assert _venues(copy, ids) == chosen
    assert _venues(sample_path, ids) == chosen
