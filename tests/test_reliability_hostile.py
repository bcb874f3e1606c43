"""2. Hostile files do nothing: each planted object is refused with its reason, no SQL from it runs.

Every fixture is a real case file altered with a plain sqlite3 connection, as someone who
sends a booby-trapped file would. Each is opened for editing, read-only, by ``check_file``
and by ``casefile check``: all refuse it and name what is wrong. Proof that nothing from the
file ran: its bytes are unchanged (sha256), the rows its trigger would have deleted and
the title it would have rewritten are intact, and a trace of every SQL statement SQLite ran
on the file while checking it shows only Casefile's own read-only checks. A control on a
scratch copy shows each planted trigger is live: a plain INSERT fires it.
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from core_fixtures import run_cli
from reliability_helpers import record, sha256

from db.errors import RefusedFileError
from db.sample import create_sample
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import MAX_VALUE_BYTES, check_file
from desktop.cli import main as cli_main
from tests.gui_helpers import open_window, when_modal

WIPE = "DELETE FROM directive_party; UPDATE case_info SET title = 'PWNED';"
# Casefile's own statements while checking a file: the only SQL that may run on it.
OWN_CHECKS = (
    "PRAGMA ",
    "SELECT type, name, tbl_name, sql FROM sqlite_schema",
    "SELECT max(mx_payload) FROM dbstat",
    "-- SELECT * FROM (SELECT 'sqlite_schema' AS name,1 AS rootpage,",  # dbstat's own scan of the schema
)


def _sql(*statements: str, writable_schema: bool = False) -> Callable[[Path], None]:
    def alter(path: Path) -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = OFF")
            if writable_schema:
                conn.execute("PRAGMA writable_schema = ON")
            for sql in statements:
                conn.execute(sql)
            if writable_schema:
                conn.execute("PRAGMA writable_schema = OFF")
        finally:
            conn.close()

    return alter


def _edit_schema(name: str, old: str, new: str) -> Callable[[Path], None]:
    """Rewrite the stored CREATE text of one object in place (a forged schema)."""
    old_sql, new_sql = old.replace("'", "''"), new.replace("'", "''")
    return _sql(
        f"UPDATE sqlite_schema SET sql = replace(sql, '{old_sql}', '{new_sql}') "
        f"WHERE name = '{name}' AND instr(sql, '{old_sql}') > 0",
        writable_schema=True,
    )


def _huge_page_count(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[28:32] = struct.pack(">I", 0x7FFFFFFF)
    path.write_bytes(bytes(data))


def _oversized_cell(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")  # only to write the fixture faster
        conn.execute(
            "UPDATE statement SET text = ? WHERE n = (SELECT min(n) FROM statement)",
            ("x" * (MAX_VALUE_BYTES + 1024 * 1024),),
        )
    finally:
        conn.close()


_OVERFLOW_IF_LONG = "abs(CASE WHEN length(name) > 60 THEN -9223372036854775807 - 1 ELSE 0 END)"
_STATEMENT_FTS_INSERT = (
    "CREATE TRIGGER statement_fts_insert AFTER INSERT ON statement BEGIN "
    "INSERT INTO statement_fts (rowid, text, venue, notes, tags) "
    "VALUES (new.n, new.text, new.venue, new.notes, new.tags); "
)

# name -> (how to make it, what the refusal must say, a trigger's table to prove it live on)
HOSTILE: dict[str, tuple[Callable[[Path], None], str, str | None]] = {
    "planted trigger": (
        _sql(f"CREATE TRIGGER evil AFTER INSERT ON statement BEGIN {WIPE} END"),
        'an unexpected trigger "evil" on table "statement"',
        "statement",
    ),
    "trigger on a full-text shadow table": (
        _sql(f"CREATE TRIGGER shadow AFTER INSERT ON statement_fts_data BEGIN {WIPE} END"),
        'an unexpected trigger "shadow" on table "statement_fts_data"',
        "statement",  # inserting a statement writes the index, which fires it
    ),
    "our own trigger rewritten": (
        _sql(
            "DROP TRIGGER statement_fts_insert",
            f"{_STATEMENT_FTS_INSERT}{WIPE} END",
        ),
        'trigger "statement_fts_insert" has been altered',
        "statement",
    ),
    "a view": (
        _sql("CREATE VIEW everyone AS SELECT name, role FROM actor"),
        'an unexpected view "everyone"',
        None,
    ),
    "a table swapped for a view": (
        _sql(
            "DROP TABLE timeline_actor",
            "CREATE VIEW timeline_actor AS SELECT id AS entry_id, id AS actor_id, 0 AS position FROM timeline_entry",
        ),
        '"timeline_actor" is a view where Casefile keeps a table',
        None,
    ),
    "a malicious column default": (
        _edit_schema("actor", "tags TEXT NOT NULL DEFAULT '[]'", "tags TEXT NOT NULL DEFAULT (printf('%s', 'x'))"),
        'table "actor" has been altered',
        None,
    ),
    "a changed CHECK constraint": (
        _edit_schema("statement", "CHECK (verbatim IN (0, 1))", "CHECK (verbatim IN (0, 1) AND length(text) < 9000)"),
        'table "statement" has been altered',
        None,
    ),
    "a generated column": (
        _sql("ALTER TABLE statement ADD COLUMN shout TEXT GENERATED ALWAYS AS (upper(text)) VIRTUAL"),
        'table "statement" has been altered',
        None,
    ),
    # An index expression runs on every insert: this one makes adding a long-named actor fail.
    "an extra index with a malicious expression": (
        _sql(f"CREATE INDEX trap ON actor ({_OVERFLOW_IF_LONG})"),
        'an unexpected index "trap" on table "actor"',
        None,
    ),
    "our own index redefined": (
        _sql("DROP INDEX actor_name", f"CREATE INDEX actor_name ON actor ({_OVERFLOW_IF_LONG})"),
        'index "actor_name" has been altered',
        None,
    ),
    # With trusted_schema off, SQLite itself will not even load a schema calling json().
    "an index calling a function unsafe in a schema": (
        _sql("CREATE INDEX trap ON actor (json(CASE WHEN n > 1000 THEN 'not json' ELSE '1' END))"),
        "malformed database schema (trap) - unsafe use of json()",
        None,
    ),
    "a full-text shadow table redefined with a default": (
        _edit_schema("statement_fts_config", "v)", "v DEFAULT (printf('%s', 'planted')))"),
        'table "statement_fts_config" has been altered',
        None,
    ),
    "a full-text shadow table given a CHECK": (
        _edit_schema("statement_fts_data", "block BLOB)", "block BLOB CHECK (length(block) < 100000))"),
        'table "statement_fts_data" has been altered',
        None,
    ),
    "a huge declared page count": (_huge_page_count, "2,147,483,647 pages", None),
    "an oversized text cell": (
        _oversized_cell,
        f"holds a single value of {(MAX_VALUE_BYTES + 1024 * 1024) // 1_048_576} MB",
        None,
    ),
}


@pytest.fixture(scope="module")
def sample_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("hostile-base") / "base.casefile"
    create_sample(path)
    return path.read_bytes()


def _facts(path: Path) -> tuple[int, int, int, str]:
    """Actors, statements, directive parties and the case title, read with a plain read-only connection."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return (
            conn.execute("SELECT count(*) FROM actor").fetchone()[0],
            conn.execute("SELECT count(*) FROM statement").fetchone()[0],
            conn.execute("SELECT count(*) FROM directive_party").fetchone()[0],
            conn.execute("SELECT title FROM case_info").fetchone()[0],
        )
    finally:
        conn.close()


