"""Row 8: GUI responsiveness (a 20 ms heartbeat) while the app imports and exports in the background."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import stalls
from .measure import Figure, run_probe
from .report import Result
from .workspace import Workspace

GAP_LIMIT = 0.100
EXPORT_LIMIT_S = 20.0  # at large scale the export is cancelled after this long (row 7 times all of it)
PHASES = (
    ("import", "GUI responsiveness during import (File > Import JSON, until it opens the result)"),
    ("open", "GUI responsiveness during import (the flow then opening the imported case)"),
    ("export", "GUI responsiveness during export (File > Export Briefing)"),
    ("cancel", "GUI responsiveness while cancelling the export"),
)


def _gaps(phase: dict[str, Any]) -> Figure:
    return Figure.of(phase["gaps"] or [phase["seconds"]])


def _text(phase: dict[str, Any]) -> str:
    gaps = _gaps(phase)
    return (
        f"max gap {gaps.fmt(gaps.high)} · p99 {gaps.fmt(gaps.p(99))} "
        f"({len(phase['gaps'])} beats over {phase['seconds']:.1f} s)"
    )


def _where(phase: dict[str, Any]) -> str:
    """When the gaps over the limit happened, in seconds from the phase's start."""
    offsets, elapsed = [], 0.0
    for gap in phase["gaps"]:
        if gap > GAP_LIMIT:
            offsets.append(f"{gap * 1000:.0f} ms at +{elapsed:.1f} s")
        elapsed += gap
    if not offsets:
        return ""
    shown = ", ".join(offsets[:8]) + (f" and {len(offsets) - 8} more" if len(offsets) > 8 else "")
    return f"Gaps over {GAP_LIMIT * 1000:.0f} ms: {shown}."


def _first_notes(data: dict[str, Any]) -> list[str]:
    notes = ["One run (a phase of seconds to minutes holds hundreds of beats)."]
    for crash in data.get("crashes", []):
        notes.append(f"An earlier attempt crashed and was run again: {crash}")
    return notes


def responsiveness_row(ws: Workspace) -> list[Result]:
    """One app process: idle heartbeat, then import, open and export with the heartbeat running."""
    args = {
        "json": str(ws.json_path),
        "target": str(ws.path("heartbeat-import.casefile")),
        "idle_s": 2.0 if ws.scale < 0.1 else 5.0,
        "export_limit": EXPORT_LIMIT_S,
        "timeout": 120 + 600 * ws.scale,
        "stall_file": str(ws.path("stalls.txt")),
        "stall_after": GAP_LIMIT,
    }
    data = run_probe("probe_heartbeat", args, env=ws.env, home="heartbeat", timeout=240 + 900 * ws.scale, retries=1)
    dumps = Path(args["stall_file"]).read_bytes() if Path(args["stall_file"]).exists() else b""
    phases = data["phases"]
    idle = phases["idle"]
    idle_gaps = _gaps(idle)
    out = []
    for key, label in PHASES:
        if key not in phases:
            continue
        phase = phases[key]
        gaps = _gaps(phase)
        notes: list[str] = []
        if key == "export":
            if data.get("export_completed"):
                pages = data.get("export_pages", "?")
                notes.append(f"The export completed ({pages} pages) in {phase['seconds']:.1f} s.")
            else:
                notes.append(
                    f"The export ran for {phase['seconds']:.0f} s and was then cancelled (the whole export is timed in "
                    "row 7)."
                )
        if _where(phase):
            notes.append(_where(phase))
            first, last = phase["stalls"]
            stacks = stalls.summary(dumps[first:last].decode("utf-8", "replace"), int(data["gui_thread"]))
            if stacks:
                notes.append(stacks)
        if key == "cancel":
            notes.append(f"Cancel took {phase['seconds']:.2f} s to stop the export.")
        out.append(
            Result(
                8,
                label,
                f"no gap over {GAP_LIMIT * 1000:.0f} ms",
                measured=gaps,
                measured_text=_text(phase),
                baselines=[("heartbeat with nothing running", _text(idle))],
                ratio=gaps.high / idle_gaps.high,
                met=gaps.high <= GAP_LIMIT,
                notes=notes + _first_notes(data) * (key == "import"),
                extra={"seconds": phase["seconds"], "gaps": phase["gaps"]},
            )
        )
    return out
