"""Run the reliability tests and write what they measured to docs/reliability.md.

Usage: python scripts/reliability_report.py [-m MARKEXPR] [-k EXPR] [--kills N] [--seeds N]
       [--fuzz N] [--output PATH] [-- EXTRA PYTEST ARGS]

Runs ``python -m pytest tests/test_reliability_*.py`` with CASEFILE_RELIABILITY_REPORT set,
so each test appends the figures it measured (kills survived, seeds tried, bytes checked,
...) as JSON lines; then writes the Markdown report: every test with what it proves and its
figures, the machine, the date, and what cannot be tested here. ``--kills``, ``--seeds`` and
``--fuzz`` set CASEFILE_CRASH_KILLS, CASEFILE_BITFLIP_SEEDS and CASEFILE_FUZZ_EXAMPLES.
Exits with pytest's status; the report is written either way (a failed run says so).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

ITEMS = {
    1: ("Crash during edits", "tests/test_reliability_crash.py"),
    2: ("Hostile files do nothing", "tests/test_reliability_hostile.py"),
    3: ("Damaged files", "tests/test_reliability_damage.py"),
    4: ("Two copies of the app, one file", "tests/test_reliability_lock.py"),
    5: ("Automatic backups", "tests/test_reliability_backups.py"),
    6: ("Write failures", "tests/test_reliability_write_failures.py"),
    7: ("What leaves the machine", "tests/test_reliability_privacy.py"),
    8: ("Risky locations", "tests/test_reliability_locations.py"),
    9: ("Export while editing", "tests/test_reliability_export.py"),
    10: ("Fuzzing", "tests/test_reliability_fuzz.py"),
    11: ("Side files beside a case file", "tests/test_reliability_sidefiles.py"),
    12: ("Backups filed by the file, not its contents", "tests/test_reliability_backups.py"),
    13: ("Replacing a file someone is editing", "tests/test_reliability_sidefiles.py"),
    14: ("JSON and CSV edges", "tests/test_reliability_interchange.py"),
    15: (
        "Stored values that are not Casefile data",
        "tests/test_reliability_stored_values.py tests/test_reliability_stored_index.py "
        "tests/test_reliability_stored_damage.py",
    ),
    16: ("Odd inputs, never a traceback", "tests/test_reliability_odd_inputs.py"),
    17: ("Search on long text", "tests/test_reliability_search.py"),
    18: ("Leftovers and permissions", "tests/test_reliability_leftovers.py tests/test_reliability_tempfiles.py"),
    19: ("Refused means unchanged", "tests/test_reliability_promises.py"),
}

# What the tests found when they were first run, and what was changed (kept with the figures).
FOUND = [
    "Two copies could edit one file at once: reading the previous owner from the lock file through a second "
    "descriptor released the process's own POSIX lock (closing any descriptor drops them). The lock file is now "
    "read through the locked handle (db/lock.py).",
    'After a kill mid-transaction the file could be refused as damaged ("its header says it holds 81 pages but '
    "the file has only ...\"): the header was compared with the file's size before SQLite rolled the hot journal "
    "back. The size checks now wait for the rollback (db/sqlite/filecheck.py).",
    "A process killed just after starting a transaction left a -journal beside the file that SQLite ignores and "
    "never deletes (it holds copies of pages); closing the file now removes such a journal (db/sqlite/casefile.py).",
    "A bit flip that turned text into a blob, damaged UTF-8, a damaged full-text index or an unreadable stored "
    "date raised TypeError, AttributeError, UnicodeDecodeError, OperationalError or ValueError instead of a "
    "clear message. Values of the wrong storage class are now refused at open, and the rest are reported as "
    "damage (db/sqlite/filecheck.py, db/sqlite/casefile.py, db/errors.py, db/values.py, db/queries.py, db/search.py).",
    "An FTS shadow table redefined with a DEFAULT or CHECK was accepted (only its name was compared); its SQL "
    "is now compared too, allowing only a missing WITHOUT ROWID (db/sqlite/filecheck.py).",
    "A file in a folder the user may not enter raised PermissionError (a traceback) in the core and again in the "
    "app; both now say so plainly (db/sqlite/filecheck.py, desktop/documents.py).",
    "A briefing export that ran out of disk raised OSError (the unexpected-error dialog); it is now a plain "
    'message. A JSON import that hit a full disk reported "cannot rollback - no transaction is active" '
    "instead of the disk error (db/interchange.py, db/sqlite/migrations; desktop/briefing_export.py).",
    "A symbolic link (or hard link) in the lock file's place made opening a case truncate the file it pointed "
    "to; a named pipe there, or named like the case file, hung the open. The lock file is now opened without "
    "following links and only when it is a plain file with one name; a case file with two names takes a flock "
    "on the file itself (db/lock.py, db/sqlite/filecheck.py).",
    "import --force, new --force, Save a Copy and Restore left the old file's -journal beside the new one, and "
    "the next open played it into the new file; a -wal beside a case file was applied even by casefile check. "
    "Side files are removed before a new file moves in, a -wal refuses the file, and a hot journal is played "
    "back in a private copy and checked with integrity_check and foreign_key_check before it may touch the "
    "file (db/sqlite/sidefiles.py, db/sqlite/casefile.py). Measured on the 260 MB benchmark case: check_file "
    "1.0 s without a journal, 2.6 s with a hot one (integrity_check alone 1.7 s, quick_check 0.2 s); only a "
    "file left by a crash pays it.",
    "Backups were filed under the case id read from the file: a crafted id wrote backups anywhere and rotated "
    "out files there, and copies of one case shared one rotation. They are filed by a hash of the file's path "
    "(db/sqlite/backups.py).",
    "Replacing a case file another Casefile had open went through; it is refused with who has it open.",
    "An upgrade that failed in its last step left the earlier steps committed; the whole upgrade is now one "
    "transaction, and two upgrades in one second no longer collide on the backup's name.",
    "Stored values no version of Casefile writes (nested JSON in a list column, a missing case row, a date "
    "the parser refuses, an unknown kind, a boolean of 7) crashed exports, views and search with unexpected "
    "errors; they are refused at open (db/sqlite/stored_values.py), a damaged full-text index is rebuilt from the "
    "records when the file is opened for editing (db/sqlite/search_index.py), and a reference to no record "
    "shows as (missing).",
    "Searching a 500 kB statement took over a minute (FTS5 snippets compare every match with every other); "
    "snippets are now built from a bounded window and Find runs on a worker thread (db/search.py).",
    "CSV export missed formulas behind spaces, a BOM, zero-width or full-width characters; JSON import let a "
    "duplicate key win silently and accepted values a case file cannot hold; the PDF was written owner-only; "
    "a CSV export killed half way left half a set (db/csv_export.py, db/interchange.py, db/document_check.py).",
    "Key events dated in year 1 or year 9999 broke the packet's timeline strip (desktop/briefing/figures.py).",
]

NOT_TESTED = [
    "**Windows.** Locking there uses `msvcrt.locking` on the lock file, and SIGKILL does not exist (the crash "
    "and lock tests are skipped on Windows); Windows ACLs and read-only attributes are not exercised.",
    "**Real network shares and sync clients.** SMB/NFS locking and a sync client replacing a file while it is "
    "open cannot be reproduced here; only their detection (paths and mount types) is tested.",
    "**Power loss.** SIGKILL stops the process but the operating system still writes what it had accepted; a "
    "power cut also loses the disk's cache. The file is written with `synchronous=FULL` and a rollback "
    "journal, which SQLite documents as safe against power loss, but that is not demonstrated here.",
    "**Permissions as root.** The tests run as root, which ignores permission bits, so the permission cases run "
    "in a forked child that has become `nobody`, and the app's read-only case uses a tmpfs remounted read-only.",
    "**Deleted words on older SQLite.** With SQLite before 3.42 (this machine has {sqlite}) the full-text index "
    "drops a deleted record's words when the file is closed; if the app is killed before it closes the file, "
    "those words stay in the index until a later edit of the same kind of record is closed. With 3.42+ they go "
    "at once. Automatic backups (in the user's own data folder) keep earlier versions by design.",
    "**Damage found only on reading in the app.** The core reports it as a CaseFileError (the bit-flip test); "
    "the app's views show such an error through the unexpected-error dialog rather than a plain message.",
]


def machine() -> list[tuple[str, str]]:
    """What this ran on."""
    uname = platform.uname()
    try:
        from PySide6 import __version__ as qt
    except ImportError:  # the report still works without Qt installed
        qt = "not installed"
    try:
        import reportlab

        rl = reportlab.Version
    except ImportError:
        rl = "not installed"
    user = "root" if hasattr(os, "geteuid") and os.geteuid() == 0 else "an ordinary user"
    return [
        ("System", f"{uname.system} {uname.release} ({uname.machine})"),
        ("uname", " ".join(platform.uname())),
        ("CPUs", str(os.cpu_count())),
        ("Python", sys.version.split()[0]),
        ("SQLite", sqlite3.sqlite_version),
        ("PySide6", qt),
        ("reportlab", rl),
        ("Ran as", user),
    ]


def run_tests(args: argparse.Namespace, jsonl: Path, junit: Path) -> tuple[int, float, str]:
    files = sorted(str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "tests").glob("test_reliability_*.py"))
    command = [sys.executable, "-m", "pytest", *files, "-q", "-rs", f"--junitxml={junit}"]
    if args.m:
        command += ["-m", args.m]
    if args.k:
        command += ["-k", args.k]
    command += args.extra
    env = dict(os.environ)
    env["CASEFILE_RELIABILITY_REPORT"] = str(jsonl)
    for option, name in (("kills", "CASEFILE_CRASH_KILLS"), ("seeds", "CASEFILE_BITFLIP_SEEDS"),
                         ("fuzz", "CASEFILE_FUZZ_EXAMPLES")):  # fmt: skip
        if getattr(args, option):
            env[name] = str(getattr(args, option))
    print("$", " ".join(command), flush=True)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    summary = next(
        (line.strip("= ") for line in reversed(done.stdout.splitlines()) if " in " in line and "passed" in line), ""
    )
    return done.returncode, elapsed, summary


def read_junit(junit: Path) -> list[dict[str, Any]]:
    """Every test case: file, name, seconds, outcome, skip reason."""
    cases = []
    if not junit.exists():
        return cases
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome, reason = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome, reason = "failed", (child.get("message") or "")[:200]
            elif child.tag == "skipped":
                outcome, reason = "skipped", child.get("message") or ""
        module = case.get("classname", "").replace(".", "/") + ".py"
        cases.append({"file": module, "name": case.get("name", ""), "seconds": float(case.get("time", 0)),
                      "outcome": outcome, "reason": reason})  # fmt: skip
    return cases


def fmt(value: Any) -> str:
    """A figure as Markdown-safe text."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {fmt(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(fmt(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def short_name(test: str) -> str:
    return test.split("::", 1)[-1]


