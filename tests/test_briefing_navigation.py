"""Finding one's way in the packet: outline, year headings, linked references, footer, language, last page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from briefing_fixtures import long_chronology_case, norm, page_texts, small_case
from gui_helpers import export_packet, open_window
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing

MARKING = "FOR INTERNAL USE ONLY"
REFERENCE = re.compile(r"\[(\d+)(?:, [^\]]*)?\]")


def _render(doc: dict[str, Any], path: Path, **options: Any) -> Path:
    render_briefing(doc, path, BriefingOptions(deterministic=True, **options), app_version="9.9")
    return path


@pytest.fixture(scope="module")
def years_packet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small case with 300 entries over 26 years: more than nine pages, several sources cited."""
    doc = long_chronology_case(300)
    for index, entry in enumerate(doc["timeline"]):
        entry["source"] = ("src-nyt", "src-eo")[index % 2]
    doc["timeline"].append({"id": "t-undated", "title": "Undated memo circulates", "source": "src-eo"})
    return _render(doc, tmp_path_factory.mktemp("nav") / "years.pdf", check_annex=False)


def _outline_tree(reader: PdfReader) -> list[tuple[str, list[str]]]:
    """Top-level titles, each with the titles nested under it."""
    tree: list[tuple[str, list[str]]] = []
    for item in reader.outline:
        if isinstance(item, list):
            tree[-1][1].extend(child.title for child in item if not isinstance(child, list))
        else:
            tree.append((item.title, []))
    return tree


def _link_targets(reader: PdfReader, page: Any) -> list[tuple[tuple[float, ...], int]]:
    """Each internal link on ``page``: its rectangle and the page (from 1) it goes to."""
    out = []
    for ref in page.get("/Annots") or []:
        annot = ref.get_object()
        if annot.get("/Subtype") != "/Link" or "/Dest" not in annot:
            continue
        dest = annot["/Dest"]
        if not isinstance(dest, ArrayObject):
            dest = reader.named_destinations[str(dest)].dest_array
        target = reader.get_page_number(dest[0].get_object()) + 1
        out.append((tuple(float(v) for v in annot["/Rect"]), target))
    return out


def _sources_start(reader: PdfReader) -> int:
    return next(
        reader.get_destination_page_number(i) + 1 for i in reader.outline if getattr(i, "title", "") == "Sources"
    )


def _cited_on(path: Path) -> dict[int, list[int]]:
    """Source number -> the pages its entry says cite it ("Cited on pp. 2, 3, 9–11.")."""
    reader = PdfReader(str(path))
    text = norm(" ".join(page_texts(path)[_sources_start(reader) - 1 :]))
    text = text[text.index("Sources Numbered in order") :]
    out: dict[int, list[int]] = {}
    for number, listed in re.findall(r"\[(\d+)\][^\[]*?Cited on pp?\. ([\d, –]+)\.", text):
        pages: list[int] = []
        for part in listed.split(", "):
            low, _, high = part.partition("–")
            pages += range(int(low), int(high or low) + 1)
        out[int(number)] = pages
    return out


def _references_by_page(path: Path) -> tuple[dict[int, set[int]], dict[int, list[tuple[float, float, int]]]]:
    """Pages where each [n] prints before the Sources heading, and each reference's centre."""
    reader = PdfReader(str(path))
    start = _sources_start(reader)
    pages: dict[int, set[int]] = {}
    centres: dict[int, list[tuple[float, float, int]]] = {}
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages[1:start], start=2):
            words = page.extract_words(keep_blank_chars=False)
            stop = float("inf")
            if number == start:
                stop = next(w["top"] for w in words if w["text"] == "Sources")
            line = " ".join(w["text"] for w in words if w["top"] < stop)
            for match in REFERENCE.finditer(line):
                pages.setdefault(int(match.group(1)), set()).add(number)
            for w in words:
                found = re.fullmatch(r"\[(\d+)[\],]?.*", w["text"])
                if found and w["top"] < stop:
                    x = (w["x0"] + w["x1"]) / 2
                    y = page.height - (w["top"] + w["bottom"]) / 2
                    centres.setdefault(number, []).append((x, y, int(found.group(1))))
    return pages, centres


def test_outline_lists_each_section_year_and_directive(years_packet: Path) -> None:
    tree = dict(_outline_tree(PdfReader(str(years_packet))))
    assert list(tree) == ["Summary", "Chronology", "Actors", "Directives", "Statements", "Sources"]
    assert tree["Chronology"] == [str(year) for year in range(2000, 2026)] + ["Undated"]
    assert tree["Directives"] == ["EO 14409 — Executive Order 14409", "Meta CAISI agreement"]


def test_chronology_prints_a_heading_where_the_year_changes(years_packet: Path) -> None:
    reader = PdfReader(str(years_packet))
    texts = [norm(t) for t in page_texts(years_packet)]
    years = reader.outline[reader.outline.index(next(i for i in reader.outline if i.title == "Chronology")) + 1]
    assert isinstance(years, list) and len(years) == 27
    for item in years:
        page = reader.get_destination_page_number(item)
        # The heading prints on the page its bookmark points to, just before that year's first date.
        if item.title == "Undated":
            assert "Undated Undated memo circulates" in texts[page]
        else:
            assert re.search(rf"\b{item.title} [A-Z][a-z]+ \d+, {item.title}\b", texts[page]), (
                item.title,
                texts[page][:400],
            )


