"""The briefing packet, read back from the PDF: order, markings, pages, contents, outline, fonts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from briefing_fixtures import (
    KASS_TEXT,
    PARAPHRASE_TEXT,
    REPO_ROOT,
    VERBATIM_TEXT,
    body_text,
    empty_case,
    norm,
    page_texts,
    pdftotext_pages,
    small_case,
)
from pypdf import PdfReader

from desktop.briefing.options import SECTION_IDS, SECTION_TITLES, BriefingOptions
from desktop.briefing.render import BriefingResult, ExportCancelled, render_briefing

MARKING = "FOR INTERNAL USE ONLY"
TITLE = "CAISI Voluntary Review"
FURNITURE = (MARKING, TITLE, "As of June 24, 2026")


@pytest.fixture(scope="module")
def packet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BriefingResult]:
    path = tmp_path_factory.mktemp("packet") / "packet.pdf"
    result = render_briefing(small_case(), path, BriefingOptions(deterministic=True), app_version="9.9")
    return path, result


def _outline(path: Path) -> list[tuple[str, int]]:
    reader = PdfReader(str(path))
    top = [item for item in reader.outline if not isinstance(item, list)]  # sections, not their entries
    return [(item.title, reader.get_destination_page_number(item) + 1) for item in top]


def _contents(path: Path) -> dict[str, int]:
    """Section title -> page number, as printed in the contents on the cover."""
    cover = norm(page_texts(path)[0])
    found = re.findall(r"\d\.\s+([A-Z][a-z]+(?: [a-z]+)*)[ .]*?(\d+)", cover.replace(" .", ""))
    return {title: int(page) for title, page in found}


def test_result_counts_pages_and_warns(packet: tuple[Path, BriefingResult]) -> None:
    path, result = packet
    assert result.pages == len(PdfReader(str(path)).pages) >= 3
    assert "Statement “Meta is the…” has no speaker" in result.warnings


def test_every_statement_prints(packet: tuple[Path, BriefingResult]) -> None:
    text = body_text(packet[0], FURNITURE)
    for statement in (VERBATIM_TEXT, PARAPHRASE_TEXT, KASS_TEXT, "Meta is the only holdout."):
        assert norm(statement) in text


def test_verbatim_quoted_and_paraphrase_labelled(packet: tuple[Path, BriefingResult]) -> None:
    text = body_text(packet[0], FURNITURE)
    assert f"“{norm(VERBATIM_TEXT)}”" in text
    assert f"Paraphrase: {PARAPHRASE_TEXT}" in text
    assert f"“{PARAPHRASE_TEXT}" not in text
    assert "— Francis Brennan, Meta spokesman, June 23, 2026, email to reporters [1]" in text
    assert "— Ben Kass, Commerce spokesman, June 23, 2026, 2:05 p.m. EDT" in text
    assert "— Unattributed, 2026 [1]" in text


def test_marking_top_and_bottom_of_every_page(packet: tuple[Path, BriefingResult]) -> None:
    for text in page_texts(packet[0]):
        lines = [line.strip() for line in text.splitlines()]
        assert lines[0] == MARKING
        assert lines.count(MARKING) >= 2


def test_page_n_of_m_on_every_page(packet: tuple[Path, BriefingResult]) -> None:
    texts = page_texts(packet[0])
    for number, text in enumerate(texts, start=1):
        # The total is a form XObject: pypdf puts it on a line of its own after "Page N of".
        assert re.search(rf"Page {number} of\s+{len(texts)}\s*$", text), text[-40:]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdftotext_reads_page_numbers_and_contents_on_their_lines(packet: tuple[Path, BriefingResult]) -> None:
    """Read by position, as a viewer does: the total sits on the footer's line, each contents
    entry's page number at the end of its leaders."""
    path = packet[0]
    pages = pdftotext_pages(path)
    assert len(pages) == packet[1].pages
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in [line.strip() for line in text.splitlines()]
    entries = re.findall(r"^\d\.\s+([A-Z][a-z]+(?: [a-z]+)*)\s+(?:\. ?)+\s*(\d+)$", pages[0], re.MULTILINE)
    assert dict((title, int(page)) for title, page in entries) == dict(_outline(path))
    assert len(entries) == len(SECTION_IDS) + 1  # and the "Before it goes out" annex


