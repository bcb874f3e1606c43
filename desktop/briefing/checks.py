"""Pre-export checks: gaps a principal would ask about. They warn; they never block an export."""

from __future__ import annotations

from typing import Any

from .model import display_date, records, text_of
from .plain import one_line

MAX_PER_KIND = 10  # more than this of one kind are summed up in one line


def _excerpt(text: str, words: int) -> str:
    parts = one_line(text).split(" ")
    if not parts or not parts[0]:
        return "(no text)"
    head = " ".join(parts[:words])
    if len(head) > 60:
        cut = head[:60]
        head = cut.rsplit(" ", 1)[0] if " " in cut[20:] else cut
        return f"“{head.rstrip(' ,;:')}…”"
    return f"“{head}…”" if len(parts) > words else f"“{head}”"


def preflight(doc: dict[str, Any]) -> list[str]:
    """Human-readable warnings about missing sources, speakers and issued dates."""
    if not isinstance(doc, dict):
        return []
    actors = {text_of(a, "id") for a in records(doc, "actors")}
    sources = {text_of(s, "id") for s in records(doc, "sources")}
    groups: dict[str, list[str]] = {}

    def add(kind: str, message: str) -> None:
        groups.setdefault(kind, []).append(message)

    def known(value: object, ids: set[str]) -> bool:
        return isinstance(value, str) and value in ids

    for statement in records(doc, "statements"):
        quote = _excerpt(text_of(statement, "text"), 3)
        if not known(statement.get("speaker"), actors):
            add("statement-speaker", f"Statement {quote} has no speaker")
        if not known(statement.get("source"), sources):
            add("statement-source", f"Statement {quote} has no source")
    for directive in records(doc, "directives"):
        name = one_line(text_of(directive, "identifier")) or one_line(text_of(directive, "title"))
        label = _excerpt(name, 8)
        if not display_date(directive.get("issued")):
            add("directive-issued", f"Directive {label} has no issued date")
        if not known(directive.get("source"), sources):
            add("directive-source", f"Directive {label} has no source")
    for entry in records(doc, "timeline"):
        when = display_date(entry.get("date"))
        label = _excerpt(text_of(entry, "title"), 6) + (f" ({when})" if when else "")
        if not known(entry.get("source"), sources):
            add("timeline-source", f"Timeline entry {label} has no source")

    plural = {
        "statement-speaker": "statements have no speaker",
        "statement-source": "statements have no source",
        "directive-issued": "directives have no issued date",
        "directive-source": "directives have no source",
        "timeline-source": "timeline entries have no source",
    }
    warnings: list[str] = []
    for kind, messages in groups.items():
        warnings += messages[:MAX_PER_KIND]
        if len(messages) > MAX_PER_KIND:
            warnings.append(f"… and {len(messages) - MAX_PER_KIND} more {plural[kind]}")
    return warnings
