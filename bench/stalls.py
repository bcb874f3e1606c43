"""What the app was doing when the GUI thread stalled: faulthandler's stack dumps, summarised.

The heartbeat probe re-arms ``faulthandler.dump_traceback_later`` on every beat, so a beat
that is late by the gap limit gets every thread's Python stack written from a C watchdog
thread (which needs no GIL). This module turns those dumps into one line per stall: where
the GUI thread was, and where the busy worker threads were.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .measure import REPO

_THREAD = re.compile(r"^(?:Current thread|Thread) (0x[0-9a-f]+) \(most recent call first\):$")
_FRAME = re.compile(r'^\s+File "(?P<file>.*)", line (?P<line>\d+) in (?P<func>.*)$')
_APP_DIRS = ("db/", "desktop/")


@dataclass(frozen=True)
class Frame:
    """One line of a dumped stack."""

    file: str
    line: int
    func: str

    @property
    def short(self) -> str:
        """``desktop/views/record_page.py:203 apply_filter`` (repository-relative where possible)."""
        path = self.file
        root = str(REPO) + "/"
        if path.startswith(root):
            path = path[len(root) :]
        elif "/site-packages/" in path:
            path = path.split("/site-packages/", 1)[1]
        elif "/lib/python" in path:
            path = path.split("/lib/python", 1)[1].split("/", 1)[-1]
        return f"{path}:{self.line} {self.func}"

    @property
    def in_app(self) -> bool:
        """True for frames in the app's own code."""
        return self.file.startswith(str(REPO) + "/") and self.short.startswith(_APP_DIRS)


def parse(text: str) -> list[dict[int, list[Frame]]]:
    """Each dump as ``{thread id: frames, innermost first}`` (threads without frames left out)."""
    dumps: list[dict[int, list[Frame]]] = []
    current: dict[int, list[Frame]] | None = None
    thread: int | None = None
    for line in text.splitlines():
        if line.startswith("Timeout ("):
            current = {}
            dumps.append(current)
            thread = None
            continue
        match = _THREAD.match(line)
        if match and current is not None:
            thread = int(match.group(1), 16)
            current[thread] = []
            continue
        frame = _FRAME.match(line)
        if frame and current is not None and thread is not None:
            current[thread].append(Frame(frame["file"], int(frame["line"]), frame["func"]))
    return [{t: frames for t, frames in dump.items() if frames} for dump in dumps]


def _where(frames: list[Frame]) -> str:
    inner = frames[0].short
    app = next((f.short for f in frames if f.in_app), None)
    return inner if app is None or app == inner else f"{inner} ← {app}"


def describe(dump: dict[int, list[Frame]], gui_thread: int) -> str:
    """One stall: what the GUI thread and the other threads were running."""
    parts: list[str] = []
    gui = dump.get(gui_thread, [])
    busy = [f for f in gui if not f.short.startswith("bench/") and not f.file.startswith("<frozen")]
    # Only the probe's own loop on the stack: the GUI thread was in Qt's event processing (C++), not in
    # the app's Python code; with a busy worker it is usually waiting for the GIL to run a slot.
    parts.append(f"GUI thread in {_where(busy)}" if busy else "GUI thread in the event loop")
    for thread, frames in dump.items():
        if thread != gui_thread:
            parts.append(f"worker in {_where(frames)}")
    return "; ".join(parts)


def summary(text: str, gui_thread: int, limit: int = 4) -> str:
    """The most frequent stall descriptions with their counts, or "" if there were none."""
    counts = Counter(describe(dump, gui_thread) for dump in parse(text))
    if not counts:
        return ""
    listed = " · ".join(f"{n}× {what}" if n > 1 else what for what, n in counts.most_common(limit))
    more = f" (and {len(counts) - limit} other kinds)" if len(counts) > limit else ""
    return f"Stacks when beats were 100 ms late: {listed}{more}."