def test_running_header_after_the_cover(packet: tuple[Path, BriefingResult]) -> None:
    texts = page_texts(packet[0])
    assert all(TITLE in t and "As of June 24, 2026" in t for t in texts[1:])


def test_contents_and_outline_match_section_starts(packet: tuple[Path, BriefingResult]) -> None:
    path = packet[0]
    outline = _outline(path)
    assert [title for title, _ in outline] == [SECTION_TITLES[s] for s in SECTION_IDS] + ["Before it goes out"]
    assert _contents(path) == dict(outline)
    texts = page_texts(path)
    for title, page in outline:
        lines = [line.strip() for line in texts[page - 1].splitlines()]
        assert title in lines, f"{title} does not start on page {page}"
        assert all(title not in [x.strip() for x in t.splitlines()] for t in texts[1 : page - 1] if title != "Summary")


def test_sections_in_chosen_order_and_omitted_ones_absent(tmp_path: Path) -> None:
    path = tmp_path / "some.pdf"
    render_briefing(small_case(), path, BriefingOptions(sections=["sources", "statements"], deterministic=True))
    assert [title for title, _ in _outline(path)] == ["Sources", "Statements", "Before it goes out"]
    text = body_text(path, FURNITURE)
    assert text.index("Sources Numbered in order") < text.index("Statements “")
    for absent in ("Chronology", "Key events at a glance", "Directives", "Actors involved"):
        assert absent not in text.replace("1. Sources", "").replace("2. Statements", "")
    # Sources are numbered by first citation in this packet: statements come after sources here,
    # but the statements' citations still decide the order.
    assert "[1] A. Reporter, “U.S. Presses Meta,” The New York Times, June 23, 2026." in text


def test_metadata(packet: tuple[Path, BriefingResult]) -> None:
    info = PdfReader(str(packet[0])).metadata
    assert info is not None
    assert info.title == TITLE
    assert info.author == "Policy Office"
    assert info.subject == "Meta and the pre-release review program"
    assert info.creator == "Casefile 9.9"


def test_metadata_subject_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    render_briefing(empty_case(), path, BriefingOptions(deterministic=True))
    info = PdfReader(str(path)).metadata
    assert info is not None and info.subject == "Briefing packet"


