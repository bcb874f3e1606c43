"""The cyclic garbage collector held off during a sync's bulk work (db/gc_pause.py): pauses from
several threads are counted, and the collector comes back as it was when the last one ends."""

from __future__ import annotations

import gc
import threading

import pytest

from db.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_waits_for_the_block_and_runs_again_after_it():
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_in_the_block_still_lets_the_collector_run_again():
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("the sync failed")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_pauses_on_two_threads_end_when_the_last_one_does():
    inside = threading.Barrier(2, timeout=30)
    first_done = threading.Event()
    seen: list[bool] = []

    def second() -> None:
        with gc_paused():
            inside.wait()  # both pauses are on
            assert first_done.wait(30)
            seen.append(gc.isenabled())  # the first pause ended, this one has not

    worker = threading.Thread(target=second)
    worker.start()
    with gc_paused():
        inside.wait()
    first_done.set()
    worker.join(30)
    assert seen == [False]
    assert gc.isenabled()
