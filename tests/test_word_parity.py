"""The Word packet is the PDF's packet: the cover's bottom line and no counts, the chronology's year
rows in the PDF's places and order, long texts cut where the PDF cuts them with their full text in
Annex A, and the old As-of warning before a Word export, in the app and on the command line."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import docx
from briefing_fixtures import SAMPLE_JSON, norm, page_texts, small_case
from core_fixtures import run_cli
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from db import records
from db.sqlite.casefile import CaseFile
from desktop.briefing import staleness
from desktop.briefing.excerpts import excerpt_of
from desktop.briefing.model import CaseData, display_date
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing
from desktop.word.render import render_word
from tests.gui_helpers import open_window, when_modal

SENTENCES = [f"Point {i} of the review holds that frontier testing must go on." for i in range(60)]
LONG_QUOTE = " ".join(SENTENCES)  # 600 words
STEPS = " ".join(f"Step {i} of the plan moves forward as agreed." for i in range(60))
ANNEX = "Annex A — Full texts"
MARKING = "FOR INTERNAL USE ONLY"


def _sample() -> dict[str, Any]:
    return json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))


def _write(tmp_path: Path, doc: dict[str, Any], options: BriefingOptions | None = None) -> DocxDocument:
    out = tmp_path / "packet.docx"
    render_word(doc, out, options or BriefingOptions())
    return docx.Document(str(out))


def _body(document: DocxDocument) -> list[Paragraph | Table]:
    """The body's top-level paragraphs and tables, in order."""
    out: list[Paragraph | Table] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            out.append(Paragraph(child, document))
        elif child.tag == qn("w:tbl"):
            out.append(Table(child, document))
    return out


def _all_paragraphs(document: DocxDocument) -> list[Paragraph]:
    return [Paragraph(p, document) for p in document.element.body.iter(qn("w:p"))]


def _chronology(document: DocxDocument) -> Table:
    return next(t for t in document.tables if t.rows[0].cells[0].text == "Date")


def _anchors(paragraph: Paragraph) -> list[str]:
    return [h.get(qn("w:anchor")) for h in paragraph._p.iter(qn("w:hyperlink")) if h.get(qn("w:anchor"))]


def _bookmarks(element: Any) -> set[str]:
    return {b.get(qn("w:name")) for b in element.iter(qn("w:bookmarkStart"))}


def _instructions(element: Any) -> list[str]:
    return [t.text.strip() for t in element.iter(qn("w:instrText"))]


# ----- the cover --------------------------------------------------------------------------


def test_the_cover_has_the_bottom_line_box_with_typed_bullets_stripped_and_no_counts(tmp_path: Path) -> None:
    doc = _sample()
    doc["case"]["bottom_line"] = "• Meta has not signed.\n- Commerce calls it routine.\n\n   * No statute backs it.\n"
    document = _write(tmp_path, doc)
    body = _body(document)
    cover = body[: next(i for i, b in enumerate(body) if isinstance(b, Paragraph) and b.style.name == "Heading 1")]
    boxes = [b for b in cover if isinstance(b, Table) and "BOTTOM LINE" in b.cell(0, 0).text]
    assert len(boxes) == 1, "the bottom line is a box on the cover"
    cell = boxes[0].cell(0, 0)
    bullets = [p.text for p in cell.paragraphs if p.style.name == "List Bullet"]
    assert bullets == ["Meta has not signed.", "Commerce calls it routine.", "No statute backs it."]
    shading = cell._tc.tcPr.find(qn("w:shd"))
    assert shading is not None and shading.get(qn("w:fill")) == "E9EFF6"  # the PDF's key shade
    assert cell._tc.tcPr.find(qn("w:tcBorders")).find(qn("w:left")).get(qn("w:color")) == "2F5F8F"
    # Above the contents, below the marking box, as on the PDF's cover.
    contents = next(i for i, b in enumerate(cover) if isinstance(b, Paragraph) and b.text == "Contents")
    marking = next(i for i, b in enumerate(cover) if isinstance(b, Table) and b.cell(0, 0).text == MARKING)
    assert marking < cover.index(boxes[0]) < contents
    cover_text = norm(" ".join(p.text for p in _all_paragraphs(document)[:40]))
    assert not re.search(r"\d+ (statements|directives|actors|timeline entries|sources)\b", cover_text)
    assert "This case file holds" not in cover_text

    # No bottom line written, no box.
    doc["case"]["bottom_line"] = "  \n\n"
    assert not [t for t in _write(tmp_path, doc).tables if "BOTTOM LINE" in t.cell(0, 0).text]