def _traced(monkeypatch, path: Path) -> list[str]:
    """Record every SQL statement SQLite runs on connections Casefile opens to ``path``."""
    ran: list[str] = []
    real_connect = sqlite3.connect

    def connect(database, *args, **kwargs):  # type: ignore[no-untyped-def]
        conn = real_connect(database, *args, **kwargs)
        if path.name in str(database):
            conn.set_trace_callback(ran.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    return ran


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_refused_with_its_reason_and_nothing_in_it_runs(
    name, sample_bytes, tmp_path, monkeypatch, capsys
):
    make, reason, trigger_table = HOSTILE[name]
    path = tmp_path / "received.casefile"
    path.write_bytes(sample_bytes)
    facts = _facts(path)
    make(path)
    if trigger_table is not None:  # control: on a scratch copy the planted SQL really fires
        scratch = Path(shutil.copy(path, tmp_path / "scratch.casefile"))
        _sql("INSERT INTO statement (id, text, created_at, updated_at) VALUES ('x', 'x', '', '')")(scratch)
        assert _facts(scratch)[2:] == (0, "PWNED")
        scratch.unlink()
    before = sha256(path)
    size = path.stat().st_size
    started = time.perf_counter()
    messages = []
    with monkeypatch.context() as patch:
        ran = _traced(patch, path)
        for attempt in (
            lambda: CaseFile.open(path),
            lambda: CaseFile.open(path, read_only=True),
            lambda: check_file(path),
        ):
            with pytest.raises(RefusedFileError) as refused:
                attempt()
            messages.append(str(refused.value))
    took = time.perf_counter() - started
    assert cli_main(["check", str(path)]) == 1
    printed = capsys.readouterr().out
    assert printed.startswith("REFUSED: received.casefile ")
    for message in [*messages, printed]:
        assert reason in message, message
        assert "received.casefile" in message
    assert sha256(path) == before, "the refused file was changed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["received.casefile"]  # no journal, lock or copy
    assert ran or name == "a huge declared page count", "the trace saw nothing"  # that one: refused from its header
    assert [sql for sql in ran if not sql.startswith(OWN_CHECKS)] == [], "SQL other than Casefile's checks ran"
    if name != "a huge declared page count":  # that one is refused from its header, unreadable by SQLite
        assert _facts(path) == facts  # what a trigger would have deleted or rewritten is intact
    record(
        2,
        "A received file with a planted trigger, view, swapped table, forged default, CHECK, generated column, "
        "index or shadow table, a huge declared size or a giant value is refused with its reason, byte for "
        "byte unchanged, and only Casefile's own read-only checks ran on it.",
        fixture=name,
        refused_by="CaseFile.open, CaseFile.open(read_only=True), check_file, casefile check",
        reason=reason,
        file_bytes=size,
        bytes_hashed_before_and_after=size,
        statements_run_on_the_file=len(ran),
        seconds_to_refuse_three_times=round(took, 3),
    )
    if size > MAX_VALUE_BYTES:
        path.unlink()  # do not keep 65 MB in the temporary folder


def test_the_real_casefile_check_command_refuses_a_hostile_file(sample_bytes, tmp_path, casefile_home):
    path = tmp_path / "received.casefile"
    path.write_bytes(sample_bytes)
    make, reason, _ = HOSTILE["planted trigger"]
    make(path)
    before = sha256(path)
    done = run_cli(["check", str(path)], cwd=tmp_path, home=casefile_home)
    out = done.stdout.decode("utf-8")
    assert done.returncode == 1, done.stderr
    assert out.startswith("REFUSED: received.casefile contains database objects Casefile did not create")
    assert reason in out and b"Traceback" not in done.stderr
    assert sha256(path) == before
    record(2, "The installed command `casefile check` refuses a hostile file in its own process.",
           fixture="planted trigger (casefile check in a subprocess)", exit_status=done.returncode)  # fmt: skip


def test_the_app_shows_why_a_hostile_file_was_refused(qtbot, sample_bytes, tmp_path):
    path = tmp_path / "forged.casefile"
    path.write_bytes(sample_bytes)
    make, reason, _ = HOSTILE["a full-text shadow table redefined with a default"]
    make(path)
    before = sha256(path)
    window = open_window(qtbot)
    seen = when_modal(lambda box: box.accept())
    with qtbot.waitSignal(window.documents.failed, timeout=60000) as blocker:
        window.documents.open_path(path)
    qtbot.waitUntil(lambda: bool(seen), timeout=60000)
    assert "forged.casefile was not opened" in blocker.args[0]
    assert reason in blocker.args[0]
    assert "tampered" in blocker.args[0]
    assert window.session is None
    assert sha256(path) == before
    record(2, "The app refuses a forged file with the reason in a dialog.", fixture="shadow table default (app)")
