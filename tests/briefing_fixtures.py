"""Case documents (Casefile JSON) built in code for the briefing renderer's tests, and the
reading of packets back: their text, outline and change bars."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

SAMPLE_JSON = REPO_ROOT / "db" / "sample" / "caisi-review.json"

VERBATIM_TEXT = (
    "We share the administration’s goal of advancing U.S. leadership on robust and secure "
    "frontier A.I. While we are working through the details, we hope to sign the agreement soon."
)
PARAPHRASE_TEXT = "Commerce said the outreach to Meta is routine work for CAISI and not unusual."
KASS_TEXT = "This story is not unusual. It is the very work CAISI is supposed to be doing."


def small_case() -> dict[str, Any]:
    """A small representative case: every record type, every date precision, key and non-key."""
    return {
        "format": "casefile",
        "version": 1,
        "case": {
            "title": "CAISI Voluntary Review",
            "subtitle": "Meta and the pre-release review program",
            "summary": "The administration is pressing Meta to sign.\n\nMeta says it hopes to sign “soon”.",
            "marking": "FOR INTERNAL USE ONLY",
            "prepared_by": "Policy Office",
            "as_of": "2026-06-24",
        },
        "sources": [
            {
                "id": "src-nyt",
                "title": "U.S. Presses Meta",
                "publisher": "The New York Times",
                "author": "A. Reporter",
                "url": "https://example.com/nyt",
                "published": "2026-06-23",
            },
            {
                "id": "src-eo",
                "title": "Executive Order 14409",
                "publisher": "The White House",
                "published": "2026-06-02",
            },
            {"id": "src-uncited", "title": "Background memo", "notes": "Never cited."},
        ],
        "actors": [
            {"id": "meta", "name": "Meta", "kind": "company", "description": "AI developer."},
            {
                "id": "brennan",
                "name": "Francis Brennan",
                "kind": "person",
                "role": "Meta spokesman",
                "affiliation": "meta",
            },
            {"id": "commerce", "name": "U.S. Department of Commerce", "kind": "government"},
            {
                "id": "kass",
                "name": "Ben Kass",
                "kind": "person",
                "role": "Commerce spokesman",
                "affiliation": "commerce",
            },
            {"id": "caisi", "name": "CAISI", "kind": "organization", "role": "Review body"},
            {"id": "anon", "name": "Unnamed officials", "kind": "other"},
        ],
        "statements": [
            {
                "id": "st-brennan",
                "speaker": "brennan",
                "text": VERBATIM_TEXT,
                "date": "2026-06-23",
                "venue": "email to reporters",
                "verbatim": True,
                "source": "src-nyt",
                "notes": "Noncommittal.",
            },
            {
                "id": "st-commerce",
                "speaker": "commerce",
                "text": PARAPHRASE_TEXT,
                "date": "2026-06",
                "verbatim": False,
                "source": "src-nyt",
            },
            {
                "id": "st-kass",
                "speaker": "kass",
                "text": KASS_TEXT,
                "date": "2026-06-23T14:05-04:00",
                "verbatim": True,
            },
            {
                "id": "st-anon",
                "text": "Meta is the only holdout.",
                "date": "2026",
                "verbatim": True,
                "source": "src-nyt",
            },
        ],
        "directives": [
            {
                "id": "eo-14409",
                "identifier": "EO 14409",
                "title": "Executive Order 14409",
                "kind": "executive_order",
                "issuer": "commerce",
                "issued": "2026-06-02",
                "status": "in_force",
                "summary": "Sets a voluntary review window of up to 30 days.",
                "provisions": ["Voluntary participation.", "Up to 30 days of pre-release access."],
                "parties": ["caisi", "meta"],
                "source": "src-eo",
            },
            {
                "id": "meta-agreement",
                "title": "Meta CAISI agreement",
                "kind": "agreement",
                "status": "proposed",
                "parties": ["meta", "caisi"],
            },
        ],
        "timeline": [
            {
                "id": "t-year",
                "date": "2024",
                "title": "First agreements signed",
                "key": True,
                "source": "src-nyt",
                "actors": ["caisi"],
            },
            {
                "id": "t-month",
                "date": "2026-05",
                "title": "Three labs join",
                "key": False,
                "source": "src-nyt",
            },
            {
                "id": "t-day",
                "date": "2026-06-02",
                "title": "EO 14409 signed",
                "key": True,
                "directive": "eo-14409",
                "source": "src-eo",
                "actors": ["commerce"],
            },
            {
                "id": "t-time",
                "date": "2026-06-12T17:21-04:00",
                "title": "Directive reaches Anthropic",
                "key": True,
                "description": "Received at 5:21 p.m. Eastern.",
            },
            {
                "id": "t-statement",
                "date": "2026-06-23",
                "title": "Meta responds",
                "key": False,
                "statement": "st-brennan",
                "source": "src-nyt",
                "actors": ["meta", "brennan"],
            },
        ],
    }


def long_chronology_case(rows: int) -> dict[str, Any]:
    """The small case with ``rows`` similar timeline entries (about 22 to a page)."""
    doc = small_case()
    doc["timeline"] = [
        {"id": f"t{i}", "date": f"{2000 + i % 26}-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
         "title": f"Event {i}: the department responds", "description": "Officials call it routine work.",
         "actors": ["meta", "commerce"], "key": i % 50 == 0, "source": "src-nyt"}
        for i in range(rows)
    ]  # fmt: skip
    return doc


def long_case(rows: int) -> dict[str, Any]:
    """``long_chronology_case`` with a statement for every other entry and a source for every fifth."""
    doc = long_chronology_case(rows)
    doc["sources"] += [
        {"id": f"s{i}", "title": f"Report {i}", "publisher": "The Daily Record"} for i in range(rows // 5)
    ]
    doc["statements"] += [
        {"id": f"st{i}", "speaker": "kass", "date": f"{2000 + i % 26}-06-01", "verbatim": i % 3 != 0,
         "text": "We are reviewing the matter and will respond in due course. " * (1 + i % 3),
         "source": f"s{i % max(1, rows // 5)}"}
        for i in range(rows // 2)
    ]  # fmt: skip
    return doc


def empty_case() -> dict[str, Any]:
    """A case with nothing but a title."""
    return {"format": "casefile", "version": 1, "case": {"title": "Empty"}}


HOSTILE_MARKUP = [
    "<b>not bold</b>",
    '<img src="/etc/passwd"/>',
    "&amp; stays &amp;",
    "<para unclosed",
    "</font></para>",
]
ARABIC = "مرحبا بالعالم هذا نص عربي"
HEBREW = "שלום עולם זה טקסט בעברית"
CJK = "中文文本和日本語のテキスト한국어"
EMOJI = "Emoji 😀🎉 and symbols ✓ ★ €"


def hostile_case(rows: int = 50, statement_pages: int = 50) -> dict[str, Any]:
    """Markup, control characters, every script, huge texts and a long URL."""
    doc = small_case()
    controls = "".join(chr(c) for c in range(32)) + "\x7f\ud800"
    long_url = "https://example.com/" + "a" * 580
    doc["case"]["title"] = "Hostile <b>case</b> & " + ARABIC + " " + CJK + controls
    doc["case"]["summary"] = "\n\n".join([*HOSTILE_MARKUP, ARABIC, HEBREW, CJK, EMOJI, controls])
    doc["case"]["marking"] = "SECRET <b>//</b> 中文 " + HEBREW
    doc["sources"].append({"id": "src-long", "title": "Long URL " + CJK, "url": long_url,
                           "author": ARABIC, "notes": "x" * 5000})  # fmt: skip
    words = "word " * 600
    long_statement = "\n\n".join(words for _ in range(statement_pages))
    doc["statements"] += [
        {"id": f"st-h{i}", "speaker": "meta", "text": text, "verbatim": i % 2 == 0, "date": "2026-06-20",
         "source": "src-long"}
        for i, text in enumerate([*HOSTILE_MARKUP, ARABIC, HEBREW, CJK, EMOJI, controls, long_statement,
                                  ARABIC + CJK + "mixed" + ARABIC + "中" + HEBREW])
    ]  # fmt: skip
    doc["actors"].append({"id": "weird", "name": "<b>Actor</b> " + CJK, "kind": "person",
                          "description": "d" * 20000, "role": ARABIC})  # fmt: skip
    doc["directives"].append({"id": "d-h", "identifier": "<i>X</i>", "title": EMOJI, "summary": words * 30,
                              "provisions": [*HOSTILE_MARKUP, "p" * 3000], "parties": ["weird"]})  # fmt: skip
    for i in range(rows):
        doc["timeline"].append({
            "id": f"t-h{i}", "date": f"2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}", "title": f"Row {i} <b>&amp;",
            "description": (words * 20) if i == 3 else HOSTILE_MARKUP[i % len(HOSTILE_MARKUP)],
            "actors": ["weird"] * 3, "key": i % 7 == 0, "source": "src-long",
        })  # fmt: skip
    return doc


# ----- reading packets back -----------------------------------------------------------------


def norm(text: str) -> str:
    """Whitespace (line breaks included) collapsed to single spaces."""
    return " ".join(text.split())


def page_texts(path: Path) -> list[str]:
    """The extracted text of each page (pypdf).

    pypdf starts a new line for text drawn by a form XObject, so the page total, which is a
    form defined when the packet is saved, comes out as "Page 3 of" and "12" on two lines;
    ``norm`` joins them again. ``pdftotext_pages`` reads lines by position, as viewers do.
    """
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def pdftotext_pages(path: Path) -> list[str]:
    """The text of each page as poppler's pdftotext reads it (lines by position on the page)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1]  # every page ends with a form feed


