"""Offline copies (replicas) of a case, and syncing them with their master (docs/merge.md).

An offline copy is an ordinary case file that also remembers its master (a case file's path
or a server address) and, per record, each side's stamp or version when both last agreed on it
(migration 9). The values they agreed on (the base) are the copy's own until the copy changes
the record, when triggers keep the record as it was (migration 10). A sync:

1. ``prepare_sync`` reads only the records whose stamp or version moved on either side (or
   that are new, gone, or waiting for a decision), and merges them field by field
   (``db.merge``): nothing is written.
2. ``carry_out`` applies the user's decisions: it writes a verified backup of both sides, then
   both sides side by side (``db.sync_writes.write_both``). On one thread, the master's changes in one
   transaction, checked against the stamps or versions read in step 1 (a master changed
   meanwhile refuses the sync, which writes nothing). On another, the copy's plan into the
   copy's journal (``replica_sync``), committed first, then the copy's changes and new base in
   one transaction that also clears the journal. The master's transaction commits only once the
   journal has and the copy's changes are written; the copy's only after the master's.

A sync cut short (the process killed, the machine off) leaves the journal: ``finish_interrupted``
(run before every sync and when the app opens the copy) looks at the master, and either
completes the copy's half, if the master's transaction committed, or forgets the plan, if it
did not. So both sides end as they were or both fully synced.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Container, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection

from .address import is_server_address, without_password
from .errors import MasterChanged as MasterChanged
from .errors import ReplicaError as ReplicaError
from .gc_pause import gc_paused
from .merge import (
    Conflict,
    Decision,
    Key,
    Merge,
    Outcome,
    Side,
    State,
    Values,
    differences,
    merge,
)
from .merge_store import BaseMarks, Marks, read_marks, read_state
from .merge_store import moved_records as _moved
from .replica_store import ReplicaInfo as ReplicaInfo
from .replica_store import conflict_to_json, settle_base
from .replica_store import master_of as master_of
from .replica_store import postponed as postponed
from .replica_store import read_base as _read_base
from .replica_store import read_base_marks as _read_base_marks
from .replica_store import replica_info as replica_info
from .sqlite.casefile import CaseFile, now_stamp
from .store import CaseStore
from .sync_backups import SideBackups
from .sync_writes import NotWritten, change_counter, digest, pairs, write_both
from .sync_writes import finish_interrupted as finish_interrupted
from .tempfiles import temp_path_beside
from .versions import keeps_versions

T = TypeVar("T")

# ----- the master ---------------------------------------------------------------------------


def open_master(address: str | os.PathLike[str], *, read_only: bool = False) -> CaseStore:
    """The master, opened for writing (or ``read_only``, which a file open for editing elsewhere
    allows): a case file or a server case."""
    text = str(address)
    if is_server_address(text):
        from .postgres.case import ServerCase

        return ServerCase.open(text)
    path = Path(text)
    if not path.exists():
        raise ReplicaError(f"The master {path} is not there: was it moved or renamed?")
    return CaseFile.open(path, read_only=read_only)


def _master_address(address: str | os.PathLike[str]) -> str:
    text = str(address)
    if is_server_address(text):
        return without_password(text)
    return str(Path(text).resolve())


def _case_id(conn: Connection) -> str:
    return str(conn.execute(sa.text("SELECT id FROM case_info WHERE n = 1")).scalar_one())


# ----- taking a copy ------------------------------------------------------------------------


def take_offline_copy(master_address: str | os.PathLike[str], out: str | os.PathLike[str]) -> Path:
    """Write an offline copy of the case at ``master_address`` to the new case file ``out``.

    The copy appears complete or not at all. Stamps and versions are read before the copy is
    made, so a record changed meanwhile counts as changed at the next sync (and, being the same
    on both sides, merges to nothing).
    """
    target = Path(out)
    if target.exists():
        raise ReplicaError(f"{target.name} already exists.")
    master = open_master(master_address, read_only=True)  # the app taking it has it open
    temp = temp_path_beside(target)
    try:
        since = now_stamp()
        with master.read() as conn:
            theirs = read_marks(conn)
            case_id = _case_id(conn)
        if isinstance(master, CaseFile):
            master.save_copy(temp)
        else:
            from .postgres.publish import copy_to_file

            copy_to_file(master, temp)  # type: ignore[arg-type]
        copy = CaseFile.open(temp)
        try:
            with copy.write() as conn:
                for table in ("replica", "replica_base", "replica_pending", "replica_sync"):
                    conn.execute(sa.text(f"DELETE FROM {table}"))  # a copy of a copy has a master of its own
                mine = read_marks(conn)
                conn.execute(
                    sa.text(
                        "INSERT INTO replica (n, master, master_case, taken_at, since) "
                        "VALUES (1, :master, :case, :taken, :since)"
                    ),
                    {
                        "master": _master_address(master_address),
                        "case": case_id,
                        "taken": since,
                        "since": since,
                    },
                )
                settle_base(conn, mine, mine, theirs)  # every record is its own base
        finally:
            copy.close()
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    finally:
        master.close()
    return target


def _backups(plan: SyncPlan, to_copy: Mapping[Key, Any], to_master: Mapping[Key, Any]) -> list[Path]:
    """Verified backups of the sides the sync will write, both done before it writes either."""
    return plan.backups.finish(store for store, writes in ((plan.replica, to_copy), (plan.master, to_master)) if writes)


# ----- syncing ------------------------------------------------------------------------------


@dataclass
class SyncPlan:
    """A sync read and merged, not yet written (``carry_out`` writes it; ``close`` drops it)."""

    replica: CaseStore
    master: CaseStore
    info: ReplicaInfo
    merge: Merge
    keys: list[Key]  # every record read: what the sync may write
    mine_marks: Marks  # the copy's stamps of its records when read
    theirs_marks: Marks  # the master's marks
    backups: SideBackups  # begun while reading, for the sides that changed
    counters: tuple[int | None, int | None] = (None, None)  # the copy's and the master's (``change_counter``), as read

    closed: bool = field(default=False, init=False)

    def close(self) -> None:
        """Stop the backups still running and let go of the master (the copy belongs to the
        caller). Once: a second call does nothing."""
        if self.closed:
            return
        self.closed = True
        try:
            self.backups.close()
        finally:
            self.master.close()

    @property
    def master_shown(self) -> str:
        return self.info.shown


@dataclass
class SyncDone:
    """What a sync wrote: the copy's records before and after (one undo step), and counts."""

    before: dict[Key, Values | None]
    after: dict[Key, Values | None]
    to_master: int
    to_copy: int
    postponed: list[Conflict] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)


