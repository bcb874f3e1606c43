"""Row 11: one bulk edit of many records (a tag on 1,000 selected timeline entries)."""

from __future__ import annotations

from .measure import Figure, run_probe
from .report import Result
from .workspace import Workspace

BULK_LIMIT = 1.0  # seconds: the "under a second"


def bulk_tag_row(ws: Workspace) -> list[Result]:
    """Row 11: Add Tag on 1,000 selected timeline entries (write + undo entry + view update), and its undo."""
    path = ws.copy_case("bulk.casefile")
    try:
        args = {"path": str(path), "samples": max(3, ws.repeat), "timeout": 60 + 240 * ws.scale}
        data = run_probe("probe_bulk", args, env=ws.env, home="bulk", timeout=120 + 600 * ws.scale)
    finally:
        path.unlink(missing_ok=True)
    if "error" in data:
        raise RuntimeError(data["error"])
    bulk = data["bulk"]
    tag, undo = Figure.of(bulk["tag"]), Figure.of(bulk["undo"])
    return [
        Result(
            11,
            f"add a tag to {bulk['selected']:,} selected timeline entries (one transaction, one undo step)",
            f"under {BULK_LIMIT:.0f} s",
            measured=tag,
            met=tag.high < BULK_LIMIT,
            notes=[
                f"One Undo of it (with repaint) takes median {undo.fmt(undo.median)}, at most {undo.fmt(undo.high)}."
            ],
        )
    ]
