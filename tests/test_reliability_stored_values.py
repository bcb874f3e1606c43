"""15. Stored values that are valid SQLite but not Casefile data, in a file someone sent.

Every fixture is a real case file (the sample case) changed with a plain sqlite3 connection,
as another program or a hand edit would leave it: CHECK constraints and foreign keys off, so
values our schema would refuse get in. For each kind of value one of three things happens:

* the open-time checks refuse the file with a one-line reason naming the table and column,
  and the file's bytes are unchanged (lists that are not lists of words, dates the date
  parser refuses, unknown kinds and statuses, "yes or no" columns holding 7, ids that are not
  record ids, no case record or several);
* the app repairs it and says so (a damaged full-text index is rebuilt from the records);
* the value is shown as damaged where it appears (a reference to a record that does not
  exist reads "(missing)"; unreadable briefing options give the default packet).

Before these checks each of these files opened and then failed in an export, a list, the
timeline or a search with a RecursionError, TypeError, OverflowError or SQLite error.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from core_fixtures import make_v1_file, run_cli
from reliability_helpers import record, sha256

from db import csv_export, interchange, queries, records, search
from db.dates import PartialDate
from db.errors import CaseFileError, RefusedFileError
from db.fields import KINDS, Kind
from db.lock import lock_path
from db.sample import create_sample
from db.sqlite import search_index
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import check_file
from db.sqlite.search_index import repair_search_index, search_index_problems
from db.sqlite.stored_values import stored_value_problem
from desktop.briefing_export import export_snapshot, load_options
from desktop.cli import main as cli_main
from tests.gui_helpers import open_window, when_modal

DEEP = "[" * 5000 + "]" * 5000  # deeper than Python's JSON parser can recurse
NEARLY_DEEP = "[" * 900 + "]" * 900  # parses alone, fails a few frames further down the stack
FIRST = "(SELECT min(n) FROM {table})"
NOBODY = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"  # a well-formed id of no record


def _first(table: str) -> str:
    return FIRST.format(table=table)


@pytest.fixture(scope="module")
def sample_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("stored-values-base") / "base.casefile"
    create_sample(path)
    return path.read_bytes()


Plant = str | Callable[[sqlite3.Connection], None]


def _planted(folder: Path, sample_bytes: bytes, *changes: Plant, name: str = "received.casefile") -> Path:
    """The sample case with ``changes`` made by a plain connection that enforces no constraint."""
    path = folder / name
    path.write_bytes(sample_bytes)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("PRAGMA foreign_keys = OFF")
        for change in changes:
            if callable(change):
                change(conn)
            else:
                conn.execute(change)
    finally:
        conn.close()
    return path


def _use_everything(cf: CaseFile, out: Path) -> dict[str, int]:
    """Read the case every way the app and the exports do; unexpected errors fail the test."""
    counts: dict[str, int] = {}
    records.get_case(cf)
    doc = interchange.export_document(cf)
    counts["records exported"] = sum(len(doc[KINDS[k].json_name]) for k in KINDS)
    counts["csv files"] = len(csv_export.export_csv(cf, out / "csv", overwrite=True))
    result = export_snapshot(cf, out / "packet.pdf", load_options(cf))
    counts["pdf pages"] = result.pages
    counts["search hits"] = sum(len(search.search(cf, words)) for words in ("Meta", "review", "the"))
    for kind in KINDS:
        for query in (
            queries.ListQuery(kind),
            queries.ListQuery(kind, text="review"),
            queries.ListQuery(kind, tag="frontier"),
            queries.ListQuery(kind, date_from=PartialDate(2026, 6), date_to=PartialDate(2026, 7)),
            *(queries.ListQuery(kind, sort=col.name) for col in queries.LIST_COLUMNS[kind]),
        ):
            queries.list_rowids(cf, query)
        queries.matching_rowids(cf, kind, "review")
        queries.choices(cf, kind, "a")
        rows = queries.fetch_rows(cf, kind, queries.list_rowids(cf, queries.ListQuery(kind)))
        for values in rows.values():
            records.get_record(cf, kind, str(values[0]))
            records.find_references(cf, kind, str(values[0]))
    queries.timeline_marks(cf)
    queries.date_span(cf)
    queries.all_tags(cf)
    queries.counts(cf)
    return counts


# ----- refused at open --------------------------------------------------------------------

# name -> (changes, words the refusal must contain). Before: what the file did once opened.
REFUSED: dict[str, tuple[tuple[Plant, ...], str]] = {
    # RecursionError in the JSON export, the CSV export, the briefing export and every edit.
    "tags nested 5,000 deep": (
        (f"UPDATE actor SET tags = '{DEEP}' WHERE n = {_first('actor')}",),
        "actor.tags holds a value that is not a list of words",
    ),
    "tags nested 900 deep": (
        (f"UPDATE actor SET tags = '{NEARLY_DEEP}' WHERE n = {_first('actor')}",),
        "actor.tags holds a value that is not a list of words",
    ),
    "provisions nested 5,000 deep": (
        (f"UPDATE directive SET provisions = '{DEEP}'",),
        "directive.provisions holds a value that is not a list of words",
    ),
    # Silently exported as no tags at all (the words are lost on the way to JSON and CSV).
    "tags a JSON object": (
        ("""UPDATE statement SET tags = '{"a": ["x"]}'""",),
        "statement.tags holds a value that is not a list of words",
    ),
    "tags a number": (("UPDATE statement SET tags = '7'",), "statement.tags holds a value that is not"),
    "tags one string": (("""UPDATE statement SET tags = '"word"'""",), "statement.tags holds a value that is not"),
    "provisions an empty object": (("UPDATE directive SET provisions = '{}'",), "directive.provisions holds"),
    "tags a list of numbers, null and lists": (
        ("""UPDATE statement SET tags = '[1, null, ["x"], {"a": 2}, "ok"]'""",),
        "statement.tags holds a value that is not a list of words",
    ),
    # The tag list and filter failed as "damaged" after the file had opened.
    "tags not JSON": (("UPDATE statement SET tags = 'alpha, beta'",), "statement.tags holds a value that is not"),
    # UnicodeEncodeError writing the CSV export.
    "tags with half a character": (
        ("""UPDATE statement SET tags = '["\\ud800x"]'""",),
        "statement.tags holds a value that is not a list of words",
    ),
    # NoResultFound showing the case; TypeError in every export.
    "no case record": (("DELETE FROM case_info",), "it has no case record"),
    "case record not numbered 1": (("UPDATE case_info SET n = 2",), "its case record is not numbered 1"),
    "two case records": (
        (
            "INSERT INTO case_info (n, id, title, created_at, updated_at) "
            f"SELECT 2, '{NOBODY}', 'Second', created_at, updated_at FROM case_info",
        ),
        "it holds 2 case records where Casefile keeps one",
    ),
    # "could not be read" on every list, the editor and the timeline strip; TypeError drawing it.
    "a date the parser refuses": (
        (f"UPDATE statement SET date = 'last Tuesday' WHERE n = {_first('statement')}",),
        'statement.date holds "last Tuesday", not a date',
    ),
    "February 30": (
        (f"UPDATE timeline_entry SET date = '2024-02-30' WHERE n = {_first('timeline_entry')}",),
        'timeline_entry.date holds "2024-02-30", not a date',
    ),
    "an empty timeline date": (("UPDATE timeline_entry SET date = ''",), 'timeline_entry.date holds "", not a date'),
    "month 13 as the case's date": (("UPDATE case_info SET as_of = '2024-13'",), 'case_info.as_of holds "2024-13"'),
    "year 0000": (("UPDATE source SET published = '0000'",), 'source.published holds "0000", not a date'),
    "a time with a zone of +25:00": (
        (f"UPDATE statement SET date = '2026-06-12T17:21+25:00' WHERE n = {_first('statement')}",),
        "statement.date holds",
    ),
    "a sort key without a date": (
        ("UPDATE statement SET date = NULL, date_key = '2024'",),
        "statement.date_key does not match statement.date",
    ),
    "a date without a sort key": (
        ("UPDATE directive SET issued_key = NULL WHERE issued IS NOT NULL",),
        "directive.issued_key does not match directive.issued",
    ),
    # Unknown words shown as if valid, and refused by the file's own import of its export.
    "an unknown actor kind": (
        (f"UPDATE actor SET kind = 'alien' WHERE n = {_first('actor')}",),
        'actor.kind holds "alien", which is not a kind Casefile knows',
    ),
    "an unknown directive kind": (("UPDATE directive SET kind = 'decree'",), 'directive.kind holds "decree"'),
    "an unknown status": (
        ("UPDATE directive SET status = 'zombie'",),
        'directive.status holds "zombie", which is not a status Casefile knows',
    ),
    # OverflowError drawing the timeline strip.
    "key event 300": (
        ("UPDATE timeline_entry SET key_event = 300",),
        "timeline_entry.key_event holds 300 where Casefile keeps yes (1) or no (0)",
    ),
    "verbatim 7": (("UPDATE statement SET verbatim = 7",), "statement.verbatim holds 7 where Casefile keeps yes"),
    # Ids are written into links in the editor; these are no record ids.
    "an id that is not a UUID": (
        (f"UPDATE actor SET id = 'not a uuid' WHERE n = {_first('actor')}",),
        'actor.id holds "not a uuid", not a record id',
    ),
    "an empty id": ((f"UPDATE source SET id = '' WHERE n = {_first('source')}",), 'source.id holds "", not a record'),
    "an id with a quote": (
        (f"""UPDATE source SET id = '{NOBODY[:-1]}"' WHERE n = {_first("source")}""",),
        "source.id holds",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_value_casefile_never_writes_is_refused_with_its_reason(name, sample_bytes, tmp_path, capsys):
    changes, reason = REFUSED[name]
    path = _planted(tmp_path, sample_bytes, *changes)
    before = sha256(path)
    messages = []
    for attempt in (lambda: CaseFile.open(path), lambda: CaseFile.open(path, read_only=True), lambda: check_file(path)):
        with pytest.raises(RefusedFileError) as refused:
            attempt()
        messages.append(str(refused.value))
    assert cli_main(["check", str(path)]) == 1
    printed = capsys.readouterr().out
    assert printed.startswith("REFUSED: received.casefile is damaged: ")
    for message in [*messages, printed]:
        assert reason in message, message
        assert message.startswith(("received.casefile is damaged: ", "REFUSED: received.casefile"))
        assert len(message.strip().splitlines()) == 1 and len(message) < 300, message
    assert sha256(path) == before, "the refused file was changed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["received.casefile"]  # no journal, lock or copy
    assert not lock_path(path).exists()
    record(
        15,
        "A received file holding a value Casefile never writes (a list that is not a list of words, nested "
        "or not; a date the parser refuses; an unknown kind or status; a yes-or-no of 7; an id that is not a "
        "record id; no case record or two) is refused at open with the table, column and value, byte for "
        "byte unchanged, where it used to open and then crash an export, a list or the timeline.",
        fixture=name,
        reason=messages[0],
        refused_by="CaseFile.open, CaseFile.open(read_only=True), check_file, casefile check",
    )


def test_the_real_casefile_check_command_refuses_a_planted_value(sample_bytes, tmp_path, casefile_home):
    path = _planted(tmp_path, sample_bytes, f"UPDATE actor SET tags = '{DEEP}' WHERE n = {_first('actor')}")
    before = sha256(path)
    done = run_cli(["check", str(path)], cwd=tmp_path, home=casefile_home)
    out = done.stdout.decode("utf-8")
    assert done.returncode == 1, done.stderr
    assert out == "REFUSED: received.casefile is damaged: actor.tags holds a value that is not a list of words.\n"
    assert b"Traceback" not in done.stderr
    assert sha256(path) == before
    record(
        15,
        "The installed `casefile check` refuses a file with tags nested 5,000 deep in its own process, with a "
        "one-line reason.",
        fixture="tags nested 5,000 deep (subprocess)",
        exit_status=done.returncode,
    )


def test_the_app_says_why_a_file_with_a_planted_value_was_not_opened(qtbot, sample_bytes, tmp_path):
    path = _planted(tmp_path, sample_bytes, "UPDATE timeline_entry SET key_event = 300")
    before = sha256(path)
    window = open_window(qtbot)
    seen = when_modal(lambda box: box.accept())
    with qtbot.waitSignal(window.documents.failed, timeout=60000) as blocker:
        window.documents.open_path(path)
    qtbot.waitUntil(lambda: bool(seen), timeout=60000)
    assert blocker.args[0].startswith("received.casefile was not opened.")
    assert "timeline_entry.key_event holds 300" in blocker.args[0]
    assert window.session is None and sha256(path) == before
    record(
        15,
        "The app refuses a file with a planted value in a dialog that gives the reason, not an error report.",
        fixture="key event 300 (app)",
    )


# ----- values Casefile writes are never refused -------------------------------------------

AWKWARD_TAGS = ["[draft]", "{x}", "back\\slash", "\\u0041 typed", 'say "hi"', "é", "日本", "😀", "a, b"]
AWKWARD_DATES = [
    "0001", "9999-12", "2024-02-29", "2026-06-12T17:21", "2026-06-12T17:21:09", "2026-06-12T23:59-04:00",
    "2026-06-12T00:00Z", "2026-06-12T05:30+05:30", "2026-06-12T01:00+18:00",
]  # fmt: skip


def test_every_value_casefile_writes_passes_the_checks(sample_bytes, tmp_path):
    path = tmp_path / "awkward.casefile"
    path.write_bytes(sample_bytes)
    with CaseFile.open(path) as cf:
        actor = records.add_record(cf, Kind.ACTOR, {"name": "A", "kind": "person", "tags": AWKWARD_TAGS})
        for i, date in enumerate(AWKWARD_DATES):
            records.add_record(cf, Kind.STATEMENT, {"text": f"S{i}", "date": date, "speaker": actor, "tags": [date]})
            if not date.startswith(("0001", "9999")):  # (a chronology reaching year 9999 is another matter)
                records.add_record(cf, Kind.TIMELINE, {"title": f"T{i}", "date": date, "key": bool(i % 2)})
        for status in (*KINDS[Kind.DIRECTIVE].field("status").choices, None):
            values = {"title": f"D {status}", "status": status, "provisions": AWKWARD_TAGS, "issued": "2026"}
            records.add_record(cf, Kind.DIRECTIVE, values)
        records.update_case(cf, {"as_of": "2026-06-12T17:21-04:00"})
        records.set_briefing_options(cf, {"paper": "a4"})
    v1 = make_v1_file(tmp_path / "v1.casefile")
    sample = tmp_path / "sample.casefile"
    sample.write_bytes(sample_bytes)
    timings = {}
    for candidate in (path, v1, sample):
        check_file(candidate)  # raises if refused
        conn = sqlite3.connect(f"file:{candidate}?mode=ro", uri=True)
        try:
            started = time.perf_counter()
            assert stored_value_problem(conn, 3) is None
            timings[candidate.name] = round(time.perf_counter() - started, 4)
            assert search_index_problems(conn) == {}
        finally:
            conn.close()
    with CaseFile.open(path) as cf:
        assert records.get_record(cf, Kind.ACTOR, actor)["tags"] == AWKWARD_TAGS
        assert set(AWKWARD_TAGS) <= set(queries.all_tags(cf, Kind.ACTOR))
        _use_everything(cf, tmp_path)
    record(
        15,
        "No value Casefile itself writes is refused: tags with brackets, braces, backslashes, quotes and "
        "any script, dates of every precision with times, seconds and zones, every status, a version 1 file "
        "and the sample case all pass the checks.",
        tags=len(AWKWARD_TAGS),
        dates=len(AWKWARD_DATES),
        scan_seconds=timings,
    )


# ----- repaired: the full-text index ------------------------------------------------------


def _out_of_sync(conn: sqlite3.Connection) -> None:
    """Delete a statement with the index's trigger dropped (then put back): the index still lists it."""
    (sql,) = conn.execute("SELECT sql FROM sqlite_schema WHERE name = 'statement_fts_delete'").fetchone()
    conn.execute("DROP TRIGGER statement_fts_delete")
    conn.execute(
        "DELETE FROM statement WHERE n = (SELECT max(n) FROM statement "
        "WHERE id NOT IN (SELECT statement_id FROM timeline_entry WHERE statement_id IS NOT NULL))"
    )
    conn.execute(sql)


