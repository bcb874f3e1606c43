"""Peak memory and speed of the briefing renderer on a long chronology-only case.

Usage: python scripts/briefing_memory.py [ROWS ...] [--before REV] [--repeat N] [--all-sections] [--keep DIR]

For each row count (default 10000 100000) this measures, each in a fresh Python process:

- packet:   ``render_briefing`` of a chronology-only case (furniture, "Page N of M",
            contents, outline), deterministic mode;
- baseline: a bare platypus build of the same flowables (``BaseDocTemplate``, one frame,
            a plain reportlab Canvas, no page furniture).

It prints pages, wall and CPU seconds with pages/s for each, the packet's CPU time relative to
the baseline's (CPU time is steadier than wall time on a busy machine), the process's RSS once
the input case is built ("input") and its peak RSS (ru_maxrss, so POSIX only) for the whole run.
With ``--before REV`` (e.g. ``--before HEAD``) the packet and its baseline are also measured
with the renderer as committed at REV (the whole tree at REV is exported to a temporary
directory), so a change can be compared with what it replaces in one run on one machine.

``--all-sections`` renders every section of a case shaped like a real large one: per 100,000
timeline entries, 5,000 actors, 20,000 sources, 50,000 statements and 2,000 directives.

An existing PYTHONPATH is kept after the tree measured, so an optional accelerator installed
elsewhere can be tried: ``pip install --target /tmp/rl rl_accel`` and
``PYTHONPATH=/tmp/rl python scripts/briefing_memory.py`` (the last line says whether it loaded).
Linux counts a child's ru_maxrss from its parent's size at fork, so this parent stays small.
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


def full_case(rows: int) -> dict[str, Any]:
    """Every record type, in the proportions of a real large case (100,000 timeline entries)."""
    doc = chronology_case(rows)
    n_actors, n_sources = max(2, rows // 20), max(1, rows // 5)
    n_statements, n_directives = max(1, rows // 2), max(1, rows // 50)
    kinds = ("government", "company", "organization", "person", "other")
    doc["case"]["summary"] = "A long case. " * 40
    doc["actors"] = [
        {"id": f"a{i}", "name": f"Actor {i}", "kind": kinds[i % 5], "role": "Spokesperson",
         "affiliation": f"a{i // 10}", "description": "Appears in the record now and then."}
        for i in range(n_actors)
    ]  # fmt: skip
    doc["sources"] = [
        {"id": f"s{i}", "title": f"Report number {i}", "publisher": "The Daily Record", "author": "A. Writer",
         "published": f"{2000 + i % 26}-{i % 12 + 1:02d}-01", "url": f"https://example.com/report/{i}"}
        for i in range(n_sources)
    ]  # fmt: skip
    doc["statements"] = [
        {"id": f"st{i}", "speaker": f"a{i % n_actors}", "date": f"{2000 + i % 26}-{i % 12 + 1:02d}-15",
         "text": "We are reviewing the matter and will respond in due course. " * (1 + i % 4),
         "verbatim": i % 3 != 0, "source": f"s{i % n_sources}", "venue": "press briefing"}
        for i in range(n_statements)
    ]  # fmt: skip
    doc["directives"] = [
        {"id": f"d{i}", "identifier": f"EO {14000 + i}", "title": f"Order {i}", "kind": "executive_order",
         "issuer": f"a{i % n_actors}", "issued": f"{2000 + i % 26}-01-02", "status": "in_force",
         "summary": "Sets out what agencies must do. " * 8, "provisions": ["Do this.", "Then that."],
         "parties": [f"a{i % n_actors}", f"a{(i + 1) % n_actors}"], "source": f"s{i % n_sources}"}
        for i in range(n_directives)
    ]  # fmt: skip
    for i, entry in enumerate(doc["timeline"]):
        entry["actors"] = [f"a{i % n_actors}", f"a{(i * 7) % n_actors}"]
        entry["source"] = f"s{i % n_sources}"
    return doc


def _rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)  # KiB on Linux


def _child(mode: str, rows: int, out: Path, full: bool) -> dict[str, Any]:
    doc = full_case(rows) if full else chronology_case(rows)
    input_mb = _rss_mb()
    from desktop.briefing.options import SECTION_IDS, BriefingOptions

    options = BriefingOptions(sections=list(SECTION_IDS) if full else ["chronology"], deterministic=True)
    started, cpu = time.perf_counter(), time.process_time()
    if mode == "packet":
        from desktop.briefing.render import render_briefing

        pages = render_briefing(doc, out, options).pages
    else:
        pages = _bare_build(doc, options, out)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "mode": mode,
        "rows": rows,
        "pages": pages,
        "seconds": seconds,
        "cpu": cpu,
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


def _measure(root: Path, mode: str, rows: int, full: bool, keep: Path | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = keep if keep is not None else Path(tmp) / "packet.pdf"
        path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
        env = dict(os.environ, PYTHONPATH=path)
        command = [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(rows), str(out)]
        command += ["--root", str(root)] + (["--all-sections"] if full else [])
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{mode} {rows} rows failed:\n{done.stderr}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def _export(rev: str, into: Path) -> Path:
    # Piped, not read into this process: a child's ru_maxrss starts from this process's size.
    archive = subprocess.Popen(["git", "archive", rev], cwd=REPO_ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(into)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"git archive {rev} failed")
    return into


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--before", metavar="REV", help="also measure the renderer as committed at REV")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (the least CPU time is kept)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "ROWS", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--all-sections", action="store_true", help="a case with every record type")
    parser.add_argument("--keep", metavar="DIR", type=Path, help="keep the PDFs in DIR (LABEL-ROWS.pdf)")
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args(argv[1:])
    if args.child:
        sys.path.insert(0, args.root or str(REPO_ROOT))
        mode, rows, out = args.child
        print(json.dumps(_child(mode, int(rows), Path(out), args.all_sections)))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        # (label, tree, mode, the baseline it is compared with)
        configs: list[tuple[str, Path, str, str]] = []
        if args.before:
            before = _export(args.before, Path(tmp))
            configs.append((f"baseline@{args.before}", before, "baseline", f"baseline@{args.before}"))
            configs.append((f"packet@{args.before}", before, "packet", f"baseline@{args.before}"))
        configs += [("baseline", REPO_ROOT, "baseline", "baseline"), ("packet", REPO_ROOT, "packet", "baseline")]
        width = max(len(label) for label, *_ in configs)
        header = f"{'rows':>7}  {'what':<{width}} {'pages':>6} {'wall s':>7} {'pages/s':>8} {'CPU s':>7} {'pages/s':>8}"
        header += f" {'x base':>7} {'input MB':>9} {'peak MB':>8} {'PDF MB':>7}"
        print(header)
        for rows in args.rows:
            best: dict[str, dict[str, Any]] = {}
            for _ in range(args.repeat):  # interleaved, so a busy spell hurts every config alike
                for label, root, mode, _base in configs:
                    keep = args.keep / f"{label.replace('@', '-')}-{rows}.pdf" if args.keep else None
                    r = _measure(root, mode, rows, args.all_sections, keep)
                    if label not in best or r["cpu"] < best[label]["cpu"]:
                        best[label] = r
            for label, _root, _mode, base in configs:
                r = best[label]
                print(
                    f"{rows:>7}  {label:<{width}} {r['pages']:>6} {r['seconds']:>7.1f} "
                    f"{r['pages'] / r['seconds']:>8.0f} {r['cpu']:>7.1f} {r['pages'] / r['cpu']:>8.0f} "
                    f"{r['cpu'] / best[base]['cpu']:>7.2f} {r['input_mb']:>9.0f} {r['peak_mb']:>8.0f} "
                    f"{r['bytes'] / 1e6:>7.1f}",
                    flush=True,
                )
        accel = "yes" if best["baseline"]["rl_accel"] else "no"
        print(f"x base: CPU time over that of the baseline of the same tree; the least of {args.repeat} run(s) each")
        print(f"rl_accel: {accel}; Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
