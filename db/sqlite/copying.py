"""Copy an open case file with SQLite's backup API without holding up the user's edits.

A case file uses a rollback journal, so a reader's lock keeps writers out. A backup done in
one step holds that lock for the whole copy: on a large file (250 MB copies in about half a
second here, several seconds on a slow laptop disk) an edit made meanwhile waits, and the
window with it. Copied a few megabytes at a time, the lock is let go between steps: a
waiting edit gets in within one step. SQLite then starts the copy again from the first page
(the source changed), so the copy is always of one consistent state. If edits keep coming
so that the copy has restarted many times, the rest is done in one step: the edits wait once,
for one copy, rather than the copy never finishing.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

PAGES_PER_STEP = 1024  # 4 MB of 4 KB pages: a few milliseconds per step
PAUSE_S = 0.002  # between steps, for a writer waiting on its busy handler to take the lock
# A copy made while edits are unlikely (a sync's backups: the sync holds the master, and the
# copy is being synced): 64 MB steps (tens of milliseconds each) with no pause, so Python and
# its lock are called a few times a copy, not hundreds, and a copy made beside busy Python
# threads is not held up at every step. An edit made meanwhile waits at most one step.
LARGE_STEP_PAGES = 16384
MAX_RESTARTS = 20  # with edits coming faster than one copy takes, for 20 copies in a row

BetweenSteps = Callable[[int], None]
"""Called between two steps of a copy (no lock held) with the number of pages still to copy."""


class _Restarting(Exception):
    """Raised from the progress callback to abandon a stepwise copy that keeps restarting."""


class CopyStopped(Exception):
    """The copy was stopped between two steps (its ``stop`` said so); the target is incomplete."""


def copy_database(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    *,
    between_steps: BetweenSteps | None = None,
    stop: Callable[[], bool] | None = None,
    large_steps: bool = False,
) -> int:
    """Copy ``source`` into ``target`` (file or ``:memory:``); return how many times it restarted.

    ``between_steps`` runs after each step that leaves pages to copy, while the source is not
    locked: an edit committed there is what the copy lets in. ``stop`` is asked there too;
    when it says so the copy ends with CopyStopped (a closing case does not wait for a copy).
    ``large_steps``: ``LARGE_STEP_PAGES`` at a time with no pause (an edit may wait one step).
    """
    pages, pause = (LARGE_STEP_PAGES, 0.0) if large_steps else (PAGES_PER_STEP, PAUSE_S)
    seen = {"remaining": -1, "restarts": 0}

    def progress(_status: int, remaining: int, _total: int) -> None:
        if remaining and stop is not None and stop():
            raise CopyStopped("The copy was stopped.")
        if seen["remaining"] >= 0 and remaining >= seen["remaining"] > 0:
            seen["restarts"] += 1
            if seen["restarts"] > MAX_RESTARTS:
                raise _Restarting
        seen["remaining"] = remaining
        if remaining:
            if between_steps is not None:
                between_steps(remaining)
            if pause:
                time.sleep(pause)

    try:
        source.backup(target, pages=pages, progress=progress)
    except _Restarting:
        source.backup(target)  # one step: waits for the current edit, then copies everything
    return seen["restarts"]