def render(lines: list[dict[str, Any]], cases: list[dict[str, Any]], status: int, elapsed: float, summary: str,
           args: argparse.Namespace) -> str:  # fmt: skip
    by_item: dict[int, list[dict[str, Any]]] = collections.defaultdict(list)
    for line in lines:
        by_item[int(line["item"])].append(line)
    by_file: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for case in cases:
        by_file[case["file"]].append(case)
    now = dt.datetime.now().astimezone()
    out: list[str] = []
    add = out.append
    add("# Reliability: nothing lost, nothing let in")
    add("")
    add("A case file is somebody's week of work, and it arrives by email from people the user does not control. "
        "The tests in `tests/test_reliability_*.py` run in CI (`.ci/run`) and prove, with real files, real "
        "processes and real SIGKILLs, that faults lose nothing and hostile files do nothing. This page lists "
        "each test with the figures it measured on the run below. It is generated: "
        "`python scripts/reliability_report.py` runs the tests and rewrites it (`-m 'not slow'` leaves out the "
        "minute-long crash loop; CI runs everything).")  # fmt: skip
    add("")
    add(f"- **Run:** {now:%Y-%m-%d %H:%M %Z}, {summary or 'no summary'} "
        f"({'all passed' if status == 0 else f'pytest exit status {status}'}); wall time {elapsed:.0f} s "
        "for the whole reliability set.")  # fmt: skip
    counts = [f"{name}={given or os.environ.get(name) or default}" for name, given, default in (
        ("CASEFILE_CRASH_KILLS", args.kills, 100), ("CASEFILE_BITFLIP_SEEDS", args.seeds, 300),
        ("CASEFILE_FUZZ_EXAMPLES", args.fuzz, 200))]  # fmt: skip
    add(f"- **Counts:** {', '.join(counts)} (environment variables; CI uses the defaults).")
    selection = " ".join(x for x in (f"-m {args.m!r}" if args.m else "", f"-k {args.k!r}" if args.k else "") if x)
    if selection:
        add(f"- **Selection:** {selection}")
    add("- **Machine:** " + "; ".join(f"{k} {v}" for k, v in machine() if k != "uname"))
    add("")
    add("| # | Behaviour | Tests | Time | Headline figures |")
    add("|---|---|---|---|---|")
    for item, (title, path) in ITEMS.items():
        tests = _tests_of(by_file, path, item, by_item)
        passed = sum(c["outcome"] == "passed" for c in tests)
        skipped = sum(c["outcome"] == "skipped" for c in tests)
        failed = sum(c["outcome"] == "failed" for c in tests)
        state = (
            f"{passed} passed"
            + (f", {skipped} skipped" if skipped else "")
            + (f", **{failed} failed**" if failed else "")
        )
        seconds = sum(c["seconds"] for c in tests)
        add(f"| {item} | [{title}](#{item}-{title.lower().replace(' ', '-').replace(',', '')}) | {state} | "
            f"{seconds:.1f} s | {headline(item, by_item.get(item, []))} |")  # fmt: skip
    add("")
    for item, (title, path) in ITEMS.items():
        add(f"## {item}. {title}")
        add("")
        add(f"`{path}`")
        add("")
        records = by_item.get(item, [])
        if not records:
            add("_No figures were recorded (the tests were deselected or skipped)._")
            add("")
        grouped: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        for line in records:
            grouped[line["proves"]].append(line)
        for proves, group in grouped.items():
            add(f"**{proves}**")
            add("")
            keys = list(dict.fromkeys(k for line in group for k in line["figures"]))
            if len(group) == 1:
                for key in keys:
                    add(f"- {key.replace('_', ' ')}: {fmt(group[0]['figures'].get(key))}")
            else:
                add("| test | " + " | ".join(k.replace("_", " ") for k in keys) + " |")
                add("|---" * (len(keys) + 1) + "|")
                for line in group:
                    row = [fmt(line["figures"].get(k, "")) for k in keys]
                    add(f"| `{short_name(line['test'])}` | " + " | ".join(row) + " |")
            add("")
        tests = _tests_of(by_file, path, item, by_item)
        if tests:
            add("<details><summary>Every test in this file</summary>")
            add("")
            add("| test | outcome | seconds |")
            add("|---|---|---|")
            for case in tests:
                note = f" ({fmt(case['reason'])})" if case["reason"] else ""
                add(f"| `{case['name']}` | {case['outcome']}{note} | {case['seconds']:.2f} |")
            add("")
            add("</details>")
            add("")
        if item == 10:
            add("Random text through the briefing renderer (every field, any Unicode, markup) is fuzzed by "
                "`tests/test_briefing_hostile.py::test_random_text_always_exports` (hypothesis, 25 examples per "
                "run), which is part of the same CI run and not repeated here.")  # fmt: skip
            add("")
    add("## What these tests found")
    add("")
    add("Fixed when the tests first ran (each fix is covered by the test that found it):")
    add("")
    for text in FOUND:
        add(f"- {text}")
    add("")
    add("## What cannot be tested here")
    add("")
    for text in NOT_TESTED:
        add(f"- {text.format(sqlite=sqlite3.sqlite_version)}")
    add("")
    add("## Machine")
    add("")
    add("| | |")
    add("|---|---|")
    for key, value in machine():
        add(f"| {key} | {fmt(value)} |")
    add(f"| Date | {now:%Y-%m-%d %H:%M %Z} |")
    add("")
    return "\n".join(out)