# ----- the chronology ---------------------------------------------------------------------


def _row_kinds(table: Table) -> list[tuple[str, str]]:
    """("year", "2026") for a year row (one cell across the table), ("entry", its event) otherwise."""
    out = []
    for row in table.rows[1:]:
        first = row._tr.tc_lst[0]
        spans = first.tcPr.find(qn("w:gridSpan")) if first.tcPr is not None else None
        if spans is not None and spans.get(qn("w:val")) == "3":
            out.append(("year", row.cells[0].text))
        else:
            out.append(("entry", row.cells[1].text))
    return out


def test_the_chronology_prints_a_year_row_where_the_year_changes_and_undated_last(tmp_path: Path) -> None:
    doc = _sample()
    doc["timeline"].append({"id": "t-undated", "title": "Talks begin at some point", "key": False})
    options = BriefingOptions()
    document = _write(tmp_path, doc, options)
    rows = _row_kinds(_chronology(document))
    assert [text for kind, text in rows if kind == "year"] == ["2024", "2026", "Undated"]
    # Each year row heads the first entry of its year, in the order the PDF prints them: CaseData's,
    # same-day entries included.
    timeline = CaseData.build(doc, options).timeline
    entries = [text for kind, text in rows if kind == "entry"]
    assert len(entries) == len(timeline)
    for entry, printed in zip(timeline, entries, strict=True):
        assert printed.lstrip("0123456789\u2002 ").startswith(entry["title"]), (entry["title"], printed)
    assert rows[0] == ("year", "2024")
    years_before = {text: index for index, (kind, text) in enumerate(rows) if kind == "year"}
    first_2026 = next(i for i, e in enumerate(timeline) if str(e.get("date", "")).startswith("2026"))
    assert rows[years_before["2026"] + 1][1].lstrip("0123456789\u2002 ").startswith(timeline[first_2026]["title"])
    assert rows[-2] == ("year", "Undated") and "Talks begin" in rows[-1][1]
    assert {"year_2024", "year_2026", "year_undated"} <= _bookmarks(document.element.body)
    year_row = _chronology(document).rows[1]
    assert year_row._tr.trPr.find(qn("w:cantSplit")) is not None  # never split from its text
    assert year_row.cells[0].paragraphs[0].paragraph_format.keep_with_next  # kept with its first entry

    # Within one year the PDF prints no year headings, and neither does Word.
    doc["timeline"] = [t for t in doc["timeline"] if t.get("date", "").startswith("2026")]
    rows = _row_kinds(_chronology(_write(tmp_path, doc)))
    assert rows and all(kind == "entry" for kind, _ in rows)


# ----- long texts -------------------------------------------------------------------------


def _long_case() -> dict[str, Any]:
    doc = small_case()
    statement = next(s for s in doc["statements"] if s["id"] == "st-brennan")
    assert statement["verbatim"] is True
    statement["text"] = LONG_QUOTE
    doc["timeline"][0]["description"] = STEPS
    return doc


