"""The case file on disk: its SQLite settings, and the open-time checks that refuse bad files.

Every refusal test builds a real bad file (with a plain sqlite3 connection or by cutting
bytes), then shows that opening it is refused with a message saying what is wrong and that
the file's bytes are exactly as they were.
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
from pathlib import Path

import pytest
from core_fixtures import folder_listing, make_v1_file, plain_connect, sha256, side_files, table_rows

from db.errors import CaseFileError, NewerVersionError, RefusedFileError
from db.fields import Kind
from db.paths import backups_dir
from db.records import add_record, delete_record, get_record
from db.sample import create_sample
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import APPLICATION_ID, check_file
from db.sqlite.migrations import SCHEMA_VERSION
from desktop.cli import main as cli_main


@pytest.fixture(scope="module")
def sample_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("base") / "base.casefile"
    create_sample(path)
    return path.read_bytes()


@pytest.fixture
def good_file(tmp_path, sample_bytes) -> Path:
    """A fresh copy of the sample case file (the starting point of every bad file)."""
    path = tmp_path / "received.casefile"
    path.write_bytes(sample_bytes)
    return path


def _alter(path: Path, *statements: str) -> Path:
    conn = plain_connect(path)
    try:
        for sql in statements:
            conn.execute(sql)
    finally:
        conn.close()
    return path


def _count(path: Path, table: str) -> int:
    return int(table_rows(path, f"SELECT count(*) FROM {table}")[0][0])


# ----- the file on disk -------------------------------------------------------------------


def test_a_new_case_file_has_our_ids_version_and_a_rollback_journal(tmp_path):
    path = tmp_path / "new.casefile"
    cf = CaseFile.create(path, title="New case")
    add_record(cf, Kind.ACTOR, {"name": "Meta"})
    cf.close()
    assert side_files(path) == []
    conn = plain_connect(path)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("SELECT name FROM actor").fetchall() == [("Meta",)]
    finally:
        conn.close()
    header = path.read_bytes()[:100]
    assert header[18] == header[19] == 1  # file format 1 = rollback journal, not WAL (2)
    assert struct.unpack(">I", header[68:72])[0] == APPLICATION_ID


def test_an_imported_case_file_has_the_same_settings(sample_bytes, tmp_path):
    path = tmp_path / "sample.casefile"
    path.write_bytes(sample_bytes)
    conn = plain_connect(path)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()


def test_store_connections_enforce_foreign_keys_and_secure_delete(empty_cf):
    with empty_cf.read() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
    with empty_cf.write() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    # Foreign keys really are enforced: a statement by an actor that does not exist is refused.
    with pytest.raises(Exception, match="FOREIGN KEY"), empty_cf.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO statement (id, text, speaker_id, created_at, updated_at) VALUES ('s', 't', 'nobody', '', '')"
        )


def test_read_only_connections_have_the_same_settings_and_refuse_writes(good_file):
    with CaseFile.open(good_file, read_only=True) as cf:
        with cf.read() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        with pytest.raises(CaseFileError, match="read-only"):
            add_record(cf, Kind.ACTOR, {"name": "New"})


def test_deleted_text_does_not_linger_in_the_file(tmp_path):
    path = tmp_path / "secret.casefile"
    secret = "the secret word is Zyxwvutsrq, said the source"
    cf = CaseFile.create(path, title="Secrets")
    for i in range(5):
        add_record(cf, Kind.STATEMENT, {"text": f"filler statement {i}"})
    doomed = add_record(cf, Kind.STATEMENT, {"text": secret})
    cf.close()
    assert secret.encode() in path.read_bytes()
    with CaseFile.open(path) as cf:
        delete_record(cf, Kind.STATEMENT, doomed)
    assert secret.encode() not in path.read_bytes()
    assert b"Zyxwvutsrq" not in path.read_bytes()
    assert side_files(path) == []


def test_closing_leaves_no_journal_beside_the_file(good_file):
    cf = CaseFile.open(good_file)
    for i in range(3):
        add_record(cf, Kind.SOURCE, {"title": f"Source {i}"})
    with cf.read() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM source").scalar()
    cf.close()
    assert side_files(good_file) == []
    assert folder_listing(good_file.parent) == ["received.casefile"]
    assert _count(good_file, "source") == 13


def test_save_copy_writes_a_checked_copy_with_the_backup_api(good_file, tmp_path):
    target = tmp_path / "copy.casefile"
    with CaseFile.open(good_file) as cf:
        rid = add_record(cf, Kind.ACTOR, {"name": "Added before the copy"})
        cf.save_copy(target)
        with pytest.raises(CaseFileError, match="already exists"):
            cf.save_copy(target)
    report = check_file(target)
    assert report.version == SCHEMA_VERSION
    assert side_files(target) == []
    with CaseFile.open(target, read_only=True) as copy:
        assert get_record(copy, Kind.ACTOR, rid)["name"] == "Added before the copy"


# ----- open-time refusals -----------------------------------------------------------------


def _assert_refused(path: Path, *needles: str, error: type[Exception] = RefusedFileError) -> str:
    """Opening ``path`` (for editing and read-only) is refused; nothing on disk changes."""
    before = sha256(path) if path.is_file() else None
    listing = folder_listing(path.parent) if path.parent.exists() else None
    messages = []
    for attempt in (
        lambda: CaseFile.open(path),
        lambda: CaseFile.open(path, read_only=True),
        lambda: check_file(path),
    ):
        with pytest.raises(error) as caught:
            attempt()
        messages.append(str(caught.value))
    message = messages[0]
    for needle in needles:
        assert needle in message, message
    assert len(message.splitlines()) == 1 and len(message) < 600
    if before is not None:
        assert sha256(path) == before
    if listing is not None:
        assert folder_listing(path.parent) == listing
    assert list(backups_dir().iterdir()) == []
    return message


def test_a_planted_trigger_is_refused_before_it_can_fire(good_file, tmp_path):
    actors, statements = _count(good_file, "actor"), _count(good_file, "statement")
    trigger = "CREATE TRIGGER evil AFTER INSERT ON statement BEGIN DELETE FROM actor; END"
    _alter(good_file, "PRAGMA foreign_keys = OFF", trigger)
    # The planted trigger is real: on a scratch copy, one insert empties the case.
    scratch = shutil.copy(good_file, tmp_path / "scratch.casefile")
    _alter(Path(scratch), "INSERT INTO statement (id, text, created_at, updated_at) VALUES ('x', 'x', '', '')")
    assert _count(Path(scratch), "actor") == 0

    message = _assert_refused(good_file, 'unexpected trigger "evil" on table "statement"', "received.casefile")
    assert "tampered" in message
    assert _count(good_file, "actor") == actors
    assert _count(good_file, "statement") == statements
    assert table_rows(good_file, "SELECT name FROM sqlite_schema WHERE name = 'evil'") == [("evil",)]


def test_a_trigger_on_the_case_row_is_refused(good_file):
    _alter(good_file, "CREATE TRIGGER wipe AFTER UPDATE ON case_info BEGIN DELETE FROM directive_party; END")
    _assert_refused(good_file, 'trigger "wipe" on table "case_info"')
    assert _count(good_file, "directive_party") > 0


def test_a_view_swapped_in_for_a_table_is_refused(good_file):
    _alter(
        good_file,
        "DROP TABLE timeline_actor",
        "CREATE VIEW timeline_actor AS SELECT id AS entry_id, id AS actor_id, 0 AS position FROM timeline_entry",
    )
    _assert_refused(good_file, '"timeline_actor" is a view where Casefile keeps a table')


def test_an_extra_view_is_refused(good_file):
    _alter(good_file, "CREATE VIEW everyone AS SELECT name FROM actor")
    _assert_refused(good_file, 'an unexpected view "everyone"')


def test_an_extra_table_and_an_extra_index_are_refused(good_file):
    _alter(good_file, "CREATE TABLE notes (x)", "CREATE INDEX actor_role ON actor (role)")
    _assert_refused(good_file, 'an unexpected table "notes"', 'an unexpected index "actor_role" on table "actor"')


def test_a_missing_table_is_refused(good_file):
    _alter(good_file, "DROP TABLE timeline_actor")
    _assert_refused(good_file, 'the table "timeline_actor" is missing')


def test_a_table_definition_altered_in_place_is_refused(good_file):
    # A malicious DEFAULT edited straight into the stored CREATE TABLE text.
    conn = plain_connect(good_file)
    try:
        conn.execute("PRAGMA writable_schema = ON")
        changed = conn.execute(
            "UPDATE sqlite_schema SET sql = replace(sql, 'DEFAULT ''other''', 'DEFAULT ''person''') "
            "WHERE name = 'actor'"
        ).rowcount
        conn.execute("PRAGMA writable_schema = OFF")
    finally:
        conn.close()
    assert changed == 1
    assert "DEFAULT 'person'" in table_rows(good_file, "SELECT sql FROM sqlite_schema WHERE name = 'actor'")[0][0]
    _assert_refused(good_file, 'table "actor" has been altered')


def test_a_column_added_with_a_default_is_refused(good_file):
    _alter(good_file, "ALTER TABLE statement ADD COLUMN payload TEXT DEFAULT 'x'")
    _assert_refused(good_file, 'table "statement" has been altered')


def test_a_truncated_file_is_refused(good_file):
    data = good_file.read_bytes()
    good_file.write_bytes(data[: len(data) // 2 + 100])
    _assert_refused(good_file, "damaged", "cut short")


def test_a_file_cut_at_a_page_boundary_is_refused(good_file):
    data = good_file.read_bytes()
    good_file.write_bytes(data[: 4096 * 3])
    _assert_refused(good_file, "damaged", "pages")


def test_a_file_with_damaged_pages_is_refused(good_file):
    data = bytearray(good_file.read_bytes())
    page_size = struct.unpack(">H", data[16:18])[0]
    for page in range(2, len(data) // page_size):
        data[page * page_size + 8 : page * page_size + 64] = b"\xa5" * 56
    good_file.write_bytes(bytes(data))
    _assert_refused(good_file, "damaged")


def test_a_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.casefile"
    path.write_text("Meeting notes\nnot a database at all\n" * 20, encoding="utf-8")
    _assert_refused(path, "notes.casefile", "not an SQLite database")


def test_a_zero_byte_file_is_refused(tmp_path):
    path = tmp_path / "empty.casefile"
    path.write_bytes(b"")
    _assert_refused(path, "empty (0 bytes)")


def test_a_folder_is_refused(tmp_path):
    folder = tmp_path / "folder.casefile"
    folder.mkdir()
    _assert_refused(folder, "folder.casefile is a folder", error=CaseFileError)


def test_a_missing_path_is_refused(tmp_path):
    path = tmp_path / "nowhere" / "missing.casefile"
    _assert_refused(path, "There is no file at", error=CaseFileError)
    assert not path.exists()


def test_a_plain_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "plain.casefile"
    _alter(path, "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)")
    _assert_refused(path, "an SQLite database, but not a Casefile case file")


def test_a_database_of_another_application_is_refused(tmp_path):
    path = tmp_path / "other.casefile"
    _alter(path, "PRAGMA application_id = 1196444487", "CREATE TABLE t (x)")  # "GPKG"
    _assert_refused(path, "belongs to another application", "0x47504B47")


def test_a_file_from_a_newer_version_is_refused_and_untouched(good_file):
    _alter(good_file, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    message = _assert_refused(good_file, "newer version of Casefile", error=NewerVersionError)
    assert f"file version {SCHEMA_VERSION + 1}" in message
    assert "not changed" in message


def test_a_header_declaring_a_huge_page_count_is_refused(good_file):
    data = bytearray(good_file.read_bytes())
    data[28:32] = struct.pack(">I", 0x7FFFFFFF)
    good_file.write_bytes(bytes(data))
    _assert_refused(good_file, "damaged", "2,147,483,647 pages")


def test_a_file_switched_to_wal_is_refused(good_file):
    _alter(good_file, "PRAGMA journal_mode = WAL")
    assert good_file.read_bytes()[18] == 2
    _assert_refused(good_file, "write-ahead logging")


def test_a_case_file_id_with_no_schema_version_is_refused(tmp_path):
    path = tmp_path / "blank.casefile"
    _alter(path, f"PRAGMA application_id = {APPLICATION_ID}", "CREATE TABLE t (x)")
    _assert_refused(path, "schema version (0) is not valid")


def test_a_tampered_old_file_is_refused_before_it_is_migrated_or_backed_up(tmp_path):
    path = make_v1_file(tmp_path / "old.casefile")
    _alter(path, "CREATE TRIGGER evil AFTER UPDATE ON case_info BEGIN DELETE FROM actor; END")
    _assert_refused(path, 'unexpected trigger "evil"')
    assert table_rows(path, "PRAGMA user_version") == [(1,)]


def test_check_file_reports_a_good_file(good_file):
    report = check_file(good_file)
    assert report.version == SCHEMA_VERSION
    assert report.writable
    assert not report.needs_migration
    assert report.size == good_file.stat().st_size


# ----- the check command --------------------------------------------------------------------


def test_check_command_gives_a_verdict_for_a_good_and_a_refused_file(good_file, tmp_path, capsys):
    assert cli_main(["check", str(good_file)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: received.casefile is a valid case file")
    assert f"schema version {SCHEMA_VERSION}" in out

    bad = tmp_path / "bad.casefile"
    shutil.copy(good_file, bad)
    _alter(bad, "CREATE VIEW everyone AS SELECT name FROM actor")
    before = sha256(bad)
    assert cli_main(["check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("REFUSED: bad.casefile contains database objects")
    assert 'unexpected view "everyone"' in out
    assert sha256(bad) == before


def test_check_command_notes_an_old_file_will_be_upgraded(tmp_path, capsys):
    path = make_v1_file(tmp_path / "old.casefile")
    assert cli_main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "schema version 1" in out and "upgraded" in out
    assert table_rows(path, "PRAGMA user_version") == [(1,)]


def test_sqlite_itself_would_open_the_refused_files(good_file):
    # The checks, not SQLite, are what refuse a tampered file: plain SQLite reads it happily.
    _alter(good_file, "CREATE VIEW everyone AS SELECT name FROM actor")
    conn = sqlite3.connect(good_file)
    try:
        assert conn.execute("SELECT count(*) FROM everyone").fetchone()[0] == 20
    finally:
        conn.close()
    with pytest.raises(RefusedFileError):
        CaseFile.open(good_file)
