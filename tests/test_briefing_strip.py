"""The "Key events at a glance" strip reads true: a time axis to scale, whole labels, numbers
keyed to the chronology, nothing under 7.5 pt, nothing over anything else or past the frame.

Read back with pdfplumber: the strip is everything between its heading and the next section's
heading on the summary page.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from briefing_fixtures import SAMPLE_JSON, norm, section_text

from db.dates import MONTHS, PartialDate
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing
from desktop.briefing.styles import PageGeometry
from tests.gui_helpers import export_packet, open_window

TOLERANCE = 0.5  # points: boxes that only touch, or graze by rounding, do not overprint
SHORT_MONTHS = [m[:3] for m in MONTHS]


def _strip_chars(page: Any) -> list[dict[str, Any]]:
    """The characters from below the strip's heading to the next heading (or the page's end)."""
    words = page.extract_words(extra_attrs=["size"])
    heading = next(w for w in words if w["text"] == "glance")  # "Key events at a glance"
    below = [w for w in words if w["top"] > heading["bottom"] and w["size"] > 12]  # the next h1
    bottom = min((w["top"] for w in below), default=page.height)
    return [c for c in page.chars if heading["bottom"] < c["top"] and c["bottom"] < bottom]


def _stream_text(chars: list[dict[str, Any]]) -> str:
    """Characters in the order they were drawn, a space wherever a run breaks.

    Labels side by side share baselines, so reading by position would interleave them; each
    label is drawn in one go, so drawing order keeps it whole across its line breaks.
    """
    out: list[str] = []
    for before, char in zip([None, *chars], chars, strict=False):
        if before is not None and (abs(char["top"] - before["top"]) > 1 or char["x0"] - before["x1"] > 1):
            out.append(" ")
        out.append(char["text"])
    return norm("".join(out))


def _overprints(chars: list[dict[str, Any]]) -> list[str]:
    visible = [c for c in chars if c["text"].strip() and c["x1"] - c["x0"] > TOLERANCE]
    found = []
    for i, a in enumerate(visible):
        for b in visible[i + 1 :]:
            across = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if across > TOLERANCE and down > TOLERANCE:
                found.append(
                    f"{a['text']!r}@({a['x0']:.1f},{a['top']:.1f}) {b['text']!r}@({b['x0']:.1f},{b['top']:.1f})"
                )
    return found


def _day(value: str) -> float:
    """The middle of a key event's date, as a day number (what its mark stands on)."""
    first, last = PartialDate.parse(value).span_days()
    return (first + last) / 2 if last - first > 1 else first


def _ticks(page: Any, chars: list[dict[str, Any]]) -> tuple[float, list[tuple[float, float]]]:
    """The axis's y (from the top) and its labelled ticks as (x, day number), left to right.

    A tick label names the month and, where it changes, the year ("May 2026", "Jun"); it is
    matched to the tick mark it starts at.
    """
    ticks = sorted(
        (line for line in page.lines if abs(line["x0"] - line["x1"]) < 0.01 and line["height"] < 4),
        key=lambda line: line["x0"],
    )
    assert ticks, "no tick marks on the axis"
    axis_top = ticks[0]["top"]
    region_tops = {round(c["top"]) for c in chars}
    words = [w for w in page.extract_words() if round(w["top"]) in region_tops and w["top"] > axis_top]
    row = min(w["top"] for w in words)  # the first line of text under the axis: the tick labels
    labels = [w for w in page.extract_words(keep_blank_chars=True, x_tolerance=2) if abs(w["top"] - row) < 0.5]
    year = None
    out: list[tuple[float, float]] = []
    for word in sorted(labels, key=lambda w: w["x0"]):
        found = re.fullmatch(r"([A-Z][a-z]{2})(?: (\d{4}))?", word["text"])
        if not found or found.group(1) not in SHORT_MONTHS:
            continue  # the as-of label shares the row
        year = int(found.group(2)) if found.group(2) else year
        assert year is not None, f"tick {word['text']!r} names no year and none comes before it"
        day = dt.date(year, SHORT_MONTHS.index(found.group(1)) + 1, 1).toordinal()
        tick = max((t for t in ticks if t["x0"] <= word["x0"] + 0.5), key=lambda t: t["x0"])
        assert word["x0"] - tick["x0"] < 4, f"tick label {word['text']!r} is far from its tick"
        out.append((tick["x0"], float(day)))
    return axis_top, out


