"""The WordprocessingML python-docx has no API for: fields, hyperlinks, bookmarks, right-to-left
text, repeating table headers and cell shading. Each is a few elements built with OxmlElement."""

from __future__ import annotations

import re

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from desktop.briefing.plain import clean

# Anything XML 1.0 cannot hold (lxml refuses it, and python-docx with it). ``clean`` removes these
# already; this is the last guard for text that reaches a run by another way.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Strong right-to-left letters (Hebrew, Arabic, Syriac, Thaana, N'Ko, presentation forms, the
# historic right-to-left scripts) and strong left-to-right ones (Latin, Greek, Cyrillic, CJK ...).
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]")
_LTR = re.compile("[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")

SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:")
LINK = RGBColor(0x2F, 0x5F, 0x8F)


def xml_text(text: object) -> str:
    """User text as a run can hold it: controls removed, line breaks kept as ``\\n``."""
    return _NOT_XML.sub("", clean(text if isinstance(text, str) else "" if text is None else str(text)))


def has_rtl(text: str) -> bool:
    """True when the text holds a right-to-left letter."""
    return not text.isascii() and _RTL.search(text) is not None


def starts_rtl(text: str) -> bool:
    """True when the first strong letter is right-to-left: the paragraph's base direction (rules P2, P3)."""
    if not has_rtl(text):
        return False
    rtl, ltr = _RTL.search(text), _LTR.search(text)
    return rtl is not None and (ltr is None or rtl.start() < ltr.start())


def mark_rtl_run(run: Run) -> None:
    """Give a run of right-to-left text its direction, and its bold, italic and size in the
    complex-script properties Word uses for such text. Word applies the bidirectional algorithm."""
    rpr = run._r.get_or_add_rPr()
    if run.bold:
        rpr.get_or_add_bCs()
    if run.italic:
        rpr.get_or_add_iCs()
    if run.font.size is not None and rpr.find(qn("w:szCs")) is None:
        size = OxmlElement("w:szCs")
        size.set(qn("w:val"), str(int(run.font.size.pt * 2)))
        rpr.insert_element_before(size, *_AFTER_SZCS)
    rpr.get_or_add_rtl()


_AFTER_SZCS = (
    "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs",
    "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip


def mark_rtl_paragraph(paragraph: Paragraph) -> None:
    """A paragraph that reads right to left: starts at the right margin, neutral marks follow it."""
    ppr = paragraph._p.get_or_add_pPr()
    if ppr.find(qn("w:bidi")) is None:
        ppr.insert_element_before(
            OxmlElement("w:bidi"),
            "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
            "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
            "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
            "w:pPrChange",
        )  # fmt: skip


def _field_char(paragraph: Paragraph, kind: str) -> None:
    run = paragraph.add_run()
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    if kind == "begin":
        element.set(qn("w:dirty"), "true")  # computed again when the document opens
    run._r.append(element)


def begin_field(paragraph: Paragraph, instruction: str) -> None:
    """The start of a field whose result (added next, possibly over several paragraphs) Word replaces
    when it updates the field; close it with ``end_field``."""
    _field_char(paragraph, "begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    _field_char(paragraph, "separate")


def end_field(paragraph: Paragraph) -> None:
    """The end of the field ``begin_field`` started."""
    _field_char(paragraph, "end")


def add_field(paragraph: Paragraph, instruction: str, shown: str = "") -> Run:
    """A field (PAGE, NUMPAGES, PAGEREF ...) that Word and LibreOffice compute; ``shown`` prints until they do."""
    begin_field(paragraph, instruction)
    result = paragraph.add_run(shown)
    end_field(paragraph)
    return result


def add_hyperlink(paragraph: Paragraph, text: str, *, url: str = "", anchor: str = "") -> Run | None:
    """A link run to ``url`` (an external relationship) or to the bookmark ``anchor``.

    Only web and mail addresses become links; anything else (a ``file:`` or ``javascript:``
    address in a received case file) prints as text, as in the PDF. Returns the run, or None
    when the text was added as plain text.
    """
    if url and not (url.lower().startswith(SAFE_LINK_SCHEMES) and url.isprintable() and len(url) < 2000):
        paragraph.add_run(text)
        return None
    link = OxmlElement("w:hyperlink")
    if url:
        link.set(qn("r:id"), paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True))
    else:
        link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    paragraph._p.append(link)
    run = Run(OxmlElement("w:r"), paragraph)
    link.append(run._r)
    run.text = text
    run.font.color.rgb = LINK
    if url:
        run.font.underline = True
    return run


def add_bookmark(paragraph: Paragraph, name: str, number: int) -> None:
    """A bookmark around the paragraph's content, for links to it from elsewhere in the document."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(number))
    ppr = paragraph._p.pPr
    if ppr is not None:
        ppr.addnext(start)
    else:
        paragraph._p.insert(0, start)
    paragraph._p.append(end)


def repeat_as_header(row: _Row) -> None:
    """The row repeats at the top of every page the table runs onto, and never splits."""
    trpr = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        trpr.append(OxmlElement(tag))


def shade(cell: _Cell, fill: str) -> None:
    """A cell's background colour (hex, no #)."""
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.insert_element_before(shd, *_AFTER_SHD)


def left_rule(cell: _Cell, color: str, eighths: int = 16) -> None:
    """A coloured rule down the cell's left edge (``eighths`` of a point wide)."""
    tcpr = cell._tc.get_or_add_tcPr()
    borders = tcpr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tcpr.insert_element_before(borders, "w:shd", *_AFTER_SHD)
    left = OxmlElement("w:left")
    for key, value in (("w:val", "single"), ("w:sz", str(eighths)), ("w:space", "0"), ("w:color", color)):
        left.set(qn(key), value)
    borders.append(left)


def pad(cell: _Cell, **twips: int) -> None:
    """A cell's own inner margins (``left=200, top=80`` ...), in twentieths of a point."""
    tcpr = cell._tc.get_or_add_tcPr()
    margins = OxmlElement("w:tcMar")
    for side in ("top", "left", "bottom", "right"):
        if side in twips:
            edge = OxmlElement(f"w:{side}")
            edge.set(qn("w:w"), str(twips[side]))
            edge.set(qn("w:type"), "dxa")
            margins.append(edge)
    tcpr.insert_element_before(margins, *_AFTER_SHD[2:])


def align_to_margin(table: Table, cell_margin: int = 108) -> None:
    """Move a table right by its cells' left margin (twips), so its border, not its text, lines up
    with the page margin: a box should not stand out into the margin."""
    indent = OxmlElement("w:tblInd")
    indent.set(qn("w:w"), str(cell_margin))
    indent.set(qn("w:type"), "dxa")
    table._tbl.tblPr.insert_element_before(
        indent, "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
        "w:tblDescription", "w:tblPrChange",
    )  # fmt: skip


_AFTER_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")


def update_fields_on_open(settings_element: object) -> None:
    """Ask Word to compute the fields (the contents list, page counts) when the document opens."""
    element = OxmlElement("w:updateFields")
    element.set(qn("w:val"), "true")
    settings_element.append(element)  # type: ignore[attr-defined]
