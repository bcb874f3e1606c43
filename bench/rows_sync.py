"""Row 13: offline copies. Syncing a copy of the large case with its master, both sides
edited, and merging two edited large-case JSON documents with their base."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .measure import Figure, clock, time_call
from .report import Result, baseline
from .workspace import Workspace

SYNC_TARGET = 5.0  # seconds: the "under 5 s"
CHANGED = 10_000  # records changed on each side at full scale

# What each side changes, as shares of its changed records: (part, field, share). Text fields,
# a tag list, the lines of a list field; and a few timeline entries deleted and created.
EDITS: tuple[tuple[str, str, float], ...] = (
    ("timeline", "title", 0.40),
    ("timeline", "description", 0.20),
    ("statements", "text", 0.25),
    ("sources", "notes", 0.10),
    ("actors", "tags", 0.04),
    ("directives", "provisions", 0.005),
)
DELETED = CREATED = 0.0025
CONFLICTS = 0.005  # of the changed records: the same field changed differently on both sides


# ----- the edit script (shared by both measurements) --------------------------------------


@dataclass
class Script:
    """What one side changes: new values of existing records' fields, deletions, creations."""

    fields: dict[tuple[str, str], str] = field(default_factory=dict)  # (part, id) -> field changed
    deleted: list[tuple[str, str]] = field(default_factory=list)
    created: list[tuple[str, str]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.fields) + len(self.deleted) + len(self.created)


def scripts(ids: dict[str, list[str]], changed: int) -> tuple[Script, Script, list[tuple[str, str]]]:
    """Two edit scripts (mine, theirs) on disjoint records but for the conflicts: records both
    change in the same field, listed third. ``ids``: every record id by part, in a stable order."""
    sides = (Script(), Script())
    taken: dict[str, int] = defaultdict(int)  # each record changes one field on one side at most
    for part, name, share in EDITS:
        n, start = round(changed * share), taken[part]
        pool = ids.get(part, [])
        if start + 2 * n > len(pool):
            raise ValueError(f"the case has too few {part} to change {n:,} on each side")
        for side, chunk in zip(sides, (pool[start : start + n], pool[start + n : start + 2 * n]), strict=True):
            side.fields.update({(part, rid): name for rid in chunk})
        taken[part] += 2 * n
    timeline = ids.get("timeline", [])
    gone = max(1, round(changed * DELETED))
    for n, side in enumerate(sides):  # deleted from the end: nothing refers to a timeline entry
        end = len(timeline) - n * gone
        side.deleted = [("timeline", rid) for rid in timeline[end - gone : end]]
        side.created = [("timeline", str(uuid.uuid4())) for _ in range(max(1, round(changed * CREATED)))]
    mine, theirs = sides
    both = [k for k, name in mine.fields.items() if k[0] == "timeline" and name == "title"]
    both = both[: max(1, round(changed * CONFLICTS))]
    theirs_titles = [k for k, name in theirs.fields.items() if k[0] == "timeline" and name == "title"]
    for old, new in zip(theirs_titles[: len(both)], both, strict=True):
        del theirs.fields[old]  # theirs changes as many records as mine: some of them the same
        theirs.fields[new] = "title"
    return mine, theirs, both


def edited(part: str, name: str, values: dict[str, Any], who: str) -> Any:
    """The new value ``who`` gives one field of a record."""
    old = values.get(name)
    if name == "tags":
        return [*(old or [])[:1], f"{who}-reviewed"]
    if name == "provisions":
        return [*(old or []), f"A provision {who} added."]
    return f"{(old or '')[:60].rstrip()} (revised by {who})"


def new_entry(who: str, n: int) -> dict[str, Any]:
    """A timeline entry one side creates (no references: a plain new record)."""
    return {"date": "2026-06-02", "title": f"Entry {n} {who} added offline", "description": "Added on the road.",
            "actors": [], "directive": None, "statement": None, "key": False, "source": None, "locator": None,
            "tags": [who]}  # fmt: skip


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


