"""The chronology table and the actors tables (long tables built from records)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import zip_longest
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable

from . import full_texts
from .citations import para_ending_with, reference
from .context import Ctx
from .document import OutlineEntry
from .model import ACTOR_GROUPS, Record, display_date, parse_date, text_of
from .strip_layout import key_event_numbers
from .styles import ACCENT, HEADING, KEY_SHADE
from .tables import PagedTable, Row, RowStore, column_width
from .text import chunks, one_line

CELL_LIMIT = 1100  # characters of user text per table cell before it continues in a new row


def _date_cell(value: object) -> str:
    """The natural date, with a time (if any) on its own line so the column stays narrow."""
    text = display_date(value)
    day, sep, time = text.partition(", ")
    if sep and "," in time:  # "June 12, 2026, 5:21 p.m. EDT" -> day line + time line
        year, _, clock = time.partition(", ")
        return f"{day}, {year}\n{clock}"
    return text


def _date_para(ctx: Ctx, value: object) -> str | Flowable:
    """The date cell: a plain string (cheapest to draw), or a paragraph when it needs other fonts.

    Text the date parser cannot read is printed as typed, in whatever script it was typed.
    """
    text = _date_cell(value)
    if text.isascii() and text.replace("\n", "").isprintable():
        return text  # the table makes it a wrapping paragraph if it is too wide for the column
    lines = [ctx.text.markup(line) for line in text.split("\n")]
    return ctx.para("<br/>".join(lines), ctx.styles.cell, text)


def _year(entry: Record) -> int | None:
    """The year an entry is filed under; None when it has no readable date."""
    date = parse_date(entry.get("date"))
    return date.year if date is not None else None


def year_breaks(timeline: list[Record]) -> dict[int, int | None]:
    """Where the chronology prints a year heading: the index of each entry whose year differs from
    the one before, with its year (None for undated); nothing when every entry shares one year."""
    years = [_year(entry) for entry in timeline]
    if len(set(years)) < 2:
        return {}
    return {index: year for index, year in enumerate(years) if not index or year != years[index - 1]}


def _year_rows(ctx: Ctx) -> dict[int, Row]:
    """The year headings by the index of the entry they head, when the chronology spans years."""
    style = ParagraphStyle("year", parent=ctx.styles.cell_bold, fontSize=10, leading=12, textColor=HEADING)
    rows: dict[int, Row] = {}
    for index, year in year_breaks(ctx.data.timeline).items():
        title = str(year) if year is not None else "Undated"
        mark = OutlineEntry(f"year-{year if year is not None else 'undated'}", title)
        rows[index] = Row([[mark, ctx.para(title, style)], "", ""], units=0, heading=True)
    return rows


def _key_style(row: int) -> list[tuple[Any, ...]]:
    return [
        ("BACKGROUND", (0, row), (-1, row), KEY_SHADE),
        ("LINEBEFORE", (0, row), (0, row), 2, ACCENT),
    ]


def _date_width(ctx: Ctx) -> float:
    """The date column's width: its widest date line, within 12% to 22% of the frame."""
    width = ctx.geometry.frame_width
    dates = {_date_cell(entry.get("date")) for entry in ctx.data.timeline}
    font, size = ctx.fonts.regular, ctx.styles.cell.fontSize
    return column_width(dates, font, size, low=width * 0.12, high=width * 0.22)


def chronology_table(ctx: Ctx) -> list[Flowable]:
    """Every timeline entry in date order; key events shaded with an accent rule."""
    styles = ctx.styles
    width = ctx.geometry.frame_width
    date_width = _date_width(ctx)
    actors_width = width * 0.24
    col_widths = [date_width, width - date_width - actors_width, actors_width]
    header = [ctx.para(label, styles.cell_head) for label in ("Date", "Event", "Actors involved")]
    store = RowStore(
        col_widths,
        header,
        _chronology_rows(ctx),
        units=len(ctx.data.timeline),
        emphasis_style=_key_style,
        string_font=(ctx.fonts.regular, styles.cell.fontSize, styles.cell.leading),
        frame_height=ctx.geometry.frame_height,
    )
    return [PagedTable(store)]