INDEX_DAMAGE: dict[str, tuple[Plant, ...]] = {
    "settings: a version FTS5 does not know": ("UPDATE statement_fts_config SET v = 99 WHERE k = 'version'",),
    "settings: deleted": ("DELETE FROM statement_fts_config",),
    "settings: a setting added": ("INSERT INTO statement_fts_config VALUES ('pgsz', 'abc')",),
    "structure record deleted": ("DELETE FROM statement_fts_data WHERE id = 10",),
    "structure record overwritten": ("UPDATE statement_fts_data SET block = x'00ff00ff' WHERE id = 10",),
    "averages record deleted": ("DELETE FROM statement_fts_data WHERE id = 1",),
    "every page deleted": ("DELETE FROM statement_fts_data",),
    "a page deleted": ("DELETE FROM statement_fts_data WHERE id = (SELECT max(id) FROM statement_fts_data)",),
    "term directory emptied": ("DELETE FROM statement_fts_idx",),
    "document sizes deleted": ("DELETE FROM statement_fts_docsize",),
    "out of step with the records": (_out_of_sync,),
}


def _hits(cf: CaseFile) -> list[tuple[str, str]]:
    return sorted(
        (hit.kind.value, hit.id) for words in ("review", "voluntary", "Meta") for hit in search.search(cf, words)
    )


