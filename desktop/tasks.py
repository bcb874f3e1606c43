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
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from db.errors import CaseFileError

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
            args = (*self._args, self._progress) if self._with_progress else self._args
            result = self._fn(*args)
        except BaseException as exc:  # every failure goes back to the GUI thread
            if not isinstance(exc, TaskCancelled | CaseFileError) and not self.cancelled:
                log.error("background task failed\n%s", traceback.format_exc())
            self._emit(self.signals.failed, exc, traceback.format_exc())
        else:
            self._emit(self.signals.finished, result)
        finally:
            self.done.set()

    def _emit(self, signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            # The application is shutting down and has already deleted the receiver side.
            log.info("a background task finished after the application closed")


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
