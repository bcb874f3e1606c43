"""Offline copies of a team case: taken from a server address, synced with version checks, the
master's writes kept in the server's history as the user's."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from server_fixtures import server  # noqa: F401  (fixture)

from db import records
from db.address import parse_server_address
from db.fields import Kind
from db.interchange import export_document
from db.merge import Side
from db.postgres.case import ServerCase
from db.replica import MasterChanged, carry_out, master_of, prepare_sync, take_offline_copy
from db.sqlite.casefile import CaseFile

pytestmark = pytest.mark.server


def _published(server, sample_path) -> str:  # noqa: F811
    from db.postgres.publish import publish_file

    address = server.address("master")
    publish_file(sample_path, parse_server_address(address))
    return address


def _ids(store, table: str) -> list[str]:
    with store.read() as conn:
        return list(conn.execute(sa.text(f"SELECT id FROM {table} ORDER BY id LIMIT 3")).scalars())


def test_a_copy_of_a_team_case_syncs_both_ways_and_the_history_names_the_user(server, sample_path, tmp_path):  # noqa: F811
    address = _published(server, sample_path)
    copy_path = take_offline_copy(address, tmp_path / "offline.casefile")
    with CaseFile.open(copy_path) as copy, ServerCase.open(address) as master:
        assert master_of(copy) == address
        assert export_document(copy, editions=False) == export_document(master, editions=False)
        s = _ids(copy, "statement")
        records.update_record(copy, Kind.STATEMENT, s[0], {"venue": "Offline venue"})
        records.update_record(copy, Kind.STATEMENT, s[2], {"text": "Offline words"})
        records.update_record(master, Kind.STATEMENT, s[1], {"notes": "Office notes"})
        records.update_record(master, Kind.STATEMENT, s[2], {"text": "Office words"})
        new_actor = records.add_record(copy, Kind.ACTOR, {"name": "Met on the plane"})

        plan = prepare_sync(copy)
        try:
            [conflict] = plan.merge.conflicts
            assert conflict.field == "text"
            done = carry_out(plan, {conflict.key: Side.OURS})
        finally:
            plan.close()
        assert done.to_master == 3 and done.to_copy == 1
        assert len(done.backups) == 2 and all(p.exists() for p in done.backups)
        assert export_document(copy, editions=False) == export_document(master, editions=False)
        assert records.get_record(master, Kind.ACTOR, new_actor)["name"] == "Met on the plane"
        assert records.get_record(master, Kind.STATEMENT, s[2])["text"] == "Offline words"
        assert records.get_record(copy, Kind.STATEMENT, s[1])["notes"] == "Office notes"

        schema = parse_server_address(address).schema
        with server.connect() as conn:
            rows = conn.execute(
                f'SELECT by, field, new_value FROM "{schema}".history WHERE record_id = %s AND field = %s',
                (s[0], "venue"),
            ).fetchall()
        assert rows and rows[-1][0] == "casefile_app" and "Offline venue" in str(rows[-1][2])

        plan = prepare_sync(copy)
        try:
            assert plan.merge.changes == [] and plan.merge.conflicts == []
        finally:
            plan.close()


def test_a_team_case_edited_while_the_sync_was_prepared_refuses_it(server, sample_path, tmp_path):  # noqa: F811
    address = _published(server, sample_path)
    copy_path = take_offline_copy(address, tmp_path / "offline.casefile")
    with CaseFile.open(copy_path) as copy, ServerCase.open(address) as colleague:
        s = _ids(copy, "statement")[0]
        records.update_record(copy, Kind.STATEMENT, s, {"venue": "Offline venue"})
        before = export_document(copy)
        plan = prepare_sync(copy)
        try:
            records.update_record(colleague, Kind.STATEMENT, s, {"notes": "A colleague, meanwhile"})
            with pytest.raises(MasterChanged):
                carry_out(plan, {})
        finally:
            plan.close()
        assert export_document(copy) == before
        assert records.get_record(colleague, Kind.STATEMENT, s)["venue"] != "Offline venue"
