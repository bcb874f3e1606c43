"""The packet's fonts: bundled TrueType faces registered with reportlab, and what each covers.

Every character is drawn with an embedded TrueType font (never a base-14 font), so a packet
prints the same everywhere. DejaVu Sans is the text face; WenQuanYi Micro Hei covers what
DejaVu lacks (CJK). If the bundled CJK font is missing, a few well-known system locations are
tried; without any, CJK text is reported as uncovered rather than drawn as boxes silently.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from db.paths import resource_path

from . import shaping

REGULAR = "CasefileSans"
BOLD = "CasefileSans-Bold"
ITALIC = "CasefileSans-Oblique"
BOLD_ITALIC = "CasefileSans-BoldOblique"
CJK = "CasefileCJK"

FACE_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}
CJK_FILE = "wqy-microhei.ttc"
# Tried, in order, when the bundled CJK font is absent (TrueType outlines only).
SYSTEM_CJK_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)


@dataclass(frozen=True)
class FontSet:
    """Registered font names and the code points each one can draw."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    fallbacks: tuple[str, ...]
    coverage: dict[str, frozenset[int]]

    def face(self, bold: bool, italic: bool) -> str:
        """The registered name of the text face with these attributes."""
        if bold:
            return self.bold_italic if italic else self.bold
        return self.italic if italic else self.regular


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

    fallbacks: list[str] = []
    for candidate in (folder / CJK_FILE, *map(Path, SYSTEM_CJK_CANDIDATES)):
        if not candidate.is_file():
            continue
        try:
            font = TTFont(CJK, str(candidate), subfontIndex=0)
        except Exception:  # an unreadable or CFF-outline file: try the next one
            continue
        pdfmetrics.registerFont(font)
        # One face serves every style: <b> or <i> around CJK text keeps this font.
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(CJK, bold, italic, CJK)
        coverage[CJK] = _coverage(font)
        fallbacks.append(CJK)
        break

    shaping.install_mixed_font_shaping()
    return FontSet(
        regular=REGULAR,
        bold=BOLD,
        italic=ITALIC,
        bold_italic=BOLD_ITALIC,
        fallbacks=tuple(fallbacks),
        coverage=coverage,
    )
