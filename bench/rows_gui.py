"""Rows measured in fresh app processes: open (2), sort (3), filter (4), edit (6), memory (9), cold start (10)."""

from __future__ import annotations

from typing import Any

from .measure import Figure, repeat, run_probe
from .report import Result, baseline
from .workspace import Workspace

OPEN_LIMIT, OPEN_RATIO = 1.0, 2.0
SORT_LIMIT = 0.300
FILTER_P95 = 0.100
EDIT_P95 = 0.030
MEMORY_LIMIT_MB = 300.0
COLD_LIMIT = 1.0
SORT_COLUMNS = ("title", "source", "actors", "key")
EDIT_FIELDS = ("title", "description")

# Every Timeline row's shown columns, names resolved, in date order: what an eager view would read.
TIMELINE_SELECT = (
    "SELECT r.n, r.id, r.date, r.title, "
    "(SELECT group_concat(a.name, '; ') FROM timeline_actor ta JOIN actor a ON a.id = ta.actor_id "
    "WHERE ta.entry_id = r.id), r.key_event, (SELECT s.title FROM source s WHERE s.id = r.source_id) "
    "FROM timeline_entry r ORDER BY r.date_key, r.n"
)
PHASES = (
    ("interpreter", "interpreter up"),
    ("imported", "desktop.app imported"),
    ("qapp", "QApplication"),
    ("window_created", "window created"),
    ("window_painted", "window painted"),
    ("opened", "case opened"),
    ("rows_painted", "rows painted"),
    ("case_painted", "case painted"),
)


def _timeout(ws: Workspace, base: float, per_scale: float) -> float:
    return base + per_scale * ws.scale


def _phases(runs: list[dict[str, Any]]) -> str:
    """Median time of each start-up mark, from spawn."""
    parts = []
    for key, label in PHASES:
        values = [r["marks"][key] for r in runs if key in r["marks"]]
        if values:
            parts.append((Figure.of(values).median, label))
    return ", ".join(f"{label} {seconds:.2f} s" for seconds, label in sorted(parts))


def _qt_runs(ws: Workspace) -> list[dict[str, Any]]:
    """The Qt floor: fresh processes painting an empty QMainWindow (shared by rows 2, 9, 10)."""

    def compute() -> list[dict[str, Any]]:
        args = {"mode": "qt"}
        run_probe("probe_window", args, env=ws.env, home="qt", timeout=60)  # warm-up: bytecode and disk cache
        return [run_probe("probe_window", args, env=ws.env, home="qt", timeout=60) for _ in range(ws.repeat)]

    return list(ws.memo("qt", compute))


def _window_runs(ws: Workspace) -> dict[str, Any]:
    """Fresh app processes showing the large case's Timeline, then scrolling (shared by rows 2 and 9)."""

    def compute() -> dict[str, Any]:
        args = {"mode": "timeline", "path": str(ws.case_path), "scroll": True, "timeout": _timeout(ws, 60, 240)}
        probe = {"env": ws.env, "home": "window", "timeout": _timeout(ws, 90, 300)}
        first = run_probe("probe_window", args, **probe)  # first open of the new file: automatic backup
        return {"first": first, "runs": [run_probe("probe_window", args, **probe) for _ in range(ws.repeat)]}

    return dict(ws.memo("window", compute))


