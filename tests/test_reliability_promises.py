"""19. "Refused" means unchanged: every hostile, damaged and odd fixture, with whatever lies beside it,
keeps its bytes through ``casefile check``, an open for editing, an open read-only and each export.

Each fixture gets a folder of its own; every regular file in it (the case file, a journal,
a write-ahead log) is hashed before and after each operation, and the folder's listing must
not change (no lock file, journal or temporary file left). Every operation must refuse with
one plain line naming the file: the command line exits 1, the core raises CaseFileError.
"""

from __future__ import annotations

import contextlib
import io
import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_helpers import record, sha256
from test_reliability_damage import NOT_CASE_FILES
from test_reliability_hostile import HOSTILE

from db.errors import CaseFileError
from db.sample import create_sample
from db.sqlite.casefile import CaseFile
from desktop.cli import main as cli_main


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("promise-base") / "base.casefile"
    create_sample(path)
    return path


def _copy_of(base: Path, folder: Path) -> Path:
    target = folder / "case.casefile"
    shutil.copyfile(base, target)
    return target


def _hostile(name: str) -> Callable[[Path, Path], Path]:
    def make(base: Path, folder: Path) -> Path:
        path = _copy_of(base, folder)
        HOSTILE[name][0](path)
        return path

    return make


def _bytes(data: bytes) -> Callable[[Path, Path], Path]:
    def make(_base: Path, folder: Path) -> Path:
        path = folder / "case.casefile"
        path.write_bytes(data)
        return path

    return make


def _cut(fraction: float) -> Callable[[Path, Path], Path]:
    def make(base: Path, folder: Path) -> Path:
        data = base.read_bytes()
        path = folder / "case.casefile"
        path.write_bytes(data[: int(len(data) * fraction) // 4096 * 4096 + 100])
        return path

    return make


def _with_wal(base: Path, folder: Path) -> Path:
    path = _copy_of(base, folder)
    work = folder.parent / f"{folder.name}-wal-source"
    work.mkdir()
    shadow = work / path.name
    shutil.copyfile(base, shadow)
    conn = sqlite3.connect(shadow, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("UPDATE case_info SET title = 'applied from a log'")
    shutil.copyfile(f"{shadow}-wal", f"{path}-wal")
    conn.close()
    return path


def _with_foreign_journal(base: Path, folder: Path) -> Path:
    path = _copy_of(base, folder)
    # The case file moved on after the journal below was written (here: rebuilt), so the journal's
    # pages do not fit it.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DELETE FROM timeline_actor")
    conn.execute("INSERT INTO actor (id, name, kind, role, description, tags, created_at, updated_at) "
                 "SELECT id || 'x', name || ' (copy)', kind, role, description, tags, created_at, updated_at "
                 "FROM actor")  # fmt: skip
    conn.execute("VACUUM")
    conn.close()
    work = folder.parent / f"{folder.name}-journal-source"
    work.mkdir()
    other = work / "other.casefile"
    shutil.copyfile(base, other)
    conn = sqlite3.connect(other, isolation_level=None)
    conn.execute("PRAGMA cache_size = 1")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM statement")
    conn.execute("UPDATE actor SET name = name || '.'")
    shutil.copyfile(f"{other}-journal", f"{path}-journal")  # a crashed edit's journal, beside the wrong file
    conn.execute("ROLLBACK")
    conn.close()
    return path


def _flipped(seed: int) -> Callable[[Path, Path], Path]:
    def make(base: Path, folder: Path) -> Path:
        rng = random.Random(seed)
        data = bytearray(base.read_bytes())
        for _ in range(64):
            bit = rng.randrange(100 * 8, len(data) * 8)
            data[bit // 8] ^= 1 << (bit % 8)
        path = folder / "case.casefile"
        path.write_bytes(bytes(data))
        return path

    return make


FIXTURES: dict[str, Callable[[Path, Path], Path]] = {
    **{f"hostile: {name}": _hostile(name) for name in HOSTILE},
    **{f"not a case file: {name}": _bytes(data) for name, (data, _needle) in NOT_CASE_FILES.items()},
    "damaged: cut short at a third": _cut(1 / 3),
    "damaged: cut short at two thirds": _cut(2 / 3),
    **{f"damaged: 64 bits flipped (seed {seed})": _flipped(seed) for seed in (11, 12, 13)},
    "side file: a write-ahead log beside it": _with_wal,
    "side file: another file's journal beside it": _with_foreign_journal,
}


def _state(folder: Path) -> dict[str, str]:
    return {p.name: (sha256(p) if p.is_file() else "not a file") for p in sorted(folder.iterdir())}


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(list(args))
    return code, out.getvalue(), err.getvalue()


def _core_open(path: Path, read_only: bool) -> str:
    try:
        with CaseFile.open(path, read_only=read_only):
            return "opened"
    except CaseFileError as exc:
        return f"refused: {exc}"


@pytest.mark.parametrize("name", list(FIXTURES))
def test_a_refused_fixture_is_unchanged_by_every_operation(base, tmp_path, name):
    folder = tmp_path / "fixture"
    folder.mkdir()
    path = FIXTURES[name](base, folder)
    before = _state(folder)
    operations: dict[str, Callable[[], tuple[int, str]]] = {
        "casefile check": lambda: (lambda r: (r[0], r[1] + r[2]))(_cli("check", str(path))),
        "open for editing": lambda: (0 if (o := _core_open(path, False)) == "opened" else 1, o),
        "open read-only": lambda: (0 if (o := _core_open(path, True)) == "opened" else 1, o),
        "export-json": lambda: (lambda r: (r[0], r[2]))(_cli("export-json", str(path), "-o", str(tmp_path / "o.json"))),
        "export-csv": lambda: (lambda r: (r[0], r[2]))(_cli("export-csv", str(path), str(tmp_path / "csv"))),
        "export (PDF)": lambda: (lambda r: (r[0], r[2]))(_cli("export", str(path), "-o", str(tmp_path / "o.pdf"))),
        "search": lambda: (lambda r: (r[0], r[2]))(_cli("search", str(path), "Meta")),
    }
    refusals = {}
    for operation, run in operations.items():
        code, message = run()
        assert code == 1, f"{operation} did not refuse {name}: {message}"
        text = message.strip()
        assert "case.casefile" in text, (operation, text)
        assert "Traceback" not in text and len(text.splitlines()) == 1, (operation, text)
        assert _state(folder) == before, f"{operation} changed {name}"
        refusals[operation] = text
    assert not (tmp_path / "o.json").exists() and not (tmp_path / "o.pdf").exists()
    assert not (tmp_path / "csv").exists() or not any((tmp_path / "csv").iterdir())
    record(
        19,
        "A refused file keeps every byte, its side files included, through check, open for editing, open "
        "read-only, JSON, CSV and PDF export and search; each refuses in one plain line.",
        fixture=name,
        files_hashed=len(before),
        operations=len(operations),
        message=refusals["casefile check"][:200],
    )