REST = "the rest (the journal, marks checked before each write, waiting for the second thread)"
# the sync's steps, by the functions of db/replica.py that do them
STEPS = {
    "open_master": "opening the master",
    "finish_interrupted": "looking for a sync cut short",
    "read_marks": "reading marks",
    "_read_base_marks": "reading marks",
    "_changed": "finding what changed",
    "read_state": "reading states",
    "_read_base": "reading states",
    "merge": "merging",
    "differences": "turning decisions into writes",
    "_backups": "waiting for the backups",
    "_write_master": "writing the master",
    "_finish": "writing the copy",
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
    from db.merge import Merge, Side
    from db.sqlite.casefile import CaseFile
    from db.sync_backups import SideBackups

    master, copy = ws.copy_case(f"sync-master-{n}.casefile"), ws.path(f"sync-copy-{n}.casefile")
    try:
        take = time_call(lambda: replica.take_offline_copy(master, copy))
        mine, theirs, both = scripts(_ids(copy), changed)
        apply_to_file(copy, mine, "mine")
        apply_to_file(master, theirs, "theirs")
        watch = Stopwatch()
        around: dict[str, float] = {}
        start = clock()
        cf = CaseFile.open(copy)
        around["opening the copy"] = clock() - start
        try:
            with (
                watch.watching(replica, STEPS),
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
    """Plain sqlite3: ``rows`` timeline titles updated with executemany in one transaction, the
    file's own triggers (full-text index, sort names) firing, the app's connection settings;
    with ``merges_put_off``, FTS5's merging put off as the sync's writes do
    (``db.sqlite.fts.merges_put_off``), else as FTS5 merges by default."""
    path = ws.copy_case(f"sync-raw-{n}.casefile")
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            for pragma in ("trusted_schema = ON", "foreign_keys = ON", "secure_delete = ON", "synchronous = FULL"):
                conn.execute(f"PRAGMA {pragma}")
            ids = [r[0] for r in conn.execute("SELECT id FROM timeline_entry ORDER BY id LIMIT ?", (rows,))]
            params = [(f"Title {i} revised", "2026-06-02T00:00:00.000Z", rid) for i, rid in enumerate(ids)]
            start = clock()
            conn.execute("BEGIN IMMEDIATE")
            if merges_put_off:
                conn.execute("INSERT INTO timeline_fts (timeline_fts, rank) VALUES ('automerge', 0)")
                conn.execute("INSERT INTO timeline_fts (timeline_fts, rank) VALUES ('crisismerge', 200)")
            conn.executemany("UPDATE timeline_entry SET title = ?, updated_at = ? WHERE id = ?", params)
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
    """Plain sqlite3: a backup-API copy of the large file and a quick_check of the copy."""
    target = ws.path(f"sync-backup-{n}.casefile")
    try:
        start = clock()
        source = sqlite3.connect(f"file:{ws.case_path}?mode=ro", uri=True)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
            if dest.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise RuntimeError("the plain backup copy did not check")
        finally:
            dest.close()
            source.close()
        return clock() - start
    finally:
        target.unlink(missing_ok=True)


def sync_row(ws: Workspace) -> list[Result]:
    """Row 13: the offline-copy sync, and the merge of two JSON documents."""
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
    names = [*STEPS.values(), *BACKUP_STEPS.values()]
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
                f"raw sqlite3 executemany UPDATE of {2 * changed:,} titles (FTS triggers firing, FTS5 merges put off "
                "as the sync's writes do)",
                raw,
            ),
            baseline("the same with FTS5 merging as it does by default", Figure.of(merging)),
            baseline("two backup-API copies of the large file, each quick_checked", copies),
            baseline("the two together (ratio basis: the writes and backups any sync must do)", floor),
        ],
        ratio=fig.median / floor.median,
        met=fig.median < SYNC_TARGET,
        notes=[
            f"Each run takes a fresh offline copy of a file master made from the large case (taking it: median "
            f"{take.fmt(take.median)}, untimed), changes {changed:,} records in the copy and {changed:,} in the master",
            "(titles, descriptions, statements' words, sources' notes, actors' tags, directives' provisions; a few",
            f"timeline entries deleted and created), {last.conflicts} of them the same title on both sides,",
            'decided "theirs". Timed, as the app syncs (File > Sync with Master, the copy already open):',
            "`prepare_sync` (which opens and checks the master, and reads its marks, on a second thread while it",
            "reads the copy's, then begins the verified backups of both sides on two more) and `carry_out` (which",
            f"waits for the backups); it wrote {last.to_master:,} records to the master and {last.to_copy:,} to the",
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


# ----- (b) merging two JSON documents -----------------------------------------------------


def edit_document(doc: dict[str, Any], script: Script, who: str) -> dict[tuple[str, str], Any]:
    """Make ``script``'s edits in a Casefile JSON document, in place (untimed); return the new
    value of each field changed."""
    made: dict[tuple[str, str], Any] = {}
    fields: dict[str, dict[str, str]] = defaultdict(dict)
    for (part, rid), name in script.fields.items():
        fields[part][rid] = name
    gone = set(script.deleted)
    for part, records in doc.items():
        if not isinstance(records, list):
            continue
        for record in records:
            name = fields[part].get(record["id"])
            if name is not None:
                record[name] = made[(part, record["id"])] = edited(part, name, record, who)
        doc[part] = [r for r in records if (part, r["id"]) not in gone]
    for n, (part, rid) in enumerate(script.created):
        doc[part].append({"id": rid, **new_entry(who, n)})
    return made


def merge_once(texts: tuple[bytes, bytes, bytes]) -> tuple[float, dict[str, float], str, int]:
    """Load three documents, merge, settle every conflict as ours, write the result as text."""
    from db.interchange import dumps, loads
    from db.merge import Side, document_state, merge, state_document

    spent: dict[str, float] = {}
    start = clock()
    docs = [loads(t) for t in texts]
    spent["loading the three documents"] = clock() - start
    mark = clock()
    states = [document_state(d) for d in docs]
    spent["document_state"] = clock() - mark
    mark = clock()
    result = merge(*states)
    spent["merge"] = clock() - mark
    mark = clock()
    merged = result.resolve({c.key: Side.OURS for c in result.conflicts}).state(Side.OURS)
    spent["resolving"] = clock() - mark
    mark = clock()
    doc = state_document(merged, docs[1], docs[2])
    spent["state_document"] = clock() - mark
    mark = clock()
    text = dumps(doc)
    spent["dumps"] = clock() - mark
    return clock() - start, spent, text, len(result.conflicts)


def merge_result(ws: Workspace) -> Result:
    base_text = ws.json_path.read_bytes()
    base = json.loads(base_text)
    changed = max(100, round(CHANGED * ws.scale))
    ids = {part: [str(r["id"]) for r in records] for part, records in base.items() if isinstance(records, list)}
    mine, theirs, both = scripts(ids, changed)
    texts = [base_text]
    made = []
    for script, who in ((mine, "ours"), (theirs, "theirs")):
        doc = json.loads(base_text)
        made.append(edit_document(doc, script, who))
        texts.append(json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8"))
    del base
    triple = (texts[0], texts[1], texts[2])
    totals: list[float] = []
    plain: list[float] = []
    steps: dict[str, list[float]] = defaultdict(list)
    conflicts = 0
    for _ in range(ws.repeat):
        total, spent, text, conflicts = merge_once(triple)
        totals.append(total)
        for step, s in spent.items():
            steps[step].append(s)
        check_merged(text, (mine, theirs), (made[0], made[1]), both)
        del text
        plain.append(time_call(lambda: _plain_json(triple)))
    fig, raw = Figure.of(totals), Figure.of(plain)
    parts = ", ".join(f"{step} {fig.fmt(Figure.of(v).median)}" for step, v in steps.items())
    mb = sum(len(t) for t in triple) / 1_048_576
    return Result(
        13,
        f"merge two large-case JSON documents, {changed:,} records changed in each",
        "—",
        measured=fig,
        baselines=[baseline("json.loads of the three documents + json.dumps of one", raw)],
        ratio=fig.median / raw.median,
        notes=[
            f"Base: the large JSON; ours and theirs: copies of it with {changed:,} records changed each (the same",
            f"edit script as the sync), {conflicts} of them the same title on both sides, settled as ours",
            f"(`casefile merge --prefer ours`); {mb:.0f} MB of JSON read. Timed: `db.interchange.loads` of the three",
            "texts, `document_state`, `merge`, `resolve`, `state_document` and `dumps`, all in memory (no file",
            f"writes, no document checks). Median breakdown: {parts}. Checked after every run: both sides' changes",
            "and ours' value of every conflict are in the result.",
        ],
        extra={"steps": dict(steps)},
    )


def _plain_json(texts: tuple[bytes, bytes, bytes]) -> None:
    docs = [json.loads(t) for t in texts]
    json.dumps(docs[1], ensure_ascii=False, indent=2)


def check_merged(
    text: str, sides: tuple[Script, Script], made: tuple[dict[Any, Any], dict[Any, Any]], both: list[Any]
) -> None:
    """RuntimeError unless the merged document holds both sides' edits (ours' in a conflict)."""
    doc = json.loads(text)
    held = {(part, str(r["id"])): r for part, rs in doc.items() if isinstance(rs, list) for r in rs}
    for script, values, who in zip(sides, made, ("ours", "theirs"), strict=True):
        for key, name in script.fields.items():
            if who == "theirs" and key in both:
                continue
            if held[key][name] != values[key]:
                raise RuntimeError(f"the merged {key} lost the change {who} made to its {name}")
        if any(k in held for k in script.deleted) or any(k not in held for k in script.created):
            raise RuntimeError(f"a deletion or a creation {who} made is not in the merged document")
