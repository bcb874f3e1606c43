"""Peak memory and speed of the briefing renderer on a long chronology-only case.

Usage: python scripts/briefing_memory.py [ROWS ...] [--before REV] [--repeat N]

For each row count (default 10000 100000) this measures, each in a fresh Python process:

- packet:   ``render_briefing`` of a chronology-only case (furniture, "Page N of M",
            contents, outline), deterministic mode;
- baseline: a bare platypus build of the same flowables (``BaseDocTemplate``, one frame,
            a plain reportlab Canvas, no page furniture).

It prints pages, seconds, pages/s, the packet's time relative to the baseline, the process's
RSS once the input case is built ("input") and its peak RSS (ru_maxrss) for the whole run.
With ``--before REV`` (e.g. ``--before HEAD``) the packet is also measured with the renderer
as committed at REV (the whole tree at REV is exported to a temporary directory), so a change
can be compared with what it replaces in one run on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def chronology_case(rows: int) -> dict[str, Any]:
    """A small case with ``rows`` timeline entries (as in the renderer's 10,000-row test)."""
    return {
        "format": "casefile",
        "version": 1,
        "case": {"title": "Long chronology", "marking": "FOR INTERNAL USE ONLY", "as_of": "2026-06-24"},
        "sources": [{"id": "src-nyt", "title": "U.S. Presses Meta", "publisher": "The New York Times"}],
        "actors": [
            {"id": "meta", "name": "Meta", "kind": "company"},
            {"id": "commerce", "name": "U.S. Department of Commerce", "kind": "government"},
        ],
        "timeline": [
            {
                "id": f"t{i}",
                "date": f"{2000 + i % 26}-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
                "title": f"Event {i}: the department responds",
                "description": "Officials call it routine work.",
                "actors": ["meta", "commerce"],
                "key": i % 50 == 0,
                "source": "src-nyt",
            }
            for i in range(rows)
        ],
    }


def _rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)  # KiB on Linux


def _child(mode: str, rows: int, out: Path) -> dict[str, Any]:
    doc = chronology_case(rows)
    input_mb = _rss_mb()
    from desktop.briefing.options import BriefingOptions

    options = BriefingOptions(sections=["chronology"], deterministic=True)
    started = time.perf_counter()
    if mode == "packet":
        from desktop.briefing.render import render_briefing

        pages = render_briefing(doc, out, options).pages
    else:
        pages = _bare_build(doc, options, out)
    seconds = time.perf_counter() - started
    return {
        "mode": mode,
        "rows": rows,
        "pages": pages,
        "seconds": seconds,
        "input_mb": input_mb,
        "peak_mb": _rss_mb(),
        "bytes": out.stat().st_size,
        "rl_accel": _has_rl_accel(),
    }


def _has_rl_accel() -> bool:
    try:
        import _rl_accel  # noqa: F401
    except ImportError:
        return False
    return True


def _bare_build(doc: dict[str, Any], options: Any, out: Path) -> int:
    """The packet's story laid out by plain platypus: the cost floor of any packet."""
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    from desktop.briefing.context import Ctx
    from desktop.briefing.document import SectionMark
    from desktop.briefing.fonts import load_fonts
    from desktop.briefing.model import CaseData
    from desktop.briefing.options import SECTION_TITLES
    from desktop.briefing.render import _story
    from desktop.briefing.styles import PageGeometry, Styles
    from desktop.briefing.text import TextPrep

    fonts = load_fonts()
    geometry = PageGeometry.for_paper(options.paper)
    ctx = Ctx(CaseData.build(doc, options), Styles(fonts), TextPrep(fonts), geometry, options, fonts)
    marks = [SectionMark(key, SECTION_TITLES[key]) for key in options.sections]
    story = _story(ctx, marks, None)
    frame = Frame(
        geometry.left, geometry.bottom, geometry.frame_width, geometry.frame_height,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="text",
    )  # fmt: skip
    pdf = BaseDocTemplate(
        str(out),
        pagesize=(geometry.width, geometry.height),
        initialFontName=fonts.regular,
        initialFontSize=9.5,
        invariant=1,
    )
    pdf.addPageTemplates([PageTemplate(id="cover", frames=[frame]), PageTemplate(id="body", frames=[frame])])
    pdf.build(story, canvasmaker=Canvas)
    return int(pdf.page)


def _measure(root: Path, mode: str, rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "packet.pdf"
        env = dict(os.environ, PYTHONPATH=str(root))
        command = [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(rows), str(out)]
        command += ["--root", str(root)]
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{mode} {rows} rows failed:\n{done.stderr}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def _export(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", rev], cwd=REPO_ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--before", metavar="REV", help="also measure the packet as committed at REV")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (the fastest is kept)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "ROWS", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args(argv[1:])
    if args.child:
        sys.path.insert(0, args.root or str(REPO_ROOT))
        mode, rows, out = args.child
        print(json.dumps(_child(mode, int(rows), Path(out))))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        trees: list[tuple[str, Path]] = []
        if args.before:
            trees.append((f"packet@{args.before}", _export(args.before, Path(tmp))))
        trees.append(("packet", REPO_ROOT))
        header = f"{'rows':>7}  {'what':<16} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'x base':>7}"
        header += f" {'input MB':>9} {'peak MB':>8} {'PDF MB':>7}"
        print(header)
        for rows in args.rows:
            runs: list[tuple[str, dict[str, Any]]] = []
            for label, root in [("baseline", REPO_ROOT), *trees]:
                mode = "baseline" if label == "baseline" else "packet"
                best = min((_measure(root, mode, rows) for _ in range(args.repeat)), key=lambda r: r["seconds"])
                runs.append((label, best))
            base = runs[0][1]["seconds"]
            for label, r in runs:
                print(
                    f"{rows:>7}  {label:<16} {r['pages']:>6} {r['seconds']:>8.1f} "
                    f"{r['pages'] / r['seconds']:>8.0f} {r['seconds'] / base:>7.2f} "
                    f"{r['input_mb']:>9.0f} {r['peak_mb']:>8.0f} {r['bytes'] / 1e6:>7.1f}",
                    flush=True,
                )
        print(f"rl_accel: {'yes' if runs[0][1]['rl_accel'] else 'no'}; Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
