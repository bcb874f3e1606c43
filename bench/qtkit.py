"""Qt helpers shared by the GUI probes: paint detection, waiting, and opening a case window.

Everything goes through the app's own code paths (``make_application``,
``create_main_window``, the Go actions, the page's table), so the probes measure what a
user gets rather than a re-creation of it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from .measure import memory_mb as memory_mb  # re-exported for the probes


class PaintSpy(QObject):
    """Counts paint events of a widget; ``after_paint`` runs once after a paint when ``ready()`` holds."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        self._widget = widget
        self._waiter: tuple[Callable[[], bool], Callable[[], None]] | None = None
        self._detach = False
        widget.installEventFilter(self)

    def after_paint(self, ready: Callable[[], bool], callback: Callable[[], None], *, detach: bool = False) -> None:
        """Call ``callback`` just after the first paint for which ``ready()`` is true.

        ``detach`` removes the spy then: a Python event filter costs every event of the widget a
        trip into Python, which a benchmark of the event loop must not add once it is done.
        """
        self._waiter = (ready, callback)
        self._detach = detach

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
            if self._waiter is not None and self._waiter[0]():
                callback = self._waiter[1]
                self._waiter = None
                if self._detach:
                    self._widget.removeEventFilter(self)
                # Runs once the paint this event starts has finished.
                QTimer.singleShot(0, callback)
        return False


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, poll_ms: int = 50) -> None:
    """Run the event loop until ``predicate()`` holds; TimeoutError naming ``what`` after ``timeout`` s.

    The GUI thread sits in Qt's own loop meanwhile, as in the app, and runs Python only to
    check the predicate ``poll_ms`` apart (a busy polling loop would compete with the workers
    for the GIL and make the app look less responsive than it is).
    """
    if predicate():
        return
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(poll_ms)
    state = {"timed_out": False}

    def check() -> None:
        if predicate():
            loop.quit()
        elif time.monotonic() > deadline:
            state["timed_out"] = True
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    if state["timed_out"]:
        raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def settle(spy: PaintSpy, rounds: int = 6) -> None:
    """Process pending events until the spied widget has painted (or nothing more is pending)."""
    app = QApplication.instance()
    assert app is not None
    before = spy.count
    for _ in range(rounds):
        app.processEvents()
        if spy.count > before:
            return


def open_window(path: str | None, timeout: float) -> Any:
    """The app's main window, started as ``casefile [PATH]`` starts it, with its case open."""
    from desktop.app import create_main_window, make_application

    make_application([])
    window = create_main_window(path)
    opened: list[object] = []
    failed: list[str] = []
    window.documents.opened.connect(opened.append)
    window.documents.failed.connect(failed.append)
    wait_until(lambda: bool(opened or failed), timeout, "the case to open")
    if failed:
        raise RuntimeError(f"the case did not open: {failed[0]}")
    return window


def show_timeline(window: Any, timeout: float) -> tuple[Any, PaintSpy]:
    """Go > Timeline (the menu action), then wait until its table has painted rows and its
    strip has its marks.

    The strip's marks are read in the background after the page first shows; a probe that
    timed its first sample before they arrived would charge that sample with drawing the
    whole strip (a quarter of a second on the large case), which is opening, not the edit.
    """
    from desktop.actions import ActionId

    window.action_registry[ActionId.GO_TIMELINE].trigger()
    page = window.case_view.current_page()
    loaded: list[bool] = []
    page.marks_loaded.connect(lambda: loaded.append(True))
    spy = PaintSpy(page.table.viewport())
    painted: list[bool] = []
    spy.after_paint(lambda: page.model.rowCount() > 0, lambda: painted.append(True))
    page.table.viewport().update()
    wait_until(lambda: bool(painted), timeout, "the timeline table to paint")

    def strip_ready() -> bool:
        # An in-memory copy loads the strip while the page shows, before the connection above.
        return bool(loaded) or page.timeline is None or len(page.timeline._marks) > 0

    wait_until(strip_ready, timeout, "the timeline strip's marks")
    settle(spy)
    return page, spy


def install_failfast() -> None:
    """An exception in a Qt slot ends the probe with its traceback (no dialog to wait on)."""
    import sys
    import traceback

    def hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        traceback.print_exception(kind, value, tb)
        sys.stderr.flush()
        os._exit(3)

    sys.excepthook = hook
