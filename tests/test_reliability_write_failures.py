"""6. Write failures: a full disk or a size limit while saving an edit, a copy, an import or an export.

Three real ways to run out of room: SQLite's own page limit on the app's connections (the
edit fails with SQLITE_FULL exactly as on a full disk), a file-size limit set on a child
process with ``setrlimit`` (writes past it fail with EFBIG), and a 2 MB tmpfs filled to the
last byte (ENOSPC). In each case the user is told in plain words, what they typed stays
in the field to retry, no partial or temporary file is left, and the case file passes
``integrity_check`` with its bytes unchanged.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from reliability_helpers import (
    REPO_ROOT,
    child_env,
    fill_disk,
    integrity,
    limit_pages,
    listing,
    record,
    sha256,
    tmpfs,
)

from db import queries, records
from db.errors import CaseFileError, WriteError
from db.fields import Kind
from desktop.actions import ActionId
from desktop.briefing.options import BriefingOptions
from desktop.briefing_export import export_snapshot
from tests.gui_helpers import open_window, when_modal

# Long enough that saving it needs a new page of the file (the sample's pages are full enough).
TYPED = "Hearing room 2141, Rayburn House Office Building, during the markup of the appropriations bill; " * 10


def test_an_edit_on_a_full_disk_keeps_the_text_to_retry_and_the_file_intact(qtbot, sample_path, monkeypatch):
    window = open_window(qtbot, sample_path)
    # The backup on open reads the file on a pool thread: let it finish so that nothing but this
    # test's edit touches the file while the page limit is in place.
    qtbot.waitUntil(lambda: window.documents.backup_task.done.is_set(), timeout=60000)
    cf = window.session.cf
    window.case_view.show_page(Kind.STATEMENT)
    page = window.case_view.current_page()
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.current_id() is not None, timeout=60000)
    statement = page.current_id()
    before_value = records.get_record(cf, Kind.STATEMENT, statement)["venue"]
    with monkeypatch.context() as patch:
        pages = limit_pages(patch, cf)
        before = sha256(sample_path)
        edit = page.editor.widgets["venue"].edit
        edit.setFocus()
        edit.selectAll()
        qtbot.keyClicks(edit, TYPED)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        error = page.editor.error_label
        assert not error.isHidden()  # shown by the failed commit itself, before Enter returns
        qtbot.waitUntil(error.isVisible, timeout=60000)  # and on screen once Qt has laid it out
        assert error.text() == (
            "Venue: The change could not be saved: the disk is full. Your text is still in the field; press Enter "
            "there (or leave the field) to try again."
        )
        assert "the disk is full" in window.statusBar().currentMessage()
        assert edit.text() == TYPED  # what the user typed is still there
        assert records.get_record(cf, Kind.STATEMENT, statement)["venue"] == before_value
        assert sha256(sample_path) == before
        assert integrity(sample_path) == "ok"
        assert not Path(f"{sample_path}-journal").exists()
        assert window.session.undo_stack.count() == 0  # a failed edit is not an undo step
    cf.engine.dispose()  # the disk has room again
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Return)  # the same text, saved this time
    qtbot.waitUntil(lambda: not page.editor.error_label.isVisible(), timeout=60000)
    assert records.get_record(cf, Kind.STATEMENT, statement)["venue"] == TYPED
    assert window.session.undo_stack.count() == 1
    assert integrity(sample_path) == "ok"
    record(
        6,
        "An edit that cannot be written (full disk) shows the error beside the field and in the status bar, "
        "keeps the typed text, leaves the file byte for byte unchanged, and saves on the next Enter once there "
        "is room.",
        injected_by=f"PRAGMA max_page_count = {pages} (the file's size) on the app's connections",
        typed_characters=len(TYPED),
        file_unchanged=True,
        retried_and_saved=True,
    )


_LIMITED_CHILD = """
import json, resource, signal, sys
from pathlib import Path
from db.sqlite.casefile import CaseFile
from db.errors import CaseFileError
from db.interchange import export_document, export_json, import_document
from desktop.briefing.options import BriefingOptions
from desktop.briefing_export import export_snapshot

