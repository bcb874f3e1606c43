"""Story parts made only when the layout reaches them.

Fifty thousand statements are a few hundred thousand paragraphs: made before the layout
starts they would all sit in memory at once (hundreds of MB for a large case) and the
progress bar would wait on them. A section instead yields its records' flowables one record
at a time, and a ``Deferred`` stands in the story for the records not yet made. When the
frame reaches it, it asks to be split, and the split is the next few records' flowables and
a stand-in for the rest: platypus lays out the same flowables in the same order, made just in
time, and lets each go once drawn.

Progress counts records: one unit each, reported as the layout reaches them (as a chunk's
flowables are made; for the first, made with the story, once it is laid out).
"""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.platypus import Flowable
from reportlab.platypus.doctemplate import NullActionFlowable

Block = list[Flowable]  # the flowables of one record

CHUNK = 40  # records made at a time


class _Reached(NullActionFlowable):  # type: ignore[misc]
    """Reports the progress of ``units`` records; draws nothing and takes no space.

    First in a split, it also makes the frame take the records' flowables one by one (the
    frame insists that the first flowable of a split fits where it is).
    """

    def __init__(self, units: int) -> None:
        super().__init__()
        self.progress_units = units


class _Records:
    """The records' blocks, one at a time, with a look at whether another follows."""

    def __init__(self, blocks: Iterable[Block]) -> None:
        self._blocks = iter(blocks)
        self._upcoming: Block | None = None

    def take(self) -> Block | None:
        """The next record's flowables, or None when there are no more."""
        block, self._upcoming = self._upcoming, None
        return block if block is not None else next(self._blocks, None)

    def more(self) -> bool:
        """Whether another record follows (made now, to know)."""
        if self._upcoming is None:
            self._upcoming = next(self._blocks, None)
        return self._upcoming is not None


class Deferred(Flowable):  # type: ignore[misc]
    """The records' flowables still to be made, ``units`` records of them."""

    def __init__(self, records: _Records, units: int) -> None:
        super().__init__()
        self.records = records
        self.progress_units = units

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return availWidth, availHeight + 1  # never fits: the frame splits it, which makes records

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        made, count = _take(self.records, CHUNK)
        rest = [Deferred(self.records, max(0, self.progress_units - count))] if self.records.more() else []
        return [_Reached(count), *made, *rest]


def _take(records: _Records, count: int) -> tuple[list[Flowable], int]:
    """The flowables of the next ``count`` records (or more: see below), and how many."""
    made: list[Flowable] = []
    taken = 0
    while (block := records.take()) is not None:
        made += block
        taken += 1
        # A flowable kept with the next must not end a chunk: platypus would group it with
        # what follows, and that would be the stand-in rather than the next record.
        if taken >= count and made and not made[-1].getKeepWithNext():
            break
    return made, taken


def deferred(blocks: Iterable[Block], count: int) -> list[Flowable]:
    """The first of ``count`` records' flowables made now, the rest when the layout reaches them.

    The first is made now so that a section heading (kept with what follows it) is kept with
    real flowables rather than with the stand-in.
    """
    records = _Records(blocks)
    flow, made = _take(records, 1)
    if made:
        flow.append(_Reached(made))  # after the record: it is counted once laid out
    if records.more():
        flow.append(Deferred(records, max(0, count - made)))
    return flow
