"""Unsourced records are marked where the packet prints them and listed in a "Before it goes out" annex."""

from __future__ import annotations

import json
import re

from pypdf import PdfReader

from db import records
from db.fields import Kind
from db.interchange import export_document
from db.sqlite.casefile import CaseFile
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing
from tests.briefing_fixtures import SAMPLE_JSON
from tests.gui_helpers import export_packet, open_window

QUOTE = "It is the very work CAISI is supposed to be doing."
ENTRY = "Export directive reaches Anthropic"
ANNEX = "Before it goes out"


def _drop_sources(path) -> None:
    """Remove one statement's source and one timeline entry's source from the case file on disk."""
    cf = CaseFile.open(path)
    try:
        doc = export_document(cf)
        statement = next(s["id"] for s in doc["statements"] if s["text"] == QUOTE)
        entry = next(t["id"] for t in doc["timeline"] if t["title"] == ENTRY)
        records.update_record(cf, Kind.STATEMENT, statement, {"source": None})
        records.update_record(cf, Kind.TIMELINE, entry, {"source": None})
    finally:
        cf.close()


def _export(qtbot, path):
    window = open_window(qtbot, path)
    return PdfReader(export_packet(qtbot, window))


def _texts(reader: PdfReader) -> list[str]:
    # The footer is drawn last, so it comes out at the end of the page's text: leave it out.
    return [" ".join(re.sub(r"Page \d+ of \d+", "", page.extract_text()).split()) for page in reader.pages]


def _outline(reader: PdfReader) -> list[str]:
    return [item.title for item in reader.outline if not isinstance(item, list)]


def test_unsourced_records_are_marked_where_they_print_and_listed_before_it_goes_out(qtbot, sample_path):
    _drop_sources(sample_path)
    reader = _export(qtbot, sample_path)
    pages = _texts(reader)
    # The annex may start part way down the page the sources end on.
    starts = (i for i, text in enumerate(pages) if f"{ANNEX} These records" in text)
    annex_at = next(starts, None)
    body = [*pages[1:annex_at], pages[annex_at].split(f"{ANNEX} These records")[0]] if annex_at else pages[1:]

    # Marked beside exactly the records with a gap: the quote, the entry and the sample's
    # one directive with no issued date; no other record carries a mark.
    assert sum(text.count("[no source]") for text in body) == 2
    assert sum(text.count("[no issued date]") for text in body) == 1
    assert annex_at is not None
    # The quote as it prints, with its attribution: the sentence before it names it in its notes.
    statement_page = next(i for i, text in enumerate(pages) if f"“{QUOTE}” —" in text)
    after_quote = pages[statement_page].split(f"“{QUOTE}” —", 1)[1].split("Context:", 1)[0]
    assert "Commerce Department statement (spokesman) [no source]" in after_quote
    entry_page = next(i for i, text in enumerate(pages) if ENTRY in text and "[no source]" in text)
    row = re.split(r"June \d+, 2026", pages[entry_page].split(ENTRY, 1)[1], maxsplit=1)[0]  # to the next row
    assert row.rstrip().endswith("[no source] Anthropic")  # the mark closes the event cell

    annex = pages[annex_at]
    assert "Statements with no source (1)" in annex
    assert "Timeline entries with no source (1)" in annex
    assert "Directives with no issued date (1)" in annex
    assert "Statements with no speaker" not in annex
    # Each line names the page the record prints on.
    assert (
        f"“It is the very work CAISI is supposed to be doing.” (Ben Kass, June 23, 2026) p. {statement_page + 1}"
        in annex
    )
    assert f"{ENTRY} (June 12, 2026, 5:21 p.m. EDT) p. {entry_page + 1}" in annex

    # Listed in the contents with its page, and bookmarked.
    contents = pages[0].split("Contents", 1)[1]
    assert re.search(rf"7\. {ANNEX}[ .]*{annex_at + 1}\b", contents), contents
    assert _outline(reader)[-1] == ANNEX


def test_switching_the_annex_off_keeps_the_marks(qtbot, sample_path):
    _drop_sources(sample_path)
    cf = CaseFile.open(sample_path)
    try:
        records.set_briefing_options(cf, {"check_annex": False})
    finally:
        cf.close()
    reader = _export(qtbot, sample_path)
    pages = _texts(reader)
    # The principal still sees which quote has no source; only the checklist is left out.
    assert sum(text.count("[no source]") for text in pages) == 2
    assert sum(text.count("[no issued date]") for text in pages) == 1
    assert not any(ANNEX in text for text in pages)
    assert ANNEX not in _outline(reader)


def test_a_case_with_nothing_to_flag_has_no_annex(tmp_path):
    doc = json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))
    undated = next(d for d in doc["directives"] if not d.get("issued"))
    undated["issued"] = "2026-06-23"
    clean = tmp_path / "clean.pdf"
    render_briefing(doc, clean, BriefingOptions(deterministic=True))
    doc["statements"][0]["speaker"] = None
    flagged = tmp_path / "flagged.pdf"
    render_briefing(doc, flagged, BriefingOptions(deterministic=True))

    assert ANNEX in _outline(PdfReader(flagged))
    assert "[no speaker]" in " ".join(_texts(PdfReader(flagged)))
    assert ANNEX not in _outline(PdfReader(clean))
    assert not any("[no " in text or ANNEX in text for text in _texts(PdfReader(clean)))


def test_the_annex_choice_is_stored_and_older_options_still_load():
    assert BriefingOptions().to_dict()["check_annex"] is True
    off = BriefingOptions.from_dict({**BriefingOptions().to_dict(), "check_annex": False})
    assert off.check_annex is False
    older = {k: v for k, v in BriefingOptions().to_dict().items() if k != "check_annex"}
    assert BriefingOptions.from_dict(older).check_annex is True
    try:
        BriefingOptions.from_dict({"check_annex": "no"})
    except ValueError as exc:
        assert "check_annex" in str(exc)
    else:
        raise AssertionError("a non-boolean check_annex was accepted")