def prepare_sync(replica: CaseStore, master: CaseStore | str | os.PathLike[str] | None = None) -> SyncPlan:
    """Read both sides and merge what changed on either since the last sync (writes nothing
    but the completion of a sync cut short).

    ``master``: the master, open, or the address to open it at (by default the one the copy
    remembers). An address is opened, its file checked and its marks read on a second thread
    while this one reads the copy's: both are mostly SQLite's work, outside Python's lock.
    The cyclic garbage collector waits meanwhile (``gc_paused``)."""
    with gc_paused():
        return _prepare_sync(replica, master)


def _prepare_sync(replica: CaseStore, master: CaseStore | str | os.PathLike[str] | None) -> SyncPlan:
    info = replica_info(replica)
    if info is None:
        raise ReplicaError(f"{replica.display_name} is not an offline copy: it has no master to sync with.")
    if master is None:
        master = info.master
    if isinstance(master, str | os.PathLike) and _cut_short(replica):
        master = open_master(master)  # to finish the sync cut short before reading anything
    opened: list[CaseStore] = [] if isinstance(master, str | os.PathLike) else [master]
    backups = SideBackups(info.master)
    try:
        if opened:
            finish_interrupted(replica, opened[0])
        # The copy's backup begins at once: it is on this machine, and a sync most often brings
        # the master's changes in. Made needlessly, it is stopped, or kept as a backup like any.
        backups.start([replica])
        copy_side: Future[tuple[BaseMarks, set[Key], set[Key]]] = Future()
        moved_in_master: Future[set[Key]] = Future()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-master") as pool:
            reading = pool.submit(_read_master, master, info, opened, copy_side, moved_in_master, backups)
            try:
                with replica.read() as conn:
                    mine_marks = read_marks(conn)
                    base_marks = _read_base_marks(conn)
                    pending = {(p, i) for p, i in conn.execute(sa.text("SELECT part, id FROM replica_pending"))}
                    # a conflict left for later counts as moved on both sides
                    in_copy = pending | _moved(base_marks, mine_marks, 0, info.since)
                    copy_counter = change_counter(replica)
                    copy_side.set_result((base_marks, pending, in_copy))
                    # while the master is opened and checked: the records the copy changed
                    ours = read_state(conn, sorted(in_copy))
                    base = _read_base(conn, in_copy, ours)
            except BaseException as exc:
                if not copy_side.done():
                    copy_side.set_exception(exc)  # the master's thread waits for it
                raise
            in_master = _first_of(moved_in_master, reading)
            store = opened[0]
            rest = sorted(in_master - in_copy)
            with replica.read() as conn:  # while the master's thread reads its changed records
                ours.update(read_state(conn, rest))
                base.update(_read_base(conn, rest, ours))
            theirs_marks, master_counter, keys, theirs = reading.result()
            _as_their_base(theirs, base, in_copy - in_master)
        merged = merge(base, ours, theirs, elsewhere=_HeldElsewhere((base, ours, theirs), mine_marks, theirs_marks))
        counters = (copy_counter, master_counter)
        return SyncPlan(replica, store, info, merged, keys, mine_marks, theirs_marks, backups, counters)
    except BaseException:
        try:
            backups.close()
        finally:
            for store in opened:
                store.close()
        raise