_PAGE_LINE = re.compile(r"^Page \d+ of( \d+)?$")


def body_text(path: Path, furniture: tuple[str, ...]) -> str:
    """All pages' text without the running furniture, whitespace-normalised, as one string."""
    lines: list[str] = []
    for text in page_texts(path):
        total_next = False  # "Page N of" was alone on its line: the total follows
        for line in text.splitlines():
            stripped = line.strip()
            if total_next and stripped.isdigit():
                total_next = False
                continue
            total_next = False
            page_line = _PAGE_LINE.match(stripped)
            if page_line:
                total_next = page_line.group(1) is None
                continue
            if stripped in furniture:
                continue
            lines.append(stripped)
    return norm(" ".join(lines))


def outline(path: Path) -> dict[str, int]:
    """The packet's outline: each section's title and the page (from 1) it starts on."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return {
        item.title: reader.get_destination_page_number(item) + 1
        for item in reader.outline
        if not isinstance(item, list)  # a section's own entries (years, directives)
    }


def section_text(path: Path, title: str) -> str:
    """The text of a section's pages, from its heading to the next section's heading."""
    starts_at = outline(path)
    starts = sorted(starts_at.values())
    first = starts_at[title]
    later = [p for p in starts if p > first]
    texts = page_texts(path)
    pages = texts[first - 1 : later[0]] if later else texts[first - 1 :]
    text = norm(" ".join(pages))
    text = text[text.index(title) :]
    following = [t for t, p in starts_at.items() if later and p == later[0]]
    return text[: text.rindex(following[0])] if following and following[0] in text else text


# ----- change bars ---------------------------------------------------------------------------

Bar = tuple[float, float]  # bottom, top in page coordinates


def page_marks(page: Any) -> tuple[list[Bar], list[tuple[float, str, str]]]:
    """The change bars on a page (bottom, top) and its text runs (baseline y, text, font)."""
    from desktop.briefing.changebars import BAR_OFFSET, BAR_WIDTH
    from desktop.briefing.styles import PageGeometry

    left = PageGeometry.for_paper("letter").left
    bars: list[Bar] = []
    runs: list[tuple[float, str, str]] = []

    def operand(op: bytes, args: list[Any], cm: list[float], tm: list[float]) -> None:
        if op == b"re":
            x, y, w, h = (float(a) for a in args)
            page_x, page_y = cm[0] * x + cm[2] * y + cm[4], cm[1] * x + cm[3] * y + cm[5]
            if abs(w - BAR_WIDTH) < 0.01 and abs(page_x - (left - BAR_OFFSET)) < 0.5:
                bars.append((page_y, page_y + h))

    def text(chunk: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if chunk.strip():
            face = str(font.get("/BaseFont", "")) if font else ""
            runs.append((tm[4] * cm[1] + tm[5] * cm[3] + cm[5], chunk.strip().lstrip("“"), face))

    page.extract_text(visitor_operand_before=operand, visitor_text=text)
    return bars, runs


def first_lines(doc: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    """Each record's section, and the start of the first line it prints there."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for entry in doc["timeline"]:
        out[("timeline", entry["id"])] = ("Chronology", entry["title"][:24])
    for actor in doc["actors"]:
        out[("actors", actor["id"])] = ("Actors", actor["name"][:12])
    for directive in doc["directives"]:
        out[("directives", directive["id"])] = ("Directives", (directive.get("identifier") or directive["title"])[:24])
    for statement in doc["statements"]:
        out[("statements", statement["id"])] = ("Statements", statement["text"][:24])
    for source in doc["sources"]:  # after the author, in quotation marks
        out[("sources", source["id"])] = ("Sources", source["title"][:24])
    return out


