"""Flowables for the cover and each packet section (summary, directives, statements, sources)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import partial
from typing import Any

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from db.dates import PartialDate
from db.fields import choice_label

from . import changes_section, full_texts
from .changebars import barred
from .chronology import actor_tables, chronology_table
from .citations import Anchor, Lazy, reference
from .context import Ctx
from .document import ContentsBox, OutlineEntry, SectionMark
from .figures import KeyEventStrip, strip_note
from .lazy import deferred
from .model import Record, display_date, text_of
from .strip_layout import key_event_numbers
from .styles import ACCENT, HAIRLINE, KEY_SHADE, MARKING
from .text import escape, one_line

SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:")
LAST_KEPT = 3  # sources kept together at the end of the section


def _none_note(ctx: Ctx, what: str) -> Flowable:
    scope = " in the selected date range" if ctx.data.window.active else ""
    return ctx.para(f"No {what} are recorded for this case{scope}.", ctx.styles.note)


def cover(ctx: Ctx, marks: list[SectionMark], today: dt.date | None) -> list[Flowable]:
    """Title block, dates, marking box, the bottom line, scope notes and the contents list.

    No record counts: a principal reads the cover for what matters, and counts of the whole file
    would contradict a packet filtered by date.
    """
    styles, case, data = ctx.styles, ctx.data.case, ctx.data
    title = one_line(text_of(case, "title")) or "Untitled case"
    flow: list[Flowable] = [Spacer(1, 0.55 * inch), ctx.para("BRIEFING PACKET", styles.cover_label)]
    flow.append(ctx.para(ctx.m(title, ctx.fonts.bold), styles.cover_title, title))
    subtitle = text_of(case, "subtitle")
    if subtitle.strip():
        flow.append(ctx.user(subtitle, styles.cover_subtitle))
    as_of = display_date(case.get("as_of"))
    if as_of:
        flow.append(ctx.para(f"As of {ctx.m(as_of)}", styles.cover_meta, as_of))
    elif today is not None:
        flow.append(ctx.para(f"Printed {PartialDate.from_date(today).display()}", styles.cover_meta))
    prepared = one_line(text_of(case, "prepared_by"))
    if prepared:
        flow.append(ctx.para(f"Prepared by {ctx.m(prepared)}", styles.cover_meta, prepared))
    flow += changes_section.cover_line(ctx)
    scope: list[str] = []
    if data.window.active:
        scope.append(f"Covers {data.window.describe()}; undated records are included.")
    if data.key_only:
        scope.append("The chronology lists key events only.")
    if scope:
        flow.append(Spacer(1, 6))
        flow.append(ctx.para(" ".join(scope), styles.note))
    marking = ctx_marking(ctx)
    if len(marking) > 240:
        marking = marking[:239].rstrip() + "…"  # a marking is a label; the banners show it whole
    if marking:
        box = Table([[ctx.para(ctx.m(marking, ctx.fonts.bold), styles.marking, marking)]], colWidths=[3.6 * inch])
        box.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 1, MARKING), ("FONT", (0, 0), (-1, -1), ctx.fonts.regular, 9),
            ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]))  # fmt: skip
        # Centred on the page, not the text frame: the frame's margins are equal, so its centre is.
        box.hAlign = "CENTER"
        flow += [Spacer(1, 16), box]
    flow += _bottom_line(ctx)
    flow.append(Spacer(1, 0.35 * inch))
    flow.append(ContentsBox(marks, ctx.fonts.regular, ctx.fonts.bold))
    return flow


def bottom_line_points(text: str | None) -> list[str]:
    """The bottom line's points: one per non-blank line, any bullet the writer typed removed."""
    points = []
    for line in (text or "").splitlines():
        point = line.strip().lstrip("•·*-–—").strip()
        if point:
            points.append(point)
    return points


