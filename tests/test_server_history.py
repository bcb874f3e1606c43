"""No silent overwrite, and the history the server keeps: record versions, conflicts between two
clients, history rows written by the server's triggers whoever writes, and ``casefile history``."""

from __future__ import annotations

import pytest
from server_fixtures import server  # noqa: F401  (fixture)

from db import records
from db.address import parse_server_address
from db.fields import Kind
from desktop.cli import main

ACTOR = {"name": "Meta", "kind": "company", "role": "Platform"}


def _doc() -> dict:
    return {
        "format": "casefile",
        "version": 1,
        "case": {"title": "Review"},
        "actors": [
            {"id": "meta", "name": "Meta", "kind": "company", "role": "Platform"},
            {"id": "caisi", "name": "CAISI", "kind": "government"},
            {"id": "doc", "name": "Department of Commerce", "kind": "government"},
        ],
        "directives": [{"id": "eo", "title": "EO 14409", "kind": "executive_order", "parties": ["meta"]}],
    }


def _new_case(server, name: str = "case") -> str:  # noqa: F811
    from db.postgres.publish import import_document

    address = server.address(name)
    import_document(_doc(), address)
    return address


def _schema(address: str) -> str:
    return parse_server_address(address).schema


def _grant_reader(server, address: str, privileges: str) -> str:  # noqa: F811
    """Let casefile_reader use the case with ``privileges`` on its tables; its address as that role."""
    schema = _schema(address)
    with server.connect() as conn:
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO casefile_reader')
        conn.execute(f'GRANT {privileges} ON ALL TABLES IN SCHEMA "{schema}" TO casefile_reader')
        conn.execute(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "{schema}" TO casefile_reader')
    return server.as_user("casefile_reader") + "?" + address.split("?", 1)[1]


def _id_of(case, kind: Kind, title: str) -> str:
    import sqlalchemy as sa

    table, column = ("actor", "name") if kind is Kind.ACTOR else ("directive", "title")
    with case.read() as conn:
        return conn.execute(sa.text(f"SELECT id FROM {table} WHERE {column} = :t"), {"t": title}).scalar_one()


def _history(server, address: str, record_id: str) -> list[tuple]:  # noqa: F811
    with server.connect() as conn:
        return conn.execute(
            f'SELECT by, operation, field, old_value, new_value FROM "{_schema(address)}".history '
            "WHERE record_id = %s ORDER BY id",
            (record_id,),
        ).fetchall()


# ----- versions and conflicts ----------------------------------------------------------------


def test_on_a_case_file_no_version_is_kept_and_the_check_is_a_no_op(sample_cf) -> None:
    from db.versions import case_version, record_version

    rid = records.add_record(sample_cf, Kind.ACTOR, ACTOR)
    assert record_version(sample_cf, Kind.ACTOR, rid) is None and case_version(sample_cf) is None
    records.update_record(sample_cf, Kind.ACTOR, rid, {"role": "Platform company"}, expected_version=41)
    records.update_case(sample_cf, {"subtitle": "Second look"}, expected_version=41)
    assert records.get_record(sample_cf, Kind.ACTOR, rid)["role"] == "Platform company"
    assert records.get_case(sample_cf)["subtitle"] == "Second look"


@pytest.mark.server
def test_a_save_that_lost_the_race_is_refused_with_their_value_and_who_changed_it(server) -> None:  # noqa: F811
    from db.errors import ConflictError
    from db.postgres.case import ServerCase
    from db.versions import case_version, record_version

    address = _new_case(server)
    other = _grant_reader(server, address, "SELECT, INSERT, UPDATE, DELETE")
    with ServerCase.open(address) as mine, ServerCase.open(other) as theirs:
        rid = _id_of(mine, Kind.ACTOR, "Meta")
        read = record_version(mine, Kind.ACTOR, rid)
        assert read == 1

        records.update_record(theirs, Kind.ACTOR, rid, {"role": "Social media company"}, expected_version=read)
        with pytest.raises(ConflictError) as lost:
            records.update_record(mine, Kind.ACTOR, rid, {"role": "Platform"}, expected_version=read)
        assert lost.value.theirs["role"] == "Social media company"
        assert lost.value.changed_by == "casefile_reader"
        assert lost.value.version == record_version(mine, Kind.ACTOR, rid) == 2
        assert "casefile_reader" in str(lost.value) and "not saved" in str(lost.value)
        assert records.get_record(mine, Kind.ACTOR, rid)["role"] == "Social media company"

        # Both made the same change: nothing of theirs is lost, so it is not a conflict.
        records.update_record(mine, Kind.ACTOR, rid, {"role": "Social media company"}, expected_version=read)
        # With the version now stored, the change goes through.
        now = record_version(mine, Kind.ACTOR, rid)
        records.update_record(mine, Kind.ACTOR, rid, {"role": "Platform"}, expected_version=now)
        assert records.get_record(theirs, Kind.ACTOR, rid)["role"] == "Platform"

        case_read = case_version(mine)
        records.update_case(theirs, {"subtitle": "Their subtitle"}, expected_version=case_read)
        with pytest.raises(ConflictError) as case_lost:
            records.update_case(mine, {"subtitle": "My subtitle"}, expected_version=case_read)
        assert case_lost.value.theirs["subtitle"] == "Their subtitle"
        assert case_lost.value.changed_by == "casefile_reader"


@pytest.mark.server
def test_every_writer_bumps_the_version_also_plain_sql_and_link_changes(server) -> None:  # noqa: F811
    from db.errors import ConflictError
    from db.postgres.case import ServerCase
    from db.versions import record_version

    address = _new_case(server)
    schema = _schema(address)
    with ServerCase.open(address) as case:
        eo, caisi = _id_of(case, Kind.DIRECTIVE, "EO 14409"), _id_of(case, Kind.ACTOR, "CAISI")
        read = record_version(case, Kind.DIRECTIVE, eo)
        with server.connect() as conn:
            conn.execute(f'UPDATE "{schema}".directive SET status = %s WHERE id = %s', ("in_force", eo))
        assert record_version(case, Kind.DIRECTIVE, eo) == read + 1
        with server.connect() as conn:  # bookkeeping (a sort name kept by a trigger) is nobody's edit
            conn.execute(f'UPDATE "{schema}".directive SET issuer_sort = %s, version = 0 WHERE id = %s', ("x", eo))
        assert record_version(case, Kind.DIRECTIVE, eo) == read + 1
        with server.connect() as conn:
            conn.execute(
                f'INSERT INTO "{schema}".directive_party (directive_id, actor_id, position) VALUES (%s, %s, 1)',
                (eo, caisi),
            )
        assert record_version(case, Kind.DIRECTIVE, eo) == read + 2
        with pytest.raises(ConflictError) as lost:
            records.update_record(case, Kind.DIRECTIVE, eo, {"parties": []}, expected_version=read)
        assert lost.value.theirs["parties"] == [_id_of(case, Kind.ACTOR, "Meta"), caisi]
        # One edit through Casefile that changes a field and the list moves the version on once.
        records.update_record(
            case, Kind.DIRECTIVE, eo, {"title": "EO 14410", "parties": [caisi]}, expected_version=read + 2
        )
        assert record_version(case, Kind.DIRECTIVE, eo) == read + 3


# ----- history -------------------------------------------------------------------------------


@pytest.mark.server
def test_the_server_records_inserts_field_changes_deletes_and_link_changes_whoever_writes(server) -> None:  # noqa: F811
    from db.postgres.case import ServerCase

    address = _new_case(server)
    schema = _schema(address)
    with ServerCase.open(address) as case:
        meta, caisi = _id_of(case, Kind.ACTOR, "Meta"), _id_of(case, Kind.ACTOR, "CAISI")
        eo = _id_of(case, Kind.DIRECTIVE, "EO 14409")
        rid = records.add_record(case, Kind.STATEMENT, {"text": "We will comply.", "speaker": meta})
        records.update_record(case, Kind.STATEMENT, rid, {"venue": "press call", "verbatim": True})
        records.update_record(case, Kind.DIRECTIVE, eo, {"parties": [caisi, meta]})
        records.delete_record(case, Kind.STATEMENT, rid)
    # A client that bypasses Casefile is recorded all the same.
    with server.connect() as conn:
        conn.execute(
            f'UPDATE "{schema}".actor SET role = %s, affiliation_sort = %s WHERE id = %s', ("Platform co.", "x", meta)
        )
    statement = _history(server, address, rid)
    assert [(op, field) for _by, op, field, _old, _new in statement] == [
        ("insert", None), ("update", "venue"), ("update", "verbatim"), ("delete", None),
    ]  # fmt: skip
    assert statement[0][4]["text"] == "We will comply." and statement[0][4]["speaker_id"] == meta
    assert "updated_at" not in statement[0][4] and "n" not in statement[0][4]
    assert statement[1][3:] == (None, "press call") and statement[2][3:] == (False, True)
    assert statement[3][3]["venue"] == "press call"
    assert all(by == "casefile_app" for by, *_ in statement)
    parties = [row for row in _history(server, address, eo) if row[2] == "parties"]
    assert [row[1:] for row in parties] == [
        ("insert", "parties", [], [meta]),
        ("update", "parties", [meta], [caisi, meta]),
    ]
    assert _history(server, address, meta)[-1][1:] == ("update", "role", "Platform", "Platform co.")


@pytest.mark.server
def test_casefile_history_lists_who_changed_what_newest_first_and_refuses_a_file(
    server,  # noqa: F811
    sample_path,
    capsys,
) -> None:
    from db.postgres.case import ServerCase

    address = _new_case(server)
    with ServerCase.open(address) as case:
        meta = _id_of(case, Kind.ACTOR, "Meta")
        records.update_record(case, Kind.ACTOR, meta, {"role": "Social media company"})
        records.update_record(case, Kind.ACTOR, meta, {"description": "word " * 40})
    capsys.readouterr()
    assert main(["history", address, "--record", meta]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert " UTC  casefile_app  Actor “Meta”  " in lines[0]
    assert lines[0].endswith("Description: (empty) → word word word word word word word word…")
    assert lines[1].endswith("Role or title: Platform → Social media company")
    assert lines[2].endswith("created")
    assert main(["history", address, "--limit", "2"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2

    assert main(["history", str(sample_path)]) == 1
    err = capsys.readouterr().err
    assert "History is kept only for team cases" in err and len(err.splitlines()) == 1


@pytest.mark.server
def test_a_reader_reads_the_history_and_nobody_but_the_owner_changes_it(server) -> None:  # noqa: F811
    import psycopg

    from db.postgres.case import ServerCase
    from db.postgres.history import changes

    address = _new_case(server)
    schema = _schema(address)
    reader = _grant_reader(server, address, "SELECT")
    with ServerCase.open(reader) as case:
        assert case.read_only
        assert [c.label for c in changes(case, limit=3)] == ["Parties", "created", "created"]
    url = reader.split("?", 1)[0]
    with psycopg.connect(url, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f'DELETE FROM "{schema}".history')
    # Even a role granted every privilege on the table (as a broad GRANT ON ALL TABLES does)
    # cannot change it: the server refuses.
    with server.connect() as conn:
        conn.execute(f'GRANT ALL ON "{schema}".history TO casefile_reader')
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in ("DELETE FROM {}.history", "UPDATE {}.history SET by = 'nobody'", "TRUNCATE {}.history"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="kept by the server"):
                conn.execute(sql.format(f'"{schema}"'))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="kept by the server"):
            conn.execute(
                f'INSERT INTO "{schema}".history (kind, record_id, operation) VALUES (%s, %s, %s)',
                ("actor", "x", "insert"),
            )
    with server.connect() as conn:
        assert (
            conn.execute(f'SELECT count(*) FROM "{schema}".history').fetchone()[0] == 6
        )  # five records and one list of parties


@pytest.mark.server
def test_a_published_case_exports_the_same_json_and_its_history_starts_with_the_publishing(
    server,  # noqa: F811
    sample_path,
    tmp_path,
    capsys,
) -> None:
    address = server.address("published")
    assert main(["publish", str(sample_path), address]) == 0
    assert main(["export-json", str(sample_path), "-o", str(tmp_path / "file.json")]) == 0
    assert main(["export-json", address, "-o", str(tmp_path / "server.json")]) == 0
    assert (tmp_path / "server.json").read_bytes() == (tmp_path / "file.json").read_bytes()
    assert b"casefile_app" not in (tmp_path / "server.json").read_bytes()
    with server.connect() as conn:
        created = conn.execute(
            f'SELECT count(*) FROM "{_schema(address)}".history WHERE operation = %s AND field IS NULL', ("insert",)
        ).fetchone()[0]
    assert created == 69 + 1  # every record, and the case itself
    assert main(["check", address]) == 0


@pytest.mark.server
def test_a_case_published_before_versions_is_brought_up_to_date_when_opened(server) -> None:  # noqa: F811
    import sqlalchemy as sa

    from db.postgres.case import ServerCase
    from db.postgres.connect import make_engine
    from db.postgres.migrations import SCHEMA_VERSION, migrate
    from db.postgres.migrations.p0001_initial import create_version_table
    from db.versions import case_version

    address = server.address("old")
    where = parse_server_address(address)
    engine = make_engine(where)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{where.schema}"'))
        conn.execute(sa.text(f'SET LOCAL search_path = "{where.schema}"'))
        create_version_table(conn)
        migrate(conn, target=1)
        records.insert_case_row(conn, title="Old case")
    engine.dispose()

    editor = _grant_reader(server, address, "SELECT, INSERT, UPDATE, DELETE")
    with ServerCase.open(editor) as case:  # not the owner: it may not alter the tables, so it opens as it is
        assert case.version == 1
    with ServerCase.open(address) as case:
        assert case.version == SCHEMA_VERSION and not case.read_only
        assert case_version(case) == 1
        records.update_case(case, {"subtitle": "Now with history"}, expected_version=1)
        assert case_version(case) == 2
    assert main(["history", address]) == 0


# ----- the History panel ---------------------------------------------------------------------


def _click_row(qtbot, view, index) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    view.scrollTo(index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


@pytest.mark.server
def test_the_history_panel_shows_who_changed_the_record_and_restores_a_value_as_one_undoable_edit(
    server,  # noqa: F811
    qtbot,
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from db.postgres.case import ServerCase
    from desktop.session import CaseSession
    from desktop.views.history_panel import HistoryPanel

    address = _new_case(server)
    other = _grant_reader(server, address, "SELECT, INSERT, UPDATE, DELETE")
    case = ServerCase.open(address)
    meta = _id_of(case, Kind.ACTOR, "Meta")
    with ServerCase.open(other) as theirs:
        records.update_record(theirs, Kind.ACTOR, meta, {"role": "Social media company"})

    # The record pages cannot list a team case yet; the panel is what a page puts under its editor.
    session = CaseSession(case)
    panel = HistoryPanel(session, Kind.ACTOR)
    qtbot.addWidget(panel)
    panel.resize(380, 420)
    panel.show()
    assert panel.isVisible()
    panel.show_record(meta)
    assert panel.list.count() == 2
    newest = panel.list.item(0).text()
    assert newest.startswith("Role or title · casefile_reader · ")
    assert newest.endswith("Platform  →  Social media company")
    assert panel.list.item(1).text().startswith("Created · casefile_app · ")
    assert not panel.restore_button.isEnabled()

    _click_row(qtbot, panel.list, panel.list.model().index(1, 0))
    assert not panel.restore_button.isEnabled()  # a record created has no one value to put back
    _click_row(qtbot, panel.list, panel.list.model().index(0, 0))
    assert panel.restore_button.isEnabled()
    QTest.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.list.count() == 3)
    assert panel.list.item(0).text().startswith("Role or title · casefile_app · ")
    assert panel.list.item(0).text().endswith("Social media company  →  Platform")
    with server.connect() as conn:
        stored = conn.execute(f'SELECT role FROM "{_schema(address)}".actor WHERE id = %s', (meta,)).fetchone()[0]
    assert stored == "Platform"
    assert session.undo_stack.undoText() == "Restore Role or title"

    session.undo_stack.undo()
    qtbot.waitUntil(lambda: panel.list.count() == 4)
    assert records.get_record(case, Kind.ACTOR, meta)["role"] == "Social media company"
    session.close()


def test_the_history_panel_is_hidden_for_a_case_file(qtbot, sample_path) -> None:
    from gui_helpers import open_window

    window = open_window(qtbot, sample_path)
    window.case_view.show_page(Kind.ACTOR)
    page = window.case_view.current_page()
    _click_row(qtbot, page.table, page.model.index(0, 0))
    qtbot.waitUntil(lambda: page.editor.record_id is not None)
    # It follows the record in the editor, but a case file keeps no history to show.
    assert page.history.record_id == page.editor.record_id
    assert page.history.isHidden() and page.history.list.count() == 0
