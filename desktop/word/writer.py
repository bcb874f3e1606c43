"""Putting the case's text into the document: paragraphs in the reading direction of their text,
citations that link to their source, the bracketed notes on records with gaps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.section import CT_SectPr
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from desktop.briefing.checks import RULES, Flag, Flags
from desktop.briefing.excerpts import LETTER, FullText, FullTexts
from desktop.briefing.model import CaseData
from desktop.briefing.options import BriefingOptions
from desktop.briefing.plain import paragraphs

from .document import text_width
from .ooxml import (
    add_bookmark,
    add_field,
    add_hyperlink,
    has_rtl,
    mark_rtl_paragraph,
    mark_rtl_run,
    starts_rtl,
    xml_text,
)

Container = DocxDocument | _Cell


@dataclass
class Writer:
    """The document being written, the case it is written from, and what links where."""

    document: DocxDocument
    data: CaseData
    options: BriefingOptions
    flags: Flags
    report: Callable[[int], None] = lambda units: None  # one unit per section and per record
    full_texts: FullTexts = field(default_factory=FullTexts)  # the texts printed cut, as in the PDF
    _bookmarks: int = 0
    _flags_by_record: dict[tuple[str, str], list[Flag]] = field(default_factory=dict)
    _style_ids: dict[str, str | None] = field(default_factory=dict)
    _end: CT_SectPr | None = field(init=False, repr=False)  # the body's last element; text goes before it
    text_width: int = field(init=False)  # between the margins (EMU), one page size for the packet

    def __post_init__(self) -> None:
        for flag in self.flags.items:
            self._flags_by_record.setdefault((RULES[flag.rule][0], flag.record_id), []).append(flag)
        self._end = self.document.element.body.sectPr
        self.text_width = text_width(self.document)

    # Each lookup below is one python-docx makes per paragraph otherwise: naming a style walks
    # every style in the template, and adding to the body searches all of it for its closing
    # section properties, so a 10,000-row packet spent most of its time, growing faster than
    # the row count, finding the same answers again.
    def style_id(self, name: str) -> str | None:
        """The id python-docx stores for paragraph style ``name`` (None for the default style)."""
        if name not in self._style_ids:
            self._style_ids[name] = self.document.part.get_style_id(name, WD_STYLE_TYPE.PARAGRAPH)  # type: ignore[no-untyped-call]
        return self._style_ids[name]

    def _new_paragraph(self, container: Container, style: str) -> Paragraph:
        """An empty paragraph at the end of ``container``, in ``style``."""
        if container is self.document and self._end is not None:
            element = OxmlElement("w:p")
            self._end.addprevious(element)
            paragraph = Paragraph(element, self.document._body)
        else:
            paragraph = container.add_paragraph()
        paragraph._p.style = self.style_id(style)
        return paragraph

    # ----- paragraphs and runs ---------------------------------------------------------------
    def paragraph(self, text: str = "", style: str = "Normal", where: Container | None = None) -> Paragraph:
        """A paragraph of user text (never markup) in ``style``; right to left when its text is."""
        paragraph = self._new_paragraph(where if where is not None else self.document, style)
        if text:
            self.run(paragraph, text)
        return paragraph

    def cell_paragraph(self, cell: _Cell, style: str = "Packet Cell") -> Paragraph:
        """The cell's next paragraph: its first, empty one, then new ones."""
        first: Paragraph = cell.paragraphs[0]
        if len(cell.paragraphs) == 1 and not first.runs and not first._p.findall(".//{*}hyperlink"):
            first._p.style = self.style_id(style)
            return first
        return self._new_paragraph(cell, style)

    def run(self, paragraph: Paragraph, text: str, *, bold: bool = False, italic: bool = False) -> Run | None:
        """Text added to a paragraph as written; a right-to-left first letter turns the paragraph."""
        clean = xml_text(text)
        if not clean:
            return None
        run = paragraph.add_run(clean)
        if bold:
            run.bold = True
        if italic:
            run.italic = True
        if has_rtl(clean):
            mark_rtl_run(run)
            if starts_rtl(paragraph.text):
                mark_rtl_paragraph(paragraph)
        return run

    def long_text(self, text: str, style: str, *, first: str = "", last: str = "", label: str = "") -> list[Paragraph]:
        """Text in its own paragraphs (split where the user left a blank line, never elsewhere)."""
        parts = paragraphs(text)
        out: list[Paragraph] = []
        for index, part in enumerate(parts):
            paragraph = self.paragraph(style=style)
            if index == 0 and label:
                self.run(paragraph, label, bold=True)
            self.run(paragraph, (first if index == 0 else "") + part + (last if index == len(parts) - 1 else ""))
            out.append(paragraph)
        return out

    # ----- links -----------------------------------------------------------------------------
    def bookmark(self, paragraph: Paragraph, name: str) -> None:
        """A place other parts of the document link to."""
        self._bookmarks += 1
        add_bookmark(paragraph, name, self._bookmarks)

    def cite(self, paragraph: Paragraph, source_id: object, locator: object = None, *, space: bool = True) -> None:
        """A citation such as [3] (or [3, p. 4]) linking to source 3 in the Sources section; nothing when uncited."""
        text = self.data.cite(source_id, locator)
        if not text:
            return
        if space:
            paragraph.add_run(" ")
        number = self.data.source_numbers.get(source_id) if isinstance(source_id, str) else None
        if number and "sources" in self.options.sections:
            add_hyperlink(paragraph, xml_text(text), anchor=f"source_{number}")
        else:
            self.run(paragraph, text)

    def full_text_reference(self, item: FullText, where: Container | None = None) -> Paragraph:
        """Under an excerpt: "Full text: Annex A, p. N", linked to the annex entry; N is a page field.

        The excerpt's own bookmark is where the annex entry links back to.
        """
        paragraph = self.paragraph(style="Packet Reference", where=where)
        self.bookmark(paragraph, f"excerpt_{item.number}")
        words = add_hyperlink(paragraph, f"Full text: Annex {LETTER}", anchor=f"fulltext_{item.number}")
        if words is not None:
            words.italic = True
        paragraph.add_run(", p. ").italic = True
        add_field(paragraph, f"PAGEREF fulltext_{item.number} \\h", "?").italic = True
        return paragraph

    def link(self, paragraph: Paragraph, url: str) -> None:
        """A web address as a working link (plain text when it is not a web or mail address)."""
        add_hyperlink(paragraph, xml_text(url), url=url)

    # ----- gaps ------------------------------------------------------------------------------
    def flag(self, paragraph: Paragraph, kind: str, record_id: object, *rules: str) -> None:
        """A note such as [no source] after a record with a gap, italic, and a bookmark the annex points at."""
        found = [f for f in self._flags_by_record.get((kind, str(record_id)), []) if not rules or f.rule in rules]
        if not found:
            return
        words = "; ".join(dict.fromkeys(RULES[f.rule][1] for f in found))
        self.run(paragraph, f" [{words}]", italic=True)
        for flag in found:
            self.bookmark(paragraph, f"flag_{flag.number}")
