"""Editions end to end, through a real case file and the ``casefile`` command: export an
edition, change records of every kind, export with changes since it, read the packet back,
and write the first edition again byte for byte."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from briefing_fixtures import norm, packet_bars, page_texts, section_text

from db import editions, records
from db.dates import PartialDate
from db.fields import CASE_FIELDS, KINDS, Kind
from db.interchange import export_document
from db.sqlite.casefile import CaseFile
from desktop.cli import main

LISTS = {  # JSON list name: record kind, count-line nouns
    "timeline": (Kind.TIMELINE, "timeline entry", "timeline entries"),
    "actors": (Kind.ACTOR, "actor", "actors"),
    "directives": (Kind.DIRECTIVE, "directive", "directives"),
    "statements": (Kind.STATEMENT, "statement", "statements"),
    "sources": (Kind.SOURCE, "source", "sources"),
}
CHANGES = "Changes since edition 1"
LONG_ADDITION = (
    "Commerce later told reporters that the shorter window was agreed with the labs after "
    "a month of consultation, and that a further review of its length is planned for next year. "
) * 6
# Where an entry ends: at the next entry's status label or the next group's heading.
_NEXT_ENTRY = re.compile(
    r" (?:ADDED|CHANGED|REMOVED) | (?:Chronology|Actors|Directives|Statements|Sources) \(\d| Case details "
)


@dataclass
class Edits:
    """What the test did to the case, kept to work out what the packet should say."""

    added: dict[str, set[str]] = field(default_factory=lambda: {name: set() for name in LISTS})
    changed: dict[str, set[str]] = field(default_factory=lambda: {name: set() for name in LISTS})
    removed: dict[str, set[str]] = field(default_factory=lambda: {name: set() for name in LISTS})
    # (list, record title as edited, field label, words only the old value has, words only the new one has)
    fields: list[tuple[str, str, str, list[str], list[str]]] = field(default_factory=list)


def _title(record: dict[str, Any]) -> str:
    return str(record.get("title") or record.get("name") or record.get("text") or "")


def _find(doc: dict[str, Any], name: str, start: str) -> dict[str, Any]:
    """The one record in a list whose title, name or text starts with ``start``."""
    found = [r for r in doc[name] if _title(r).startswith(start)]
    assert len(found) == 1, (name, start, len(found))
    return found[0]


def _edit(cf: CaseFile, doc: dict[str, Any], edits: Edits) -> None:
    """Add, edit (several fields, a long text, a date and a reference) and delete a record of
    every kind, and change the case, the way the app's own edits do."""
    meta = _find(doc, "actors", "Meta")["id"]
    caisi = _find(doc, "actors", "Center for AI Standards")["id"]
    white_house = _find(doc, "actors", "The White House")["id"]
    nyt_report = _find(doc, "sources", "The New York Times report")["id"]

    def add(name: str, values: dict[str, Any]) -> None:
        edits.added[name].add(records.add_record(cf, LISTS[name][0], values))

    add("sources", {"title": "Meta newsroom post on signing", "publisher": "Meta", "published": "2026-06-30"})
    source = next(iter(edits.added["sources"]))
    add("actors", {"name": "Jane Doe", "kind": "person", "role": "Meta policy lead", "affiliation": meta})
    add("directives", {"title": "Signed Meta review agreement", "kind": "agreement", "status": "in_force",
                       "issuer": caisi, "parties": [meta, caisi], "issued": "2026-06-30"})  # fmt: skip
    add("statements", {"speaker": meta, "text": "We have signed and will send our next model to CAISI first.",
                       "date": "2026-06-30", "verbatim": True, "source": source})  # fmt: skip
    add("timeline", {"date": "2026-06-30", "title": "Meta signs the CAISI agreement", "actors": [meta, caisi],
                     "key": True, "source": source})  # fmt: skip

    def change(name: str, start: str, values: dict[str, Any], words: list[tuple[str, list[str], list[str]]]) -> None:
        record = _find(doc, name, start)
        records.update_record(cf, LISTS[name][0], record["id"], values)
        edits.changed[name].add(record["id"])
        title = values.get("title") or values.get("name") or values.get("text") or start
        edits.fields += [(name, title, label, old, new) for label, old, new in words]

    change("timeline", "Export directive reaches Anthropic",
           {"title": "Export directive delivered to Anthropic by courier", "date": "2026-05-30",
            "description": "The directive reached Anthropic by courier the next morning.", "source": nyt_report},
           [("Title", ["reaches"], ["delivered", "courier"]), ("Date", ["June 12", "5:21"], ["May 30"]),
            ("Description", ["5:21", "Eastern"], ["courier", "morning"]),
            ("Source", ["Anthropic public statement"], ["The New York Times report"])])  # fmt: skip
    change("actors", "Ben Kass",
           {"role": "Former Commerce Department spokesman", "affiliation": white_house,
            "description": _find(doc, "actors", "Ben Kass")["description"]
            + " Left the department in July."},
           [("Role or title", [], ["Former"]), ("Affiliation", ["U.S. Department of Commerce"], ["The White House"]),
            ("Description", [], ["Left the department in July."])])  # fmt: skip
    order = _find(doc, "directives", "Executive Order 14409")
    change("directives", "Executive Order 14409",
           {"summary": order["summary"].replace("up to 30 days", "up to 45 days") + "\n\n" + LONG_ADDITION,
            "status": "suspended", "issued": "2026-07-09", "issuer": white_house},
           [("Summary", ["30"], ["45", "a month of consultation"]), ("Status", ["In force"], ["Suspended"]),
            ("Issued", ["June 2"], ["July 9"]), ("Issuer", ["President Trump"], ["The White House"])])  # fmt: skip
    change("statements", "This story is not unusual,",
           {"text": "This story is not at all unusual,", "date": "2026-07-01", "source": nyt_report,
            "venue": "Commerce Department email to reporters"},
           [("Text", [], ["at all"]), ("Date", ["June 23"], ["July 1"]),
            ("Source", ["Commerce Department statement"], ["The New York Times report"]),
            ("Venue", ["(spokesman)"], ["email to reporters"])])  # fmt: skip
    change("sources", "The New York Times report",
           {"title": "The New York Times report on the emailed request to Meta", "published": "2026-06-22",
            "url": "https://example.com/nyt-meta"},
           [("Title", ["federal"], ["emailed"]), ("Published", ["June"], ["22,"]),
            ("URL", [], ["https://example.com/nyt-meta"])])  # fmt: skip

    for name, start in (("timeline", "Meta ships its latest frontier model"), ("actors", "Devin Lynch"),
                        ("directives", "xAI CAISI pre-release"), ("statements", "jailbreaking"),
                        ("sources", "Devin Lynch LinkedIn post")):  # fmt: skip
        deleted = records.delete_record(cf, LISTS[name][0], _find(doc, name, start)["id"], remove_references=True)
        edits.removed[name].add(deleted.values["id"])
        gone = _title(deleted.values)
        for cleared in deleted.cleared:  # what referred to it no longer does: that record changed
            owner = next(n for n, (kind, _, _) in LISTS.items() if kind is cleared.kind)
            edits.changed[owner].add(cleared.id)
            label = KINDS[cleared.kind].field(cleared.field).label
            edits.fields.append((owner, _title(records.get_record(cf, cleared.kind, cleared.id)), label, [gone], []))
    records.update_case(cf, {"as_of": "2026-07-01", "subtitle": "Meta signs; the export directive stands"})
    for name in LISTS:
        edits.changed[name] -= edits.removed[name] | edits.added[name]


