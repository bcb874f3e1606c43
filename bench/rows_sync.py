"""Row 13: offline copies. Syncing a copy of the large case with its master, both sides edited
(the merge of two JSON documents, the row's second line, is bench/rows_merge.py)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .measure import Figure, clock, time_call
from .report import Result, baseline
from .sync_script import CHANGED, Script, edited, new_entry, scripts
from .workspace import Workspace

SYNC_TARGET = 5.0  # seconds: the "under 5 s"
# ----- (a) syncing an offline copy --------------------------------------------------------


def _ids(path: Path) -> dict[str, list[str]]:
    from db.fields import JSON_ORDER, KINDS

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            KINDS[k].json_name: [r[0] for r in conn.execute(f"SELECT id FROM {KINDS[k].table} ORDER BY id")]
            for k in JSON_ORDER
        }
    finally:
        conn.close()


def apply_to_file(path: Path, script: Script, who: str) -> None:
    """Make ``script``'s edits in one transaction, as ordinary edits would leave them (untimed)."""
    from db.merge import normalise_record
    from db.merge_store import read_state, write_differences
    from db.sqlite.casefile import CaseFile, now_stamp

    with CaseFile.open(path) as cf:
        with cf.write() as conn:
            current = read_state(conn, [*script.fields, *script.deleted])
            diffs: dict[tuple[str, str], dict[str, Any] | None] = {}
            for key, name in script.fields.items():
                diffs[key] = {**current[key], name: edited(key[0], name, current[key], who)}
            diffs.update(dict.fromkeys(script.deleted))
            for n, key in enumerate(script.created):
                diffs[key] = normalise_record(key[0], new_entry(who, n))
            touched = write_differences(conn, diffs, current, stamp=now_stamp())
        for table in touched:
            cf.note_removed_text(table)


def settle_disk() -> None:
    """Have the system write out what the untimed setup left to write (some 700 MB of new files):
    the sync is timed on files at rest, as a user's are, not beside the setup's writing back."""
    if hasattr(os, "sync"):
        os.sync()


BESIDE = " (on a second thread)"


