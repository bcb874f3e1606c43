"""The packet's tables as real Word tables: chronology, actors, key events and a directive's facts.

Each has a header row that repeats on every page it runs onto, so a reader who opens the
chronology on page nine still knows which column is which.
"""

from __future__ import annotations

import copy

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.shared import Emu, Inches, Pt, RGBColor
from docx.table import Table, _Cell

from desktop.briefing.chronology import year_breaks
from desktop.briefing.model import ACTOR_GROUPS, Record, display_date, text_of
from desktop.briefing.plain import one_line
from desktop.briefing.strip_layout import key_event_numbers

from .document import ACCENT, HEADER_SHADE, HEADING, KEY_SHADE
from .ooxml import left_rule, repeat_as_header, shade
from .writer import Writer


class _Rows:
    """A table's body rows, each a copy of one prepared empty row.

    python-docx's add_row, row.cells and cell.width each walk the whole table, so building a long
    chronology through them took time growing with the square of its rows; a copy costs the same
    for the ten-thousandth row as for the first.
    """

    def __init__(self, writer: Writer, table: Table, widths: tuple[float, ...]) -> None:
        self.table = table
        row = table.add_row()  # type: ignore[no-untyped-call]
        # A row moves to the next page whole rather than leave its title at the foot of one page
        # and its text on the next; Word still splits a row taller than a page.
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, share in zip(row.cells, widths, strict=True):
            cell.width = Emu(int(writer.text_width * share))
        self._blank = copy.deepcopy(row._tr)
        table._tbl.remove(row._tr)

    def add(self) -> list[_Cell]:
        """A new empty row at the foot of the table: its cells, left to right."""
        tr = copy.deepcopy(self._blank)
        self.table._tbl.append(tr)
        return [_Cell(tc, self.table) for tc in tr.tc_lst]


def _table(writer: Writer, headings: tuple[str, ...], widths: tuple[float, ...]) -> _Rows:
    """A ruled table with a shaded header row that repeats on each page; ``widths`` are shares."""
    width = writer.text_width
    table: Table = writer.document.add_table(rows=1, cols=len(headings))
    table.style = writer.document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    head = table.rows[0]
    repeat_as_header(head)
    for column, (cell, label, share) in enumerate(zip(head.cells, headings, widths, strict=True)):
        table.columns[column].width = cell.width = Emu(int(width * share))
        shade(cell, HEADER_SHADE)
        writer.run(writer.cell_paragraph(cell), label, bold=True)
    return _Rows(writer, table, widths)


def _date_text(value: object) -> str:
    """The natural date, with a time (if any) on its own line so the column stays narrow."""
    text = display_date(value)
    day, sep, rest = text.partition(", ")
    if sep and "," in rest:
        year, _, clock = rest.partition(", ")
        return f"{day}, {year}\n{clock}"
    return text


CHRONOLOGY_WIDTHS = (0.19, 0.57, 0.24)


def chronology(writer: Writer) -> None:
    """Every timeline entry in date order; key events shaded with an accent rule, numbered as in
    the Summary's key events."""
    data = writer.data
    rows = _table(writer, ("Date", "Event", "Actors involved"), CHRONOLOGY_WIDTHS)
    numbers = key_event_numbers(data.timeline)
    years = year_breaks(data.timeline)  # the PDF's year headings, at the same entries
    for position, entry in enumerate(data.timeline):
        if position in years:
            _year_row(writer, rows, years[position])
        date_cell, event_cell, actors_cell = rows.add()
        writer.run(writer.cell_paragraph(date_cell), _date_text(entry.get("date")))
        title = one_line(text_of(entry, "title"))
        head = writer.cell_paragraph(event_cell)
        number = numbers.get(id(entry))
        if number:
            marker = head.add_run(f"{number}\u2002")
            marker.bold = True
            marker.font.color.rgb = RGBColor.from_string(ACCENT)
        writer.run(head, title, bold=True)
        cut = writer.full_texts.get("timeline", entry.get("id"))
        description = one_line(cut.excerpt if cut is not None else text_of(entry, "description"))
        tail = writer.cell_paragraph(event_cell) if description else head
        writer.run(tail, (" " if tail is head and title else "") + description)
        directive = data.directives.get(entry.get("directive") or "")
        statement = data.statements.get(entry.get("statement") or "")
        if directive:
            ident = one_line(text_of(directive, "identifier") or text_of(directive, "title"))
            writer.run(tail, f" (Directive: {ident})")
        elif statement:
            speaker = one_line(data.actor_name(statement.get("speaker")))
            writer.run(tail, f" (Statement{' by ' + speaker if speaker else ''})")
        writer.cite(tail, entry.get("source"), entry.get("locator"))
        writer.flag(tail, "timeline", entry.get("id"))
        if cut is not None:
            writer.full_text_reference(cut, event_cell)
        actors = "; ".join(data.actor_names(entry.get("actors")))
        writer.run(writer.cell_paragraph(actors_cell), one_line(actors))
        if entry.get("key") is True:
            for cell in (date_cell, event_cell, actors_cell):
                shade(cell, KEY_SHADE)
            left_rule(date_cell, ACCENT)
        writer.report(1)