def _bottom_line(ctx: Ctx) -> list[Flowable]:
    """The case's bottom line as a shaded, bulleted box across the frame; nothing when empty."""
    points = bottom_line_points(text_of(ctx.data.case, "bottom_line"))
    if not points:
        return []
    styles = ctx.styles
    cells: list[Flowable] = [ctx.para("BOTTOM LINE", styles.cover_label)]
    for point in points:
        for index, piece in enumerate(ctx.long_text(point, styles.bottom_line)):
            if index == 0:
                piece.bulletText = "•"
            cells.append(piece)
    box = Table([[cells]], colWidths=[ctx.geometry.frame_width])
    box.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), ctx.fonts.regular, 9),  # else the table declares an unembedded Helvetica
        ("BACKGROUND", (0, 0), (-1, -1), KEY_SHADE), ("LINEBEFORE", (0, 0), (0, -1), 2.5, ACCENT),
        ("LEFTPADDING", (0, 0), (-1, -1), 12), ("RIGHTPADDING", (0, 0), (-1, -1), 12),
        ("TOPPADDING", (0, 0), (-1, -1), 8), ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
    ]))  # fmt: skip
    return [Spacer(1, 18), KeepTogether([box])]


def ctx_marking(ctx: Ctx) -> str:
    """The handling marking in force: the override when set, else the case's own."""
    override = ctx.options.marking_override
    if override is not None:
        return one_line(override)
    return one_line(text_of(ctx.data.case, "marking"))


def summary(ctx: Ctx) -> list[Flowable]:
    """The case summary and the key-events strip."""
    styles, data = ctx.styles, ctx.data
    text = text_of(data.case, "summary")
    flow: list[Flowable] = []
    if text.strip():
        flow += ctx.long_text(text, styles.body)
    else:
        flow.append(ctx.para("No summary has been written for this case.", styles.note))
    flow.append(ctx.para("Key events at a glance", styles.h2))
    events = data.key_events()
    dated = [e for e in events if display_date(e.get("date")) and e.get("date")]
    strip = KeyEventStrip(ctx, dated)
    if not strip.events:
        what = "No timeline entries are marked as key events" if not events else "No key event has a date"
        flow.append(ctx.para(what + (" in the selected date range." if data.window.active else "."), styles.note))
        return flow
    flow.append(strip)
    strip.wrap(ctx.geometry.frame_width, ctx.geometry.frame_height)  # lays out labels for the note
    note = strip_note(strip, len(events) - len(strip.events), "chronology" in ctx.options.sections)
    if note:
        flow.append(Spacer(1, 3))
        flow.append(ctx.para(escape(note), styles.small))
    return flow


def chronology(ctx: Ctx) -> list[Flowable]:
    """The chronology table (or a note when there is nothing to list)."""
    if not ctx.data.timeline:
        return [_none_note(ctx, "key timeline entries" if ctx.data.key_only else "timeline entries")]
    legend = "Shaded rows with a blue rule are key events. Numbers in brackets cite the Sources section."
    if "summary" in ctx.options.sections and key_event_numbers(ctx.data.timeline):
        legend = legend.replace("key events.", "key events, numbered as on the strip in the Summary.")
    return [ctx.para(legend, ctx.styles.small), Spacer(1, 2), *chronology_table(ctx)]


def actors(ctx: Ctx) -> list[Flowable]:
    """Actors grouped by kind."""
    if not ctx.data.actors:
        return [ctx.para("No actors are recorded for this case.", ctx.styles.note)]
    return actor_tables(ctx)


def _facts_table(
    ctx: Ctx, pairs: list[tuple[str, str]], tags: dict[str, str] | None = None, marked_up: dict[str, str] | None = None
) -> Table:
    """Label/value pairs two to a row, labels in bold; ``tags`` marks a value's gap by its label,
    ``marked_up`` gives a value's ready markup (a linked reference) by its label."""
    styles = ctx.styles
    cells: list[Any] = []
    for label, value in pairs:
        cells.append(ctx.para(f"<b>{label}</b>", styles.cell))
        # A gap's mark stands in for the dash that would say "not known".
        shown = ((marked_up or {}).get(label) or (ctx.m(value) if value else "")) + (tags or {}).get(label, "")
        shown = shown.strip()
        cells.append(ctx.para(shown or "—", styles.cell, value))
    rows = [cells[i : i + 4] for i in range(0, len(cells), 4)]
    if len(rows[-1]) < 4:
        rows[-1] += [""] * (4 - len(rows[-1]))
    width = ctx.geometry.frame_width
    # splitInRow: a value as long as a page (a pasted essay as an issuer's name) still fits.
    table = Table(rows, colWidths=[width * 0.11, width * 0.39, width * 0.11, width * 0.39], splitInRow=1)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), ctx.fonts.regular, 8.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LINEABOVE", (0, 0), (-1, 0), 0.5, HAIRLINE), ("LINEBELOW", (0, -1), (-1, -1), 0.5, HAIRLINE),
    ]))  # fmt: skip
    return table


