"""The briefing options saved in a case: what the packet prints and how, so the same packet
can be produced again (File > Briefing Options…, ``casefile export``).

A received file can hold anything in them, so reading them is guarded: text too long or nested
too deeply is not parsed, and anything that is not a JSON object reads as no options.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa

from .store import CaseStore

log = logging.getLogger("casefile.records")


def get_briefing_options(cf: CaseStore) -> dict[str, Any]:
    """The briefing options saved in the case file ({} when none were saved or they are unreadable)."""
    with cf.read() as conn:
        raw = conn.execute(sa.text("SELECT briefing_options FROM case_info WHERE n = 1")).scalar()
    value: object = None
    # A received file can hold anything here. Deep nesting is refused before parsing: Python's
    # JSON parser recurses once per level, which can overflow a worker thread's small stack.
    if not raw:
        value = {}
    elif isinstance(raw, str) and len(raw) <= _OPTIONS_LIMIT and _nesting(raw) <= _OPTIONS_DEPTH:
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        log.warning("the briefing options saved in %s could not be read; the defaults are used", cf.display_name)
        return {}
    return value


# Saved briefing options are a few hundred bytes of JSON two levels deep.
_OPTIONS_LIMIT = 64 * 1024
_OPTIONS_DEPTH = 16


def _nesting(text: str) -> int:
    """How deeply JSON text nests arrays and objects (brackets inside strings are not counted)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def set_briefing_options(cf: CaseStore, options: dict[str, Any]) -> None:
    """Save the briefing options in the case file, so the same packet can be produced again."""
    text = json.dumps(options, ensure_ascii=False, sort_keys=True)
    with cf.write() as conn:
        conn.execute(sa.text("UPDATE case_info SET briefing_options = :options WHERE n = 1"), {"options": text})
