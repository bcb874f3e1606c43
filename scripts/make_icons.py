"""Draw Casefile's icons: the app icon and the ``.casefile`` document icon.

    python scripts/make_icons.py

writes into ``resources/icons/``:

- ``casefile.png`` (512 px, the window icon; ``desktop/app.py`` loads it) and
  ``casefile-1024.png`` (the master, for anything that wants more pixels),
- ``casefile.ico`` (Windows, 16 to 256 px) and ``casefile.icns`` (macOS, 16 to 1024 px),
- ``casefile-document.png``, ``casefile-document.ico`` and ``casefile-document.icns``
  (the icon Explorer and Finder show on ``.casefile`` files).

The art is drawn here from rectangles and polygons (a navy case folder with a tab, a sheet
of paper and a red handling-marking stripe), so it is ours to ship, has no font or
trademark in it, and can be changed by editing numbers. Output is deterministic: running
the script again gives identical files. The generated files are committed; run this
again only to change the art.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "icons"

MASTER = 1024  # final size of the master image
SS = 4  # supersampling factor: draw big, shrink with a good filter, get clean edges

NAVY_DARK = (20, 39, 74, 255)
NAVY = (33, 64, 115, 255)
NAVY_LINE = (52, 88, 146, 255)
PAPER = (255, 255, 255, 255)
PAPER_EDGE = (214, 221, 232, 255)
RULE = (176, 189, 209, 255)
MARK_RED = (200, 36, 48, 255)
SHADOW = (10, 20, 40, 60)

ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


def _box(*coords: float) -> list[float]:
    """Scale master-space coordinates to the supersampled canvas."""
    return [c * SS for c in coords]


def draw_app_icon() -> Image.Image:
    """The app icon: a navy case folder with a tab, a sheet inside, a marking stripe."""
    size = MASTER * SS
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    r = 56 * SS

    # Soft drop shadow under the whole folder.
    d.rounded_rectangle(_box(112, 196, 932, 900), radius=r, fill=SHADOW)
    # Back panel with its tab (top left), in the darker navy.
    d.rounded_rectangle(_box(92, 150, 400, 300), radius=40 * SS, fill=NAVY_DARK)
    d.polygon(_box(340, 150, 396, 150, 458, 212, 458, 300, 340, 300), fill=NAVY_DARK)
    d.rounded_rectangle(_box(92, 210, 932, 880), radius=r, fill=NAVY_DARK)
    # The sheet standing in the folder, with a few ruled lines.
    d.rectangle(_box(168, 262, 856, 720), fill=PAPER_EDGE)
    d.rectangle(_box(176, 270, 848, 720), fill=PAPER)
    for y, width in ((322, 560), (364, 440)):
        d.rectangle(_box(236, y, 236 + width, y + 16), fill=RULE)
    # Front panel, a shade lighter, with a hairline highlight along its top edge.
    d.rounded_rectangle(_box(92, 400, 932, 880), radius=r, fill=NAVY)
    d.rectangle(_box(92 + 40, 400, 932 - 40, 410), fill=NAVY_LINE)
    # The handling-marking stripe across the front.
    d.rectangle(_box(92, 500, 932, 568), fill=MARK_RED)
    # A white label below the stripe, as on a paper case file.
    d.rounded_rectangle(_box(560, 660, 852, 800), radius=16 * SS, fill=PAPER)
    d.rectangle(_box(596, 700, 816, 716), fill=RULE)
    d.rectangle(_box(596, 744, 760, 760), fill=RULE)
    return img.resize((MASTER, MASTER), Image.Resampling.LANCZOS)


def draw_document_icon() -> Image.Image:
    """The ``.casefile`` document icon: a page with a folded corner, marking band and folder badge."""
    size = MASTER * SS
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    left, top, right, bottom, fold = 196, 64, 828, 960, 200

    d.polygon(_box(left + 16, top + 20, right - fold + 16, top + 20, right + 16, top + fold + 20,
                   right + 16, bottom + 20, left + 16, bottom + 20), fill=SHADOW)  # fmt: skip
    page = _box(left, top, right - fold, top, right, top + fold, right, bottom, left, bottom)
    d.polygon(page, fill=PAPER_EDGE)
    inset = 10
    d.polygon(
        _box(left + inset, top + inset, right - fold - 4, top + inset, right - inset, top + fold + 4,
             right - inset, bottom - inset, left + inset, bottom - inset),
        fill=PAPER,
    )  # fmt: skip
    # The folded corner.
    d.polygon(_box(right - fold, top, right - fold, top + fold, right, top + fold), fill=RULE)
    # Marking band near the top, as printed on every packet page.
    d.rectangle(_box(left + inset, 300, right - inset, 352), fill=MARK_RED)
    # Ruled lines of text.
    for y, width in ((410, 480), (460, 520), (510, 400)):
        d.rectangle(_box(276, y, 276 + width, y + 18), fill=RULE)
    # The folder badge: the app icon's folder, small, at the foot of the page.
    bx, by = 312, 600
    d.rounded_rectangle(_box(bx, by, bx + 150, by + 56), radius=18 * SS, fill=NAVY_DARK)
    d.rounded_rectangle(_box(bx, by + 30, bx + 400, by + 290), radius=28 * SS, fill=NAVY_DARK)
    d.rectangle(_box(bx + 36, by + 58, bx + 364, by + 150), fill=PAPER)
    d.rounded_rectangle(_box(bx, by + 110, bx + 400, by + 290), radius=28 * SS, fill=NAVY)
    d.rectangle(_box(bx, by + 160, bx + 400, by + 192), fill=MARK_RED)
    return img.resize((MASTER, MASTER), Image.Resampling.LANCZOS)


def _png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _write(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        print(f"unchanged {path.relative_to(ROOT)}")
        return
    path.write_bytes(data)
    print(f"wrote     {path.relative_to(ROOT)} ({len(data) // 1024} kB)")


def _ico(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="ICO", sizes=ICO_SIZES)
    return buf.getvalue()


def _icns(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="ICNS")
    return buf.getvalue()


def main() -> int:
    """Draw both icons and write every format the platforms need."""
    OUT.mkdir(parents=True, exist_ok=True)
    app = draw_app_icon()
    doc = draw_document_icon()
    _write(OUT / "casefile-1024.png", _png_bytes(app))
    _write(OUT / "casefile.png", _png_bytes(app.resize((512, 512), Image.Resampling.LANCZOS)))
    _write(OUT / "casefile.ico", _ico(app))
    _write(OUT / "casefile.icns", _icns(app))
    _write(OUT / "casefile-document.png", _png_bytes(doc.resize((512, 512), Image.Resampling.LANCZOS)))
    _write(OUT / "casefile-document.ico", _ico(doc))
    _write(OUT / "casefile-document.icns", _icns(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
