"""Pre-export checks: gaps a principal would ask about. They warn; they never block an export."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import CaseData, Record, display_date, records, text_of
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


# ----- flags printed in the packet ------------------------------------------------------------

FLAG_CALLBACK = "casefile_flag"  # the canvas callback a printed flag reports its page to

RULES = {
    "statement-speaker": ("statements", "no speaker", "Statements with no speaker"),
    "statement-source": ("statements", "no source", "Statements with no source"),
    "directive-issued": ("directives", "no issued date", "Directives with no issued date"),
    "directive-source": ("directives", "no source", "Directives with no source"),
    "timeline-source": ("timeline", "no source", "Timeline entries with no source"),
}


@dataclass
class Flag:
    """One gap in one record that prints in the packet."""

    number: int
    rule: str
    record_id: str
    label: str


@dataclass
class Flags:
    """The gaps in the records a packet prints, the tags that mark them and the pages they print on."""

    italic: str = ""
    items: list[Flag] = field(default_factory=list)
    pages: dict[int, int] = field(default_factory=dict)
    _by_record: dict[tuple[str, str], list[Flag]] = field(default_factory=dict)

    @classmethod
    def find(cls, data: CaseData, sections: list[str], italic: str) -> Flags:
        """The gaps in what the chosen sections print, in the packet's order within each rule."""
        flags = cls(italic)
        sources = {text_of(s, "id") for s in data.sources}
        if "statements" in sections:
            for statement in data.statement_list:
                speaker = data.actors.get(text_of(statement, "speaker"))
                name = _clip(one_line(text_of(speaker, "name")), 60) if speaker else ""
                who = ", ".join(p for p in (name, _clip(display_date(statement.get("date")), 40)) if p)
                label = _excerpt(text_of(statement, "text"), 12) + (f" ({who})" if who else "")
                if speaker is None:
                    flags._add("statement-speaker", statement, label)
                if text_of(statement, "source") not in sources:
                    flags._add("statement-source", statement, label)
        if "directives" in sections:
            for directive in data.directive_list:
                ident, title = one_line(text_of(directive, "identifier")), one_line(text_of(directive, "title"))
                label = _clip(" — ".join(p for p in (ident, title) if p) or "Untitled directive")
                if not display_date(directive.get("issued")):
                    flags._add("directive-issued", directive, label)
                if text_of(directive, "source") not in sources:
                    flags._add("directive-source", directive, label)
        if "chronology" in sections:
            for entry in data.timeline:
                when = display_date(entry.get("date"))
                label = _clip(one_line(text_of(entry, "title")) or "Untitled entry") + (
                    f" ({_clip(when, 40)})" if when else ""
                )
                if text_of(entry, "source") not in sources:
                    flags._add("timeline-source", entry, label)
        return flags

    def _add(self, rule: str, record: Record, label: str) -> None:
        flag = Flag(len(self.items), rule, text_of(record, "id"), label)
        self.items.append(flag)
        self._by_record.setdefault((RULES[rule][0], flag.record_id), []).append(flag)

    def tag(self, kind: str, record_id: object, *rules: str) -> str:
        """Markup for the record's gaps, e.g. " [no source]" ('' when it has none).

        Each gap is an anchor the annex links to and a callback that notes its page; the tag
        is italic in the text colour so it survives a black-and-white copy.
        """
        found = [f for f in self._by_record.get((kind, str(record_id)), []) if not rules or f.rule in rules]
        if not found:
            return ""
        hooks = "".join(
            f'<a name="flag-{f.number}"/><onDraw name="{FLAG_CALLBACK}" label="{f.number}"/>' for f in found
        )
        words = "; ".join(dict.fromkeys(RULES[f.rule][1] for f in found))
        return f' {hooks}<font name="{self.italic}" color="#000000">[{words}]</font>'

    def seen(self, canvas: Any, kind: str, label: str | None) -> None:
        """Canvas callback: a flag printed; the first page it prints on is the one the annex names."""
        if label is not None and label.isdigit():
            self.pages.setdefault(int(label), canvas.getPageNumber())

    def grouped(self) -> list[tuple[str, list[Flag]]]:
        """The flags by rule, in the annex's order, empty rules left out."""
        return [(RULES[rule][2], found) for rule in RULES if (found := [f for f in self.items if f.rule == rule])]


def _clip(text: str, limit: int = 120) -> str:
    """Text cut at a word to ``limit`` characters: the annex names a record, it does not reprint it."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:—") + "…"
