"""Start-up probe, run in a fresh process: how long until the user sees rows, and at what memory.

Modes (``python -m bench.probe_window '{"mode": ..., "spawn": ...}'``):

- ``timeline``: start the app as ``casefile PATH`` does, open the case, Go > Timeline, and
  stop the clock just after the Timeline table has painted its first rows; then scroll
  through the table and report the memory.
- ``sample``: start as ``casefile`` does with no argument (the sample case on first run) and
  stop the clock just after the case page has painted.
- ``qt``: the floor: ``import PySide6.QtWidgets``, ``QApplication`` and an empty
  ``QMainWindow`` painted once; memory after that.

Every mark is seconds since ``spawn``, the parent's ``time.monotonic()`` just before it started
this process (CLOCK_MONOTONIC is system-wide on Linux), so interpreter start-up is included.
"""

from __future__ import annotations

import time

T0 = time.monotonic()  # before anything heavy is imported

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402


def _qt_floor(args: dict[str, Any], marks: dict[str, float], mark: Any) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication, QMainWindow

    mark("imported")
    app = QApplication([])
    mark("qapp")
    window = QMainWindow()
    window.resize(1280, 800)
    window.show()
    from .qtkit import PaintSpy, memory_mb

    spy = PaintSpy(window)
    spy.after_paint(lambda: True, lambda: (mark("painted"), app.quit()))
    app.exec()
    return {"marks": marks, "memory": memory_mb()}


def _app(args: dict[str, Any], marks: dict[str, float], mark: Any) -> dict[str, Any]:
    from PySide6.QtCore import QTimer

    from desktop.app import create_main_window, make_application
    from desktop.errors import setup_logging

    mark("imported")
    setup_logging()
    app = make_application([])
    mark("qapp")
    from .qtkit import PaintSpy, install_failfast, memory_mb

    install_failfast()
    window = create_main_window(args.get("path"))
    mark("window_created")
    outcome: dict[str, Any] = {}
    window_spy = PaintSpy(window)
    window_spy.after_paint(lambda: True, lambda: mark("window_painted"))

    def finish(error: str | None = None) -> None:
        if error:
            outcome["error"] = error
        elif args.get("scroll"):
            outcome.update(_scroll(window))
        outcome["memory"] = memory_mb()
        window.close()
        app.quit()

    def on_opened(_session: object) -> None:
        mark("opened")
        if args["mode"] == "sample":
            spy = PaintSpy(window.centralWidget())
            spy.after_paint(lambda: True, lambda: (mark("case_painted"), finish()))
            window.centralWidget().update()
            return
        from desktop.actions import ActionId

        window.action_registry[ActionId.GO_TIMELINE].trigger()
        page = window.case_view.current_page()
        spy = PaintSpy(page.table.viewport())
        spy.after_paint(
            lambda: page.model.rowCount() > 0,
            lambda: (mark("rows_painted"), outcome.update(rows=page.model.rowCount()), finish()),
        )
        page.table.viewport().update()

    window.documents.opened.connect(on_opened)
    window.documents.failed.connect(lambda message: finish(f"open failed: {message}"))
    QTimer.singleShot(int(args.get("timeout", 60) * 1000), lambda: finish("timed out"))
    app.exec()
    return {"marks": marks, **outcome}


def _scroll(window: Any) -> dict[str, Any]:
    """Look through the table a little: jump to a few places and page down (rows are fetched as shown)."""
    from PySide6.QtWidgets import QApplication

    page = window.case_view.current_page()
    bar = page.table.verticalScrollBar()
    app = QApplication.instance()
    assert app is not None
    steps = 0
    for fraction in (0.1, 0.25, 0.5, 0.75, 1.0, 0.0):
        bar.setValue(int(bar.maximum() * fraction))
        app.processEvents()
        for _ in range(5):
            bar.setValue(bar.value() + bar.pageStep())
            app.processEvents()
            steps += 1
    return {"scroll_steps": steps}


def main() -> int:
    """Run the probe named in the JSON argument and print its result line."""
    args = json.loads(sys.argv[1])
    spawn = float(args["spawn"])
    marks: dict[str, float] = {"interpreter": T0 - spawn}

    def mark(name: str) -> None:
        marks[name] = time.monotonic() - spawn

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        result = _qt_floor(args, marks, mark) if args["mode"] == "qt" else _app(args, marks, mark)
    except Exception as exc:  # reported to the parent as this row's error
        result = {"error": f"{type(exc).__name__}: {exc}"}
    from .measure import emit

    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
