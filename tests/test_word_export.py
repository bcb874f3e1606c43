"""The Word packet read back with python-docx: every statement, the marking on every page, Word's own
heading and quote styles, page-number fields, real tables, working links, the same filters as the PDF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
import pytest
from briefing_fixtures import ARABIC, HEBREW, HOSTILE_MARKUP, SAMPLE_JSON, hostile_case, norm, small_case
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from desktop.briefing.options import SECTION_TITLES, BriefingOptions
from desktop.briefing.plain import paragraphs
from desktop.word.render import ExportCancelled, render_word

MARKING = "FOR INTERNAL USE ONLY"


def _sample() -> dict[str, Any]:
    return json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))


def _write(tmp_path: Path, doc: dict[str, Any], options: BriefingOptions | None = None) -> DocxDocument:
    out = tmp_path / "packet.docx"
    render_word(doc, out, options or BriefingOptions())
    return docx.Document(str(out))


def _paragraphs(document: DocxDocument) -> list[Paragraph]:
    """Every paragraph of the body, those in table cells included, in document order."""
    return [Paragraph(p, document) for p in document.element.body.iter(qn("w:p"))]


def _text(document: DocxDocument) -> str:
    return norm(" ".join(p.text for p in _paragraphs(document)))


def _styled(document: DocxDocument, style: str) -> list[str]:
    return [p.text for p in _paragraphs(document) if p.style is not None and p.style.name == style]


def test_every_statement_prints_and_quotations_are_in_the_quote_style(tmp_path: Path) -> None:
    doc = _sample()
    document = _write(tmp_path, doc)
    quoted = norm(" ".join(_styled(document, "Quote")))
    assert doc["statements"]
    for statement in doc["statements"]:
        words = norm(" ".join(paragraphs(statement["text"])))
        assert words in quoted, statement["id"]
        if statement.get("verbatim"):
            assert f"“{words}”" in quoted
        else:
            assert f"Paraphrase: {words}" in quoted


def test_the_marking_is_in_every_header_and_footer(tmp_path: Path) -> None:
    document = _write(tmp_path, _sample())
    for section in document.sections:
        assert section.different_first_page_header_footer  # the cover has its own pair, also marked
        for part in (section.first_page_header, section.header, section.first_page_footer, section.footer):
            assert not part.is_linked_to_previous
            assert MARKING in [p.text for p in part.paragraphs]
    # The override in Briefing Options wins, as in the PDF.
    document = _write(tmp_path, _sample(), BriefingOptions(marking_override="SENSITIVE // NOFORN"))
    footer = document.sections[0].footer
    assert "SENSITIVE // NOFORN" in [p.text for p in footer.paragraphs]
    assert MARKING not in _text(document)


def test_sections_and_records_use_words_heading_styles_and_a_contents_field(tmp_path: Path) -> None:
    document = _write(tmp_path, _sample())
    titles = [SECTION_TITLES[key] for key in BriefingOptions().sections]
    assert _styled(document, "Heading 1") == [*titles, "Before it goes out"]
    level_two = _styled(document, "Heading 2")
    assert "Key events at a glance" in level_two
    assert "Government (7)" in level_two  # actor groups
    assert any(h.startswith("EO 14409") for h in level_two)  # each directive
    instructions = [t.text for t in document.element.body.iter(qn("w:instrText"))]
    assert any(i.strip().startswith("TOC ") for i in instructions)
    assert document.settings.element.find(qn("w:updateFields")) is not None  # Word fills it on opening


def test_footer_counts_pages_with_page_and_numpages_fields(tmp_path: Path) -> None:
    document = _write(tmp_path, _sample())
    footer = document.sections[0].footer
    instructions = [t.text.strip() for t in footer._element.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    line = next(p for p in footer.paragraphs if p.text.startswith("Page "))
    assert line.text == "Page 1 of 1"  # the fields' shown results until Word computes them
    assert [f.get(qn("w:fldCharType")) for f in line._p.iter(qn("w:fldChar"))] == ["begin", "separate", "end"] * 2


def test_chronology_and_actors_are_tables_whose_header_rows_repeat(tmp_path: Path) -> None:
    doc = _sample()
    document = _write(tmp_path, doc)
    heads = {tuple(c.text for c in t.rows[0].cells): t for t in document.tables}
    chronology = heads[("Date", "Event", "Actors involved")]
    assert len(chronology.rows) == len(doc["timeline"]) + 3  # the header, and a row for 2024 and for 2026
    actor_tables = [t for t in document.tables if t.rows[0].cells[0].text == "Name"]
    assert sum(len(t.rows) - 1 for t in actor_tables) == len(doc["actors"])
    for table in (chronology, *actor_tables):
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr is None or r._tr.trPr.find(qn("w:tblHeader")) is None for r in table.rows[1:])
    first = doc["timeline"][0]
    assert any(first["title"] in row.cells[1].text for row in chronology.rows[1:])


def test_sources_are_numbered_with_working_links_and_citations_jump_to_them(tmp_path: Path) -> None:
    document = _write(tmp_path, small_case())
    body = document.element.body
    external = [h for h in body.iter(qn("w:hyperlink")) if h.get(qn("r:id"))]
    targets = {document.part.rels[h.get(qn("r:id"))].target_ref for h in external}
    assert targets == {"https://example.com/nyt"}
    assert all(document.part.rels[h.get(qn("r:id"))].is_external for h in external)
    bookmarks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    anchors = [h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink")) if h.get(qn("w:anchor"))]
    assert anchors and set(anchors) <= bookmarks  # every [n] in the text leads to its source
    sources = [p.text for p in _paragraphs(document) if p.text.startswith("[") and "\t" in p.text]
    assert sources[0].startswith("[1]\tA. Reporter, “U.S. Presses Meta,” The New York Times")
    assert sources[0].endswith("https://example.com/nyt")


def test_unsafe_addresses_print_as_text_not_links(tmp_path: Path) -> None:
    doc = small_case()
    doc["sources"][0]["url"] = "file:///etc/passwd"
    document = _write(tmp_path, doc)
    assert not [h for h in document.element.body.iter(qn("w:hyperlink")) if h.get(qn("r:id"))]
    assert "file:///etc/passwd" in _text(document)


def test_the_date_filter_and_key_only_are_honoured(tmp_path: Path) -> None:
    doc = _sample()
    options = BriefingOptions(date_from="2026-06-12", date_to="2026-06-30", key_only=True)
    document = _write(tmp_path, doc, options)
    chronology = next(t for t in document.tables if t.rows[0].cells[0].text == "Date")
    printed = [row.cells[1].text for row in chronology.rows[1:]]
    kept = [t for t in doc["timeline"] if t.get("key") and t["date"][:10] >= "2026-06-12"]
    assert len(printed) == len(kept) > 0
    dropped = [t for t in doc["timeline"] if t["date"][:4] == "2024"]
    assert dropped and not any(t["title"] in " ".join(printed) for t in dropped)
    quoted = norm(" ".join(_styled(document, "Quote")))
    for statement in doc["statements"]:
        words = norm(" ".join(paragraphs(statement["text"])))
        kept_statement = not statement.get("date") or statement["date"][:10] >= "2026-06-12"  # undated stay
        assert (words in quoted) == kept_statement, statement["id"]
    assert any(s.get("date") and s["date"] < "2026-06-12" for s in doc["statements"])
    assert "Covers June 12, 2026 to June 30, 2026; undated records are included." in _text(document)


def test_the_annex_lists_the_gaps_and_can_be_left_out(tmp_path: Path) -> None:
    doc = small_case()
    doc["statements"][0].pop("source", None)
    document = _write(tmp_path, doc)
    assert "Before it goes out" in _styled(document, "Heading 1")
    assert "[no source]" in _text(document)  # marked where the record prints
    assert any("PAGEREF flag_" in t.text for t in document.element.body.iter(qn("w:instrText")))
    document = _write(tmp_path, doc, BriefingOptions(check_annex=False))
    assert "Before it goes out" not in _styled(document, "Heading 1")
    assert "[no source]" in _text(document)


def test_hostile_text_is_written_literally_and_right_to_left_paragraphs_are_marked(tmp_path: Path) -> None:
    document = _write(tmp_path, hostile_case(rows=20, statement_pages=3))
    text = _text(document)
    for markup in HOSTILE_MARKUP:
        assert norm(markup) in text
    assert "\x07" not in text and "\x00" not in text
    arabic = [p for p in _paragraphs(document) if p.text.startswith("“" + ARABIC[:4]) or p.text == ARABIC]
    assert arabic
    for paragraph in arabic:
        assert paragraph._p.pPr.find(qn("w:bidi")) is not None
        assert all(r._r.rPr.find(qn("w:rtl")) is not None for r in paragraph.runs if ARABIC[:4] in r.text)
    hebrew_marking = document.sections[0].header.paragraphs[0]
    assert HEBREW in hebrew_marking.text


def test_the_file_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    out = tmp_path / "packet.docx"
    out.write_bytes(b"an earlier packet")
    with pytest.raises(ExportCancelled):
        render_word(_sample(), out, BriefingOptions(), progress=lambda done, total: done < 5)
    assert out.read_bytes() == b"an earlier packet"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["packet.docx"]
    calls: list[tuple[int, int]] = []
    render_word(_sample(), out, BriefingOptions(), progress=lambda done, total: calls.append((done, total)) or True)
    assert calls[-1][0] == calls[-1][1] and docx.Document(str(out)).paragraphs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["packet.docx"]
