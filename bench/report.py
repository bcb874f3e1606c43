"""Results and their report: the table in docs/performance.md, its JSON twin, and stdout."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .measure import Figure

METHOD = """\
## How each row is measured

Every row runs its operation several times in the same run as its baseline, on the same
machine, and reports the median with the spread (min–max; p50/p95 for per-keystroke and
per-query rows). GUI rows run in fresh offscreen processes through the app's own code paths
(`create_main_window`, Go > Timeline, the page's table and filter, `CaseSession`), with a
private user folder.

1. **Import**: `db.interchange.import_json` of the large JSON into a new case file. Baselines:
   the same rows (read back from the imported file) inserted with plain `sqlite3`
   `executemany` in one transaction into the same schema (foreign keys on, deferred; the
   triggers that keep the stored sort names are left out, as the rows read back already hold
   those names): without the full-text triggers (the target's basis), with them, and without
   them plus a bulk FTS5 `rebuild` (what a fast import must do at least).
2. **Open**: a fresh process from spawn (interpreter start included) until the Timeline
   table has painted its first rows, the app started as `casefile PATH` starts it. The file
   is opened once before timing (the first open after a change also writes the automatic
   backup; that time is in the notes). Baseline: a fresh process that imports
   `PySide6.QtWidgets`, creates the `QApplication` and paints an empty `QMainWindow`, plus a
   plain `sqlite3` select of every Timeline row's shown columns (date, title, actor names,
   key flag, source title).
3. **Sort**: `sortByColumn` on the Timeline table (what a header click calls), then the event
   loop until the table has repainted; ascending and descending alternate.
4. **Filter**: words of the generated vocabulary typed letter by letter (a common word, two
   words of a real title, a rare word, a word in no record); each keystroke is the page's
   `apply_filter` plus the repaint (the filter box's 120 ms debounce is not included).
5. **Search**: `db.search.search` for common, medium, rare, two-word, prefix and missing
   words, against one FTS5 `MATCH` per full-text table in plain `sqlite3`
   (`snippet`, `bm25` order, `LIMIT 50`).
6. **Edit**: `CaseSession.edit_record` of a title and of a description of the selected
   Timeline entry, with the Timeline page shown: the write, the undo command, the signals
   and the repaint.
7. **Export**: `desktop.briefing_export.export_snapshot` with the case's saved options (what
   the app's export job runs, in a fresh process here),
   against a bare platypus build of the same content (`bench/bare_packet.py`: plain
   Paragraphs, 500-row table chunks, same fonts and page size). Compared in pages per
   second. At full scale each is measured once (each takes minutes).
8. **Responsiveness**: a 20 ms QTimer heartbeat on the GUI thread while the app's own
   background paths run: the File > Import JSON action with its two file dialogs answered
   (the app's flow: the import, then opening the new file) and File > Export Briefing
   (`BriefingExporter.export`, cancelled after a time limit at large scale). Largest gap
   and p99; baseline: the heartbeat with nothing running. A beat 100 ms late gets every
   thread's Python stack dumped (faulthandler), summarised in the notes.
9. **Memory**: the fresh process of row 2 after it has scrolled through the table:
   peak (VmHWM, the kernel's high-water mark; `ru_maxrss` of a child carries over its parent's) and
   current RSS, against the Qt-only process of row 2.
10. **Cold start**: as row 2, `casefile` with no argument on the sample case (first run done
    before timing), until the case page has painted; baseline: interpreter +
    `import PySide6.QtWidgets` + `QApplication`.
11. **Bulk tag**: Add Tag on the first 1,000 rows of the Timeline selected, as the app does it
    once its dialog is answered (one transaction, one undo step, the views told), until the
    table has repainted; timed once the page and its strip have loaded. Undo timed the same way.
12. **Team case**: the large case published to a PostgreSQL server on this machine
    (`CASEFILE_BENCH_SERVER`, else a throw-away one from `scripts/test_postgres.sh`). Opening
    and reading the first rows, a filter keystroke, a search and a checked edit, each against
    the same on the case file and a raw `psycopg` round trip; a commit here until another
    process (listening as the app does) has read the changed row; ten processes editing the
    titles of 200 shared records at once for a minute, each write conditional on the version
    its writer read, then checked against the server's history (every saved write there, each
    replacing the title its writer had read).
13. **Offline copies**: a file master copied from the large case, an offline copy taken of it
    (`take_offline_copy`, untimed, its time in the note), then 10,000 records changed in the
    copy and 10,000 in the master in one transaction each (titles, descriptions, statements'
    words, sources' notes, actors' tags, directives' provisions, a few timeline entries deleted
    and created), 50 of them the same title on both sides, and the setup's writes flushed to
    disk (`os.sync`), so the sync runs on files at rest. Timed, as the app syncs (File > Sync
    with Master, the copy already open): `prepare_sync`, which opens and checks the master, and
    `carry_out` with every conflict decided "theirs" (verified backups of both sides included),
    with the time in each step of `db/replica.py` and `db/sync_writes.py`; the note adds opening
    the copy and closing both files, for `casefile sync`'s time from start to end. After each run
    both sides must hold the same values and a second `prepare_sync` must find nothing, or the
    row fails. Baselines: plain
    `sqlite3` updates of 20,000 titles in one transaction, 500 to an `UPDATE ... FROM json_each`
    statement, with the file's triggers firing, and two plain copies of the large file each
    written to disk and `quick_check`ed: the writes and the backups any sync must do, the
    ratio's basis. Second line: three large-case JSON texts (the base and two
    edited as above) loaded, merged, settled as ours and written back as text in memory
    (`casefile merge --prefer ours` without the file reads and writes), against `json.loads` of
    the three and `json.dumps` of one.
"""


# For each row whose target a run can miss on this kind of machine: where the time goes (from
# the row's own breakdown in the notes) and what would meet the target. Shown only for rows
# the run did not meet.
WHEN_NOT_MET = {
    2: "Where the time goes (the row's note gives this run's breakdown): Python and the app's first "
    "imports take about 0.2 s; creating the window about 0.5 s more, most of it importing the modules "
    "behind it (importing SQLAlchemy alone takes about 0.2 s); the open-time checks (`CaseFile.open`: "
    "header, schema and `quick_check`, which reads every page of the 280 MB file in about 0.3 s) "
    "take about 0.58 s and run beside the window's creation; the first page of rows needs the order of all 100,000 "
    "entries, about 0.2 s. The total stays within the second part of the target (2x of a plain "
    "`sqlite3` select of the same rows plus Qt start-up). What would meet 1 s: no SQLAlchemy on the "
    "way to the first window (the store's runtime SQL is already textual, so a thin `sqlite3` layer "
    "would do) and `quick_check` run after the rows are shown, with the window read-only until it passes.",
    3: "Where the time goes: Source and Actors sort by a name that lives in another table (the cited "
    "source's title; the entry's first actor's name), so the SQL joins on a text key for each of the "
    "100,000 rows and sorts the names, and that is most of the row (the note gives the SQL alone; it "
    "varies between runs on this shared machine: 255-310 ms for Source, 240-480 ms for Actors seen). "
    "Title and Key sort from an index in under 200 ms. What would meet it: keep the sort name as a "
    "column of the entry (updated when the link, the source's title or the actor's name changes) "
    "with an index on it, so these sorts read an index as the title sort does.",
    6: "Where the time goes: the selected entry's title is drawn as a label in the timeline strip "
    "above the table, so a title edit repaints the strip, and laying out and drawing the strip's "
    "labels and marks for 100,000 entries takes about 20-35 ms of Python per repaint; the write "
    "itself is about 1.5 ms (note). A description edit, which the strip does not show, stays under "
    "the target. What would meet it: keep the strip's marks and histogram in a cached pixmap, "
    "redrawn only when the view moves or the marks change, so a title edit redraws only the label row.",
    13: "Where the time goes (the note gives this run's breakdown): the sync is spread over four threads "
    "on a machine of two cores. Before anything can be merged the master is opened and checked (its "
    "open-time checks read the whole file, about 0.7 to 1 s) and its marks and the records changed there "
    "are read, about 0.8 s more, while the copy's are read beside it and the copy's backup is made; the "
    "merge is Python, about 0.5 s; the two sides are then written at once, about 1.3 s, each with its "
    "full-text triggers firing. The verified backups (a file copy and a quick_check each) usually finish "
    "while the sync reads, but their copying slows when the system has let the files' pages go from its "
    "cache. What would bring the sync further under 5 s here: more cores; reading only the marks that "
    "moved since the last sync (a server could answer from its history; a file master would need a "
    "change log of its own); and reading the master's marks beside its open-time scans, once its "
    "structure is checked.",
}


@dataclass
class Result:
    """One line of the table: an operation, its figure, its baselines and its target."""

    number: int
    operation: str
    target: str
    measured: Figure | None = None
    measured_text: str | None = None  # replaces the figure's own summary
    tail: bool = False  # show p50/p95 rather than the median
    baselines: list[tuple[str, str]] = field(default_factory=list)  # (what, figure text)
    ratio: float | None = None
    met: bool | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def measured_cell(self) -> str:
        """The "measured" column."""
        if self.error:
            return f"error: {self.error}"
        if self.measured_text:
            return self.measured_text
        return self.measured.summary(tail=self.tail) if self.measured else "—"

    def met_cell(self) -> str:
        """The "met?" column."""
        if self.error:
            return "error"
        return {True: "yes", False: "**no**", None: "—"}[self.met]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """Back from ``to_dict`` (to write the report again from docs/performance.json)."""
        measured = data.get("measured")
        return cls(
            number=data["number"],
            operation=data["operation"],
            target=data["target"],
            measured=Figure.of(measured["samples"], measured["unit"]) if measured else None,
            measured_text=data.get("measured_text"),
            baselines=[(b["what"], b["figure"]) for b in data.get("baselines", [])],
            ratio=data.get("ratio"),
            met=data.get("met"),
            notes=list(data.get("notes", [])),
            error=data.get("error"),
            extra=dict(data.get("extra", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable form."""
        return {
            "number": self.number,
            "operation": self.operation,
            "target": self.target,
            "measured": self.measured.to_dict() if self.measured else None,
            "measured_text": self.measured_cell(),
            "baselines": [{"what": what, "figure": text} for what, text in self.baselines],
            "ratio": self.ratio,
            "met": self.met,
            "notes": self.notes,
            "error": self.error,
            "extra": self.extra,
        }


def baseline(what: str, figure: Figure, *, tail: bool = False) -> tuple[str, str]:
    """A baseline entry from a figure."""
    return what, figure.summary(tail=tail)


def machine() -> dict[str, str]:
    """CPU, cores, memory, OS and the versions of everything measured."""
    cpu = platform.processor() or platform.machine()
    ram = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1_048_576:.1f} GiB"
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} ({platform.platform()})"
    except OSError:
        pass
    import reportlab
    import sqlalchemy
    from PySide6 import __version__ as pyside
    from PySide6.QtCore import qVersion

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "os": os_name,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "qt": f"Qt {qVersion()} / PySide6 {pyside}",
        "reportlab": str(reportlab.Version),
        "sqlalchemy": str(sqlalchemy.__version__),
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(results: list[Result]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| # | operation | measured (median, spread; p95 where relevant) | baseline (same run) | ratio | target "
        "| met? |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        base = "<br>".join(f"{what}: {text}" for what, text in r.baselines) or "—"
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "—"
        cells = [str(r.number), r.operation, r.measured_cell(), base, ratio, r.target, r.met_cell()]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _notes(results: list[Result]) -> str:
    out: list[str] = []
    for r in results:
        if not r.notes and not r.error:
            continue
        flag = " (target not met)" if r.met is False else (" (error)" if r.error else "")
        out.append(f"- **{r.number}. {r.operation}**{flag}: " + " ".join(r.notes or [r.error or ""]))
    return "\n".join(out)


def _not_met(results: list[Result]) -> str:
    rows = sorted({r.number for r in results if r.met is False})
    lines = []
    for number in rows:
        names = "; ".join(r.operation for r in results if r.number == number and r.met is False)
        why = WHEN_NOT_MET.get(number, "No explanation is recorded for this row yet: see its note.")
        lines.append(f"- **{number}. {names}.** {why}")
    return "\n".join(lines)


def markdown(results: list[Result], meta: dict[str, Any]) -> str:
    """The whole docs/performance.md."""
    m, case = meta["machine"], meta["case"]
    counts = ", ".join(f"{n:,} {kind}" for kind, n in case.get("counts", {}).items())
    lines = [
        "# Performance: the large-case benchmark",
        "",
        f"Written by `{meta['command']}` on {meta['date']}; regenerate it rather than editing it.",
        "Timings are on a shared machine: compare a row with its baseline from the same run,",
        "not with another run's figures.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram']}",
        f"- OS: {m['os']}",
        f"- Python {m['python']}, SQLite {m['sqlite']}, {m['qt']}, reportlab {m['reportlab']}, "
        f"SQLAlchemy {m['sqlalchemy']}",
        "",
        "## The large case",
        "",
        f"- Scale {meta['scale']:g} of the full case (`bench/generate.py`), repeat {meta['repeat']}: {counts}.",
        f"- JSON {case.get('json_mb', 0):.0f} MB ({case.get('json', '?')}); case file {case.get('case_mb', 0):.0f} MB, "
        f"first import {case.get('first_import_s', 0):.1f} s.",
        "",
        "## Results",
        "",
        table(results),
        "",
        "## Notes",
        "",
        _notes(results) or "Nothing to note.",
        "",
        *(["## Where a target is not met", "", _not_met(results), ""] if any(r.met is False for r in results) else []),
        METHOD,
    ]
    return "\n".join(lines)


def write(results: list[Result], meta: dict[str, Any], out: Path) -> Path:
    """Write the Markdown report and the JSON beside it; return the JSON path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(results, meta), encoding="utf-8")
    data = {**meta, "results": [r.to_dict() for r in results]}
    json_path = out.with_suffix(".json")
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return json_path


def rewrite(out: Path) -> Path:
    """Write the Markdown report again from the JSON beside it (same figures, current wording)."""
    json_path = out.with_suffix(".json")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    results = [Result.from_dict(r) for r in data.pop("results")]
    out.write_text(markdown(results, data), encoding="utf-8")
    return out


def now() -> str:
    """The date and time of the run, for the report."""
    return dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
