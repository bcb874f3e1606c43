"""Row 12: the large case as a team case on a PostgreSQL server on this machine.

Every operation is measured on the server case and, as its baseline in the same run, on the
large case file; raw ``psycopg`` round trips show the floor a server adds. Then the live path
(a commit in this process until another process has the changed row) and ten writers editing
the same records at once for a minute, checked against the history the server keeps.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from typing import Any

from .measure import RESULT_PREFIX, Figure, clock
from .report import Result, baseline
from .server import bench_server, case_address
from .workspace import Workspace

SEARCH_P95 = 0.050
REFRESH_P95 = 1.0
WRITERS = 10
WRITE_SECONDS = 60.0  # at full scale; a smaller run writes for a share of it, at least 5 s
POOL = 200  # records the writers share: small enough that they often meet on one


def server_rows(ws: Workspace) -> list[Result]:
    """Row 12: publish the large case to a server, then measure it there against the file."""
    from db.postgres.publish import publish_file

    with bench_server() as database:
        address = case_address(database)
        start = clock()
        publish_file(ws.case_path, address, force=True)
        published = clock() - start
        results = _reads_and_edits(ws, database, address, published)
        results.append(_refresh(ws, address))
        results.append(_writers(ws, address))
    return results


# ----- reads and edits, server against file ------------------------------------------------


def _round_trips(database: str, times: int) -> Figure:
    import psycopg

    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("SELECT 1")
        samples = []
        for _ in range(times):
            start = clock()
            conn.execute("SELECT 1").fetchone()
            samples.append(clock() - start)
    return Figure.of(samples)


def _open_first_rows(opener: Any) -> float:
    from db import queries
    from db.fields import Kind
    from db.queries import ListQuery

    start = clock()
    with opener() as case:
        rowids = queries.list_rowids(case, ListQuery(Kind.TIMELINE))
        queries.fetch_rows(case, Kind.TIMELINE, rowids[:60])
    return clock() - start


def _keystrokes(case: Any, words: list[str]) -> list[float]:
    from db import queries
    from db.fields import Kind

    samples = []
    for word in words:
        for end in range(1, len(word) + 1):
            start = clock()
            queries.matching_rowids(case, Kind.TIMELINE, word[:end])
            samples.append(clock() - start)
    return samples


def _searches(case: Any, words: list[str], rounds: int) -> list[float]:
    from db.search import search

    for q in words:
        search(case, q)  # warm-up
    samples = []
    for _ in range(rounds):
        for q in words:
            start = clock()
            search(case, q)
            samples.append(clock() - start)
    return samples


def _edits(case: Any, record_id: str, times: int) -> list[float]:
    from db import records
    from db.fields import Kind
    from db.versions import record_version

    original = records.get_record(case, Kind.TIMELINE, record_id)["title"]
    samples = []
    for i in range(times):
        title = f"{original} (edited {i})" if i % 2 == 0 else original
        version = record_version(case, Kind.TIMELINE, record_id)  # known from the editor's load in the app
        start = clock()
        records.update_record(case, Kind.TIMELINE, record_id, {"title": title}, expected_version=version)
        samples.append(clock() - start)
    return samples


def _reads_and_edits(ws: Workspace, database: str, address: str, published: float) -> list[Result]:
    from db import queries
    from db.fields import Kind
    from db.postgres.case import ServerCase
    from db.queries import ListQuery
    from db.sqlite.casefile import CaseFile

    words = ws.words()
    rounds = max(3, ws.repeat)
    trips = _round_trips(database, 200)
    opens_server = Figure.of([_open_first_rows(lambda: ServerCase.open(address)) for _ in range(rounds)])
    opens_file = Figure.of([_open_first_rows(lambda: CaseFile.open(ws.case_path)) for _ in range(rounds)])
    server: dict[str, Figure] = {}
    local: dict[str, Figure] = {}
    for name, opener in (("server", lambda: ServerCase.open(address)), ("file", lambda: CaseFile.open(ws.case_path))):
        into = server if name == "server" else local
        with opener() as case:
            rowids = queries.list_rowids(case, ListQuery(Kind.TIMELINE))
            record_id = str(queries.fetch_rows(case, Kind.TIMELINE, rowids[:1])[rowids[0]][0])
            _keystrokes(case, words.typing()[:1])  # warm-up
            into["filter"] = Figure.of(_keystrokes(case, words.typing()))
            into["search"] = Figure.of(_searches(case, words.queries(), max(5, 2 * ws.repeat)))
            into["edit"] = Figure.of(_edits(case, record_id, 20))
    trip_note = f"A raw psycopg round trip (SELECT 1) on this server: {trips.summary(tail=True)}."

    def row(what: str, target: str, fig: Figure, base: Figure, *, met: bool | None = None, notes=()) -> Result:  # type: ignore[no-untyped-def]
        return Result(
            12,
            f"team case on a local server: {what}",
            target,
            measured=fig,
            tail=fig.n > 5,
            baselines=[
                baseline("the same on the case file", base, tail=base.n > 5),
                baseline("raw psycopg round trip", trips, tail=True),
            ],
            ratio=(fig.p(95) / base.p(95)) if fig.n > 5 else fig.median / base.median,
            met=met,
            notes=list(notes),
        )

    return [
        row(
            "open and read the Timeline's first rows (db level, fresh connection)",
            "—",
            opens_server,
            opens_file,
            notes=[f"Publishing the large case to the server took {published:.1f} s. {trip_note}"],
        ),
        row("filter as you type (one keystroke, db level)", "—", server["filter"], local["filter"]),
        row(
            "full-text search across the whole case",
            f"p95 under {SEARCH_P95 * 1000:.0f} ms",
            server["search"],
            local["search"],
            met=server["search"].p(95) < SEARCH_P95,
        ),
        row("edit one field (a checked write: version, history)", "—", server["edit"], local["edit"]),
    ]


# ----- live: a commit here until the other process has the row ----------------------------


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise TimeoutError("the listening process said nothing")
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("the listening process ended")
    return line.strip()


def _refresh(ws: Workspace, address: str) -> Result:
    from db import queries, records
    from db.fields import Kind
    from db.postgres.case import ServerCase
    from db.queries import ListQuery

    samples: list[float] = []
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.probe_server_listen", address],
        env=ws.env.environ("listen"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if _read_line(proc, 120) != "READY":
            raise RuntimeError("the listening process did not start")
        with ServerCase.open(address) as case:
            rowids = queries.list_rowids(case, ListQuery(Kind.TIMELINE))
            record_id = str(queries.fetch_rows(case, Kind.TIMELINE, rowids[:1])[rowids[0]][0])
            for i in range(30):
                title = f"live refresh {i}"
                records.update_record(case, Kind.TIMELINE, record_id, {"title": title})
                committed = time.time()  # update_record returns once the server has committed
                while True:
                    seen = json.loads(_read_line(proc, 30))
                    if seen["id"] == record_id and seen["title"] == title:
                        break
                samples.append(max(0.0, seen["seen"] - committed))
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    fig = Figure.of(samples)
    return Result(
        12,
        "team case on a local server: a commit in one process until another has the changed row",
        f"p95 under {REFRESH_P95:.0f} s",
        measured=fig,
        tail=True,
        met=fig.p(95) < REFRESH_P95,
        notes=[
            "The other process listens as the app does (LISTEN/NOTIFY, woken by its socket, no polling) "
            "and reads the announced row again as an open list does."
        ],
    )


# ----- ten writers at once -----------------------------------------------------------------


def _write_seconds(ws: Workspace) -> float:
    return max(5.0, WRITE_SECONDS * min(1.0, ws.scale))


def _writers(ws: Workspace, address: str) -> Result:
    from db import queries
    from db.fields import Kind
    from db.postgres.case import ServerCase
    from db.queries import ListQuery

    with ServerCase.open(address, read_only=True) as case:
        rowids = queries.list_rowids(case, ListQuery(Kind.TIMELINE))[:POOL]
        ids = [str(row[0]) for row in queries.fetch_rows(case, Kind.TIMELINE, rowids).values()]
    seconds = _write_seconds(ws)
    procs = []
    for writer in range(WRITERS):
        args = {"address": address, "ids": ids, "seconds": seconds, "writer": writer, "seed": writer}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "bench.probe_server_writer", json.dumps(args)],
                env=ws.env.environ(f"writer-{writer}"),
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    reports = []
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 300)
        lines = [line for line in out.splitlines() if line.startswith(RESULT_PREFIX)]
        if not lines:
            raise RuntimeError(f"a writer ended without a result (exit {proc.returncode})")
        report = json.loads(lines[-1][len(RESULT_PREFIX) :])
        if "error" in report:
            raise RuntimeError(f"a writer failed: {report['error']}")
        reports.append(report)
    written = [tuple(w) for r in reports for w in r["written"]]
    conflicts = sum(r["conflicts"] for r in reports)
    failed = sum(r["error_count"] for r in reports)
    lost, silent = _check_history(address, written)
    rate = len(written) / seconds
    return Result(
        12,
        f"team case on a local server: {WRITERS} writers editing {POOL} shared records for {seconds:.0f} s",
        "zero lost, zero silent overwrites",
        measured_text=(
            f"{rate:.0f} edits/s ({len(written):,} saved, {conflicts:,} refused as conflicts, {failed} failed); "
            f"{lost} lost, {silent} silent overwrites"
        ),
        met=lost == 0 and silent == 0 and failed == 0,
        notes=[
            "Each writer reads a record's version and title, then writes a new title on condition that the "
            "version is unchanged, as the app's editor does; a refused write is counted, not retried. "
            "Checked afterwards against the server's history: every saved write is there (not lost) and "
            "replaced the very title its writer had read (no silent overwrite)."
        ],
        extra={"saved": len(written), "conflicts": conflicts, "failed": failed, "lost": lost, "silent": silent},
    )


def _check_history(address: str, written: list[tuple[Any, ...]]) -> tuple[int, int]:
    """(saved writes missing from the history, saved writes that replaced a title their writer
    had not read)."""
    import psycopg

    from db.address import parse_server_address

    where = parse_server_address(address)
    with psycopg.connect(where.url) as conn:
        rows = conn.execute(
            f'SELECT record_id, old_value, new_value FROM "{where.schema}".history '
            "WHERE field = 'title' AND operation = 'update'"
        ).fetchall()
    replaced = {(str(r[0]), r[2]): r[1] for r in rows}
    lost = silent = 0
    for record_id, seen, title in written:
        key = (record_id, title)
        if key not in replaced:
            lost += 1
        elif replaced[key] != seen:
            silent += 1
    return lost, silent
