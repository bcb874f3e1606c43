"""``casefile export`` writes Word when asked (by the extension or --format), with the PDF's rules."""

from __future__ import annotations

from pathlib import Path

import docx
from core_fixtures import run_cli

NAME = "CAISI Voluntary Review - briefing - 2026-06-24"


def _sample(tmp_path: Path, home: Path) -> Path:
    path = tmp_path / "case.casefile"
    assert run_cli(["new", str(path), "--sample"], cwd=tmp_path, home=home).returncode == 0
    return path


def test_export_to_a_docx_name_writes_word(tmp_path: Path, casefile_home: Path) -> None:
    path = _sample(tmp_path, casefile_home)
    out = tmp_path / "out.docx"
    done = run_cli(["export", str(path), "-o", str(out), "--from", "June 12, 2026"], cwd=tmp_path, home=casefile_home)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().strip() == f"Wrote {out} (7 sections)."
    assert b"has no issued date" in done.stderr  # the pre-export checks, as for the PDF
    document = docx.Document(str(out))
    text = " ".join(p.text for p in document.paragraphs)
    assert "Covers June 12, 2026 to the latest record" in text
    # Never over an existing file unless told, with the PDF's message and exit code.
    again = run_cli(["export", str(path), "-o", str(out)], cwd=tmp_path, home=casefile_home)
    assert again.returncode == 1
    assert again.stderr.decode().strip() == f"casefile: {out} already exists (use --force to replace it)."
    forced = run_cli(["export", str(path), "-o", str(out), "--force"], cwd=tmp_path, home=casefile_home)
    assert forced.returncode == 0


def test_format_docx_writes_beside_the_case_under_the_packets_name(tmp_path: Path, casefile_home: Path) -> None:
    path = _sample(tmp_path, casefile_home)
    done = run_cli(["export", str(path), "--format", "docx"], cwd=tmp_path, home=casefile_home)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / f"{NAME}.docx").is_file()
    assert not list(tmp_path.glob("*.pdf"))


def test_word_export_errors_are_one_line(tmp_path: Path, casefile_home: Path) -> None:
    path = _sample(tmp_path, casefile_home)
    bad = run_cli(["export", str(path), "-o", "x.docx", "--from", "someday"], cwd=tmp_path, home=casefile_home)
    assert bad.returncode == 1
    assert bad.stderr.decode().startswith("casefile: ") and len(bad.stderr.decode().strip().splitlines()) == 1
    missing = run_cli(["export", str(tmp_path / "nope.casefile"), "-o", "x.docx"], cwd=tmp_path, home=casefile_home)
    assert missing.returncode == 1 and missing.stderr.decode().startswith("casefile: ")
    edition = run_cli(["export", str(path), "--format", "docx", "--edition", "1"], cwd=tmp_path, home=casefile_home)
    assert edition.returncode == 1
    assert edition.stderr.decode().strip().endswith("editions are kept as PDF; write one again without --format docx.")
    usage = run_cli(["export", str(path), "--format", "odt"], cwd=tmp_path, home=casefile_home)
    assert usage.returncode == 2
    assert not list(tmp_path.glob("*.docx"))
