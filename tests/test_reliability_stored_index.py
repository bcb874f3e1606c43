"""15. A damaged full-text index in a file someone sent is rebuilt from the records, and the
app says so; one that cannot be rebuilt is left as it was, and said so.

The files are the sample case changed with a plain sqlite3 connection (``stored_value_helpers``).
Before, a search in such a file failed with an SQLite error.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from reliability_helpers import record, sha256
from stored_value_helpers import Plant, planted, sample_case_bytes, use_everything

from db import interchange, queries, records, search
from db.errors import CaseFileError
from db.fields import KINDS, Kind
from db.sqlite import search_index
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import check_file
from db.sqlite.search_index import repair_search_index
from desktop.cli import main as cli_main


@pytest.fixture(scope="module")
def sample_bytes(tmp_path_factory) -> bytes:
    return sample_case_bytes(tmp_path_factory)


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
    path = planted(tmp_path, sample_bytes, *INDEX_DAMAGE[name])
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
        counts = use_everything(cf, tmp_path)
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
    path = planted(tmp_path, sample_bytes, "DELETE FROM statement_fts_data WHERE id = 10")
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
