"""Faults and other processes on a team case: a second app process editing the same case, a client
killed in the middle of a write, the server stopped and started mid-session, every connection
dropped, and text crafted as SQL."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from server_fixtures import own_server, server  # noqa: F401  (fixtures)

from db.address import parse_server_address

pytestmark = pytest.mark.server

HELPER = Path(__file__).resolve().parent / "server_helper_client.py"


def _published(test_server, sample_path, name: str = "case") -> str:
    from db.postgres.publish import publish_file

    address = test_server.address(name)
    publish_file(sample_path, address)
    return address


def _schema(address: str) -> str:
    return parse_server_address(address).schema


def _team_window(qtbot, address: str):
    """A window on the team case, following its changes, as File > Open Team Case leaves it."""
    from db.postgres.case import ServerCase
    from desktop.session import CaseSession
    from tests.gui_helpers import open_window

    window = open_window(qtbot)
    session = CaseSession(ServerCase.open(address))
    session.start_live()
    window.set_session(session)
    return window


def _show_actor(window, actor_id: str):
    """Select the actor in its list, as a click would; the page's editor then shows it."""
    from db.fields import Kind

    assert window.case_view.show_record(Kind.ACTOR, actor_id)
    page = window.case_view.current_page()
    assert page is not None and page.editor.record_id == actor_id
    return page


def _lost_banner_shown(window) -> bool:
    from desktop.live import LOST_TEXT

    return any(b.text() == LOST_TEXT and b.isVisibleTo(window) for b in window.case_view.banners)


def _value(test_server, address: str, sql: str, *params):
    with test_server.connect() as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", (f'"{_schema(address)}"',))
        row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def _first_actor(test_server, address: str) -> str:
    return _value(test_server, address, "SELECT id FROM actor ORDER BY n LIMIT 1")


# ----- the server stopped and started mid-session ---------------------------------------------


def test_a_server_stopped_mid_edit_keeps_the_typed_text_saves_nothing_and_resumes_when_back(
    qtbot,
    own_server,  # noqa: F811
    sample_path,
):
    from PySide6.QtCore import Qt

    from db import records
    from db.errors import WriteError
    from db.fields import Kind

    address = _published(own_server, sample_path)
    actor_id = _first_actor(own_server, address)
    before = _value(own_server, address, "SELECT role FROM actor WHERE id = %s", actor_id)
    window = _team_window(qtbot, address)
    live = window.session.live
    page = _show_actor(window, actor_id)
    role = page.editor.widgets["role"].edit
    role.setFocus()
    role.selectAll()
    qtbot.keyClicks(role, "Acting spokes")

    with qtbot.waitSignal(live.connection_lost, timeout=20000):
        own_server.stop()
    assert _lost_banner_shown(window)
    assert role.text() == "Acting spokes"

    # A save while the server is away fails plainly, and the text stays to save again.
    qtbot.keyClicks(role, "man")
    qtbot.keyClick(role, Qt.Key.Key_Return)
    assert role.text() == "Acting spokesman"
    assert page.editor.error_label.isVisibleTo(window)
    message = page.editor.error_label.text()
    assert message.startswith("Role or title: Lost the connection to the server (Connection refused).")
    assert "Your text is still in the field" in message
    assert own_server.url.split("@")[1] not in message  # the title names the server; the field need not
    assert "saved" not in window.statusBar().currentMessage().lower().replace("not saved", "")
    assert window.session.undo_stack.count() == 0  # nothing to undo: nothing was saved
    with pytest.raises(WriteError, match=r"^Lost the connection to the server \(Connection refused\)\.$"):
        records.update_record(window.session.store, Kind.ACTOR, actor_id, {"role": "Written without a server"})

    with qtbot.waitSignal(live.connection_restored, timeout=30000):
        own_server.restart()
    assert not _lost_banner_shown(window)
    assert role.text() == "Acting spokesman"  # the re-read after the reconnect kept the typing
    assert _value(own_server, address, "SELECT role FROM actor WHERE id = %s", actor_id) == before

    qtbot.keyClick(role, Qt.Key.Key_Return)
    assert not page.editor.error_label.isVisibleTo(window)
    assert _value(own_server, address, "SELECT role FROM actor WHERE id = %s", actor_id) == "Acting spokesman"
    assert window.session.undo_stack.count() == 1

    # Listening again: another person's change after the restart reaches the open list.
    name = page.editor.widgets["name"].edit
    with own_server.connect() as other:
        other.execute(f'UPDATE "{_schema(address)}".actor SET name = %s WHERE id = %s', ("Renamed after", actor_id))
    qtbot.waitUntil(lambda: name.text() == "Renamed after", timeout=10000)
    window.set_session(None)


