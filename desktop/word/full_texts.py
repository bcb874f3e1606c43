"""Annex A in Word: each text the packet prints cut, given whole, with a link back to its excerpt.

The texts and their cuts are the PDF's (``desktop.briefing.excerpts``), so both outputs cut the
same texts at the same words; the pages are Word's own, as PAGEREF fields.
"""

from __future__ import annotations

from desktop.briefing.excerpts import TITLE, FullText

from .ooxml import add_field, add_hyperlink
from .writer import Writer

__all__ = ["TITLE", "section", "wanted"]


def wanted(writer: Writer) -> bool:
    """Whether the packet carries the annex: some text prints cut."""
    return bool(writer.full_texts.items)


def section(writer: Writer) -> None:
    """The annex: what each text is, where it was cut, and the text in full."""
    words = writer.full_texts.words
    writer.paragraph(
        f"Texts longer than {words:,} words print cut where they belong; this annex gives them in full.",
        "Packet Small",
    )
    for item in writer.full_texts.items:
        heading = writer.paragraph(item.label, "Heading 2")
        writer.bookmark(heading, f"fulltext_{item.number}")
        back = writer.paragraph(style="Packet Reference")
        back.paragraph_format.keep_with_next = True
        link = add_hyperlink(back, f"Excerpted in {item.where}", anchor=f"excerpt_{item.number}")
        if link is not None:
            link.italic = True
        back.add_run(", p. ").italic = True
        add_field(back, f"PAGEREF excerpt_{item.number} \\h", "?").italic = True
        _body(writer, item)
        writer.report(1)


def _body(writer: Writer, item: FullText) -> None:
    if item.verbatim is True:
        writer.long_text(item.text, "Quote", first="“", last="”")
    elif item.verbatim is False:
        for paragraph in writer.long_text(item.text, "Quote", label="Paraphrase: "):
            for run in paragraph.runs:
                run.italic = False  # a paraphrase is not the speaker's words
    else:
        writer.long_text(item.text, "Normal")
