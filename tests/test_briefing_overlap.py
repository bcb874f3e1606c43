"""No text in the packet prints over other text: tables size their columns from what they hold.

Read back with pdfplumber, which gives every character's box on the page: in the sample, a
hostile and a 10,000-row packet no two boxes overlap, and every date prints whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from briefing_fixtures import CJK, SAMPLE_JSON, long_chronology_case, pdftotext_pages
from briefing_fixtures import hostile_case as make_hostile_case
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from db.dates import PartialDate
from db.fields import Kind
from db.records import get_record
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing
from tests.gui_helpers import export_packet, open_window

OPTIONS = BriefingOptions(deterministic=True)
TOLERANCE = 0.5  # points: glyph boxes that only touch, or graze by rounding, do not overprint
GRID = 24.0  # points: characters are compared only with those in the same patch of the page

# Dates whose natural form is among the widest a chronology holds.
WIDE_DATES = {"2025-09-30": "September 30, 2025", "2024-09-13": "September 13, 2024", "2025-12-20": "December 20, 2025"}
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# A date run into the text beside it reads as one word ("2025Row"): the year must end a word.
RUN_ON_DATE = re.compile(rf"\b(?:{MONTHS}) \d{{1,2}}, \d{{4}}(?=\w)")


def _overlaps(chars: list[dict[str, Any]]) -> list[str]:
    """Pairs of visible characters whose boxes overlap by more than the tolerance.

    Neighbours in the content stream in the same font on the same baseline are one word
    drawn in one run: kerning and shaping (Arabic joins, combining marks) may bring them closer.
    """
    found: list[str] = []
    grid: dict[tuple[int, int], list[int]] = {}
    for index, char in enumerate(chars):
        if not char["text"].strip() or char["x1"] - char["x0"] <= TOLERANCE:
            continue
        cells = [
            (gx, gy)
            for gx in range(int(char["x0"] // GRID), int(char["x1"] // GRID) + 1)
            for gy in range(int(char["top"] // GRID), int(char["bottom"] // GRID) + 1)
        ]
        seen: set[int] = set()
        for cell in cells:
            for other_index in grid.get(cell, ()):
                if other_index in seen:
                    continue
                seen.add(other_index)
                other = chars[other_index]
                if _same_run(chars, other_index, index):
                    continue
                across = min(char["x1"], other["x1"]) - max(char["x0"], other["x0"])
                down = min(char["bottom"], other["bottom"]) - max(char["top"], other["top"])
                if across > TOLERANCE and down > TOLERANCE:
                    found.append(
                        f"{other['text']!r} at ({other['x0']:.1f}, {other['top']:.1f}) and "
                        f"{char['text']!r} at ({char['x0']:.1f}, {char['top']:.1f})"
                    )
            grid.setdefault(cell, []).append(index)
    return found


def _same_run(chars: list[dict[str, Any]], first: int, second: int) -> bool:
    a, b = chars[first], chars[second]
    return (
        abs(first - second) == 1
        and a["fontname"] == b["fontname"]
        and abs(a["size"] - b["size"]) < 0.01
        and abs(a["bottom"] - b["bottom"]) < 0.01
    )


def _check_pages(path: Path, pages: Iterable[int] | None = None) -> str:
    """Assert no overlapping characters on the given pages (all by default); their text."""
    texts: list[str] = []
    with pdfplumber.open(path) as pdf:
        numbers = range(len(pdf.pages)) if pages is None else pages
        for number in numbers:
            page = pdf.pages[number]
            overlaps = _overlaps(page.chars)
            assert not overlaps, f"page {number + 1}: text overprints text: {overlaps[:5]}"
            texts.append(page.extract_text())
            page.close()  # frees the parsed page: a long packet would otherwise hold them all
    return "\n".join(texts)


def _assert_dates_whole(text: str, dates: Iterable[str]) -> None:
    for date in dates:
        assert re.search(rf"\b{re.escape(date)}\b", text), f"{date!r} is not printed whole"
    run_on = RUN_ON_DATE.findall(text)
    assert not run_on, f"dates run into the next column: {run_on[:5]}"


def _with_wide_dates(doc: dict[str, Any]) -> dict[str, Any]:
    for entry, date in zip(doc["timeline"], WIDE_DATES, strict=False):
        entry["date"] = date
    return doc


def test_sample_packet_prints_every_date_whole_beside_its_event(tmp_path: Path) -> None:
    path = tmp_path / "sample.pdf"
    render_briefing(_with_wide_dates(json.loads(SAMPLE_JSON.read_text())), path, OPTIONS)
    text = _check_pages(path)
    _assert_dates_whole(text, WIDE_DATES.values())
    # A date with a time still takes two lines: the day, then the time.
    assert re.search(r"^June 12, 2026\b.*\n5:21 p\.m\. EDT\b", text, re.MULTILINE)


def test_hostile_packet_has_no_overprinted_text(tmp_path: Path) -> None:
    doc = _with_wide_dates(make_hostile_case(rows=30, statement_pages=2))
    # Dates the parser cannot read print as typed, however long and in whatever script.
    unreadable = "sometime in the late autumn of the year two thousand and twenty-five, we think"
    doc["timeline"] += [
        {"id": "t-vague", "date": unreadable, "title": "Vague timing", "actors": ["meta"]},
        {"id": "t-cjk", "date": CJK + " " + CJK, "title": "Typed in another script", "actors": ["meta"]},
    ]
    path = tmp_path / "hostile.pdf"
    render_briefing(doc, path, OPTIONS)
    text = _check_pages(path)
    _assert_dates_whole(text, WIDE_DATES.values())
    words = set(text.split())
    # Wrapped inside the date column (its lines read back between the event's lines), all there.
    assert set(unreadable.split()) <= words
    assert CJK in words


@pytest.fixture(scope="module")
def long_packet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("long") / "long.pdf"
    render_briefing(long_chronology_case(10_000), path, OPTIONS)
    return path


def test_10000_row_chronology_pages_have_no_overprinted_text(long_packet: Path) -> None:
    texts = pdftotext_pages(long_packet)  # poppler reads the whole packet in a moment; pdfplumber does not
    # Pages spread through the packet, and those holding the widest dates (the chronology is in
    # date order, so September falls on some pages only).
    september = [number for number, text in enumerate(texts) if "September" in text]
    assert len(september) > 6
    spread = range(0, len(texts), max(1, len(texts) // 8))
    pages = sorted({*spread, *september[:: len(september) // 6], len(texts) - 1})
    text = _check_pages(long_packet, pages)
    assert len(re.findall(r"\bSeptember \d{1,2}, \d{4}\b", text)) > 20
    _assert_dates_whole(text, [])


@pytest.mark.slow
def test_10000_row_packet_every_page_has_no_overprinted_text(long_packet: Path) -> None:
    _assert_dates_whole(_check_pages(long_packet), [])


def _type_date(qtbot, window, record_id: str, typed: str) -> None:  # type: ignore[no-untyped-def]
    page = window.case_view.current_page()
    row = page.model.row_of(record_id)
    page.table.setCurrentIndex(page.model.index(row, page.model.column_of("date")))
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, typed)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    cf = window.session.cf
    # The view commits a cell edit from the event loop, just after the key press.
    expected = PartialDate.parse(typed)
    qtbot.waitUntil(lambda: get_record(cf, Kind.TIMELINE, record_id)["date"] == expected, timeout=60000)


def test_dates_typed_in_the_timeline_export_whole(qtbot, sample_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, sample_path)
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    ids = [page.model.id_at(row) for row in range(len(WIDE_DATES))]
    for record_id, typed in zip(ids, WIDE_DATES, strict=True):
        _type_date(qtbot, window, record_id, typed)
    text = _check_pages(export_packet(qtbot, window))
    _assert_dates_whole(text, WIDE_DATES.values())
