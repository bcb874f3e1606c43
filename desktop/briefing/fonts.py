"""The packet's fonts: bundled TrueType faces registered with reportlab, and what each covers.

Every character is drawn with an embedded TrueType font (never a base-14 font), so a packet
prints the same everywhere. Noto Serif sets the running text (with a true italic for
quotations); DejaVu Sans sets headings and tables and draws what the serif lacks (Arabic,
Hebrew and most symbols); WenQuanYi Micro Hei covers what DejaVu lacks (CJK), then Symbola
what all of them lack (emoji and symbols, drawn in monochrome). If a
bundled fallback is missing, a few well-known system locations are tried; without any, its
characters are reported as uncovered rather than drawn as boxes silently.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from db.paths import resource_path

from . import shaping

REGULAR = "CasefileSans"
BOLD = "CasefileSans-Bold"
ITALIC = "CasefileSans-Oblique"
BOLD_ITALIC = "CasefileSans-BoldOblique"
SERIF = "CasefileSerif"
SERIF_BOLD = "CasefileSerif-Bold"
SERIF_ITALIC = "CasefileSerif-Italic"
SERIF_BOLD_ITALIC = "CasefileSerif-BoldItalic"
CJK = "CasefileCJK"
SYMBOLS = "CasefileSymbols"

FACE_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
    SERIF: "NotoSerif-Regular.ttf",
    SERIF_BOLD: "NotoSerif-Bold.ttf",
    SERIF_ITALIC: "NotoSerif-Italic.ttf",
    SERIF_BOLD_ITALIC: "NotoSerif-BoldItalic.ttf",
}
# The sans face that draws what a serif face lacks, keeping its weight and slant.
SANS_TWIN = {SERIF: REGULAR, SERIF_BOLD: BOLD, SERIF_ITALIC: ITALIC, SERIF_BOLD_ITALIC: BOLD_ITALIC}
CJK_FILE = "wqy-microhei.ttc"
# Tried, in order, when the bundled CJK font is absent (TrueType outlines only).
SYSTEM_CJK_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)
SYMBOLS_FILE = "Symbola_hint.ttf"
SYSTEM_SYMBOLS_CANDIDATES = (
    "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",
    "/usr/share/fonts/TTF/Symbola.ttf",
)
SKIN_TONES = range(0x1F3FB, 0x1F400)
ZERO_WIDTH_JOINER = 0x200D


@dataclass(frozen=True)
class FontSet:
    """Registered font names and the code points each one can draw."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    fallbacks: tuple[str, ...]
    coverage: dict[str, frozenset[int]]
    serif: str = SERIF
    serif_bold: str = SERIF_BOLD
    serif_italic: str = SERIF_ITALIC
    serif_bold_italic: str = SERIF_BOLD_ITALIC

    def face(self, bold: bool, italic: bool) -> str:
        """The registered name of the text face with these attributes."""
        if bold:
            return self.bold_italic if italic else self.bold
        return self.italic if italic else self.regular

    def shaped_face(self, face: str) -> str:
        """The face a paragraph needing HarfBuzz is set in: the upright sans for a serif face.

        DejaVu Sans has Arabic and Hebrew; its oblique faces do not (nor do those scripts slant).
        One face for the whole paragraph keeps its punctuation in the right-to-left runs.
        """
        upright = {SERIF_ITALIC: SERIF, SERIF_BOLD_ITALIC: SERIF_BOLD}
        return SANS_TWIN.get(upright.get(face, face), face)

    def sans_for(self, face: str) -> str:
        """The sans face that stands in for ``face`` where it has no glyph (itself if sans)."""
        return SANS_TWIN.get(face, face)


_lock = threading.Lock()
_fonts: FontSet | None = None


def font_dir() -> Path:
    """The folder of bundled fonts (source checkout or frozen bundle)."""
    return resource_path("fonts")


def load_fonts() -> FontSet:
    """Register the packet fonts once per process and return them."""
    global _fonts
    with _lock:
        if _fonts is None:
            _fonts = _register()
        return _fonts


def _coverage(font: TTFont) -> frozenset[int]:
    return frozenset(cp for cp, gid in font.face.charToGlyph.items() if gid)


