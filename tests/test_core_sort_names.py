"""Sorting by a linked name (source, actors, speaker, issuer, parties, affiliation).

These columns sort by a name stored in the record's own row and kept by triggers. After
every kind of write the list sorted by such a column must be in the order of the names it
shows, and the stored name must be the shown one; each trigger is shown to be needed by
dropping it and watching the same writes go wrong.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from core_fixtures import plain_connect

from db import queries
from db.fields import KINDS, Kind
from db.interchange import export_document, import_document
from db.queries import LIST_COLUMNS, ListQuery, fetch_rows, list_rowids
from db.records import add_record, delete_record, restore_record, update_record
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import APPLICATION_ID
from db.sqlite.migrations import SCHEMA_VERSION, migrate
from db.sqlite.schema_check import reference_schema

# SQLite's NOCASE folds ASCII letters only.
_NOCASE = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# Every list column that sorts by a stored name: (kind, column name, stored column).
STORED = [
    (kind, col.name, col.sort.split()[0].removeprefix("r."))
    for kind in Kind
    for col in LIST_COLUMNS[kind]
    if col.sort.split()[0].endswith("_sort")
]
SORT_TRIGGERS = sorted(
    name
    for name, (kind, _table, _sql) in reference_schema(SCHEMA_VERSION).items()
    if kind == "trigger" and name.startswith("sort_")
)


def _expected(values: dict[int, object], *, descending: bool) -> list[int]:
    """Row numbers in the order SQLite sorts the shown values (NULL first, NOCASE, then n)."""

    def key(n: int) -> tuple[bool, str, int]:
        value = values[n]
        return (value is not None, str(value or "").translate(_NOCASE), n)

    return sorted(values, key=key, reverse=descending)


def _shown(cf: CaseFile, kind: Kind, column: str) -> dict[int, object]:
    position = 1 + [c.name for c in LIST_COLUMNS[kind]].index(column)
    rows = fetch_rows(cf, kind, list_rowids(cf, ListQuery(kind)))
    return {n: row[position] for n, row in rows.items()}


def check(cf: CaseFile) -> None:
    """Every stored-name column of every kind lists in the order of the names it shows."""
    for kind, column, stored in STORED:
        shown = _shown(cf, kind, column)
        for descending in (False, True):
            listed = list(list_rowids(cf, ListQuery(kind, sort=column, descending=descending)))
            assert listed == _expected(shown, descending=descending), (kind, column, descending)
        with cf.read() as conn:
            kept = dict(conn.exec_driver_sql(f"SELECT n, {stored} FROM {KINDS[kind].table}").all())
        assert kept == shown, (kind, column)


def check_plain(conn: sqlite3.Connection) -> None:
    """``check`` over a plain connection (a file changed outside Casefile), with the list's SQL."""
    for kind, column, stored in STORED:
        col = queries.column(kind, column)
        table = KINDS[kind].table
        shown = dict(conn.execute(f"SELECT r.n, {col.expr} FROM {table} r").fetchall())
        for descending in (False, True):
            order = queries._order(ListQuery(kind, sort=column, descending=descending))
            listed = [n for (n,) in conn.execute(f"SELECT r.n FROM {table} r{order}")]
            assert listed == _expected(shown, descending=descending), (kind, column, descending)
        kept = dict(conn.execute(f"SELECT n, {stored} FROM {table}").fetchall())
        assert kept == shown, (kind, column)


# ----- a small case, and the writes a user makes ------------------------------------------


class Case:
    """Ids of the records of the small case."""

    def __init__(self, cf: CaseFile) -> None:
        self.cf = cf

        def add(record_kind: Kind, /, **values: object) -> str:
            return add_record(cf, record_kind, values)

        self.s1 = add(Kind.SOURCE, title="beta report")
        self.s2 = add(Kind.SOURCE, title="Alpha memo")
        self.meta = add(Kind.ACTOR, name="Meta", kind="company")
        self.anthropic = add(Kind.ACTOR, name="anthropic", kind="company")
        self.zeta = add(Kind.ACTOR, name="Zeta Corp", kind="company")
        self.lee = add(Kind.ACTOR, name="Lee", kind="person", affiliation=self.meta)
        self.kim = add(Kind.ACTOR, name="Kim", kind="person")
        self.st1 = add(Kind.STATEMENT, text="We hope to sign.", speaker=self.meta, source=self.s1)
        self.st2 = add(Kind.STATEMENT, text="Under review.", speaker=self.anthropic)
        self.st3 = add(Kind.STATEMENT, text="No comment.", source=self.s2)
        self.d1 = add(Kind.DIRECTIVE, title="Order one", issuer=self.meta, parties=[self.anthropic, self.zeta])
        self.d2 = add(Kind.DIRECTIVE, title="Order two", parties=[self.zeta])
        self.d3 = add(Kind.DIRECTIVE, title="Order three")
        self.t1 = add(Kind.TIMELINE, date="2024-08", title="One", actors=[self.meta, self.anthropic], source=self.s1)
        self.t2 = add(Kind.TIMELINE, date="2024-09", title="Two", actors=[self.zeta], source=self.s2)
        self.t3 = add(Kind.TIMELINE, date="2024-10", title="Three")
        self.t4 = add(Kind.TIMELINE, date="2024-11", title="Four", actors=[self.anthropic, self.meta], source=self.s1)


