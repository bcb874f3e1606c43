"""Streaming layout: rows and records are made as the layout reaches them and let go once drawn,
pages are finished as they end, so memory does not grow with the length of the packet."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from briefing_fixtures import REPO_ROOT, norm, page_texts
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate

from desktop.briefing.fonts import load_fonts
from desktop.briefing.lazy import deferred
from desktop.briefing.styles import PageGeometry, Styles
from desktop.briefing.tables import PagedTable, Row, RowStore

GEOMETRY = PageGeometry.for_paper("letter")


class _Doc(BaseDocTemplate):  # type: ignore[misc]
    """One frame a page; notes the progress units of what is laid out."""

    def __init__(self, path: Path, on_page: object) -> None:
        fonts = load_fonts()
        super().__init__(str(path), pagesize=(GEOMETRY.width, GEOMETRY.height), initialFontName=fonts.regular)
        frame = Frame(GEOMETRY.left, GEOMETRY.bottom, GEOMETRY.frame_width, GEOMETRY.frame_height, id="f")
        self.addPageTemplates([PageTemplate(id="p", frames=[frame], onPage=on_page)])
        self.units: list[int] = []

    def afterFlowable(self, flowable: Flowable) -> None:
        self.units.append(getattr(flowable, "progress_units", 0))


def test_table_rows_are_made_late_and_let_go_early(tmp_path: Path) -> None:
    fonts = load_fonts()
    styles = Styles(fonts)
    records = 3000
    made = 0

    def rows() -> Iterator[Row]:
        nonlocal made
        for i in range(records):
            made += 1
            yield Row([f"{i}", styles.para(f"Row {i}", styles.cell)], emphasis=i % 7 == 0)
            if i % 10 == 0:  # continues in a second row, which completes no record
                yield Row(["", styles.para(f"Row {i}, continued", styles.cell)], units=0)

    header = [styles.para("Number", styles.cell_head), styles.para("Text", styles.cell_head)]
    store = RowStore(
        [100, GEOMETRY.frame_width - 100],
        header,
        rows(),
        units=records,
        emphasis_style=lambda row: [("BACKGROUND", (0, row), (-1, row), "#eeeeee")],
        string_font=(fonts.regular, styles.cell.fontSize, styles.cell.leading),
        frame_height=GEOMETRY.frame_height,
    )
    seen: list[tuple[int, int]] = []  # (rows made, rows held) as each page begins

    def page_begins(canv: Canvas, doc: BaseDocTemplate) -> None:
        seen.append((made, store.held))

    path = tmp_path / "table.pdf"
    doc = _Doc(path, page_begins)
    table = PagedTable(store)
    assert table.progress_units == records and made == 0  # nothing is made before the layout
    doc.build([table])

    per_page = records / len(seen)
    assert len(seen) > 50
    for number, (made_by_then, held) in enumerate(seen):
        assert made_by_then <= per_page * (number + 3)  # what earlier pages drew, and 2 pages more
        assert held <= per_page * 3
    assert made == records and sum(doc.units) == records
    texts = page_texts(path)
    assert "Row 0, continued" in norm(texts[0]) and f"Row {records - 1}" in norm(texts[-1])
    assert all("Number" in text for text in texts)  # the header on every page


def test_deferred_records_are_made_as_the_layout_reaches_them(tmp_path: Path) -> None:
    styles = Styles(load_fonts())
    records = 2000
    made = 0

    def blocks() -> Iterator[list[Flowable]]:
        nonlocal made
        for i in range(records):
            made += 1
            body = [styles.para(f"Record {i} says something worth a line or two. " * 3, styles.body)]
            yield [KeepTogether(body)] if i % 2 else body

    heading = styles.para("Records", styles.h1)  # kept with the next flowable
    story = [heading, *deferred(blocks(), records)]
    assert made <= 2  # the first record, and a look at whether another follows
    assert sum(getattr(f, "progress_units", 0) for f in story) == records
    seen: list[int] = []
    doc = _Doc(tmp_path / "records.pdf", lambda canv, doc: seen.append(made))
    doc.build(story)

    per_page = records / len(seen)
    assert len(seen) > 20
    assert all(made_by_then <= per_page * number + 100 for number, made_by_then in enumerate(seen))
    assert made == records and sum(doc.units) == records
    text = norm(" ".join(page_texts(tmp_path / "records.pdf")))
    assert text.startswith("Records Record 0 says")  # the heading is kept with the first record
    positions = [text.index(f"Record {i} says") for i in range(0, records, 97)]
    assert positions == sorted(positions) and f"Record {records - 1} says" in text


_PEAK_RSS = """
import resource, sys
from briefing_fixtures import long_case
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing
doc = long_case(int(sys.argv[1]))
result = render_briefing(doc, sys.argv[2], BriefingOptions(deterministic=True))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
print(result.pages, peak / (1 << 20) if sys.platform == "darwin" else peak / (1 << 10))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="ru_maxrss is not available on Windows")
def test_memory_does_not_grow_with_the_page_count(tmp_path: Path) -> None:
    """Holding every page until the end, or every row's and record's paragraphs until drawn,
    costs some 12 kB per timeline entry here (with its share of statements and sources):
    4,500 more entries add about 55 MB. Streaming, they add the input and little else (8 MB)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "tests")]))
    peaks: list[tuple[int, float]] = []
    for rows in (1_500, 6_000):
        command = [sys.executable, "-c", _PEAK_RSS, str(rows), str(tmp_path / f"{rows}.pdf")]
        out = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True).stdout
        pages, peak = out.split()
        peaks.append((int(pages), float(peak)))
    (few_pages, few_mb), (many_pages, many_mb) = peaks
    assert many_pages > few_pages * 3
    assert many_mb - few_mb < 25, peaks
