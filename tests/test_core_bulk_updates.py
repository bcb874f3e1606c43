"""Many records written with one statement per batch, the rows passed as JSON
(``db.sqlite.bulk.update_by_id`` and ``upsert_rows``, through ``driver.execute_json_batches``):
the values arrive exactly as given, the triggers fire for each row, a row too large for a batch
is written on its own, and a record that is gone is noticed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import db.sqlite.driver as driver
from db.errors import RecordError
from db.merge_store import read_state, write_differences
from db.sqlite.bulk import update_by_id, update_statements, upsert_rows

AWKWARD = [
    "plain",
    "",
    "quotes \" and ' and \\ backslashes",
    "lines\nand\ttabs\r\n",
    "accents é, CJK 中文, emoji 🙂, right-to-left שלום",
    "a \u2028 line separator and \u00a0 no-break space",
    'json-looking [1, 2] {"a": null}',
    None,
]


@pytest.fixture
def memory():
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn, conn.begin():
        conn.execute(sa.text("CREATE TABLE t (n INTEGER PRIMARY KEY, id TEXT UNIQUE, a, b, stamp)"))
        conn.execute(
            sa.text("INSERT INTO t (id, a, b) VALUES (:id, 'old', 'old')"), [{"id": f"r{i}"} for i in range(40)]
        )
        yield conn
    engine.dispose()


def test_values_of_every_kind_arrive_as_given(memory):
    values = [*AWKWARD, 0, 1, -7, 2**53, 1.5, True, False]
    rows = [[f"r{i}", value, f"b{i}"] for i, value in enumerate(values)]
    assert update_by_id(memory, "t", ["a", "b"], rows, {"stamp": "S"}) == len(values)
    got = memory.execute(sa.text("SELECT id, a, typeof(a), b, stamp FROM t ORDER BY n")).all()
    for i, value in enumerate(values):
        rid, a, kind, b, stamp = got[i]
        expected = int(value) if isinstance(value, bool) else value
        assert (rid, a, b, stamp) == (f"r{i}", expected, f"b{i}", "S")
        assert kind == {str: "text", int: "integer", float: "real", type(None): "null"}[type(expected)]
    untouched = got[len(values) :]
    assert all(row[1:] == ("old", "text", "old", None) for row in untouched)


def test_rows_are_batched_by_size_and_a_row_too_large_for_a_batch_goes_alone(memory, monkeypatch):
    monkeypatch.setattr(driver, "JSON_BATCH_BYTES", 400)  # a row over 100 characters of JSON goes alone
    statements: list[str] = []
    memory.connection.driver_connection.set_trace_callback(statements.append)
    big = "x" * 300
    rows = [[f"r{i}", big if i == 5 else f"short {i}", "b"] for i in range(20)]
    try:
        assert update_by_id(memory, "t", ["a", "b"], rows, {"stamp": "S"}) == 20
    finally:
        memory.connection.driver_connection.set_trace_callback(None)
    batches = [s for s in statements if "json_each" in s]
    alone = [s for s in statements if s.startswith("UPDATE t SET a = ") and "json_each" not in s]
    assert len(alone) == 1 and big in alone[0]
    assert len(batches) > 1 and all(len(s) < 600 for s in batches)
    got = dict(memory.execute(sa.text("SELECT id, a FROM t WHERE stamp = 'S'")).all())
    assert got == {f"r{i}": big if i == 5 else f"short {i}" for i in range(20)}


def test_a_row_whose_record_is_gone_is_not_counted(memory):
    rows = [["r1", "new", "new"], ["gone", "new", "new"]]
    assert update_by_id(memory, "t", ["a", "b"], rows, {"stamp": "S"}) == 1


def test_upserts_insert_new_rows_and_update_the_ones_there(memory):
    memory.execute(sa.text("CREATE TABLE u (part TEXT, id TEXT, x, y, PRIMARY KEY (part, id))"))
    memory.execute(sa.text("INSERT INTO u VALUES ('p', 'a', 'x0', 'kept')"))
    rows = [["p", "a", "x1"], ["p", "b", "x2"], ["q", "a", None]]
    upsert_rows(memory, "u", ("part", "id", "x"), ("part", "id"), rows, "x = excluded.x, y = NULL")
    got = memory.execute(sa.text("SELECT part, id, x, y FROM u ORDER BY part, id")).all()
    assert got == [("p", "a", "x1", None), ("p", "b", "x2", None), ("q", "a", None, None)]


def test_a_batched_update_finds_each_record_by_its_id_not_by_a_scan(sample_cf):
    batched, _one = update_statements("timeline_entry", ["title", "description"], ["updated_at"])
    with sample_cf.read() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {batched}", {"rows": "[]", "alike_updated_at": ""}).all()
    details = " / ".join(row[-1] for row in plan)
    assert "SCAN j" in details and "SEARCH timeline_entry USING" in details and "(id=?)" in details, details


def test_a_sync_sized_write_fires_the_search_index_triggers_and_notices_a_record_gone(sample_cf):
    with sample_cf.read() as conn:
        ids = [r for (r,) in conn.execute(sa.text("SELECT id FROM timeline_entry ORDER BY n"))]
    keys = [("timeline", rid) for rid in ids]
    with sample_cf.write() as conn:
        current = read_state(conn, keys)
        diffs = {k: {**current[k], "title": f"Zebrafish report {n}"} for n, k in enumerate(keys)}
        write_differences(conn, diffs, current, stamp="2026-12-07T00:00:00.000Z")
    with sample_cf.read() as conn:
        found = conn.exec_driver_sql("SELECT count(*) FROM timeline_fts WHERE timeline_fts MATCH 'zebrafish'").scalar()
        assert found == len(ids)
        assert read_state(conn, keys) == diffs
    with sample_cf.write() as conn:
        current = read_state(conn, keys)
        conn.execute(sa.text("DELETE FROM timeline_entry WHERE id = :id"), {"id": ids[0]})
        diffs = {k: {**current[k], "title": "Renamed"} for k in keys}
        with pytest.raises(RecordError, match="no longer exists"):
            write_differences(conn, diffs, current, stamp="2026-12-07T00:00:01.000Z")


@pytest.mark.parametrize("too", ["the record", "one field"])
def test_a_sync_sized_write_that_makes_a_record_too_large_is_refused_and_writes_nothing(sample_cf, monkeypatch, too):
    import db.sizes as sizes

    limit = 200_000  # a case file's 64 MB, scaled down so that the test writes little
    monkeypatch.setattr(sizes, "MAX_VALUE_BYTES", limit)
    monkeypatch.setattr(sizes, "QUICK_CHARS", (limit - 2 * sizes.RECORD_MARGIN) // 4)
    with sample_cf.read() as conn:
        ids = [r for (r,) in conn.execute(sa.text("SELECT id FROM timeline_entry ORDER BY n"))]
    keys = [("timeline", rid) for rid in ids]
    big = keys[len(keys) // 2]
    with sample_cf.write() as conn:  # stored: a description that leaves room for a title of 60,000
        current = read_state(conn, [big])
        write_differences(conn, {big: {**current[big], "description": "d" * 120_000}}, current, stamp="S0")
    with sample_cf.read() as conn:
        before = read_state(conn, keys)
    title = "t" * (80_000 if too == "the record" else limit + 1)
    with sample_cf.write() as conn, pytest.raises(RecordError) as refused:
        current = read_state(conn, keys)
        diffs = {k: {**current[k], "title": title if k == big else f"Short {n}"} for n, k in enumerate(keys)}
        write_differences(conn, diffs, current, stamp="S1")
    expected = "would be larger than" if too == "the record" else "Title is longer than"
    assert expected in str(refused.value)
    with sample_cf.read() as conn:
        assert read_state(conn, keys) == before  # the transaction, every record's update in it, undone
