"""Layout: the core (db/) never loads Qt, so the CLI, tests and a future server can use it."""

from __future__ import annotations

import subprocess
import sys

from core_fixtures import REPO_ROOT, cli_env

CORE_MODULES = (
    "db.sqlite.casefile",
    "db.records",
    "db.queries",
    "db.search",
    "db.interchange",
    "db.document_check",
    "db.csv_export",
    "db.sample",
    "db.sqlite.filecheck",
    "db.sqlite.schema_check",
    "db.sqlite.migrations",
    "db.dates",
    "db.paths",
    "db.errors",
    "db.fields",
    "db.values",
    "db.sizes",
    "db.models",
)


def _run(code: str, tmp_path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_importing_every_core_module_does_not_load_pyside6(tmp_path):
    imports = "; ".join(f"import {m}" for m in CORE_MODULES)
    code = (
        f"{imports}; import sys; "
        "loaded = sorted(m for m in sys.modules if m.startswith('PySide6')); "
        "assert not loaded, loaded; print('core-ok', len(sys.modules))"
    )
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "core-ok" in result.stdout


def test_the_probe_detects_pyside6_when_it_is_loaded(tmp_path):
    # The same check must fail when Qt is imported, or the test above proves nothing.
    code = "import PySide6.QtCore; import sys; assert not any(m.startswith('PySide6') for m in sys.modules)"
    result = _run(code, tmp_path)
    assert result.returncode != 0
    assert "AssertionError" in result.stderr


def test_the_cli_commands_run_without_qt(tmp_path):
    # Creating, checking and exporting from the command line is core work: no Qt either.
    code = (
        "import sys; from desktop.cli import main; "
        f"rc = main(['new', {str(tmp_path / 'x.casefile')!r}, '--sample']); "
        f"rc |= main(['check', {str(tmp_path / 'x.casefile')!r}]); "
        "assert rc == 0; assert not any(m.startswith('PySide6') for m in sys.modules); print('cli-ok')"
    )
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "cli-ok" in result.stdout


def test_naming_and_checking_a_packet_does_not_load_reportlab(tmp_path):
    """Clicking Export names the file and runs the checks on the GUI thread: neither may pull in
    reportlab (a second of imports); only the export job itself does."""
    code = (
        "import sys; from pathlib import Path; "
        "from db.sqlite.casefile import CaseFile; from db.interchange import export_document; "
        "from db.sample import create_sample; "
        "from desktop.briefing import preflight, suggested_filename; "
        "from desktop.briefing_export import default_output, load_options; "
        f"path = Path({str(tmp_path / 'sample.casefile')!r}); create_sample(path); "
        "cf = CaseFile.open(path); "
        "name = default_output(cf).name; load_options(cf); "
        "problems = preflight(export_document(cf)); cf.close(); "
        "loaded = sorted(m for m in sys.modules if m.startswith('reportlab')); "
        "assert not loaded, loaded; print('naming-ok', name, len(problems))"
    )
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "naming-ok CAISI Voluntary Review - briefing - " in result.stdout
