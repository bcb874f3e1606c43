"""Arabic and Hebrew in the packet read in reading order, and no bidi control spoofs its name.

The PDF holds each right-to-left word as glyphs in visual order, so the tests read where the
words sit on the page (pdfplumber's character boxes): in a right-to-left run the word typed
first is to the right of the word typed after it. pdftotext reorders right-to-left runs back
into typing order (with embedding marks around them), so its text reads as typed only when
the page is in the right visual order.
"""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from briefing_fixtures import small_case

from db.filenames import copy_name, safe_stem
from db.interchange import import_document
from desktop.briefing.naming import suggested_filename
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing
from tests.gui_helpers import export_packet, open_window

ARABIC = "الذكاء الاصطناعي;"  # "artificial intelligence;"
HEBREW = "שלום עולם"  # "hello world"
MIXED = "The ministry called it الذكاء الاصطناعي in its memo."
FIRST, LAST = "البداية", "النهاية"  # "the beginning", "the end"
LONG = " ".join([FIRST, *["نص"] * 160, LAST])  # wraps over several lines
SPOOF_TITLE = "Invoice \u202efdp.exe"
BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def bidi_case() -> dict[str, Any]:
    """The small case with right-to-left statements and a title carrying an override."""
    doc = small_case()
    doc["case"]["title"] = SPOOF_TITLE
    brennan, commerce, kass, anon = doc["statements"]
    brennan["text"] = ARABIC  # verbatim: prints as “…”
    commerce.update(text=HEBREW, verbatim=True)
    kass["text"] = MIXED
    anon["text"] = LONG
    return doc


Word = tuple[float, float, str, float]  # x0, top, text as drawn (left to right), x1


def page_words(path: Path) -> list[Word]:
    """Every word on every page, split at spaces in left-to-right order within each line."""
    words: list[Word] = []
    with pdfplumber.open(str(path)) as pdf:
        for number, page in enumerate(pdf.pages):
            lines: dict[int, list[Any]] = {}
            for char in page.chars:
                lines.setdefault(round(char["top"]), []).append(char)
            for top, chars in sorted(lines.items()):
                current: list[Any] = []
                for char in [*sorted(chars, key=lambda c: c["x0"]), None]:
                    if char is None or not char["text"].strip():
                        if current:
                            text = "".join(c["text"] for c in current)
                            words.append((current[0]["x0"], number * 10000 + top, text, current[-1]["x1"]))
                        current = []
                    else:
                        current.append(char)
    return words


def logical(drawn: str) -> str:
    """A right-to-left word as typed: its glyphs reversed and presentation forms unfolded."""
    return unicodedata.normalize("NFKC", drawn[::-1])


def find(words: list[Word], typed: str) -> list[Word]:
    """The drawn words that read as ``typed`` (right-to-left glyph order)."""
    return [w for w in words if logical(w[2]).strip("“”;") == typed]


def same_line(words: list[Word], top: float) -> list[Word]:
    return sorted((w for w in words if w[1] == top), key=lambda w: w[0])


@pytest.fixture(scope="module")
def packet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bidi") / "packet.pdf"
    render_briefing(bidi_case(), path, BriefingOptions(deterministic=True, excerpt_words=0), app_version="9.9")
    return path


def test_exported_from_the_app_arabic_reads_right_to_left_and_the_name_is_not_spoofed(qtbot, tmp_path):
    path = tmp_path / "bidi.casefile"
    import_document(bidi_case(), path)
    window = open_window(qtbot, path)
    out = export_packet(qtbot, window)
    assert out.name == "Invoice fdp.exe - briefing - 2026-06-24.pdf"
    assert out.is_file()

    words = page_words(out)
    (second,) = [w for w in find(words, "الاصطناعي") if ";" in w[2]]
    line = same_line(words, second[1])
    (first,) = find(line, "الذكاء")
    # Reading right to left: الذكاء, then الاصطناعي, then the semicolon after it.
    assert first[0] > second[0]
    assert second[2].lstrip("”").startswith(";"), second[2]
    assert line == [second, first]


def test_hebrew_reads_right_to_left_and_pdftotext_reads_it_as_typed(packet):
    words = page_words(packet)
    (hello,) = find(words, "שלום")
    (world,) = find(words, "עולם")
    assert hello[1] == world[1] and hello[0] > world[0]
    text = subprocess.run(["pdftotext", str(packet), "-"], capture_output=True, text=True, check=True).stdout
    plain = unicodedata.normalize("NFKC", "".join(c for c in text if c not in BIDI_CONTROLS))
    assert HEBREW in plain
    assert "الذكاء الاصطناعي" in plain


def test_arabic_phrase_inside_english_keeps_the_english_order(packet):
    words = page_words(packet)
    # The statement's own line (its title is listed again in the "Before it goes out" annex).
    lines = [same_line(words, w[1]) for w in words if w[2] == "ministry"]
    (line,) = [line for line in lines if line[-1][2] == "memo.”"]
    drawn = [w[2] for w in line]
    start = drawn.index("it")
    # Left to right: "it", then the Arabic phrase with its first word on the right, then "in".
    assert [logical(w) for w in drawn[start + 1 : start + 3]] == ["الاصطناعي", "الذكاء"]
    assert drawn[start + 3 : start + 6] == ["in", "its", "memo.”"]


def test_a_wrapped_right_to_left_paragraph_starts_top_right_and_ends_bottom_left(packet):
    words = page_words(packet)
    (first,) = find(words, FIRST)
    (last,) = find(words, LAST)
    assert last[1] > first[1]  # several lines, in order down the page
    assert same_line(words, first[1])[-1] == first  # the first word typed is the rightmost
    last_line = same_line(words, last[1])
    assert last_line[0] == last  # the last word typed is the leftmost
    # Set flush right, so the short last line starts at the right edge like the others.
    assert last_line[-1][3] == pytest.approx(same_line(words, first[1])[-1][3], abs=0.5)
    assert last[0] > same_line(words, first[1])[0][0] + 50


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS))
def test_file_names_drop_bidi_controls(control):
    title = f"Invoice {control}fdp.exe"
    name = suggested_filename({"case": {"title": title, "as_of": "2026-06-24"}})
    assert name == "Invoice fdp.exe - briefing - 2026-06-24.pdf"
    assert safe_stem(control, "Case") == "Case"
    assert not BIDI_CONTROLS & set(copy_name(title))


@pytest.mark.parametrize(
    "text",
    [
        "\u0590",  # unassigned in the Hebrew block: no class in unicodedata
        "שלום \u2067עולם\u2069 world",  # isolates, which this algorithm predates
        "\u05d0\u0300\u0591 \u0600\u200f ב-2026",  # marks, an Arabic number sign, a digit run
        "\u0590\u05ff\u07ff\ufb4f \ufdfd",  # unassigned and rare right-to-left code points
    ],
)
def test_odd_right_to_left_text_always_exports(tmp_path, text):
    doc = bidi_case()
    doc["case"]["title"] = text
    doc["actors"][0]["name"] = text
    doc["statements"][0]["text"] = text
    out = tmp_path / "odd.pdf"
    result = render_briefing(doc, out, BriefingOptions(deterministic=True))
    assert result.pages >= 1 and out.read_bytes().startswith(b"%PDF")