def _register_fallback(name: str, candidates: tuple[Path, ...]) -> TTFont | None:
    """Register the first loadable candidate under ``name``; None if none loads."""
    for candidate in candidates:
        if not candidate.is_file():
            continue
        try:
            font = TTFont(name, str(candidate), subfontIndex=0)
        except Exception:  # an unreadable or CFF-outline file: try the next one
            continue
        pdfmetrics.registerFont(font)
        # One face serves every style: <b> or <i> around such text keeps this font.
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(name, bold, italic, name)
        return font
    return None


def _hide_skin_tone_swatches(font: TTFont) -> None:
    """Draw the five skin-tone modifiers as nothing, keeping them in the text.

    A monochrome packet cannot show a tone; without emoji ligatures the font would draw each
    modifier as a dark swatch beside the hand or face, which reads as a missing-glyph box.
    Mapped to the zero-width joiner's empty glyph, a copied or searched word still has its tone.
    """
    face = font.face
    blank = face.charToGlyph.get(ZERO_WIDTH_JOINER)
    if not blank:
        return
    for code in SKIN_TONES:
        if code in face.charToGlyph:
            face.charToGlyph[code] = blank
            face.charWidths[code] = 0


def _utf16_hex(code: int) -> str:
    """A code point as the UTF-16BE hex string a ToUnicode CMap maps a glyph to."""
    return chr(code).encode("utf-16-be").hex().upper()


def _install_astral_to_unicode() -> None:
    """Make copied and extracted text give back emoji and other characters past U+FFFF.

    reportlab writes each ToUnicode entry as four hex digits, so U+1F680 becomes a malformed
    five-digit entry that readers take as U+1F68 ("Ὠ"). PDF wants UTF-16 there: a surrogate pair.
    """
    original = ttfonts.makeToUnicodeCMap
    if getattr(original, "casefile_astral", False):
        return

    def make_to_unicode_cmap(fontname: str, subset: list[int]) -> str:
        cmap: str = original(fontname, subset)
        for index, code in enumerate(subset):
            if 0xFFFF < code <= 0x10FFFF:
                cmap = cmap.replace(f"\n<{index:02X}> <{code:04X}>\n", f"\n<{index:02X}> <{_utf16_hex(code)}>\n")
        return cmap

    make_to_unicode_cmap.casefile_astral = True  # type: ignore[attr-defined]
    ttfonts.makeToUnicodeCMap = make_to_unicode_cmap


def _register() -> FontSet:
    folder = font_dir()
    coverage: dict[str, frozenset[int]] = {}
    for name, filename in FACE_FILES.items():
        path = folder / filename
        if not path.is_file():
            raise FileNotFoundError(f"The bundled font {filename} is missing from {folder}.")
        font = TTFont(name, str(path))
        pdfmetrics.registerFont(font)
        coverage[name] = _coverage(font)
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)
    pdfmetrics.registerFontFamily(
        SERIF, normal=SERIF, bold=SERIF_BOLD, italic=SERIF_ITALIC, boldItalic=SERIF_BOLD_ITALIC
    )

    # Order matters: a character goes to the first fallback that has it, so Symbola's plainer
    # forms never replace the CJK font's punctuation and letters.
    fallbacks: list[str] = []
    for name, bundled, system in (
        (CJK, CJK_FILE, SYSTEM_CJK_CANDIDATES),
        (SYMBOLS, SYMBOLS_FILE, SYSTEM_SYMBOLS_CANDIDATES),
    ):
        loaded = _register_fallback(name, (folder / bundled, *map(Path, system)))
        if loaded is None:
            continue
        if name == SYMBOLS:
            _hide_skin_tone_swatches(loaded)
        coverage[name] = _coverage(loaded)
        fallbacks.append(name)

    shaping.install_mixed_font_shaping()
    _install_astral_to_unicode()
    return FontSet(
        regular=REGULAR,
        bold=BOLD,
        italic=ITALIC,
        bold_italic=BOLD_ITALIC,
        fallbacks=tuple(fallbacks),
        coverage=coverage,
    )
