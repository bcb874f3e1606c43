"""Top-level job functions for the background-job tests (a spawned child process imports them by name)."""

from __future__ import annotations

import time
from collections.abc import Callable


def stuck(seconds: float, progress: Callable[[int, int], bool]) -> str:
    """A job that reports once and then never looks at its progress callback again (a blocked write)."""
    progress(0, 1)
    time.sleep(seconds)
    return "finished"


def counting(steps: int, progress: Callable[[int, int], bool]) -> int:
    """A well-behaved job: checks for Cancel at every step."""
    for done in range(steps):
        if not progress(done, steps):
            raise RuntimeError("stopped")
        time.sleep(0.01)
    return steps


def failing(message: str, progress: Callable[[int, int], bool]) -> None:
    """A job that fails with an error of its own."""
    progress(0, 1)
    raise ValueError(message)
