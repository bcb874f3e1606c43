"""The cover, read back from the PDF: the bottom line as bullets, no record counts (which ignored
the date filter), the marking box centred on the page; and the bottom line in Casefile JSON."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
from briefing_fixtures import small_case

from db.interchange import export_document, import_document
from db.sqlite.casefile import CaseFile
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing

POINTS = [
    "Meta has not signed; Commerce expects it to soon.",
    "The review is voluntary, but refusing it is costly.",
    "No statute backs the program.",
]
MARKING_RED = (0.545098, 0.101961, 0.101961)


def _cover(tmp_path: Path, bottom_line: str | None, **options: object) -> pdfplumber.page.Page:
    doc = small_case()
    if bottom_line is not None:
        doc["case"]["bottom_line"] = bottom_line
    path = tmp_path / "packet.pdf"
    render_briefing(doc, path, BriefingOptions(deterministic=True, **options), app_version="9.9")  # type: ignore[arg-type]
    return pdfplumber.open(str(path)).pages[0]


def _lines(page: pdfplumber.page.Page) -> list[str]:
    return [" ".join(line.split()) for line in page.extract_text().splitlines()]


def test_the_bottom_line_prints_as_one_bullet_a_line_in_a_box(tmp_path):
    typed = "\n".join(["- " + POINTS[0], "", POINTS[1], "• " + POINTS[2]])  # blank lines and typed bullets
    lines = _lines(_cover(tmp_path, typed))
    at = lines.index("BOTTOM LINE")
    assert lines[at + 1 : at + 4] == [f"• {p}" for p in POINTS], lines


def test_no_bottom_line_prints_no_box(tmp_path):
    assert "BOTTOM LINE" not in _lines(_cover(tmp_path, None))
    assert "BOTTOM LINE" not in _lines(_cover(tmp_path, "  \n \n"))


def test_the_cover_has_no_record_counts_even_with_a_date_filter(tmp_path):
    text = " ".join(_lines(_cover(tmp_path, None, date_from="2026-06-12")))
    assert "Covers" in text  # the filter is in force and said so
    assert "This case file holds" not in text and "statements ·" not in text


def test_the_marking_box_is_centred_on_the_page(tmp_path):
    page = _cover(tmp_path, "\n".join(POINTS))
    edges = [e for e in page.edges if e.get("stroking_color") == MARKING_RED]
    assert edges
    left, right = min(e["x0"] for e in edges), max(e["x1"] for e in edges)
    assert abs((left + right) / 2 - page.width / 2) <= 1, (left, right, page.width)


def test_the_bottom_line_goes_through_casefile_json(tmp_path):
    doc = small_case()
    doc["version"] = 4
    doc["case"]["bottom_line"] = "\n".join(POINTS)
    import_document(doc, tmp_path / "a.casefile")
    with CaseFile.open(tmp_path / "a.casefile", read_only=True) as cf:
        again = export_document(cf)
    assert again["version"] == 4 and again["case"]["bottom_line"] == "\n".join(POINTS)

    # A case without one keeps the oldest version that holds it and has no bottom_line key.
    import_document(small_case(), tmp_path / "b.casefile")
    with CaseFile.open(tmp_path / "b.casefile", read_only=True) as cf:
        plain = export_document(cf)
    assert plain["version"] < 4 and "bottom_line" not in plain["case"]
