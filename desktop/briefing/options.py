"""What a briefing packet contains: the user's export choices, validated and serialisable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from db.dates import PartialDate

SECTION_IDS = ("summary", "chronology", "actors", "directives", "statements", "sources")
SECTION_TITLES = {
    "summary": "Summary",
    "chronology": "Chronology",
    "actors": "Actors",
    "directives": "Directives",
    "statements": "Statements",
    "sources": "Sources",
}
PAPER_SIZES = ("letter", "a4")
DEFAULT_EXCERPT_WORDS = 150
MAX_EXCERPT_WORDS = 10_000


def _shown(value: object) -> str:
    """A stored choice for a message: short text, or what kind of value it is.

    Options come from the case file, which someone else may have made: a value can be a
    megabyte of text or a list nested a thousand deep, which must not become the message.
    """
    if isinstance(value, str):
        line = " ".join(value.split())
        return line if len(line) <= 40 else line[:39] + "…"
    if value is None or isinstance(value, bool | int | float):
        return str(value)
    return f"a {type(value).__name__}"


@dataclass
class BriefingOptions:
    """Choices for one export; the cover and contents always come first."""

    sections: list[str] = field(default_factory=lambda: list(SECTION_IDS))
    date_from: str | None = None
    date_to: str | None = None
    key_only: bool = False
    paper: str = "letter"
    marking_override: str | None = None
    deterministic: bool = False
    # Which edition the packet shows changes since: "last", an edition's number, or none.
    # Resolving it to that edition's document is the exporter's part; the renderer is given it.
    changes_since: str | int | None = "last"
    # The "Before it goes out" annex listing unsourced records; the marks where they print stay.
    check_annex: bool = True
    # A text longer than this many words prints cut at a sentence or word, with its full text
    # in an annex; 0 prints every text whole where it belongs.
    excerpt_words: int = DEFAULT_EXCERPT_WORDS

    def validate(self) -> None:
        """Raise ValueError naming the first bad choice."""
        if not isinstance(self.sections, list) or not all(isinstance(s, str) for s in self.sections):
            raise ValueError("sections must be a list of section names")
        for name in self.sections:
            if name not in SECTION_IDS:
                allowed = ", ".join(SECTION_IDS)
                raise ValueError(f'"{_shown(name)}" is not a briefing section; use {allowed}')
        if len(set(self.sections)) != len(self.sections):
            raise ValueError("a section is listed more than once")
        bounds: list[PartialDate | None] = []
        for label, value in (("date_from", self.date_from), ("date_to", self.date_to)):
            if value is None:
                bounds.append(None)
                continue
            if not isinstance(value, str):
                raise ValueError(f"{label} must be an ISO partial date")
            try:
                bounds.append(PartialDate.parse_iso(value))
            except ValueError as exc:
                detail = f" ({exc})" if len(value) <= 40 else ""  # the parser's message quotes the value
                raise ValueError(f'{label}: "{_shown(value)}" is not a usable date{detail}') from None
        low, high = bounds
        if low is not None and high is not None and low.span()[0] > high.span()[1]:
            raise ValueError(f"date_from ({low.display()}) is after date_to ({high.display()})")
        if not isinstance(self.key_only, bool):
            raise ValueError("key_only must be true or false")
        if self.paper not in PAPER_SIZES:
            raise ValueError(f'paper must be "letter" or "a4", not "{_shown(self.paper)}"')
        if self.marking_override is not None and not isinstance(self.marking_override, str):
            raise ValueError("marking_override must be text")
        if not isinstance(self.deterministic, bool):
            raise ValueError("deterministic must be true or false")
        if not isinstance(self.check_annex, bool):
            raise ValueError("check_annex must be true or false")
        words = self.excerpt_words
        if type(words) is not int or not 0 <= words <= MAX_EXCERPT_WORDS:
            raise ValueError(
                f'excerpt_words must be a whole number from 0 (never) to {MAX_EXCERPT_WORDS:,}, not "{_shown(words)}"'
            )
        since = self.changes_since
        if not (since is None or since == "last" or (type(since) is int and since >= 1)):
            raise ValueError(f'changes_since must be "last", an edition number or null, not "{_shown(since)}"')

    def date_bounds(self) -> tuple[PartialDate | None, PartialDate | None]:
        """The date range as partial dates (None where open)."""
        low = PartialDate.parse_iso(self.date_from) if self.date_from else None
        high = PartialDate.parse_iso(self.date_to) if self.date_to else None
        return low, high

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "sections": list(self.sections),
            "date_from": self.date_from,
            "date_to": self.date_to,
            "key_only": self.key_only,
            "paper": self.paper,
            "marking_override": self.marking_override,
            "deterministic": self.deterministic,
            "changes_since": self.changes_since,
            "check_annex": self.check_annex,
            "excerpt_words": self.excerpt_words,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BriefingOptions:
        """Options from ``to_dict`` output; missing keys take defaults, bad values raise ValueError."""
        if not isinstance(d, dict):
            raise ValueError("briefing options must be an object")
        unknown = sorted(set(d) - set(cls().to_dict()))
        if unknown:
            raise ValueError(f"unknown briefing option {unknown[0]!r}")
        options = cls()
        if "sections" in d:
            sections = d["sections"]
            if not isinstance(sections, list | tuple):
                raise ValueError("sections must be a list of section names")
            options.sections = list(sections)
        for key in ("date_from", "date_to", "marking_override"):
            if key in d:
                value = d[key]
                setattr(options, key, value if value != "" else None)
        for key in ("key_only", "paper", "deterministic", "changes_since", "check_annex", "excerpt_words"):
            if key in d:
                setattr(options, key, d[key])
        options.validate()
        return options
