"""Every write path of the app on a server case, against the same edits on a case file.

The same sequence of edits, refusals included, runs through the ``db`` functions on a copy of
the sample file and on the sample published to the server; then both export the same JSON,
byte for byte, and keep the same stored sort names. Record ids and the clock are the only
things fixed for the comparison: both runs draw the same ids in the same order.
"""

from __future__ import annotations

import csv
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from server_fixtures import server  # noqa: F401  (fixture)

from db import bulk_edits, csv_import, day_order, editions, records, sizes
from db.csv_read import read_csv
from db.errors import CaseFileError, RecordError
from db.fields import Kind
from db.interchange import dumps, export_document
from db.postgres.case import ServerCase
from db.postgres.publish import publish_file
from db.sqlite.casefile import CaseFile
from db.store import CaseStore

pytestmark = pytest.mark.server

HOSTILE_NAME = "'); DROP TABLE actor; --"
HOSTILE_TAG = "\"]'"
# The stored sort names SQLite keeps with triggers (migration 5), per table.
SORT_COLUMNS = {
    "actor": ("affiliation_sort",),
    "statement": ("speaker_sort", "source_sort"),
    "directive": ("issuer_sort", "parties_sort"),
    "timeline_entry": ("source_sort", "actors_sort"),
}


@pytest.fixture
def same_ids(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Record ids drawn from a counter (reset before each run) and one fixed clock, so both
    runs write the same values; returns what restarts the counter."""
    counter = iter(())

    def restart() -> None:
        nonlocal counter
        counter = iter(range(1, 1_000_000))

    def next_id() -> str:
        return str(uuid.UUID(int=0xC0FFEE << 96 | next(counter), version=4))

    restart()
    for module in (records, csv_import):
        monkeypatch.setattr(module, "new_id", next_id)
    for module in (records, bulk_edits, csv_import):
        monkeypatch.setattr(module, "now_stamp", lambda: "2026-06-24T09:15:00.000Z")
    # A small size limit, so the size refusals need kilobytes, not the 64 MB a file may hold.
    monkeypatch.setattr(sizes, "MAX_VALUE_BYTES", 8192)
    return restart


def _outcome(log: list[str], what: str, action: Callable[[], Any]) -> Any:
    """Run one edit; note its result or the message it was refused with."""
    try:
        result = action()
    except (RecordError, CaseFileError) as exc:
        log.append(f"{what}: refused: {exc}")
        return None
    log.append(f"{what}: {result!r}" if isinstance(result, str | int | list | dict | None) else f"{what}: done")
    return result


def _csv(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def run_edits(case: CaseStore, doc: dict[str, Any], tmp_path: Path) -> list[str]:
    """Every write path, in one fixed sequence; what each did or why it was refused."""
    log: list[str] = []
    path = getattr(case, "path", None)
    name = path.name if path is not None else f'The case "{case.display_name}"'
    statement = doc["statements"][0]
    speaker, source = statement["speaker"], statement["source"]
    directive = doc["directives"][0]
    party = directive["parties"][0]
    day_stmts = [s for s in doc["statements"] if s["date"] is not None]

    # Adding, and what is refused on the way.
    ann = _outcome(log, "add actor", lambda: records.add_record(case, Kind.ACTOR, {"name": "Ann Example",
        "affiliation": speaker, "tags": ["team", HOSTILE_TAG]}))  # fmt: skip
    _outcome(log, "add with a missing reference", lambda: records.add_record(case, Kind.STATEMENT,
        {"text": "x", "speaker": str(uuid.UUID(int=7))}))  # fmt: skip
    said = _outcome(log, "add statement", lambda: records.add_record(case, Kind.STATEMENT, {"text": HOSTILE_NAME,
        "speaker": ann, "source": source, "date": day_stmts[0]["date"], "tags": [HOSTILE_TAG, "a"]}))  # fmt: skip
    hostile = _outcome(log, "add hostile actor", lambda: records.add_record(case, Kind.ACTOR, {"name": HOSTILE_NAME}))
    _outcome(log, "add entry", lambda: records.add_record(case, Kind.TIMELINE, {"title": "Met", "date": "2026-06-02",
        "actors": [ann, hostile, party], "source": source}))  # fmt: skip

    # Updating: renames that the stored sort names must follow, a restore, refusals.
    _outcome(log, "rename speaker", lambda: records.update_record(case, Kind.ACTOR, speaker, {"name": "Zed Renamed"}))
    _outcome(log, "rename party", lambda: records.update_record(case, Kind.ACTOR, party, {"name": "aaa party"}))
    _outcome(log, "retitle source", lambda: records.update_record(case, Kind.SOURCE, source, {"title": "Ω source"}))
    _outcome(log, "self reference", lambda: records.update_record(case, Kind.ACTOR, ann, {"affiliation": ann}))
    _outcome(log, "restore missing", lambda: records.update_record(case, Kind.STATEMENT, said,
        {"speaker": str(uuid.UUID(int=9)), "notes": "kept"}, restoring=True))  # fmt: skip
    _outcome(log, "refer to missing", lambda: records.update_record(case, Kind.STATEMENT, said,
        {"source": str(uuid.UUID(int=9))}))  # fmt: skip
    _outcome(log, "too long", lambda: records.update_record(case, Kind.STATEMENT, said, {"notes": "n" * 5000}))
    _outcome(log, "half", lambda: records.update_record(case, Kind.STATEMENT, said, {"notes": "é" * 700}))
    _outcome(log, "too large", lambda: records.update_record(case, Kind.STATEMENT, said, {"text": "t" * 3000}))
    _outcome(log, "move day", lambda: records.update_record(case, Kind.STATEMENT, said, {"date": "2026-06-02"}))
    _outcome(log, "case", lambda: records.update_case(case, {"subtitle": HOSTILE_NAME, "marking": "SECRET"}))
    _outcome(log, "options", lambda: records.set_briefing_options(case, {"paper": "a4", "say": HOSTILE_TAG}))
    _outcome(log, "options read", lambda: records.get_briefing_options(case))

    # Deleting: refused while referred to, then with the references, then put back.
    _outcome(log, "delete referred", lambda: records.delete_record(case, Kind.ACTOR, speaker))
    gone = _outcome(log, "delete source", lambda: records.delete_record(case, Kind.SOURCE, source,
        remove_references=True))  # fmt: skip
    _outcome(log, "restore source", lambda: records.restore_record(case, gone))
    gone_party = _outcome(log, "delete party", lambda: records.delete_record(case, Kind.ACTOR, party,
        remove_references=True))  # fmt: skip
    lonely = records.add_record(case, Kind.SOURCE, {"title": HOSTILE_NAME})
    _outcome(log, "delete lonely", lambda: records.delete_record(case, Kind.SOURCE, lonely))
    _outcome(log, "restore party", lambda: records.restore_record(case, gone_party))

    # Many at once.
    stmt_ids = [s["id"] for s in doc["statements"][:6]] + [said]
    _outcome(log, "tag", lambda: bulk_edits.add_tag(case, Kind.STATEMENT, stmt_ids, HOSTILE_TAG).after)
    _outcome(log, "untag", lambda: bulk_edits.remove_tag(case, Kind.STATEMENT, stmt_ids[:3], "caisi").after)
    _outcome(log, "set", lambda: bulk_edits.set_field(case, Kind.STATEMENT, stmt_ids, "verbatim", True).after)
    _outcome(log, "set speaker", lambda: bulk_edits.set_field(case, Kind.STATEMENT, stmt_ids[:2], "speaker",
        hostile).after)  # fmt: skip
    _outcome(log, "set missing", lambda: bulk_edits.set_field(case, Kind.STATEMENT, stmt_ids, "source",
        str(uuid.UUID(int=11))).after)  # fmt: skip
    actors = [a["id"] for a in doc["actors"][-3:]]
    _outcome(log, "outside", lambda: [r.describe() for r in bulk_edits.references_from_outside(case, Kind.ACTOR,
        actors)])  # fmt: skip
    deleted = _outcome(log, "bulk delete", lambda: bulk_edits.delete_records(case, Kind.ACTOR, actors))
    _outcome(log, "bulk restore", lambda: bulk_edits.restore_records(case, deleted))
    tagged = _outcome(log, "tag again", lambda: bulk_edits.add_tag(case, Kind.ACTOR, actors, "again"))
    _outcome(log, "write values", lambda: bulk_edits.write_values(case, Kind.ACTOR, tagged.before))

    # The order within a day.
    _outcome(log, "day", lambda: day_order.day_ids(case, Kind.STATEMENT, said))
    day = day_order.day_ids(case, Kind.STATEMENT, said)
    if len(day) > 1:
        order = _outcome(log, "moved", lambda: day_order.moved(case, Kind.STATEMENT, said, day[0], up=True))
        _outcome(log, "set order", lambda: day_order.set_day_order(case, Kind.STATEMENT, order))
    _outcome(log, "move across days", lambda: day_order.moved(case, Kind.STATEMENT, said, day_stmts[-1]["id"],
        up=False))  # fmt: skip

    # CSV import: a refused file, a plan written, taken back and written again, names created.
    twice = _csv(tmp_path, "twice.csv", [["name", "affiliation"], ["Bea", "Ann Example"], ["Cy", "Ann Example"]])
    _outcome(log, "twin", lambda: records.add_record(case, Kind.ACTOR, {"name": "Ann Example"}))
    _outcome(log, "csv duplicate name", lambda: csv_import.import_csv(case, twice, Kind.ACTOR).rows)
    people = _csv(tmp_path, "people.csv", [["name", "affiliation", "tags"], ["Dee", "Eve", "x"],
        ["Eve", "", f"{HOSTILE_TAG}, b"], [HOSTILE_NAME, "New Org", ""]])  # fmt: skip
    plan = csv_import.check_csv(case, read_csv(people), Kind.ACTOR, create_missing=True)
    log.append(f"plan: {plan.errors()} {[(n, values) for n, _rid, values in plan.rows]} {plan.created}")
    _outcome(log, "csv write", lambda: csv_import.write_plan(case, plan))
    _outcome(log, "csv remove", lambda: csv_import.remove_plan(case, plan))
    _outcome(log, "csv again", lambda: csv_import.write_plan(case, plan))
    quotes = _csv(tmp_path, "quotes.csv", [["text", "speaker", "date"], ["Hello", "Eve", "June 2, 2026"],
        [HOSTILE_NAME, "Nobody", ""]])  # fmt: skip
    _outcome(log, "csv refused", lambda: csv_import.import_csv(case, quotes, Kind.STATEMENT).rows)

    # Editions: kept, listed, read back, deleted; numbers never given twice.
    made = editions.parse_made("2026-06-24T09:15:00-04:00")
    assert made is not None
    pdf = tmp_path / "packet.pdf"
    pdf.write_bytes(b"%PDF-1.4 not really\n")
    for pages in (3, 4):
        new = editions.new_edition({"case": {"title": HOSTILE_NAME}, "bytes": "\x00\xff"}, made=made, pages=pages,
                                   options={"paper": "letter"}, pdf=pdf, app_version="1.0", made_by="ann")  # fmt: skip
        _outcome(log, "edition", lambda new=new: editions.record(case, new))
    _outcome(log, "editions", lambda: [(e.number, e.pages, e.made_by, e.options) for e in editions.list_editions(case)])
    latest = editions.latest(case)
    _outcome(log, "content", lambda: editions.content(case, latest or 0))
    _outcome(log, "delete edition", lambda: editions.delete(case, latest or 0))
    _outcome(log, "delete edition again", lambda: editions.delete(case, latest or 0))
    _outcome(log, "after delete", lambda: editions.record(case, new))
    _outcome(log, "base", lambda: editions.base(case, "last").doc if editions.base(case, "last") else None)
    # The one message that names the case: a file by its name, a server case by its own.
    return [line.replace(name, "CASE") for line in log]


def sort_names(case: CaseStore) -> dict[str, list[tuple[Any, ...]]]:
    """The stored sort names of every record, by table and id."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with case.read() as conn:
        for table, columns in SORT_COLUMNS.items():
            sql = f"SELECT id, {', '.join(columns)} FROM {table} ORDER BY id"
            out[table] = [tuple(row) for row in conn.execute(sa.text(sql))]
    return out


@pytest.fixture
def published(server, sample_path, tmp_path) -> Iterator[tuple[Path, str]]:  # noqa: F811
    """A copy of the sample file, and the sample published to the server."""
    copy = tmp_path / "copy.casefile"
    shutil.copyfile(sample_path, copy)
    address = server.address("writes")
    publish_file(sample_path, address)
    yield copy, address


def test_every_write_path_gives_the_same_case_on_the_server_as_in_a_file(published, same_ids, tmp_path) -> None:
    copy, address = published
    with CaseFile.open(copy) as cf:
        doc = export_document(cf)
        (tmp_path / "file").mkdir()
        file_log = run_edits(cf, doc, tmp_path / "file")
        file_json = dumps(export_document(cf))
        file_sorts = sort_names(cf)
    same_ids()
    with ServerCase.open(address) as case:
        (tmp_path / "server").mkdir()
        server_log = run_edits(case, doc, tmp_path / "server")
        server_json = dumps(export_document(case))
        server_sorts = sort_names(case)

    assert server_log == file_log
    # The sequence did what it set out to: refusals, and edits that landed.
    refused = [line for line in file_log if ": refused: " in line]
    assert any(line.startswith("add with a missing reference: refused: Speaker") for line in refused)
    assert any(line.startswith("delete referred: refused: The actor is referred to by") for line in refused)
    assert any("longer than the" in line or "larger than the" in line for line in refused)
    assert any(line.startswith("csv duplicate name: refused") and "are called" in line for line in refused)
    assert server_json == file_json
    assert HOSTILE_NAME in server_json and "Zed Renamed" in server_json
    assert server_sorts == file_sorts
    assert any("Zed Renamed" in row for row in server_sorts["statement"])
    assert any(str(row[2]).startswith("aaa party") for row in server_sorts["directive"])


def test_a_case_published_before_the_sort_name_triggers_gets_them_when_opened(server, sample_path, monkeypatch):  # noqa: F811
    from db.postgres import publish
    from db.postgres.migrations import SCHEMA_VERSION, migrate

    address = server.address("older")
    monkeypatch.setattr(publish, "migrate", lambda conn: migrate(conn, target=1))
    publish_file(sample_path, address)
    with CaseFile.open(sample_path, read_only=True) as cf:
        expected = sort_names(cf)
        statement = export_document(cf)["statements"][0]
    schema = f'"casefile_{server.token}-older"'
    with server.connect() as conn:  # another writer, before the upgrade: nothing keeps the names
        conn.execute(f"UPDATE {schema}.statement SET speaker_sort = 'stale' WHERE id = %s", (statement["id"],))

    with ServerCase.open(address, read_only=True) as case:
        assert case.version == 1  # a reader does not upgrade

    with ServerCase.open(address) as case:
        assert case.version == SCHEMA_VERSION
        assert sort_names(case) == expected  # filled in again: the stale name is gone
        records.update_record(case, Kind.ACTOR, statement["speaker"], {"name": "Renamed After Upgrade"})
        shown = dict((row[0], row[1]) for row in sort_names(case)["statement"])
    assert shown[statement["id"]] == "Renamed After Upgrade"
    with ServerCase.open(address) as case:  # opened again: nothing left to do
        assert case.version == SCHEMA_VERSION


def test_the_server_keeps_the_sort_names_whoever_writes(server, sample_path) -> None:  # noqa: F811
    address = server.address("others")
    publish_file(sample_path, address)
    with CaseFile.open(sample_path, read_only=True) as cf:
        doc = export_document(cf)
    entry = next(e for e in doc["timeline"] if len(e["actors"]) >= 2)
    first, second = entry["actors"][:2]
    schema = f'"casefile_{server.token}-others"'
    # Another client, with its own search path: every statement names the case's schema.
    with server.connect() as conn:
        conn.execute("SET search_path = public")
        conn.execute(f"UPDATE {schema}.actor SET name = 'Ö first' WHERE id = %s", (first,))
        conn.execute(f"UPDATE {schema}.timeline_actor SET position = -1 WHERE entry_id = %s AND actor_id = %s",
                     (entry["id"], second))  # fmt: skip
        conn.execute(
            f"INSERT INTO {schema}.actor (id, created_at, updated_at, name, kind, tags) "
            "VALUES (%s, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', %s, 'person', '[]')",
            ("00000000-0000-4000-8000-00000000000a", HOSTILE_NAME),
        )
        conn.execute(f"UPDATE {schema}.timeline_actor SET actor_id = %s WHERE entry_id = %s AND actor_id = %s",
                     ("00000000-0000-4000-8000-00000000000a", entry["id"], first))  # fmt: skip
    with ServerCase.open(address) as case:
        actors_sort = dict((row[0], row[2]) for row in sort_names(case)["timeline_entry"])
        names = [records.get_record(case, Kind.ACTOR, rid)["name"] for rid in records.get_record(
            case, Kind.TIMELINE, entry["id"])["actors"]]  # fmt: skip
    assert actors_sort[entry["id"]] == "; ".join(names)
    second_name = next(a["name"] for a in doc["actors"] if a["id"] == second)
    assert names[:2] == [second_name, HOSTILE_NAME]  # moved first; the first one replaced


def test_the_editions_command_lists_and_deletes_the_editions_of_a_server_case(server, sample_path, tmp_path, capsys):  # noqa: F811
    from desktop.cli import main

    assert main(["export", str(sample_path), "-o", str(tmp_path / "first.pdf")]) == 0
    address = server.address("kept")
    assert main(["publish", str(sample_path), address]) == 0
    capsys.readouterr()

    assert main(["editions", address]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].split() == ["Edition", "Made", "By", "Pages", "Options"] and listed[1].split()[0] == "1"
    with ServerCase.open(address, read_only=True) as case:  # what it printed came back whole from bytea
        assert editions.content(case, 1)["case"]["title"].startswith("CAISI Voluntary Review")

    assert main(["editions", address, "--delete", "1"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f'Deleted edition 1 from the case "{server.token}-kept"') and "from the server" in said
    assert main(["editions", address]) == 0
    assert capsys.readouterr().out.startswith(f'The case "{server.token}-kept" keeps no editions yet')
    assert main(["editions", address, "--delete", "1"]) == 1
    assert f'The case "{server.token}-kept" holds no edition 1.' in capsys.readouterr().err
