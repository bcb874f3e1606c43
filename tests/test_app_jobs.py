"""One job service per open case: closing the case stops its background work before the file closes.

A briefing export running in a child process is cancelled by closing the case (or by opening
another one), and the close returns only once the child has stopped and removed its partial
PDF. A background read of the live file (the timeline strip's) is held on an event inside its
read transaction; the close tells it to stop, waits for it to end, and only then closes the
file, so no connection to the file is left open and nothing reads it once it is closed.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from pathlib import Path

import pytest
from core_fixtures import make_docket, open_descriptors
from PySide6.QtCore import Qt

from db import queries
from db.errors import CaseFileError
from db.fields import Kind
from db.sqlite.casefile import CaseFile
from desktop.actions import ActionId
from desktop.tasks import Job, JobCancelled, JobService
from tests.gui_helpers import open_window


@pytest.fixture
def docket(tmp_path: Path) -> Path:
    """A case whose packet takes a few seconds to lay out (4,000 timeline entries)."""
    return make_docket(tmp_path / "docket.casefile")


def _pdfs(folder: Path) -> list[str]:
    """PDFs in ``folder``, finished or partial (the renderer's temporary file)."""
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".pdf", ".tmp"))


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def _export_under_way(qtbot, window) -> Job:  # type: ignore[no-untyped-def]
    """Start File > Export Briefing and return its job once the packet is being laid out."""
    qtbot.waitUntil(lambda: window.documents.backup_task.done.is_set(), timeout=60000)
    window.action_registry[ActionId.EXPORT_BRIEFING].trigger()
    export = window.briefing.task
    assert export is not None
    laid_out: list[int] = []
    export.signals.progress.connect(lambda done, _total: done > 0 and laid_out.append(done))
    qtbot.waitUntil(lambda: bool(laid_out), timeout=60000)
    return export


def test_closing_the_case_cancels_its_briefing_export_and_leaves_no_partial_pdf(qtbot, docket, caplog):
    window = open_window(qtbot, docket)
    session = window.session
    export = _export_under_way(qtbot, window)
    assert len(_pdfs(docket.parent)) == 1  # the packet is being written to its temporary file
    window.action_registry[ActionId.CLOSE].trigger()
    # The close returned only once the child had stopped: it removed its partial file and ended.
    assert export.cancelled and export.done.is_set()
    assert _pdfs(docket.parent) == []
    assert multiprocessing.active_children() == []
    assert window.session is None and session.cf.closed
    qtbot.waitUntil(lambda: window.briefing.task is None, timeout=60000)
    assert window.briefing.last_output is None
    assert window.statusBar().currentMessage() == "Cancelled."
    assert _errors(caplog) == []


def test_opening_another_case_cancels_the_export_of_the_one_shown(qtbot, docket, sample_path, caplog):
    window = open_window(qtbot, docket)
    first = window.session
    export = _export_under_way(qtbot, window)
    window.documents.open_path(sample_path)
    qtbot.waitUntil(lambda: window.session is not first and window.session is not None, timeout=60000)
    assert export.cancelled and export.done.is_set() and first.cf.closed
    assert _pdfs(docket.parent) == []
    qtbot.waitUntil(lambda: window.briefing.task is None, timeout=60000)
    assert window.briefing.last_output is None
    assert _errors(caplog) == []


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files through /proc")
def test_closing_the_case_waits_for_a_background_read_and_nothing_reads_the_closed_file(
    qtbot, sample_path, monkeypatch, caplog
):
    window = open_window(qtbot, sample_path)
    qtbot.waitUntil(lambda: window.documents.backup_task.done.is_set(), timeout=60000)
    session = window.session
    path = session.cf.path
    inside, release = threading.Event(), threading.Event()
    reads: list[tuple[int, bool]] = []  # (entries counted, whether the file was closed by then)
    real_marks = queries.timeline_marks

    def held_marks(cf: CaseFile) -> queries.TimelineMarks:
        with cf.read() as conn:
            inside.set()
            assert release.wait(20), "the read was never told to stop"
            count = conn.exec_driver_sql("SELECT count(*) FROM timeline_entry").scalar_one()
            reads.append((count, cf.closed))
        return real_marks(cf)

    monkeypatch.setattr(queries, "timeline_marks", held_marks)
    window.case_view.show_page(Kind.TIMELINE)  # the strip reads its marks in the background
    assert inside.wait(10)
    (read,) = session.jobs.running()
    # The test stands in for a read that stops when told: it goes on as soon as the close asks.
    read.signals.stop_requested.connect(release.set, Qt.ConnectionType.DirectConnection)
    answered: list[object] = []
    read.signals.finished.connect(answered.append)
    shown: list[bool] = []
    window.case_view.page(Kind.TIMELINE).marks_loaded.connect(lambda: shown.append(True))
    assert open_descriptors(path) >= 1  # the read holds a connection of its own
    window.action_registry[ActionId.CLOSE].trigger()
    assert read.cancelled and read.done.is_set()
    assert len(reads) == 1 and reads[0][1] is False  # it read while the file was still open...
    assert window.session is None and session.cf.closed  # ...and the file closed after it ended
    assert open_descriptors(path) == 0  # no connection left open on the closed file
    qtbot.waitUntil(lambda: bool(answered), timeout=60000)
    assert shown == []  # the late answer is not drawn on the closed case's strip
    assert _errors(caplog) == []


def test_a_closed_job_service_runs_nothing_more(qtbot):
    service = JobService(threads=1)
    inside, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def held() -> None:
        inside.set()
        assert release.wait(20)
        ran.append("held")

    first, waiting = Job(held), Job(ran.append, "waiting")
    # When the running job is asked to stop, the waiting one must already be off the queue:
    # the thread the running job frees would otherwise start it.
    waiting_ended_first: list[bool] = []
    first.signals.stop_requested.connect(
        lambda: (waiting_ended_first.append(waiting.done.is_set()), release.set()), Qt.ConnectionType.DirectConnection
    )
    refused: list[BaseException] = []
    waiting.signals.failed.connect(lambda exc, _details: refused.append(exc))
    service.start(first)
    service.start(waiting)  # no free thread: it waits its turn
    assert inside.wait(10)
    service.close()
    assert waiting_ended_first == [True]
    assert first.done.is_set() and waiting.done.is_set()
    assert ran == ["held"]  # the job still waiting for a thread never ran
    assert len(refused) == 1 and isinstance(refused[0], JobCancelled)
    late = Job(ran.append, "late")
    late.signals.failed.connect(lambda exc, _details: refused.append(exc))
    service.start(late)
    assert isinstance(refused[-1], CaseFileError) and str(refused[-1]) == "The case file is closed."
    assert ran == ["held"] and late.done.is_set()
