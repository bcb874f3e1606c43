"""A case's records as a merge ``State`` (db/merge.py), read from and written to a store.

The SQL here runs on a case file and on a server case alike. ``read_marks`` reads, cheaply,
what tells a record has changed: its ``updated_at`` in a case file, its ``version`` on a
server (which a trigger moves on every change, lists included); ``moved_records`` compares
them with an offline copy's base to find what a sync must read. ``read_state`` reads the
values of all records or of some. ``write_differences`` writes the records that differ, in an
order the foreign keys accept: new records first without their references, then every
changed field (so references to records new in the same batch resolve), then deletions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from .errors import RecordError
from .fields import CASE_FIELDS, JSON_ORDER, KINDS, FieldSpec, FieldType, Kind
from .merge import CASE, CASE_KEY, Key, State, Values, fields_of, kind_of, normalise_record
from .records import apply_changes, insert_record
from .sizes import TOO_LARGE, TOO_LONG, oversize, refuse_oversized, surely_fits, text_bytes
from .store import CaseStore, bulk_writes, byte_length
from .values import decode_list, normalise, to_columns
from .versions import keeps_versions

CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def select_in(
    conn: Connection, sql: str, ids: Sequence[str], params: Mapping[str, Any] | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The rows of ``sql`` (and its column names), its ``:ids`` bound to a list of ``ids``
    (``IN :ids``) and its other binds to ``params``. A sync reads and checks tens of thousands
    of records by id: on a case file this goes straight through the driver, where SQLAlchemy's
    expanding of each statement's IN list, and its row objects, cost more than SQLite's work."""
    names = [f"id_{n}" for n in range(len(ids))]
    expanded = sql.replace(":ids", "(" + ", ".join(f":{name}" for name in names) + ")")
    return select_rows(conn, expanded, {**(params or {}), **dict(zip(names, ids, strict=True))})


