"""No silent overwrite in the app: a save that lost the race to someone else's shows theirs and
mine and does what the user picks; undo and redo of a record changed since ask first; bulk and
day-order undo refuse; a case file never asks and never reads a version."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from server_fixtures import server  # noqa: F401  (fixture)

from db.address import parse_server_address
from db.fields import Kind
from desktop.dialogs.conflict_dialog import Choice, ConflictDialog
from tests import gui_helpers
from tests.gui_helpers import open_window, when_modal

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def team(qtbot, server, sample_path):  # noqa: F811
    """A window on a published sample, opened from the server and following its changes; the
    other person is casefile_reader, granted editing, on a plain connection to the same case."""
    from db.postgres.case import ServerCase
    from db.postgres.publish import publish_file
    from desktop.session import CaseSession

    address = server.address("conflicts")
    publish_file(sample_path, address)
    schema = parse_server_address(address).schema
    with server.connect() as conn:
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO casefile_reader')
        conn.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO casefile_reader')
        conn.execute(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "{schema}" TO casefile_reader')
    other_address = server.as_user("casefile_reader") + "?" + address.split("?", 1)[1]
    import psycopg

    other = psycopg.connect(server.as_user("casefile_reader"), autocommit=True)
    other.execute("SELECT set_config('search_path', %s, false)", (f'"{schema}"',))
    window = open_window(qtbot)
    session = CaseSession(ServerCase.open(address))
    session.start_live()
    window.set_session(session)
    team = _Team(window, other, other_address, schema, server)
    real_ask = getattr(session, "ask", None)

    def ask(conflict, parent=None):  # type: ignore[no-untyped-def]
        # A dialog no test step waits for (one left by a failed step as the window closes) is
        # noted and answered, so it cannot hang the run.
        if not gui_helpers._WATCHERS:
            team.unexpected.append(conflict)
            return Choice.TAKE_THEIRS
        assert real_ask is not None
        return real_ask(conflict, parent)

    session.ask = ask
    yield team
    other.close()
    window.set_session(None)


class _Team:
    def __init__(self, window, other, other_address: str, schema: str, server) -> None:  # noqa: F811
        self.unexpected: list[object] = []
        self.window, self.other, self.other_address, self.schema, self.server = (
            window,
            other,
            other_address,
            schema,
            server,
        )

    @property
    def session(self):  # type: ignore[no-untyped-def]
        return self.window.session

    def actor(self, name: str = "Meta") -> str:
        return self.other.execute("SELECT id FROM actor WHERE name = %s", (name,)).fetchone()[0]

    def stored(self, record_id: str, column: str = "role") -> object:
        return self.other.execute(f"SELECT {column} FROM actor WHERE id = %s", (record_id,)).fetchone()[0]

    def version(self, record_id: str) -> int:
        return self.other.execute("SELECT version FROM actor WHERE id = %s", (record_id,)).fetchone()[0]

    def history(self, record_id: str, field: str = "role") -> list[tuple]:
        return self.other.execute(
            "SELECT by, old_value, new_value FROM history WHERE record_id = %s AND field = %s ORDER BY id",
            (record_id, field),
        ).fetchall()

    def theirs(self, record_id: str, role: str) -> None:
        """The other person saves a new role."""
        self.other.execute("UPDATE actor SET role = %s WHERE id = %s", (role, record_id))

    def editor(self, record_id: str):  # type: ignore[no-untyped-def]
        self.window.case_view.show_record(Kind.ACTOR, record_id)
        page = self.window.case_view.current_page()
        assert page is not None and page.current_id() == record_id
        return page.editor


def _type_role(qtbot, editor, text: str):  # type: ignore[no-untyped-def]
    role = editor.widgets["role"].edit
    role.setFocus()
    role.selectAll()
    qtbot.keyClicks(role, text)
    return role


def _answer(qtbot, press, shown: list[dict] | None = None):  # type: ignore[no-untyped-def]
    """Answer the next conflict dialog with ``press(dialog)``, noting what it showed."""

    def act(dialog) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(dialog, ConflictDialog)
        if shown is not None:
            shown.append(
                {
                    "heading": dialog.heading.text(),
                    "who": dialog.who.text(),
                    "theirs": [label.text() for label in dialog.theirs_labels],
                    "mine": [label.text() for label in dialog.mine_labels],
                    "edit_visible": dialog.edit_button.isVisible(),
                    "mine_button": dialog.keep_mine_button.text(),
                    "theirs_button": dialog.take_theirs_button.text(),
                }
            )
        press(dialog)

    return when_modal(act, kind=ConflictDialog)


def _plain(html_text: str) -> str:
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setHtml(html_text)
    return doc.toPlainText()


def _focus_list(qtbot, window):  # type: ignore[no-untyped-def]
    # The offscreen platform has no window manager to reactivate the window after a dialog.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)
    if window.case_view.current_page() is None:
        window.case_view.show_page(Kind.ACTOR)
    page = window.case_view.current_page()
    page.table.setFocus()
    return page


def _undo(qtbot, window) -> None:
    page = _focus_list(qtbot, window)
    qtbot.keySequence(page.table, QKeySequence.StandardKey.Undo)


def _redo(qtbot, window) -> None:
    page = _focus_list(qtbot, window)
    qtbot.keySequence(page.table, QKeySequence.StandardKey.Redo)


# ----- a save that lost the race -----------------------------------------------------------------


def test_enter_after_someone_else_saved_shows_theirs_and_mine_and_keeps_theirs_by_default(qtbot, team):
    meta = team.actor()
    editor = team.editor(meta)
    steps = team.session.undo_stack.count()
    role = _type_role(qtbot, editor, "Meta spokesperson for policy")
    team.theirs(meta, "Meta spokesman for AI policy")

    shown: list[dict] = []
    seen = _answer(qtbot, lambda d: QTest.keyClick(d, Qt.Key.Key_Return), shown)
    QTest.keyClick(role, Qt.Key.Key_Return)
    assert seen, "no conflict dialog"

    (dialog,) = shown
    assert dialog["heading"] == "Someone else changed this actor while you were editing"
    assert dialog["who"].startswith("casefile_reader changed it on ")
    assert dialog["who"].endswith(" Your change has not been saved yet.")
    assert _plain(dialog["theirs"][0]) == "Meta spokesman for AI policy"
    assert _plain(dialog["mine"][0]) == "Meta spokesperson for policy"
    # Word by word: the words that differ are marked as one run on each side, the rest is not.
    assert "Meta <span" in dialog["theirs"][0] and ">spokesman for AI </span>policy" in dialog["theirs"][0]
    assert "Meta <span" in dialog["mine"][0] and ">spokesperson for </span>policy" in dialog["mine"][0]
    assert dialog["edit_visible"] and dialog["theirs_button"] == "Take Theirs"

    # Enter took theirs: the field shows it, mine is on the clipboard, nothing was saved.
    assert role.text() == "Meta spokesman for AI policy"
    assert QApplication.clipboard().text() == "Meta spokesperson for policy"
    assert "What you typed is on the clipboard" in editor.error_label.text()
    assert team.stored(meta) == "Meta spokesman for AI policy"
    assert [by for by, _old, _new in team.history(meta)] == ["casefile_reader"]
    assert team.session.undo_stack.count() == steps
    assert editor.seen.version == team.version(meta)

    # The editor now holds their version: the next save goes through without a dialog.
    role.selectAll()
    qtbot.keyClicks(role, "Meta spokesman")
    QTest.keyClick(role, Qt.Key.Key_Return)
    assert team.stored(meta) == "Meta spokesman"


def test_keep_mine_saves_over_theirs_and_undo_puts_theirs_back(qtbot, team):
    meta = team.actor()
    editor = team.editor(meta)
    role = _type_role(qtbot, editor, "Mine")
    team.theirs(meta, "Theirs")

    seen = _answer(qtbot, lambda d: QTest.mouseClick(d.keep_mine_button, Qt.MouseButton.LeftButton))
    QTest.keyClick(role, Qt.Key.Key_Return)
    assert seen
    assert team.stored(meta) == "Mine"
    assert role.text() == "Mine" and not editor.error_label.isVisible()
    history = team.history(meta)
    assert history[-2][0] == "casefile_reader" and history[-2][2] == "Theirs"
    assert history[-1] == ("casefile_app", "Theirs", "Mine")
    assert editor.seen.version == team.version(meta)
    assert team.session.undo_stack.undoText() == "Edit Actor Role or title"

    # Nobody changed it since: undo asks nothing and puts back theirs, the value it replaced.
    _undo(qtbot, team.window)
    assert team.stored(meta) == "Theirs"
    qtbot.waitUntil(lambda: role.text() == "Theirs")


def test_escape_is_edit_mine_stays_in_the_field_and_the_next_enter_saves_it(qtbot, team):
    meta = team.actor()
    editor = team.editor(meta)
    role = _type_role(qtbot, editor, "Mine, still being worded")
    team.theirs(meta, "Theirs")

    seen = _answer(qtbot, lambda d: QTest.keyClick(d, Qt.Key.Key_Escape))
    QTest.keyClick(role, Qt.Key.Key_Return)
    assert seen
    assert role.text() == "Mine, still being worded"
    assert team.window.focusWidget() is role  # where the keyboard lands as the window comes back
    assert team.stored(meta) == "Theirs"
    assert "your text is still in the field" in editor.error_label.text()

    QTest.keyClicks(role, " well")
    QTest.keyClick(role, Qt.Key.Key_Return)
    assert team.unexpected == []  # their version was taken in: no second dialog
    assert team.stored(meta) == "Mine, still being worded well"
    assert team.history(meta)[-1] == ("casefile_app", "Theirs", "Mine, still being worded well")


def test_their_change_to_another_field_is_no_conflict_whether_or_not_its_news_has_arrived(qtbot, team):
    meta = team.actor()
    editor = team.editor(meta)
    role = _type_role(qtbot, editor, "Mine")
    team.other.execute("UPDATE actor SET name = 'Meta Platforms' WHERE id = %s", (meta,))
    QTest.keyClick(role, Qt.Key.Key_Return)
    assert team.unexpected == []
    assert (team.stored(meta), team.stored(meta, "name")) == ("Mine", "Meta Platforms")
    qtbot.waitUntil(lambda: editor.widgets["name"].edit.text() == "Meta Platforms")
    assert editor.seen.version == team.version(meta)


def test_keep_mine_after_another_process_saved_again_asks_again(qtbot, team):
    """The other writer is a second process: it saves while the first dialog is up."""
    meta = team.actor()
    editor = team.editor(meta)
    role = _type_role(qtbot, editor, "Mine")
    team.theirs(meta, "Theirs, first")
    script = textwrap.dedent(
        """
        import sys
        from db import records
        from db.fields import Kind
        from db.postgres.case import ServerCase

        with ServerCase.open(sys.argv[1]) as case:
            records.update_record(case, Kind.ACTOR, sys.argv[2], {"role": "Theirs, second"})
        """
    )
    shown: list[dict] = []

    def keep_mine(dialog) -> None:  # type: ignore[no-untyped-def]
        QTest.mouseClick(dialog.keep_mine_button, Qt.MouseButton.LeftButton)

    def other_process_then_keep_mine(dialog) -> None:  # type: ignore[no-untyped-def]
        done = subprocess.run(
            [sys.executable, "-c", script, team.other_address, meta],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        errors.append(done.stderr if done.returncode else "")
        # The second dialog comes from within this answer: be ready for it before clicking.
        second.extend(_answer(qtbot, keep_mine, shown))
        keep_mine(dialog)

    second: list = []
    errors: list[str] = []
    first = _answer(qtbot, other_process_then_keep_mine, shown)
    QTest.keyClick(role, Qt.Key.Key_Return)
    assert errors == [""]  # the other process saved
    assert first and len(shown) == 2
    assert _plain(shown[0]["theirs"][0]) == "Theirs, first"
    assert _plain(shown[1]["theirs"][0]) == "Theirs, second"  # what it holds now, not what it held
    assert _plain(shown[1]["mine"][0]) == "Mine"
    assert team.stored(meta) == "Mine"
    assert [row[2] for row in team.history(meta)][-3:] == ["Theirs, first", "Theirs, second", "Mine"]
    assert role.text() == "Mine" and editor.seen.version == team.version(meta)


# ----- undo and redo of a record someone else changed since ---------------------------------------


def _saved_edit(qtbot, team, meta: str, text: str):  # type: ignore[no-untyped-def]
    """The user saves a new role in the editor (nobody else in the way)."""
    editor = team.editor(meta)
    role = _type_role(qtbot, editor, text)
    QTest.keyClick(role, Qt.Key.Key_Return)
    assert team.stored(meta) == text
    return editor, role


def test_undo_after_someone_else_changed_the_record_asks_and_keep_theirs_drops_the_step(qtbot, team):
    meta = team.actor()
    before = team.stored(meta)
    editor, role = _saved_edit(qtbot, team, meta, "Mine")
    stack = team.session.undo_stack
    steps = stack.count()
    with qtbot.waitSignal(team.session.records_changed, check_params_cb=lambda _k, ids, _f: meta in ids):
        team.theirs(meta, "Theirs since")
    qtbot.waitUntil(lambda: role.text() == "Theirs since")  # an editor not typed in follows
    assert editor.seen.version == team.version(meta)

    shown: list[dict] = []
    seen = _answer(qtbot, lambda d: QTest.keyClick(d, Qt.Key.Key_Return), shown)
    _undo(qtbot, team.window)
    assert seen
    (dialog,) = shown
    assert dialog["heading"] == "Someone else changed this actor since your edit"
    assert dialog["who"].startswith("casefile_reader changed it on ")
    assert _plain(dialog["theirs"][0]) == "Theirs since"
    assert _plain(dialog["mine"][0]) == before  # what undo would write
    assert (dialog["mine_button"], dialog["theirs_button"], dialog["edit_visible"]) == (
        "Undo Anyway",
        "Keep Theirs",
        False,
    )
    # Keep Theirs (Enter): nothing written, and the step is gone, not left half undone.
    assert team.stored(meta) == "Theirs since"
    assert stack.count() == steps - 1 and not stack.canRedo()
    assert [by for by, _o, _n in team.history(meta)][-1] == "casefile_reader"
    assert team.window.statusBar().currentMessage() == "Kept the other change; the undo step was dropped."


def test_undo_anyway_writes_over_theirs_and_redo_then_needs_no_question(qtbot, team):
    meta = team.actor()
    before = team.stored(meta)
    _editor, role = _saved_edit(qtbot, team, meta, "Mine")
    team.theirs(meta, "Theirs since")

    seen = _answer(qtbot, lambda d: QTest.mouseClick(d.keep_mine_button, Qt.MouseButton.LeftButton))
    _undo(qtbot, team.window)
    assert seen
    assert team.stored(meta) == before
    assert team.history(meta)[-1] == ("casefile_app", "Theirs since", before)
    assert team.session.undo_stack.canRedo()

    _redo(qtbot, team.window)  # nobody changed it since the undo: no dialog
    assert team.unexpected == []
    assert team.stored(meta) == "Mine"
    qtbot.waitUntil(lambda: role.text() == "Mine")


def test_bulk_undo_over_records_someone_else_changed_is_refused_saying_how_many(qtbot, team):
    from desktop.bulk_edits import BulkEdits

    ids = [team.actor(name) for name in ("Meta", "Anthropic")]
    BulkEdits(team.session).set_field(Kind.ACTOR, ids, "role", "Observer")
    steps = team.session.undo_stack.count()
    team.theirs(ids[1], "Theirs since")

    _undo(qtbot, team.window)
    assert team.window.statusBar().currentMessage() == (
        "Someone else has changed 1 of the 2 actors since; undo would overwrite their changes, so it was not done."
    )
    assert [team.stored(i) for i in ids] == ["Observer", "Theirs since"]
    assert team.session.undo_stack.count() == steps - 1


def test_day_order_undo_after_someone_else_reordered_the_day_is_refused(qtbot, team):
    from desktop.session import CaseSession

    session: CaseSession = team.session
    first = session.add_record(Kind.TIMELINE, {"date": "2031-02-03", "title": "First"})
    second = session.add_record(Kind.TIMELINE, {"date": "2031-02-03", "title": "Second"})
    third = session.add_record(Kind.TIMELINE, {"date": "2031-02-03", "title": "Third"})
    session.move_in_day(Kind.TIMELINE, third, second, up=True)
    assert session.day_ids(Kind.TIMELINE, first) == [first, third, second]
    steps = session.undo_stack.count()
    team.other.execute("UPDATE timeline_entry SET day_order = 9 WHERE id = %s", (first,))
    theirs = session.day_ids(Kind.TIMELINE, first)
    assert theirs == [third, second, first]

    errors: list[str] = []
    session.error.connect(errors.append)
    _undo(qtbot, team.window)
    assert errors == [
        "Someone else has moved 3 timeline entries of that day since; "
        "undo would overwrite their order, so it was not done."
    ]
    assert session.day_ids(Kind.TIMELINE, first) == theirs
    assert session.undo_stack.count() == steps - 1


# ----- a case file: one writer, no versions --------------------------------------------------------


def test_a_case_file_never_asks_and_never_reads_a_version(qtbot, sample_path):
    import sqlalchemy as sa

    window = open_window(qtbot, sample_path)
    session = window.session
    asked: list[object] = []
    session.ask = lambda conflict, parent=None: asked.append(conflict)  # type: ignore[method-assign]
    statements: list[str] = []
    engine = session.store.engine
    listener = lambda _c, _cur, sql, *_a: statements.append(sql)  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        meta = next(rid for rid, label in session.choices(Kind.ACTOR, "Meta") if label == "Meta")
        window.case_view.show_record(Kind.ACTOR, meta)
        editor = window.case_view.current_page().editor
        assert editor.seen.version is None
        role = _type_role(qtbot, editor, "Mine")
        QTest.keyClick(role, Qt.Key.Key_Return)
        _undo(qtbot, window)
        _redo(qtbot, window)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    assert session.get_record(Kind.ACTOR, meta)["role"] == "Mine"
    assert asked == [] and editor.seen.version is None
    assert statements and not [sql for sql in statements if "version" in sql.lower()]


# ----- the case's own fields (the Case page) -----------------------------------------------------


def test_the_case_page_shows_theirs_and_mine_and_keep_mine_saves_over_theirs(qtbot, team):
    team.window.case_view.show_page(None)
    page = team.window.case_view.case_page
    subtitle = page.widgets["subtitle"].edit
    subtitle.setFocus()
    subtitle.selectAll()
    qtbot.keyClicks(subtitle, "Mine: the review as of June")
    team.other.execute("UPDATE case_info SET subtitle = %s", ("Theirs: the review as of July",))

    shown: list[dict] = []
    seen = _answer(qtbot, lambda d: QTest.mouseClick(d.keep_mine_button, Qt.MouseButton.LeftButton), shown)
    QTest.keyClick(subtitle, Qt.Key.Key_Return)
    assert seen, "no conflict dialog"
    (dialog,) = shown
    assert dialog["who"].startswith("casefile_reader changed it on ")
    assert _plain(dialog["theirs"][0]) == "Theirs: the review as of July"
    assert _plain(dialog["mine"][0]) == "Mine: the review as of June"
    stored = team.other.execute("SELECT subtitle FROM case_info").fetchone()[0]
    assert stored == "Mine: the review as of June"
    history = team.other.execute(
        "SELECT by, old_value, new_value FROM history WHERE kind = 'case' AND field = 'subtitle' ORDER BY id"
    ).fetchall()
    assert history[-1] == ("casefile_app", "Theirs: the review as of July", "Mine: the review as of June")

    # Someone changes it again; this time Enter takes theirs and nothing of theirs is overwritten.
    subtitle.setFocus()
    subtitle.selectAll()
    qtbot.keyClicks(subtitle, "Mine again")
    team.other.execute("UPDATE case_info SET subtitle = %s", ("Theirs again",))
    seen = _answer(qtbot, lambda d: QTest.keyClick(d, Qt.Key.Key_Return))
    QTest.keyClick(subtitle, Qt.Key.Key_Return)
    assert seen
    assert subtitle.text() == "Theirs again"
    assert QApplication.clipboard().text() == "Mine again"
    assert team.other.execute("SELECT subtitle FROM case_info").fetchone()[0] == "Theirs again"
    assert team.unexpected == []