@pytest.fixture(scope="module")
def pristine_hits(sample_bytes, tmp_path_factory) -> list[tuple[str, str]]:
    path = tmp_path_factory.mktemp("stored-values-hits") / "pristine.casefile"
    path.write_bytes(sample_bytes)
    with CaseFile.open(path, read_only=True) as cf:
        return _hits(cf)


@pytest.mark.parametrize("name", list(INDEX_DAMAGE))
def test_a_damaged_search_index_is_rebuilt_from_the_records_and_said_so(name, sample_bytes, pristine_hits, tmp_path):
    path = _planted(tmp_path, sample_bytes, *INDEX_DAMAGE[name])
    before = sha256(path)
    check_file(path)  # the index holds nothing the records do not: not a reason to refuse the file
    assert cli_main(["check", str(path)]) == 0
    assert sha256(path) == before, "the checks changed the file"
    # Read-only, it cannot be rebuilt: filtering by words says so in plain words, or works.
    with CaseFile.open(path, read_only=True) as cf:
        for kind in KINDS:
            try:
                queries.matching_rowids(cf, kind, "review")
                queries.list_rowids(cf, queries.ListQuery(kind, text="review"))
            except CaseFileError as exc:
                assert "damaged" in str(exc) and len(str(exc).splitlines()) == 1
    assert sha256(path) == before
    started = time.perf_counter()
    notes = repair_search_index(path)  # what opening a file for editing does first
    with CaseFile.open(path) as cf:
        took = time.perf_counter() - started
        assert len(notes) == 1, notes
        assert notes[0].startswith("The search index of the statements was damaged (")
        assert "repaired by rebuilding it from the records" in notes[0]
        expected = [hit for hit in pristine_hits if name != "out of step with the records" or hit[0] != "statement"]
        if name == "out of step with the records":  # one statement was deleted behind the index's back
            assert len(_hits(cf)) <= len(pristine_hits)
        else:
            assert _hits(cf) == expected
        statement = queries.fetch_rows(cf, Kind.STATEMENT, queries.list_rowids(cf, queries.ListQuery(Kind.STATEMENT)))
        first = str(next(iter(statement.values()))[0])
        records.update_record(cf, Kind.STATEMENT, first, {"text": "Zyxwvut was said."})
        assert [hit.id for hit in search.search(cf, "zyxwvut")] == [first]
        counts = _use_everything(cf, tmp_path)
    assert repair_search_index(path) == []  # nothing left to repair
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for kind in KINDS:  # FTS5's own full check of each index against the records
            conn.execute(f"INSERT INTO {kind.spec.fts} ({kind.spec.fts}) VALUES ('integrity-check')")
    finally:
        conn.close()
    record(
        15,
        "A received file whose full-text index was damaged (its settings, structure record, pages, term "
        "directory or document sizes edited, or the index left out of step with the records) passes the "
        "checks unchanged, is rebuilt from the records when opened for editing with a note saying so, and "
        "then finds what the undamaged file finds and passes FTS5's integrity check.",
        fixture=name,
        note=notes[0],
        seconds_to_open_and_repair=round(took, 3),
        **counts,
    )