def select_rows(
    conn: Connection, sql: str, params: Mapping[str, Any] | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The rows of ``sql`` (named binds ``params``) as plain tuples, and its column names: on a
    case file straight through the driver (a sync reads every record's mark on both sides)."""
    if conn.dialect.name == "sqlite":
        from .sqlite import driver

        return driver.rows_and_names(conn, sql, params)
    result = conn.execute(sa.text(sql), params or {})
    return list(result.keys()), [tuple(row) for row in result]


_PARTS: dict[Kind, str] = {k: KINDS[k].json_name for k in JSON_ORDER}


def mark_column(conn: Connection) -> str:
    """The column whose value moves whenever a record changes."""
    return "version" if keeps_versions(conn) else "updated_at"


class Marks(Mapping[Key, str]):
    """Every record's mark, held by part and then by id: a large case's marks are read, and the
    changed records found, a part at a time with dict and set operations (one (part, id) key per
    record made reading and comparing them several times slower)."""

    def __init__(self, parts: dict[str, dict[str, str]]) -> None:
        self.parts = parts

    def __getitem__(self, key: Key) -> str:
        return self.parts[key[0]][key[1]]

    def get(self, key: Key, default: Any = None) -> Any:
        part = self.parts.get(key[0])
        return default if part is None else part.get(key[1], default)

    def all_of(self, keys: Iterable[Key]) -> list[str | None]:
        """The marks of ``keys`` in order (None for a record not held): ``get`` of each, in bulk."""
        empty: dict[str, str] = {}
        parts = self.parts
        return [parts.get(part, empty).get(rid) for part, rid in keys]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 2:
            return False
        part = self.parts.get(key[0])
        return part is not None and key[1] in part

    def __iter__(self) -> Iterator[Key]:
        for part, marks in self.parts.items():
            for rid in marks:
                yield (part, rid)

    def __len__(self) -> int:
        return sum(map(len, self.parts.values()))


def read_marks(conn: Connection) -> Marks:
    """Every record's mark (``mark_column``), the case's included."""
    column = mark_column(conn)
    versions = keeps_versions(conn)
    row = conn.execute(sa.text(f"SELECT {column} FROM case_info WHERE n = 1")).one()
    parts: dict[str, dict[str, str]] = {CASE: {CASE_KEY[1]: str(row[0])}}
    for kind, part in _PARTS.items():
        rows = select_rows(conn, f"SELECT id, {column} FROM {KINDS[kind].table}")[1]
        parts[part] = {rid: str(mark) for rid, mark in rows} if versions else dict(rows)  # a stamp is text
    return Marks(parts)


BaseMarks = dict[str, tuple[dict[str, str | None], dict[str, str | None]]]
"""An offline copy's base marks (``replica_store.read_base_marks``): by part, the copy's and the
master's, each by id."""


def moved_records(base: BaseMarks, marks: Marks, side: int, since: str | None) -> set[Key]:
    """The records new, gone or marked differently on one side since the base (``side``: 0 for
    the copy's marks, 1 for the master's); with ``since``, also those stamped at or after it (a
    stamp may hide a change made in the same millisecond as the last sync).

    Compared a part at a time as sets of (id, mark) pairs: a record is in the symmetric
    difference of a side's pairs and the base's when it is new, gone or marked anew there."""
    out: set[Key] = set()
    for part in base.keys() | marks.parts.keys():
        held = marks.parts.get(part, {})
        moved = {rid for rid, _mark in held.items() ^ base.get(part, ({}, {}))[side].items()}
        if since is not None:
            moved.update(rid for rid, mark in held.items() if mark >= since)
        out.update((part, rid) for rid in moved)
    return out


def read_state(conn: Connection, keys: Iterable[Key] | None = None) -> State:
    """The values of the records named by ``keys`` that exist (every record when None)."""
    state: State = {}
    wanted: dict[str, list[str]] | None = None
    if keys is not None:
        wanted = defaultdict(list)
        for part, rid in keys:
            wanted[part].append(rid)
    if wanted is None or CASE in wanted:
        row = conn.execute(sa.text("SELECT * FROM case_info WHERE n = 1")).mappings().one()
        state[CASE_KEY] = normalise_record(
            CASE, {f.name: _json_value(f.type, row[f.column or ""]) for f in CASE_FIELDS}
        )
    for kind, part in _PARTS.items():
        if wanted is None:
            state.update(_read_kind(conn, kind, None))
        elif wanted.get(part):
            ids = wanted[part]
            for start in range(0, len(ids), CHUNK):
                state.update(_read_kind(conn, kind, ids[start : start + CHUNK]))
    return state


def values_of_rows(part: str, rows: list[Mapping[str, Any]]) -> list[Values]:
    """Records' values from JSON of their rows, as an offline copy's triggers keep them
    (migration 10): columns by name, and each list as [position, target] pairs."""
    if part == CASE:
        return [
            normalise_record(CASE, {f.name: _json_value(f.type, row.get(f.column or "")) for f in CASE_FIELDS})
            for row in rows
        ]
    kind = kind_of(part)
    assert kind is not None
    spec = KINDS[kind]
    columns = ["id", *(f.column for f in spec.fields if f.column)]
    at = {column: n for n, column in enumerate(columns)}
    lists = [f.name for f in spec.fields if f.link]
    links: dict[str, dict[str, list[str]]] = {name: {} for name in lists}
    for row in rows:
        for name in lists:
            links[name][str(row.get("id"))] = [target for _position, target in sorted(row.get(name) or [])]
    readers = [(f.name, _reader(f, at, links.get(f.name, {}), 0)) for f in spec.fields]
    flat = [tuple(row.get(column) for column in columns) for row in rows]
    return [{name: read(values) for name, read in readers} for values in flat]


def _json_value(kind: FieldType, raw: Any) -> Any:
    if kind is FieldType.BOOL:
        return bool(raw)
    if kind in (FieldType.TAGS, FieldType.LINES):
        return decode_list(raw)
    return raw


def _read_kind(conn: Connection, kind: Kind, ids: list[str] | None) -> State:
    spec = KINDS[kind]
    part = _PARTS[kind]
    where = "" if ids is None else " WHERE {column} IN :ids"

    def run(sql: str) -> tuple[list[str], Sequence[Any]]:
        if ids is not None:
            return select_in(conn, sql, ids)
        result = conn.execute(sa.text(sql))
        return list(result.keys()), result.all()

    links: dict[str, dict[str, list[str]]] = {}
    for f in spec.fields:
        if f.link is not None:
            grouped: dict[str, list[str]] = defaultdict(list)
            sql = (
                f"SELECT {f.link.owner_column}, {f.link.target_column} FROM {f.link.table}"
                f"{where.format(column=f.link.owner_column)} ORDER BY {f.link.owner_column}, position"
            )
            for owner, target in run(sql)[1]:
                grouped[owner].append(target)
            links[f.name] = grouped
    columns, rows = run(f"SELECT * FROM {spec.table}{where.format(column='id')}")
    at = {name: n for n, name in enumerate(columns)}
    id_at = at["id"]
    readers = [(f.name, _reader(f, at, links.get(f.name, {}), id_at)) for f in spec.fields]
    return {(part, row[id_at]): {name: read(row) for name, read in readers} for row in rows}


def _reader(f: FieldSpec, at: dict[str, int], links: dict[str, list[str]], id_at: int) -> Callable[[Any], Any]:
    """How one field's value comes out of a row, in the form ``normalise_value`` gives it (done
    here per field rather than per value: reading a sync's records spent most of its time there)."""
    if f.type is FieldType.REFS:
        return lambda row: list(links.get(row[id_at], ()))
    n = at[f.column or ""]
    if f.type is FieldType.BOOL:
        return lambda row: bool(row[n])
    if f.is_list:
        return lambda row: decode_list(row[n]) if row[n] else []
    empty = f.default if f.type is FieldType.CHOICE else None
    return lambda row: empty if row[n] is None or row[n] == "" else row[n]


# ----- writing -----------------------------------------------------------------------------


def write_differences(conn: Connection, diffs: Mapping[Key, Values | None], current: State, *, stamp: str) -> set[str]:
    """Write ``diffs`` (new values, or None to delete) over ``current`` (what the store holds of
    those records now) inside the caller's write transaction; every record written is stamped
    ``stamp``. Returns the full-text tables whose text changed (for ``note_removed_text``)."""
    if keeps_versions(conn) or not diffs:
        return _write_differences(conn, diffs, current, stamp)
    from .sqlite.fts import merges_put_off

    kinds = {kind for part, _rid in diffs if (kind := kind_of(part)) is not None}
    with merges_put_off(conn, kinds):
        return _write_differences(conn, diffs, current, stamp)


def _write_differences(conn: Connection, diffs: Mapping[Key, Values | None], current: State, stamp: str) -> set[str]:
    touched: set[str] = set()
    batched: dict[tuple[Kind, tuple[str, ...]], list[tuple[str, dict[str, Any], bool]]] = defaultdict(list)
    batching = not keeps_versions(conn)
    created = [key for key, values in diffs.items() if values is not None and key not in current]
    for key in _in_order(created):
        kind = kind_of(key[0])
        assert kind is not None
        values = diffs[key]
        assert values is not None
        plain = {f.name: values.get(f.name) for f in KINDS[kind].fields if f.target is None}
        insert_record(conn, kind, plain, record_id=key[1], stamps=(stamp, stamp))
        touched.add(KINDS[kind].fts)
    for key in _in_order(diffs):
        values = diffs[key]
        if values is None:
            continue
        before = current.get(key)
        names = [f.name for f in fields_of(key[0]) if before is None and f.target is not None]
        if before is not None:
            names = [f.name for f in fields_of(key[0]) if values.get(f.name) != before.get(f.name)]
        if not names:
            continue
        changes = {name: values.get(name) for name in names}
        if key == CASE_KEY:
            _write_case(conn, changes, stamp)
            continue
        kind = kind_of(key[0])
        assert kind is not None
        touched.add(KINDS[kind].fts)
        if batching and before is not None and all(_plain(kind, name) for name in changes):
            batched[(kind, tuple(sorted(changes)))].append((key[1], changes, surely_fits(values)))
        else:
            apply_changes(conn, KINDS[kind], key[1], changes, updated_at=stamp)
    for (kind, _names), records in batched.items():
        for start in range(0, len(records), CHUNK):
            _update_plain(conn, kind, records[start : start + CHUNK], stamp)
    gone = _in_order(k for k, v in diffs.items() if v is None and k in current)
    if gone:  # records deleted together may refer to each other, in any order: checked at commit
        bulk_writes(conn).defer_foreign_keys(conn)
    for key in reversed(gone):
        kind = kind_of(key[0])
        assert kind is not None
        conn.execute(sa.text(f"DELETE FROM {KINDS[kind].table} WHERE id = :id"), {"id": key[1]})
        touched.add(KINDS[kind].fts)
    return touched


def _plain(kind: Kind, name: str) -> bool:
    """Whether a field's change is a column value and nothing more: no reference to check, no
    place in a day's order to keep (those go through ``apply_changes``, one record at a time)."""
    spec = KINDS[kind].by_name.get(name)
    return spec is not None and spec.target is None and spec.type is not FieldType.DATE


def _update_plain(conn: Connection, kind: Kind, records: list[tuple[str, dict[str, Any], bool]], stamp: str) -> None:
    """``apply_changes`` of the same plain fields to many records of a case file, with at most one
    size query (for the records that could be too large) and one batched update (a sync writes
    thousands: one statement each cost seconds). Each record is (id, changes, whether the whole
    record surely fits: ``sizes.surely_fits``)."""
    spec = KINDS[kind]
    ids = [rid for rid, _changes, _fits in records]
    rows: list[dict[str, Any]] = []
    for _rid, changes, _fits in records:
        columns: dict[str, Any] = {}
        for name, value in changes.items():
            f = spec.by_name[name]
            columns.update(to_columns(f, normalise(f, value)))
        rows.append(columns)
    measured = [(rid, columns) for (rid, _changes, fits), columns in zip(records, rows, strict=True) if not fits]
    if measured:
        _refuse_oversized_rows(conn, kind, [rid for rid, _c in measured], [c for _rid, c in measured])
    from .sqlite.bulk import update_by_id  # a case file's

    names = list(rows[0])
    values = ([rid, *(columns[name] for name in names)] for rid, columns in zip(ids, rows, strict=True))
    if update_by_id(conn, spec.table, names, values, {"updated_at": stamp}) != len(rows):
        raise RecordError(f"The {spec.label.lower()} no longer exists.")


def _refuse_oversized_rows(conn: Connection, kind: Kind, ids: list[str], rows: list[dict[str, Any]]) -> None:
    """``refuse_oversized`` for records that change the same columns, their stored sizes read at once."""
    spec = KINDS[kind]
    named = [(f.label, c) for f in spec.fields if f.type is not FieldType.BOOL for c in (f.column, f.key_column) if c]
    rest = [column for _label, column in named if column not in rows[0]]
    stored: dict[str, tuple[int, ...]] = {}
    if rest:
        lengths = ", ".join(str(byte_length(sa.column(c)).compile(dialect=conn.dialect)) for c in rest)
        for row in select_in(conn, f"SELECT id, {lengths} FROM {spec.table} WHERE id IN :ids", ids)[1]:
            stored[row[0]] = tuple(n or 0 for n in row[1:])
    for rid, columns in zip(ids, rows, strict=True):
        sizes: dict[str, int] = {column: text_bytes(columns[column]) for _label, column in named if column in columns}
        if not any(sizes.values()):
            continue
        sizes.update(zip(rest, stored.get(rid, (0,) * len(rest)), strict=True))
        found = oversize((label, sizes.get(column, 0)) for label, column in named)
        if found is not None:
            label, alone = found
            what = spec.label.lower()
            raise RecordError(f"{label} is {TOO_LONG}." if alone else f"The {what} would be {TOO_LARGE}.")


def _write_case(conn: Connection, changes: dict[str, Any], stamp: str) -> None:
    columns: dict[str, Any] = {}
    for f in CASE_FIELDS:
        if f.name in changes:
            columns.update(to_columns(f, normalise(f, changes[f.name])))
    refuse_oversized(conn, CASE_FIELDS, columns, "case", ("case_info", "n", 1))
    columns["updated_at"] = stamp
    sets = ", ".join(f"{name} = :{name}" for name in columns)
    conn.execute(sa.text(f"UPDATE case_info SET {sets} WHERE n = 1"), columns)


def _in_order(keys: Iterable[Key]) -> list[Key]:
    """Keys in document order (the case, sources, actors, ...)."""
    order = {part: n for n, part in enumerate((CASE, *_PARTS.values()))}
    return sorted(keys, key=lambda k: (order.get(k[0], len(order)), k[1]))


def write_to_store(store: CaseStore, diffs: Mapping[Key, Values | None], *, stamp: str) -> None:
    """``write_differences`` in a write transaction of its own on ``store`` (undo and redo of a
    sync in the app write a whole before or after state this way)."""
    with store.write() as conn:
        current = read_state(conn, diffs.keys())
        touched = write_differences(conn, diffs, current, stamp=stamp)
    for table in touched:
        store.note_removed_text(table)