def _tests_of(
    by_file: dict[str, list[dict[str, Any]]], paths: str, item: int, by_item: dict[int, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The tests behind an item: every test of its files, or, for a file shared by several items, the tests
    that recorded figures for this item."""
    shared = [p for p in paths.split() if sum(p in other.split() for _t, other in ITEMS.values()) > 1]
    recorded = {short_name(line["test"]) for line in by_item.get(item, [])}
    out: list[dict[str, Any]] = []
    for path in paths.split():
        for case in by_file.get(path, []):
            if path not in shared or case["name"] in recorded or short_name(case["name"]) in recorded:
                out.append(case)
    return out


def headline(item: int, records: list[dict[str, Any]]) -> str:
    """One line of the most telling figures of an item."""
    figures = [r["figures"] for r in records]
    total = lambda key: sum(int(f.get(key, 0) or 0) for f in figures)  # noqa: E731
    if not figures:
        return "—"
    if item == 1:
        f = figures[0]
        return (f"{fmt(f['kills_survived'])} kills survived, {fmt(f['edits_committed'])} edits committed, "
                f"{fmt(f['edits_lost'])} lost, {fmt(f['half_edits_found'])} half edits")  # fmt: skip
    if item == 2:
        return (
            f"{len([f for f in figures if 'reason' in f])} hostile files refused, bytes unchanged, no SQL from them ran"
        )
    if item == 3:
        flips = next((f for f in figures if "seeds_tried" in f), None)
        text = f"{fmt(flips['seeds_tried'])} bit-flip seeds ({fmt(flips['bytes_checked'])} bytes), " if flips else ""
        return text + "0 unhandled exceptions"
    if item == 4:
        return "holder named (user, host, process); stale lock taken over"
    if item == 5:
        return f"{total('backups_made')} backups made, rotation keeps the newest; bad copies discarded"
    if item == 6:
        return f"{total('operations_failed_cleanly') + 1} failed writes, 0 partial files, typed text kept"
    if item == 7:
        return f"{len(figures)} deletes/rewrites checked, {total('bytes_searched'):,} bytes searched, 0 leftovers"
    if item == 8:
        f = next((f for f in figures if "sync_paths_recognised" in f), {})
        return f"{fmt(f.get('sync_paths_recognised', 0))} sync paths, 4 network types recognised"
    if item == 9:
        f = figures[0]
        return f"{fmt(f['exports'])} exports during {fmt(f['writes_during_exports'])} writes, 0 'database is locked'"
    if item == 10:
        return f"{total('examples'):,} documents, 0 unhandled exceptions"
    if item == 11:
        return (f"{len(figures)} cases: links, pipes and folders in side-file names never followed or written; "
                "logs and foreign journals refused; crash journals verified in a copy")  # fmt: skip
    if item == 12:
        return "backups filed by a hash of the file's path: crafted ids steer nothing, copies keep their own"
    if item == 13:
        return f"{len(figures)} replacing commands refused while another process edits the file, file unchanged"
    if item == 14:
        return f"{len(figures)} CSV-injection forms and JSON edges neutralised or refused with their paths"
    if item == 15:
        return f"{len(figures)} kinds of stored value refused at open, repaired, or shown as missing; files unchanged"
    if item == 16:
        return f"{len(figures)} odd inputs answered in one plain line, no traceback, nothing half-changed"
    if item == 18:
        return f"{len(figures)} kills and permission checks: no partial file, leftovers removed by the next run"
    if item == 17:
        slowest = max((v for f in figures for k, v in f.items() if k.startswith("seconds_")), default=None)
        ratios = [v for f in figures for k, v in f.items() if k.startswith("ratio_")]
        text = f"500 kB statement searched in at most {slowest * 1000:.0f} ms" if slowest is not None else ""
        return text + (f"; 10x text costs {min(ratios)}-{max(ratios)}x" if ratios else "")
    if item == 19:
        return f"{len(figures)} refused fixtures x {fmt(figures[0].get('operations'))} operations, 0 bytes changed"
    return f"{len(figures)} checks recorded"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-m", help="pytest -m expression (e.g. 'not slow')")
    parser.add_argument("-k", help="pytest -k expression")
    parser.add_argument("--kills", type=int, help="CASEFILE_CRASH_KILLS")
    parser.add_argument("--seeds", type=int, help="CASEFILE_BITFLIP_SEEDS")
    parser.add_argument("--fuzz", type=int, help="CASEFILE_FUZZ_EXAMPLES")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "docs" / "reliability.md")
    parser.add_argument("extra", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="casefile-report-") as folder:
        jsonl, junit = Path(folder) / "figures.jsonl", Path(folder) / "junit.xml"
        status, elapsed, summary = run_tests(args, jsonl, junit)
        lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()] if jsonl.exists() else []
        cases = read_junit(junit)
    text = render(lines, cases, status, elapsed, summary, args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n", encoding="utf-8")
    print(f"Wrote {args.output} ({len(lines)} figure records, {len(cases)} tests).")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