def directives(ctx: Ctx) -> list[Flowable]:
    """Each directive: identifier and title, facts, summary, key provisions and parties."""
    data = ctx.data
    if not data.directive_list:
        return [_none_note(ctx, "directives")]
    return deferred(_directive_blocks(ctx), len(data.directive_list))


def _directive_blocks(ctx: Ctx) -> Iterator[list[Flowable]]:
    styles, data = ctx.styles, ctx.data
    bold = ctx.fonts.bold
    for number, directive in enumerate(data.directive_list, start=1):
        ident = one_line(text_of(directive, "identifier"))
        title = one_line(text_of(directive, "title"))
        heading = " — ".join(ctx.m(p, bold) for p in (ident, title) if p) or "Untitled directive"
        kind = text_of(directive, "kind")
        status = text_of(directive, "status")
        facts = [
            ("Kind", choice_label(kind)),
            ("Status", choice_label(status) if status else "Not known"),
            ("Issuer", data.actor_name(directive.get("issuer"))),
            ("Issued", display_date(directive.get("issued"))),
            ("Effective", display_date(directive.get("effective"))),
            ("Source", data.cite(directive.get("source"))),
        ]
        refs = {"Source": reference(ctx, directive.get("source"))}
        block: list[Flowable] = [
            OutlineEntry(f"directive-{number}", " — ".join(p for p in (ident, title) if p) or "Untitled directive"),
            ctx.para(heading, styles.h3, ident, title),
            _facts_table(ctx, facts, _directive_tags(ctx, directive.get("id")), refs),
            Spacer(1, 4),
        ]
        summary_text = text_of(directive, "summary")
        cut = ctx.full_texts.get("directives", directive.get("id"))
        if cut is not None:
            block += [*ctx.long_text(cut.excerpt, styles.body), full_texts.reference(ctx, cut)]
        elif summary_text.strip():
            block += ctx.long_text(summary_text, styles.body)
        flow: list[Flowable] = [KeepTogether(block[:5]), *block[5:]]
        provisions = [p for p in directive.get("provisions") or [] if isinstance(p, str) and p.strip()]
        if provisions:
            flow.append(ctx.para("<b>Key provisions</b>", styles.small))
            for provision in provisions:
                for index, piece in enumerate(ctx.long_text(provision, styles.bullet)):
                    if index == 0:
                        piece.bulletText = "•"
                    flow.append(piece)
        parties = data.actor_names(directive.get("parties"))
        if parties:
            names = "; ".join(parties)
            flow.append(ctx.para(f"<b>Parties:</b> {ctx.m(names)}", styles.small, names))
        yield [*barred(flow, ctx.marked("directives", directive.get("id"))), Spacer(1, 6)]


def _directive_tags(ctx: Ctx, directive_id: object) -> dict[str, str]:
    """The gap marks of a directive's facts, each beside the fact that is missing."""
    tags = {
        "Issued": ctx.flags.tag("directives", directive_id, "directive-issued"),
        "Source": ctx.flags.tag("directives", directive_id, "directive-source"),
    }
    return {label: tag for label, tag in tags.items() if tag}


def _attribution(ctx: Ctx, statement: Record) -> tuple[str, str]:
    raw = ctx.data.attribution(statement)
    cite = reference(ctx, statement.get("source"), statement.get("locator"))
    tag = ctx.flags.tag("statements", statement.get("id"))
    return "— " + ctx.m(raw) + (f" {cite}" if cite else "") + tag, raw


def statements(ctx: Ctx) -> list[Flowable]:
    """Attributed quotations in date order; paraphrases are labelled and never in quotation marks."""
    data = ctx.data
    if not data.statement_list:
        return [_none_note(ctx, "statements")]
    return deferred(_statement_blocks(ctx), len(data.statement_list))


