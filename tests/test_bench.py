"""The benchmark runs end to end at a small scale and reports every operation (no timing is asserted)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# The operations of the benchmark's table (issue 7), as the report names them.
OPERATIONS = {
    1: "import the large JSON into a new case file",
    2: "open the large file",
    3: "sort the",
    4: "filter as you type",
    5: "full-text search across the whole case",
    6: "edit one field",
    7: "export the large case's briefing packet",
    8: "GUI responsiveness during",
    9: "peak memory with the large case open",
    10: "cold start of `casefile`",
    11: "add a tag to 1,000 selected timeline entries",
    12: "team case on a local server",
    13: "",  # two lines: the sync and the JSON merge (checked below)
}


def _postgres_installed() -> bool:
    """Row 12 starts a throw-away PostgreSQL (bench/server.py) unless one is named."""
    return bool(
        os.environ.get("CASEFILE_BENCH_SERVER")
        or shutil.which("pg_ctl")
        or list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    )


def _table_rows(markdown: str) -> list[list[str]]:
    lines = [line for line in markdown.splitlines() if line.startswith("| ")]
    header, *rows = lines
    assert header.startswith("| # | operation | measured")
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


def test_small_scale_run_reports_every_operation(tmp_path: Path) -> None:
    operations = dict(OPERATIONS)
    only: list[str] = []
    if not _postgres_installed():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("PostgreSQL is not installed: CI must measure the team-case row (12)")
        del operations[12]  # a developer machine without PostgreSQL: the other rows
        only = ["--only", ",".join(str(n) for n in operations)]
    out = tmp_path / "performance.md"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CASEFILE_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "0.01", "--repeat", "2", "--out", str(out),
         "--workdir", str(tmp_path / "work"), *only],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=480, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]

    rows = _table_rows(out.read_text(encoding="utf-8"))
    for number, phrase in operations.items():
        mine = [row for row in rows if row[0] == str(number)]
        assert mine, f"no row {number} in the table"
        assert all(phrase in row[1] for row in mine), (number, [row[1] for row in mine])
    offline = sorted(row[1] for row in rows if row[0] == "13")
    assert len(offline) == 2 and offline[0].startswith("merge two large-case JSON documents"), offline
    assert offline[1].startswith("sync an offline copy of the large case"), offline
    for row in rows:
        measured = row[2]
        assert measured and measured != "—" and not measured.startswith("error"), row
        assert any(ch.isdigit() for ch in measured), row  # a figure, not just words
    assert "| # | operation" in proc.stdout  # the table is printed too

    data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert {r["number"] for r in data["results"]} == set(operations)
    assert all(r["error"] is None for r in data["results"])
    assert data["machine"]["cores"] and data["scale"] == 0.01
    # Nothing is left behind but the cached JSON.
    assert [p.name for p in (tmp_path / "work").iterdir()] == [
        p.name for p in (tmp_path / "work").glob("large-0.01-*.json")
    ]

    # The report can be written again from its JSON, word for word.
    first = out.read_text(encoding="utf-8")
    out.write_text("", encoding="utf-8")
    again = subprocess.run(
        [sys.executable, "-m", "bench", "--rewrite", "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    assert out.read_text(encoding="utf-8") == first