# ----- a second app process on the same case --------------------------------------------------


def _helper(*args: str, **popen) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HELPER), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def _editor_role(test_server, address: str) -> str:
    """The address of the same case as casefile_reader, made an editor with the documented grants."""
    schema = _schema(address)
    with test_server.connect() as conn:
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO casefile_reader')
        conn.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO casefile_reader')
        conn.execute(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "{schema}" TO casefile_reader')
    return test_server.as_user("casefile_reader") + "?" + address.split("?", 1)[1]


def test_another_app_process_edits_and_the_open_window_shows_it_and_the_history_names_them(
    qtbot,
    server,  # noqa: F811
    sample_path,
    capsys,
):
    from db.fields import Kind
    from desktop.cli import main
    from desktop.models.record_table import RecordTableModel

    address = _published(server, sample_path)
    actor_id = _first_actor(server, address)
    window = _team_window(qtbot, address)
    page = _show_actor(window, actor_id)
    name = page.editor.widgets["name"].edit
    assert name.text() != "Meta Platforms, Inc."

    other = _helper("edit", _editor_role(server, address), Kind.ACTOR.value, actor_id, "name", "Meta Platforms, Inc.")
    out, err = other.communicate(timeout=60)
    assert (other.returncode, out) == (0, "saved\n"), err
    # Shown by the live path alone: nothing here read the record again.
    qtbot.waitUntil(lambda: name.text() == "Meta Platforms, Inc.", timeout=10000)
    model = page.model
    assert isinstance(model, RecordTableModel)
    names = lambda: [model.index(row, 0).data() for row in range(model.rowCount())]  # noqa: E731
    qtbot.waitUntil(lambda: "Meta Platforms, Inc." in names(), timeout=10000)

    capsys.readouterr()
    assert main(["history", address, "--record", actor_id]) == 0
    newest = capsys.readouterr().out.splitlines()[0]
    assert "casefile_reader" in newest and "Meta Platforms, Inc." in newest
    window.set_session(None)


# ----- a client killed mid-edit ---------------------------------------------------------------


def test_a_client_killed_before_its_commit_leaves_no_trace_and_no_lock(qtbot, server, sample_path):  # noqa: F811
    from PySide6.QtCore import Qt

    from db.fields import Kind

    address = _published(server, sample_path)
    actor_id = _first_actor(server, address)
    before = _value(server, address, "SELECT role FROM actor WHERE id = %s", actor_id)
    history_before = _value(server, address, "SELECT count(*) FROM history WHERE record_id = %s", actor_id)
    window = _team_window(qtbot, address)
    page = _show_actor(window, actor_id)
    role = page.editor.widgets["role"].edit
    changes: list[object] = []
    window.session.records_changed.connect(lambda _k, ids, _f: changes.append(ids))

    holder = _helper("hold", address, Kind.ACTOR.value, actor_id, "role", "Never committed", stdin=subprocess.PIPE)
    assert holder.stdout is not None
    said, backend = holder.stdout.readline().split()
    assert said == "written"
    with server.connect() as conn:
        state, writing = conn.execute(
            "SELECT state, backend_xid IS NOT NULL FROM pg_stat_activity WHERE pid = %s", (int(backend),)
        ).fetchone()
    assert (state, writing) == ("idle in transaction", True)  # the row changed and locked, not committed
    holder.kill()
    holder.wait(timeout=30)
    holder.stdout.close()

    # The kernel closes a killed process's socket, so its server process sees the end of the
    # connection at once and rolls back: no keepalive or timeout is needed for this.
    def gone() -> bool:
        with server.connect() as conn:
            return (
                conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (int(backend),)).fetchone()[0] == 0
            )

    qtbot.waitUntil(gone, timeout=5000)
    assert _value(server, address, "SELECT role FROM actor WHERE id = %s", actor_id) == before
    assert _value(server, address, "SELECT count(*) FROM history WHERE record_id = %s", actor_id) == history_before
    assert role.text() == before and changes == []

    # Nothing is left locked: the window saves the same record at once.
    role.setFocus()
    role.selectAll()
    qtbot.keyClicks(role, "Saved after the crash")
    qtbot.keyClick(role, Qt.Key.Key_Return)
    assert not page.editor.error_label.isVisibleTo(window)
    assert _value(server, address, "SELECT role FROM actor WHERE id = %s", actor_id) == "Saved after the crash"
    window.set_session(None)