def _fonts(path: Path) -> list[tuple[str, bool]]:
    """(base font name, embedded) of every font resource in the PDF."""
    reader = PdfReader(str(path))
    seen: dict[str, bool] = {}
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            embedded = bool(descriptor) and any(
                k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            seen[str(font["/BaseFont"])] = embedded
    return sorted(seen.items())


def test_every_font_embedded_and_no_base14(packet: tuple[Path, BriefingResult], tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    render_briefing(empty_case(), empty, BriefingOptions(deterministic=True))
    for path in (packet[0], empty):
        fonts = _fonts(path)
        assert fonts, "no fonts found"
        assert all(embedded for _, embedded in fonts), fonts
        assert not any("Helvetica" in name or "Times" in name or "Courier" in name for name, _ in fonts)
        assert any("DejaVuSans" in name for name, _ in fonts)


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_pdffonts_agrees(packet: tuple[Path, BriefingResult]) -> None:
    out = subprocess.run(["pdffonts", str(packet[0])], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), out


def test_deterministic_output_is_byte_identical(tmp_path: Path) -> None:
    options = BriefingOptions(deterministic=True)
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    render_briefing(small_case(), first, options)
    render_briefing(small_case(), second, options)
    assert first.read_bytes() == second.read_bytes()


def test_chronology_natural_dates_citations_and_actors(packet: tuple[Path, BriefingResult]) -> None:
    text = body_text(packet[0], FURNITURE)
    for date in ("2024", "May 2026", "June 2, 2026", "June 12, 2026 5:21 p.m. EDT"):
        assert date in text
    assert "EO 14409 signed (Directive: EO 14409) [2] U.S. Department of Commerce" in text
    assert "Meta responds (Statement by Francis Brennan) [1] Meta; Francis Brennan" in text


def test_actors_grouped_by_kind(packet: tuple[Path, BriefingResult]) -> None:
    text = body_text(packet[0], FURNITURE)
    order = [text.index(f"{group} (") for group in ("Government", "Companies", "Organizations", "People", "Other")]
    assert order == sorted(order)
    assert "Francis Brennan Meta spokesman, Meta" in text


def test_directives_facts_and_provisions(packet: tuple[Path, BriefingResult]) -> None:
    text = body_text(packet[0], FURNITURE)
    assert "EO 14409 — Executive Order 14409" in text
    assert "Kind Executive order Status In force" in text
    assert "Issuer U.S. Department of Commerce Issued June 2, 2026" in text
    assert "• Voluntary participation. • Up to 30 days of pre-release access." in text
    assert "Parties: CAISI; Meta" in text


def test_uncited_sources_numbered_last(packet: tuple[Path, BriefingResult]) -> None:
    text = body_text(packet[0], FURNITURE)
    assert "[3] “Background memo.” Never cited." in text


def test_key_only_and_date_range(tmp_path: Path) -> None:
    path = tmp_path / "filtered.pdf"
    options = BriefingOptions(sections=["chronology", "statements", "directives"], key_only=True,
                              date_from="2026-06", date_to="2026-06-30", deterministic=True)  # fmt: skip
    render_briefing(small_case(), path, options)
    text = body_text(path, FURNITURE)
    assert "EO 14409 signed" in text and "Directive reaches Anthropic" in text
    assert "Three labs join" not in text  # not key
    assert "First agreements signed" not in text  # 2024: outside the range
    assert "Meta responds" not in text  # not key
    assert norm(VERBATIM_TEXT) in text  # June 23 is inside
    assert "Meta is the only holdout." in text  # dated 2026: the year overlaps the range
    assert "Meta CAISI agreement" in text  # undated directives are kept


def test_a4_paper(tmp_path: Path) -> None:
    path = tmp_path / "a4.pdf"
    render_briefing(small_case(), path, BriefingOptions(paper="a4", deterministic=True))
    box = PdfReader(str(path)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_marking_override_and_no_marking(tmp_path: Path) -> None:
    path = tmp_path / "override.pdf"
    render_briefing(small_case(), path, BriefingOptions(marking_override="SECRET//NOFORN", deterministic=True))
    texts = page_texts(path)
    assert all(t.count("SECRET//NOFORN") >= 2 and MARKING not in t for t in texts)
    render_briefing(small_case(), path, BriefingOptions(marking_override="", deterministic=True))
    assert all(MARKING not in t for t in page_texts(path))


def test_empty_case_exports(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    result = render_briefing(empty_case(), path, BriefingOptions(deterministic=True))
    text = body_text(path, ("Empty",))
    assert result.pages >= 2
    assert "No summary has been written for this case." in text
    assert "No timeline entries are recorded for this case." in text
    assert "No sources are recorded for this case." in text


def test_cancel_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "cancelled.pdf"
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return done == 0  # allow the start, cancel at the first real progress

    with pytest.raises(ExportCancelled):
        render_briefing(small_case(), path, BriefingOptions(), progress=progress)
    assert len(calls) >= 2
    assert list(tmp_path.iterdir()) == []


def test_cancel_at_once_and_existing_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "existing.pdf"
    path.write_bytes(b"previous packet")
    with pytest.raises(ExportCancelled):
        render_briefing(small_case(), path, progress=lambda done, total: False)
    assert path.read_bytes() == b"previous packet"
    assert [p.name for p in tmp_path.iterdir()] == ["existing.pdf"]


def test_failure_leaves_existing_file_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "existing.pdf"
    path.write_bytes(b"previous packet")

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("reportlab.pdfgen.canvas.Canvas.save", broken)
    with pytest.raises(OSError, match="disk full"):
        render_briefing(small_case(), path)
    assert path.read_bytes() == b"previous packet"
    assert [p.name for p in tmp_path.iterdir()] == ["existing.pdf"]


def test_progress_reaches_total(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    render_briefing(small_case(), tmp_path / "p.pdf", progress=lambda d, t: calls.append((d, t)) is None)
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1]
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_bad_options_raise_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        render_briefing(small_case(), tmp_path / "x.pdf", BriefingOptions(paper="legal"))
    assert list(tmp_path.iterdir()) == []


def test_importing_the_renderer_does_not_load_qt() -> None:
    code = "import desktop.briefing, desktop.briefing.render, sys; assert 'PySide6' not in sys.modules"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, check=True)