def test_a_search_index_that_cannot_be_rebuilt_is_left_as_it_was_and_said_so(sample_bytes, tmp_path, monkeypatch):
    path = _planted(tmp_path, sample_bytes, "DELETE FROM statement_fts_data WHERE id = 10")
    before = sha256(path)

    def disk_full(conn: sqlite3.Connection, kind: Kind) -> None:
        conn.execute("DELETE FROM statement_fts_data")  # half done when the disk fills up
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(search_index, "rebuild_search_index", disk_full)
    notes = repair_search_index(path)
    assert notes == [
        "The search index of the statements was damaged (its structure records are missing) and could not "
        "be rebuilt (the disk is full); searching them may fail."
    ]
    assert sha256(path) == before  # the half-done rebuild was rolled back
    with CaseFile.open(path, read_only=True) as cf:
        assert records.get_case(cf)["title"]  # the records are there to read and export
        interchange.export_document(cf)
    record(
        15,
        "When a damaged search index cannot be rebuilt (the disk is full), the half-done rebuild is rolled back, "
        "the file is left byte for byte as it was, and the note says so.",
        note=notes[0],
    )


# ----- shown as damaged in place ----------------------------------------------------------

DANGLING: tuple[Plant, ...] = (
    f"UPDATE statement SET speaker_id = '{NOBODY}', source_id = 'nothing' WHERE n = {_first('statement')}",
    f"UPDATE directive_party SET actor_id = '{NOBODY}' WHERE (directive_id, actor_id) IN "
    "(SELECT directive_id, actor_id FROM directive_party LIMIT 1)",
    f"UPDATE timeline_actor SET actor_id = '{NOBODY}' WHERE (entry_id, actor_id) IN "
    "(SELECT entry_id, actor_id FROM timeline_actor LIMIT 1)",
    f"UPDATE timeline_entry SET directive_id = '{NOBODY}', statement_id = '{NOBODY}' "
    f"WHERE n = {_first('timeline_entry')}",
    f"UPDATE actor SET affiliation_id = '{NOBODY}' WHERE n = {_first('actor')}",
)


