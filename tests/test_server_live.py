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
        first, second = _wait_for_changes(listener, 2)
        assert (first.kind, first.operation, first.ids) == ("directive", "d", (directive_id,))
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