class Stopwatch:
    """Time spent in named functions of a module while a block runs (the sync's breakdown).
    Time spent on another thread than the main one is counted apart, its step named with
    ``BESIDE``: it overlaps the main thread's steps."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    @contextlib.contextmanager
    def watching(self, module: Any, names: dict[str, str]) -> Iterator[None]:
        saved = {name: getattr(module, name) for name in names}

        def timed(step: str, fn: Callable[..., Any]) -> Callable[..., Any]:
            def call(*args: Any, **kwargs: Any) -> Any:
                start = clock()
                named = step if threading.current_thread() is threading.main_thread() else step + BESIDE
                try:
                    return fn(*args, **kwargs)
                finally:
                    self.spent[named] += clock() - start

            return call

        for name, step in names.items():
            setattr(module, name, timed(step, saved[name]))
        try:
            yield
        finally:
            for name, fn in saved.items():
                setattr(module, name, fn)


REST = "the rest (the journal, waiting for the master's opening and for the copy's commit)"
# the sync's steps, by the functions of db/replica.py that do them
STEPS = {
    "open_master": "opening the master",
    "finish_interrupted": "looking for a sync cut short",
    "read_marks": "reading marks",
    "_read_base_marks": "reading marks",
    "_moved": "finding what changed",
    "read_state": "reading states",
    "_read_base": "reading states",
    "merge": "merging",
    "differences": "turning decisions into writes",
    "_backups": "waiting for the backups",
}
WRITE_STEPS = {  # of db/sync_writes.py
    "_write_master": "writing the master (with the copy beside it)",
    "_write_copy": "writing the copy",  # on the copy's own thread, beside the master's writes
    "_settle": "the copy's new base",
}
BACKUP_STEPS = {"_backup": "making the backups"}  # of db.sync_backups.SideBackups, on their own threads
OPEN_CLOSE = ("opening the copy", "closing the master", "closing the copy")


@dataclass
class SyncRun:
    total: float  # prepare_sync + carry_out on an open copy (the master opened by prepare_sync)
    steps: dict[str, float]
    to_master: int
    to_copy: int
    conflicts: int
    take: float
    around: dict[str, float]  # opening the copy and closing both files, as `casefile sync` also does

    @property
    def end_to_end(self) -> float:
        return self.total + sum(self.around.values())


def sync_once(ws: Workspace, n: int, changed: int) -> SyncRun:
    """One sync of a freshly taken and edited offline copy (the setup is not timed)."""
    import db.replica as replica
    import db.sync_writes as sync_writes
    from db.merge import Merge, Side
    from db.sqlite.casefile import CaseFile
    from db.sync_backups import SideBackups

    master, copy = ws.copy_case(f"sync-master-{n}.casefile"), ws.path(f"sync-copy-{n}.casefile")
    try:
        take = time_call(lambda: replica.take_offline_copy(master, copy))
        mine, theirs, both = scripts(_ids(copy), changed)
        apply_to_file(copy, mine, "mine")
        apply_to_file(master, theirs, "theirs")
        settle_disk()
        watch = Stopwatch()
        around: dict[str, float] = {}
        start = clock()
        cf = CaseFile.open(copy)
        around["opening the copy"] = clock() - start
        try:
            with (
                watch.watching(replica, STEPS),
                watch.watching(sync_writes, WRITE_STEPS),
                watch.watching(Merge, {"resolve": "merging"}),
                watch.watching(SideBackups, BACKUP_STEPS),
            ):
                start = clock()
                plan = replica.prepare_sync(cf)
                try:
                    conflicts = plan.merge.conflicts
                    done = replica.carry_out(plan, {c.key: Side.THEIRS for c in conflicts})
                    total = clock() - start
                finally:
                    mark = clock()
                    plan.close()
                    around["closing the master"] = clock() - mark
        finally:
            mark = clock()
            cf.close()
            around["closing the copy"] = clock() - mark
        check_synced(master, copy, mine, theirs, both, len(conflicts))
        return SyncRun(total, dict(watch.spent), done.to_master, done.to_copy, len(conflicts), take, around)
    finally:
        for path in (master, copy):
            path.unlink(missing_ok=True)
        shutil.rmtree(ws.path("homes") / "bench" / "backups", ignore_errors=True)


def check_synced(master: Path, copy: Path, mine: Script, theirs: Script, both: list[Any], conflicts: int) -> None:
    """RuntimeError unless both sides hold the same records and a second sync finds nothing to do."""
    import db.replica as replica
    from db.merge_store import read_state
    from db.sqlite.casefile import CaseFile

    if conflicts != len(both):
        raise RuntimeError(f"the sync found {conflicts} conflicts, not the {len(both)} made")
    keys = [*mine.fields, *mine.deleted, *mine.created, *theirs.fields, *theirs.deleted, *theirs.created]
    with CaseFile.open(copy) as cf, CaseFile.open(master) as mf:
        with cf.read() as conn:
            ours = read_state(conn, keys)
        with mf.read() as conn:
            held = read_state(conn, keys)
        if ours != held:
            differing = sorted(k for k in set(ours) | set(held) if ours.get(k) != held.get(k))
            raise RuntimeError(f"after the sync the two sides differ in {len(differing)} records, e.g. {differing[0]}")
        gone, made = [*mine.deleted, *theirs.deleted], [*mine.created, *theirs.created]
        if any(k in held for k in gone) or any(k not in held for k in made):
            raise RuntimeError("a deletion or a creation did not reach both sides")
        for key in both:  # the conflicts were decided "theirs"
            if "(revised by theirs)" not in held[key]["title"]:
                raise RuntimeError(f"the conflict on {key} did not take the master's title")
        plan = replica.prepare_sync(cf, mf)
        left = (plan.merge.changes, plan.merge.conflicts)
        plan.close()
    if any(left):
        raise RuntimeError(f"a second sync finds {len(left[0])} changes and {len(left[1])} conflicts")


def raw_writes(ws: Workspace, n: int, rows: int, *, merges_put_off: bool) -> float:
    """Plain sqlite3: ``rows`` timeline titles updated in one transaction, 500 at a time with one
    UPDATE ... FROM json_each (the quickest plain way: ``db.sqlite.driver.execute_json_batches``),
    the file's own triggers (full-text index, sort names) firing, the app's connection settings;
    with ``merges_put_off``, FTS5's merging put off as the sync's writes do
    (``db.sqlite.fts.merges_put_off``), else as FTS5 merges by default."""
    path = ws.copy_case(f"sync-raw-{n}.casefile")
    settle_disk()
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            for pragma in ("trusted_schema = ON", "foreign_keys = ON", "secure_delete = ON", "synchronous = FULL"):
                conn.execute(f"PRAGMA {pragma}")
            ids = [r[0] for r in conn.execute("SELECT id FROM timeline_entry ORDER BY id LIMIT ?", (rows,))]
            titles = [[rid, f"Title {i} revised"] for i, rid in enumerate(ids)]
            start = clock()
            conn.execute("BEGIN IMMEDIATE")
            if merges_put_off:
                conn.execute("INSERT INTO timeline_fts (timeline_fts, rank) VALUES ('automerge', 0)")
                conn.execute("INSERT INTO timeline_fts (timeline_fts, rank) VALUES ('crisismerge', 200)")
            for at in range(0, len(titles), 500):
                conn.execute(
                    "UPDATE timeline_entry SET title = json_extract(j.value, '$[1]'), updated_at = ? "
                    "FROM json_each(?) AS j WHERE timeline_entry.id = json_extract(j.value, '$[0]')",
                    ("2026-06-02T00:00:00.000Z", json.dumps(titles[at : at + 500])),
                )
            if merges_put_off:
                conn.execute("INSERT INTO timeline_fts (timeline_fts, rank) VALUES ('automerge', 4)")
                conn.execute("INSERT INTO timeline_fts (timeline_fts, rank) VALUES ('crisismerge', 16)")
                conn.execute("DELETE FROM timeline_fts_config WHERE k IN ('automerge', 'crisismerge')")
            conn.execute("COMMIT")
            return clock() - start
        finally:
            conn.close()
    finally:
        path.unlink(missing_ok=True)


def raw_backup(ws: Workspace, n: int) -> float:
    """Plain copy of the large file (``shutil.copyfile``, the kernel's copy where it has one),
    written to disk, and a quick_check of the copy with plain sqlite3."""
    target = ws.path(f"sync-backup-{n}.casefile")
    try:
        start = clock()
        shutil.copyfile(ws.case_path, target)
        with open(target, "rb+") as written:
            os.fsync(written.fileno())
        dest = sqlite3.connect(target)
        try:
            if dest.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise RuntimeError("the plain backup copy did not check")
        finally:
            dest.close()
        return clock() - start
    finally:
        target.unlink(missing_ok=True)


def sync_row(ws: Workspace) -> list[Result]:
    """Row 13: the offline-copy sync, and the merge of two JSON documents."""
    from .rows_merge import merge_result

    return [sync_result(ws), merge_result(ws)]


def sync_result(ws: Workspace) -> Result:
    changed = max(100, round(CHANGED * ws.scale))
    runs: list[SyncRun] = []
    writes: list[float] = []
    merging: list[float] = []
    backups: list[float] = []
    for n in range(ws.repeat):  # interleaved, so a noisy moment hits every variant alike
        runs.append(sync_once(ws, n, changed))
        writes.append(raw_writes(ws, n, 2 * changed, merges_put_off=True))
        merging.append(raw_writes(ws, n, 2 * changed, merges_put_off=False))
        backups.append(raw_backup(ws, n) + raw_backup(ws, n + ws.repeat))
    fig = Figure.of([r.total for r in runs])
    whole = Figure.of([r.end_to_end for r in runs])
    raw, copies = Figure.of(writes), Figure.of(backups)
    floor = Figure.of([w + b for w, b in zip(writes, backups, strict=True)])
    steps: dict[str, list[float]] = defaultdict(list)
    for r in runs:
        for step, spent in r.steps.items():
            steps[step].append(spent)
        steps[REST].append(r.total - sum(t for step, t in r.steps.items() if not step.endswith(BESIDE)))
    names = [*STEPS.values(), *WRITE_STEPS.values(), *BACKUP_STEPS.values()]
    order = [*names, REST, *(name + BESIDE for name in names)]
    parts = ", ".join(
        f"{step} {fig.fmt(Figure.of(steps[step]).median)}" for step in dict.fromkeys(order) if step in steps
    )
    ends = ", ".join(f"{step} {fig.fmt(Figure.of([r.around[step] for r in runs]).median)}" for step in OPEN_CLOSE)
    take = Figure.of([r.take for r in runs])
    last = runs[-1]
    return Result(
        13,
        f"sync an offline copy of the large case with {changed:,} changed records on each side",
        f"under {SYNC_TARGET:g} s",
        measured=fig,
        baselines=[
            baseline(
                f"raw sqlite3 UPDATE of {2 * changed:,} titles, 500 to a statement (FTS triggers firing, "
                "FTS5 merges put off as the sync's writes do)",
                raw,
            ),
            baseline("the same with FTS5 merging as it does by default", Figure.of(merging)),
            baseline("two plain copies of the large file, each written to disk and quick_checked", copies),
            baseline("the two together (ratio basis: the writes and backups any sync must do)", floor),
        ],
        ratio=fig.median / floor.median,
        met=fig.median < SYNC_TARGET,
        notes=[
            f"Each run takes a fresh offline copy of a file master made from the large case (taking it: median "
            f"{take.fmt(take.median)}, untimed), changes {changed:,} records in the copy and {changed:,} in the master",
            "(titles, descriptions, statements' words, sources' notes, actors' tags, directives' provisions; a few",
            f"timeline entries deleted and created), {last.conflicts} of them the same title on both sides,",
            'decided "theirs"; the setup\'s writes are flushed to disk before timing (as for the baselines).',
            "Timed, as the app syncs (File > Sync with Master, the copy already open):",
            "`prepare_sync` (which begins the copy's verified backup on a thread of its own, opens and checks the",
            "master and reads its marks and the records changed there on a second thread while it reads the",
            "copy's marks and changed records, then begins the master's backup) and `carry_out` (which waits",
            "for the backups, then writes the two sides side by side, the copy",
            f"on a thread of its own); it wrote {last.to_master:,} records to the master and {last.to_copy:,} to the",
            f"copy. Median breakdown (the steps on other threads overlap the main thread's): {parts}.",
            f"From the command line (`casefile sync`: open the copy, sync, close both) it takes median "
            f"{whole.fmt(whole.median)}: {ends}",
            "(closing compacts the full-text index so no replaced words stay in the file; SQLite older than 3.42",
            "has no FTS5 secure-delete to do it as it goes).",
            "Checked after every run: both sides hold the same values for every changed record and a second",
            "`prepare_sync` finds no change and no conflict.",
        ],
        extra={
            "runs": [{**r.__dict__, "end_to_end": r.end_to_end} for r in runs],
            "raw_writes": writes,
            "raw_writes_merging": merging,
            "raw_backups": backups,
        },
    )
