"""Offline copies (replicas) of a case, and syncing them with their master (docs/merge.md).

An offline copy is an ordinary case file that also remembers its master (a case file's path
or a server address) and, per record, each side's stamp or version when both last agreed on it
(migration 9). The values they agreed on (the base) are the copy's own until the copy changes
the record, when triggers keep the record as it was (migration 10). A sync:

1. ``prepare_sync`` reads only the records whose stamp or version moved on either side (or
   that are new, gone, or waiting for a decision), and merges them field by field
   (``db.merge``): nothing is written.
2. ``carry_out`` applies the user's decisions: it writes a verified backup of both sides, then
   both sides side by side (``_write_both``). On one thread, the master's changes in one
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

import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterable, Mapping
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
    CASE_KEY,
    Conflict,
    Decision,
    Key,
    Merge,
    Side,
    State,
    Values,
    differences,
    merge,
)
from .merge_state import reference_fields
from .merge_store import CHUNK, BaseMarks, Marks, mark_column, read_marks, read_state, select_in, write_differences
from .merge_store import moved_records as _moved
from .replica_store import ReplicaInfo as ReplicaInfo
from .replica_store import bases_not_kept, conflict_to_json, settle_base, write_base
from .replica_store import master_of as master_of
from .replica_store import postponed as postponed
from .replica_store import read_base as _read_base
from .replica_store import read_base_marks as _read_base_marks
from .replica_store import replica_info as replica_info
from .sqlite.casefile import CaseFile, now_stamp
from .store import CaseStore
from .sync_backups import SideBackups
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
    counters: tuple[int | None, int | None] = (None, None)  # the copy's and the master's (``_counter``), as read

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
                    copy_counter = _counter(replica)
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
            # what changed on one side will be written to the other: back that up while reading on
            backups.start(side for side, moved in ((replica, in_master), (store, in_copy)) if moved)
            rest = sorted(in_master - in_copy)
            with replica.read() as conn:  # while the master's thread reads its changed records
                ours.update(read_state(conn, rest))
                base.update(_read_base(conn, rest, ours))
            theirs_marks, master_counter, keys, theirs = reading.result()
        merged = merge(base, ours, theirs, elsewhere=_held_elsewhere((base, ours, theirs), mine_marks, theirs_marks))
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
    (``moved``) find the records changed there since the base, then read every record changed on
    either side. ``copy_side``: the copy's base marks, its postponed conflicts and the records
    it changed, from the thread reading the copy. The master's backup begins as soon as it is
    known that the copy changed (``backups``).

    Returns the marks, the change counter as they were read (``_counter``), the records changed
    on either side, and the master's values of those, all read in one transaction."""
    if isinstance(master, str | os.PathLike):
        master = open_master(master)
        opened.append(master)
    with master.read() as conn:
        if _case_id(conn) != info.master_case:
            raise ReplicaError(f"{info.shown} holds a different case from the one this copy was taken from.")
        base_marks, pending, in_copy = copy_side.result()
        if in_copy:  # the master will be written to: back it up while it is read
            backups.start([master])
        marks, counter = read_marks(conn), _counter(master)
        server = keeps_versions(conn)  # a server's versions are not stamps: no "since" to compare
        in_master = pending | _moved(base_marks, marks, 1, None if server else info.since)
        moved.set_result(in_master)
        keys = sorted(in_copy | in_master)
        return marks, counter, keys, read_state(conn, keys)


def _first_of(value: Future[T], work: Future[Any]) -> T:
    """``value``'s result once set, or the error that stopped ``work`` (which sets it) before."""
    wait([value, work], return_when=FIRST_COMPLETED)
    if not value.done():
        work.result()  # raises what stopped it
    return value.result()


def _counter(store: CaseStore) -> int | None:
    """A case file's change counter, read inside a transaction (None for a server case or a file
    not on disk). A case file keeps a rollback journal, where every commit moves the counter on:
    while it stands still, no record's mark has moved, and the marks need not be read again."""
    if isinstance(store, CaseFile) and store.path is not None:
        return store.change_counter()
    return None