def open_row(ws: Workspace) -> list[Result]:
    """Row 2: open the large file and show the Timeline's first rows."""
    window = _window_runs(ws)
    runs = window["runs"]
    app = Figure.of([r["marks"]["rows_painted"] for r in runs])
    qt = Figure.of([r["marks"]["painted"] for r in _qt_runs(ws)])

    def select() -> None:
        conn = ws.raw()
        try:
            conn.execute(TIMELINE_SELECT).fetchall()
        finally:
            conn.close()

    select()  # warm the page cache as the app's runs found it
    raw = repeat(select, ws.repeat)
    from db.sqlite.casefile import CaseFile

    checks = repeat(lambda: CaseFile.open(ws.case_path).close(), ws.repeat)
    floor = qt.median + raw.median
    ratio = app.median / floor
    return [
        Result(
            2,
            "open the large file (all checks) and show the first rows of the Timeline page",
            f"under {OPEN_LIMIT:g} s; within {OPEN_RATIO:g}x of raw select + Qt start-up",
            measured=app,
            baselines=[
                baseline("Qt start-up (fresh process, empty QMainWindow painted)", qt),
                baseline(f"raw sqlite3 select of all {runs[0].get('rows', 0):,} Timeline rows' columns", raw),
                ("sum", f"{app.fmt(floor)}"),
            ],
            ratio=ratio,
            met=app.median < OPEN_LIMIT and ratio <= OPEN_RATIO,
            notes=[
                f"From spawn (median): {_phases(runs)}.",
                f"CaseFile.open alone (every open-time check) takes {checks.summary()} in this process.",
                f"The first open of the new file (automatic backup taken) showed rows after "
                f"{window['first']['marks'].get('rows_painted', float('nan')):.2f} s.",
            ],
            extra={"runs": runs, "first": window["first"], "casefile_open": checks.to_dict()},
        )
    ]


def memory_row(ws: Workspace) -> list[Result]:
    """Row 9: memory of the app with the large case open on the Timeline, after scrolling."""
    runs = _window_runs(ws)["runs"]
    peak = Figure.of([r["memory"]["peak_mb"] for r in runs], "MB")
    current = Figure.of([r["memory"]["current_mb"] for r in runs], "MB")
    qt_runs = _qt_runs(ws)
    qt_peak = Figure.of([r["memory"]["peak_mb"] for r in qt_runs], "MB")
    qt_current = Figure.of([r["memory"]["current_mb"] for r in qt_runs], "MB")
    return [
        Result(
            9,
            "peak memory with the large case open",
            f"under {MEMORY_LIMIT_MB:.0f} MB",
            measured=peak,
            measured_text=f"peak {peak.summary()}; current {current.fmt(current.median)}",
            baselines=[
                ("PySide6 + empty window", f"peak {qt_peak.summary()}; current {qt_current.fmt(qt_current.median)}")
            ],
            ratio=peak.median / qt_peak.median,
            met=peak.median < MEMORY_LIMIT_MB,
            notes=[
                f"After {runs[0].get('scroll_steps', 0)} scroll steps through the Timeline table;"
                f" {peak.median - qt_peak.median:.0f} MB above the Qt floor."
            ],
        )
    ]


def cold_start_row(ws: Workspace) -> list[Result]:
    """Row 10: `casefile` on the sample case to an interactive window, fresh process."""
    args = {"mode": "sample", "timeout": 60}
    run_probe("probe_window", args, env=ws.env, home="sample", timeout=90)  # first run: creates the sample case
    runs = [run_probe("probe_window", args, env=ws.env, home="sample", timeout=90) for _ in range(ws.repeat)]
    app = Figure.of([r["marks"]["case_painted"] for r in runs])
    qt = Figure.of([r["marks"]["qapp"] for r in _qt_runs(ws)])
    return [
        Result(
            10,
            "cold start of `casefile` on the sample case to an interactive window",
            f"under {COLD_LIMIT:g} s",
            measured=app,
            baselines=[baseline("interpreter + import PySide6.QtWidgets + QApplication", qt)],
            ratio=app.median / qt.median,
            met=app.median < COLD_LIMIT,
            notes=[f"From spawn (median): {_phases(runs)}."],
            extra={"runs": runs},
        )
    ]


# ----- rows 3, 4, 6: one app process on a copy of the large case -----------------------------