def _chronology_rows(ctx: Ctx) -> Iterator[Row]:
    """The chronology's rows, made one entry at a time as the layout reaches them."""
    styles, data = ctx.styles, ctx.data
    cell, title_style, desc_style = styles.cell, styles.cell_bold, styles.cell_desc
    bold_face = ctx.fonts.bold
    markup = ctx.text.markup
    directives, statements = data.directives, data.statements
    numbers = key_event_numbers(data.timeline)  # the marks of the key-events strip
    years = _year_rows(ctx)
    for position, entry in enumerate(data.timeline):
        if position in years:
            yield years[position]
        key = entry.get("key") is True
        marked = ctx.marked("timeline", entry.get("id"))
        title = one_line(text_of(entry, "title"))
        cut = ctx.full_texts.get("timeline", entry.get("id"))
        description = cut.excerpt if cut is not None else text_of(entry, "description")
        cite = reference(ctx, entry.get("source"), entry.get("locator"))
        extra = ""
        directive = directives.get(entry.get("directive") or "")
        if directive:
            ident = one_line(text_of(directive, "identifier") or text_of(directive, "title"))
            extra = f" (Directive: {markup(ident)})"
        statement = statements.get(entry.get("statement") or "")
        if statement and not directive:
            speaker = data.actor_name(statement.get("speaker"))
            extra = f" (Statement{' by ' + markup(one_line(speaker)) if speaker else ''})"
        tail = extra + (f" {cite}" if cite else "") + ctx.flags.tag("timeline", entry.get("id"))
        pieces = chunks(one_line(description), CELL_LIMIT) if description else []
        # Title and description are separate paragraphs: a paragraph in one font takes
        # reportlab's fast line-breaking path, which matters for a 10,000-row chronology.
        texts = [markup(p) for p in pieces]
        endings = [""] * len(texts)
        if texts:
            endings[-1] = tail
        elif tail:
            texts, endings = [tail.strip()], [""]
        actors = "; ".join(data.actor_names(entry.get("actors")))
        actor_pieces = chunks(one_line(actors), CELL_LIMIT) if actors else []
        number = numbers.get(id(entry))
        head = f'<font color="{ACCENT.hexval()}">{number}\u2002</font>' if number else ""
        first: list[Flowable] = [ctx.para(head + markup(title, bold_face), title_style, title)] if title else []
        for index in range(max(1, len(texts), len(actor_pieces))):
            event: list[Flowable] = first if index == 0 else []
            if index < len(texts):
                raw = pieces[index] if index < len(pieces) else ""
                event = [*event, para_ending_with(ctx, texts[index], endings[index], desc_style, raw)]
                if cut is not None and index == len(texts) - 1:
                    event.append(full_texts.reference(ctx, cut))
            actor = actor_pieces[index] if index < len(actor_pieces) else ""
            cells = [
                _date_para(ctx, entry.get("date")) if index == 0 else "",
                event or "",
                ctx.para(markup(actor), cell, actor) if actor else "",
            ]
            yield Row(cells, key, 1 if index == 0 else 0, marked)


def actor_tables(ctx: Ctx) -> list[Flowable]:
    """Actors grouped by kind (Government, Companies, ...), each with role, affiliation and note."""
    styles, data = ctx.styles, ctx.data
    out: list[Flowable] = []
    width = ctx.geometry.frame_width
    col_widths = [width * 0.24, width * 0.28, width * 0.48]
    header = [ctx.para(label, styles.cell_head) for label in ("Name", "Role · affiliation", "Description")]
    groups: dict[str, list[Record]] = {kind: [] for kind, _ in ACTOR_GROUPS}
    for actor in data.actors.values():
        kind = text_of(actor, "kind")
        groups[kind if kind in groups else "other"].append(actor)
    font = (ctx.fonts.regular, styles.cell.fontSize, styles.cell.leading)
    for kind, label in ACTOR_GROUPS:
        members = sorted(groups[kind], key=lambda a: (one_line(text_of(a, "name")).casefold(), text_of(a, "id")))
        if not members:
            continue
        out.append(ctx.para(f"{label} ({len(members)})", styles.h2))
        rows = _actor_rows(ctx, members)
        frame_height = ctx.geometry.frame_height
        store = RowStore(col_widths, header, rows, units=len(members), string_font=font, frame_height=frame_height)
        out.append(PagedTable(store))
    return out


def _actor_rows(ctx: Ctx, members: list[Record]) -> Iterator[Row]:
    """One group's rows, made as the layout reaches them."""
    styles, data = ctx.styles, ctx.data
    bold = ctx.fonts.bold
    for actor in members:
        marked = ctx.marked("actors", actor.get("id"))
        name = one_line(text_of(actor, "name"))
        role = one_line(text_of(actor, "role"))
        affiliation = data.actor_name(actor.get("affiliation"))
        role_text = ", ".join(p for p in (role, one_line(affiliation)) if p)
        description = one_line(text_of(actor, "description"))
        name_pieces = chunks(name, CELL_LIMIT) or [""]
        role_pieces = chunks(role_text, CELL_LIMIT) or [""]
        desc_pieces = chunks(description, CELL_LIMIT) or [""]
        for index, (n, r, d) in enumerate(zip_longest(name_pieces, role_pieces, desc_pieces, fillvalue="")):
            cells = [
                ctx.para(f"<b>{ctx.text.markup(n, bold)}</b>", styles.cell, n) if n else "",
                ctx.para(ctx.text.markup(r), styles.cell, r) if r else "",
                ctx.para(ctx.text.markup(d), styles.cell, d) if d else "",
            ]
            yield Row(cells, units=1 if index == 0 else 0, marked=marked)
