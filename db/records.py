"""Create, read, update and delete single records, and what undo needs to reverse each.

Each write is one transaction. ``update_record`` returns the previous values and
``delete_record`` returns everything needed to put the record and the references to it
back exactly as they were, so an undo command is one call each way.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from . import day_order, versions
from .errors import RecordError, ReferencedError
from .fields import (
    CASE_FIELDS,
    CASE_FIELDS_BY_NAME,
    KINDS,
    FieldSpec,
    FieldType,
    Kind,
    KindSpec,
    references_to,
)
from .sizes import refuse_oversized
from .sqlite.casefile import now_stamp
from .store import CaseStore
from .values import from_column, normalise, to_columns

Record = dict[str, Any]
log = logging.getLogger("casefile.records")


@dataclass(frozen=True)
class Reference:
    """A record that points at another one through ``field``."""

    kind: Kind
    id: str
    field: str
    label: str  # the referring record's title, for messages

    def describe(self) -> str:
        """e.g. 'Statement “We share the…” (Speaker)'."""
        spec = KINDS[self.kind]
        return f"{spec.label} “{self.label}” ({spec.field(self.field).label})"


@dataclass(frozen=True)
class ClearedReference:
    """A reference removed by a delete: enough to restore it and its ``updated_at``."""

    kind: Kind
    id: str
    field: str
    old_value: Any
    old_updated_at: str


@dataclass(frozen=True)
class DeletedRecord:
    """A deleted record with every value, and the references that were removed with it."""

    kind: Kind
    values: Record
    cleared: list[ClearedReference] = field(default_factory=list)
    day: list[str] = field(default_factory=list)  # the order of its day (db/day_order.py)


def new_id() -> str:
    """A fresh record UUID."""
    return str(uuid.uuid4())


_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_uuid(text: str) -> bool:
    """True for a canonical (lower-case) 8-4-4-4-12 hex UUID string."""
    return _UUID_TEXT.fullmatch(text) is not None


def short_label(text: str | None, limit: int = 60) -> str:
    """One line of at most ``limit`` characters, for messages and pickers."""
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


# ----- the case ---------------------------------------------------------------------------


def insert_case_row(conn: Connection, *, title: str, values: dict[str, Any] | None = None) -> None:
    """Write the single case row of a new file (during file creation)."""
    fields: dict[str, Any] = {"title": title, **(values or {})}
    columns: dict[str, Any] = {}
    for spec in CASE_FIELDS:
        columns.update(to_columns(spec, normalise(spec, fields.get(spec.name))))
    stamp = now_stamp()
    columns.update({"n": 1, "id": new_id(), "created_at": stamp, "updated_at": stamp})
    _insert_row(conn, "case_info", columns)


def get_case(cf: CaseStore) -> Record:
    """The case's fields (title, subtitle, summary, marking, prepared_by, as_of) and stamps."""
    with cf.read() as conn:
        return _case_values(conn)


def _case_values(conn: Connection) -> Record:
    row = conn.execute(sa.text("SELECT * FROM case_info WHERE n = 1")).mappings().one()
    out: Record = {spec.name: from_column(spec, row[spec.column]) for spec in CASE_FIELDS if spec.column}
    out.update(id=row["id"], created_at=row["created_at"], updated_at=row["updated_at"])
    return out


def read_case(conn: Connection) -> Record:
    """``get_case`` inside an existing transaction."""
    return _case_values(conn)


def update_case(
    cf: CaseStore, changes: dict[str, Any], *, expected_version: int | None = None, after: versions.Seen | None = None
) -> Record:
    """Change case fields; return their previous values. ``expected_version``, ``after``: as for
    ``update_record``."""
    specs = [_case_field(name) for name in changes]
    old = get_case(cf)
    columns: dict[str, Any] = {}
    for spec in specs:
        columns.update(to_columns(spec, normalise(spec, changes[spec.name])))
    columns["updated_at"] = now_stamp()
    with cf.write() as conn:
        versions.check(
            conn, "case_info", ("n", 1), expected_version, changes,
            field_of=_case_field, current=lambda: _case_values(conn), what="case",
        )  # fmt: skip
        refuse_oversized(conn, CASE_FIELDS, columns, "case", ("case_info", "n", 1))
        _update_row(conn, "case_info", "n", 1, columns)
        if after is not None:
            after.version = versions.read_version(conn, "case_info", "n", 1)
    return {spec.name: old[spec.name] for spec in specs}


def _case_field(name: str) -> FieldSpec:
    try:
        return CASE_FIELDS_BY_NAME[name]
    except KeyError:
        raise RecordError(f'The case has no field "{name}".') from None