def test_a_reference_to_no_record_is_shown_as_missing(sample_bytes, tmp_path):
    path = _planted(tmp_path, sample_bytes, *DANGLING)
    check_file(path)
    with CaseFile.open(path) as cf:
        counts = _use_everything(cf, tmp_path)
        statements = queries.fetch_rows(cf, Kind.STATEMENT, [_rowid(path, "statement")])
        speaker, source = (_column(Kind.STATEMENT, name) for name in ("speaker", "source"))
        row = next(iter(statements.values()))
        assert (row[speaker], row[source]) == (queries.MISSING, queries.MISSING)
        directives = queries.fetch_rows(cf, Kind.DIRECTIVE, queries.list_rowids(cf, queries.ListQuery(Kind.DIRECTIVE)))
        parties = _column(Kind.DIRECTIVE, "parties")
        assert any(queries.MISSING in (r[parties] or "") for r in directives.values())
        entries = queries.fetch_rows(cf, Kind.TIMELINE, queries.list_rowids(cf, queries.ListQuery(Kind.TIMELINE)))
        actors = _column(Kind.TIMELINE, "actors")
        assert any(queries.MISSING in (r[actors] or "") for r in entries.values())
        actor_rows = queries.fetch_rows(cf, Kind.ACTOR, [_rowid(path, "actor")])
        assert next(iter(actor_rows.values()))[_column(Kind.ACTOR, "affiliation")] == queries.MISSING
        doc = interchange.export_document(cf)
        ids = {r["id"] for kind in KINDS for r in doc[kind.spec.json_name]}
        for kind in KINDS:  # left out of the export, which therefore imports again
            for r in doc[kind.spec.json_name]:
                for f in kind.spec.fields:
                    if f.target is not None:
                        value = r[f.name]
                        assert all(v in ids for v in value) if isinstance(value, list) else value in (None, *ids)
        summary = interchange.import_document(doc, tmp_path / "reimported.casefile")
        assert sum(summary.counts.values()) == sum(len(doc[kind.spec.json_name]) for kind in KINDS)
    record(
        15,
        "References to records that do not exist (a speaker, source, party, actor, directive, statement or "
        "affiliation) are shown as (missing) in the lists, left out of JSON exports (which then import again), "
        "and break no export, list, search or editor; finding them at open would cost a lookup per reference.",
        references=len(DANGLING),
        **counts,
    )


