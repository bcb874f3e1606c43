"""15. Stored values shown as damaged where they appear, in a file someone sent: a reference to a
record that does not exist reads "(missing)", and unreadable briefing options give the default
packet.

The files are the sample case changed with a plain sqlite3 connection (``stored_value_helpers``).
Before, these files opened and then failed in an export, a list or the timeline.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_helpers import record
from stored_value_helpers import NEARLY_DEEP, NOBODY, Plant, first_row, planted, sample_case_bytes, use_everything

from db import interchange, queries, records
from db.errors import CaseFileError
from db.fields import KINDS, Kind
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import check_file
from desktop.briefing_export import export_snapshot, load_options
from tests.gui_helpers import open_window


@pytest.fixture(scope="module")
def sample_bytes(tmp_path_factory) -> bytes:
    return sample_case_bytes(tmp_path_factory)


# ----- shown as damaged in place ----------------------------------------------------------

DANGLING: tuple[Plant, ...] = (
    f"UPDATE statement SET speaker_id = '{NOBODY}', source_id = 'nothing' WHERE n = {first_row('statement')}",
    f"UPDATE directive_party SET actor_id = '{NOBODY}' WHERE (directive_id, actor_id) IN "
    "(SELECT directive_id, actor_id FROM directive_party LIMIT 1)",
    f"UPDATE timeline_actor SET actor_id = '{NOBODY}' WHERE (entry_id, actor_id) IN "
    "(SELECT entry_id, actor_id FROM timeline_actor LIMIT 1)",
    f"UPDATE timeline_entry SET directive_id = '{NOBODY}', statement_id = '{NOBODY}' "
    f"WHERE n = {first_row('timeline_entry')}",
    f"UPDATE actor SET affiliation_id = '{NOBODY}' WHERE n = {first_row('actor')}",
)


def test_a_reference_to_no_record_is_shown_as_missing(sample_bytes, tmp_path):
    path = planted(tmp_path, sample_bytes, *DANGLING)
    check_file(path)
    with CaseFile.open(path) as cf:
        counts = use_everything(cf, tmp_path)
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
    path = planted(
        tmp_path,
        sample_bytes,
        *DANGLING,
        # A second, real party beside the missing one; and a stamp that is not one (shown as it is).
        "INSERT INTO directive_party (directive_id, actor_id, position) SELECT dp.directive_id, a.id, 99 "
        f"FROM directive_party dp, actor a WHERE dp.actor_id = '{NOBODY}' AND a.n = {first_row('actor')}",
        f"UPDATE source SET created_at = 'yesterday' WHERE n = {first_row('source')}",
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
    path = planted(tmp_path, sample_bytes, *DANGLING)
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
        path = planted(tmp_path, sample_bytes, _set_options(text), name=f"{len(pages)}.casefile")
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
