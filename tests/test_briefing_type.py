"""The packet's type, read back from the PDF: a serif body at 10 pt and up, tables at 8.5 pt and
up with figures of one width, quotations in a true italic, nothing under 7.5 pt, every font embedded."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from briefing_fixtures import SAMPLE_JSON

from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing

# A verbatim statement of the sample; a directive's provision quotes it too, earlier, in roman.
QUOTE = "shall be construed to authorize the creation"
SUMMARY = "The administration is pressing Meta"
CHRONOLOGY_EVENT = "Released without the kind of pre-release government testing"


@pytest.fixture(scope="module")
def packet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("type") / "packet.pdf"
    render_briefing(json.loads(SAMPLE_JSON.read_text()), path, BriefingOptions(deterministic=True), app_version="9.9")
    return path


@pytest.fixture(scope="module")
def chars(packet: Path) -> list[dict[str, Any]]:
    with pdfplumber.open(str(packet)) as pdf:
        return [dict(c, page=i) for i, page in enumerate(pdf.pages) for c in page.chars]


def _font(char: dict[str, Any]) -> str:
    return str(char["fontname"]).split("+")[-1]


def _run(chars: list[dict[str, Any]], text: str, *, last: bool = False) -> list[dict[str, Any]]:
    """The characters that print ``text`` (its first or last occurrence, spaces left out)."""
    wanted = text.replace(" ", "")
    printed = [c for c in chars if c["text"].strip()]
    joined = "".join(c["text"] for c in printed)
    start = joined.rfind(wanted) if last else joined.find(wanted)
    assert start >= 0, text
    return printed[start : start + len(wanted)]


def test_running_text_is_a_serif_of_at_least_10_pt(chars):
    summary = _run(chars, SUMMARY)
    assert {_font(c) for c in summary} == {"NotoSerif-Regular"}
    assert min(c["size"] for c in summary) >= 10
    serif = [c for c in chars if _font(c).startswith("NotoSerif")]
    assert serif and min(c["size"] for c in serif) >= 10 - 0.01


def test_quotations_are_set_in_a_true_italic(chars):
    quote = _run(chars, QUOTE, last=True)
    assert {_font(c) for c in quote} == {"NotoSerif-Italic"}, {_font(c) for c in quote}
    assert min(c["size"] for c in quote) >= 10


def test_tables_are_at_least_8_5_pt_with_tabular_figures(chars):
    event = _run(chars, CHRONOLOGY_EVENT)
    assert {_font(c) for c in event} == {"DejaVuSans"} and min(c["size"] for c in event) >= 8.5 - 0.01
    table_pages = {c["page"] for c in event}
    # Every digit in the chronology's cells (dates, citations) takes the same advance.
    digits = [
        c for c in chars
        if c["page"] in table_pages and c["text"].isdigit() and _font(c) == "DejaVuSans" and abs(c["size"] - 8.5) < 0.01
    ]  # fmt: skip
    assert len({d["text"] for d in digits}) >= 5
    assert len({round(d["x1"] - d["x0"], 2) for d in digits}) == 1


def test_nothing_prints_under_7_5_pt(chars):
    small = sorted({(c["text"], round(c["size"], 2)) for c in chars if c["size"] < 7.5 - 0.01})
    assert small == []


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_every_font_is_embedded(packet):
    rows = subprocess.run(["pdffonts", str(packet)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert rows and any("NotoSerif-Italic" in r for r in rows)
    for row in rows:
        assert row.split()[-5:-3] == ["yes", "yes"], row  # embedded, subset