@dataclass(frozen=True)
class PacketBars:
    """Where a packet's change bars are: beside which record, and every one drawn."""

    beside: dict[tuple[str, str], list[tuple[int, Bar]]]  # (kind, id): bars beside its first line
    drawn: set[tuple[int, Bar]]  # (page, bar) of every bar in the packet
    main_from: int  # the page the main sections (the chronology) start on

    def at_starts(self) -> set[tuple[int, Bar]]:
        """The bars beside records' first lines, once every other bar is checked to be carried over.

        A changed record that runs onto the next page has its bar carried over: a second bar at
        the top of that page, right under the running heads, continuing the lowest bar of the
        page before, which is beside a record's first line.
        """
        starts = {bar for beside in self.beside.values() for bar in beside}
        for page, (low, high) in self.drawn - starts:
            assert high > 700, f"a change bar beside nothing on page {page}"
            lowest = min((bottom for p, (bottom, _) in self.drawn if p == page - 1), default=None)
            assert any(p == page - 1 and bottom == lowest for p, (bottom, _) in starts), (page, low, high)
        return starts


KEY_NUMBER = re.compile(r"^\d+\s+(?=\D)")


def packet_bars(path: Path, doc: dict[str, Any]) -> PacketBars:
    """The bars beside each record of ``doc`` where the packet's main sections print it."""
    from pypdf import PdfReader

    starts_at = outline(path)
    starts = sorted(starts_at.values())
    pages = [page_marks(page) for page in PdfReader(str(path)).pages]
    beside: dict[tuple[str, str], list[tuple[int, Bar]]] = {}
    for (kind, record_id), (section, start) in first_lines(doc).items():
        first = starts_at[section]
        last = min([p for p in starts if p > first] or [len(pages) + 1])
        found = [
            (number, y)
            for number in range(first, last + 1)
            if number <= len(pages)
            for y, line, face in pages[number - 1][1]
            # A key event's row starts with its number on the key-events strip.
            for chunk in [KEY_NUMBER.sub("", line) if kind == "timeline" else line]
            if (start in chunk if kind == "sources" else chunk.startswith(start[: len(chunk)]))
            and len(chunk) >= min(len(start), 8) and (kind not in ("actors", "timeline") or "Bold" in face)
        ]  # fmt: skip
        assert found, f"{record_id} not found in {section}"
        number, y = found[0]
        beside[(kind, record_id)] = [(number, bar) for bar in pages[number - 1][0] if bar[0] <= y <= bar[1]]
    drawn = {(n, bar) for n, (bars, _) in enumerate(pages, start=1) for bar in bars}
    return PacketBars(beside, drawn, starts_at["Chronology"])