def _check_strip(path: Path, paper: str, doc: dict[str, Any], *, axis: bool = True) -> None:
    geometry = PageGeometry.for_paper(paper)
    key = [t for t in doc["timeline"] if t.get("key")]
    key.sort(key=lambda t: PartialDate.parse(t["date"]).sort_key)
    with pdfplumber.open(path) as pdf:
        page = next(p for p in pdf.pages if "Key events at a glance" in (p.extract_text() or ""))
        chars = _strip_chars(page)
        assert chars, "the strip printed nothing"
        small = sorted({(c["text"], round(c["size"], 2)) for c in chars if c["size"] < 7.5 - 0.01})
        assert not small, f"strip text under 7.5 pt: {small[:8]}"
        text = _stream_text(chars)
        assert "…" not in text, "a label is truncated"
        for event in key:
            assert norm(event["title"]) in text, f"{event['title']!r} is not printed whole in the strip"
        overlaps = _overprints(chars)
        assert not overlaps, f"strip text overprints text: {overlaps[:5]}"
        outside = [
            c["text"] for c in chars if c["x0"] < geometry.left - 0.5 or c["x1"] > page.width - geometry.right + 0.5
        ]
        assert not outside, f"strip text past the frame's margins: {outside[:10]}"

        # Numbered marks: every number once on the axis and once beside its label.
        numbers = [c for c in chars if c["text"].isdigit() and abs(c["size"] - 7.5) < 0.01]
        for n in range(1, len(key) + 1):
            assert sum(c["text"] == str(n) for c in numbers) >= 2, f"key event {n} has no numbered mark and label"

        if not axis:
            return
        # A true time axis: within a segment, x is proportional to the date, for ticks and marks.
        axis_top, ticks = _ticks(page, chars)
        assert len(ticks) >= 2, f"too few labelled ticks: {ticks}"
        scales = [(x1 - x0) / (d1 - d0) for (x0, d0), (x1, d1) in itertools.pairwise(ticks)]
        scale = max(scales)  # a break between two ticks shows less width per day than a segment
        x0, d0 = next((x, d) for (x, d), s in zip(ticks, scales, strict=False) if s == scale)
        # A break is a double slash across the axis: slanted strokes.
        cuts = [(ln["x0"] + ln["x1"]) / 2 for ln in page.lines if ln["x1"] - ln["x0"] > 0.5 and ln["height"] > 0.5]
        lo = max((x for x in cuts if x < x0), default=0.0)
        hi = min((x for x in cuts if x > x0), default=page.width)
        on_axis = {
            c["text"]: (c["x0"] + c["x1"]) / 2 for c in numbers if abs((c["top"] + c["bottom"]) / 2 - axis_top) < 4
        }
        checked = 0
        for n, event in enumerate(key, start=1):
            day = _day(event["date"])
            if str(n) in on_axis and lo < on_axis[str(n)] < hi:  # in the segment of the tick pair
                expected = x0 + (day - d0) * scale
                assert on_axis[str(n)] == pytest.approx(expected, abs=1.5), f"mark {n} is not at its date"
                checked += 1
        assert checked >= 3, f"too few marks on the axis to check against its scale ({checked})"
        assert "As of Jun 24, 2026" in norm(page.extract_text()), "no As of marker"

    # The chronology prints each key event's number before its title.
    chronology = section_text(path, "Chronology")
    for n, event in enumerate(key, start=1):
        assert f"{n} {norm(event['title'])}" in chronology, f"key event {n} is not numbered in the Chronology"


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_sample_strip_is_a_true_time_axis_with_whole_numbered_labels(tmp_path: Path, paper: str) -> None:
    doc = json.loads(SAMPLE_JSON.read_text())
    path = tmp_path / f"sample-{paper}.pdf"
    render_briefing(doc, path, BriefingOptions(deterministic=True, paper=paper))
    _check_strip(path, paper, doc)


def test_exported_packet_numbers_key_events_in_strip_and_chronology(qtbot, sample_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, sample_path)
    output = export_packet(qtbot, window)
    doc = json.loads(SAMPLE_JSON.read_text())
    _check_strip(output, "letter", doc)


def test_nine_key_events_all_get_whole_labels_inside_the_frame(tmp_path: Path) -> None:
    doc = json.loads(SAMPLE_JSON.read_text())
    extra = [
        ("2025-01-15", "Commerce opens a consultation on pre-release review of frontier models"),
        ("2025-06-30", "Meta publishes its open-release principles for frontier models"),
        ("2025-11-03", "Congressional committee asks CAISI for its evaluation criteria"),
    ]
    for n, (date, title) in enumerate(extra):
        doc["timeline"].append({"id": f"extra-{n}", "date": date, "title": title, "key": True})
    path = tmp_path / "nine.pdf"
    render_briefing(doc, path, BriefingOptions(deterministic=True, paper="a4"))
    _check_strip(path, "a4", doc, axis=False)