def test_document_language_is_set(years_packet: Path) -> None:
    assert PdfReader(str(years_packet)).trailer["/Root"]["/Lang"] == "en-US"


def test_footer_is_centred_on_every_page(years_packet: Path) -> None:
    with pdfplumber.open(years_packet) as pdf:
        assert len(pdf.pages) > 10  # pages 1-9 have a shorter number than the total
        for number, page in enumerate(pdf.pages, start=1):
            words = [w for w in page.extract_words() if w["top"] > page.height - 0.7 * 72 and w["text"] != "FOR"]
            footer = [w for w in words if abs(w["top"] - words[0]["top"]) < 2 and w["text"] not in MARKING]
            assert " ".join(w["text"] for w in footer) == f"Page {number} of {len(pdf.pages)}"
            centre = (min(w["x0"] for w in footer) + max(w["x1"] for w in footer)) / 2
            assert abs(centre - page.width / 2) < 0.5, (number, centre, page.width / 2)


def test_every_reference_links_to_its_source_entry(years_packet: Path) -> None:
    reader = PdfReader(str(years_packet))
    _, centres = _references_by_page(years_packet)
    entry_page = _entry_pages(years_packet)
    assert sum(len(c) for c in centres.values()) > 300
    for number, found in centres.items():
        links = _link_targets(reader, reader.pages[number - 1])
        for x, y, source in found:
            hits = [target for (x0, y0, x1, y1), target in links if x0 <= x <= x1 and y0 <= y <= y1]
            assert hits == [entry_page[source]], (number, source, hits)


def _entry_pages(path: Path) -> dict[int, int]:
    """Source number -> the page its entry prints on."""
    reader = PdfReader(str(path))
    start = _sources_start(reader)
    out: dict[int, int] = {}
    for number, text in enumerate(page_texts(path)[start - 1 :], start=start):
        after = text.split("Numbered in order of first citation", 1)[-1]
        for found in re.findall(r"^\[(\d+)\] ", after, flags=re.MULTILINE):
            out.setdefault(int(found), number)
    return out


def test_each_source_lists_the_pages_that_cite_it(years_packet: Path) -> None:
    printed, _ = _references_by_page(years_packet)
    cited_on = _cited_on(years_packet)
    assert set(cited_on) == set(printed) == {1, 2}  # the uncited memo says nothing
    for number, pages in printed.items():
        assert cited_on[number] == sorted(pages)
    assert "Cited on pp. 2–" in norm(" ".join(page_texts(years_packet)))  # a run prints as a range


def test_small_packet_cites_pages_in_a_list(tmp_path: Path) -> None:
    path = _render(small_case(), tmp_path / "small.pdf")
    printed, _ = _references_by_page(path)
    assert _cited_on(path) == {number: sorted(pages) for number, pages in printed.items()}


def _body_lines(page: Any) -> list[str]:
    lines = (page.extract_text() or "").splitlines()
    return [line for line in lines[2:] if line.strip() and line != MARKING and not line.startswith("Page ")]


def test_the_last_page_never_holds_just_a_line_or_two(tmp_path: Path) -> None:
    doc = small_case()
    # 95 one-line sources: laid out one after another, the 95th went alone onto the last page.
    doc["sources"] += [
        {"id": f"bg{i}", "title": f"Background paper {i}", "publisher": "Policy Office"} for i in range(95)
    ]
    path = _render(doc, tmp_path / "tail.pdf", check_annex=False)
    with pdfplumber.open(path) as pdf:
        last = _body_lines(pdf.pages[-1])
    assert len(last) >= 3, last
    assert last[-1].startswith("[98] ")


@pytest.mark.slow
def test_10000_row_chronology_has_year_headings_and_bookmarks(tmp_path: Path) -> None:
    path = _render(long_chronology_case(10000), tmp_path / "long.pdf")
    reader = PdfReader(str(path))
    tree = dict(_outline_tree(reader))
    assert tree["Chronology"] == [str(year) for year in range(2000, 2026)]
    texts = page_texts(path)
    assert "Cited on pp. 2–" in norm(texts[-1]) or "Cited on pp. 2–" in norm(texts[-2])
    headed = [number for number, text in enumerate(texts) if re.search(r"^20\d\d$", text, flags=re.MULTILINE)]
    assert len(headed) >= 26


def test_export_from_the_app_links_references_and_sets_the_language(qtbot, sample_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, sample_path)
    path = export_packet(qtbot, window)
    reader = PdfReader(str(path))
    assert reader.trailer["/Root"]["/Lang"] == "en-US"
    entry_page = _entry_pages(path)
    _, centres = _references_by_page(path)
    assert centres
    for number, found in centres.items():
        links = _link_targets(reader, reader.pages[number - 1])
        for x, y, source in found:
            assert [t for (x0, y0, x1, y1), t in links if x0 <= x <= x1 and y0 <= y <= y1] == [entry_page[source]]
    tree = dict(_outline_tree(reader))
    assert len(tree["Directives"]) == len({d for d in tree["Directives"]}) >= 1
