"""Background jobs in child processes: results come back, and Cancel always ends the job."""

from __future__ import annotations

import time

import pytest

from desktop.jobs import run_in_child
from desktop.tasks import CANCEL_GRACE_S, JobCancelled, JobService, ProcessJob
from tests.job_fixtures import counting, failing, stuck


def test_a_child_job_returns_its_result_with_progress(qtbot):
    service = JobService()
    task = ProcessJob(counting, 30)
    seen: list[tuple[int, int]] = []
    task.signals.progress.connect(lambda done, total: seen.append((done, total)))
    with qtbot.waitSignal(task.signals.finished, timeout=60000) as blocker:
        service.start(task)
    assert blocker.args == [30]
    assert seen and all(total == 30 for _done, total in seen)


def test_cancel_ends_a_child_that_no_longer_listens(qtbot):
    service = JobService()
    task = ProcessJob(stuck, 600.0)
    with qtbot.waitSignal(task.signals.progress, timeout=60000):
        service.start(task)  # the child is up and has reported once
    started = time.monotonic()
    with qtbot.waitSignal(task.signals.failed, timeout=int((CANCEL_GRACE_S + 10) * 1000)) as blocker:
        task.cancel()
    waited = time.monotonic() - started
    assert isinstance(blocker.args[0], JobCancelled)
    assert CANCEL_GRACE_S <= waited < CANCEL_GRACE_S + 10
    assert service.wait(5000)


def test_the_self_test_runs_jobs_through_the_same_child_loop():
    """``run_in_child`` (no Qt) gives the result, or the child's error as a RuntimeError."""
    assert run_in_child(counting, 5, timeout=60) == 5
    with pytest.raises(RuntimeError, match=r"^ValueError: no such step$"):
        run_in_child(failing, "no such step", timeout=60)
