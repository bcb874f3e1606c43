"""Long texts cut where they print, and the list of their full texts for the annex.

A statement or summary over the length chosen in Briefing Options prints cut at a sentence
(or at least a word) with a reference to its full text; the references and the annex entries
are found before the layout starts, so the contents can list the annex and each entry has its
number from the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import CaseData, Record, display_date, text_of
from .plain import one_line

LETTER = "A"  # the packet's own annex; the removable "Before it goes out" checklist has no letter
TITLE = f"Annex {LETTER} — Full texts"

_WORD = re.compile(r"\S+")
# A sentence ends at a full stop, question or exclamation mark (closing quotes and brackets
# stay with it) followed by a space, or at an ideographic full stop.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)|[。！？]")
_TRAILING = ",;:—–-([{“‘\"' \n"
SENTENCE_REACH = 0.6  # a sentence end this far into the cut or later is worth losing the rest for


def excerpt_of(text: str, words: int) -> str | None:
    """``text`` cut after at most ``words`` words, ending in an ellipsis; None when it is not longer.

    The cut is at the last sentence end in the last part of those words, else after the last
    whole word; the text before it is the source's, line breaks included.
    """
    if words <= 0 or len(text) <= 2 * words:  # n + 1 words take at least 2n + 1 characters
        return None
    end = 0
    for count, match in enumerate(_WORD.finditer(text), start=1):
        if count > words:
            break
        end = match.end()
    else:
        return None
    sentence = 0
    for match in _SENTENCE_END.finditer(text, 0, min(len(text), end + 1)):
        if match.end() <= end:
            sentence = match.end()
    if sentence >= end * SENTENCE_REACH:
        return text[:sentence].rstrip() + " …"
    return text[:end].rstrip(_TRAILING) + "…"


@dataclass
class FullText:
    """One text printed cut: what it is, where it was cut, and the pages of both ends."""

    number: int
    kind: str  # the section's records: "statements", "directives" or "timeline"
    record_id: str
    label: str  # what it is, e.g. "Statement by Ben Kass, June 24, 2026"
    where: str  # the section it is cut in
    text: str
    excerpt: str
    verbatim: bool | None = None  # statements: a quotation or a paraphrase
    page: int = 0  # where the annex prints it whole (known once laid out)
    cited: int = 0  # where the excerpt prints

    @property
    def anchor(self) -> str:
        """The destination of links to the full text."""
        return f"fulltext-{self.number}"

    @property
    def excerpt_anchor(self) -> str:
        """The destination of links back to the excerpt."""
        return f"excerpt-{self.number}"


@dataclass
class FullTexts:
    """The texts a packet prints cut, in the order they print."""

    words: int = 0
    items: list[FullText] = field(default_factory=list)
    _by_record: dict[tuple[str, str], FullText] = field(default_factory=dict)

    @classmethod
    def find(cls, data: CaseData, sections: list[str], words: int) -> FullTexts:
        """The long texts in what the chosen sections print, section by section in their order."""
        found = cls(words)
        if words <= 0:
            return found
        for section in sections:
            if section == "chronology":
                for entry in data.timeline:
                    found._add("timeline", entry, "description", _entry_label(entry), "Chronology")
            elif section == "directives":
                for directive in data.directive_list:
                    found._add("directives", directive, "summary", _directive_label(directive), "Directives")
            elif section == "statements":
                for statement in data.statement_list:
                    label = _statement_label(data, statement)
                    added = found._add("statements", statement, "text", label, "Statements")
                    if added is not None:
                        added.verbatim = statement.get("verbatim") is True
        return found

    def _add(self, kind: str, record: Record, key: str, label: str, where: str) -> FullText | None:
        text = text_of(record, key)
        cut = excerpt_of(text, self.words)
        if cut is None:
            return None
        item = FullText(len(self.items) + 1, kind, text_of(record, "id"), label, where, text, cut)
        self.items.append(item)
        self._by_record[(kind, item.record_id)] = item
        return item

    def get(self, kind: str, record_id: object) -> FullText | None:
        """The record's text as cut, if it prints cut."""
        return self._by_record.get((kind, str(record_id))) if self.items else None


def _clip(text: str, limit: int = 90) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(_TRAILING) + "…"


def _statement_label(data: CaseData, statement: Record) -> str:
    speaker = data.actors.get(text_of(statement, "speaker"))
    name = _clip(one_line(text_of(speaker, "name"))) if speaker else ""
    date = _clip(display_date(statement.get("date")), 40)
    head = f"Statement by {name}" if name else "Unattributed statement"
    return f"{head}, {date}" if date else head


def _directive_label(directive: Record) -> str:
    ident, title = one_line(text_of(directive, "identifier")), one_line(text_of(directive, "title"))
    name = _clip(" — ".join(p for p in (ident, title) if p)) or "Untitled directive"
    return f"Summary of {name}"


def _entry_label(entry: Record) -> str:
    title = _clip(one_line(text_of(entry, "title"))) or "Untitled entry"
    date = _clip(display_date(entry.get("date")), 40)
    return f"Chronology: {title}" + (f", {date}" if date else "")