# ----- a dropped network ----------------------------------------------------------------------


def test_when_every_connection_of_the_app_is_dropped_the_next_edit_reconnects_and_saves(
    qtbot,
    own_server,  # noqa: F811
    sample_path,
):
    from PySide6.QtCore import Qt

    address = _published(own_server, sample_path)
    actor_id = _first_actor(own_server, address)
    window = _team_window(qtbot, address)
    live = window.session.live
    page = _show_actor(window, actor_id)  # the case's pool now holds connections the drop will break
    role = page.editor.widgets["role"].edit
    role.setFocus()
    role.selectAll()
    qtbot.keyClicks(role, "Typed before the drop")

    # As a network failure or an administrator would: every one of the app's sessions ends.
    with own_server.superuser() as admin, qtbot.waitSignal(live.connection_lost, timeout=20000):
        dropped = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'casefile_app'"
        ).fetchall()
    assert len(dropped) >= 2  # the listener and at least one pooled connection
    assert _lost_banner_shown(window)

    qtbot.keyClick(role, Qt.Key.Key_Return)
    assert not page.editor.error_label.isVisibleTo(window), page.editor.error_label.text()
    assert _value(own_server, address, "SELECT role FROM actor WHERE id = %s", actor_id) == "Typed before the drop"
    qtbot.waitUntil(lambda: not _lost_banner_shown(window), timeout=20000)
    window.set_session(None)


def test_the_apps_connections_notice_a_silent_network_and_free_a_vanished_clients_locks(server, sample_path):  # noqa: F811
    """A network that goes quiet (no reset, no error) cannot be made on loopback without
    changing the machine's firewall; what the app asks of libpq and of the server for it is
    checked here instead."""
    from db.postgres.case import ServerCase
    from db.postgres.listen import Listener

    address = _published(server, sample_path)
    listener = Listener(parse_server_address(address))
    listener.connect()
    try:
        assert listener._conn is not None
        client = listener._conn.info.get_parameters()
        assert (client["connect_timeout"], client["keepalives_idle"], client["keepalives_count"]) == ("10", "30", "3")
    finally:
        listener.close()

    # The address's own values win over the defaults.
    with ServerCase.open(address + "&connect_timeout=4&keepalives_idle=7") as case, case.read() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        client = raw.info.get_parameters()
        assert (client["connect_timeout"], client["keepalives_idle"], client["keepalives_interval"]) == ("4", "7", "10")
        session = {
            name: conn.exec_driver_sql(f"SHOW {name}").scalar()
            for name in ("idle_in_transaction_session_timeout", "tcp_keepalives_idle", "tcp_keepalives_count")
        }
    # The server's side: a vanished client's session (and its locks) ends within about a minute.
    assert session == {
        "idle_in_transaction_session_timeout": "5min",
        "tcp_keepalives_idle": "30",
        "tcp_keepalives_count": "3",
    }


# ----- a network that goes quiet ---------------------------------------------------------------


