"""Background work through one helper: run a function off the GUI thread, get the result
back by signal.

Workers receive paths, ids or snapshots, never live objects shared with the GUI thread,
and never write to the open case file (all edits happen on the GUI thread through the undo
stack, so writes are serialised). A task reports progress through a callback it is given;
the same callback tells it to stop when the user cancels.
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

from .jobs import child_main

# How long a cancelled child process gets to stop by itself before it is terminated.
CANCEL_GRACE_S = 5.0

log = logging.getLogger("casefile.tasks")

Progress = Callable[[int, int], bool]


class TaskCancelled(Exception):
    """Raised inside a task when the user cancelled it."""


class _Signals(QObject):
    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object, str)


class Task(QRunnable):
    """One background job. Connect to ``signals`` before starting it with ``TaskRunner.start``."""

    def __init__(self, fn: Callable[..., Any], *args: Any, with_progress: bool = False) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = _Signals()
        self._fn = fn
        self._args = args
        self._with_progress = with_progress
        self._cancel = threading.Event()
        self.done = threading.Event()

    def cancel(self) -> None:
        """Ask the task to stop at its next progress report."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """True once ``cancel`` was called."""
        return self._cancel.is_set()

    def _progress(self, done: int, total: int) -> bool:
        self.signals.progress.emit(done, total)
        return not self._cancel.is_set()

    def run(self) -> None:
        """Run on a pool thread; report the result or the exception by signal."""
        try:
            result = self._execute()
        except BaseException as exc:  # every failure goes back to the GUI thread
            details = getattr(exc, "child_traceback", "") or traceback.format_exc()
            if not isinstance(exc, TaskCancelled | CaseFileError) and not self.cancelled:
                log.error("background task failed\n%s", details)
            self._emit(self.signals.failed, exc, details)
        else:
            self._emit(self.signals.finished, result)
        finally:
            self.done.set()

    def _execute(self) -> Any:
        args = (*self._args, self._progress) if self._with_progress else self._args
        return self._fn(*args)

    def _emit(self, signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            # The application is shutting down and has already deleted the receiver side.
            log.info("a background task finished after the application closed")


class ProcessTask(Task):
    """A Task whose function runs in a child process (see ``desktop.jobs``).

    ``fn`` must be a top-level function taking ``(*args, progress)``; its arguments and result
    must pickle. Progress comes back about ten times a second; Cancel reaches the child
    through its progress callback, so it can stop cleanly (the packet writer removes its
    partial file). If the child dies, the task fails with a plain message.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        super().__init__(fn, *args, with_progress=True)

    def _execute(self) -> Any:
        import multiprocessing as mp
        import queue as queues

        ctx = mp.get_context("spawn")  # never fork a process that runs Qt threads
        channel = ctx.Queue()
        stop = ctx.Event()
        child = ctx.Process(target=child_main, args=(self._fn, self._args, channel, stop), daemon=True)
        child.start()
        cancelled_at: float | None = None
        try:
            while True:
                if self._cancel.is_set() and cancelled_at is None:
                    stop.set()
                    cancelled_at = time.monotonic()
                try:
                    message = channel.get(timeout=0.05)
                except queues.Empty:
                    if cancelled_at is not None and time.monotonic() - cancelled_at > CANCEL_GRACE_S:
                        child.terminate()  # it did not stop when asked (stuck in a write, say)
                        raise TaskCancelled("Cancelled.") from None
                    if child.is_alive():
                        continue
                    try:
                        message = channel.get(timeout=0.5)  # anything sent just before it ended
                    except queues.Empty:
                        raise CaseFileError(
                            f"The background job stopped unexpectedly (exit code {child.exitcode})."
                        ) from None
                if message[0] == "progress":
                    self._emit(self.signals.progress, message[1], message[2])
                elif message[0] == "done":
                    return message[1]
                else:
                    raise _rebuild_error(message[1], cancelled=self._cancel.is_set())
        finally:
            child.join(5)
            if child.is_alive():
                child.terminate()
                child.join(5)
            channel.close()


def _rebuild_error(info: dict[str, Any], *, cancelled: bool) -> BaseException:
    """The child's exception, as one the GUI code already knows how to show."""
    from db import errors

    if info["cancelled"] or cancelled:
        return TaskCancelled(info["message"])
    if info["errors"] is not None:
        return errors.InterchangeError(info["errors"])
    if info["case_file_error"]:
        cls = getattr(errors, info["type"], None)
        simple = (
            errors.CaseFileError,
            errors.RefusedFileError,
            errors.NewerVersionError,
            errors.WriteError,
            errors.RecordError,
        )
        exc: BaseException = cls(info["message"]) if cls in simple else errors.CaseFileError(info["message"])
    else:
        exc = RuntimeError(f"{info['type']}: {info['message']}")
    exc.child_traceback = info["traceback"]  # type: ignore[attr-defined]
    return exc


class TaskRunner(QObject):
    """Starts tasks on a private thread pool and keeps them alive until they finish."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._running: set[Task] = set()

    def start(self, task: Task) -> Task:
        """Start ``task``; its signals arrive on the GUI thread."""
        self._running.add(task)
        task.signals.finished.connect(lambda _r, t=task: self._running.discard(t))
        task.signals.failed.connect(lambda _e, _tb, t=task: self._running.discard(t))
        self._pool.start(task)
        return task

    def wait(self, msecs: int = -1) -> bool:
        """Wait for every task (used when closing)."""
        return self._pool.waitForDone(msecs)

    def cancel_all(self) -> None:
        """Ask every running task to stop."""
        for task in list(self._running):
            task.cancel()


_shared: TaskRunner | None = None


def shared_runner() -> TaskRunner:
    """A task runner for small background reads of views (one per application)."""
    global _shared
    if _shared is None:
        from PySide6.QtCore import QCoreApplication

        _shared = TaskRunner(QCoreApplication.instance())
    return _shared