# ----- reading ----------------------------------------------------------------------------


def get_record(cf: CaseStore, kind: Kind, record_id: str) -> Record:
    """Every field of one record (plus id and stamps); RecordError if there is no such record."""
    with cf.read() as conn:
        return read_record(conn, kind, record_id)


def read_record(conn: Connection, kind: Kind, record_id: str) -> Record:
    """``get_record`` inside an existing transaction."""
    spec = KINDS[kind]
    sql = sa.text(f"SELECT * FROM {spec.table} WHERE id = :id")
    row = conn.execute(sql, {"id": record_id}).mappings().one_or_none()
    if row is None:
        raise RecordError(f"The {spec.label.lower()} no longer exists.")
    out: Record = {"id": row["id"], "created_at": row["created_at"], "updated_at": row["updated_at"]}
    for f in spec.fields:
        if f.type is FieldType.REFS:
            out[f.name] = read_links(conn, f, record_id)
        else:
            assert f.column is not None
            out[f.name] = from_column(f, row[f.column])
    return out


def record_exists(conn: Connection, kind: Kind, record_id: str) -> bool:
    """True when a record of ``kind`` has this id."""
    table = KINDS[kind].table
    return conn.execute(sa.text(f"SELECT 1 FROM {table} WHERE id = :id"), {"id": record_id}).first() is not None


def read_links(conn: Connection, spec: FieldSpec, owner_id: str) -> list[str]:
    """Target ids of a link field, in their stored order."""
    link = spec.link
    assert link is not None
    rows = conn.execute(
        sa.text(f"SELECT {link.target_column} FROM {link.table} WHERE {link.owner_column} = :owner ORDER BY position"),
        {"owner": owner_id},
    )
    return [r[0] for r in rows]


def record_title(conn: Connection, kind: Kind, record_id: str) -> str:
    """The short title of a record (name, title or text), or "" if it does not exist."""
    spec = KINDS[kind]
    column = spec.field(spec.title_field).column
    row = conn.execute(sa.text(f"SELECT {column} FROM {spec.table} WHERE id = :id"), {"id": record_id}).first()
    return short_label(row[0]) if row else ""


# ----- writing ----------------------------------------------------------------------------


def add_record(cf: CaseStore, kind: Kind, values: dict[str, Any] | None = None) -> str:
    """Create a record from field values (missing fields take their defaults); return its id."""
    with cf.write() as conn:
        return insert_record(conn, kind, values or {})


def insert_record(
    conn: Connection,
    kind: Kind,
    values: dict[str, Any],
    *,
    record_id: str | None = None,
    stamps: tuple[str, str] | None = None,
    drop_missing: bool = False,
) -> str:
    """``add_record`` inside an existing write transaction (also used to restore a deleted record).

    ``drop_missing`` (restoring values the file held): a reference to a record that does not
    exist is left out instead of refusing the record.
    """
    spec = KINDS[kind]
    unknown = set(values) - set(spec.by_name) - {"id", "created_at", "updated_at"}
    if unknown:
        raise RecordError(f"A {spec.label.lower()} has no field {sorted(unknown)[0]!r}.")
    rid = record_id or new_id()
    stamp = now_stamp()  # one reading: a new record's created_at and updated_at are the same instant
    created, updated = stamps or (stamp, stamp)
    columns: dict[str, Any] = {"id": rid, "created_at": created, "updated_at": updated}
    links: list[tuple[FieldSpec, list[str]]] = []
    for f in spec.fields:
        value = normalise(f, values.get(f.name, f.default))
        value = _check_target(conn, f, value, dropping=_ids(value) if drop_missing else ())
        if f.type is FieldType.REFS:
            assert isinstance(value, list)
            links.append((f, value))
        else:
            columns.update(to_columns(f, value))
    refuse_oversized(conn, spec.fields, columns, spec.label.lower())
    _insert_row(conn, spec.table, columns)
    for f, ids in links:
        write_links(conn, f, rid, ids)
    day_order.place(conn, kind, rid)
    return rid