def _held_elsewhere(states: Iterable[State], mine: Mapping[Key, str], theirs: Mapping[Key, str]) -> set[Key]:
    """The records held alike by both sides and left out of the states, as far as the merge asks:
    only whether a reference's target is held, so only referenced records are named (naming all
    of a large case's records made each membership test of the merge cost a copy of them)."""
    read: set[Key] = set()
    targets: set[Key] = set()
    for state in states:
        read.update(state)
        for (part, _rid), values in state.items():  # ``references``, written out: 60,000 records
            for name, target, many in reference_fields(part):
                value = values.get(name)
                if many:
                    targets.update((target, ref) for ref in value or ())
                elif value:
                    targets.add((target, value))
    return {t for t in targets - read if t in mine and t in theirs}


def carry_out(plan: SyncPlan, decisions: Mapping[tuple[str, str, str | None], Decision] | None = None) -> SyncDone:
    """Write the sync: backups of both sides, the copy's journal, then both sides (``_write_both``).

    MasterChanged (nothing written) if the master changed since ``prepare_sync`` read it. The
    cyclic garbage collector waits meanwhile (``gc_paused``).
    """
    with gc_paused():
        return _carry_out(plan, decisions)


def _carry_out(plan: SyncPlan, decisions: Mapping[tuple[str, str, str | None], Decision] | None) -> SyncDone:
    outcome = plan.merge.resolve(decisions)
    keys = plan.keys
    read = set(keys)
    ours, theirs = plan.merge.ours, plan.merge.theirs
    to_copy = differences(ours, {k: v for k, v in outcome.ours.items() if k in read})
    to_master = differences(theirs, {k: v for k, v in outcome.theirs.items() if k in read})
    settled = {
        k for k in keys if outcome.base.get(k) == outcome.ours.get(k) == outcome.theirs.get(k)
    }  # records left differing on the two sides are read again next time (no marks kept)
    backups = _backups(plan, to_copy, to_master)
    stamp = now_stamp()
    token = uuid.uuid4().hex
    # The journal holds what only this merge knows. The copy's values are not in it: a settled
    # record's new base is the copy's value once written, read again when finishing after a
    # crash, and the marks' digest tells that the copy has not changed since.
    journal = {
        "stamp": stamp,
        "to_copy": _pairs(to_copy),
        "base": _pairs({k: outcome.base.get(k) for k in keys if k not in settled}),
        "settled": [list(k) for k in settled],
        "copy_marks": _digest(keys, plan.mine_marks),
        "postponed": [conflict_to_json(c) for c in outcome.postponed],
        "to_master": [
            [k[0], k[1], v is None, mark]
            for (k, v), mark in zip(to_master.items(), plan.theirs_marks.all_of(to_master), strict=True)
        ],
        "theirs_marks": [[k[0], k[1], mark] for k, mark in zip(keys, plan.theirs_marks.all_of(keys), strict=True)],
    }
    try:
        _write_both(plan, token, journal, to_master, ours, stamp)
    except _NotWritten as stopped:
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


def _pairs(mapping: Mapping[Key, Values | None]) -> list[list[Any]]:
    return [[k[0], k[1], v] for k, v in mapping.items()]


def _unpairs(pairs: list[list[Any]]) -> dict[Key, Values | None]:
    return {(p, i): v for p, i, v in pairs}


