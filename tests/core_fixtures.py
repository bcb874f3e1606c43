"""Helpers shared by the core tests (tests/test_core_*.py): real files, plain SQLite, subprocesses.

Importing this module also makes the repository root importable, so ``pytest`` run from any
folder finds the ``db`` and ``desktop`` packages without installing them.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

SEED_ARTICLE = Path("/work/shared/seed/caisi-review-article.txt")


def sha256(path: Path) -> str:
    """Digest of a file's bytes (to prove a refused file was not changed)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plain_connect(path: Path) -> sqlite3.Connection:
    """A plain autocommit sqlite3 connection, outside everything Casefile does."""
    return sqlite3.connect(path, isolation_level=None)


def side_files(path: Path) -> list[Path]:
    """Journal or WAL files SQLite may leave beside ``path``."""
    return [p for p in (Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


def folder_listing(folder: Path) -> list[str]:
    """Names in a folder, sorted (to show no temporary file was left).

    The lock file of a case file open for editing (``~lock.<name>#``) is not listed.
    """
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("~lock."))


def make_v1_file(path: Path, *, title: str = "Old case") -> Path:
    """A case file exactly as version 1 of the schema created it, with a case row and a few records."""
    from db.sqlite.filecheck import APPLICATION_ID
    from db.sqlite.migrations import migrate

    conn = plain_connect(path)
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        migrate(conn, target=1)
        stamp = "2024-08-01T12:00:00.000Z"
        conn.execute(
            "INSERT INTO case_info (n, id, title, marking, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?)",
            ("11111111-1111-4111-8111-111111111111", title, "FOR INTERNAL USE ONLY", stamp, stamp),
        )
        conn.execute(
            "INSERT INTO actor (id, name, kind, created_at, updated_at) VALUES (?, ?, 'company', ?, ?)",
            ("22222222-2222-4222-8222-222222222222", "Meta", stamp, stamp),
        )
        conn.execute(
            "INSERT INTO statement (id, text, speaker_id, date, date_key, verbatim, created_at, updated_at) "
            "VALUES (?, ?, ?, '2024-08', '2024-08', 1, ?, ?)",
            (
                "33333333-3333-4333-8333-333333333333",
                "We hope to sign soon.",
                "22222222-2222-4222-8222-222222222222",
                stamp,
                stamp,
            ),
        )
    finally:
        conn.close()
    return path


def table_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows of a query run on the file with a plain read-only connection."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def cli_env(home: Path) -> dict[str, str]:
    """Environment for running ``python -m desktop.cli`` in a subprocess."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["CASEFILE_HOME"] = str(home)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_cli(args: list[str], *, cwd: Path, home: Path) -> subprocess.CompletedProcess[bytes]:
    """Run the real ``casefile`` command line in a fresh Python process."""
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args],
        cwd=cwd,
        env=cli_env(home),
        capture_output=True,
        timeout=120,
        check=False,
    )


def minimal_document() -> dict[str, object]:
    """A small valid Casefile JSON document with one record of each kind and readable ids."""
    return {
        "format": "casefile",
        "version": 1,
        "case": {"title": "Test case", "marking": "FOR INTERNAL USE ONLY"},
        "sources": [{"id": "src", "title": "The article"}],
        "actors": [
            {"id": "meta", "name": "Meta", "kind": "company"},
            {"id": "brennan", "name": "Francis Brennan", "kind": "person", "affiliation": "meta"},
        ],
        "statements": [
            {
                "id": "st1",
                "speaker": "brennan",
                "text": "We hope to sign soon.",
                "date": "2026-06-23",
                "verbatim": True,
                "source": "src",
            },
        ],
        "directives": [
            {
                "id": "eo",
                "identifier": "EO 14409",
                "title": "Executive Order 14409",
                "kind": "executive_order",
                "issued": "2026-06-02",
                "status": "in_force",
                "parties": ["meta"],
                "provisions": ["Voluntary."],
            },
        ],
        "timeline": [
            {
                "id": "t1",
                "date": "2026-06-02",
                "title": "EO signed",
                "actors": ["meta", "brennan"],
                "directive": "eo",
                "statement": "st1",
                "key": True,
                "source": "src",
            },
        ],
    }


def make_docket(path: Path, entries: int = 4000) -> Path:
    """A case whose packet takes a few seconds to lay out (``entries`` timeline entries)."""
    from db.fields import Kind
    from db.records import insert_record, update_case
    from db.sqlite.casefile import CaseFile

    CaseFile.create(path, title="A long docket").close()
    with CaseFile.open(path) as cf:
        update_case(cf, {"marking": "FOR INTERNAL USE ONLY"})  # an unmarked packet is asked about first
    with CaseFile.open(path) as cf, cf.write() as conn:
        for i in range(entries):
            insert_record(
                conn,
                Kind.TIMELINE,
                {
                    "date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "title": f"Filing {i} in the docket",
                    "description": "A routine filing that the chronology lists. " * 4,
                },
            )
    return path


def open_descriptors(path: Path) -> int:
    """How many file descriptors of this process are open on ``path`` (Linux)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                count += 1
        except OSError:
            continue
    return count
