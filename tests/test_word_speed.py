"""The Word packet's cost grows in step with the case, not with its square.

Timing a render on a shared machine flakes, so the work is counted instead: every element
lookup python-docx makes (lxml's find, findall and xpath) scans the children of the element it
searches, and that scan is where the time went when each new chronology row or statement
paragraph searched the whole table or body before it. The count is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from briefing_fixtures import long_case
from docx.oxml.xmlchemy import BaseOxmlElement
from lxml import etree

from desktop.briefing.options import BriefingOptions
from desktop.word.render import render_word

SMALL, LARGE = 500, 2_000


class ScanCounter:
    """Children scanned by python-docx's element lookups while it is installed."""

    def __init__(self) -> None:
        self.children = 0

    def wrap(self, lookup: Callable[..., Any]) -> Callable[..., Any]:
        def counted(element: etree._Element, *args: Any, **kwargs: Any) -> Any:
            self.children += len(element)
            return lookup(element, *args, **kwargs)

        return counted


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScanCounter]:
    counter = ScanCounter()
    for name in ("find", "findall", "xpath"):
        monkeypatch.setattr(BaseOxmlElement, name, counter.wrap(getattr(BaseOxmlElement, name)))
    yield counter


def _render(tmp_path: Path, rows: int, scans: ScanCounter) -> tuple[int, Path]:
    out = tmp_path / f"packet-{rows}.docx"
    before = scans.children
    render_word(long_case(rows), out, BriefingOptions(deterministic=True))
    return scans.children - before, out


def test_four_times_the_rows_costs_about_four_times_the_work(tmp_path: Path, scans: ScanCounter) -> None:
    small, _ = _render(tmp_path, SMALL, scans)
    large, out = _render(tmp_path, LARGE, scans)

    # Work in step with the rows is at most 4x (less, for the fixed cost of the cover and the
    # styles); any part growing with the square of the rows pushes it toward 16x. The count is
    # exact, so the margin above 4 is for harmless change, not for noise.
    ratio = large / small
    assert ratio < 4.5, f"{LARGE:,} rows scanned {ratio:.1f}x the elements of {SMALL:,} rows"

    # and the packet is whole: every entry has its row, every statement its paragraphs
    document = docx.Document(str(out))
    chronology = next(t for t in document.tables if t.rows[0].cells[0].text == "Date")
    titles = {row.cells[1].text.split(":")[0] for row in chronology.rows[1:]}
    assert {f"Event {i}" for i in range(LARGE)} <= titles
    body = "\n".join(p.text for p in document.paragraphs)
    assert body.count("We are reviewing the matter") >= LARGE // 2
