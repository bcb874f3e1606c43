"""Live updates on a team case: committed changes announced by LISTEN/NOTIFY, applied in the open
app, a dropped connection shown and caught up on."""

from __future__ import annotations

import pytest
from server_fixtures import server  # noqa: F401  (fixture)

from db.address import parse_server_address

pytestmark = pytest.mark.server

_NEW_SOURCE = (
    "INSERT INTO source (id, title, created_at, updated_at) "
    "SELECT 'bulk-' || i, 'Bulk source ' || i, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' "
    "FROM generate_series(1, %s) AS i"
)


def _published(server, sample_path, name: str = "case"):  # noqa: F811
    from db.postgres.publish import publish_file

    address = server.address(name)
    publish_file(sample_path, address)
    return address, parse_server_address(address).schema


def _other_client(server, schema: str):  # noqa: F811
    """Another person's plain connection to the case (autocommit), searching only its schema."""
    conn = server.connect()
    conn.execute("SELECT set_config('search_path', %s, false)", (f'"{schema}"',))
    return conn


def _wait_for_changes(listener, count: int) -> list:
    """Drain until ``count`` changes arrived: select() on the listener's socket, as the app's
    socket notifier does, never a fixed sleep."""
    import select

    changes: list = []
    while len(changes) < count:
        readable, _w, _x = select.select([listener.fileno()], [], [], 10)
        assert readable, f"no notification within 10 s (got {changes})"
        changes.extend(listener.drain())
    return changes


def _first_id(conn, table: str = "actor") -> str:
    return conn.execute(f"SELECT id FROM {table} ORDER BY n LIMIT 1").fetchone()[0]


# ----- the listener, without Qt -----------------------------------------------------------------


def test_a_committed_update_is_announced_once_with_its_ids_and_an_uncommitted_one_never(server, sample_path):  # noqa: F811
    from db.postgres.listen import Listener

    address, schema = _published(server, sample_path)
    listener = Listener(parse_server_address(address))
    listener.connect()
    other = _other_client(server, schema)
    try:
        actor_id = _first_id(other)
        # Uncommitted, then rolled back: nothing is sent, not even at the rollback.
        with other.transaction(force_rollback=True):
            other.execute("UPDATE actor SET role = 'Draft' WHERE id = %s", (actor_id,))
            assert listener.drain() == []
        # Committed: one change, naming the record and no text.
        other.execute("SELECT set_config('casefile.client', 'someone-else', false)")
        other.execute("UPDATE actor SET role = 'Spokesman (acting)' WHERE id = %s", (actor_id,))
        (change,) = _wait_for_changes(listener, 1)
        assert (change.kind, change.operation, change.ids, change.reset, change.by) == (
            "actor",
            "u",
            (actor_id,),
            False,
            "someone-else",
        )
        assert listener.drain() == []  # announced once
    finally:
        other.close()
        listener.close()


def test_a_link_row_names_its_record_and_the_case_row_names_the_case(server, sample_path):  # noqa: F811
    from db.postgres.listen import Listener

    address, schema = _published(server, sample_path)
    listener = Listener(parse_server_address(address))
    listener.connect()
    other = _other_client(server, schema)
    try:
        directive_id, actor_id = other.execute("SELECT directive_id, actor_id FROM directive_party LIMIT 1").fetchone()
        other.execute("DELETE FROM directive_party WHERE directive_id = %s AND actor_id = %s", (directive_id, actor_id))
        other.execute("UPDATE case_info SET subtitle = 'Revised'")
        # The delete's transaction also updates the directive's row: its stored parties name
        # (migration 3) and its version (migration 4). Identical notices in one transaction are
        # sent once, so the directive is announced as deleted-from and updated, then the case.
        changes = _wait_for_changes(listener, 3)
        while changes[-1].kind != "case":
            changes += _wait_for_changes(listener, 1)
        *directive, second = changes
        assert {(c.kind, c.operation, c.ids) for c in directive} == {
            ("directive", "d", (directive_id,)), ("directive", "u", (directive_id,))
        }  # fmt: skip
        assert (second.kind, second.operation, second.ids, second.reset) == ("case", "u", (), False)
    finally:
        other.close()
        listener.close()


