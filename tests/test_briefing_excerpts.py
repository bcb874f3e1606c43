"""Long texts: cut where they print with the true page of their full text in the annex, quotes
kept in their own paragraphs, and "(continued)" heads on the pages a section runs on to."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing
from tests.briefing_fixtures import body_text, long_case, norm, outline, page_texts, small_case

SENTENCES = [f"Point {i} of the review holds that frontier testing must go on." for i in range(60)]
LONG_QUOTE = " ".join(SENTENCES)  # 600 words
FURNITURE = ("FOR INTERNAL USE ONLY", "CAISI Voluntary Review", "As of June 24, 2026")
REF = re.compile(r"Full text: Annex A, p\. (\d+)")


def _long_statement_case() -> dict[str, Any]:
    doc = small_case()
    statement = next(s for s in doc["statements"] if s["id"] == "st-brennan")
    assert statement["verbatim"] is True
    statement["text"] = LONG_QUOTE
    return doc


def _options(**changes: Any) -> BriefingOptions:
    options = BriefingOptions(sections=["statements", "sources"], deterministic=True)
    for name, value in changes.items():
        setattr(options, name, value)
    return options


def test_a_long_statement_prints_cut_with_the_page_its_full_text_lands_on(tmp_path: Path) -> None:
    path = tmp_path / "cut.pdf"
    render_briefing(_long_statement_case(), path, _options())
    pages = [norm(text) for text in page_texts(path)]
    starts = outline(path)
    joined = " ".join(pages)
    shown = joined[joined.index("Statements “") : joined.index("Sources Numbered")]
    cited = list(REF.finditer(shown))
    assert len(cited) == 1, "the statement prints cut, with a reference to its full text"
    assert SENTENCES[0] in shown and SENTENCES[-1] not in shown
    cut = shown[shown.index(SENTENCES[0]) : shown.index("Full text:")]
    # Cut after a whole sentence, within the 150 words, then the ellipsis and the closing quote.
    assert re.search(r"\. …” — Francis Brennan", cut) or cut.rstrip().endswith(". …”")
    assert len(cut.split()) <= 152

    annex_page = int(cited[0].group(1))
    assert starts["Annex A — Full texts"] <= annex_page
    entry = pages[annex_page - 1]
    assert "Statement by Francis Brennan, June 23, 2026" in entry
    assert SENTENCES[0] in entry  # the full text starts on the page the reference names
    assert not any("Statement by Francis Brennan" in page for page in pages[: annex_page - 1])
    read = body_text(path, FURNITURE).replace("Annex A — Full texts (continued) ", "")
    assert LONG_QUOTE in read[read.index("Excerpted in Statements") :]  # the annex holds every word
    excerpt_page = next(i for i, page in enumerate(pages, start=1) if "Full text: Annex A" in page)
    assert f"Excerpted in Statements, p. {excerpt_page}" in entry

    path_whole = tmp_path / "whole.pdf"
    render_briefing(_long_statement_case(), path_whole, _options(excerpt_words=0))
    text = norm(" ".join(page_texts(path_whole)))
    assert LONG_QUOTE in text
    assert "Full text" not in text and "Annex A" not in text


def _quote_lines(path: Path) -> list[tuple[int, float, str]]:
    """(page, top, first word) of each printed line holding the quote's words."""
    lines: list[tuple[int, float, str]] = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            rows: dict[float, list[dict[str, Any]]] = {}
            for word in page.extract_words():
                rows.setdefault(round(word["top"], 1), []).append(word)
            for top, words in sorted(rows.items()):
                words.sort(key=lambda w: w["x0"])
                if any(re.match(r"“?[abc]\d+", w["text"]) for w in words):
                    lines.append((number, top, words[0]["text"]))
    return lines


def test_a_quote_prints_exactly_the_paragraphs_of_its_source(tmp_path: Path) -> None:
    first = " ".join(f"a{i} a{i} a{i} a{i} a{i} a{i} a{i} a{i}." for i in range(60))  # 2,700 characters
    second = "b1 b2 b3 b4 b5."
    after_break = "c1 c2 c3."
    doc = small_case()
    statement = next(s for s in doc["statements"] if s["id"] == "st-brennan")
    statement["text"] = f"{first}\n\n{second}\n{after_break}"
    path = tmp_path / "paragraphs.pdf"
    render_briefing(doc, path, _options(excerpt_words=0))
    lines = _quote_lines(path)
    assert {page for page, _, _ in lines} == {lines[0][0]}, "the quote fits one page"
    gaps = [(b[1] - a[1], b[2]) for a, b in itertools.pairwise(lines)]
    leading = min(gap for gap, _ in gaps)
    breaks = [word for gap, word in gaps if gap > leading + 1]
    # One paragraph break, where the source has its blank line; the line break stays a line break.
    assert breaks == ["b1"], f"paragraphs start at {breaks}"
    assert "c1" in [word for _, _, word in lines]


def test_a_long_chronology_has_continued_heads_after_its_first_page(tmp_path: Path) -> None:
    doc = long_case(120)
    path = tmp_path / "continued.pdf"
    options = BriefingOptions(sections=["chronology", "statements"], deterministic=True)
    render_briefing(doc, path, options)
    pages = [norm(text) for text in page_texts(path)]
    starts = outline(path)
    chronology, statements = starts["Chronology"], starts["Statements"]
    assert statements - chronology >= 3
    assert "(continued)" not in pages[chronology - 1]
    for page in pages[chronology : statements - 1]:
        assert "Chronology (continued)" in page
        assert "Date Event Actors involved" in page  # the table's header row repeats too
    start = pages[statements - 1]
    if "Chronology (continued)" in start:  # the chronology ends on the page the statements start on
        assert start.index("Chronology (continued)") < start.index("Statements")
    assert "Statements (continued)" not in start
    assert len(pages) > statements
    for page in pages[statements:]:
        assert "Statements (continued)" in page and "Chronology (continued)" not in page


def test_excerpt_words_is_stored_and_checked() -> None:
    options = BriefingOptions()
    assert options.to_dict()["excerpt_words"] == 150
    assert BriefingOptions.from_dict({"excerpt_words": 0}).excerpt_words == 0
    for bad in (-1, "150", True, 10_001):
        with pytest.raises(ValueError, match="excerpt_words"):
            BriefingOptions.from_dict({"excerpt_words": bad})
