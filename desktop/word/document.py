"""A new Word document set up as a packet: paper and margins, the built-in styles in the packet's
type and colours, the marking in every header and footer, Page N of M, and the properties."""

from __future__ import annotations

import datetime as dt

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import _Footer, _Header
from docx.shared import Inches, Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

from .ooxml import add_field, mark_rtl_paragraph, mark_rtl_run, starts_rtl, update_fields_on_open, xml_text

INK = RGBColor(0x1A, 0x1A, 0x1A)
MUTED = RGBColor(0x55, 0x55, 0x55)
HEADING = RGBColor(0x1F, 0x3A, 0x5F)
MARKING = RGBColor(0x8B, 0x1A, 0x1A)
KEY_SHADE = "E9EFF6"
HEADER_SHADE = "DCE3EC"
ACCENT = "2F5F8F"

# A serif for reading, as CRS and agency packets set them; Word substitutes its own serif where
# Cambria is missing. Arial covers Arabic and Hebrew on Windows and macOS.
BODY_FONT = "Cambria"
HEAD_FONT = "Calibri"
COMPLEX_FONT = "Arial"

PAPER = {"letter": (Inches(8.5), Inches(11)), "a4": (Mm(210), Mm(297))}


def _fonts(style: ParagraphStyle, name: str, size: float, color: RGBColor | None = INK) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    if color is not None:
        style.font.color.rgb = color
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(key), name)
    fonts.set(qn("w:cs"), COMPLEX_FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the named one


def _styles(document: DocxDocument) -> None:
    styles = document.styles
    normal = styles["Normal"]
    _fonts(normal, BODY_FONT, 11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    for name, size, before in (("Heading 1", 16, 18), ("Heading 2", 13, 12), ("Heading 3", 11.5, 10)):
        style = styles[name]
        _fonts(style, HEAD_FONT, size, HEADING)
        style.font.bold = True
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
    quote = styles["Quote"]
    _fonts(quote, BODY_FONT, 11)
    quote.font.italic = True
    quote.paragraph_format.left_indent = Inches(0.35)
    quote.paragraph_format.right_indent = Inches(0.35)
    quote.paragraph_format.space_before = Pt(8)
    quote.paragraph_format.space_after = Pt(2)
    _fonts(styles["Title"], HEAD_FONT, 26, HEADING)
    _fonts(styles["Subtitle"], HEAD_FONT, 14, MUTED)
    for name, size in (("Header", 8.5), ("Footer", 8.5)):
        _fonts(styles[name], HEAD_FONT, size, MUTED)
    for name, size, color, indent in (
        ("Packet Small", 9, MUTED, 0.0),
        ("Packet Cell", 9, INK, 0.0),
        ("Packet Attribution", 10, MUTED, 0.35),
        ("Packet Context", 9.5, MUTED, 0.35),
        ("Packet Reference", 9, MUTED, 0.0),
    ):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        _fonts(style, BODY_FONT, size, color)
        style.paragraph_format.left_indent = Inches(indent)
        style.paragraph_format.space_after = Pt(2 if name == "Packet Cell" else 4)
        style.paragraph_format.line_spacing = 1.0
    styles["Packet Attribution"].paragraph_format.space_after = Pt(10)
    styles["Packet Attribution"].paragraph_format.keep_together = True
    styles["Packet Reference"].font.italic = True


def _line(container: _Header | _Footer, text: str, *, bold: bool = False, color: RGBColor | None = None) -> Paragraph:
    """A centred line in a header or footer (its first, empty paragraph is used first)."""
    existing = container.paragraphs
    style = "Header" if isinstance(container, _Header) else "Footer"
    paragraph = existing[0] if len(existing) == 1 and not existing[0].text else container.add_paragraph(style=style)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = bold
    if color is not None:
        run.font.color.rgb = color
    if starts_rtl(text):
        mark_rtl_paragraph(paragraph)
        mark_rtl_run(run)
    return paragraph


def _page_n_of_m(footer: _Footer) -> None:
    paragraph = _line(footer, "Page ")
    add_field(paragraph, "PAGE", "1")
    paragraph.add_run(" of ")
    add_field(paragraph, "NUMPAGES", "1")


def _running_title(header: _Header, title: str, as_of: str, width: int) -> None:
    """The case title at the left and the As-of date at the right, under the marking."""
    paragraph = header.add_paragraph(style="Header") if header.paragraphs[0].text else header.paragraphs[0]
    tabs = paragraph.paragraph_format.tab_stops
    for inherited in (Inches(3.25), Inches(6.5)):  # the Header style's own centre and right stops
        tabs.add_tab_stop(inherited, WD_TAB_ALIGNMENT.CLEAR)
    tabs.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    run = paragraph.add_run(title)
    if starts_rtl(title):
        mark_rtl_run(run)
    if as_of:
        paragraph.add_run(f"\tAs of {as_of}")
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "1"), ("w:color", "9AA8BA")):
        bottom.set(qn(key), value)
    border.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(
        border, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
        "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
        "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
        "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
        "w:rPr", "w:sectPr", "w:pPrChange",
    )  # fmt: skip


def text_width(document: DocxDocument) -> int:
    """The width between the margins (EMU)."""
    section = document.sections[0]
    return int((section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0))


def _short(title: str, limit: int = 64) -> str:
    """A running title that fits one header line beside the As-of date: the main title before a
    colon (as people name files), cut at a word when still long. The cover prints it whole."""
    main, colon, _ = title.partition(":")
    if colon and len(main.strip()) >= 8:
        title = main.strip()
    if len(title) <= limit:
        return title
    return title[:limit].rsplit(" ", 1)[0].rstrip(" ,;:—") + "…"


def new_document(*, paper: str, marking: str, title: str, as_of: str) -> DocxDocument:
    """A document with the packet's page, styles and furniture, and nothing in its body yet.

    The cover has its own header and footer (the marking only: no running title or page
    number on a cover); every other page has the marking, the title and Page N of M. The
    marking is in all four, so whichever page a reader holds, it is there.
    """
    document = Document()
    body = document.paragraphs[0]._p if document.paragraphs else None
    if body is not None:
        body.getparent().remove(body)
    _styles(document)
    section = document.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = PAPER.get(paper, PAPER["letter"])
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Inches(0.9))
    section.top_margin = Inches(0.9)
    section.bottom_margin = Inches(0.85)
    section.header_distance = section.footer_distance = Inches(0.4)
    section.different_first_page_header_footer = True
    width = text_width(document)
    if marking:
        for container in (section.first_page_header, section.header):
            _line(container, marking, bold=True, color=MARKING)
    _running_title(section.header, _short(title), as_of, width)
    _page_n_of_m(section.footer)
    if marking:
        for footer in (section.first_page_footer, section.footer):
            _line(footer, marking, bold=True, color=MARKING)
    update_fields_on_open(document.settings.element)
    return document


def set_properties(document: DocxDocument, *, title: str, author: str, subject: str, made: dt.datetime) -> None:
    """The document's title, author and subject as Word shows them under File > Info."""
    props = document.core_properties
    props.title = xml_text(title)[:255]
    props.author = xml_text(author)[:255]
    props.subject = xml_text(subject)[:255]
    props.last_modified_by = props.author
    props.comments = ""
    props.keywords = ""
    props.revision = 1
    stamp = made.astimezone(dt.UTC).replace(tzinfo=None)
    props.created = props.modified = stamp
