"""Search on a server case: the words typed find what they find in the case file it was published
from, accents folded and as prefixes, with snippets marked the same way; the GIN index does the
work; ``casefile search ADDRESS WORDS``; a case published before search gets it when opened."""

from __future__ import annotations

import pytest
from server_fixtures import server  # noqa: F401  (fixture)

from db import queries, records
from db.address import parse_server_address
from db.fields import Kind
from db.postgres.case import ServerCase
from db.postgres.migrations import MIGRATIONS, SCHEMA_VERSION
from db.postgres.publish import publish_file
from db.search import HIT_END, HIT_START, SearchHit, search, search_case
from db.sqlite.casefile import CaseFile
from desktop.cli import main

pytestmark = pytest.mark.server

TYPED = [
    "meta",
    "Meta CAISI",
    "caisi meta",
    "anthr",
    "m",
    "2026",
    "U.S.",
    "u.s. commerce",
    '"voluntary review"',
    "naive cafe",
    "NAÏVE CAFÉ",
    "Élys",
    "zurich",
    "...",
    "!!! ???",
    "'; DROP TABLE actor; --",
    "x') OR 1=1 --",
    "a:* & !b | c <-> d",
    "$$ \\ %_",
    "nothing-like-this-anywhere",
]


@pytest.fixture
def published(server, sample_path):  # noqa: F811
    """The sample case with accented and tricky text added, as a file and published."""
    with CaseFile.open(sample_path) as cf, cf.write() as conn:
        speaker = records.insert_record(conn, Kind.ACTOR, {"name": "Zoë Naïve-Élysée", "kind": "person"})
        for text in [
            "A naïve café owner in Zürich wrote to CAISI about U.S. export rules.",
            "Robert'); DROP TABLE actor; -- said the meta-reviewer",
            'She called it "voluntary review" twice: voluntary, then review.',
        ]:
            records.insert_record(conn, Kind.STATEMENT, {"text": text, "speaker": speaker, "tags": ["café", "Zürich"]})
    address = server.address("search")
    publish_file(sample_path, address)
    with CaseFile.open(sample_path, read_only=True) as cf, ServerCase.open(address, read_only=True) as case:
        yield cf, case


def _found(hits) -> set[tuple[Kind, str]]:
    return {(hit.kind, hit.id) for hit in hits}


def test_the_same_typed_words_find_the_same_records_as_in_the_file(published) -> None:
    cf, case = published
    for typed in TYPED:
        on_file, on_server = search(cf, typed), search(case, typed)
        assert _found(on_server) == _found(on_file), typed
        # Grouped by kind in the same order, the same titles marked the same way.
        assert [h.kind for h in on_server] == sorted((h.kind for h in on_server), key=[h.kind for h in on_file].index)
        assert {(h.id, h.marked_title) for h in on_server} == {(h.id, h.marked_title) for h in on_file}
        assert [(h.field, h.plain_snippet()) for h in search_case(case, typed)] == [
            (h.field, h.plain_snippet()) for h in search_case(cf, typed)
        ]
    assert len(search(case, "naive cafe")) == 1 and search(case, "NAÏVE CAFÉ")[0].title.startswith("A naïve café")
    assert search(case, "...") == [] and search(case, "x') OR 1=1 --") == search(cf, "x') OR 1=1 --")


def test_snippets_mark_the_matched_words_as_on_the_file(published) -> None:
    cf, case = published
    for typed in ("caisi", "naive cafe", "U.S.", "voluntary review", "anthr"):
        on_file = {hit.id: hit for hit in search(cf, typed)}
        on_server = search(case, typed)
        assert on_server, typed
        same = 0
        for hit in on_server:
            assert HIT_START in hit.snippet and HIT_END in hit.snippet, (typed, hit.snippet)
            assert hit.snippet.count(HIT_START) == hit.snippet.count(HIT_END)
            assert "[" not in hit.plain_snippet() or "[" in on_file[hit.id].plain_snippet()  # lists read as words
            same += hit.snippet == on_file[hit.id].snippet
        assert same == len(on_server), typed  # the same snippet code as a file's long records
    (hit,) = search(case, "naive cafe")
    assert f"{HIT_START}naïve{HIT_END} {HIT_START}café{HIT_END}" in hit.snippet


