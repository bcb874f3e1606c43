"""Briefing-packet renderer: a case (JSON format 1) to a marked, paginated PDF (Qt-free)."""

from __future__ import annotations