def test_a_change_of_thousands_of_rows_asks_for_a_reset_instead_of_listing_them(server, sample_path):  # noqa: F811
    from db.postgres.listen import Listener

    address, schema = _published(server, sample_path)
    other = _other_client(server, schema)
    other.execute(_NEW_SOURCE, (5000,))
    listener = Listener(parse_server_address(address))
    listener.connect()
    try:
        other.execute("UPDATE source SET notes = 'checked' WHERE id LIKE 'bulk-%%'")
        (change,) = _wait_for_changes(listener, 1)
        assert (change.kind, change.operation, change.reset, change.ids) == ("source", "u", True, ())
    finally:
        other.close()
        listener.close()


def test_a_case_published_before_notifications_gets_them_when_opened(server, sample_path):  # noqa: F811
    from db.postgres.case import ServerCase
    from db.postgres.listen import Listener
    from db.postgres.migrations import SCHEMA_VERSION

    address, schema = _published(server, sample_path)
    other = _other_client(server, schema)
    # As an older Casefile left it: no notifying triggers, and the step not recorded.
    other.execute("DROP FUNCTION casefile_notify() CASCADE")
    other.execute("DELETE FROM casefile_version WHERE version = 5")
    with ServerCase.open(address) as case:
        assert case.version == SCHEMA_VERSION
    listener = Listener(parse_server_address(address))
    listener.connect()
    try:
        actor_id = _first_id(other)
        other.execute("UPDATE actor SET role = 'Chair' WHERE id = %s", (actor_id,))
        (change,) = _wait_for_changes(listener, 1)
        assert change.ids == (actor_id,)
    finally:
        other.close()
        listener.close()


# ----- in the app --------------------------------------------------------------------------------


@pytest.fixture
def team_window(qtbot, server, sample_path):  # noqa: F811
    """A window showing a published sample, opened from the server and following its changes,
    and another person's connection to the same case."""
    from db.postgres.case import ServerCase
    from desktop.session import CaseSession
    from tests.gui_helpers import open_window

    address, schema = _published(server, sample_path)
    window = open_window(qtbot)
    session = CaseSession(ServerCase.open(address))
    session.start_live()
    window.set_session(session)
    other = _other_client(server, schema)
    yield window, other
    other.close()
    window.set_session(None)


def _editor(qtbot, session, kind, record_id: str):
    """The editor panel on one record, as the app shows it beside a list."""
    from desktop.editors.record_editor import RecordEditor

    editor = RecordEditor(session, kind)
    qtbot.addWidget(editor)
    editor.resize(500, 700)
    editor.show()
    editor.load(record_id)
    return editor


def test_another_persons_update_insert_and_delete_reach_the_open_case(qtbot, team_window):
    from db.fields import Kind

    window, other = team_window
    session = window.session
    assert session.live is not None and session.live.connected
    actor_id = _first_id(other)
    editor = _editor(qtbot, session, Kind.ACTOR, actor_id)
    assert editor.widgets["role"].edit.text() != "Deputy Spokesman"

    with qtbot.waitSignal(session.records_changed, check_params_cb=lambda k, ids, _f: actor_id in ids):
        other.execute("UPDATE actor SET role = 'Deputy Spokesman' WHERE id = %s", (actor_id,))
    assert editor.widgets["role"].edit.text() == "Deputy Spokesman"

    nav = window.case_view.nav
    before = nav.count_shown(Kind.SOURCE)
    with qtbot.waitSignal(session.records_reset, check_params_cb=lambda kind: kind is Kind.SOURCE):
        other.execute(_NEW_SOURCE, (1,))
    qtbot.waitUntil(lambda: nav.count_shown(Kind.SOURCE) == before + 1)
    with qtbot.waitSignal(session.records_reset, check_params_cb=lambda kind: kind is Kind.SOURCE):
        other.execute("DELETE FROM source WHERE id = 'bulk-1'")
    qtbot.waitUntil(lambda: nav.count_shown(Kind.SOURCE) == before)

    with qtbot.waitSignal(session.case_changed):
        other.execute("UPDATE case_info SET title = 'Retitled by a colleague'")
    assert "Retitled by a colleague" in window.windowTitle()


