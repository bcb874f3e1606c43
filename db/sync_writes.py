"""Writing a sync (``db.replica.carry_out``): the copy's journal, both sides written side by
side, and finishing a sync cut short.

``write_both`` writes the master's half on the calling thread and the copy's on a thread of its
own. The copy's half commits the journal (``replica_sync``) first, then writes the master's
changes into the copy; the master's transaction commits only once both are done, and the copy's
(its new base included) only after the master's. A sync cut short leaves the journal:
``finish_interrupted`` looks at the master and completes the copy's half, if the master's
transaction committed, or forgets the plan, if it did not.

A case file keeps a rollback journal, so its change counter moves on with every commit: while it
stands still, nothing else was written, and what the sync read need not be read again
(``change_counter``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Connection

from .errors import MasterChanged, ReplicaError
from .merge import CASE_KEY, Key, State, Values
from .merge_store import CHUNK, Marks, mark_column, read_state, select_in, write_differences
from .replica_store import bases_not_kept, settle_base, write_base
from .sqlite.casefile import CaseFile
from .store import CaseStore
from .versions import keeps_versions

if TYPE_CHECKING:
    from .replica import SyncPlan


def change_counter(store: CaseStore) -> int | None:
    """A case file's change counter, read inside a transaction (None for a server case or a file
    not on disk). A case file keeps a rollback journal, where every commit moves the counter on:
    while it stands still, no record's mark has moved, and the marks need not be read again."""
    if isinstance(store, CaseFile) and store.path is not None:
        return store.change_counter()
    return None


def pairs(mapping: Mapping[Key, Values | None]) -> list[list[Any]]:
    """Records as the journal (JSON) holds them: [part, id, values or None] each."""
    return [[k[0], k[1], v] for k, v in mapping.items()]


def _unpairs(rows: list[list[Any]]) -> dict[Key, Values | None]:
    return {(p, i): v for p, i, v in rows}


def digest(keys: Iterable[Key], marks: Mapping[Key, str]) -> str:
    """One value that changes if any of these records' marks does (or the record comes or goes)."""
    ordered = sorted(keys)
    held = marks.all_of(ordered) if isinstance(marks, Marks) else [marks.get(k) for k in ordered]
    text = json.dumps([[k[0], k[1], mark] for k, mark in zip(ordered, held, strict=True)], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class NotWritten(Exception):
    """The master's transaction did not commit (``reason`` says why): neither side was written."""

    def __init__(self, reason: BaseException) -> None:
        super().__init__(str(reason))
        self.reason = reason


def _write_journal(plan: SyncPlan, token: str, journal: dict[str, Any]) -> int | None:
    """Commit the sync's journal into the copy, after checking that the copy's records are as the
    sync read them (ReplicaError if not); return the copy's change counter after that commit
    (``change_counter``: every commit moves it on by one)."""
    with plan.replica.write() as conn:
        counter = change_counter(plan.replica)
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


def write_both(
    plan: SyncPlan,
    token: str,
    journal_of: Callable[[], dict[str, Any]],
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
    outside Python's lock, so on a second core the two halves overlap. ``journal_of`` makes the
    journal, on the copy's thread (the master's writes need none of it).

    NotWritten (its reason the error) when the master's transaction did not commit; any other
    error once it has (the journal then finishes the copy's half, ``finish_interrupted``)."""
    master_written: Future[dict[Key, str]] = Future()  # the marks the master's writes left
    copy_ready: Future[None] = Future()
    master_done: Future[None] = Future()

    def copy_half() -> None:
        try:
            journal = journal_of()
            journal_counter = _write_journal(plan, token, journal)
            with plan.replica.write() as conn:
                unchanged = journal_counter is not None and change_counter(plan.replica) == journal_counter
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
            raise NotWritten(exc) from exc
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
        counter = change_counter(plan.master)
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
    if not checked and digest(keys, _marks_of(conn, keys)) != journal["copy_marks"]:
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
