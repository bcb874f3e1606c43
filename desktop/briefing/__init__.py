"""Briefing-packet renderer: a case (Casefile JSON) to a marked, paginated PDF (Qt-free).

``render.render_briefing`` is the entry point; ``options.BriefingOptions`` holds the user's
choices and ``checks.preflight`` lists gaps worth fixing before export. The names below are
loaded on first use, so the app can read options without loading reportlab at start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "preflight": "checks",
    "SECTION_IDS": "options",
    "BriefingOptions": "options",
    "BriefingResult": "render",
    "ExportCancelled": "render",
    "render_briefing": "render",
    "suggested_filename": "naming",
}

__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
