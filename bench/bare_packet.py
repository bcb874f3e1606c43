"""The export baseline: a bare reportlab platypus build of a comparable packet, no app code.

The same content as the app's briefing packet, built the plain way: one paragraph per
text, long tables in 500-row chunks with a repeated header, the bundled TrueType faces
registered by file, and a ``SimpleDocTemplate`` with a one-line header and page number.
Only reportlab and the format-1 document are used, so the figure is what platypus itself
costs for this much content.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

CHUNK_ROWS = 500
FONT_DIR = Path(__file__).resolve().parent.parent / "resources" / "fonts"
FACES = {
    "BenchSans": "DejaVuSans.ttf",
    "BenchSans-Bold": "DejaVuSans-Bold.ttf",
    "BenchSans-Oblique": "DejaVuSans-Oblique.ttf",
}
ACTOR_GROUPS = (
    ("government", "Government"),
    ("company", "Companies"),
    ("organization", "Organizations"),
    ("person", "People"),
    ("other", "Other"),
)
SHADE = colors.HexColor("#E9EFF6")
HEAD = colors.HexColor("#DCE3EC")
RULE = colors.HexColor("#C9D1DC")


def _fonts() -> tuple[str, str, str]:
    """Register the bundled DejaVu faces by file (Helvetica if they are missing)."""
    if not all((FONT_DIR / name).is_file() for name in FACES.values()):
        return "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"
    for name, file in FACES.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    return "BenchSans", "BenchSans-Bold", "BenchSans-Oblique"


class _Styles:
    """Paragraph styles close to the packet's (9.5 pt text, 8.5 pt tables)."""

    def __init__(self) -> None:
        regular, bold, italic = _fonts()
        self.regular, self.bold, self.italic = regular, bold, italic
        self.body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5, spaceAfter=4)
        self.h1 = ParagraphStyle("h1", fontName=bold, fontSize=16, leading=20, spaceBefore=6, spaceAfter=8)
        self.h2 = ParagraphStyle("h2", fontName=bold, fontSize=12, leading=15, spaceBefore=8, spaceAfter=4)
        self.h3 = ParagraphStyle("h3", fontName=bold, fontSize=10.5, leading=13, spaceBefore=6, spaceAfter=2)
        self.cell = ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=10.5)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=bold)
        self.quote = ParagraphStyle("quote", parent=self.body, leftIndent=14)
        self.small = ParagraphStyle("small", fontName=regular, fontSize=8, leading=10, spaceAfter=6)
        self.bullet = ParagraphStyle("bullet", parent=self.body, leftIndent=14, bulletIndent=4)
        self.source = ParagraphStyle("source", parent=self.body, leftIndent=22, bulletIndent=0)
        self.title = ParagraphStyle("title", fontName=bold, fontSize=24, leading=29, spaceAfter=10)


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text or "")), style)


def _table(header: list[Any], rows: list[list[Any]], widths: list[float], shaded: Iterable[int] = ()) -> Table:
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    commands += [("BACKGROUND", (0, r + 1), (-1, r + 1), SHADE) for r in shaded]
    table = Table([header, *rows], colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(commands))
    return table


def _chunked(header: list[Any], rows: list[list[Any]], widths: list[float], keys: list[bool]) -> list[Flowable]:
    out: list[Flowable] = []
    for start in range(0, len(rows), CHUNK_ROWS):
        part = rows[start : start + CHUNK_ROWS]
        shaded = [i for i, key in enumerate(keys[start : start + CHUNK_ROWS]) if key]
        out.append(_table(header, part, widths, shaded))
    return out