def test_an_edit_made_here_is_not_shown_a_second_time_when_the_server_announces_it(qtbot, team_window):
    from PySide6.QtCore import Qt

    from db.fields import Kind

    window, other = team_window
    session = window.session
    first, second = (row[0] for row in other.execute("SELECT id FROM actor ORDER BY n LIMIT 2").fetchall())
    editor = _editor(qtbot, session, Kind.ACTOR, first)
    seen: list[str] = []
    session.records_changed.connect(lambda _kind, ids, _fields: seen.extend(ids))

    role = editor.widgets["role"].edit
    role.setFocus()
    role.selectAll()
    qtbot.keyClicks(role, "Typed here")
    qtbot.keyClick(role, Qt.Key.Key_Return)
    assert seen == [first]  # shown at once, from the edit itself
    assert other.execute("SELECT role FROM actor WHERE id = %s", (first,)).fetchone()[0] == "Typed here"

    # Announcements arrive in commit order: once another person's later change is in, the
    # announcement of ours has been read (and skipped).
    with qtbot.waitSignal(session.records_changed, check_params_cb=lambda _k, ids, _f: second in ids):
        other.execute("UPDATE actor SET role = 'Theirs' WHERE id = %s", (second,))
    assert seen == [first, second]


def test_an_editor_being_typed_in_keeps_the_text_and_says_the_field_changed(qtbot, team_window):
    from db.fields import Kind

    window, other = team_window
    session = window.session
    actor_id = _first_id(other)
    editor = _editor(qtbot, session, Kind.ACTOR, actor_id)
    role, name = editor.widgets["role"].edit, editor.widgets["name"].edit
    role.setFocus()
    role.selectAll()
    qtbot.keyClicks(role, "Half-typed ro")

    with qtbot.waitSignal(session.records_changed, check_params_cb=lambda _k, ids, _f: actor_id in ids):
        other.execute("UPDATE actor SET role = 'Theirs', name = 'Renamed Elsewhere' WHERE id = %s", (actor_id,))
    assert role.text() == "Half-typed ro"  # the user's typing is not overwritten
    assert name.text() == "Renamed Elsewhere"  # a field not being typed in follows the server
    assert editor.error_label.isVisible()
    assert "Someone else changed Role or title while you were typing" in editor.error_label.text()


def test_a_dropped_connection_shows_a_banner_reconnects_and_catches_up(qtbot, team_window):
    from db.fields import Kind
    from desktop.live import LOST_TEXT

    window, other = team_window
    session, live = window.session, window.session.live
    nav = window.case_view.nav
    before = nav.count_shown(Kind.SOURCE)
    events: list[object] = []

    def lost() -> None:
        banners = [b for b in window.case_view.banners if b.text() == LOST_TEXT]
        events.append(("lost", len(banners) == 1 and banners[0].isVisibleTo(window)))
        # Written while nobody listens: no notification of it will ever arrive.
        other.execute(_NEW_SOURCE, (1,))

    live.connection_lost.connect(lost)
    live.connection_restored.connect(lambda: events.append("restored"))
    session.records_reset.connect(lambda kind: events.append(kind))

    with qtbot.waitSignal(live.connection_restored, timeout=20000):
        other.execute("SELECT pg_terminate_backend(%s)", (live.listener.backend_pid,))
    assert events[0] == ("lost", True)  # the banner was up while the connection was down
    assert set(Kind) <= set(events[1:]) and events[-1] == "restored"  # every kind re-read, then done
    qtbot.waitUntil(lambda: nav.count_shown(Kind.SOURCE) == before + 1)
    assert not any(b.isVisibleTo(window) for b in window.case_view.banners if b.text() == LOST_TEXT)

    # Listening again: the next change arrives as usual.
    with qtbot.waitSignal(session.records_reset, check_params_cb=lambda kind: kind is Kind.SOURCE):
        other.execute("DELETE FROM source WHERE id = 'bulk-1'")
    qtbot.waitUntil(lambda: nav.count_shown(Kind.SOURCE) == before)
