"""Emoji in the packet print as glyphs from the bundled Symbola font, not as empty boxes.

The packet fonts come first: a character DejaVu Sans or WenQuanYi draws keeps that font, and
Symbola draws only what they lack. The PDF is monochrome and reportlab does not form emoji
ligatures, so a sequence prints as its parts: a flag as its two regional-indicator letters,
a skin-tone emoji as the base glyph followed by the tone swatch, and the zero-width joiner and
variation selectors draw nothing. Copying or extracting the text gives back every code point
as typed, sequences included.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from briefing_fixtures import small_case

from db.interchange import import_document
from desktop.briefing.fonts import load_fonts
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing
from desktop.briefing.text import TextPrep
from tests.gui_helpers import export_packet, open_window

EMOJI = "🚀 launch ✅ done 🇺🇸 ❤️ 👍🏽"
# What a reader sees, as extracted: every base code point, the flag as its two letters, the tone.
PRINTED = ["🚀", "✅", "🇺🇸", "❤", "👍🏽"]
SYMBOLA_ONLY = ["🚀", "✅", "🇺", "🇸", "👍", "🏽"]  # none of these is in DejaVu Sans or WenQuanYi
NO_FONT_WARNING = "no available font covers"

needs_poppler = pytest.mark.skipif(
    shutil.which("pdffonts") is None or shutil.which("pdftotext") is None, reason="poppler-utils not installed"
)


def emoji_case() -> dict[str, Any]:
    """The small case with emoji in its title, a statement and a chronology entry."""
    doc = small_case()
    doc["case"]["title"] = f"Launch review {EMOJI}"
    doc["statements"][2]["text"] = f"Kass said: {EMOJI}"
    doc["timeline"][3]["title"] = f"Directive reaches Anthropic {EMOJI}"
    return doc


def pdffonts(path: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[2:]


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def packet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("emoji") / "packet.pdf"
    result = render_briefing(emoji_case(), path, BriefingOptions(deterministic=True), app_version="9.9")
    return path, result.warnings


@needs_poppler
def test_exported_from_the_app_the_emoji_print_in_the_embedded_symbol_font(qtbot, tmp_path):
    path = tmp_path / "emoji.casefile"
    import_document(emoji_case(), path)
    window = open_window(qtbot, path)
    out = export_packet(qtbot, window)
    assert out.is_file() and window.briefing.ready_banner is not None

    banner = window.briefing.ready_banner.label.text()
    assert banner.startswith(f"Wrote {out.name}")
    assert NO_FONT_WARNING not in banner and "empty boxes" not in banner
    symbola = [row for row in pdffonts(out) if "Symbola" in row]
    assert symbola, pdffonts(out)
    assert all(" yes " in row for row in symbola)  # embedded (a subset), like every packet font
    text = pdftotext(out)
    for printed in PRINTED:
        assert printed in text, printed


def test_no_character_is_reported_missing(packet):
    _path, warnings = packet
    assert not [w for w in warnings if NO_FONT_WARNING in w], warnings
    prep = TextPrep(load_fonts())
    prep.markup(EMOJI)
    assert prep.missing_warning() is None


@needs_poppler
def test_title_statement_and_chronology_give_back_the_emoji_as_typed(packet):
    path, _warnings = packet
    text = " ".join(pdftotext(path).split())  # lines wrap at different places in each section
    for where in ("Launch review ", "Kass said: ", "Directive reaches Anthropic "):
        assert f"{where}{EMOJI}" in text, where


def test_symbola_draws_only_what_the_text_fonts_lack(packet):
    path, _warnings = packet
    with pdfplumber.open(str(path)) as pdf:
        chars = [c for page in pdf.pages for c in page.chars]
    fonts_of: dict[str, set[str]] = {}
    for char in chars:
        fonts_of.setdefault(char["text"], set()).add(char["fontname"].split("+")[-1])
    for emoji in SYMBOLA_ONLY:
        assert fonts_of.get(emoji) == {"Symbola"}, (emoji, fonts_of.get(emoji))
    # DejaVu Sans has a heart, and the text faces (Noto Serif, DejaVu Sans) the Latin letters.
    assert fonts_of["❤"] and all(name.startswith("DejaVuSans") for name in fonts_of["❤"])
    assert all(name.startswith(("DejaVuSans", "NotoSerif")) for name in fonts_of["l"])


def test_a_skin_tone_prints_as_the_plain_emoji_without_a_swatch(packet):
    path, _warnings = packet
    with pdfplumber.open(str(path)) as pdf:
        chars = [c for page in pdf.pages for c in page.chars]
    thumbs = [i for i, c in enumerate(chars) if c["text"] == "👍"]
    assert thumbs
    for i in thumbs:
        tone = chars[i + 1]
        assert tone["text"] == "🏽"  # still in the text, for copying and searching
        assert tone["x1"] - tone["x0"] == pytest.approx(0, abs=0.01)  # but it takes no room