def _year_row(writer: Writer, rows: _Rows, year: int | None) -> None:
    """A row across the table naming the year the entries below it fall in ("Undated" for the
    entries with no readable date), kept on the page with the first of them."""
    cells = rows.add()
    merged = cells[0].merge(cells[-1])
    paragraph = writer.cell_paragraph(merged)
    paragraph.paragraph_format.space_before = Pt(4)
    paragraph.paragraph_format.keep_with_next = True
    title = str(year) if year is not None else "Undated"
    run = writer.run(paragraph, title, bold=True)
    if run is not None:
        run.font.size = Pt(10)
        run.font.color.rgb = HEADING
    writer.bookmark(paragraph, f"year_{year if year is not None else 'undated'}")


KEY_WIDTHS = (0.06, 0.22, 0.72)


def key_events(writer: Writer, events: list[Record]) -> None:
    """The key events at a glance: number, date and title, in date order."""
    numbers = key_event_numbers(writer.data.timeline)
    rows = _table(writer, ("No.", "Date", "Event"), KEY_WIDTHS)
    for index, entry in enumerate(events, start=1):
        cells = rows.add()
        writer.run(writer.cell_paragraph(cells[0]), str(numbers.get(id(entry), index)), bold=True)
        writer.run(writer.cell_paragraph(cells[1]), display_date(entry.get("date")))
        writer.run(writer.cell_paragraph(cells[2]), one_line(text_of(entry, "title")))


ACTOR_WIDTHS = (0.24, 0.28, 0.48)


def actors(writer: Writer) -> None:
    """Actors grouped by kind (Government, Companies, ...), each group a table."""
    data = writer.data
    groups: dict[str, list[Record]] = {kind: [] for kind, _ in ACTOR_GROUPS}
    for actor in data.actors.values():
        kind = text_of(actor, "kind")
        groups[kind if kind in groups else "other"].append(actor)
    for kind, label in ACTOR_GROUPS:
        members = sorted(groups[kind], key=lambda a: (one_line(text_of(a, "name")).casefold(), text_of(a, "id")))
        if not members:
            continue
        writer.paragraph(f"{label} ({len(members)})", "Heading 2")
        rows = _table(writer, ("Name", "Role · affiliation", "Description"), ACTOR_WIDTHS)
        for actor in members:
            name_cell, role_cell, desc_cell = rows.add()
            writer.run(writer.cell_paragraph(name_cell), one_line(text_of(actor, "name")), bold=True)
            role = one_line(text_of(actor, "role"))
            affiliation = one_line(data.actor_name(actor.get("affiliation")))
            writer.run(writer.cell_paragraph(role_cell), ", ".join(p for p in (role, affiliation) if p))
            writer.run(writer.cell_paragraph(desc_cell), one_line(text_of(actor, "description")))
            writer.report(1)


def facts(writer: Writer, pairs: list[tuple[str, str]], directive_id: object) -> None:
    """A directive's facts two to a row, labels in bold; a missing issued date or source is noted."""
    rules = {"Issued": "directive-issued", "Source": "directive-source"}
    table = writer.document.add_table(rows=(len(pairs) + 1) // 2, cols=4)
    table.autofit = False
    width = writer.text_width
    for index, (label, value) in enumerate(pairs):
        row = table.rows[index // 2]
        label_cell, value_cell = row.cells[(index % 2) * 2], row.cells[(index % 2) * 2 + 1]
        label_cell.width, value_cell.width = Emu(int(width * 0.12)), Emu(int(width * 0.38))
        writer.run(writer.cell_paragraph(label_cell), label, bold=True)
        paragraph = writer.cell_paragraph(value_cell)
        if label == "Source":
            writer.cite(paragraph, value, space=False)
        else:
            writer.run(paragraph, value)
        if label in rules:
            writer.flag(paragraph, "directives", directive_id, rules[label])
        if not paragraph.text.strip():
            writer.run(paragraph, "—")
    for column, share in enumerate((0.12, 0.38, 0.12, 0.38)):
        table.columns[column].width = Emu(int(width * share))
    table.rows[0].cells[0].paragraphs[0].paragraph_format.keep_with_next = True
    writer.paragraph("", "Packet Small").paragraph_format.space_after = Inches(0)