def _counts(made: str, edits: Edits) -> str:
    """Page one's line of counts, in packet order, worked out from what the test did."""
    day = PartialDate.from_date(dt.datetime.fromisoformat(made).date()).display()
    parts = []
    for name, (_, one, many) in LISTS.items():
        for status, ids in (("added", edits.added), ("changed", edits.changed), ("removed", edits.removed)):
            count = len(ids[name])
            if count:
                parts.append(f"{count} {one if count == 1 else many} {status}")
    return f"Since edition 1 of {day}: " + ", ".join(parts) + ", case details changed"


def _entry(text: str, status: str, title: str) -> str:
    """One record's entry in the changes section: its status label and title, then its fields."""
    match = re.search(rf"{status} .{{0,40}}?{re.escape(title[:30])}", text)
    assert match, f"no {status} entry for {title!r}"
    rest = text[match.end() :]
    end = _NEXT_ENTRY.search(rest)
    return text[match.start() : match.end() + (end.start() if end else len(rest))]


def _field(entry: str, label: str, kind: Kind | None) -> str:
    """A field's redline in an entry: from its label to the next field's label."""
    specs = KINDS[kind].fields if kind is not None else CASE_FIELDS
    start = entry.index(f" {label}: ") + len(label) + 3
    ends = [entry.find(f" {spec.label}: ", start) for spec in specs]
    return entry[start : min([end for end in ends if end >= 0] or [len(entry)])]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def exported(tmp_path: Path, sample_path: Path) -> tuple[Path, Path, dict[str, Any], Edits]:
    """The sample case exported as edition 1, edited, then exported with changes since the last."""
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    assert main(["export", str(sample_path), "-o", str(first)]) == 0
    edits = Edits()
    with CaseFile.open(sample_path) as cf:
        _edit(cf, export_document(cf, editions=False), edits)
    assert main(["export", str(sample_path), "-o", str(second), "--changes-since", "last"]) == 0
    with CaseFile.open(sample_path, read_only=True) as cf:
        current = export_document(cf, editions=False)
    return sample_path, second, current, edits