def test_edits_and_undo_work_around_a_reference_to_no_record(sample_bytes, tmp_path):
    path = _planted(
        tmp_path,
        sample_bytes,
        *DANGLING,
        # A second, real party beside the missing one; and a stamp that is not one (shown as it is).
        "INSERT INTO directive_party (directive_id, actor_id, position) SELECT dp.directive_id, a.id, 99 "
        f"FROM directive_party dp, actor a WHERE dp.actor_id = '{NOBODY}' AND a.n = {_first('actor')}",
        f"UPDATE source SET created_at = 'yesterday' WHERE n = {_first('source')}",
    )
    check_file(path)
    statement = _id_of(path, "statement")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    directive, real = conn.execute(
        "SELECT directive_id, actor_id FROM directive_party WHERE position = 99 AND directive_id IN "
        "(SELECT directive_id FROM directive_party WHERE actor_id = ?)",
        (NOBODY,),
    ).fetchone()
    conn.close()
    with CaseFile.open(path) as cf:
        assert records.get_record(cf, Kind.SOURCE, _id_of(path, "source"))["created_at"] == "yesterday"
        # Undoing the delete of a record whose speaker does not exist puts it back, without that speaker.
        deleted = records.delete_record(cf, Kind.STATEMENT, statement, remove_references=True)
        records.restore_record(cf, deleted)
        back = records.get_record(cf, Kind.STATEMENT, statement)
        assert back["text"] == deleted.values["text"] and back["speaker"] is None
        # Removing a real party from a list that also names no record saves; the missing one goes with it.
        parties = records.get_record(cf, Kind.DIRECTIVE, directive)["parties"]
        assert NOBODY in parties and real in parties
        records.update_record(cf, Kind.DIRECTIVE, directive, {"parties": [p for p in parties if p != real]})
        assert records.get_record(cf, Kind.DIRECTIVE, directive)["parties"] == [
            p for p in parties if p not in (real, NOBODY)
        ]
        # Choosing a record that does not exist is still refused.
        with pytest.raises(CaseFileError, match="no longer exists"):
            records.update_record(cf, Kind.DIRECTIVE, directive, {"parties": [NOBODY]})
        deleted = records.delete_record(cf, Kind.DIRECTIVE, directive, remove_references=True)
        records.restore_record(cf, deleted)
        assert records.get_record(cf, Kind.DIRECTIVE, directive)["title"] == deleted.values["title"]
    record(
        15,
        "Undoing the delete of a record that refers to no record puts it back (without that reference), a "
        "list of references that names no record can still be edited, choosing a record that does not exist "
        "is still refused, and a stamp that is not a timestamp is shown as it is.",
        fixture="dangling references (edits and undo)",
    )