def test_the_words_index_is_used_and_kept_as_records_change(server, sample_path) -> None:  # noqa: F811
    address = server.address("index")
    publish_file(sample_path, address)
    schema = parse_server_address(address).schema
    with server.connect() as conn:
        conn.execute(f'SET search_path = "{schema}"')
        conn.execute("SET enable_seqscan = off")  # the sample is small enough to read whole
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                "EXPLAIN SELECT n FROM statement_words WHERE words @@ to_tsquery('pg_catalog.simple', 'meta:*')"
            )
        )
    assert "statement_words_index" in plan and "Bitmap Index Scan" in plan, plan
    with ServerCase.open(address) as case:
        rid = records.add_record(case, Kind.ACTOR, {"name": "Quentin Überwald", "kind": "person"})
        assert [h.id for h in search(case, "uberw")] == [rid] == [h.id for h in search(case, "qu ub")]  # short prefixes
        records.update_record(case, Kind.ACTOR, rid, {"name": "Quentin Östberg"})
        assert search(case, "uberw") == [] and [h.id for h in search(case, "ostb")] == [rid]
        assert rid in {h.id for h in search(case, "qu os")} and search(case, "qu ub") == []
        records.delete_record(case, Kind.ACTOR, rid)
        assert search(case, "ostb") == [] and rid not in {h.id for h in search(case, "qu os")}


def test_a_case_published_before_search_gets_it_when_opened_for_editing(server, sample_path) -> None:  # noqa: F811
    address = server.address("older")
    publish_file(sample_path, address)
    schema = parse_server_address(address).schema
    with server.connect() as conn:  # as a case published by the Casefile before search
        for table in ("source", "actor", "statement", "directive", "timeline_entry"):
            conn.execute(f'DROP TABLE "{schema}".{table}_words')
        for function in ("casefile_keep_words", "casefile_indexed_words", "casefile_with_prefixes", "casefile_words"):
            conn.execute(f'DROP FUNCTION "{schema}".{function} CASCADE')
        # Published before step 2 was merged, after step 5: only step 2 is missing.
        conn.execute(f'DELETE FROM "{schema}".casefile_version WHERE version = 2')
    with ServerCase.open(address, read_only=True) as case:
        assert case.version == 1  # the last step before the missing one; read-only: left as it is
    with ServerCase.open(address) as case:
        assert case.version == SCHEMA_VERSION
        assert {h.title for h in search(case, "brennan")} >= {"Francis Brennan"}
        (hit,) = [h for h in search(case, "brennan") if h.kind is Kind.ACTOR]
        records.update_record(case, Kind.ACTOR, hit.id, {"role": "Commissioner (acting)"})
        assert {h.id for h in search(case, "acting")} == {hit.id}
    with server.connect() as conn:
        versions = [row[0] for row in conn.execute(f'SELECT version FROM "{schema}".casefile_version ORDER BY 1')]
        # The words are kept beside the records, not in them: the edit changed one field, once.
        changes = f'SELECT field, version FROM "{schema}".history h, "{schema}".actor a '
        changes += "WHERE h.record_id = a.id AND a.id = %s AND h.operation = 'update'"
        assert list(conn.execute(changes, [hit.id])) == [("role", 2)]
    assert versions == [step.version for step in MIGRATIONS]


def test_casefile_search_takes_a_server_address(server, sample_path, capsys) -> None:  # noqa: F811
    address = server.address("cli")
    assert main(["publish", str(sample_path), address]) == 0
    capsys.readouterr()
    for typed in ("caisi meta", "Brennan", "no-such-words-here"):
        assert main(["search", str(sample_path), typed]) == 0
        on_file = capsys.readouterr().out.splitlines()
        assert main(["search", address, typed]) == 0
        on_server = capsys.readouterr().out.splitlines()
        # Kinds head their hits in the same order; within a kind the ranking may differ.
        assert [line for line in on_server if not line.startswith("  ")] == [
            line for line in on_file if not line.startswith("  ")
        ]
        assert sorted(on_server) == sorted(on_file), typed
    assert main(["search", server.address("missing"), "meta"]) == 1
    err = capsys.readouterr().err
    assert "no case" in err.lower() and "Traceback" not in err


# ----- in the app --------------------------------------------------------------------------------


@pytest.fixture
def team_window(qtbot, server, sample_path):  # noqa: F811
    """A window with the published sample (an accented statement added) opened as a team case."""
    from tests.gui_helpers import open_window

    with CaseFile.open(sample_path) as cf:
        records.add_record(
            cf, Kind.STATEMENT, {"text": "A naïve café owner in Zürich wrote to CAISI.", "tags": ["café"]}
        )
    address = server.address("app")
    publish_file(sample_path, address)
    window = open_window(qtbot)
    window.documents.open_entry(address)
    qtbot.waitUntil(lambda: window.session is not None and window.session.team_case is not None, timeout=30000)
    return window


