"""Row 7: the large case's briefing packet, app path vs a bare platypus build, in pages per second."""

from __future__ import annotations

from .measure import Figure, run_probe
from .report import Result
from .workspace import Workspace

MIN_RATE = 100.0  # pages per second
MAX_RATIO = 1.3


def export_repeats(ws: Workspace) -> int:
    """How many times each export runs: once at large scale (each takes minutes), else up to twice."""
    if ws.export_repeat is not None:
        return max(1, ws.export_repeat)
    return 1 if ws.scale >= 0.5 else min(2, ws.repeat)


def export_row(ws: Workspace) -> list[Result]:
    """Export the packet with the app's code and with bare platypus, alternately."""
    timeout = 180 + 3000 * ws.scale
    runs: dict[str, list[dict[str, float]]] = {"app": [], "bare": []}
    for i in range(export_repeats(ws)):
        for mode in ("app", "bare"):
            args = {
                "mode": mode,
                "path": str(ws.case_path),
                "json": str(ws.json_path),
                "out": str(ws.path(f"packet-{mode}-{i}.pdf")),
            }
            runs[mode].append(run_probe("probe_export", args, env=ws.env, home="export", timeout=timeout))
    rate = {mode: Figure.of([r["pages"] / r["seconds"] for r in rs], "pages/s") for mode, rs in runs.items()}
    seconds = {mode: Figure.of([r["seconds"] for r in rs]) for mode, rs in runs.items()}
    peak = {mode: max(r["memory"]["peak_mb"] for r in rs) for mode, rs in runs.items()}
    pages = {mode: rs[0]["pages"] for mode, rs in runs.items()}
    ratio = rate["bare"].median / rate["app"].median

    def cell(mode: str) -> str:
        return f"{rate[mode].summary()}: {pages[mode]:,} pages in {seconds[mode].fmt(seconds[mode].median)}"

    n = export_repeats(ws)
    return [
        Result(
            7,
            "export the large case's briefing packet",
            f"at least {MIN_RATE:.0f} pages/s; within {MAX_RATIO:g}x of the baseline",
            measured=rate["app"],
            measured_text=cell("app"),
            baselines=[("bare reportlab platypus build of the same content", cell("bare"))],
            ratio=ratio,
            met=rate["app"].median >= MIN_RATE and ratio <= MAX_RATIO,
            notes=[
                f"Each measured {n} time{'s' * (n > 1)} (a full-scale export takes minutes).",
                "Ratio: baseline pages/s over the app's (above 1 means the app is slower).",
                f"Peak memory: app {peak['app']:.0f} MB, bare platypus {peak['bare']:.0f} MB.",
                "The app's time includes the snapshot and reading the case;"
                " the baseline's starts from the parsed JSON.",
            ],
            extra={"runs": runs},
        )
    ]
