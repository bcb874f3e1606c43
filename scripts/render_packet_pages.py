"""Render a case's briefing packet to PNG pages for review.

Usage: python scripts/render_packet_pages.py [JSON] [OUTDIR]
(defaults: db/sample/caisi-review.json and docs/packet). The packet is rendered
deterministically to a temporary PDF and each page is written as OUTDIR/page-NN.png by
poppler's pdftoppm at 80 dpi; old page images in OUTDIR are removed first.

For the sample case it also renders the packet a week later, with changes since the sample
as edition 1 (a signed agreement, a changed order, a new statement, a withdrawn one), as
OUTDIR/changes-NN.png: its cover, the changes section and the pages carrying change bars.
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

from desktop.briefing.changes import EditionBase  # noqa: E402
from desktop.briefing.options import BriefingOptions  # noqa: E402
from desktop.briefing.render import render_briefing  # noqa: E402


def a_week_later(doc: dict) -> dict:
    """The sample case a week on: what a staffer would have recorded since the last packet."""
    later = json.loads(json.dumps(doc))

    def find(kind: str, record_id: str) -> dict:
        return next(r for r in later[kind] if r["id"] == record_id)

    meta = find("directives", "agreement-meta")
    meta["status"] = "in_force"
    meta["title"] = "Meta CAISI voluntary review agreement"
    meta["issued"] = "2026-06-30"
    meta["summary"] = "Meta signed on June 30, 2026, after a week of talks; terms match the other labs' agreements."
    order = find("directives", "eo-14409")
    order["summary"] = order["summary"].replace("up to 30 days", "up to 45 days")
    later["statements"].append({
        "id": "s-meta-signed", "speaker": "francis-brennan", "date": "2026-06-30", "verbatim": True,
        "text": "We have signed the agreement and look forward to working with CAISI.",
        "venue": "statement to reporters", "source": "src-meta-statement",
    })  # fmt: skip
    later["statements"] = [s for s in later["statements"] if s["id"] != "s-anthropic-jailbreaking"]
    later["timeline"].append({
        "id": "t-2026-06-30-meta-signs", "date": "2026-06-30", "title": "Meta signs the CAISI agreement",
        "actors": ["meta", "caisi"], "key": True, "source": "src-meta-statement",
    })  # fmt: skip
    find("actors", "devin-lynch")["role"] = "Former CAISI official"
    later["case"]["as_of"] = "2026-07-01"
    return later


def render_changes(doc: dict, out_dir: Path) -> None:
    """The packet a week later, with changes since the sample as edition 1: the pages that show them."""
    for old in out_dir.glob("changes-*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "changes.pdf"
        since = EditionBase(1, "2026-06-24T09:15:00-04:00", doc)
        render_briefing(a_week_later(doc), pdf, BriefingOptions(deterministic=True), since=since)
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(Path(tmp) / "changes")], check=True)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        pages = text.split("\f")
        start = next(i for i, page in enumerate(pages, start=1) if i > 1 and "Changes since edition" in page)
        keep = [1, start, start + 1]  # the cover, and the section (about two pages for a week's work)
        barred = [i for i, page in enumerate(pages, start=1) if "Meta signs the CAISI agreement" in page]
        keep += [i for i in barred if i not in keep][:1]
        for image in sorted(Path(tmp).glob("changes-*.png")):
            if int(image.stem.split("-")[-1]) in keep:
                shutil.copy(image, out_dir / image.name)


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
    if len(argv) <= 1:
        render_changes(doc, out_dir)
    pages = sorted(out_dir.glob("page-*.png"))
    print(f"{result.pages} pages -> {out_dir}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    return 0 if len(pages) == result.pages else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