def _statement_blocks(ctx: Ctx) -> Iterator[list[Flowable]]:
    styles, data = ctx.styles, ctx.data
    label = f'<font name="{ctx.fonts.bold}" color="#555555">Paraphrase:</font> '
    for statement in data.statement_list:
        text = text_of(statement, "text")
        cut = ctx.full_texts.get("statements", statement.get("id"))
        shown = cut.excerpt if cut is not None else text
        body: list[Flowable]
        if statement.get("verbatim") is True:
            body = [*ctx.long_text(shown, styles.quote, first="“", last="”")]
        else:
            body = [*ctx.long_text(shown, styles.paraphrase, first=label)]
        if cut is not None:
            text = shown
            body.append(full_texts.reference(ctx, cut, indent=styles.quote.leftIndent))
        attribution, raw = _attribution(ctx, statement)
        notes = text_of(statement, "notes")
        style = styles.attribution_tight if notes.strip() else styles.attribution
        block: list[Flowable] = [*body, ctx.para(attribution, style, raw)]
        if notes.strip():
            block += ctx.long_text(notes, styles.context, first="<b>Context:</b> ")
        flow = [KeepTogether(block)] if len(text) + len(notes) < 1200 else block
        yield barred(flow, ctx.marked("statements", statement.get("id")))


def _link(ctx: Ctx, url: str) -> str:
    text = ctx.m(url)
    if url.lower().startswith(SAFE_LINK_SCHEMES) and url.isprintable() and len(url) < 2000:
        href = escape(url).replace('"', "&quot;")
        return f'<a href="{href}" color="#2F5F8F">{text}</a>'
    return text


def sources(ctx: Ctx, numbered: list[tuple[int, Record]]) -> list[Flowable]:
    """Numbered sources: author, title, publisher, date, URL, accessed date and notes."""
    styles = ctx.styles
    if not numbered:
        return [ctx.para("No sources are recorded for this case.", styles.note)]
    note = ctx.para("Numbered in order of first citation in this packet; uncited sources follow.", styles.small)
    return [note, *deferred(_source_blocks(ctx, numbered), len(numbered))]


def _source_blocks(ctx: Ctx, numbered: list[tuple[int, Record]]) -> Iterator[list[Flowable]]:
    """The sources' entries; the last few kept together, so the packet never ends on a page
    holding a line or two (sources are its last section unless the annex follows)."""
    blocks = _each_source(ctx, numbered)
    head = max(0, len(numbered) - LAST_KEPT)
    for _ in range(head):
        yield next(blocks)
    tail = [flowable for block in blocks for flowable in block]
    yield [KeepTogether(tail)] if len(tail) > 1 else tail


def _each_source(ctx: Ctx, numbered: list[tuple[int, Record]]) -> Iterator[list[Flowable]]:
    styles = ctx.styles
    for number, source in numbered:
        author = one_line(text_of(source, "author"))
        title = one_line(text_of(source, "title"))
        publisher = one_line(text_of(source, "publisher"))
        published = display_date(source.get("published"))
        url = one_line(text_of(source, "url"))
        accessed = display_date(source.get("accessed"))
        parts: list[str] = []
        if author:
            parts.append(ctx.m(author))
        title_at = len(parts)
        if title:
            parts.append(ctx.m(title))
        if publisher:
            parts.append(f"<i>{ctx.m(publisher, ctx.fonts.italic)}</i>")
        if published:
            parts.append(ctx.m(published))
        # Citation style: the comma or full stop after a title goes inside its quotation marks.
        line = ""
        for index, part in enumerate(parts):
            end = "." if index == len(parts) - 1 else ","
            if title and index == title_at:
                line += f"“{part}{end}” "
            else:
                line += f"{part}{end} "
        line = line.rstrip()
        if url:
            line += f" {_link(ctx, url)}"
        if accessed:
            line += f" Accessed {ctx.m(accessed)}."
        raw = " ".join((author, title, publisher, url))
        # Made when laid out: by then the pages citing the source have printed.
        entry = Lazy(partial(_source_entry, ctx, number, line, raw))
        notes = text_of(source, "notes")
        block = [Anchor(number), entry, *(ctx.long_text(notes, styles.source_note) if notes.strip() else [])]
        yield barred(block, ctx.marked("sources", source.get("id")))


def _source_entry(ctx: Ctx, number: int, line: str, raw: str) -> Flowable:
    """A source's numbered entry, ending with the pages that cite it."""
    cited = ctx.citations.cited_on(number)
    if cited:
        line += f' <font color="#555555">{cited}</font>'
    entry = ctx.para(line, ctx.styles.source, raw)
    entry.bulletText = f"[{number}]"
    return entry