def test_the_list_filter_and_find_work_on_a_server_case_as_typed(qtbot, team_window, sample_path, tmp_path) -> None:
    from PySide6.QtGui import QKeySequence

    from desktop.actions import ActionId
    from desktop.dialogs.search_dialog import HitRole

    window = team_window
    window.case_view.show_page(Kind.STATEMENT)
    page = window.case_view.current_page()
    window.action_registry[ActionId.FILTER].trigger()
    qtbot.keyClicks(page.filter_edit, "zuri")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=60000)
    assert "naïve café" in page.model.index(0, page.model.column_of("text")).data()
    page.filter_edit.clear()
    qtbot.keyClicks(page.filter_edit, "brenn")  # by the speaker's name, as in the file
    with CaseFile.open(sample_path, read_only=True) as cf:
        expected = {
            queries.fetch_rows(cf, Kind.STATEMENT, [n])[n][0]
            for n in queries.matching_rowids(cf, Kind.STATEMENT, "brenn") or ()
        }

    def shown() -> set[str | None]:
        return {page.model.id_at(row) for row in range(page.model.rowCount())}

    assert expected
    qtbot.waitUntil(lambda: shown() == expected, timeout=60000)
    assert page.count_label.text() == f"{len(expected)} statement{'s' if len(expected) != 1 else ''}"
    speaker = page.model.index(0, page.model.column_of("speaker")).data()
    assert "Brennan" in speaker
    window.grab().save(str(tmp_path / "statements-on-server.png"))

    qtbot.keySequence(window, QKeySequence.StandardKey.Find)
    dialog = window.search_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=60000)
    with qtbot.waitSignal(dialog.results_shown, timeout=60000, check_params_cb=lambda text: text == "NAIVE cafe"):
        qtbot.keyClicks(dialog.edit, "NAIVE cafe")
    groups = [dialog.results.topLevelItem(i) for i in range(dialog.results.topLevelItemCount())]
    rows = [(group.text(0), group.child(j)) for group in groups for j in range(group.childCount())]
    assert len(rows) == 1 and rows[0][0].startswith("Statements")
    hit = rows[0][1].data(0, HitRole)
    assert hit.title.startswith("A naïve café") and f"{HIT_START}naïve{HIT_END} {HIT_START}café{HIT_END}" in hit.snippet
    assert dialog.status.text() == "1 match"
    dialog.grab().save(str(tmp_path / "find-on-server.png"))


def test_typed_letters_are_looked_up_in_the_stored_words_in_the_app(qtbot, team_window, sample_path, tmp_path) -> None:
    """Filtering and Find read each record's stored words, never make them again, and a word of one
    or two letters is one stored lexeme rather than a scan of every word it starts."""
    from PySide6.QtGui import QKeySequence
    from sqlalchemy import event

    from desktop.actions import ActionId
    from desktop.dialogs.search_dialog import HitRole

    window = team_window
    engine = window.session.team_case.engine
    ran: list[tuple[str, object]] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        if "@@" in statement:
            ran.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    window.case_view.show_page(Kind.STATEMENT)
    page = window.case_view.current_page()
    window.action_registry[ActionId.FILTER].trigger()
    with CaseFile.open(sample_path, read_only=True) as cf:
        expected = {
            queries.fetch_rows(cf, Kind.STATEMENT, [n])[n][0]
            for n in queries.matching_rowids(cf, Kind.STATEMENT, "na") or ()
        }
        found_on_file = {(hit.kind, hit.id) for hit in search(cf, "m")}
    assert expected and found_on_file

    def shown() -> set[str | None]:
        return {page.model.id_at(row) for row in range(page.model.rowCount())}

    qtbot.keyClicks(page.filter_edit, "na")
    qtbot.waitUntil(lambda: shown() == expected, timeout=60000)
    qtbot.keySequence(window, QKeySequence.StandardKey.Find)
    dialog = window.search_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=60000)
    with qtbot.waitSignal(dialog.results_shown, timeout=60000, check_params_cb=lambda text: text == "m"):
        qtbot.keyClicks(dialog.edit, "m")
    groups = [dialog.results.topLevelItem(i) for i in range(dialog.results.topLevelItemCount())]
    hits = [group.child(j).data(0, HitRole) for group in groups for j in range(group.childCount())]
    assert {(hit.kind, hit.id) for hit in hits if isinstance(hit, SearchHit)} == found_on_file
    window.grab().save(str(tmp_path / "short-prefix-on-server.png"))
    event.remove(engine, "before_cursor_execute", note)

    assert ran
    with engine.connect() as conn:
        for statement, parameters in ran:
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))  # type: ignore[arg-type]
            assert "casefile_words" not in plan, plan  # no record's words made again while typing
            assert ":*" not in plan, plan  # "m" and "na" are stored lexemes, not prefix scans
