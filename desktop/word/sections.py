"""The cover and each section of the Word packet, in the PDF's order and with the PDF's content."""

from __future__ import annotations

import datetime as dt

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.shared import Inches, Pt
from docx.text.paragraph import Paragraph

from db.dates import PartialDate
from db.fields import choice_label
from desktop.briefing.annex import MAX_LISTED
from desktop.briefing.model import Record, display_date, text_of
from desktop.briefing.plain import one_line
from desktop.briefing.sections import bottom_line_points

from . import tables
from .document import ACCENT, KEY_SHADE, MARKING, text_width
from .ooxml import add_field, align_to_margin, begin_field, end_field, left_rule, pad, shade
from .writer import Writer

ANNEX_INTRO = (
    "These records print with a bracketed note, such as [no source], where they appear. Add what is "
    "missing before the packet goes out, or leave this annex out in Briefing Options."
)


def _none_note(writer: Writer, what: str) -> None:
    scope = " in the selected date range" if writer.data.window.active else ""
    writer.paragraph(f"No {what} are recorded for this case{scope}.", "Packet Small")


def cover(writer: Writer, marking: str, today: dt.date | None, titles: list[tuple[str, str]]) -> None:
    """Title, subtitle, As of, prepared by, scope, the marking in a box, the bottom line and the contents.

    No record counts, as in the PDF: counts of the whole file would contradict a filtered packet.
    """
    case, data = writer.data.case, writer.data
    label = writer.paragraph("BRIEFING PACKET", "Packet Small")
    label.paragraph_format.space_before = Pt(36)
    writer.paragraph(one_line(text_of(case, "title")) or "Untitled case", "Title")
    subtitle = one_line(text_of(case, "subtitle"))
    if subtitle:
        writer.paragraph(subtitle, "Subtitle")
    as_of = display_date(case.get("as_of"))
    if as_of:
        writer.run(writer.paragraph("As of "), as_of, bold=True)
    elif today is not None:
        writer.paragraph(f"Printed {PartialDate.from_date(today).display()}")
    prepared = one_line(text_of(case, "prepared_by"))
    if prepared:
        writer.run(writer.paragraph("Prepared by "), prepared)
    scope: list[str] = []
    if data.window.active:
        scope.append(f"Covers {data.window.describe()}; undated records are included.")
    if data.key_only:
        scope.append("The chronology lists key events only.")
    if scope:
        writer.paragraph(" ".join(scope), "Packet Small")
    if marking:
        box = writer.document.add_table(rows=1, cols=1)
        box.style = writer.document.styles["Table Grid"]
        box.alignment = WD_TABLE_ALIGNMENT.CENTER
        box.autofit = False
        box.columns[0].width = box.cell(0, 0).width = Inches(4)
        paragraph = writer.cell_paragraph(box.cell(0, 0))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(5)
        run = writer.run(paragraph, marking[:240], bold=True)
        if run is not None:
            run.font.color.rgb = MARKING
    _bottom_line(writer)
    contents = writer.paragraph("Contents", "TOC Heading")
    contents.paragraph_format.space_before = Pt(30)
    _contents(writer, titles)


def _bottom_line(writer: Writer) -> None:
    """The case's bottom line as a shaded box of bullets with the accent rule, as on the PDF's
    cover; nothing when it is empty."""
    points = bottom_line_points(text_of(writer.data.case, "bottom_line"))
    if not points:
        return
    writer.paragraph(style="Packet Small").paragraph_format.space_after = Pt(6)  # apart from the marking box
    box = writer.document.add_table(rows=1, cols=1)
    box.autofit = False
    align_to_margin(box)
    cell = box.cell(0, 0)
    box.columns[0].width = cell.width = text_width(writer.document)
    shade(cell, KEY_SHADE)
    left_rule(cell, ACCENT, 20)
    pad(cell, left=240, right=240, top=60, bottom=40)
    label = writer.cell_paragraph(cell, "Packet Small")
    label.paragraph_format.space_before = Pt(4)
    label.paragraph_format.keep_with_next = True
    writer.run(label, "BOTTOM LINE", bold=True)
    for point in points:  # one line each: a point never holds a blank line to split at
        writer.paragraph(point, "List Bullet", where=cell).paragraph_format.keep_with_next = True
    cell.paragraphs[-1].paragraph_format.space_after = Pt(6)


