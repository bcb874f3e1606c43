"""What changed between an earlier edition of a packet and the case now: records and words.

Records are matched by id within each kind; a changed field is compared as the packet shows
it (dates in their natural form, references by the referenced record's name, lists joined),
so an edit that prints the same is no change. A reference compares by the id it holds:
renaming an actor changes the actor, not every statement it made. Each changed field carries
a word-level redline, as comparative prints show amended text. Qt-free and reportlab-free.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from db.dates import PartialDate
from db.fields import CASE_FIELDS, KINDS, FieldSpec, FieldType, Kind, choice_label

from .model import Record, display_date, records, text_of
from .plain import one_line, paragraphs

Status = Literal["added", "changed", "removed"]
SegmentKind = Literal["same", "removed", "added", "skipped"]
Segment = tuple[SegmentKind, str]
# Values that read as one unit: "Anthropic public statement" replaced by "The New York Times
# report" must not interleave the words of two titles.
WHOLE_VALUES = frozenset({FieldType.REF, FieldType.CHOICE, FieldType.BOOL})

CASE = "case"
# The record lists in the order the packet prints their sections, with the count line's nouns.
PACKET_ORDER: tuple[tuple[str, str, str], ...] = (
    ("timeline", "timeline entry", "timeline entries"),
    ("actors", "actor", "actors"),
    ("directives", "directive", "directives"),
    ("statements", "statement", "statements"),
    ("sources", "source", "sources"),
)
STATUSES: tuple[Status, ...] = ("added", "changed", "removed")
_KIND_OF = {spec.json_name: kind for kind, spec in KINDS.items()}
# A word or punctuation mark with the whitespace after it: whitespace alone is never a token
# to match, which keeps the diff fast (thousands of identical spaces make it quadratic).
_TOKEN = re.compile(r"(?:\w+(?:['’]\w+)*|[^\w\s])\s*|\s+")
# Past this many token pairs a word diff is slow (it is quadratic at worst): the texts are
# first lined up by paragraph and only paragraphs that differ are diffed word by word.
_WORD_DIFF_LIMIT = 10_000_000


@dataclass(frozen=True)
class EditionBase:
    """An earlier edition to compare with: its number, when it was made, what it printed."""

    number: int  # the edition's number (1, 2, ...)
    made: str  # when it was exported, ISO 8601 with offset, e.g. "2026-06-24T09:15:00-04:00"
    doc: dict[str, Any]  # the Casefile JSON document as that edition printed it

    def made_display(self) -> str:
        """The edition's date as the packet prints dates ("June 24, 2026"); '' when unreadable."""
        try:
            when = dt.datetime.fromisoformat(self.made) if isinstance(self.made, str) else None
        except ValueError:
            when = None
        return PartialDate.from_date(when.date()).display() if when is not None else ""


@dataclass(frozen=True)
class FieldChange:
    """One changed field: its label and the old and new values as the packet shows them."""

    name: str
    label: str
    old: str
    new: str
    whole: bool = False  # a name, a choice, a flag: struck and replaced as one, never word by word

    def redline(self) -> list[Segment]:
        """The word-level redline from the old value to the new one (or the whole old value
        struck and the whole new one added, for values that read as one unit)."""
        if not self.whole:
            return redline(self.old, self.new)
        segments: list[Segment] = []
        if self.old:
            segments.append(("removed", self.old))
        if self.old and self.new:
            segments.append(("same", " "))
        if self.new:
            segments.append(("added", self.new))
        return segments