def _edit(cf: CaseFile, kind: Kind, record_id: str, **changes: object) -> Callable[[], None]:
    """Make an edit; return its undo (the same call the app's undo makes)."""
    old = update_record(cf, kind, record_id, changes)
    return lambda: update_record(cf, kind, record_id, old, restoring=True) and None


def user_writes(case: Case) -> list[tuple[str, Callable[[], object]]]:
    """Every kind of write through db.records, each followed by its undo where it has one."""
    cf = case.cf
    undo: dict[str, Callable[[], None]] = {}
    deleted: dict[str, object] = {}

    def edit(label: str, kind: Kind, record_id: str, **changes: object) -> tuple[str, Callable[[], object]]:
        return (label, lambda: undo.__setitem__(label, _edit(cf, kind, record_id, **changes)))

    def undo_of(label: str) -> tuple[str, Callable[[], object]]:
        return (f"undo {label}", lambda: undo.pop(label)())

    def delete(label: str, kind: Kind, record_id: str) -> tuple[str, Callable[[], object]]:
        return (label, lambda: deleted.__setitem__(label, delete_record(cf, kind, record_id, remove_references=True)))

    def restore(label: str) -> tuple[str, Callable[[], object]]:
        return (f"undo {label}", lambda: restore_record(cf, deleted.pop(label)))  # type: ignore[arg-type]

    steps = [
        # a reference set, changed and cleared
        edit("timeline source set", Kind.TIMELINE, case.t3, source=case.s2),
        edit("timeline source changed", Kind.TIMELINE, case.t1, source=case.s2),
        undo_of("timeline source changed"),
        edit("statement source set", Kind.STATEMENT, case.st2, source=case.s1),
        edit("statement source cleared", Kind.STATEMENT, case.st1, source=None),
        undo_of("statement source cleared"),
        edit("speaker set", Kind.STATEMENT, case.st3, speaker=case.zeta),
        edit("speaker changed", Kind.STATEMENT, case.st1, speaker=case.kim),
        undo_of("speaker changed"),
        edit("issuer set", Kind.DIRECTIVE, case.d2, issuer=case.anthropic),
        edit("issuer cleared", Kind.DIRECTIVE, case.d1, issuer=None),
        undo_of("issuer cleared"),
        edit("affiliation set", Kind.ACTOR, case.kim, affiliation=case.zeta),
        edit("affiliation changed", Kind.ACTOR, case.lee, affiliation=case.anthropic),
        undo_of("affiliation changed"),
        # actors and parties added, reordered and removed
        edit("actor added", Kind.TIMELINE, case.t2, actors=[case.zeta, case.anthropic]),
        edit("actors reordered", Kind.TIMELINE, case.t1, actors=[case.anthropic, case.meta]),
        undo_of("actors reordered"),
        edit("actor removed", Kind.TIMELINE, case.t4, actors=[case.meta]),
        edit("last actor removed", Kind.TIMELINE, case.t4, actors=[]),
        undo_of("last actor removed"),
        edit("first actor added", Kind.TIMELINE, case.t3, actors=[case.kim]),
        edit("party added", Kind.DIRECTIVE, case.d3, parties=[case.meta]),
        edit("parties reordered", Kind.DIRECTIVE, case.d1, parties=[case.zeta, case.anthropic]),
        undo_of("parties reordered"),
        edit("last party removed", Kind.DIRECTIVE, case.d2, parties=[]),
        undo_of("last party removed"),
        # the linked record renamed
        edit("actor renamed", Kind.ACTOR, case.meta, name="aardvark"),
        edit("actor renamed in case only", Kind.ACTOR, case.anthropic, name="Anthropic"),
        undo_of("actor renamed"),
        edit("source renamed", Kind.SOURCE, case.s1, title="Zulu report"),
        undo_of("source renamed"),
        # the linked record deleted (its references cleared with it) and put back
        delete("actor deleted", Kind.ACTOR, case.meta),
        restore("actor deleted"),
        delete("source deleted", Kind.SOURCE, case.s1),
        restore("source deleted"),
        # new records with references
        ("timeline entry added", lambda: add_record(cf, Kind.TIMELINE, {
            "date": "2025", "title": "Five", "actors": [case.zeta, case.kim], "source": case.s2})),
        ("statement added", lambda: add_record(cf, Kind.STATEMENT, {"text": "Yes.", "speaker": case.kim,
                                                                   "source": case.s1})),
        ("directive added", lambda: add_record(cf, Kind.DIRECTIVE, {"title": "Order four", "issuer": case.zeta,
                                                                   "parties": [case.kim, case.meta]})),
        ("actor added", lambda: add_record(cf, Kind.ACTOR, {"name": "Ada", "affiliation": case.zeta})),
        # a record holding references deleted and put back
        delete("entry deleted", Kind.TIMELINE, case.t1),
        restore("entry deleted"),
        delete("directive deleted", Kind.DIRECTIVE, case.d1),
        restore("directive deleted"),
    ]  # fmt: skip
    return steps


