"""Changing many records of one kind at once: a tag added or removed, one field set, a delete.

Each change is one write transaction, whatever the number of records, so it lands whole or
not at all, and returns what undo needs to put every record back: the previous values of
the fields it changed (``BulkChange``) or the deleted records (``DeletedRecord``, restored in
reverse order so references among them come back too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from .errors import RecordError
from .fields import KINDS, FieldSpec, FieldType, Kind
from .records import (
    DeletedRecord,
    Record,
    Reference,
    _clear_reference,
    _references,
    apply_changes,
    insert_record,
    read_links,
    read_record,
)
from .sqlite.casefile import now_stamp
from .store import CaseStore
from .values import from_column, normalise

CHUNK = 500  # bind parameters per IN (...) list, well under SQLite's limit


@dataclass(frozen=True)
class BulkChange:
    """Field values of records before and after a change (only the records it changed)."""

    kind: Kind
    before: dict[str, Record] = field(default_factory=dict)
    after: dict[str, Record] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        """The records changed, in the order given."""
        return list(self.after)

    @property
    def fields(self) -> list[str]:
        """The fields changed."""
        return sorted({name for values in self.after.values() for name in values})


def settable_fields(kind: Kind) -> list[FieldSpec]:
    """Fields that can be set to one value on many records at once: a choice, a yes/no, a reference."""
    return [f for f in KINDS[kind].fields if f.type in (FieldType.CHOICE, FieldType.BOOL, FieldType.REF)]


def record_ids(cf: CaseStore, kind: Kind, rowids: Sequence[int]) -> list[str]:
    """Ids of the records with these row numbers, in the order given (gone ones left out)."""
    table = KINDS[kind].table
    found: dict[int, str] = {}
    with cf.read() as conn:
        for chunk in _chunks(list(rowids)):
            marks, binds = _in_list(chunk)
            for n, rid in conn.execute(sa.text(f"SELECT n, id FROM {table} WHERE n IN ({marks})"), binds):
                found[int(n)] = str(rid)
    return [found[n] for n in rowids if n in found]


def read_fields(conn: Connection, kind: Kind, ids: Sequence[str], names: Iterable[str]) -> dict[str, Record]:
    """``id -> {name: value}`` of some fields of these records, read in a few queries."""
    spec = KINDS[kind]
    specs = [spec.field(name) for name in names]
    columns = [f for f in specs if f.column is not None]
    out: dict[str, Record] = {}
    for chunk in _chunks(list(ids)):
        marks, binds = _in_list(chunk)
        selected = ", ".join(["id", *(f.column for f in columns if f.column)])
        for row in conn.execute(sa.text(f"SELECT {selected} FROM {spec.table} WHERE id IN ({marks})"), binds):
            out[str(row[0])] = {f.name: from_column(f, raw) for f, raw in zip(columns, row[1:], strict=True)}
    for f in specs:
        if f.type is FieldType.REFS:
            for rid, values in out.items():
                values[f.name] = read_links(conn, f, rid)
    return out


def change_each(
    cf: CaseStore, kind: Kind, ids: Sequence[str], names: Sequence[str], change: Callable[[Record], Record | None]
) -> BulkChange:
    """Give each record the values ``change`` makes of its current ``names`` fields (None: leave
    it as it is), in one transaction. RecordError for a value a record cannot hold, and then
    no record is changed."""
    spec = KINDS[kind]
    result = BulkChange(kind)
    stamp = now_stamp()
    with cf.write() as conn:
        current = read_fields(conn, kind, ids, names)
        missing = [rid for rid in ids if rid not in current]
        if missing:
            raise RecordError(f"{len(missing)} of the {len(ids)} records no longer exist; nothing was changed.")
        for rid in ids:
            old = current[rid]
            new = change(old)
            if new is None or new == {name: old[name] for name in new}:
                continue
            apply_changes(conn, spec, rid, new, updated_at=stamp)
            result.before[rid] = {name: old[name] for name in new}
            result.after[rid] = dict(new)
    cf.note_removed_text(spec.fts)
    return result


def add_tag(cf: CaseStore, kind: Kind, ids: Sequence[str], tag: str) -> BulkChange:
    """Add ``tag`` to each record that does not have it yet."""
    tag = _one_tag(kind, tag)

    def add(old: Record) -> Record | None:
        tags = list(old["tags"])
        return None if tag in tags else {"tags": [*tags, tag]}

    return change_each(cf, kind, ids, ["tags"], add)


def remove_tag(cf: CaseStore, kind: Kind, ids: Sequence[str], tag: str) -> BulkChange:
    """Take ``tag`` off each record that has it."""
    tag = _one_tag(kind, tag)

    def remove(old: Record) -> Record | None:
        tags = list(old["tags"])
        return {"tags": [t for t in tags if t != tag]} if tag in tags else None

    return change_each(cf, kind, ids, ["tags"], remove)


def set_field(cf: CaseStore, kind: Kind, ids: Sequence[str], name: str, value: Any) -> BulkChange:
    """Set one field to the same value on every record."""
    spec = KINDS[kind]
    if name not in spec.by_name:
        raise RecordError(f'A {spec.label.lower()} has no field "{name}".')
    value = normalise(spec.field(name), value)
    return change_each(cf, kind, ids, [name], lambda old: None if old[name] == value else {name: value})


def write_values(cf: CaseStore, kind: Kind, values: dict[str, Record], *, restoring: bool = False) -> None:
    """Store field values of many records in one transaction (what undo and redo write back).

    ``restoring``: a reference among the values to a record that no longer exists is left out.
    """
    spec = KINDS[kind]
    stamp = now_stamp()
    with cf.write() as conn:
        for rid, changes in values.items():
            apply_changes(conn, spec, rid, changes, updated_at=stamp, drop_missing=restoring)
    cf.note_removed_text(spec.fts)


def _one_tag(kind: Kind, tag: str) -> str:
    spec = KINDS[kind]
    if "tags" not in spec.by_name:
        raise RecordError(f"{spec.plural} have no tags.")
    tags = normalise(spec.field("tags"), [tag])
    if not isinstance(tags, list) or len(tags) != 1:
        raise RecordError("Type the tag to use.")
    return str(tags[0])


# ----- deleting ---------------------------------------------------------------------------


def references_from_outside(cf: CaseStore, kind: Kind, ids: Sequence[str]) -> list[Reference]:
    """The records outside ``ids`` that refer to any of them (each referring field once)."""
    chosen = set(ids)
    seen: set[tuple[Kind, str, str]] = set()
    found: list[Reference] = []
    with cf.read() as conn:
        for rid in ids:
            for ref in _references(conn, kind, rid):
                key = (ref.kind, ref.id, ref.field)
                if (ref.kind is kind and ref.id in chosen) or key in seen:
                    continue
                seen.add(key)
                found.append(ref)
    return found


def delete_records(cf: CaseStore, kind: Kind, ids: Sequence[str]) -> list[DeletedRecord]:
    """Delete the records and the references to them, in one transaction; the result restores them
    (``restore_records``)."""
    spec = KINDS[kind]
    deleted: list[DeletedRecord] = []
    with cf.write() as conn:
        for rid in ids:
            values = read_record(conn, kind, rid)
            cleared = [_clear_reference(conn, ref, rid) for ref in _references(conn, kind, rid)]
            conn.execute(sa.text(f"DELETE FROM {spec.table} WHERE id = :id"), {"id": rid})
            deleted.append(DeletedRecord(kind, values, cleared))
    cf.note_removed_text(spec.fts)
    for kind_cleared in {ref.kind for d in deleted for ref in d.cleared}:
        cf.note_removed_text(KINDS[kind_cleared].fts)
    return deleted


def restore_records(cf: CaseStore, deleted: Sequence[DeletedRecord]) -> None:
    """Put deleted records back with their ids and stamps, and the references cleared with them."""
    with cf.write() as conn:
        # Last deleted first: each one's values were read after the earlier deletes had cleared
        # references among them, which its own cleared list then puts back.
        for d in reversed(deleted):
            values = dict(d.values)
            rid = values.pop("id")
            stamps = (values.pop("created_at"), values.pop("updated_at"))
            insert_record(conn, d.kind, values, record_id=rid, stamps=stamps, drop_missing=True)
            for ref in reversed(d.cleared):
                changes = {ref.field: ref.old_value}
                apply_changes(conn, KINDS[ref.kind], ref.id, changes, updated_at=ref.old_updated_at, drop_missing=True)


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _in_list(values: Sequence[object]) -> tuple[str, dict[str, object]]:
    return ", ".join(f":v{i}" for i in range(len(values))), {f"v{i}": v for i, v in enumerate(values)}
