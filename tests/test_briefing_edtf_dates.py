"""The packet prints approximate, uncertain, quarter and interval dates as a briefing reads them,
in the chronology and in the key-events strip, placed by their start."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
from briefing_fixtures import norm, outline, section_text, small_case

from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing


def _case_with_extended_dates() -> dict:
    doc = small_case()
    dates = {"t-year": "2024~", "t-month": "2025-35", "t-statement": "2026-06-02/2026-06-05"}
    for entry in doc["timeline"]:
        if entry["id"] in dates:
            entry["date"] = dates[entry["id"]]
            entry["key"] = True
    doc["directives"][0]["effective"] = "2026?"
    return doc


def _strip_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        page = next(p for p in pdf.pages if "Key events at a glance" in (p.extract_text() or ""))
        words = page.extract_words(extra_attrs=["size"])
        heading = next(w for w in words if w["text"] == "glance")
        below = [w for w in words if w["top"] > heading["bottom"] and w["size"] > 12]
        bottom = min((w["top"] for w in below), default=page.height)
        chars = [c for c in page.chars if heading["bottom"] < c["top"] and c["bottom"] < bottom]
    return norm("".join(c["text"] if c["text"].strip() else " " for c in chars))


def test_the_packet_prints_the_new_date_forms_naturally(tmp_path: Path) -> None:
    path = tmp_path / "packet.pdf"
    render_briefing(_case_with_extended_dates(), path, BriefingOptions(deterministic=True))
    titles = outline(path)
    chronology = section_text(path, next(t for t in titles if t.startswith("Chronology")))
    for shown in ("c. 2024", "Q3 2025", "June 2–5, 2026"):
        assert shown in chronology, shown
    # In date order: the approximate year, the quarter, the day, the meeting of June 2–5.
    order = [chronology.index(t) for t in ("c. 2024", "Q3 2025", "June 2, 2026", "June 2–5, 2026")]
    assert order == sorted(order)
    assert "2024~" not in chronology and "2025-35" not in chronology
    directives = section_text(path, next(t for t in titles if t.startswith("Directives")))
    assert "2026?" in directives
    strip = _strip_text(path)
    for label in ("c. 2024", "Q3 2025", "June 2–5, 2026"):
        assert label in strip, label
