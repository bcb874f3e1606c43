"""The history a server keeps of a team case: who changed which field of which record, and when.

The rows are written by the server's triggers (``migrations.p0004_history``); this module only
reads them and turns stored column values back into field values and short text to show.
A case file keeps no history: asking a case file for it raises ``NoHistoryError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from ..dates import PartialDate
from ..errors import CaseFileError
from ..fields import CASE_FIELDS, KINDS, FieldSpec, FieldType, Kind
from ..records import record_title, short_label
from ..store import CaseStore
from ..values import from_column
from ..versions import keeps_versions

HISTORY_TABLE = "history"  # made by migrations.p0004_history, which the app does not import to start
CASE_KIND = "case"  # ``history.kind`` of the case's own fields
_OPERATIONS = {"insert": "created", "update": "changed", "delete": "deleted"}


class NoHistoryError(CaseFileError):
    """The case is a file, or a team case from before the server kept history."""


@dataclass(frozen=True)
class Change:
    """One history row: a record created or deleted, or one field of it changed."""

    id: int
    at: datetime
    by: str
    kind: str  # a Kind value, or "case"
    record_id: str
    record: str  # the record's kind and title, e.g. 'Actor "Meta"'
    operation: str  # insert, update or delete
    field: str | None  # the field's name (None when the row is a whole record created or deleted)
    label: str  # the field's label, or "created" / "deleted"
    old: Any  # the field's values, or None
    new: Any
    old_text: str  # the values as short text
    new_text: str


def last_change(conn: Connection, record_id: str) -> tuple[str | None, str | None]:
    """Who made the latest recorded change to a record, and when (UTC ISO); (None, None) if none."""
    row = conn.execute(
        sa.text(f"SELECT by, at FROM {HISTORY_TABLE} WHERE record_id = :id ORDER BY id DESC LIMIT 1"),
        {"id": record_id},
    ).first()
    return (row[0], row[1].isoformat()) if row else (None, None)


def changes(store: CaseStore, *, record_id: str | None = None, limit: int = 50) -> list[Change]:
    """The latest ``limit`` changes, newest first; only those of one record with ``record_id``."""
    with store.read() as conn:
        if not keeps_versions(conn):
            raise NoHistoryError(f"History is kept only for team cases: {store.display_name} is a case file.")
        if conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": HISTORY_TABLE}).scalar() is None:
            raise NoHistoryError(f"{store.display_name} keeps no history yet; its owner must open it once.")
        where = "WHERE record_id = :record_id " if record_id else ""
        rows = conn.execute(
            sa.text(
                "SELECT id, at, by, kind, record_id, field, operation, old_value, new_value "
                f"FROM {HISTORY_TABLE} {where}ORDER BY id DESC LIMIT :limit"
            ),
            {"record_id": record_id, "limit": max(0, limit)},
        ).all()
        titles: dict[tuple[str, str], str] = {}
        return [_change(conn, row, titles) for row in rows]


def _fields(kind: str) -> tuple[FieldSpec, ...]:
    if kind == CASE_KIND:
        return CASE_FIELDS
    return KINDS[Kind(kind)].fields


def _field(kind: str, stored: str) -> FieldSpec | None:
    """The field a history row names: a column, or a list field by its name."""
    for spec in _fields(kind):
        if spec.column == stored or (spec.column is None and spec.name == stored):
            return spec
    return None


def _change(conn: Connection, row: Any, titles: dict[tuple[str, str], str]) -> Change:
    kind, operation = row.kind, row.operation
    spec = _field(kind, row.field) if row.field else None
    field, old, new = None, None, None
    if spec is not None:  # one field's old and new value (a list of links also when created or deleted)
        field, label = spec.name, spec.label
        old, new = _value(spec, row.old_value), _value(spec, row.new_value)
        old_text, new_text = _shown(conn, spec, old, titles), _shown(conn, spec, new, titles)
    elif row.field:  # a column this Casefile does not declare: shown as stored
        label = row.field
        old_text, new_text = short_label(str(row.old_value), 40), short_label(str(row.new_value), 40)
    else:  # a whole record created or deleted
        label = _OPERATIONS[operation]
        values = row.new_value if operation == "insert" else row.old_value
        text = _record_text(kind, values) if isinstance(values, dict) else ""
        old_text, new_text = ("", text) if operation == "insert" else (text, "")
    return Change(
        id=row.id,
        at=row.at,
        by=row.by,
        kind=kind,
        record_id=row.record_id,
        record=_record_name(conn, kind, row.record_id, row, titles),
        operation=operation,
        field=field,
        label=label,
        old=old,
        new=new,
        old_text=old_text,
        new_text=new_text,
    )


def _value(spec: FieldSpec, raw: Any) -> Any:
    if spec.type is FieldType.REFS:
        return list(raw or [])
    return from_column(spec, raw)


def _shown(conn: Connection, spec: FieldSpec, value: Any, titles: dict[tuple[str, str], str]) -> str:
    """A value as short text: dates as people write them, references by their record's title."""
    if value is None or value == [] or value == "":
        return "(empty)"
    if isinstance(value, PartialDate):
        return value.display()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if spec.target is not None:
        ids = value if isinstance(value, list) else [value]
        return short_label(", ".join(_title(conn, spec.target.value, i, titles) or i for i in ids), 40)
    if isinstance(value, list):
        return short_label("; ".join(str(v) for v in value), 40)
    return short_label(str(value), 40)


def _title(conn: Connection, kind: str, record_id: str, titles: dict[tuple[str, str], str]) -> str:
    if (kind, record_id) not in titles:
        titles[kind, record_id] = "" if kind == CASE_KIND else record_title(conn, Kind(kind), record_id)
    return titles[kind, record_id]


def _record_text(kind: str, values: dict[str, Any]) -> str:
    """The title of a record from the values a created or deleted row recorded."""
    if kind == CASE_KIND:
        return short_label(values.get("title"), 40)
    spec = KINDS[Kind(kind)]
    column = spec.field(spec.title_field).column
    return short_label(values.get(column or ""), 40)


def _record_name(conn: Connection, kind: str, record_id: str, row: Any, titles: dict[tuple[str, str], str]) -> str:
    if kind == CASE_KIND:
        return "Case"
    title = _title(conn, kind, record_id, titles)
    if not title and isinstance(row.old_value or row.new_value, dict):
        title = _record_text(kind, row.old_value or row.new_value)
    return f"{KINDS[Kind(kind)].label} “{short_label(title, 40)}”" if title else KINDS[Kind(kind)].label
