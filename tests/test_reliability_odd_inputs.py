"""16. Odd inputs never show a traceback and never half-change a file: a failed upgrade, and errors
nobody planned for on the command line.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from core_fixtures import make_v1_file
from reliability_helpers import listing, record, sha256

import db.sqlite.casefile as casefile_module
from db.errors import CaseFileError
from db.sqlite.casefile import CaseFile


def _pages(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("PRAGMA page_count").fetchone()[0])
    finally:
        conn.close()


def test_an_upgrade_that_fails_half_way_leaves_the_file_exactly_as_it_was(tmp_path, monkeypatch):
    path = make_v1_file(tmp_path / "old.casefile")
    (tmp_path / "backups").mkdir()
    # Enough room for the first upgrade step, not for rebuilding the search indexes in the last:
    # the disk fills up half way through the upgrade.
    limit = _pages(path) + 1
    real = casefile_module.configure

    def configure(conn, *, read_only: bool = False) -> None:  # type: ignore[no-untyped-def]
        real(conn, read_only=read_only)
        conn.execute(f"PRAGMA max_page_count = {limit}")

    monkeypatch.setattr(casefile_module, "configure", configure)
    before = sha256(path)
    with pytest.raises(CaseFileError) as failed:
        CaseFile.open(path, backup_dir=tmp_path / "backups")
    message = str(failed.value)
    assert message.startswith("old.casefile could not be upgraded to this version of Casefile (the disk is full).")
    assert "The file is unchanged" in message and "a copy is at" in message
    assert sha256(path) == before  # byte for byte: the steps that did succeed were undone too
    assert listing(tmp_path) == ["backups", "old.casefile"]  # no journal, no lock file
    monkeypatch.undo()
    with CaseFile.open(path, backup_dir=tmp_path / "backups") as cf:  # with room, the upgrade goes through
        assert cf.version == casefile_module.SCHEMA_VERSION
    record(
        16,
        "An upgrade that fails half way (the disk fills during the last step) leaves the older file byte for "
        "byte unchanged and says so; with room it upgrades.",
        page_limit=limit,
    )


def test_an_older_file_that_cannot_be_read_read_only_gives_a_plain_refusal(tmp_path, monkeypatch):
    path = make_v1_file(tmp_path / "old.casefile")
    before = sha256(path)

    def no_room(_conn, **_kwargs):  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError("out of memory")

    monkeypatch.setattr(casefile_module, "migrate", no_room)
    with pytest.raises(
        CaseFileError, match=r"^old\.casefile could not be opened read-only: .*The file was not changed"
    ):
        CaseFile.open(path, read_only=True)
    assert sha256(path) == before
    record(16, "An older file whose in-memory upgrade fails when opened read-only gives a plain refusal.")


_BUG_IN_A_COMMAND = """
import sys
import db.search
from desktop.cli import main

def broken(*_args, **_kwargs):
    raise RuntimeError("a bug nobody planned for")

db.search.search = broken
sys.exit(main(["search", sys.argv[1], "Meta"]))
"""


def test_an_unexpected_error_on_the_command_line_is_one_line_with_the_details_in_the_log(tmp_path, sample_path):
    import subprocess
    import sys

    from core_fixtures import cli_env

    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "-c", _BUG_IN_A_COMMAND, str(sample_path)],
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("casefile: unexpected error (RuntimeError: a bug nobody planned for); the details")
    log = (home / "logs" / "casefile.log").read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log and "a bug nobody planned for" in log
    record(
        16,
        "An unexpected error in a command prints one line naming the log file; the traceback goes to the log, "
        "not the terminal.",
        stderr_lines=len(lines),
    )


@pytest.mark.parametrize("dates", [("0001", "2026-06-02"), ("2026-06-02", "9999-12-31"), ("0001-01-01", "9999")])
def test_dates_at_the_ends_of_the_calendar_export_and_draw(qtbot, sample_path, tmp_path, dates):
    from db import records
    from db.fields import Kind
    from desktop.briefing.options import BriefingOptions
    from desktop.briefing_export import export_snapshot
    from tests.gui_helpers import open_window

    with CaseFile.open(sample_path) as cf:
        for date in dates:
            records.add_record(cf, Kind.TIMELINE, {"date": date, "title": f"Event on {date}", "key": True})
        result = export_snapshot(cf, tmp_path / "packet.pdf", BriefingOptions(deterministic=True))
    assert result.pages > 1
    window = open_window(qtbot, sample_path)
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    assert page.timeline is not None
    page.timeline.grab()  # paints the strip, axis ticks included, over a span of up to 9,999 years
    record(16, "Key events dated in year 1 and year 9999 export in the packet's strip and draw in the app's "
           "timeline.", dates=" / ".join(dates))  # fmt: skip