def update_record(
    cf: CaseStore,
    kind: Kind,
    record_id: str,
    changes: dict[str, Any],
    *,
    restoring: bool = False,
    expected_version: int | None = None,
    after: versions.Seen | None = None,
) -> Record:
    """Change some fields of a record; return the previous values of those fields.

    ``restoring`` (an undo putting back values the file held): a reference among them to a
    record that no longer exists is left out rather than refused. ``expected_version`` (a team
    case): the version read before editing; ConflictError if someone changed the record since
    (``db.versions``). A case file has one writer, so there it is not needed and not checked.
    ``after`` is given the version the change left (None on a case file, with no query).
    """
    spec = KINDS[kind]
    with cf.write() as conn:
        versions.check(
            conn, spec.table, ("id", record_id), expected_version, changes,
            field_of=spec.field, current=lambda: read_record(conn, kind, record_id), what=spec.label.lower(),
        )  # fmt: skip
        old = read_record(conn, kind, record_id)
        apply_changes(conn, spec, record_id, changes, updated_at=now_stamp(), drop_missing=restoring)
        if after is not None:
            after.version = versions.read_version(conn, spec.table, "id", record_id)
    cf.note_removed_text(spec.fts)
    return {name: old[name] for name in changes}


def apply_changes(
    conn: Connection,
    spec: KindSpec,
    record_id: str,
    changes: dict[str, Any],
    *,
    updated_at: str,
    drop_missing: bool = False,
) -> None:
    """Write field changes to one record inside an existing transaction.

    A list of references is written anew, so a reference it held to a record that does not
    exist (a received file can hold one) is left out rather than refusing the change; with
    ``drop_missing`` any reference to no record is (restoring values the file held).
    """
    columns: dict[str, Any] = {}
    for name, value in changes.items():
        try:
            f = spec.field(name)
        except KeyError:
            raise RecordError(f'A {spec.label.lower()} has no field "{name}".') from None
        value = normalise(f, value)
        if f.type is FieldType.REF and f.target is spec.kind and value == record_id:
            raise RecordError(f"{f.label}: a record cannot refer to itself.")
        held = _ids(value) if drop_missing else read_links(conn, f, record_id) if f.type is FieldType.REFS else ()
        value = _check_target(conn, f, value, dropping=held)
        if f.type is FieldType.REFS:
            assert isinstance(value, list)
            write_links(conn, f, record_id, value)
        else:
            columns.update(to_columns(f, value))
    refuse_oversized(conn, spec.fields, columns, spec.label.lower(), (spec.table, "id", record_id))
    columns["updated_at"] = updated_at
    dated = spec.date_field is not None and spec.field(spec.date_field).key_column in columns
    old_key = day_order.key_before_change(conn, spec.kind, record_id) if dated else None
    if not _update_row(conn, spec.table, "id", record_id, columns):
        raise RecordError(f"The {spec.label.lower()} no longer exists.")
    if dated:
        day_order.replace_if_moved(conn, spec.kind, record_id, old_key)


def write_links(conn: Connection, spec: FieldSpec, owner_id: str, target_ids: list[str]) -> None:
    """Replace the links of one record's list field with ``target_ids`` (in that order)."""
    link = spec.link
    assert link is not None
    conn.execute(sa.text(f"DELETE FROM {link.table} WHERE {link.owner_column} = :owner"), {"owner": owner_id})
    if target_ids:
        conn.execute(
            sa.text(
                f"INSERT INTO {link.table} ({link.owner_column}, {link.target_column}, position) "
                "VALUES (:owner, :target, :position)"
            ),
            [{"owner": owner_id, "target": target, "position": i} for i, target in enumerate(target_ids)],
        )


def _insert_row(conn: Connection, table: str, columns: dict[str, Any]) -> None:
    """Insert one row; the bind names are the column names."""
    names = ", ".join(columns)
    binds = ", ".join(f":{name}" for name in columns)
    conn.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({binds})"), columns)


def _update_row(conn: Connection, table: str, key: str, value: object, columns: dict[str, Any]) -> bool:
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    result = conn.execute(
        sa.text(f"UPDATE {table} SET {assignments} WHERE {key} = :row_key"), {**columns, "row_key": value}
    )
    return bool(result.rowcount)