def _cut_short(replica: CaseStore) -> bool:
    """Whether the copy's journal holds a sync cut short."""
    with replica.read() as conn:
        return conn.execute(sa.text("SELECT 1 FROM replica_sync LIMIT 1")).first() is not None


def _read_master(
    master: CaseStore | str | os.PathLike[str],
    info: ReplicaInfo,
    opened: list[CaseStore],
    copy_side: Future[tuple[BaseMarks, set[Key], set[Key]]],
    moved: Future[set[Key]],
    backups: SideBackups,
) -> tuple[Marks, int | None, list[Key], State]:
    """The master's half of reading a sync, on a thread of its own: open the master if given its
    address (adding it to ``opened``), check that it holds the copy's case, read its marks and
    (``moved``) find the records changed there since the base, then read those. ``copy_side``:
    the copy's base marks, its postponed conflicts and the records it changed, from the thread
    reading the copy. The master's backup begins as soon as it is known that the copy changed
    (``backups``).

    Returns the marks, the change counter as they were read (``change_counter``), the records changed
    on either side, and the master's values of those changed there, all read in one transaction."""
    if isinstance(master, str | os.PathLike):
        master = open_master(master)
        opened.append(master)
    with master.read() as conn:
        if _case_id(conn) != info.master_case:
            raise ReplicaError(f"{info.shown} holds a different case from the one this copy was taken from.")
        base_marks, pending, in_copy = copy_side.result()
        if in_copy:  # the master will be written to: back it up while it is read
            backups.start([master])
        marks, counter = read_marks(conn), change_counter(master)
        server = keeps_versions(conn)  # a server's versions are not stamps: no "since" to compare
        in_master = pending | _moved(base_marks, marks, 1, None if server else info.since)
        moved.set_result(in_master)
        # a record the master has not changed since the base is as its base there: only the
        # records it changed are read (``_as_their_base`` fills in the rest)
        return marks, counter, sorted(in_copy | in_master), read_state(conn, sorted(in_master))


def _as_their_base(theirs: State, base: State, unmoved: Iterable[Key]) -> None:
    """Add to the master's records read (``theirs``) those it has not changed since the base
    (``unmoved``), as the base holds them: its mark is the one the base was agreed at, and every
    change to a record moves its mark. One not in the base is not in the master either (it was
    made in the copy since)."""
    for key in unmoved:
        held = base.get(key)
        if held is not None:
            theirs[key] = held