def _insert(table: str, **values: str) -> str:
    """An INSERT of one row with the given text values (and fixed stamps, for a record)."""
    if table not in ("timeline_actor", "directive_party"):
        values.update(created_at="2024-01-01T00:00:00.000Z", updated_at="2024-01-01T00:00:00.000Z")
    quoted = ", ".join(f"'{v}'" for v in values.values())
    return f"INSERT INTO {table} ({', '.join(values)}) VALUES ({quoted})"


def outside_writes(case: Case) -> list[tuple[str, str]]:
    """Writes only a file changed outside Casefile holds (foreign keys off): linked records
    deleted while still referred to (shown as "(missing)") and put back, records inserted
    with references, link rows moved with UPDATE, and links written before their owner."""
    return [
        ("actor deleted while referred to", f"DELETE FROM actor WHERE id = '{case.meta}'"),
        ("party deleted while referred to", f"DELETE FROM actor WHERE id = '{case.anthropic}'"),
        ("source deleted while referred to", f"DELETE FROM source WHERE id = '{case.s1}'"),
        ("actor back", _insert("actor", id=case.meta, name="Back")),
        ("party back", _insert("actor", id=case.anthropic, name="again")),
        ("source back", _insert("source", id=case.s1, title="again")),
        ("actor inserted with an affiliation", _insert("actor", id="a-new", name="Nu", affiliation_id=case.zeta)),
        ("statement inserted with references",
         _insert("statement", id="s-new", text="Said", speaker_id=case.kim, source_id=case.s2)),
        ("directive inserted with an issuer", _insert("directive", id="d-0", title="Order", issuer_id=case.kim)),
        ("entry inserted with a source",
         _insert("timeline_entry", id="e-0", date="2031", date_key="2031", title="Then", source_id=case.s2)),
        ("actors moved", f"UPDATE timeline_actor SET position = 1 - position WHERE entry_id = '{case.t1}'"),
        ("parties moved", f"UPDATE directive_party SET position = 1 - position WHERE directive_id = '{case.d1}'"),
        ("links before their entry", _insert("timeline_actor", entry_id="e-new", actor_id=case.kim, position="0")),
        ("entry after its links", _insert("timeline_entry", id="e-new", date="2030", date_key="2030", title="Later")),
        ("links before their directive",
         _insert("directive_party", directive_id="d-new", actor_id=case.lee, position="0")),
        ("directive after its links", _insert("directive", id="d-new", title="Later")),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Case]:
    """The small case, made once; each test works on a copy."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.casefile"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CASEFILE_HOME", str(folder / "home"))
        with CaseFile.create(path, title="Sorts") as cf:
            case = Case(cf)
            check(cf)
    return path, case


def _run(template: tuple[Path, Case], folder: Path, *, drop: str | None = None) -> None:
    """Make every write on a copy of the small case, checking the sorts after each one.

    The writes from outside Casefile go to a second copy (they break what Casefile keeps
    true), and come first: with ``drop``, most triggers fail there, quickly.
    """
    source, case = template
    path, outside = folder / "sorts.casefile", folder / "outside.casefile"
    shutil.copyfile(source, path)
    shutil.copyfile(source, outside)
    conn = plain_connect(outside)
    try:
        if drop is not None:
            conn.execute(f'DROP TRIGGER "{drop}"')
        for label, sql in outside_writes(case):
            conn.execute(sql)
            try:
                check_plain(conn)
            except AssertionError as exc:
                raise AssertionError(f"after {label}: {exc}") from exc
    finally:
        conn.close()
    with CaseFile.open(path) as cf:
        case.cf = cf
        if drop is not None:
            with cf.write() as write:
                write.exec_driver_sql(f'DROP TRIGGER "{drop}"')
        for label, step in user_writes(case):
            step()
            try:
                check(cf)
            except AssertionError as exc:
                raise AssertionError(f"after {label}: {exc}") from exc


def test_each_write_keeps_the_sorts_by_linked_names_in_the_shown_order(template, tmp_path):
    _run(template, tmp_path)


@pytest.mark.parametrize("trigger", SORT_TRIGGERS)
def test_without_any_one_trigger_a_sort_goes_wrong(template, tmp_path, trigger):
    with pytest.raises(AssertionError, match=r"^after "):
        _run(template, tmp_path, drop=trigger)


def test_the_stored_names_cover_every_linked_name_column():
    linked = {
        (kind, col.name) for kind in Kind for col in LIST_COLUMNS[kind] if "SELECT" in col.expr and "FROM" in col.expr
    }
    assert linked == {(kind, column) for kind, column, _stored in STORED}
    assert (Kind.TIMELINE, "source") in linked and (Kind.TIMELINE, "actors") in linked
    assert len(SORT_TRIGGERS) == 5 * 5 + 2 * 7


def test_each_sort_by_a_linked_name_walks_an_index(sample_cf):
    with sample_cf.read() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        for kind, column, _stored in STORED:
            for descending in (False, True):
                order = queries._order(ListQuery(kind, sort=column, descending=descending))
                plan = raw.execute(f"EXPLAIN QUERY PLAN SELECT r.n FROM {KINDS[kind].table} r{order}").fetchall()
                details = " / ".join(str(row[3]) for row in plan)
                assert "TEMP B-TREE" not in details and "USING COVERING INDEX" in details, (kind, column, details)


def test_an_imported_case_sorts_by_the_names_it_shows(tmp_path, sample_cf):
    check(sample_cf)
    with CaseFile.create(tmp_path / "small.casefile", title="Sorts") as cf:
        case = Case(cf)
        update_record(cf, Kind.ACTOR, case.meta, {"name": "meta"})
        doc = export_document(cf)
    import_document(doc, tmp_path / "imported.casefile")
    with CaseFile.open(tmp_path / "imported.casefile") as imported:
        check(imported)
        assert _shown(imported, Kind.TIMELINE, "actors")[1] == "meta; anthropic"


def _uuid(name: str) -> str:
    """A fixed record id for a short name ("a1" -> a UUID)."""
    return f"00000000-0000-4000-8000-{name.encode().hex():0>12}"


def _version_3_file(path: Path) -> None:
    """A file as version 3 of the schema left it, with references, links and a missing actor."""
    u = _uuid
    rows = [_insert("case_info", n="1", id=u("c"), title="Old")]
    rows += [_insert("actor", id=u(f"a{i}"), name=name) for i, name in enumerate(["Meta", "anthropic", "Zeta"])]
    rows.append(f"UPDATE actor SET affiliation_id = '{u('a0')}' WHERE id = '{u('a2')}'")
    rows += [_insert("source", id=u(f"s{i}"), title=title) for i, title in enumerate(["beta", "Alpha"])]
    for i, refs in enumerate([{"speaker_id": "a1", "source_id": "s0"}, {"speaker_id": "a0"}, {"source_id": "s1"}]):
        rows.append(_insert("statement", id=u(f"st{i}"), text="Said", **{k: u(v) for k, v in refs.items()}))
    rows.append(_insert("directive", id=u("d0"), title="Order", issuer_id=u("a2")))
    rows += [
        _insert("directive_party", directive_id=u("d0"), actor_id=u(a), position=str(i))
        for i, a in enumerate(["a1", "a0"])
    ]
    for i, (source, actors) in enumerate([("s0", ["a0", "a1"]), ("s1", ["a1", "gone"]), (None, []), ("s0", ["a1"])]):
        refs = {"source_id": u(source)} if source else {}
        rows.append(_insert("timeline_entry", id=u(f"t{i}"), date="2024", date_key="2024", title="Entry", **refs))
        rows += [
            _insert("timeline_actor", entry_id=u(f"t{i}"), actor_id=u(a), position=str(p)) for p, a in enumerate(actors)
        ]
    conn = plain_connect(path)
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        migrate(conn, target=3)
        for sql in rows:
            conn.execute(sql)
    finally:
        conn.close()


def test_a_version_3_file_is_upgraded_with_its_sort_names(tmp_path):
    path = tmp_path / "old.casefile"
    _version_3_file(path)
    with CaseFile.open(path) as cf:
        assert cf.version == SCHEMA_VERSION
        check(cf)
        shown = _shown(cf, Kind.TIMELINE, "actors")
        assert sorted(v for v in shown.values() if v) == [
            "Meta; anthropic",
            "anthropic",
            f"anthropic; {queries.MISSING}",
        ]
        update_record(cf, Kind.ACTOR, _uuid("a1"), {"name": "Brennan"})
        check(cf)