@dataclass(frozen=True)
class RecordChange:
    """A record added, changed or removed; ``fields`` lists what changed in a changed one."""

    kind: str  # a JSON list name ("statements", ...) or "case"
    id: str
    status: Status
    title: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class Changes:
    """Every difference between an edition's document and the current one."""

    records: tuple[RecordChange, ...]
    marked: frozenset[tuple[str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        marked = frozenset((c.kind, c.id) for c in self.records if c.status != "removed")
        object.__setattr__(self, "marked", marked)

    def of(self, kind: str, status: Status | None = None) -> list[RecordChange]:
        """The changes to one kind of record (optionally of one status), in order."""
        return [c for c in self.records if c.kind == kind and (status is None or c.status == status)]

    def marks(self, kind: str, record_id: object) -> bool:
        """Whether the record was added or changed since the edition (it gets a change bar)."""
        return isinstance(record_id, str) and (kind, record_id) in self.marked

    def summary(self) -> str:
        """The counts in packet order: "4 statements added, 2 directives changed", or "no changes"."""
        parts: list[str] = []
        for kind, one, many in PACKET_ORDER:
            for status in STATUSES:
                count = len(self.of(kind, status))
                if count:
                    parts.append(f"{count:,} {one if count == 1 else many} {status}")
        if self.of(CASE):
            parts.append("case details changed")
        return ", ".join(parts) if parts else "no changes"


def counts_line(base: EditionBase, changes: Changes) -> str:
    """Page one's line: "Since edition 3 of June 24, 2026: 4 statements added, ..."."""
    made = base.made_display()
    since = f"Since edition {base.number}" + (f" of {made}" if made else "")
    return f"{since}: {changes.summary()}"


# ----- comparing documents ----------------------------------------------------------------------


class _Lookup:
    """One document's records by kind and id, for names of referenced records."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.by_kind: dict[str, dict[str, Record]] = {}
        for name, _, _ in PACKET_ORDER:
            found: dict[str, Record] = {}
            for record in records(doc, name):
                record_id = record.get("id")
                if isinstance(record_id, str) and record_id not in found:
                    found[record_id] = record
            self.by_kind[name] = found

    def name_of(self, kind: Kind | None, record_id: object) -> str:
        """The title line of a referenced record ('' when it is not in the document)."""
        if kind is None or not isinstance(record_id, str):
            return ""
        json_name = KINDS[kind].json_name
        record = self.by_kind.get(json_name, {}).get(record_id)
        return record_title(json_name, record, self) if record is not None else ""


def record_title(kind: str, record: Record, lookup: _Lookup) -> str:
    """How a record is named in a list of changes: the line a reader knows it by."""
    if kind == "timeline":
        date = display_date(record.get("date"))
        title = one_line(text_of(record, "title")) or "Untitled entry"
        return f"{date}: {title}" if date else title
    if kind == "directives":
        parts = [one_line(text_of(record, key)) for key in ("identifier", "title")]
        return " — ".join(p for p in parts if p) or "Untitled directive"
    if kind == "statements":
        speaker = lookup.name_of(Kind.ACTOR, record.get("speaker")) or "Unattributed"
        words = one_line(text_of(record, "text"))
        if len(words) > 70:
            words = words[:69].rsplit(" ", 1)[0].rstrip(",;:") + "…"
        return f"{speaker}: “{words}”" if words else speaker
    if kind == "actors":
        return one_line(text_of(record, "name")) or "Unnamed actor"
    if kind == "sources":
        return one_line(text_of(record, "title")) or one_line(text_of(record, "url")) or "Untitled source"
    return one_line(text_of(record, "title"))


def _shown(spec: FieldSpec, record: Record, lookup: _Lookup) -> str:
    """A field's value as the packet prints it, as text."""
    value = record.get(spec.name)
    kind = spec.type
    if kind is FieldType.DATE:
        return display_date(value)
    if kind is FieldType.BOOL:
        return "Yes" if value is True else "No"
    if kind is FieldType.CHOICE:
        return choice_label(value) if isinstance(value, str) else ""
    if kind is FieldType.REF:
        return lookup.name_of(spec.target, value)
    if kind is FieldType.REFS:
        ids = value if isinstance(value, list) else []
        return "; ".join(n for n in (lookup.name_of(spec.target, i) for i in ids) if n)
    if kind in (FieldType.TAGS, FieldType.LINES):
        items = [one_line(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []
        return ("\n" if kind is FieldType.LINES else ", ").join(i for i in items if i)
    if kind is FieldType.LONG_TEXT:
        return "\n\n".join(one_line(p) for p in paragraphs(text_of(record, spec.name)))
    return one_line(text_of(record, spec.name))


def _compared(spec: FieldSpec, record: Record, lookup: _Lookup) -> object:
    """What decides whether a field changed: the ids a reference holds, else the shown text."""
    value = record.get(spec.name)
    if spec.type is FieldType.REF:
        return value if isinstance(value, str) and value else None
    if spec.type is FieldType.REFS:
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()
    return _shown(spec, record, lookup)


def _field_changes(
    fields: Iterable[FieldSpec], old: Record, new: Record, old_lookup: _Lookup, new_lookup: _Lookup
) -> tuple[FieldChange, ...]:
    out: list[FieldChange] = []
    for spec in fields:
        if _compared(spec, old, old_lookup) == _compared(spec, new, new_lookup):
            continue
        before, after = _shown(spec, old, old_lookup), _shown(spec, new, new_lookup)
        out.append(FieldChange(spec.name, spec.label, before, after, spec.type in WHOLE_VALUES))
    return tuple(out)


def compare(base: dict[str, Any], current: dict[str, Any]) -> Changes:
    """The changes from the ``base`` document (an earlier edition's) to ``current``.

    Kinds come in packet order, then the case's own fields; within a kind, records in the
    order the current document lists them, removed ones after in the base's order.
    """
    base = base if isinstance(base, dict) else {}
    current = current if isinstance(current, dict) else {}
    old_lookup, new_lookup = _Lookup(base), _Lookup(current)
    out: list[RecordChange] = []
    for kind, _, _ in PACKET_ORDER:
        fields = KINDS[_KIND_OF[kind]].fields
        old_records, new_records = old_lookup.by_kind[kind], new_lookup.by_kind[kind]
        for record_id, record in new_records.items():
            title = record_title(kind, record, new_lookup)
            previous = old_records.get(record_id)
            if previous is None:
                out.append(RecordChange(kind, record_id, "added", title))
                continue
            changed = _field_changes(fields, previous, record, old_lookup, new_lookup)
            if changed:
                out.append(RecordChange(kind, record_id, "changed", title, changed))
        for record_id, record in old_records.items():
            if record_id not in new_records:
                out.append(RecordChange(kind, record_id, "removed", record_title(kind, record, old_lookup)))
    old_case = base.get("case") if isinstance(base.get("case"), dict) else {}
    new_case = current.get("case") if isinstance(current.get("case"), dict) else {}
    assert isinstance(old_case, dict) and isinstance(new_case, dict)
    case_fields = _field_changes(CASE_FIELDS, old_case, new_case, old_lookup, new_lookup)
    if case_fields:
        title = one_line(text_of(new_case, "title")) or "Case details"
        out.append(RecordChange(CASE, CASE, "changed", title, case_fields))
    return Changes(tuple(out))


# ----- the word redline -------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """Words and punctuation marks with their following whitespace; joined, ``text`` again."""
    return _TOKEN.findall(text)


Run = tuple[SegmentKind, list[str]]  # a redline run as tokens


def _key(token: str) -> str:
    """What a token is compared by: a word at the end of a line is the same word."""
    return token.rstrip() or token


def _diff(old: list[str], new: list[str]) -> list[Run]:
    matcher = difflib.SequenceMatcher(None, [_key(t) for t in old], [_key(t) for t in new], autojunk=False)
    out: list[Run] = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            out.append(("same", new[b0:b1]))
        else:
            out += [("removed", old[a0:a1]), ("added", new[b0:b1])]
    return out


def _by_line(old: list[str], new: list[str]) -> list[Run]:
    """A diff of texts too long to diff word by word: lines first, then words within changed ones."""
    old_lines, new_lines = _lines(old), _lines(new)
    keys = ["".join(line) for line in old_lines], ["".join(line) for line in new_lines]
    matcher = difflib.SequenceMatcher(None, *keys, autojunk=False)
    out: list[Run] = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        before = [t for line in old_lines[a0:a1] for t in line]
        after = [t for line in new_lines[b0:b1] for t in line]
        if op == "equal":
            out.append(("same", after))
        elif len(before) * len(after) <= _WORD_DIFF_LIMIT:
            out += _diff(before, after)
        else:
            out += [("removed", before), ("added", after)]
    return out


def _lines(text_tokens: list[str]) -> list[list[str]]:
    lines: list[list[str]] = [[]]
    for token in text_tokens:
        lines[-1].append(token)
        if "\n" in token:
            lines.append([])
    return [line for line in lines if line]


def _slide(runs: list[Run]) -> list[Run]:
    """Move each pure insertion or deletion as far on as it goes, so it ends at a word's end
    the way a reader would mark it ("days. ⟨Third.⟩", not "days⟨. Third⟩.")."""
    runs = [r for r in runs if r[1]]
    for index in range(1, len(runs) - 1):
        before, (kind, moved), after = runs[index - 1], runs[index], runs[index + 1]
        if kind == "same" or before[0] != "same" or after[0] != "same":
            continue
        moved, following, preceding = list(moved), list(after[1]), list(before[1])
        while following and _key(moved[0]) == _key(following[0]):
            preceding.append(moved.pop(0) if kind == "added" else following[0])
            moved.append(following.pop(0))
        runs[index - 1], runs[index], runs[index + 1] = ("same", preceding), (kind, moved), ("same", following)
    return runs


def redline(old: str, new: str) -> list[Segment]:
    """The word-level redline from ``old`` to ``new``: same, removed and added runs in order.

    Within each change the removed words come first, then the added ones, so "quick fox" to
    "slow dog" reads as one struck phrase and one new one rather than interleaved pairs.
    """
    old_tokens, new_tokens = tokens(old), tokens(new)
    shorter = min(len(old_tokens), len(new_tokens))
    head = 0
    while head < shorter and _key(old_tokens[head]) == _key(new_tokens[head]):
        head += 1
    tail = 0
    while tail < shorter - head and _key(old_tokens[-1 - tail]) == _key(new_tokens[-1 - tail]):
        tail += 1
    old_mid, new_mid = old_tokens[head : len(old_tokens) - tail], new_tokens[head : len(new_tokens) - tail]
    small = len(old_mid) * len(new_mid) <= _WORD_DIFF_LIMIT
    middle = _diff(old_mid, new_mid) if small else _by_line(old_mid, new_mid)
    runs = _slide([("same", new_tokens[:head]), *middle, ("same", new_tokens[len(new_tokens) - tail :])])
    ordered: list[Segment] = []
    change: list[Run] = []
    for kind, run in [*runs, ("same", [])]:
        if kind != "same":
            change.append((kind, run))
            continue
        for wanted in ("removed", "added"):
            ordered.append((wanted, "".join(t for k, r in change if k == wanted for t in r)))
        ordered.append(("same", "".join(run)))
        change = []
    return _joined(ordered)


def _joined(segments: Iterable[Segment]) -> list[Segment]:
    """Adjacent segments of a kind made one, empty ones dropped."""
    out: list[Segment] = []
    for kind, text in segments:
        if not text:
            continue
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + text)
        else:
            out.append((kind, text))
    return out


def condensed(segments: list[Segment], context: int = 15, limit: int = 400) -> list[Segment]:
    """The redline with long unchanged runs cut to ``context`` words either side of a change.

    A cut run is a "skipped" segment ("…"). Past ``limit`` words shown the rest is left out
    (also a "skipped" segment): the field as it now reads is in its own section.
    """
    out: list[Segment] = []
    last = len(segments) - 1
    for index, (kind, text) in enumerate(segments):
        if kind != "same":
            out.append((kind, text))
            continue
        parts = re.split(r"(\s+)", text)  # words at even places, spaces at odd ones
        words = len([p for p in parts[::2] if p])
        keep_head = 0 if index == 0 else context
        keep_tail = 0 if index == last else context
        if words <= keep_head + keep_tail + 4:
            out.append((kind, text))
            continue
        if keep_head:
            out.append(("same", "".join(parts[: 2 * keep_head])))
        out.append(("skipped", "…"))
        if keep_tail:
            out.append(("same", "".join(parts[len(parts) - 2 * keep_tail :])))
    return _within(_joined(out), limit)


def _within(segments: list[Segment], limit: int) -> list[Segment]:
    out: list[Segment] = []
    shown = 0
    for kind, text in segments:
        words = text.split()
        if kind != "skipped" and shown + len(words) > limit:
            kept = re.match(rf"\s*(?:\S+\s+){{{max(0, limit - shown)}}}", text)
            if kept and kept.group().strip():
                out.append((kind, kept.group().rstrip() + " "))
            out.append(("skipped", "…"))
            return _joined(out)
        shown += len(words) if kind != "skipped" else 0
        out.append((kind, text))
    return out
