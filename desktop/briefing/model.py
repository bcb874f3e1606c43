"""The case as the packet reads it: lookups, date filtering, ordering and source numbering.

Works on a JSON Casefile JSON document (a dict). The renderer never trusts the document to be
complete: missing lists, null fields, dangling references and unreadable dates all print as
"nothing known" instead of failing the export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from db.dates import PartialDate
from db.day_order import day_of

from .options import BriefingOptions
from .plain import one_line

Record = dict[str, Any]

ACTOR_GROUPS = (
    ("government", "Government"),
    ("company", "Companies"),
    ("organization", "Organizations"),
    ("person", "People"),
    ("other", "Other"),
)


def records(doc: dict[str, Any], key: str) -> list[Record]:
    """The records of one list, skipping anything that is not an object."""
    value = doc.get(key)
    if not isinstance(value, list):
        return []
    return [r for r in value if isinstance(r, dict)]


def text_of(record: Record, key: str) -> str:
    """A field as text ('' when missing or not text)."""
    value = record.get(key)
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def parse_date(value: object) -> PartialDate | None:
    """A partial date from its ISO text, or None when missing or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return PartialDate.parse_iso(value)
    except ValueError:
        return None


def display_date(value: object) -> str:
    """Natural form of an ISO partial date; unreadable text is shown as typed."""
    date = parse_date(value)
    if date is not None:
        return date.display()
    return value.strip() if isinstance(value, str) else ""


def sort_key(value: object) -> tuple[int, str]:
    """Order by date with undated records last."""
    date = parse_date(value)
    return (0, date.sort_key) if date is not None else (1, "")


def day_order_key(record: Record, date_name: str = "date") -> tuple[int, str, int, str]:
    """Order by date, then by the record's place within its day (``order``), then by time: what
    the case file lists (db/day_order.py). Sort stably, so the document's order breaks ties."""
    date = parse_date(record.get(date_name))
    if date is None:
        return (1, "", 0, "")
    given = record.get("order")
    place = given if type(given) is int else 1 << 62  # records with no place follow those with one
    return (0, day_of(date.sort_key) or "", place, date.sort_key)


class DateWindow:
    """The export's date range; a record overlapping it (or undated) is kept."""

    def __init__(self, low: PartialDate | None, high: PartialDate | None) -> None:
        self.low = low.span()[0] if low else None
        self.high = high.span()[1] if high else None
        self.active = low is not None or high is not None

    def keeps(self, value: object) -> bool:
        """True when the date overlaps the window or is unknown."""
        if not self.active:
            return True
        date = parse_date(value)
        if date is None:
            return True
        first, last = date.span()
        return (self.low is None or last >= self.low) and (self.high is None or first <= self.high)

    def describe(self) -> str:
        """ "June 1, 2026 to June 30, 2026" style text for notes, '' when unlimited."""
        if not self.active:
            return ""
        low = _long_day(self.low) if self.low else "the beginning"
        high = _long_day(self.high) if self.high else "the latest record"
        return f"{low} to {high}"


def _long_day(day: dt.date) -> str:
    return PartialDate.from_date(day).display()


