"""Render a case's briefing packet to PNG pages for review.

Usage: python scripts/render_packet_pages.py [JSON] [OUTDIR]
(defaults: db/sample/caisi-review.json and docs/packet). The packet is rendered
deterministically to a temporary PDF and each page is written as OUTDIR/page-NN.png by
poppler's pdftoppm at 80 dpi; old page images in OUTDIR are removed first.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from desktop.briefing.options import BriefingOptions  # noqa: E402
from desktop.briefing.render import render_briefing  # noqa: E402


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else REPO_ROOT / "db" / "sample" / "caisi-review.json"
    out_dir = Path(argv[2]) if len(argv) > 2 else REPO_ROOT / "docs" / "packet"
    if shutil.which("pdftoppm") is None:
        print("pdftoppm (poppler-utils) is not installed", file=sys.stderr)
        return 2
    doc = json.loads(source.read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("page-*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "packet.pdf"
        result = render_briefing(doc, pdf, BriefingOptions(deterministic=True))
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(out_dir / "page")], check=True)
    pages = sorted(out_dir.glob("page-*.png"))
    print(f"{result.pages} pages -> {out_dir}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    return 0 if len(pages) == result.pages else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
