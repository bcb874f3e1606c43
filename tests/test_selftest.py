"""``casefile --self-test`` from source: every check passes here, and a broken install is reported."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import selftest
from desktop.selftest import CHECKS, run_self_test

ROOT = Path(__file__).resolve().parent.parent


def run_captured() -> tuple[int, list[str]]:
    out = io.StringIO()
    status = run_self_test(out)
    return status, out.getvalue().splitlines()


def test_every_check_passes_from_source(casefile_home: Path) -> None:
    status, lines = run_captured()
    assert status == 0, "\n".join(lines)
    assert [line.split(":", 1)[0] for line in lines] == [f"ok   {name}" for name, _check in CHECKS]
    by_name = {line.split(":", 1)[0][5:]: line for line in lines}
    assert "(source," in by_name["runtime"]
    assert "10 bundled, all load" in by_name["fonts"]
    assert "FTS5 and JSON work" in by_name["sqlite"]
    assert "a planted trigger is refused" in by_name["file checks"]
    assert " pages, " in by_name["briefing"]
    # It works on temporary copies only: nothing lands in the user's folders.
    assert not any(casefile_home.rglob("*.casefile"))


def test_command_line_self_test_runs_without_qt(casefile_home: Path) -> None:
    """``python -m desktop.cli --self-test`` prints one ok line per check, exits 0, never loads Qt."""
    env = {**os.environ, "CASEFILE_HOME": str(casefile_home)}
    env.pop("QT_QPA_PLATFORM", None)  # no display settings needed: Qt must not even be imported
    code = (
        "import sys\n"
        "from desktop.cli import main\n"
        "status = main(['--self-test'])\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print('qt modules:', qt)\n"
        "sys.exit(status)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert lines[-1] == "qt modules: []"
    checks = lines[:-1]
    assert len(checks) == len(CHECKS)
    assert all(line.startswith("ok   ") for line in checks), result.stdout


def test_module_entry_point_exit_status(casefile_home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "--self-test"],
        cwd=ROOT,
        env={**os.environ, "CASEFILE_HOME": str(casefile_home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("\nok   ") == len(CHECKS) - 1
    assert "FAIL" not in result.stdout


def test_old_sqlite_fails_its_check_and_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("db.sqlite.connections.MIN_SQLITE", (99, 0, 0))
    status, lines = run_captured()
    assert status == 1
    sqlite_line = next(line for line in lines if line.split(":")[0].endswith(" sqlite"))
    assert sqlite_line.startswith("FAIL sqlite: SQLite ")
    assert "older than the 99.0.0 Casefile needs" in sqlite_line
    # The other checks still ran and reported.
    assert len(lines) == len(CHECKS)
    assert any(line.startswith("ok   migrations") for line in lines)


def test_missing_resources_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "bundle"
    (empty / "resources" / "fonts").mkdir(parents=True)
    monkeypatch.setattr("db.paths.resource_path", lambda *parts: empty.joinpath("resources", *parts))
    status, lines = run_captured()
    assert status == 1
    fonts = next(line for line in lines if " fonts:" in line)
    assert fonts.startswith("FAIL fonts: missing from ")
    assert "DejaVuSans.ttf" in fonts and "wqy-microhei.ttc" in fonts
    assert any(line.startswith("FAIL resources: the app icon") for line in lines)


def test_unexpected_error_is_one_fail_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_ctx: selftest.Context) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(selftest, "CHECKS", (("broken", broken), *CHECKS[1:3]))
    status, lines = run_captured()
    assert status == 1
    assert lines[0].startswith("FAIL broken: RuntimeError: disk on fire (test_selftest.py:")
    assert [line[:4] for line in lines[1:]] == ["ok  ", "ok  "]
    assert not any("Traceback" in line for line in lines)


def test_checks_that_need_the_sample_say_so_when_it_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sample(_ctx: selftest.Context) -> str:
        raise selftest.CheckFailed("sample JSON not bundled")

    names = ("sample", "file checks", "open", "briefing")
    checks = tuple((name, no_sample if name == "sample" else check) for name, check in CHECKS if name in names)
    monkeypatch.setattr(selftest, "CHECKS", checks)
    status, lines = run_captured()
    assert status == 1
    assert lines[0] == "FAIL sample: sample JSON not bundled"
    assert all(line.endswith("no sample case to work on (see the sample check)") for line in lines[1:])
