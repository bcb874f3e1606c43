"""What an offline copy keeps of its master, in its own tables (migrations 9 and 10): the
master's address, both sides' marks of each record, its base once the copy has changed it (the
copy's own triggers keep it; until then the record is its own base), and the conflicts left
for later.

The SQL of those tables; the sync itself is ``db/replica.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from .address import describe
from .merge import Conflict, Key, Reason, State, Values
from .merge_store import CHUNK, BaseMarks, select_in, select_rows, values_of_rows
from .store import CaseStore
from .versions import keeps_versions


@dataclass(frozen=True)
class ReplicaInfo:
    """What an offline copy remembers of its master."""

    master: str  # a case file's absolute path, or a server address without its password
    master_case: str  # the id of the master's case
    taken_at: str
    synced_at: str | None
    since: str  # a record stamped at or after this may have changed since the last sync

    @property
    def shown(self) -> str:
        return describe(self.master)


# ----- the copy's bookkeeping ---------------------------------------------------------------


def read_info(conn: Connection) -> ReplicaInfo | None:
    """The copy's master, or None for a case file that is not an offline copy (or a server case)."""
    if keeps_versions(conn):
        return None
    row = conn.execute(sa.text("SELECT master, master_case, taken_at, synced_at, since FROM replica")).first()
    return ReplicaInfo(*row) if row else None


def replica_info(store: CaseStore) -> ReplicaInfo | None:
    """``read_info`` on an open store."""
    with store.read() as conn:
        return read_info(conn)


def master_of(store: CaseStore) -> str | None:
    """The master's address an offline copy remembers, or None for any other case."""
    info = replica_info(store)
    return info.master if info else None


def postponed(store: CaseStore) -> list[Conflict]:
    """The conflicts left to decide at the next sync, as they stood at the last one."""
    with store.read() as conn:
        if read_info(conn) is None:
            return []
        rows = conn.execute(sa.text("SELECT conflict FROM replica_pending ORDER BY part, id, field")).scalars()
        return [conflict_from_json(text) for text in rows]


def conflict_to_json(c: Conflict) -> str:
    data = {
        "part": c.part, "id": c.id, "field": c.field, "base": c.base, "ours": c.ours,
        "theirs": c.theirs, "reason": c.reason.value, "title": c.title,
    }  # fmt: skip
    return json.dumps(data, ensure_ascii=False)


def conflict_from_json(text: str) -> Conflict:
    d = json.loads(text)
    return Conflict(d["part"], d["id"], d["field"], d["base"], d["ours"], d["theirs"], Reason(d["reason"]), d["title"])


def write_base(
    conn: Connection, base: Mapping[Key, Values | None], mine: Mapping[Key, str], theirs: Mapping[Key, str]
) -> None:
    """Set the base of each record in ``base`` (None: forget it) with both sides' marks."""
    gone = [{"part": k[0], "id": k[1]} for k, v in base.items() if v is None]
    if gone:
        conn.execute(sa.text("DELETE FROM replica_base WHERE part = :part AND id = :id"), gone)
    rows = [
        {
            "part": k[0], "id": k[1], "mine": mine.get(k), "theirs": theirs.get(k),
            "base": json.dumps(v, ensure_ascii=False, sort_keys=True),
        }
        for k, v in base.items()
        if v is not None
    ]  # fmt: skip
    _put(conn, rows)


def settle_base(conn: Connection, keys: Iterable[Key], mine: Mapping[Key, str], theirs: Mapping[Key, str]) -> None:
    """Make each record of ``keys`` its own base, as the copy holds it now, with both sides'
    marks: its saved base is cleared (the copy's triggers keep it again at the next change)."""
    rows = [[k[0], k[1], mine.get(k), theirs.get(k)] for k in keys]
    if rows:  # updated where the row is (most are): replacing it cost twice as much
        from .sqlite.bulk import upsert_rows  # an offline copy is a case file: tens of thousands at once

        columns = ("part", "id", "mine", "theirs")
        sets = "mine = excluded.mine, theirs = excluded.theirs, base = NULL, kept = NULL"
        upsert_rows(conn, "replica_base", columns, ("part", "id"), rows, sets)


def _put(conn: Connection, rows: list[dict[str, str | None]]) -> None:
    if rows:  # a row replaced loses what the triggers kept in it
        conn.execute(
            sa.text(
                "INSERT OR REPLACE INTO replica_base (part, id, mine, theirs, base) "
                "VALUES (:part, :id, :mine, :theirs, :base)"
            ),
            rows,
        )


@contextmanager
def bases_not_kept(conn: Connection) -> Iterator[None]:
    """Inside a write transaction: the copy's triggers keep no base for what is written meanwhile
    (a sync's own writes, whose records it settles)."""
    from .sqlite.bulk import triggers_aside

    with triggers_aside(conn, "replica\\_keep\\_%"):
        yield


def read_base_marks(conn: Connection) -> BaseMarks:
    """Both sides' marks as the base has them: by part, the copy's and the master's, each by id."""
    out: BaseMarks = {}
    for part, rid, mine, theirs in select_rows(conn, "SELECT part, id, mine, theirs FROM replica_base")[1]:
        held = out.get(part)
        if held is None:
            held = out[part] = ({}, {})
        held[0][rid] = mine
        held[1][rid] = theirs
    return out


def read_base(conn: Connection, keys: Iterable[Key], ours: State) -> State:
    """The base of each record of ``keys`` that has one. ``ours``: those records as the copy
    holds them, which is the base of those the copy has not changed since the last sync."""
    out: State = {}
    grouped: dict[str, list[str]] = {}
    for part, rid in keys:
        grouped.setdefault(part, []).append(rid)
    # one IN list per part: the primary key (part, id) answers it with one seek per id, where a
    # long OR of (part, id) pairs cost SQLite far more to plan and run
    query = "SELECT id, base, kept FROM replica_base WHERE part = :part AND id IN :ids"
    for part, ids in grouped.items():
        rows: dict[str, Any] = {}
        for start in range(0, len(ids), CHUNK):
            for rid, base, kept in select_in(conn, query, ids[start : start + CHUNK], {"part": part})[1]:
                if base is not None:
                    out[(part, rid)] = json.loads(base)
                elif kept is not None:
                    rows[rid] = json.loads(kept)
                elif (held := ours.get((part, rid))) is not None:
                    out[(part, rid)] = held
        out.update(zip([(part, rid) for rid in rows], values_of_rows(part, list(rows.values())), strict=True))
    return out
