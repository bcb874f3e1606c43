"""Pausing Python's cyclic garbage collector while bulk work builds many objects at once.

A sync of a large case builds hundreds of thousands of small objects (every record's mark on
both sides, the changed records' values, the merge): reference counting frees them, since they
hold no reference cycles, but the cyclic collector still walks every live object of the process
each time enough have been made, and on the large benchmark case those passes cost about 0.5 s
of a 5 s sync (more in the app, whose open case holds many objects of its own). ``gc_paused``
holds the collector off for the length of such work; the first collection after it finds any
cycles made meanwhile.

The collector is one for the whole process: pauses from several threads are counted, and the
collector runs again when the last ends, unless it was off before the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_resume = False  # whether the collector was on when the first pause began


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector for the length of the block (see the module)."""
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
