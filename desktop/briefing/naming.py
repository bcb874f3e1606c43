"""The packet's file name, from the case's title and "as of" date (no reportlab needed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from db.filenames import safe_stem

from .model import parse_date, text_of
from .plain import one_line

__all__ = ["safe_stem", "suggested_filename"]


def suggested_filename(doc: dict[str, Any]) -> str:
    """A file name like "CAISI Voluntary Review - briefing - 2026-06-24.pdf"."""
    case = doc.get("case") if isinstance(doc, dict) and isinstance(doc.get("case"), dict) else {}
    assert isinstance(case, dict)
    title = one_line(text_of(case, "title"))
    main, colon, _ = title.partition(":")
    if colon and len(main.strip()) >= 8:
        title = main  # "Main title: long subtitle" -> the main title, as people name files
    title = safe_stem(title, "Case")
    as_of = parse_date(case.get("as_of"))
    day = as_of.iso[:10] if as_of is not None else dt.date.today().isoformat()
    return f"{title} - briefing - {day}.pdf"