def _first_of(value: Future[T], work: Future[Any]) -> T:
    """``value``'s result once set, or the error that stopped ``work`` (which sets it) before."""
    wait([value, work], return_when=FIRST_COMPLETED)
    if not value.done():
        work.result()  # raises what stopped it
    return value.result()


class _HeldElsewhere(Container[Key]):
    """The records held by both sides and left out of the states: what the merge is told
    exists though it did not read it. Asked one record at a time, and only about the targets of
    references (naming every record of a large case would cost more than the merge)."""

    def __init__(self, states: tuple[State, ...], mine: Marks, theirs: Marks) -> None:
        self._states, self._mine, self._theirs = states, mine, theirs
        self._known: dict[object, bool] = {}  # most references name a few records: asked once each

    def __contains__(self, key: object) -> bool:
        known = self._known.get(key)
        if known is None:
            known = key in self._mine and key in self._theirs and not any(key in state for state in self._states)
            self._known[key] = known
        return known


def carry_out(plan: SyncPlan, decisions: Mapping[tuple[str, str, str | None], Decision] | None = None) -> SyncDone:
    """Write the sync: backups of both sides, the copy's journal, then both sides (``write_both``).

    MasterChanged (nothing written) if the master changed since ``prepare_sync`` read it. The
    cyclic garbage collector waits meanwhile (``gc_paused``).
    """
    with gc_paused():
        return _carry_out(plan, decisions)


def _journal(
    plan: SyncPlan, outcome: Outcome, to_copy: Mapping[Key, Values | None], to_master: Mapping[Key, Any], stamp: str
) -> dict[str, Any]:
    """The copy's journal of a sync (``db.sync_writes``): what only this merge knows.

    The copy's values are not in it: a settled record's new base is the copy's value once
    written, read again when finishing after a crash, and the marks' digest tells that the copy
    has not changed since. Records left differing on the two sides are not settled: they are
    read again next time (no marks kept)."""
    keys = plan.keys
    settled = {k for k in keys if outcome.base.get(k) == outcome.ours.get(k) == outcome.theirs.get(k)}
    unsettled = {k: outcome.base.get(k) for k in keys if k not in settled}
    return {
        "stamp": stamp,
        "to_copy": pairs(to_copy),
        "base": pairs(unsettled),
        "settled": [list(k) for k in keys if k in settled],
        "copy_marks": digest(keys, plan.mine_marks),
        "postponed": [conflict_to_json(c) for c in outcome.postponed],
        "to_master": [
            [k[0], k[1], v is None, mark]
            for (k, v), mark in zip(to_master.items(), plan.theirs_marks.all_of(to_master), strict=True)
        ],
        "theirs_marks": [[k[0], k[1], mark] for k, mark in zip(keys, plan.theirs_marks.all_of(keys), strict=True)],
    }


def _carry_out(plan: SyncPlan, decisions: Mapping[tuple[str, str, str | None], Decision] | None) -> SyncDone:
    outcome = plan.merge.resolve(decisions)
    keys = plan.keys
    read = set(keys)
    ours, theirs = plan.merge.ours, plan.merge.theirs
    to_copy = differences(ours, {k: v for k, v in outcome.ours.items() if k in read})
    to_master = differences(theirs, {k: v for k, v in outcome.theirs.items() if k in read})
    backups = _backups(plan, to_copy, to_master)
    stamp = now_stamp()
    token = uuid.uuid4().hex
    try:
        write_both(plan, token, lambda: _journal(plan, outcome, to_copy, to_master, stamp), to_master, ours, stamp)
    except NotWritten as stopped:
        with plan.replica.write() as conn:  # if it was written
            conn.execute(sa.text("DELETE FROM replica_sync WHERE token = :token"), {"token": token})
        raise stopped.reason from None
    return SyncDone(
        before={k: ours.get(k) for k in to_copy},
        after=dict(to_copy),
        to_master=len(to_master),
        to_copy=len(to_copy),
        postponed=outcome.postponed,
        backups=backups,
    )


__all__ = [
    "MasterChanged", "ReplicaError", "ReplicaInfo", "Side", "SyncDone", "SyncPlan", "carry_out",
    "finish_interrupted", "master_of", "open_master", "postponed", "prepare_sync", "replica_info",
    "take_offline_copy",
]  # fmt: skip
