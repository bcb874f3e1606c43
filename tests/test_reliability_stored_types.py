"""15. A value of the wrong storage class in a file someone sent (a blob where text belongs, text
or a real number where Casefile keeps an integer), as one flipped bit in a record header or a
forged record leaves: refused when the file is opened, naming the table, the column and what it
holds (``schema_check.misplaced_value``), for every typed column of every table."""

from __future__ import annotations

import sqlite3

import pytest
from stored_value_helpers import planted, sample_case_bytes

from db.errors import RefusedFileError
from db.replica import take_offline_copy
from db.sqlite.filecheck import check_file
from db.sqlite.migrations import MIGRATIONS, SCHEMA_VERSION, migrate
from db.sqlite.schema_check import _typed_columns

# What SQL can plant against a column's affinity: TEXT affinity turns numbers into text, so only
# a blob stays wrong there; INTEGER affinity keeps text that is not a number, reals and blobs.
WRONG = {"TEXT": {"blob": "x'00ff'"}, "INTEGER": {"text": "'yes'", "real": "0.5", "blob": "x'01'"}}


def _rowid_columns() -> set[tuple[str, str]]:
    """Each table's INTEGER PRIMARY KEY: the rowid itself, where SQLite refuses anything but an integer."""
    conn = sqlite3.connect(":memory:")
    try:
        migrate(conn, target=SCHEMA_VERSION, steps=MIGRATIONS)
        out = set()
        for table, _ in _typed_columns(SCHEMA_VERSION):
            keys = [row for row in conn.execute(f"PRAGMA table_info({table})") if row[5]]
            if len(keys) == 1 and keys[0][2].upper() == "INTEGER":
                out.add((table, keys[0][1]))
        return out
    finally:
        conn.close()


ROWIDS = _rowid_columns()
COLUMNS = [
    (table, column, declared, stored)
    for table, columns in _typed_columns(SCHEMA_VERSION)
    for column, declared in columns
    if (table, column) not in ROWIDS
    for stored in WRONG[declared]
]


@pytest.fixture(scope="module")
def sample_bytes(tmp_path_factory) -> bytes:
    """An offline copy of the sample case: its records, and the copy's own tables too."""
    folder = tmp_path_factory.mktemp("types-copy")
    master = folder / "master.casefile"
    master.write_bytes(sample_case_bytes(tmp_path_factory))
    copy = take_offline_copy(master, folder / "copy.casefile")
    conn = sqlite3.connect(copy, isolation_level=None)
    try:  # one record in each table still empty, of the declared types: '', 0 or an empty blob
        empty = {"TEXT": "''", "INTEGER": "0"}
        for table, _columns in _typed_columns(SCHEMA_VERSION):
            if conn.execute(f"SELECT 1 FROM {table}").fetchone() is None:
                declared = [(row[1], row[2].upper()) for row in conn.execute(f"PRAGMA table_info({table})")]
                named = [column for column, _ in declared if (table, column) not in ROWIDS]
                values = [empty.get(kind, "x''") for column, kind in declared if (table, column) not in ROWIDS]
                conn.execute(f"INSERT INTO {table} ({', '.join(named)}) VALUES ({', '.join(values)})")
    finally:
        conn.close()
    return copy.read_bytes()


@pytest.fixture(scope="module")
def tables_with_records(sample_bytes, tmp_path_factory) -> set[str]:
    path = tmp_path_factory.mktemp("types") / "sample.casefile"
    path.write_bytes(sample_bytes)
    conn = sqlite3.connect(path)
    try:
        return {
            table for table, _ in _typed_columns(SCHEMA_VERSION) if conn.execute(f"SELECT 1 FROM {table}").fetchone()
        }
    finally:
        conn.close()


def test_every_table_holds_a_record_to_plant_in(tables_with_records) -> None:
    assert tables_with_records == {table for table, _ in _typed_columns(SCHEMA_VERSION)}


@pytest.mark.parametrize(("table", "column", "declared", "stored"), COLUMNS, ids=lambda v: str(v))
def test_a_value_of_the_wrong_type_is_refused_naming_its_column(
    table, column, declared, stored, sample_bytes, tmp_path
) -> None:
    # the records holding the first record's value (ids and link pairs stay unique; link tables have no rowid)
    one = f"{column} IS (SELECT {column} FROM {table} LIMIT 1)"
    path = planted(tmp_path, sample_bytes, f"UPDATE {table} SET {column} = {WRONG[declared][stored]} WHERE {one}")
    conn = sqlite3.connect(path)
    try:
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE typeof({column}) = ?", (stored,)).fetchone()[0] > 0
    finally:
        conn.close()
    with pytest.raises(RefusedFileError) as refused:
        check_file(path)
    article = "an" if stored[0] in "aeiou" else "a"
    assert str(refused.value) == (
        f"received.casefile is damaged: {table}.{column} holds {article} {stored} value where Casefile keeps "
        f"{declared.lower()}."
    )