@dataclass
class CaseData:
    """Everything the sections need, filtered and ordered for one export."""

    case: Record
    sources: list[Record]
    actors: dict[str, Record]
    statements: dict[str, Record]
    directives: dict[str, Record]
    timeline: list[Record]
    directive_list: list[Record]
    statement_list: list[Record]
    window: DateWindow
    key_only: bool
    source_numbers: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, doc: dict[str, Any], options: BriefingOptions) -> CaseData:
        """Read a document and apply the options' filters and orderings."""
        case = doc.get("case") if isinstance(doc.get("case"), dict) else {}
        assert isinstance(case, dict)
        window = DateWindow(*options.date_bounds())
        actors = {text_of(a, "id"): a for a in records(doc, "actors")}
        statements = {text_of(s, "id"): s for s in records(doc, "statements")}
        directives = {text_of(d, "id"): d for d in records(doc, "directives")}
        timeline = [t for t in records(doc, "timeline") if window.keeps(t.get("date"))]
        if options.key_only:
            timeline = [t for t in timeline if t.get("key") is True]
        timeline.sort(key=day_order_key)
        directive_list = [d for d in directives.values() if window.keeps(d.get("issued"))]
        directive_list.sort(key=lambda d: (*sort_key(d.get("issued")), text_of(d, "identifier")))
        statement_list = [s for s in statements.values() if window.keeps(s.get("date"))]
        statement_list.sort(key=day_order_key)
        return cls(
            case=case,
            sources=records(doc, "sources"),
            actors=actors,
            statements=statements,
            directives=directives,
            timeline=timeline,
            directive_list=directive_list,
            statement_list=statement_list,
            window=window,
            key_only=options.key_only,
        )

    # ----- references --------------------------------------------------------------------
    def actor_name(self, actor_id: object) -> str:
        """The name of a referenced actor ('' when unknown)."""
        if not isinstance(actor_id, str):
            return ""
        actor = self.actors.get(actor_id)
        return text_of(actor, "name") if actor else ""

    def actor_names(self, ids: object) -> list[str]:
        """Names of referenced actors, in the record's order, unknown ones skipped."""
        if not isinstance(ids, list):
            return []
        return [name for name in (self.actor_name(i) for i in ids) if name]

    def attribution(self, statement: Record) -> str:
        """Who said a statement, in what role, when and where: "Ben Kass, spokesman, June 23, 2026"."""
        speaker = self.actors.get(statement.get("speaker") or "")
        parts: list[str] = []
        if speaker:
            parts.append(one_line(text_of(speaker, "name")))
            role = one_line(text_of(speaker, "role")) or one_line(self.actor_name(speaker.get("affiliation")))
            if role:
                parts.append(role)
        else:
            parts.append("Unattributed")
        parts.append(display_date(statement.get("date")))
        parts.append(one_line(text_of(statement, "venue")))
        return ", ".join(p for p in parts if p)

    def key_events(self) -> list[Record]:
        """Timeline entries marked key, in date order (within the date window)."""
        return [t for t in self.timeline if t.get("key") is True]

    # ----- sources -----------------------------------------------------------------------
    def number_sources(self, cited_in_order: Iterable[object]) -> list[tuple[int, Record]]:
        """Number sources by first citation, then the uncited ones; return them numbered."""
        by_id = {text_of(s, "id"): s for s in self.sources}
        numbers: dict[str, int] = {}
        for source_id in cited_in_order:
            if isinstance(source_id, str) and source_id in by_id and source_id not in numbers:
                numbers[source_id] = len(numbers) + 1
        for source_id in by_id:
            if source_id not in numbers:
                numbers[source_id] = len(numbers) + 1
        self.source_numbers = numbers
        return sorted(((n, by_id[i]) for i, n in numbers.items()), key=lambda pair: pair[0])

    def cite(self, source_id: object, locator: object = None) -> str:
        """Citation text (plain, not markup) like "[3]", or "[3, p. 4]" with a pinpoint, '' when none.

        A pinpoint without a source still prints ("[p. 4]"): it is all the reader has."""
        number = self.source_numbers.get(source_id) if isinstance(source_id, str) else None
        pinpoint = " ".join(text_of({"locator": locator}, "locator").split())
        parts = [str(number)] if number else []
        if pinpoint:
            parts.append(pinpoint)
        return f"[{', '.join(parts)}]" if parts else ""

    def citations_in(self, sections: Iterable[str]) -> list[object]:
        """Source references in the order the chosen sections print them."""
        cited: list[object] = []
        for section in sections:
            if section == "chronology":
                cited.extend(t.get("source") for t in self.timeline)
            elif section == "directives":
                cited.extend(d.get("source") for d in self.directive_list)
            elif section == "statements":
                cited.extend(s.get("source") for s in self.statement_list)
        return cited