class QuietableRelay:
    """A TCP relay to the server that can fail as a dropped network does: ``go_quiet`` cuts the
    connections through it, and the ones made after are accepted but never answered, so a client
    waits for its connect_timeout. ``resume`` relays again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.quiet = False
        self.attempted_at: float | None = None  # when a connection came while quiet
        self._open: list[socket.socket] = []
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return  # closed
            with self._lock:
                if self.quiet:
                    self._held.append(client)
                    self.attempted_at = self.attempted_at or time.monotonic()
                    continue
                upstream = socket.create_connection(self.target)
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _cut(sockets: list[socket.socket]) -> None:
        for end in sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
        sockets.clear()

    def go_quiet(self) -> None:
        with self._lock:
            self.quiet = True
            self._cut(self._open)

    def resume(self) -> None:
        with self._lock:
            self.quiet = False
            self._cut(self._held)  # a client still waiting on one gives up at once and tries again

    def close(self) -> None:
        self.server.close()
        with self._lock:
            self._cut(self._open)
            self._cut(self._held)


def test_while_the_network_is_quiet_the_window_stays_usable_and_resumes_when_it_is_back(
    qtbot,
    server,  # noqa: F811
    sample_path,
    monkeypatch,
):
    from urllib.parse import urlsplit

    from PySide6.QtCore import Qt, QTimer

    address = _published(server, sample_path)
    actor_id = _first_actor(server, address)
    where = urlsplit(server.url)
    relay = QuietableRelay(where.hostname or "127.0.0.1", where.port or 5432)
    # The password file names the server's port, not the relay's.
    lines = Path(os.environ["PGPASSFILE"]).read_text(encoding="utf-8").splitlines()
    password = next(line.rsplit(":", 1)[1] for line in lines if ":casefile_app:" in line)
    monkeypatch.setenv("PGPASSWORD", password)
    # A long connect_timeout, so that waiting for it on the GUI thread could not go unseen.
    through = server.as_user("casefile_app", port=relay.port) + "?" + address.split("?", 1)[1] + "&connect_timeout=60"
    try:
        window = _team_window(qtbot, through)
        live = window.session.live
        page = _show_actor(window, actor_id)
        role = page.editor.widgets["role"].edit
        ticks: list[float] = []
        clock = QTimer(window)
        clock.timeout.connect(lambda: ticks.append(time.monotonic()))
        clock.start(50)

        with qtbot.waitSignal(live.connection_lost, timeout=20000):
            relay.go_quiet()
        assert _lost_banner_shown(window)
        qtbot.waitUntil(lambda: relay.attempted_at is not None, timeout=20000)  # reconnecting, unanswered
        qtbot.waitUntil(lambda: bool(ticks) and ticks[-1] > relay.attempted_at, timeout=90000)
        # The window went on handling events while the attempt waited for an answer.
        assert min(t for t in ticks if t > relay.attempted_at) - relay.attempted_at < 5
        role.setFocus()
        role.selectAll()
        qtbot.keyClicks(role, "Typed while offline")
        assert role.text() == "Typed while offline" and _lost_banner_shown(window)

        with qtbot.waitSignal(live.connection_restored, timeout=30000):
            relay.resume()
        assert not _lost_banner_shown(window)
        qtbot.keyClick(role, Qt.Key.Key_Return)
        assert not page.editor.error_label.isVisibleTo(window), page.editor.error_label.text()
        assert _value(server, address, "SELECT role FROM actor WHERE id = %s", actor_id) == "Typed while offline"
        clock.stop()
        window.set_session(None)
    finally:
        relay.close()


# ----- text crafted as SQL, and the app's role --------------------------------------------------
# Already covered elsewhere: a case name crafted as SQL refused by address parsing
# (test_server_store), record text and tags crafted as SQL stored as text (test_server_store),
# typed search words (test_server_search) and list filters (test_server_queries).

CRAFTED = [
    "Robert'); DROP TABLE actor; --",
    "x' OR '1'='1",
    '"; DROP SCHEMA public CASCADE; --',
    "$$; DELETE FROM history; $$",
    "\\'; UPDATE case_info SET title = 'PWNED'; --",
]


def test_the_app_connects_as_a_role_with_no_power_over_the_server(server, sample_path):  # noqa: F811
    from db.postgres.case import ServerCase

    with ServerCase.open(_published(server, sample_path)) as case, case.read() as conn:
        role = conn.exec_driver_sql(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
            "FROM pg_catalog.pg_roles WHERE rolname = current_user"
        ).one()
    assert tuple(role) == ("casefile_app", False, False, False, False, False)


def test_csv_cells_crafted_as_sql_are_imported_as_text_and_found_as_typed(server, sample_path, tmp_path):  # noqa: F811
    import csv

    from db import csv_import, records
    from db.fields import Kind
    from db.postgres.case import ServerCase
    from db.search import search

    address = _published(server, sample_path)
    before = _value(server, address, "SELECT count(*) FROM actor")
    title = _value(server, address, "SELECT title FROM case_info")
    path = tmp_path / "crafted.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "role", "tags"])
        writer.writerows([f"Crafted{i} {text}", text, f"tag{i}"] for i, text in enumerate(CRAFTED))
    with ServerCase.open(address) as case:
        plan = csv_import.import_csv(case, path, Kind.ACTOR)
        assert len(plan.rows) == len(CRAFTED)
        stored = {records.get_record(case, Kind.ACTOR, rid)["role"] for _n, rid, _v in plan.rows}
        assert stored == set(CRAFTED)
        for i, text in enumerate(CRAFTED):
            hits = search(case, f"Crafted{i} {text}")
            assert [hit.title for hit in hits] == [f"Crafted{i} {text}"], text
    assert _value(server, address, "SELECT count(*) FROM actor") == before + len(CRAFTED)
    assert _value(server, address, "SELECT title FROM case_info") == title
    assert _value(server, address, "SELECT count(*) FROM history") > 0