def _contents(writer: Writer, titles: list[tuple[str, str]]) -> None:
    """A table-of-contents field (headings 1 and 2), filled in with the sections and their pages
    so that it reads right before any program updates it; Word rebuilds it when the document opens."""
    width = text_width(writer.document)
    entries: list[Paragraph] = []
    for index, (key, heading) in enumerate(titles):
        paragraph = writer.paragraph(style="Normal")
        paragraph.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        paragraph.paragraph_format.space_after = Pt(3)
        if index == 0:
            begin_field(paragraph, 'TOC \\o "1-2" \\h \\z \\u')
        writer.run(paragraph, heading)
        paragraph.add_run("\t")
        add_field(paragraph, f"PAGEREF section_{key} \\h", "")
        entries.append(paragraph)
    last = entries[-1] if entries else writer.paragraph(style="Normal")
    if not entries:
        begin_field(last, 'TOC \\o "1-2" \\h \\z \\u')
    end_field(last)
    last.add_run().add_break(WD_BREAK.PAGE)


def summary(writer: Writer) -> None:
    """The case summary and the key events at a glance."""
    text = text_of(writer.data.case, "summary")
    if text.strip():
        writer.long_text(text, "Normal")
    else:
        writer.paragraph("No summary has been written for this case.", "Packet Small")
    writer.paragraph("Key events at a glance", "Heading 2")
    events = [e for e in writer.data.key_events() if display_date(e.get("date"))]
    if not events:
        what = "No timeline entries are marked as key events"
        writer.paragraph(what + (" in the selected date range." if writer.data.window.active else "."), "Packet Small")
        return
    tables.key_events(writer, events)


def chronology(writer: Writer) -> None:
    """The chronology table (or a note when there is nothing to list)."""
    data = writer.data
    if not data.timeline:
        _none_note(writer, "key timeline entries" if data.key_only else "timeline entries")
        return
    writer.paragraph(
        "Shaded rows with a blue rule are key events, numbered as in the Summary. "
        "Numbers in brackets cite the Sources section.",
        "Packet Small",
    )
    tables.chronology(writer)


def actors(writer: Writer) -> None:
    """Actors grouped by kind."""
    if not writer.data.actors:
        writer.paragraph("No actors are recorded for this case.", "Packet Small")
        return
    tables.actors(writer)


def directives(writer: Writer) -> None:
    """Each directive: a heading, its facts, summary, key provisions and parties."""
    data = writer.data
    if not data.directive_list:
        _none_note(writer, "directives")
        return
    for directive in data.directive_list:
        ident = one_line(text_of(directive, "identifier"))
        title = one_line(text_of(directive, "title"))
        writer.paragraph(" — ".join(p for p in (ident, title) if p) or "Untitled directive", "Heading 2")
        status = text_of(directive, "status")
        pairs = [
            ("Kind", choice_label(text_of(directive, "kind"))),
            ("Status", choice_label(status) if status else "Not known"),
            ("Issuer", data.actor_name(directive.get("issuer"))),
            ("Issued", display_date(directive.get("issued"))),
            ("Effective", display_date(directive.get("effective"))),
            ("Source", text_of(directive, "source")),
        ]
        tables.facts(writer, pairs, directive.get("id"))
        cut = writer.full_texts.get("directives", directive.get("id"))
        writer.long_text(cut.excerpt if cut is not None else text_of(directive, "summary"), "Normal")
        if cut is not None:
            writer.full_text_reference(cut)
        provisions = [p for p in directive.get("provisions") or [] if isinstance(p, str) and p.strip()]
        if provisions:
            writer.run(writer.paragraph(style="Packet Small"), "Key provisions", bold=True)
            for provision in provisions:
                writer.long_text(provision, "List Bullet")
        parties = data.actor_names(directive.get("parties"))
        if parties:
            paragraph = writer.paragraph(style="Packet Small")
            writer.run(paragraph, "Parties: ", bold=True)
            writer.run(paragraph, "; ".join(parties))
        writer.report(1)


def _attribution(writer: Writer, statement: Record) -> str:
    return "— " + writer.data.attribution(statement)