def test_long_texts_print_cut_with_a_linked_reference_to_their_full_text_in_annex_a(tmp_path: Path) -> None:
    doc = _long_case()
    options = BriefingOptions(deterministic=True, check_annex=False)  # Annex A ends the document
    document = _write(tmp_path, doc, options)
    paragraphs = _all_paragraphs(document)
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert ANNEX in headings and headings.index(ANNEX) == headings.index("Sources") + 1

    excerpt = excerpt_of(LONG_QUOTE, options.excerpt_words)
    assert excerpt is not None
    annex_at = next(i for i, p in enumerate(paragraphs) if p.text == ANNEX)
    before = paragraphs[:annex_at]
    quotes = [p.text for p in before if p.style.name == "Quote"]
    assert f"“{excerpt}”" in quotes  # the PDF's cut, to the word
    assert not any(SENTENCES[-1] in p.text for p in before)
    steps = excerpt_of(STEPS, options.excerpt_words)
    assert steps is not None
    assert any(p.text.startswith(steps) for p in before)  # the chronology row's description, cut
    assert not any("Step 59" in p.text for p in before)

    references = [p for p in before if p.text.startswith("Full text: Annex A")]
    assert len(references) == 2
    bookmarks = _bookmarks(document.element.body)
    for number, reference in enumerate(references, start=1):
        assert reference.text == "Full text: Annex A, p. ?"  # the page field's shown result until computed
        assert _anchors(reference) == [f"fulltext_{number}"] and f"fulltext_{number}" in bookmarks
        assert _instructions(reference._p) == [f"PAGEREF fulltext_{number} \\h"]
        assert f"excerpt_{number}" in _bookmarks(reference._p)

    annex = paragraphs[annex_at:]
    entries = [p for p in annex if p.style.name == "Heading 2"]
    assert [p.text for p in entries] == [
        f"Chronology: {doc['timeline'][0]['title']}, {display_date(doc['timeline'][0]['date'])}",
        "Statement by Francis Brennan, June 23, 2026",
    ]
    assert "fulltext_2" in _bookmarks(entries[1]._p)
    back = annex[annex.index(entries[1]) + 1]
    assert back.text == "Excerpted in Statements, p. ?" and _anchors(back) == ["excerpt_2"]
    assert f"“{LONG_QUOTE}”" in [p.text for p in annex if p.style.name == "Quote"]
    assert any(p.text == STEPS for p in annex)

    # The PDF cuts the same texts and files them under the same labels.
    pdf = tmp_path / "packet.pdf"
    render_briefing(doc, pdf, options)
    printed = norm(" ".join(page_texts(pdf)))
    for entry in entries:
        assert norm(entry.text) in printed
    assert norm(excerpt) in printed

    # With excerpts switched off in Briefing Options, texts print whole and there is no Annex A.
    document = _write(tmp_path, doc, BriefingOptions(excerpt_words=0))
    paragraphs = _all_paragraphs(document)
    assert ANNEX not in [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert f"“{LONG_QUOTE}”" in [p.text for p in paragraphs if p.style.name == "Quote"]
    assert any(p.text.startswith(STEPS) for p in paragraphs)
    assert not any("Full text:" in p.text for p in paragraphs)


# ----- the old As-of warning --------------------------------------------------------------


def _answer(button_text: str, texts: list[str]):  # type: ignore[no-untyped-def]
    def answer(box) -> None:  # type: ignore[no-untyped-def]
        texts.append(box.text())
        next(b for b in box.buttons() if b.text().replace("&", "") == button_text).click()

    return answer


def _choose_export_as_word(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=60000)
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_W)


def test_an_old_as_of_date_asks_before_a_word_export_and_cancel_writes_nothing(qtbot, sample_path, monkeypatch):  # type: ignore[no-untyped-def]
    # The sample is as of June 24, 2026; on October 1 that is 99 days old.
    monkeypatch.setattr(staleness, "today", lambda: dt.date(2026, 10, 1))
    window = open_window(qtbot, sample_path)
    before = sorted(p.name for p in sample_path.parent.iterdir())
    texts: list[str] = []
    when_modal(_answer("Cancel", texts), kind=QMessageBox)
    _choose_export_as_word(qtbot, window)
    qtbot.waitUntil(lambda: bool(texts), timeout=60000)
    assert "June 24, 2026, is 99 days old" in texts[0], texts
    assert window.word.task is None and window.word.last_output is None
    assert sorted(p.name for p in sample_path.parent.iterdir()) == before

    texts.clear()
    when_modal(_answer("Export Anyway", texts), kind=QMessageBox)
    _choose_export_as_word(qtbot, window)
    qtbot.waitUntil(lambda: window.word.last_output is not None, timeout=120000)
    assert texts and window.word.last_output.suffix == ".docx" and window.word.last_output.is_file()


def test_the_command_line_warns_of_an_old_as_of_date_on_a_word_export(tmp_path: Path, casefile_home: Path) -> None:
    path = tmp_path / "case.casefile"
    assert run_cli(["new", str(path), "--sample"], cwd=tmp_path, home=casefile_home).returncode == 0
    with CaseFile.open(path) as cf:
        records.update_case(cf, {"as_of": "2001-03-01"})
    done = run_cli(["export", str(path), "-o", str(tmp_path / "old.docx")], cwd=tmp_path, home=casefile_home)
    assert done.returncode == 0, done.stderr
    assert "warning: The case's As-of date, March 1, 2001, is " in done.stderr.decode()
    assert (tmp_path / "old.docx").is_file()  # a warning, not a refusal, as for the PDF

    with CaseFile.open(path) as cf:
        records.update_case(cf, {"as_of": (dt.date.today() + dt.timedelta(days=1)).isoformat()})
    fresh = run_cli(["export", str(path), "-o", str(tmp_path / "new.docx")], cwd=tmp_path, home=casefile_home)
    assert fresh.returncode == 0, fresh.stderr
    assert "As-of date" not in fresh.stderr.decode()
