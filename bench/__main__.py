"""``python -m bench``: measure the app on a large case against the limits of what it stands on.

Generates (or reuses) the large case, imports it, measures every row of the table in
docs/performance.md with its baseline in the same run, and writes the report (Markdown and
JSON) and prints the table. Exit status 1 if any row failed to measure, 0 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .measure import REPO
from .report import Result, machine, now, rewrite, table, write
from .rows_bulk import bulk_tag_row
from .rows_data import import_row, search_row
from .rows_export import export_row
from .rows_gui import cold_start_row, edit_row, filter_row, memory_row, open_row, sort_row
from .rows_responsive import responsiveness_row
from .rows_server import server_rows
from .rows_sync import sync_row
from .workspace import Workspace


@dataclass(frozen=True)
class Row:
    """One operation of the table and the function that measures it."""

    number: int
    key: str
    label: str
    measure: Callable[[Workspace], list[Result]]


ROWS: tuple[Row, ...] = (
    Row(1, "import", "import the large JSON into a new case file", import_row),
    Row(2, "open", "open the large file (all checks) and show the first rows of the Timeline page", open_row),
    Row(3, "sort", "sort the timeline by another column", sort_row),
    Row(4, "filter", "filter as you type (one keystroke)", filter_row),
    Row(5, "search", "full-text search across the whole case", search_row),
    Row(6, "edit", "edit one field (write + undo entry + view update)", edit_row),
    Row(7, "export", "export the large case's briefing packet", export_row),
    Row(8, "responsiveness", "GUI responsiveness during import and export", responsiveness_row),
    Row(9, "memory", "peak memory with the large case open", memory_row),
    Row(10, "coldstart", "cold start of `casefile` on the sample case to an interactive window", cold_start_row),
    Row(11, "bulk", "add a tag to 1,000 selected timeline entries (one undo step)", bulk_tag_row),
    Row(12, "server", "the large case as a team case on a local PostgreSQL server", server_rows),
    Row(13, "sync", "offline copies: sync with the master, and merge two JSON documents", sync_row),
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure Casefile on a large case against the limits of what it stands on (docs/performance.md).",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full large case (default 1.0)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement (default 5)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "performance.md", help="the Markdown report")
    parser.add_argument("--workdir", type=Path, default=REPO / "bench-out", help="cache and scratch folder")
    parser.add_argument("--only", default="", help="comma-separated rows to run, by name or number: " +
                        ", ".join(r.key for r in ROWS))  # fmt: skip
    parser.add_argument("--export-repeat", type=int, default=None, help="runs of the export row (default: 1 at "
                        "scale >= 0.5, else 2)")  # fmt: skip
    parser.add_argument("--rewrite", action="store_true", help="measure nothing: write the Markdown report again "
                        "from the JSON beside it")  # fmt: skip
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1.0:
        parser.error("--scale must be in (0, 1]")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def selected_rows(only: str) -> list[Row]:
    """The rows named by ``--only`` (all when empty); ValueError for an unknown name."""
    if not only.strip():
        return list(ROWS)
    wanted = {part.strip().lower() for part in only.split(",") if part.strip()}
    known = {r.key for r in ROWS} | {str(r.number) for r in ROWS}
    unknown = sorted(wanted - known)
    if unknown:
        raise ValueError(f"unknown row {unknown[0]!r}; use {', '.join(r.key for r in ROWS)}")
    return [r for r in ROWS if r.key in wanted or str(r.number) in wanted]


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_row(row: Row, ws: Workspace) -> list[Result]:
    """Measure one row; a failure becomes an error line and the other rows still run."""
    start = time.perf_counter()
    log(f"row {row.number}: {row.label}…")
    try:
        results = row.measure(ws)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        results = [Result(row.number, row.label, "—", error=message[:300])]
    log(f"row {row.number} done in {time.perf_counter() - start:.1f} s")
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    args = parse_args(argv)
    if args.rewrite:
        log(f"wrote {rewrite(args.out)} from {args.out.with_suffix('.json')}")
        return 0
    try:
        rows = selected_rows(args.only)
    except ValueError as exc:
        print(f"python -m bench: {exc}", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    ws = Workspace(args.scale, args.repeat, args.workdir.resolve(), {r.key for r in rows}, args.export_repeat)
    # This process's own user folders (settings, backups, logs) stay inside the run folder too.
    os.environ["CASEFILE_HOME"] = str(ws.path("homes") / "bench")
    results: list[Result] = []
    try:
        try:
            ws.prepare(log)
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            message = " ".join(f"could not build the large case: {type(exc).__name__}: {exc}".split())[:300]
            results = [Result(r.number, r.label, "—", error=message) for r in rows]
        else:
            for row in rows:
                results += run_row(row, ws)
    finally:
        ws.cleanup()
    command = "python -m bench " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    meta = {
        "command": command.strip(),
        "date": now(),
        "scale": args.scale,
        "repeat": args.repeat,
        "machine": machine(),
        "case": ws.info,
    }
    json_path = write(results, meta, args.out)
    print(table(results))
    log(f"wrote {args.out} and {json_path}")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