def _interact(ws: Workspace) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        tasks = [t for t in ("sort", "filter", "edit") if ws.wants(t)]
        path = ws.copy_case("interact.casefile")
        args = {
            "path": str(path),
            "tasks": tasks,
            "sort_columns": list(SORT_COLUMNS),
            "samples": max(4, ws.repeat),
            "words": ws.words().typing(),
            "rounds": max(1, (ws.repeat + 1) // 2),
            "edit_samples": max(10, 4 * ws.repeat),
            "timeout": _timeout(ws, 60, 240),
        }
        try:
            return run_probe("probe_interact", args, env=ws.env, home="interact", timeout=_timeout(ws, 180, 1500))
        finally:
            path.unlink(missing_ok=True)

    return dict(ws.memo("interact", compute))


def sort_row(ws: Workspace) -> list[Result]:
    """Row 3: sort the Timeline by other columns."""
    data = _interact(ws)
    sql = data.get("db_only", {}).get("sort", {})
    out = []
    for name, samples in data["sort"].items():
        fig = Figure.of(samples)
        notes = []
        if sql.get(name):
            alone = Figure.of(sql[name])
            notes.append(f"The SQL alone (db.queries.list_rowids, no view): {alone.summary()}.")
        out.append(
            Result(
                3,
                f"sort the {data['rows']:,}-row timeline by {name}",
                f"under {SORT_LIMIT * 1000:.0f} ms",
                measured=fig,
                met=fig.median < SORT_LIMIT,
                notes=notes,
            )
        )
    return out


def filter_row(ws: Workspace) -> list[Result]:
    """Row 4: one keystroke of filter-as-you-type."""
    data = _interact(ws)["filter"]
    sql = _interact(ws).get("db_only", {}).get("filter")
    fig = Figure.of([t for times in data["keystrokes"].values() for t in times])
    per_word = []
    worst = (0.0, "")
    for word, times in data["keystrokes"].items():
        f = Figure.of(times)
        per_word.append(f"“{word}” p50 {f.fmt(f.median)} / p95 {f.fmt(f.p(95))} ({data['matches'][word]:,} rows match)")
        for i, t in enumerate(times):
            if t > worst[0]:
                worst = (t, word[: i % len(word) + 1])
    clear = Figure.of(data["clear"])
    return [
        Result(
            4,
            f"filter as you type (one keystroke) on {_interact(ws)['rows']:,} rows",
            f"p95 under {FILTER_P95 * 1000:.0f} ms",
            measured=fig,
            tail=True,
            met=fig.p(95) < FILTER_P95,
            notes=[
                "Per word: " + "; ".join(per_word) + ".",
                f"Slowest keystroke: “{worst[1]}” {fig.fmt(worst[0])}. Clearing the filter: {clear.fmt(clear.median)}.",
                *(
                    [f"The SQL alone (db.queries.list_rowids, no view): {Figure.of(sql).summary(tail=True)}."]
                    * bool(sql)
                ),
            ],
            extra=data,
        )
    ]


def edit_row(ws: Workspace) -> list[Result]:
    """Row 6: edit one field of a Timeline entry with the Timeline page shown."""
    data = _interact(ws)["edit"]
    undo = Figure.of(data["undo"])
    writes = data.get("write_only", {})
    out = []
    for field in EDIT_FIELDS:
        fig = Figure.of(data[field])
        write_note = []
        if writes.get(field):
            alone = Figure.of(writes[field])
            write_note.append(
                f"The write alone (db.records.update_record, no undo, no view): {alone.summary(tail=True)}."
            )
        out.append(
            Result(
                6,
                f"edit one field (write + undo entry + view update): {field}",
                f"p95 under {EDIT_P95 * 1000:.0f} ms",
                measured=fig,
                tail=True,
                met=fig.p(95) < EDIT_P95,
                notes=write_note
                + (
                    [
                        f"{data['undo_steps_added']} undo steps were added by the edits;"
                        f" one Undo (with repaint) takes p50 {undo.fmt(undo.median)}, p95 {undo.fmt(undo.p(95))}."
                    ]
                    if field == EDIT_FIELDS[0]
                    else []
                ),
            )
        )
    return out
