"""Responsiveness probe, in a fresh process: a 20 ms heartbeat on the GUI thread while the app works.

The app starts as ``casefile`` does (the sample case, in a private user folder). A QTimer
beats every 20 ms on the GUI thread and each beat's time is recorded. Phases:

1. ``idle``: nothing running (the baseline);
2. ``import``: File > Import JSON (the menu action) with its two file dialogs answered with
   the large JSON and a new case file: the app's own import flow, until it opens the result;
3. ``open``: that flow opening the new file (``Documents.open_path``) until the case is shown
   and painted;
4. ``export``: File > Export Briefing (``BriefingExporter.export``) on that case until the
   packet is written, or until ``export_limit`` seconds and then Cancel (the full export of
   the large case takes minutes; the work it does in that time is the same kind throughout).

For each phase the gaps between beats are reported (the first gap runs from the phase start).
"""

from __future__ import annotations

import datetime as dt
import faulthandler
import itertools
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .measure import emit


class Heartbeat:
    """Records the time of every beat of a 20 ms timer on the GUI thread.

    Each beat also re-arms faulthandler's watchdog: a beat ``stall_after`` seconds late gets
    every thread's stack written to ``stall_file`` (see bench/stalls.py).
    """

    def __init__(self, stall_file: Path, stall_after: float, interval_ms: int = 20) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.beats: list[float] = []
        self.stall_after = stall_after
        self.stalls = open(stall_file, "w", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._beat)
        self.timer.start()

    def _beat(self) -> None:
        self.beats.append(time.monotonic())
        faulthandler.dump_traceback_later(self.stall_after, file=self.stalls)

    def stall_offset(self) -> int:
        """How much the watchdog has written so far (phases are byte ranges of the file)."""
        return os.fstat(self.stalls.fileno()).st_size

    def stop(self) -> None:
        """Stop beating and watching."""
        self.timer.stop()
        faulthandler.cancel_dump_traceback_later()
        self.stalls.close()

    def gaps(self, start: float, end: float) -> list[float]:
        """Gaps between beats within ``[start, end]``, counting from ``start`` and up to ``end``."""
        inside = [t for t in self.beats if start <= t <= end]
        points = [start, *inside, end]
        return [b - a for a, b in itertools.pairwise(points) if b > a]


def _record(
    name: str, phases: dict[str, Any], heart: Heartbeat, start: tuple[float, int], end: tuple[float, int]
) -> None:
    """Store a phase: its length, the heartbeat gaps within it, and its range of the stall file."""
    phases[name] = {"seconds": end[0] - start[0], "gaps": heart.gaps(start[0], end[0]), "stalls": [start[1], end[1]]}


def _run_phase(name: str, phases: dict[str, Any], heart: Heartbeat, body: Any, timeout: float) -> None:
    from .qtkit import wait_until

    start = (time.monotonic(), heart.stall_offset())
    done = body()
    wait_until(done, timeout, f"the {name} phase to finish")
    _record(name, phases, heart, start, (time.monotonic(), heart.stall_offset()))


def _import_and_open(window: Any, heart: Heartbeat, phases: dict[str, Any], args: dict[str, Any]) -> None:
    """File > Import JSON with its two file dialogs answered, until the imported case is shown.

    The import phase ends when the flow asks to open the new file (``Documents.open_path``,
    wrapped on this window to note the moment); the open phase ends at the first paint after
    the case is shown.
    """
    from desktop import file_dialogs
    from desktop.actions import ActionId

    from .qtkit import PaintSpy, wait_until

    source, target = Path(args["json"]), Path(args["target"])
    # The dialogs are the boundary a user answers; everything after them is the app's own flow.
    file_dialogs.ask_open_json = lambda *_a, **_k: source  # type: ignore[assignment]
    file_dialogs.ask_new_case = lambda *_a, **_k: target  # type: ignore[assignment]
    marks: dict[str, tuple[float, int]] = {}
    documents = window.documents
    original_open = documents.open_path

    def open_path(path: Path, **kwargs: Any) -> None:
        marks["open"] = (time.monotonic(), heart.stall_offset())
        original_open(path, **kwargs)

    def shown(_session: object) -> None:
        spy = PaintSpy(window)
        spy.after_paint(lambda: True, lambda: marks.setdefault("shown", (time.monotonic(), heart.stall_offset())))

    documents.open_path = open_path
    documents.opened.connect(shown)
    start = (time.monotonic(), heart.stall_offset())
    window.action_registry[ActionId.IMPORT_JSON].trigger()
    timeout = float(args.get("timeout", 600))
    wait_until(lambda: "open" in marks or bool(documents.last_error), timeout, "the import to finish")
    if "open" not in marks:
        raise RuntimeError(f"the import failed: {documents.last_error}")
    _record("import", phases, heart, start, marks["open"])
    wait_until(lambda: "shown" in marks or bool(documents.last_error), timeout, "the imported case to open")
    if "shown" not in marks or window.session is None or window.session.cf.path != target.resolve():
        raise RuntimeError(f"the imported case did not open: {documents.last_error}")
    _record("open", phases, heart, marks["open"], marks["shown"])


def main() -> int:
    """Run the phases and print the heartbeat gaps of each."""
    args = json.loads(sys.argv[1])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    phases: dict[str, Any] = {}
    result: dict[str, Any] = {"phases": phases}
    try:
        from .qtkit import install_failfast, open_window, wait_until

        install_failfast()
        timeout = float(args.get("timeout", 600))
        window = open_window(None, timeout)
        heart = Heartbeat(Path(args["stall_file"]), float(args["stall_after"]))
        result["gui_thread"] = threading.get_ident()
        wait_until(lambda: len(heart.beats) > 5, 10, "the heartbeat to start")

        def idle() -> Any:
            until = time.monotonic() + float(args["idle_s"])
            return lambda: time.monotonic() >= until

        _run_phase("idle", phases, heart, idle, timeout)
        _import_and_open(window, heart, phases, args)

        limit = float(args["export_limit"])
        # The packet is exported on the generated case's As-of day, as staff export a current
        # case: an older As-of date would stop the export at its "Old As-of Date" question.
        from desktop.briefing import staleness

        staleness.today = lambda: dt.date(2026, 6, 24)

        def start_export() -> Any:
            window.briefing.export()
            until = time.monotonic() + limit
            return lambda: window.briefing.task is None or time.monotonic() >= until

        _run_phase("export", phases, heart, start_export, timeout)
        result["export_completed"] = window.briefing.task is None and window.briefing.last_result is not None
        if window.briefing.last_result is not None:
            result["export_pages"] = window.briefing.last_result.pages
        if window.briefing.task is not None:

            def cancel() -> Any:
                window.briefing.cancel()
                return lambda: window.briefing.task is None

            _run_phase("cancel", phases, heart, cancel, timeout)
        heart.stop()
        window.close()
    except Exception as exc:  # reported to the parent as the row's error
        result = {"error": f"{type(exc).__name__}: {exc}"}
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