def build_story(doc: dict[str, Any], width: float) -> list[Flowable]:
    """Every section of the packet as plain platypus flowables."""
    st = _Styles()
    case = doc.get("case") or {}
    actors = {a["id"]: a for a in doc.get("actors", [])}
    numbers: dict[str, int] = {}

    def cite(source_id: str | None) -> str:
        if not source_id:
            return ""
        number = numbers.setdefault(source_id, len(numbers) + 1)
        return f" [{number}]"

    def names(ids: list[str] | None) -> str:
        return "; ".join(actors[i]["name"] for i in ids or [] if i in actors)

    story: list[Flowable] = [
        Spacer(1, 0.6 * inch),
        _p(case.get("title"), st.title),
        _p(case.get("subtitle"), st.h2),
        _p(f"As of {case.get('as_of') or ''}", st.body),
        _p(case.get("marking"), st.cell_bold),
        PageBreak(),
        _p("Summary", st.h1),
        _p(case.get("summary"), st.body),
    ]
    timeline = sorted(doc.get("timeline", []), key=lambda e: (e.get("date") or "", e["id"]))
    story += [_p("Chronology", st.h1), _p("Shaded rows are key events.", st.small)]
    header = [_p(label, st.cell_bold) for label in ("Date", "Event", "Actors involved")]
    rows = [
        [
            e.get("date") or "",
            [_p(e.get("title"), st.cell_bold), _p((e.get("description") or "") + cite(e.get("source")), st.cell)],
            _p(names(e.get("actors")), st.cell),
        ]
        for e in timeline
    ]
    keys = [e.get("key") is True for e in timeline]
    story += _chunked(header, rows, [width * 0.16, width * 0.60, width * 0.24], keys)
    story.append(_p("Actors", st.h1))
    header = [_p(label, st.cell_bold) for label in ("Name", "Role · affiliation", "Description")]
    for kind, label in ACTOR_GROUPS:
        members = sorted((a for a in actors.values() if a.get("kind") == kind), key=lambda a: a["name"].casefold())
        if not members:
            continue
        story.append(_p(f"{label} ({len(members)})", st.h2))
        rows = [
            [
                _p(a["name"], st.cell_bold),
                _p(", ".join(x for x in (a.get("role"), names([a.get("affiliation") or ""])) if x), st.cell),
                _p(a.get("description"), st.cell),
            ]
            for a in members
        ]
        story += _chunked(header, rows, [width * 0.24, width * 0.28, width * 0.48], [False] * len(rows))
    story.append(_p("Directives", st.h1))
    for d in sorted(doc.get("directives", []), key=lambda d: (d.get("issued") or "", d["id"])):
        facts = [
            ["Kind", _p(d.get("kind"), st.cell), "Status", _p(d.get("status") or "Not known", st.cell)],
            ["Issuer", _p(names([d.get("issuer") or ""]), st.cell), "Issued", _p(d.get("issued"), st.cell)],
            ["Effective", _p(d.get("effective"), st.cell), "Source", _p(cite(d.get("source")), st.cell)],
        ]
        fact_table = Table(facts, colWidths=[width * 0.11, width * 0.39, width * 0.11, width * 0.39])
        fact_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), st.bold, 8.5)]))
        story.append(KeepTogether([_p(f"{d.get('identifier') or ''} — {d.get('title')}", st.h3), fact_table]))
        story.append(_p(d.get("summary"), st.body))
        story.append(_p("Key provisions", st.small))
        story += [Paragraph(escape(p), st.bullet, bulletText="•") for p in d.get("provisions") or []]
        story.append(_p(f"Parties: {names(d.get('parties'))}", st.small))
    story.append(_p("Statements", st.h1))
    for s in sorted(doc.get("statements", []), key=lambda s: (s.get("date") or "", s["id"])):
        speaker = actors.get(s.get("speaker") or "", {})
        attribution = ", ".join(x for x in (speaker.get("name"), s.get("date"), s.get("venue")) if x)
        block: list[Flowable] = [
            _p(s.get("text"), st.quote),
            _p(f"— {attribution}{cite(s.get('source'))}", st.small),
        ]
        if s.get("notes"):
            block.append(_p(f"Context: {s['notes']}", st.small))
        story.append(KeepTogether(block))
    story.append(_p("Sources", st.h1))
    sources = sorted(doc.get("sources", []), key=lambda s: numbers.get(s["id"], len(numbers) + 1))
    for number, s in enumerate(sources, 1):
        parts = (s.get("author"), f"“{s.get('title')}”", s.get("publisher"), s.get("published"), s.get("url"))
        story.append(Paragraph(escape(", ".join(p for p in parts if p)), st.source, bulletText=f"[{number}]"))
        if s.get("notes"):
            story.append(_p(s["notes"], st.small))
    return story


def render(doc: dict[str, Any], out: Path) -> int:
    """Build the packet for ``doc`` into ``out``; return the number of pages."""
    pdf = SimpleDocTemplate(
        str(out),
        pagesize=LETTER,
        leftMargin=0.8 * inch,
        rightMargin=0.8 * inch,
        topMargin=0.95 * inch,
        bottomMargin=0.85 * inch,
    )
    title = str((doc.get("case") or {}).get("title") or "")
    regular = _fonts()[0]

    def furniture(canv: Any, template: Any) -> None:
        canv.saveState()
        canv.setFont(regular, 8)
        canv.drawString(0.8 * inch, LETTER[1] - 0.6 * inch, title)
        canv.drawRightString(LETTER[0] - 0.8 * inch, 0.5 * inch, f"Page {template.page}")
        canv.restoreState()

    story = build_story(doc, pdf.width)
    pdf.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return int(pdf.page)
