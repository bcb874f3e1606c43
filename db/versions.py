"""Record versions: no silent overwrite of someone else's change on a team case.

On a server every record row carries a ``version`` the server bumps on each change
(``db.postgres.migrations.p0004_history``). A client notes the version it read; a write that
names it goes through only if the row still has it, else ``ConflictError`` says what is stored
now and who changed it. A case file has one writer at a time (it is locked while open), so there
the check is a no-op and no version is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from .errors import CaseFileError, ConflictError
from .fields import KINDS, FieldSpec, Kind
from .store import CaseStore
from .values import normalise

Record = dict[str, Any]


def keeps_versions(conn: Connection) -> bool:
    """True on a team case: only the server keeps versions."""
    return conn.dialect.name == "postgresql"


def read_version(conn: Connection, table: str, key_column: str, key: object, *, lock: bool = False) -> int | None:
    """The row's version (None on a case file, or when there is no such row); ``lock`` holds the
    row until the transaction ends, so nobody can change it between the check and the write."""
    if not keeps_versions(conn):
        return None
    lock_clause = " FOR UPDATE" if lock else ""
    sql = sa.text(f"SELECT version FROM {table} WHERE {key_column} = :key{lock_clause}")
    value = conn.execute(sql, {"key": key}).scalar()
    return None if value is None else int(value)


@dataclass
class Seen:
    """The version of a record (or of the case's fields) a user has seen: a save expects it and,
    once made, holds the version the save left (read in the save's own transaction, so nobody
    else's change can slip in between). None on a case file."""

    version: int | None = None


def record_version(store: CaseStore, kind: Kind, record_id: str) -> int | None:
    """The version of a record as stored now; None on a case file."""
    with store.read() as conn:
        return read_version(conn, KINDS[kind].table, "id", record_id)


def case_version(store: CaseStore) -> int | None:
    """The version of the case's own fields as stored now; None on a case file."""
    with store.read() as conn:
        return read_version(conn, "case_info", "n", 1)


def read_with_version(store: CaseStore, kind: Kind, record_id: str) -> tuple[Record, int | None]:
    """A record and its version. The version is read first: should someone change the record in
    between, the version is the older one, so a save shows a conflict rather than overwrite."""
    from .records import read_record

    with store.read() as conn:
        version = read_version(conn, KINDS[kind].table, "id", record_id)
        return read_record(conn, kind, record_id), version


def case_with_version(store: CaseStore) -> tuple[Record, int | None]:
    """The case's own fields and their version (read first, as in ``read_with_version``)."""
    from .records import read_case

    with store.read() as conn:
        version = read_version(conn, "case_info", "n", 1)
        return read_case(conn), version


def changed_since(store: CaseStore, kind: Kind, expected: dict[str, Record]) -> list[str]:
    """The ids of records whose fields no longer hold ``expected`` (``id -> {field: value}``):
    someone else changed them since. A record deleted since counts as changed."""
    from .bulk_edits import read_fields

    names = sorted({name for values in expected.values() for name in values})
    with store.read() as conn:
        stored = read_fields(conn, kind, list(expected), names)
    return [rid for rid, values in expected.items() if stored.get(rid) != values]


def check(
    conn: Connection,
    table: str,
    key: tuple[str, object],
    expected: int | None,
    changes: dict[str, Any],
    *,
    field_of: Callable[[str], FieldSpec],
    current: Callable[[], Record],
    what: str,
) -> None:
    """Inside a write transaction: refuse ``changes`` with ConflictError when the row no longer
    has version ``expected``, unless what is stored is already what they would write (both made
    the same change: nothing of theirs would be lost). No-op when ``expected`` is None or on a
    case file."""
    if expected is None or not keeps_versions(conn):
        return
    stored = read_version(conn, table, key[0], key[1], lock=True)
    if stored is None or stored == expected:
        return  # a missing record is reported by the write itself, as on a file
    theirs = current()
    if all(_same(field_of, name, value, theirs) for name, value in changes.items()):
        return
    raise _conflict(conn, theirs, stored, f"changed this {what} after you opened it; your change was not saved.")


def check_unchanged(
    conn: Connection,
    table: str,
    key: tuple[str, object],
    expected: int | None,
    *,
    current: Callable[[], Record],
    what: str,
) -> None:
    """Inside a write transaction, before deleting a row: ConflictError when it no longer has
    version ``expected``. Unlike ``check`` no change is the same as theirs: deleting would take
    whatever they changed with it. No-op when ``expected`` is None or on a case file."""
    if expected is None or not keeps_versions(conn):
        return
    stored = read_version(conn, table, key[0], key[1], lock=True)
    if stored is None or stored == expected:
        return  # deleted meanwhile: the delete itself reports it
    raise _conflict(conn, current(), stored, f"changed this {what} after you opened it; it was not deleted.")


def _conflict(conn: Connection, theirs: Record, version: int, said: str) -> ConflictError:
    from .postgres.history import last_change

    by, at = last_change(conn, str(theirs.get("id", "")))
    who = f" ({by})" if by else ""
    return ConflictError(f"Someone else{who} {said}", theirs, version, by, at)


def _same(field_of: Callable[[str], FieldSpec], name: str, value: Any, theirs: Record) -> bool:
    try:
        spec = field_of(name)
    except (KeyError, CaseFileError):  # an unknown field or a value that would be refused
        return False
    return name in theirs and theirs[name] == normalise(spec, value)
