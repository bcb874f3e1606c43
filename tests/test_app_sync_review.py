"""The sync review: what merges by itself, grouped and readable, and a decision per conflict
(Keep Mine, Keep Theirs, Edit…, Decide Later) made with the mouse or the keyboard.

``python -m tests.test_app_sync_review`` renders docs/screenshots/sync-review.png.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QPlainTextEdit

from db.merge import Edited, Merge, Side, State, document_state, merge
from db.sample import sample_document
from desktop.dialogs.sync_review import SHOWN_PER_GROUP, SyncReviewDialog, ValueEditor
from tests.gui_helpers import when_modal

BRENNAN = ("statements", "s-brennan-statement")
EO = ("directives", "eo-14409")
LYNCH = ("actors", "devin-lynch")
ALT = Qt.KeyboardModifier.AltModifier

MINE_TEXT = (
    "We share the administration’s goal of advancing U.S. leadership on robust and secure frontier A.I. "
    "While we are still working through the details, we expect to sign the agreement this summer."
)
THEIRS_TEXT = (
    "We share the administration’s goal of advancing U.S. leadership on robust and secure frontier A.I. "
    "While we are working through the details, we hope to sign the agreement in the coming weeks."
)


def _edit(state: State, key: tuple[str, str], **values: object) -> None:
    state[key] = {**state[key], **values}


def sample_merge() -> Merge:
    """A sync of the sample case: three conflicts (a statement's words, a directive's parties, an
    actor deleted in the master but changed in this copy) and changes that merge by themselves."""
    base = document_state(sample_document())
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    _edit(mine, BRENNAN, text=MINE_TEXT)
    _edit(theirs, BRENNAN, text=THEIRS_TEXT)
    parties = base[EO]["parties"]
    _edit(mine, EO, parties=[p for p in parties if p != "xai"])
    _edit(theirs, EO, parties=[*parties, "nist"])
    _edit(mine, LYNCH, role="Former ONCD official; LinkedIn commentator")
    del theirs[LYNCH]
    theirs[("statements", "s-lynch-linkedin")]["speaker"] = None
    _edit(theirs, ("statements", "s-kass-not-unusual"), venue="Commerce Department statement (spokesman Ben Kass)")
    _edit(theirs, ("statements", "s-commerce-routine"), date="2026-06-23", tags=["commerce", "caisi"])
    _edit(mine, ("statements", "s-anthropic-scope"), notes="Checked against the statement as published.")
    _edit(theirs, ("directives", "anthropic-export-directive"), status="suspended")
    _edit(mine, ("actors", "meta"), tags=["industry", "holdout"])
    theirs[("timeline", "t-meta-signs")] = {
        "date": "2026-07-01",
        "title": "Meta signs a CAISI voluntary review agreement",
        "description": None,
        "actors": ["meta", "caisi"],
        "directive": None,
        "statement": None,
        "key": True,
        "source": None,
        "locator": None,
        "tags": [],
    }
    _edit(mine, ("case", ""), subtitle="Meta’s holdout from CAISI pre-release review, and the June 12 directive")
    return merge(base, mine, theirs)


@pytest.fixture
def review(qtbot):
    dialog = SyncReviewDialog(sample_merge(), master="/cases/CAISI Voluntary Review.casefile")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)  # mnemonics need an active window
    return dialog


def _select(dialog: SyncReviewDialog, key: tuple[str, str]) -> None:
    """Pick a conflict in the list by clicking its row."""
    index = next(i for i, c in enumerate(dialog.merge.conflicts) if c.record_key == key)
    tree = dialog.conflict_list
    rect = tree.visualItemRect(tree.topLevelItem(index))
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.current() is dialog.merge.conflicts[index]


def _key(dialog: SyncReviewDialog, record: tuple[str, str]) -> tuple[str, str, str | None]:
    return next(c.key for c in dialog.merge.conflicts if c.record_key == record)


def test_each_choice_gives_its_decision(qtbot, review):
    d = review
    assert [c.record_key for c in d.merge.conflicts] == [LYNCH, BRENNAN, EO]
    assert d.decisions() == {c.key: None for c in d.merge.conflicts}  # nothing decided until the user picks
    assert d.count_label.text() == "0 of 3 conflicts decided"
    assert d.sync_button.text().replace("&", "") == "Sync and Keep 3 for Later"

    _select(d, BRENNAN)
    QTest.mouseClick(d.keep_mine_button, Qt.MouseButton.LeftButton)
    _select(d, EO)
    QTest.mouseClick(d.keep_theirs_button, Qt.MouseButton.LeftButton)
    assert d.decisions() == {_key(d, LYNCH): None, _key(d, BRENNAN): Side.OURS, _key(d, EO): Side.THEIRS}
    assert d.count_label.text() == "2 of 3 conflicts decided"
    assert d.sync_button.text().replace("&", "") == "Sync and Keep 1 for Later"
    assert [d.conflict_list.topLevelItem(i).text(2) for i in range(3)] == ["Decide later", "Keep mine", "Keep theirs"]

    # From the keyboard: the list by its mnemonic, arrows to move, a mnemonic per choice (a
    # mnemonic presses its button the way a click shows it pressed: the choice lands a moment later).
    QTest.keyClick(d, Qt.Key.Key_C, ALT)
    assert d.conflict_list.hasFocus()
    QTest.keyClick(d.conflict_list, Qt.Key.Key_Home)
    QTest.keyClick(d, Qt.Key.Key_T, ALT)
    qtbot.waitUntil(lambda: d.decisions()[_key(d, LYNCH)] is Side.THEIRS)
    QTest.keyClick(d, Qt.Key.Key_C, ALT)
    QTest.keyClick(d.conflict_list, Qt.Key.Key_Down)
    QTest.keyClick(d, Qt.Key.Key_L, ALT)
    qtbot.waitUntil(lambda: d.decisions()[_key(d, BRENNAN)] is None)
    assert d.decisions() == {_key(d, LYNCH): Side.THEIRS, _key(d, BRENNAN): None, _key(d, EO): Side.THEIRS}
    assert d.count_label.text() == "2 of 3 conflicts decided"
    assert d.later_button.isChecked()

    QTest.keyClick(d, Qt.Key.Key_C, ALT)
    QTest.keyClick(d.conflict_list, Qt.Key.Key_Up)
    assert d.keep_theirs_button.isChecked()  # the pane shows the decision of the conflict shown
    QTest.keyClick(d.conflict_list, Qt.Key.Key_Down)
    QTest.keyClick(d, Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: d.sync_button.text().replace("&", "") == "Sync")
    # Enter is Sync wherever the focus is.
    QTest.keyClick(d.conflict_list, Qt.Key.Key_Return)
    assert d.result() == QDialog.DialogCode.Accepted
    assert d.decisions()[_key(d, BRENNAN)] is Side.OURS


def test_tab_reaches_every_choice(qtbot, review):
    d = review
    d.conflict_list.setFocus()
    order = []
    for _ in range(9):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    buttons = [d.keep_mine_button, d.keep_theirs_button, d.later_button, d.change_tree, d.sync_button]
    assert [w for w in order if w in buttons] == buttons  # Edit… is off for the deletion shown
    _select(d, BRENNAN)
    d.later_button.setFocus()
    QTest.keyClick(d.later_button, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is d.edit_button
    QTest.keyClick(d.keep_theirs_button, Qt.Key.Key_Space)
    assert d.decisions()[_key(d, BRENNAN)] is Side.THEIRS


def test_edit_a_text_with_a_typed_value(qtbot, review):
    d = review
    _select(d, BRENNAN)
    assert d.edit_button.isEnabled()

    def type_and_save(editor: ValueEditor) -> None:
        assert isinstance(editor.editor, QPlainTextEdit)
        assert editor.editor.toPlainText() == MINE_TEXT  # starts from mine
        editor.editor.selectAll()
        QTest.keyClicks(editor.editor, "We hope to sign soon.")
        editor.accept()

    seen = when_modal(type_and_save, kind=ValueEditor)
    QTest.keyClick(d, Qt.Key.Key_E, ALT)
    qtbot.waitUntil(lambda: d.decisions()[_key(d, BRENNAN)] is not None)
    assert seen
    assert d.decisions()[_key(d, BRENNAN)] == Edited("We hope to sign soon.")
    assert d.edit_button.isChecked()
    assert d.edited_label.isVisible() and d.edited_label.text() == "Your value: We hope to sign soon."
    assert d.conflict_list.currentItem().text(2) == "Edited"
    assert d.count_label.text() == "1 of 3 conflicts decided"

    # Cancelling a second edit leaves the first one.
    when_modal(lambda editor: editor.reject(), kind=ValueEditor)
    QTest.mouseClick(d.edit_button, Qt.MouseButton.LeftButton)
    assert d.decisions()[_key(d, BRENNAN)] == Edited("We hope to sign soon.")
    assert d.edit_button.isChecked()

    # Decide Later undoes the edit.
    QTest.mouseClick(d.later_button, Qt.MouseButton.LeftButton)
    assert d.decisions()[_key(d, BRENNAN)] is None
    assert not d.edited_label.isVisible()
    assert d.count_label.text() == "0 of 3 conflicts decided"


def test_a_list_is_edited_one_item_per_line(qtbot):
    base = document_state(sample_document())
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    _edit(mine, ("actors", "meta"), tags=["industry", "holdout"])
    _edit(theirs, ("actors", "meta"), tags=["industry", "caisi"])
    dialog = SyncReviewDialog(merge(base, mine, theirs))
    qtbot.addWidget(dialog)
    dialog.show()

    def type_lines(editor: ValueEditor) -> None:
        assert editor.text() == "industry\nholdout"
        editor.editor.selectAll()
        QTest.keyClicks(editor.editor, "industry")
        QTest.keyClick(editor.editor, Qt.Key.Key_Return)
        QTest.keyClicks(editor.editor, "caisi holdout")
        editor.accept()

    when_modal(type_lines, kind=ValueEditor)
    QTest.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    assert dialog.decisions() == {("actors", "meta", "tags"): Edited(["industry", "caisi holdout"])}
    assert dialog.edited_label.text() == "Your value: industry\ncaisi holdout"


def test_references_are_named_and_words_that_differ_are_marked(qtbot, review):
    d = review
    _select(d, EO)
    assert d.edit_button.isEnabled() is False  # a list of references is picked, not typed
    mine, theirs = d.value_labels["mine"].text(), d.value_labels["theirs"].text()
    assert "Center for AI Standards and Innovation (CAISI)" in mine
    assert "National Institute of Standards and Technology (NIST)</span>" in theirs  # only theirs has it
    assert "'nist'" not in theirs and "xAI" in d.value_labels["base"].text()
    assert ">xAI</span>" in theirs and ">Meta</span>" not in theirs + mine  # items compared as items

    _select(d, BRENNAN)
    mine, theirs = d.value_labels["mine"].text(), d.value_labels["theirs"].text()
    assert "still </span>" in mine and "still" not in theirs
    assert "in the coming weeks.</span>" in theirs
    assert "<span" not in d.value_labels["base"].text()  # the base is shown as it was


def test_a_whole_record_conflict_says_what_happened_and_offers_no_edit(qtbot, review):
    d = review
    _select(d, LYNCH)
    assert d.record_label.text() == "Actor “Devin Lynch”"
    assert d.reason_label.text() == "Deleted in the master, changed in this copy."
    assert not d.edit_button.isEnabled()
    assert "Deleted in the master" in d.value_labels["theirs"].text()
    mine = d.value_labels["mine"].text()
    assert re.search(r"Role or title: Former <span[^>]*>ONCD official; LinkedIn commentator", mine)
    assert d.hint_label.text().startswith("Keep Mine keeps it as this copy has it; Keep Theirs deletes it.")
    QTest.keyClick(d, Qt.Key.Key_E, ALT)  # the mnemonic of a disabled button does nothing
    assert d.decisions()[_key(d, LYNCH)] is None
    QTest.mouseClick(d.keep_theirs_button, Qt.MouseButton.LeftButton)
    assert d.decisions()[_key(d, LYNCH)] is Side.THEIRS


def test_cancel_writes_nothing_and_escape_cancels(qtbot, review):
    d = review
    _select(d, BRENNAN)
    QTest.mouseClick(d.keep_theirs_button, Qt.MouseButton.LeftButton)
    QTest.keyClick(d.conflict_list, Qt.Key.Key_Escape)
    assert d.result() == QDialog.DialogCode.Rejected
    assert not d.isVisible()


def test_what_merges_by_itself_is_grouped_by_kind_and_readable(qtbot, review):
    tree = review.change_tree
    rows = [tuple(tree.topLevelItem(i).text(c) for c in range(3)) for i in range(tree.topLevelItemCount())]
    assert rows == [
        ("The case", "1 change", "1 from this copy"),
        ("Actors", "1 change", "1 from this copy"),
        ("Statements", "4 changes", "3 from the master, 1 from this copy"),
        ("Directives", "1 change", "1 from the master"),
        ("Timeline", "1 change", "1 from the master"),
    ]
    assert review.summary.text().startswith(
        "The master is /cases/CAISI Voluntary Review.casefile. 8 changes merge by themselves; 3 conflicts to decide."
    )
    statements = tree.topLevelItem(2)
    assert statements.childCount() == 0  # filled when opened
    QTest.keyClick(review, Qt.Key.Key_I, ALT)
    tree.setCurrentItem(statements)
    QTest.keyClick(tree, Qt.Key.Key_Right)
    qtbot.waitUntil(statements.isExpanded)
    children = {tuple(statements.child(i).text(c) for c in range(3)) for i in range(statements.childCount())}
    assert children == {
        ("This story is not unusual,", "Changed: Venue", "The master"),
        ("The outreach to Meta is part of the department’s routine wo…", "Changed: Tags", "The master"),
        ("The order applies to Anthropic’s own foreign national staff…", "Changed: Context notes", "This copy"),
        ("CAISI will need to define, and publish, what it’s testing f…", "Changed: Speaker", "The master"),
    }


def test_ten_thousand_changes_open_with_a_capped_list(qtbot):
    base = document_state(sample_document())
    theirs = dict(base)
    for i in range(10_000):
        theirs[("timeline", f"t-bulk-{i:05d}")] = {"date": "2026-06-01", "title": f"Entry {i}", "tags": []}
    dialog = SyncReviewDialog(merge(base, base, theirs))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    timeline = dialog.change_tree.topLevelItem(0)
    assert (timeline.text(0), timeline.text(1), timeline.text(2)) == (
        "Timeline",
        "10,000 changes",
        "10,000 from the master",
    )
    assert dialog.summary.text().startswith("10,000 changes merge by themselves.")
    timeline.setExpanded(True)
    assert timeline.childCount() == SHOWN_PER_GROUP + 1
    assert timeline.child(SHOWN_PER_GROUP).text(0) == f"… and {10_000 - SHOWN_PER_GROUP:,} more"
    assert dialog.sync_button.text().replace("&", "") == "Sync"


def render(out: Path) -> None:
    """The screenshot in docs/screenshots: the sample sync with the statement's conflict shown."""
    app = QApplication.instance() or QApplication(sys.argv)
    dialog = SyncReviewDialog(sample_merge(), master="/Shared/Policy/CAISI Voluntary Review.casefile")
    dialog.resize(1000, 740)
    dialog.show()
    dialog.conflict_list.setCurrentItem(dialog.conflict_list.topLevelItem(0))
    dialog.keep_theirs_button.click()
    dialog.conflict_list.setCurrentItem(dialog.conflict_list.topLevelItem(1))
    dialog.conflict_list.setFocus()
    dialog.change_tree.topLevelItem(2).setExpanded(True)
    app.processEvents()
    dialog.grab().save(str(out))


if __name__ == "__main__":
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    render(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[1] / "docs/screenshots/sync-review.png"
    )