def test_changes_since_an_edition_read_back_from_the_packet(exported) -> None:
    path, packet, current, edits = exported
    with CaseFile.open(path, read_only=True) as cf:
        kept = editions.list_editions(cf)
        assert [e.number for e in kept] == [1, 2] and kept[1].options["changes_since"] == 1
        before = editions.content(cf, 1)

    # Page one: one line of counts, with the first edition's date.
    assert _counts(kept[0].made, edits) in norm(page_texts(packet)[0])
    # The statement whose speaker and source were deleted changed too, once.
    assert [len(edits.changed[name]) for name in LISTS] == [1, 1, 1, 2, 1]

    text = section_text(packet, CHANGES)
    for name, title, label, old, new in edits.fields:
        entry = _entry(text, "CHANGED", title)
        redlined = _field(entry, label, LISTS[name][0])
        for words in (*old, *new):
            assert words in redlined, (name, title, label, words, redlined)
    case = _field(_entry(text, "CHANGED", current["case"]["title"]), "As of", None)
    assert "June 24" in case and "July 1" in case

    was = {name: {r["id"]: r for r in before[name]} for name in LISTS}
    now = {name: {r["id"]: r for r in current[name]} for name in LISTS}
    for name in LISTS:
        for record_id in edits.added[name]:
            _entry(text, "ADDED", _title(now[name][record_id]))
        for record_id in edits.removed[name]:
            _entry(text, "REMOVED", _title(was[name][record_id]))
        for record_id in edits.changed[name]:
            _entry(text, "CHANGED", _title(now[name][record_id]))

    # A bar beside exactly each added or changed record in the main sections, and nowhere else.
    bars = packet_bars(packet, current)
    marked = {(name, i) for name in LISTS for i in edits.added[name] | edits.changed[name]}
    for record, beside in bars.beside.items():
        assert len(beside) == (1 if record in marked else 0), record
    assert len(bars.at_starts()) == len(marked) == 11


def test_an_old_edition_written_again_is_byte_identical(exported, tmp_path: Path) -> None:
    path, _, _, _ = exported
    again = tmp_path / "again.pdf"
    assert main(["export", str(path), "--edition", "1", "-o", str(again)]) == 0
    with CaseFile.open(path, read_only=True) as cf:
        recorded = editions.get(cf, 1).pdf_sha256
    assert _sha256(again) == recorded == _sha256(tmp_path / "first.pdf")
