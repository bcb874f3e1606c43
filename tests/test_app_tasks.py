"""Background jobs in child processes: results come back, and Cancel always ends the job."""

from __future__ import annotations

import time

from desktop.tasks import CANCEL_GRACE_S, ProcessTask, TaskCancelled, TaskRunner
from tests.job_fixtures import counting, stuck


def test_a_child_job_returns_its_result_with_progress(qtbot):
    runner = TaskRunner()
    task = ProcessTask(counting, 30)
    seen: list[tuple[int, int]] = []
    task.signals.progress.connect(lambda done, total: seen.append((done, total)))
    with qtbot.waitSignal(task.signals.finished, timeout=60000) as blocker:
        runner.start(task)
    assert blocker.args == [30]
    assert seen and all(total == 30 for _done, total in seen)


def test_cancel_ends_a_child_that_no_longer_listens(qtbot):
    runner = TaskRunner()
    task = ProcessTask(stuck, 600.0)
    with qtbot.waitSignal(task.signals.progress, timeout=60000):
        runner.start(task)  # the child is up and has reported once
    started = time.monotonic()
    with qtbot.waitSignal(task.signals.failed, timeout=int((CANCEL_GRACE_S + 10) * 1000)) as blocker:
        task.cancel()
    waited = time.monotonic() - started
    assert isinstance(blocker.args[0], TaskCancelled)
    assert CANCEL_GRACE_S <= waited < CANCEL_GRACE_S + 10
    assert runner.wait(5000)
