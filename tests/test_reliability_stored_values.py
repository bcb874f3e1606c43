"""15. Stored values that are valid SQLite but not Casefile data, in a file someone sent: the
values refused when the file is opened, and the values Casefile itself writes, never refused.

Every fixture is a real case file (the sample case) changed with a plain sqlite3 connection,
as another program or a hand edit would leave it: CHECK constraints and foreign keys off, so
values our schema would refuse get in (``stored_value_helpers``). The open-time checks refuse
such a file with a one-line reason naming the table and column, and the file's bytes are
unchanged (lists that are not lists of words, dates the date parser refuses, unknown kinds and
statuses, "yes or no" columns holding 7, ids that are not record ids, no case record or
several). The app repairs a damaged full-text index (test_reliability_stored_index.py) and
shows other damage where it appears (test_reliability_stored_damage.py).

Before these checks each of these files opened and then failed in an export, a list, the
timeline or a search with a RecursionError, TypeError, OverflowError or SQLite error.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from core_fixtures import make_v1_file, run_cli
from reliability_helpers import record, sha256
from stored_value_helpers import DEEP, NEARLY_DEEP, NOBODY, Plant, first_row, planted, sample_case_bytes, use_everything

from db import queries, records
from db.errors import RefusedFileError
from db.fields import KINDS, Kind
from db.lock import lock_path
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import check_file
from db.sqlite.search_index import search_index_problems
from db.sqlite.stored_values import stored_value_problem
from desktop.cli import main as cli_main
from tests.gui_helpers import open_window, when_modal


@pytest.fixture(scope="module")
def sample_bytes(tmp_path_factory) -> bytes:
    return sample_case_bytes(tmp_path_factory)


# ----- refused at open --------------------------------------------------------------------

# name -> (changes, words the refusal must contain). Before: what the file did once opened.
REFUSED: dict[str, tuple[tuple[Plant, ...], str]] = {
    # RecursionError in the JSON export, the CSV export, the briefing export and every edit.
    "tags nested 5,000 deep": (
        (f"UPDATE actor SET tags = '{DEEP}' WHERE n = {first_row('actor')}",),
        "actor.tags holds a value that is not a list of words",
    ),
    "tags nested 900 deep": (
        (f"UPDATE actor SET tags = '{NEARLY_DEEP}' WHERE n = {first_row('actor')}",),
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
        (f"UPDATE statement SET date = 'last Tuesday' WHERE n = {first_row('statement')}",),
        'statement.date holds "last Tuesday", not a date',
    ),
    "February 30": (
        (f"UPDATE timeline_entry SET date = '2024-02-30' WHERE n = {first_row('timeline_entry')}",),
        'timeline_entry.date holds "2024-02-30", not a date',
    ),
    "an empty timeline date": (("UPDATE timeline_entry SET date = ''",), 'timeline_entry.date holds "", not a date'),
    "month 13 as the case's date": (("UPDATE case_info SET as_of = '2024-13'",), 'case_info.as_of holds "2024-13"'),
    "year 0000": (("UPDATE source SET published = '0000'",), 'source.published holds "0000", not a date'),
    "a time with a zone of +25:00": (
        (f"UPDATE statement SET date = '2026-06-12T17:21+25:00' WHERE n = {first_row('statement')}",),
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
        (f"UPDATE actor SET kind = 'alien' WHERE n = {first_row('actor')}",),
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
        (f"UPDATE actor SET id = 'not a uuid' WHERE n = {first_row('actor')}",),
        'actor.id holds "not a uuid", not a record id',
    ),
    "an empty id": (
        (f"UPDATE source SET id = '' WHERE n = {first_row('source')}",),
        'source.id holds "", not a record',
    ),
    "an id with a quote": (
        (f"""UPDATE source SET id = '{NOBODY[:-1]}"' WHERE n = {first_row("source")}""",),
        "source.id holds",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_value_casefile_never_writes_is_refused_with_its_reason(name, sample_bytes, tmp_path, capsys):
    changes, reason = REFUSED[name]
    path = planted(tmp_path, sample_bytes, *changes)
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
    path = planted(tmp_path, sample_bytes, f"UPDATE actor SET tags = '{DEEP}' WHERE n = {first_row('actor')}")
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
    path = planted(tmp_path, sample_bytes, "UPDATE timeline_entry SET key_event = 300")
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
        use_everything(cf, tmp_path)
    record(
        15,
        "No value Casefile itself writes is refused: tags with brackets, braces, backslashes, quotes and "
        "any script, dates of every precision with times, seconds and zones, every status, a version 1 file "
        "and the sample case all pass the checks.",
        tags=len(AWKWARD_TAGS),
        dates=len(AWKWARD_DATES),
        scan_seconds=timings,
    )