def _ids(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []


def _check_target(conn: Connection, spec: FieldSpec, value: object, *, dropping: Collection[str] = ()) -> object:
    """``value`` once every record it refers to is known to exist: RecordError for one that does
    not, unless it is in ``dropping`` (references the file already held), which is left out."""
    if spec.target is None or not value:
        return value
    target = KINDS[spec.target]
    kept: list[str] = []
    for target_id in _ids(value):
        if record_exists(conn, spec.target, target_id):
            kept.append(target_id)
        elif target_id in dropping:
            log.warning("%s referred to no existing %s; that reference was left out", spec.label, target.label.lower())
        else:
            raise RecordError(f"{spec.label}: the {target.label.lower()} no longer exists.")
    if isinstance(value, list):
        return kept
    return kept[0] if kept else None


# ----- deleting and restoring -------------------------------------------------------------


def find_references(cf: CaseStore, kind: Kind, record_id: str) -> list[Reference]:
    """Every record that points at this one (speaker, issuer, party, source, ...)."""
    with cf.read() as conn:
        return _references(conn, kind, record_id)


def _references(conn: Connection, kind: Kind, record_id: str) -> list[Reference]:
    found: list[Reference] = []
    for owner_kind, f in references_to(kind):
        owner = KINDS[owner_kind]
        title_column = owner.field(owner.title_field).column
        if f.type is FieldType.REFS:
            link = f.link
            assert link is not None
            sql = (
                f"SELECT o.id, o.{title_column} FROM {link.table} l JOIN {owner.table} o "
                f"ON o.id = l.{link.owner_column} WHERE l.{link.target_column} = :target ORDER BY o.n"
            )
        else:
            sql = f"SELECT id, {title_column} FROM {owner.table} WHERE {f.column} = :target ORDER BY n"
        for owner_id, title in conn.execute(sa.text(sql), {"target": record_id}):
            if owner_kind is kind and owner_id == record_id:
                continue  # an actor affiliated with itself is not a reference to keep
            found.append(Reference(owner_kind, owner_id, f.name, short_label(title)))
    return found


def delete_record(
    cf: CaseStore, kind: Kind, record_id: str, *, remove_references: bool = False, expected_version: int | None = None
) -> DeletedRecord:
    """Delete a record. If others refer to it, raise ReferencedError unless ``remove_references``,
    which first clears those references (one transaction); the result can restore everything.
    ``expected_version`` (a team case): the version the user saw; ConflictError if someone
    changed the record since (``db.versions.check_unchanged``).
    """
    spec = KINDS[kind]
    with cf.write() as conn:
        versions.check_unchanged(
            conn, spec.table, ("id", record_id), expected_version,
            current=lambda: read_record(conn, kind, record_id), what=spec.label.lower(),
        )  # fmt: skip
        values = read_record(conn, kind, record_id)
        refs = _references(conn, kind, record_id)
        if refs and not remove_references:
            listed = "; ".join(r.describe() for r in refs[:5])
            more = f" and {len(refs) - 5} more" if len(refs) > 5 else ""
            raise ReferencedError(
                f"The {spec.label.lower()} is referred to by {len(refs)} record(s): {listed}{more}.",
                list(refs),
            )
        cleared = [_clear_reference(conn, ref, record_id) for ref in refs]
        day = day_order.day_around(conn, kind, record_id)
        conn.execute(sa.text(f"DELETE FROM {spec.table} WHERE id = :id"), {"id": record_id})
    cf.note_removed_text(spec.fts)
    for ref in cleared:
        cf.note_removed_text(KINDS[ref.kind].fts)
    return DeletedRecord(kind, values, cleared, day)


def _clear_reference(conn: Connection, ref: Reference, target_id: str) -> ClearedReference:
    owner = KINDS[ref.kind]
    f = owner.field(ref.field)
    current = read_record(conn, ref.kind, ref.id)
    old_value = current[ref.field]
    new_value: Any = [v for v in old_value if v != target_id] if f.type is FieldType.REFS else None
    apply_changes(conn, owner, ref.id, {ref.field: new_value}, updated_at=now_stamp())
    return ClearedReference(ref.kind, ref.id, ref.field, old_value, current["updated_at"])


def restore_record(cf: CaseStore, deleted: DeletedRecord) -> None:
    """Put a deleted record back with its id and stamps, and restore the references cleared with it."""
    values = dict(deleted.values)
    rid = values.pop("id")
    stamps = (values.pop("created_at"), values.pop("updated_at"))
    with cf.write() as conn:
        # What the file held goes back, except a reference to a record that does not exist
        # (a received file can hold one): the foreign keys would refuse the whole record.
        insert_record(conn, deleted.kind, values, record_id=rid, stamps=stamps, drop_missing=True)
        day_order.put_back(conn, deleted.kind, rid, deleted.day)
        # In reverse: a record that referred through two fields (issuer and party) was
        # stamped by the first clearing, so only the first one holds its original updated_at.
        for ref in reversed(deleted.cleared):
            changes = {ref.field: ref.old_value}
            apply_changes(conn, KINDS[ref.kind], ref.id, changes, updated_at=ref.old_updated_at, drop_missing=True)


# The briefing options live in their own module; they are read and written through this one too.
from .briefing_options import get_briefing_options as get_briefing_options  # noqa: E402
from .briefing_options import set_briefing_options as set_briefing_options  # noqa: E402
