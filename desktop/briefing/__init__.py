"""Briefing-packet renderer: a case (JSON format 1) to a marked, paginated PDF (Qt-free).

``render.render_briefing`` is the entry point; ``options.BriefingOptions`` holds the user's
choices and ``checks.preflight`` lists gaps worth fixing before export.
"""

from __future__ import annotations

from .checks import preflight
from .options import SECTION_IDS, BriefingOptions
from .render import BriefingResult, ExportCancelled, render_briefing, suggested_filename

__all__ = [
    "SECTION_IDS",
    "BriefingOptions",
    "BriefingResult",
    "ExportCancelled",
    "preflight",
    "render_briefing",
    "suggested_filename",
]
