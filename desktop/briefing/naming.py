"""The packet's file name, from the case's title and "as of" date (no reportlab needed)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .model import parse_date, text_of
from .plain import one_line

_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)


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


def safe_stem(text: str, fallback: str) -> str:
    """``text`` as a file name every system accepts (no ``:``, ``/`` or other refused characters,
    no reserved Windows name, at most 80 characters); ``fallback`` when nothing is left."""
    title = _ILLEGAL.sub("", one_line(text))
    title = " ".join(title.split()).strip(" .")
    if len(title) > 80:
        cut = title[:80]
        title = (cut.rsplit(" ", 1)[0] if " " in cut[40:] else cut).rstrip(" .,;-")
    if not title or _RESERVED.match(title):
        title = f"{fallback} {title}".strip() if title else fallback
    return title
