"""Migrations: numbered steps, in-place upgrade after a verified backup, and the models in step."""

from __future__ import annotations

import os
import sqlite3

import pytest
from core_fixtures import make_v1_file, plain_connect, sha256, side_files, table_rows
from sqlmodel import SQLModel

from db import models
from db.fields import Kind
from db.paths import backups_dir
from db.records import add_record, get_case, get_record, update_case
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import check_file
from db.sqlite.migrations import MIGRATIONS, SCHEMA_VERSION, migrate
from db.sqlite.schema_check import reference_schema

MEMBER_IDS = ("22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333")


def _dump(path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every record table (to compare a file with its backup)."""
    tables = ("case_info", "actor", "statement", "source", "directive", "timeline_entry")
    return {t: table_rows(path, f"SELECT * FROM {t} ORDER BY n") for t in tables}


def test_migrations_are_numbered_one_to_n():
    versions = [m.version for m in MIGRATIONS]
    assert versions[0] == 1 and versions == sorted(set(versions))
    assert SCHEMA_VERSION == MIGRATIONS[-1].version >= 2
    assert all(m.description and m.statements for m in MIGRATIONS)


def test_migrate_runs_each_step_once_and_bumps_user_version():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        assert migrate(conn, target=1) == [1]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert migrate(conn) == [m.version for m in MIGRATIONS[1:]]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert migrate(conn) == []
    finally:
        conn.close()


def test_a_failing_step_changes_nothing():
    from db.sqlite.migrations import Migration

    broken = (*MIGRATIONS[:1], Migration(2, "broken", ("CREATE TABLE half (x)", "THIS IS NOT SQL")))
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn, target=1)
        with pytest.raises(sqlite3.Error):
            migrate(conn, steps=broken)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'half'").fetchone()[0] == 0
    finally:
        conn.close()


def test_a_version_1_file_is_upgraded_in_place_after_a_verified_backup(tmp_path):
    path = make_v1_file(tmp_path / "Old matter.casefile")
    original = _dump(path)
    assert check_file(path).needs_migration

    with CaseFile.open(path) as cf:
        assert not cf.read_only
        assert cf.version == SCHEMA_VERSION
        case = get_case(cf)
        assert case["title"] == "Old case"
        assert case["marking"] == "FOR INTERNAL USE ONLY"
        statement = get_record(cf, Kind.STATEMENT, MEMBER_IDS[1])
        assert statement["speaker"] == MEMBER_IDS[0]
        assert statement["date"].iso == "2024-08"
        # The upgraded file takes new edits, including the column the upgrade added.
        add_record(cf, Kind.ACTOR, {"name": "Anthropic", "kind": "company"})
        with cf.write() as conn:
            conn.exec_driver_sql("UPDATE case_info SET briefing_options = '{}' WHERE n = 1")
        update_case(cf, {"subtitle": "Upgraded"})

    assert side_files(path) == []
    assert table_rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert check_file(path).version == SCHEMA_VERSION

    backups = list(backups_dir().iterdir())
    assert len(backups) == 1
    backup = backups[0]
    assert backup.parent == backups_dir()
    assert str(backup).startswith(os.environ["CASEFILE_HOME"])
    assert backup.name.startswith("Old matter - before upgrade to v")
    assert backup.suffix == ".casefile"
    assert check_file(backup).version == 1
    assert _dump(backup) == original
    assert side_files(backup) == []


def test_a_read_only_old_file_opens_as_a_migrated_copy_and_is_not_changed(tmp_path):
    path = make_v1_file(tmp_path / "old.casefile")
    digest = sha256(path)
    with CaseFile.open(path, read_only=True) as cf:
        assert cf.read_only
        assert cf.version == SCHEMA_VERSION
        assert get_case(cf)["title"] == "Old case"
        assert get_record(cf, Kind.ACTOR, MEMBER_IDS[0])["name"] == "Meta"
        with cf.read() as conn:  # the in-memory copy has the current schema
            assert conn.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION
            conn.exec_driver_sql("SELECT briefing_options FROM case_info").all()
        with pytest.raises(Exception, match="read-only"):
            update_case(cf, {"title": "Changed"})
    assert sha256(path) == digest
    assert list(backups_dir().iterdir()) == []
    assert side_files(path) == []


def test_an_old_file_without_write_permission_opens_read_only(tmp_path):
    path = make_v1_file(tmp_path / "locked.casefile")
    digest = sha256(path)
    path.chmod(0o444)
    try:
        if os.access(path, os.W_OK):
            pytest.skip("running with privileges that ignore file permissions")
        with CaseFile.open(path) as cf:
            assert cf.read_only
            assert get_case(cf)["title"] == "Old case"
    finally:
        path.chmod(0o644)
    assert sha256(path) == digest


def test_the_models_match_the_migrated_schema():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn)
        record_tables = {
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
            # full-text indexes, and what an offline copy remembers of its master (a case
            # file's own bookkeeping, kept in SQL by db/replica.py and never on a server)
            if "_fts" not in row[0] and not row[0].startswith("replica")
        }
        assert record_tables == set(SQLModel.metadata.tables)
        for name, table in SQLModel.metadata.tables.items():
            info = {row[1]: row for row in conn.execute(f"PRAGMA table_info({name})")}
            assert set(info) == {c.name for c in table.columns}, name
            for column in table.columns:
                _cid, _name, _type, notnull, _default, pk = info[column.name]
                assert bool(pk) == column.primary_key, (name, column.name)
                if not pk:
                    assert bool(notnull) == (not column.nullable), (name, column.name)
            fks = {(r[3], r[2], r[4]) for r in conn.execute(f"PRAGMA foreign_key_list({name})")}
            model_fks = {(fk.parent.name, fk.column.table.name, fk.column.name) for fk in table.foreign_keys}
            assert fks == model_fks, name
    finally:
        conn.close()
    assert models.table(models.Actor).name == "actor"


def test_the_reference_schema_is_what_a_new_file_holds(empty_cf):
    path = empty_cf.path
    empty_cf.close()
    conn = plain_connect(path)
    try:
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema").fetchall()
    finally:
        conn.close()
    actual = {name: (kind, tbl, sql) for kind, name, tbl, sql in rows}
    expected = reference_schema(SCHEMA_VERSION)
    assert set(expected) <= set(actual)
    for name, value in expected.items():
        assert actual[name][:2] == value[:2]