def _digest(keys: Iterable[Key], marks: Mapping[Key, str]) -> str:
    """One value that changes if any of these records' marks does (or the record comes or goes)."""
    ordered = sorted(keys)
    held = marks.all_of(ordered) if isinstance(marks, Marks) else [marks.get(k) for k in ordered]
    text = json.dumps([[k[0], k[1], mark] for k, mark in zip(ordered, held, strict=True)], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _NotWritten(Exception):
    """The master's transaction did not commit (``reason`` says why): neither side was written."""

    def __init__(self, reason: BaseException) -> None:
        super().__init__(str(reason))
        self.reason = reason


def _write_journal(plan: SyncPlan, token: str, journal: dict[str, Any]) -> int | None:
    """Commit the sync's journal into the copy, after checking that the copy's records are as the
    sync read them (ReplicaError if not); return the copy's change counter after that commit
    (``_counter``: every commit moves it on by one)."""
    with plan.replica.write() as conn:
        counter = _counter(plan.replica)
        if counter is None or counter != plan.counters[0]:
            now = _marks_of(conn, plan.keys)
            moved = [k for k in plan.keys if now.get(k) != plan.mine_marks.get(k)]
            if moved:
                raise ReplicaError("This copy changed while the sync was being prepared: sync again.")
        conn.execute(
            sa.text("INSERT INTO replica_sync (token, started, plan) VALUES (:token, :started, :plan)"),
            {"token": token, "started": journal["stamp"], "plan": json.dumps(journal, ensure_ascii=False)},
        )
    return None if counter is None else (counter + 1) % 2**32


def _write_both(
    plan: SyncPlan,
    token: str,
    journal: dict[str, Any],
    to_master: Mapping[Key, Values | None],
    ours: State,
    stamp: str,
) -> None:
    """Write the master's half and the copy's half side by side, each in its own transaction, and
    commit the master's first. The copy's half (on a thread of its own) commits the journal, then
    writes the master's changes, before the master's commits: so a sync cut short can always be
    completed from the journal, and a copy that cannot take the changes leaves the master as it
    was. Then, with the marks the master's writes left, it writes the copy's new base, and commits
    once the master's has. Most of each half is SQLite's work (the full-text index among it),
    outside Python's lock, so on a second core the two halves overlap.

    _NotWritten (its reason the error) when the master's transaction did not commit; any other
    error once it has (the journal then finishes the copy's half, ``finish_interrupted``)."""
    master_written: Future[dict[Key, str]] = Future()  # the marks the master's writes left
    copy_ready: Future[None] = Future()
    master_done: Future[None] = Future()

    def copy_half() -> None:
        try:
            journal_counter = _write_journal(plan, token, journal)
            with plan.replica.write() as conn:
                unchanged = journal_counter is not None and _counter(plan.replica) == journal_counter
                touched = _write_copy(conn, journal, ours, checked=unchanged)
                copy_ready.set_result(None)
                mine = _marks_after(journal, plan.mine_marks)
                settle_sent = _settle(conn, token, journal, mine)  # while the master's are written
                settle_sent(master_written.result())  # while the master commits
                master_done.result()  # raises, rolling the copy back, if the master's did not commit
        except BaseException as exc:
            if not copy_ready.done():
                copy_ready.set_exception(exc)
            raise
        for table in touched:
            plan.replica.note_removed_text(table)

    def hand_over(written: dict[Key, str]) -> None:  # the master's transaction, before its commit
        master_written.set_result(written)
        copy_ready.result()  # raises, rolling the master back, if the copy could not be written

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-copy") as pool:
        copying = pool.submit(copy_half)
        try:
            touched = _write_master(plan, to_master, plan.merge.theirs, stamp, before_commit=hand_over)
        except BaseException as exc:
            for future in (master_written, master_done):
                if not future.done():
                    future.set_exception(exc)
            wait([copying])
            raise _NotWritten(exc) from exc
        master_done.set_result(None)
        for table in touched:
            plan.master.note_removed_text(table)
        copying.result()


def _write_master(
    plan: SyncPlan,
    to_master: Mapping[Key, Values | None],
    theirs: State,
    stamp: str,
    *,
    before_commit: Callable[[dict[Key, str]], object],
) -> set[str]:
    """Write the master's changes in one transaction; return the full-text tables touched.
    ``before_commit`` runs last inside the transaction (an error there rolls it back), also when
    there is nothing to write, with the marks the writes left."""
    if not to_master:
        before_commit({})
        return set()
    with plan.master.write() as conn:
        counter = _counter(plan.master)
        now = plan.theirs_marks if counter is not None and counter == plan.counters[1] else _marks_of(conn, to_master)
        moved = [k for k in to_master if now.get(k) != plan.theirs_marks.get(k)]
        if moved:
            raise MasterChanged(
                f"{plan.info.shown} changed while the sync was being prepared ({len(moved)} record(s)): "
                "nothing was written. Sync again."
            )
        touched = write_differences(conn, to_master, {k: v for k, v in theirs.items() if k in to_master}, stamp=stamp)
        if keeps_versions(conn):  # the server moved each record's version on
            written = _marks_of(conn, to_master.keys())
        else:  # a case file's: each record written is stamped with the sync's stamp
            written = {k: stamp for k, v in to_master.items() if v is not None}
        before_commit(written)
    return touched


def _marks_of(conn: Connection, keys: Iterable[Key]) -> dict[Key, str]:
    """The current marks of some records (locked on a server until the transaction ends)."""
    from .fields import KINDS
    from .merge import kind_of

    column = mark_column(conn)
    lock = " FOR UPDATE" if keeps_versions(conn) else ""
    out: dict[Key, str] = {}
    grouped: dict[str, list[str]] = {}
    for part, rid in keys:
        grouped.setdefault(part, []).append(rid)
    for part, ids in grouped.items():
        if (part, "") == CASE_KEY:
            out[CASE_KEY] = str(conn.execute(sa.text(f"SELECT {column} FROM case_info WHERE n = 1{lock}")).scalar())
            continue
        kind = kind_of(part)
        assert kind is not None
        query = f"SELECT id, {column} FROM {KINDS[kind].table} WHERE id IN :ids{lock}"
        for start in range(0, len(ids), CHUNK):
            for rid, mark in select_in(conn, query, ids[start : start + CHUNK])[1]:
                out[(part, rid)] = str(mark)
    return out


def _finish(replica: CaseStore, master: CaseStore, token: str, journal: dict[str, Any]) -> None:
    """The copy's half of a sync cut short once its master half committed: write the copy, its
    new base and postponed conflicts, and clear the journal, in one transaction."""
    with master.read() as conn:
        written = _marks_of(conn, [(p, i) for p, i, _gone, _mark in journal["to_master"]])
    with replica.write() as conn:
        touched = _write_copy(conn, journal, None)
        _settle(conn, token, journal, None)(written)
    for table in touched:
        replica.note_removed_text(table)


def _write_copy(conn: Connection, journal: dict[str, Any], ours: State | None, *, checked: bool = False) -> set[str]:
    """Write the master's changes into the copy (inside the copy's transaction), after checking
    that the copy's records are as the sync read them (``checked``: known, since nothing was
    committed to the copy after its journal); return the full-text tables touched. ``ours``: the
    copy's records as the sync read them (None: read again, when finishing a sync cut short)."""
    to_copy = _unpairs(journal["to_copy"])
    keys = _journal_keys(journal)
    if not checked and _digest(keys, _marks_of(conn, keys)) != journal["copy_marks"]:
        raise ReplicaError(
            "A sync of this copy was cut short, and the copy has been edited since: the sync cannot be "
            "completed. Restore a backup of the copy or of the master."
        )
    current = ours if ours is not None else read_state(conn, to_copy)
    current = {k: current[k] for k in to_copy if current.get(k) is not None}
    with bases_not_kept(conn):  # the records written are settled by ``_settle``
        return write_differences(conn, to_copy, current, stamp=journal["stamp"])


def _journal_keys(journal: dict[str, Any]) -> list[Key]:
    return [*((p, i) for p, i, _v in journal["base"]), *((p, i) for p, i in journal["settled"])]


def _marks_after(journal: dict[str, Any], before: Marks) -> dict[Key, str]:
    """The copy's marks of the sync's records once the sync has written the copy, without reading
    them again: each record written there is stamped with the sync's stamp, and the others keep
    the marks the sync read (the copy was checked unchanged since, and the sync's transaction is
    the only writer). A record deleted there has none."""
    to_copy = {(p, i): v is not None for p, i, v in journal["to_copy"]}
    keys = _journal_keys(journal)
    out: dict[Key, str] = {}
    for key, mark in zip(keys, before.all_of(keys), strict=True):
        held = to_copy.get(key)
        if held is None:
            if mark is not None:
                out[key] = mark
        elif held:
            out[key] = journal["stamp"]
    return out


def _settle(
    conn: Connection, token: str, journal: dict[str, Any], mine: Mapping[Key, str] | None
) -> Callable[[Mapping[Key, str]], None]:
    """The copy's new base, its postponed conflicts and the end of the journal, inside the copy's
    transaction once its changes are written: all but the bases of the records the sync wrote to
    the master, which need the marks those writes left there. Returns what settles those, to call
    with those marks (``written``).

    The base keeps the master's marks as read before the sync, except for the records the sync
    wrote there, so a master edit made during the sync still shows as a change next time.
    ``mine``: the copy's marks of the sync's records now (``_marks_after``); None to read them."""
    stamp = journal["stamp"]
    unsettled = _unpairs(journal["base"])
    settled = {(p, i) for p, i in journal["settled"]}
    keys = [*unsettled, *settled]
    theirs: dict[Key, str] = {(p, i): m for p, i, m in journal["theirs_marks"] if m is not None}
    sent = {(p, i) for p, i, _gone, _mark in journal["to_master"]}
    if mine is None:
        mine = _marks_of(conn, keys)
    # a settled record's base is its value in the copy now: the record itself
    write_base(conn, {k: None for k in settled if k not in mine}, {}, {})
    held = [k for k in settled if k in mine]
    settle_base(conn, [k for k in held if k not in sent], mine, theirs)
    write_base(conn, unsettled, {}, {})
    conn.execute(sa.text("DELETE FROM replica_pending"))
    pending = [json.loads(text) for text in journal["postponed"]]
    if pending:
        conn.execute(
            sa.text("INSERT INTO replica_pending (part, id, field, conflict) VALUES (:part, :id, :field, :c)"),
            [
                {"part": c["part"], "id": c["id"], "field": c["field"] or "", "c": text}
                for c, text in zip(pending, journal["postponed"], strict=True)
            ],
        )
    conn.execute(sa.text("UPDATE replica SET synced_at = :stamp, since = :stamp"), {"stamp": stamp})
    conn.execute(sa.text("DELETE FROM replica_sync WHERE token = :token"), {"token": token})

    def with_written(written: Mapping[Key, str]) -> None:
        settle_base(conn, [k for k in held if k in sent], mine, {**theirs, **written})

    return with_written


def finish_interrupted(replica: CaseStore, master: CaseStore) -> bool:
    """Complete or forget a sync cut short; True when one was found.

    The master's half committed if every record it was to change has moved (a deleted one is
    gone); if none has, it did not. Anything in between means someone edited the master since,
    and the copy cannot tell: ReplicaError, with the journal kept.
    """
    with replica.read() as conn:
        row = conn.execute(sa.text("SELECT token, plan FROM replica_sync")).first()
    if row is None:
        return False
    token, text = row
    journal = json.loads(text)
    writes = journal["to_master"]
    with master.read() as conn:
        now = _marks_of(conn, [(p, i) for p, i, _gone, _mark in writes])
    moved = [(p, i) not in now if gone else now.get((p, i)) != mark for p, i, gone, mark in writes]
    if all(moved):
        _finish(replica, master, token, journal)
    elif not any(moved):
        with replica.write() as conn:
            conn.execute(sa.text("DELETE FROM replica_sync WHERE token = :token"), {"token": token})
    else:
        raise ReplicaError(
            "A sync of this copy was cut short, and its master has been edited since: the copy cannot tell "
            "whether the sync reached the master. Restore a backup of the copy or of the master."
        )
    return True


__all__ = [
    "MasterChanged", "ReplicaError", "ReplicaInfo", "Side", "SyncDone", "SyncPlan", "carry_out",
    "finish_interrupted", "master_of", "open_master", "postponed", "prepare_sync", "replica_info",
    "take_offline_copy",
]  # fmt: skip