def _rowid(path: Path, table: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute(f"SELECT min(n) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def _column(kind: Kind, name: str) -> int:
    """Index of a list column in a ``fetch_rows`` row (the id comes first)."""
    return 1 + [c.name for c in queries.LIST_COLUMNS[kind]].index(name)


def test_the_app_shows_a_missing_reference_and_opens_the_record(qtbot, sample_bytes, tmp_path):
    path = _planted(tmp_path, sample_bytes, *DANGLING)
    window = open_window(qtbot, path)
    window.case_view.show_page(Kind.STATEMENT)
    page = window.case_view.current_page()
    model = page.model
    speaker = _column(Kind.STATEMENT, "speaker") - 1
    shown = {model.index(row, speaker).data() for row in range(model.rowCount())}
    assert queries.MISSING in shown
    cf = window.session.cf
    first = records.get_record(cf, Kind.STATEMENT, _id_of(path, "statement"))
    window.case_view.show_record(Kind.STATEMENT, first["id"])
    editor = window.case_view.current_page().editor
    assert editor.widgets["speaker"].open_button.isEnabled()  # there is a reference, to nothing
    editor.widgets["speaker"].open_button.click()  # following it goes nowhere, without an error
    window.case_view.show_record(Kind.STATEMENT, first["id"])
    window.session.edit_record(Kind.STATEMENT, first["id"], {"venue": "Edited despite the missing speaker"})
    assert records.get_record(cf, Kind.STATEMENT, first["id"])["venue"] == "Edited despite the missing speaker"
    record(
        15,
        "The app lists a statement whose speaker does not exist with (missing), opens it and saves edits to it.",
        fixture="dangling references (app)",
    )


def _id_of(path: Path, table: str) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(conn.execute(f"SELECT id FROM {table} WHERE n = (SELECT min(n) FROM {table})").fetchone()[0])
    finally:
        conn.close()


OPTIONS = {
    "nested 100,000 deep": '{"paper": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "nested 900 deep": '{"paper": ' + NEARLY_DEEP + "}",
    "a list": "[1, 2]",
    "not JSON": "{",
    "wrong types": json.dumps({"sections": [[1]], "paper": {"a": [1]}, "date_from": 7, "key_only": "yes"}),
    "a megabyte of text": json.dumps({"paper": "x" * 1_000_000}),
    "an impossible date": json.dumps({"date_from": "2024-02-30"}),
}


def _set_options(text: str) -> Callable[[sqlite3.Connection], None]:
    def plant(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE case_info SET briefing_options = ?", (text,))

    return plant


def test_unreadable_briefing_options_give_the_default_packet(sample_bytes, tmp_path):
    pages = {}
    for name, text in OPTIONS.items():
        path = _planted(tmp_path, sample_bytes, _set_options(text), name=f"{len(pages)}.casefile")
        check_file(path)
        with CaseFile.open(path, read_only=True) as cf:
            options = load_options(cf)
            assert options.to_dict() == type(options)().to_dict(), name
            if name in ("nested 100,000 deep", "wrong types"):
                pages[name] = export_snapshot(cf, tmp_path / f"{len(pages)}.pdf", options).pages
            else:
                pages[name] = 0
    assert all(n > 1 for name, n in pages.items() if n), pages
    record(
        15,
        "Briefing options in a received file that are nested 100,000 deep, not JSON, of the wrong types or a "
        "megabyte long are not an error: the packet is exported with the default options.",
        fixtures=list(OPTIONS),
        pages={k: v for k, v in pages.items() if v},
    )
