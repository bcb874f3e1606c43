"""The job service: background work off the GUI thread, results back by signal.

Every open case has one (``CaseSession.jobs``, made and closed with the session): its exports,
copies, backup and background reads run there, and closing the case cancels them and waits
for them to stop before the file closes, so nothing touches a closed file. The window's file
commands have one of their own for work that belongs to no open case (checking and opening a
file, importing, restoring a backup), and so has the open started at launch before the window
exists (``documents.PendingOpen``). Views, dialogs and commands start background work nowhere
else.

Jobs get paths, plain values or snapshots, never live objects shared with the GUI thread, and
never write to the open case file (all edits happen on the GUI thread through the undo stack,
so writes are serialised). A long job runs in a child process (``ProcessJob``, which opens
the case file by path; see ``desktop.jobs``). The exceptions are reads that must be fast on a
large case: Find, the timeline strip, the Case page's front-page lists and the backup copy
taken on open each read the live file through a pooled connection of their own
(``CaseFile.read`` and ``raw_connection`` are safe per connection). That is why closing waits
for them. One job writes the open file: syncing an offline copy with its master
(``desktop.replica_app``), which reads and writes through its own pooled connection behind a
modal progress window, so no edit can come in between, and becomes one undo step when done.

Cancelling a job tells it to stop at its next check (a child process through its progress
callback, a thread job through the ``stop`` it is given); a job not yet started never starts.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from db.errors import CaseFileError

from .jobs import CANCEL_GRACE_S, JobCancelled, run_child

__all__ = ["CANCEL_GRACE_S", "Job", "JobCancelled", "JobService", "ProcessJob"]

# The longest a close waits for a job that does not stop (a read stalled on a network share,
# say); the file is closed then all the same and the job finds it closed.
CLOSE_WAIT_S = 60.0
# A job that stops by itself once the file is closed (``stops_on_close``) is given this long to
# reach its next check before the file closes without it.
STOPS_ON_CLOSE_WAIT_S = 0.5

log = logging.getLogger("casefile.tasks")


class _Signals(QObject):
    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object, str)
    stop_requested = Signal()  # emitted on the thread that called ``cancel``, at once


class Job(QRunnable):
    """One background job on a pool thread. Connect to ``signals``, then ``JobService.start`` it.

    ``with_stop`` passes ``fn`` a last argument ``stop()`` that returns True once the job is
    cancelled (``ProcessJob`` gives its child a progress callback instead). ``stops_on_close``
    declares that ``fn`` stops by itself, without touching the file again, once its case file
    is closed (``db.search.search`` checks before each step and closes its own connection), so
    a close need not wait long for it.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        *args: Any,
        with_stop: bool = False,
        stops_on_close: bool = False,
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = _Signals()
        self.stops_on_close = stops_on_close
        self._fn = fn
        self._args = args
        self._with_stop = with_stop
        self._cancel = threading.Event()
        self.done = threading.Event()  # set once the job has ended (or will never run)

    def cancel(self) -> None:
        """Ask the job to stop at its next check (a job not yet started never starts)."""
        if not self._cancel.is_set():
            self._cancel.set()
            self._emit(self.signals.stop_requested)

    @property
    def cancelled(self) -> bool:
        """True once ``cancel`` was called."""
        return self._cancel.is_set()

    def run(self) -> None:
        """Run on a pool thread; report the result or the exception by signal."""
        try:
            if self._cancel.is_set():
                raise JobCancelled("Cancelled before it started.")
            result = self._execute()
        except BaseException as exc:  # every failure goes back to the GUI thread
            details = getattr(exc, "child_traceback", "") or traceback.format_exc()
            if not isinstance(exc, JobCancelled | CaseFileError) and not self.cancelled:
                log.error("background job failed\n%s", details)
            self._emit(self.signals.failed, exc, details)
        else:
            self._emit(self.signals.finished, result)
        finally:
            self.done.set()

    def refuse(self, exc: BaseException) -> None:
        """End a job that will never run, with ``exc`` (a closed service, a job taken off the queue)."""
        self._emit(self.signals.failed, exc, "")
        self.done.set()

    def _execute(self) -> Any:
        args = (*self._args, self._cancel.is_set) if self._with_stop else self._args
        return self._fn(*args)

    def _emit(self, signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            # The application is shutting down and has already deleted the receiver side.
            log.info("a background job finished after the application closed")


class ProcessJob(Job):
    """A job whose function runs in a child process (``desktop.jobs.run_child``).

    ``fn`` must be a top-level function taking ``(*args, progress)``; its arguments and result
    must pickle. Cancel reaches the child through its progress callback; a child that does not
    stop within ``CANCEL_GRACE_S`` is terminated. If the child dies, the job fails with a plain
    message.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        super().__init__(fn, *args)

    def _execute(self) -> Any:
        return run_child(
            self._fn,
            self._args,
            cancelled=self._cancel.is_set,
            on_progress=lambda done, total: self._emit(self.signals.progress, done, total),
        )


class JobService(QObject):
    """Runs the background jobs of one owner on its own threads, and stops them all on ``close``."""

    def __init__(self, parent: QObject | None = None, *, threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        # Started jobs, kept until their last signal has been delivered (a job deleted earlier would
        # take the queued signal with it). Touched on the GUI thread only.
        self._jobs: set[Job] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once ``close`` has run: jobs started from then on fail at once."""
        return self._closed

    def start(self, job: Job) -> Job:
        """Start ``job``; its signals arrive on the GUI thread (connect them first)."""
        if self._closed:
            job.refuse(CaseFileError("The case file is closed."))
            return job
        self._jobs.add(job)
        job.signals.finished.connect(lambda _result, j=job: self._jobs.discard(j))
        job.signals.failed.connect(lambda _exc, _details, j=job: self._jobs.discard(j))
        self._pool.start(job)
        return job

    def running(self) -> list[Job]:
        """Jobs started and not yet ended."""
        return [job for job in self._jobs if not job.done.is_set()]

    def cancel_all(self) -> None:
        """Ask every job to stop; the ones still waiting for a thread never start."""
        jobs = self.running()
        # The waiting ones come off the queue before any running job is told to stop: a job that
        # stops frees its thread, which would otherwise start the next waiting job first.
        for job in jobs:
            if self._pool.tryTake(job):
                job.cancel()
                job.refuse(JobCancelled("Cancelled."))
        for job in jobs:
            job.cancel()

    def wait(self, msecs: int = -1) -> bool:
        """Wait until every job has ended (``msecs`` at most, -1 for no limit); False if one has not."""
        deadline = None if msecs < 0 else time.monotonic() + msecs / 1000
        for job in self.running():
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not job.done.wait(left):
                return False
        return True

    def close(self) -> None:
        """Cancel every job and wait for them to stop; start no more. Call before the file closes."""
        if self._closed:
            return
        self._closed = True
        jobs = self.running()
        self.cancel_all()
        started = time.monotonic()
        for job in jobs:
            limit = STOPS_ON_CLOSE_WAIT_S if job.stops_on_close else CLOSE_WAIT_S
            if not job.done.wait(max(0.0, started + limit - time.monotonic())):
                if job.stops_on_close:
                    log.info("a background read will stop at its next step, on finding its file closed")
                else:
                    log.warning("a background job did not stop within %.0f s of its case closing", CLOSE_WAIT_S)