source, out, limit = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
cf = CaseFile.open(source, read_only=True)
doc = export_document(cf)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
results = {}
for name, work in [
    ("Save a Copy", lambda: cf.save_copy(out / "copy.casefile")),
    ("Export Briefing", lambda: export_snapshot(cf, out / "packet.pdf", BriefingOptions(deterministic=True))),
    ("Import JSON", lambda: import_document(doc, out / "imported.casefile")),
    ("Export JSON", lambda: export_json(cf, out / "case.json")),
]:
    try:
        work()
        results[name] = ["written", ""]
    except CaseFileError as exc:
        results[name] = ["CaseFileError", str(exc)]
    except Exception as exc:
        results[name] = [type(exc).__name__, str(exc)]
cf.close()
print(json.dumps(results))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="setrlimit(RLIMIT_FSIZE) is POSIX only")
def test_copies_exports_and_imports_past_a_file_size_limit_fail_cleanly(sample_path, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    limit = 32 * 1024  # smaller than the case file, the packet and the JSON
    before = sha256(sample_path)
    done = subprocess.run(
        [sys.executable, "-c", _LIMITED_CHILD, str(sample_path), str(out), str(limit)],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=REPO_ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert results == {
        "Save a Copy": ["CaseFileError", "copy.casefile could not be written: disk I/O error."],
        "Export Briefing": ["CaseFileError", "packet.pdf could not be written: File too large."],
        "Import JSON": ["CaseFileError", "imported.casefile could not be written: disk I/O error."],
        "Export JSON": ["CaseFileError", "case.json could not be written: File too large."],
    }
    assert listing(out) == []  # no partial file, no temporary file, no journal
    assert sha256(sample_path) == before and integrity(sample_path) == "ok"
    record(
        6,
        "Save a Copy, Export Briefing, Import JSON and Export JSON past a file-size limit each fail with a plain "
        "message and leave no partial or temporary file; the case file is intact.",
        limit_bytes=limit,
        operations_failed_cleanly=len(results),
        messages={name: message for name, (_kind, message) in results.items()},
        files_left_behind=0,
    )


def test_a_really_full_disk(qtbot, sample_path, tmp_path):
    small = tmp_path / "small"
    with tmpfs(small, "2m"):
        path = small / "case.casefile"
        shutil.copy(sample_path, path)
        window = open_window(qtbot, path)
        qtbot.waitUntil(lambda: window.documents.backup_task.done.is_set(), timeout=60000)
        cf = window.session.cf
        statement = str(next(iter(queries.fetch_rows(cf, Kind.STATEMENT, queries.list_rowids(
            cf, queries.ListQuery(Kind.STATEMENT))).values()))[0])  # fmt: skip
        filler = fill_disk(small)
        before = sha256(path)
        with pytest.raises(WriteError, match=r"^The change could not be saved: the disk is full\.$"):
            records.update_record(cf, Kind.STATEMENT, statement, {"venue": "one word"})
        with pytest.raises(CaseFileError, match=r"^copy\.casefile could not be written: database or disk is full\.$"):
            cf.save_copy(small / "copy.casefile")
        with pytest.raises(CaseFileError, match=r"^packet\.pdf could not be written: No space left on device\.$"):
            export_snapshot(cf, small / "packet.pdf", BriefingOptions(deterministic=True))
        # The same from the app's File > Export Briefing: a plain warning, no partial PDF.
        seen = when_modal(lambda box: box.accept(), kind=QMessageBox)
        with qtbot.waitSignal(window.documents.failed, timeout=120000) as blocker:
            window.action_registry[ActionId.EXPORT_BRIEFING].trigger()
        qtbot.waitUntil(lambda: bool(seen), timeout=60000)
        assert "could not be written: No space left on device." in blocker.args[0]
        assert sha256(path) == before and integrity(path) == "ok"
        assert listing(small) == ["case.casefile", "filler.bin", "~lock.case.casefile#"]
        filler.unlink()  # room again: the same edit goes through
        records.update_record(cf, Kind.STATEMENT, statement, {"venue": "one word"})
        assert records.get_record(cf, Kind.STATEMENT, statement)["venue"] == "one word"
        window.close()
        assert listing(small) == ["case.casefile"]
        assert integrity(path) == "ok"
    record(
        6,
        "On a really full disk (a 2 MB tmpfs filled to the last byte) an edit, Save a Copy and Export Briefing "
        "(core and app) fail with plain messages, nothing partial is left, the file is unchanged, and the edit "
        "succeeds once there is room.",
        file_system="tmpfs, size=2m, filled",
        operations_failed_cleanly=4,
        retried_and_saved=True,
    )