def statements(writer: Writer) -> None:
    """Attributed quotations in date order, in Word's Quote style; paraphrases are labelled and
    never in quotation marks."""
    data = writer.data
    if not data.statement_list:
        _none_note(writer, "statements")
        return
    for statement in data.statement_list:
        cut = writer.full_texts.get("statements", statement.get("id"))
        text = cut.excerpt if cut is not None else text_of(statement, "text")
        if statement.get("verbatim") is True:
            body = writer.long_text(text, "Quote", first="“", last="”")
        else:
            body = writer.long_text(text, "Quote", label="Paraphrase: ")
            for paragraph in body:
                for run in paragraph.runs:
                    run.italic = False  # a paraphrase is not the speaker's words
        for paragraph in body:
            paragraph.paragraph_format.keep_with_next = True
        if cut is not None:
            reference = writer.full_text_reference(cut)
            reference.paragraph_format.left_indent = Inches(0.35)  # under the quotation it completes
            reference.paragraph_format.keep_with_next = True
        attribution = writer.paragraph(_attribution(writer, statement), "Packet Attribution")
        writer.cite(attribution, statement.get("source"), statement.get("locator"))
        writer.flag(attribution, "statements", statement.get("id"))
        notes = text_of(statement, "notes")
        if notes.strip():
            attribution.paragraph_format.space_after = Pt(2)
            attribution.paragraph_format.keep_with_next = True
            context = writer.long_text(notes, "Packet Context", label="Context: ")
            context[-1].paragraph_format.space_after = Pt(10)
        writer.report(1)


def sources(writer: Writer, numbered: list[tuple[int, Record]]) -> None:
    """Numbered sources with working links; each is the target of the [n] that cite it."""
    # No "Cited on pp." list as in the PDF: each citing [n] could carry a bookmark and each entry a
    # PAGEREF field per citation, but fields cannot drop repeats or join runs into ranges, so a
    # source cited three times on one page would read "pp. 4, 4, 4", and a long chronology would
    # carry thousands of fields Word computes again on every open. The [n] links lead here instead.
    if not numbered:
        writer.paragraph("No sources are recorded for this case.", "Packet Small")
        return
    writer.paragraph("Numbered in order of first citation in this packet; uncited sources follow.", "Packet Small")
    for number, source in numbered:
        paragraph = writer.paragraph(style="Normal")
        paragraph.paragraph_format.left_indent = Inches(0.4)
        paragraph.paragraph_format.first_line_indent = Inches(-0.4)
        paragraph.paragraph_format.space_after = Pt(4)
        writer.bookmark(paragraph, f"source_{number}")
        paragraph.add_run(f"[{number}]\t")
        author = one_line(text_of(source, "author"))
        title = one_line(text_of(source, "title"))
        publisher = one_line(text_of(source, "publisher"))
        published = display_date(source.get("published"))
        parts = [(p, kind) for p, kind in ((author, ""), (title, "title"), (publisher, "pub"), (published, "")) if p]
        for index, (part, kind) in enumerate(parts):
            end = "." if index == len(parts) - 1 else ","
            if kind == "title":
                writer.run(paragraph, f"“{part}{end}” ")
            else:
                writer.run(paragraph, part, italic=kind == "pub")
                writer.run(paragraph, f"{end} ")
        url = one_line(text_of(source, "url"))
        if url:
            writer.link(paragraph, url)
        accessed = display_date(source.get("accessed"))
        if accessed:
            writer.run(paragraph, f" Accessed {accessed}.")
        notes = text_of(source, "notes")
        if notes.strip():
            for note in writer.long_text(notes, "Packet Small"):
                note.paragraph_format.left_indent = Inches(0.4)
        writer.report(1)


def annex(writer: Writer) -> None:
    """The "Before it goes out" annex: the records printed with a gap, each with the page it prints on."""
    writer.paragraph(ANNEX_INTRO, "Packet Small")
    for title, found in writer.flags.grouped():
        writer.paragraph(f"{title} ({len(found):,})", "Heading 2")
        for flag in found[:MAX_LISTED]:
            paragraph = writer.paragraph(style="List Bullet")
            writer.run(paragraph, flag.label)
            paragraph.add_run(", p. ")
            # Word works the page out when it updates the document's fields.
            add_field(paragraph, f"PAGEREF flag_{flag.number} \\h", "?")
        if len(found) > MAX_LISTED:
            writer.paragraph(f"… and {len(found) - MAX_LISTED:,} more.", "Packet Small")
