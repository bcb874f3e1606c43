"""Changes since an earlier edition: the comparison, the redline, and the packet read back.

The packet tests compare the sample case as an edition printed it with the case after records
of every kind were added, edited and removed, and read the PDF back with pypdf: page one's
counts, the "Changes since edition 3" section in the contents and outline, each changed
field's old and new words, and a change bar in the margin beside exactly the changed records.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from briefing_fixtures import (
    SAMPLE_JSON,
    norm,
    outline,
    packet_bars,
    page_marks,
    page_texts,
    section_text,
    small_case,
)
from pypdf import PdfReader

from desktop.briefing.changes import EditionBase, compare, condensed, counts_line, redline
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing

MADE = "2026-06-24T09:15:00-04:00"
ADDED_STATEMENT = "We have signed the agreement and will send our next model to CAISI first."
EXTRA = "The order adds no new reporting duty for developers. "
COUNTS = (
    "Since edition 3 of June 24, 2026: 1 timeline entry added, 1 timeline entry changed, "
    "1 timeline entry removed, 1 actor added, 1 actor changed, 1 actor removed, 2 directives changed, "
    "1 directive removed, 1 statement added, 1 statement changed, 1 statement removed, 1 source added, "
    "1 source changed, case details changed"
)


def _by_id(doc: dict[str, Any], kind: str, record_id: str) -> dict[str, Any]:
    return next(r for r in doc[kind] if r["id"] == record_id)


def edited(base: dict[str, Any]) -> dict[str, Any]:
    """The sample case after a week of work: records of every kind added, edited and removed."""
    doc = copy.deepcopy(base)
    statement = _by_id(doc, "statements", "s-eo-construed")
    statement["text"] = statement["text"].replace("construed", "read") + " " + EXTRA * 12
    statement["date"] = "2026-06-03"
    doc["statements"].append({"id": "s-new", "speaker": "meta", "text": ADDED_STATEMENT, "date": "2026-06-30",
                              "verbatim": True, "source": "src-meta-statement"})  # fmt: skip
    doc["statements"] = [s for s in doc["statements"] if s["id"] != "s-anthropic-jailbreaking"]
    agreement = _by_id(doc, "directives", "agreement-meta")
    agreement["status"] = "in_force"
    agreement["issuer"] = "commerce-department"
    agreement["summary"] += " Signed on June 30, 2026."
    order = _by_id(doc, "directives", "eo-14409")
    order["summary"] = order["summary"].replace("up to 30 days", "up to 45 days")
    doc["directives"] = [d for d in doc["directives"] if d["id"] != "agreement-xai"]
    entry = _by_id(doc, "timeline", "t-2026-06-12-delivery")
    entry["title"] = "Directive delivered to Anthropic by courier"
    entry["key"] = not entry.get("key")
    doc["timeline"].append({"id": "t-new", "date": "2026-06-30", "title": "Meta signs the CAISI agreement",
                            "actors": ["meta", "caisi"], "key": True, "source": "src-meta-statement"})  # fmt: skip
    doc["timeline"] = [t for t in doc["timeline"] if t["id"] != "t-2026-04-meta-release"]
    actor = _by_id(doc, "actors", "devin-lynch")
    actor["role"] = "Former CAISI official"
    actor["tags"] = ["caisi", "former"]
    doc["actors"].append({"id": "a-new", "name": "Jane Doe", "kind": "person", "role": "Meta policy lead",
                          "affiliation": "meta"})  # fmt: skip
    doc["actors"] = [a for a in doc["actors"] if a["id"] != "ai-weekly"]
    _by_id(doc, "sources", "src-nyt")["url"] = "https://example.com/nyt-updated"
    doc["sources"].append({"id": "src-new", "title": "Meta signs CAISI agreement", "publisher": "Meta newsroom",
                           "published": "2026-06-30"})  # fmt: skip
    doc["case"]["as_of"] = "2026-07-01"
    return doc


@pytest.fixture(scope="module")
def docs() -> tuple[dict[str, Any], dict[str, Any]]:
    base = json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))
    return base, edited(base)


@pytest.fixture(scope="module")
def packet(tmp_path_factory: pytest.TempPathFactory, docs: tuple[dict[str, Any], dict[str, Any]]) -> Path:
    base, current = docs
    path = tmp_path_factory.mktemp("changes") / "packet.pdf"
    render_briefing(current, path, BriefingOptions(deterministic=True), since=EditionBase(3, MADE, base))
    return path


# ----- the comparison ------------------------------------------------------------------------------


def test_compare_finds_added_changed_and_removed_records_of_every_kind(docs) -> None:
    changes = compare(*docs)
    found = {(c.kind, c.id): c.status for c in changes.records}
    assert found == {
        ("timeline", "t-new"): "added",
        ("timeline", "t-2026-06-12-delivery"): "changed",
        ("timeline", "t-2026-04-meta-release"): "removed",
        ("actors", "a-new"): "added",
        ("actors", "devin-lynch"): "changed",
        ("actors", "ai-weekly"): "removed",
        ("directives", "agreement-meta"): "changed",
        ("directives", "eo-14409"): "changed",
        ("directives", "agreement-xai"): "removed",
        ("statements", "s-new"): "added",
        ("statements", "s-eo-construed"): "changed",
        ("statements", "s-anthropic-jailbreaking"): "removed",
        ("sources", "src-new"): "added",
        ("sources", "src-nyt"): "changed",
        ("case", "case"): "changed",
    }
    agreement = next(c for c in changes.records if c.id == "agreement-meta")
    fields = {f.name: (f.old, f.new) for f in agreement.fields}
    assert set(fields) == {"issuer", "status", "summary"}
    assert fields["issuer"] == ("Center for AI Standards and Innovation (CAISI)", "U.S. Department of Commerce")
    assert fields["status"] == ("Proposed", "In force")
    # A name, a choice or a date is struck and replaced whole: never the words of two names interleaved.
    issuer = next(f for f in agreement.fields if f.name == "issuer")
    assert issuer.redline() == [
        ("removed", "Center for AI Standards and Innovation (CAISI)"),
        ("same", " "),
        ("added", "U.S. Department of Commerce"),
    ]
    status = next(f for f in agreement.fields if f.name == "status")
    assert status.redline() == [("removed", "Proposed"), ("same", " "), ("added", "In force")]
    entry = next(c for c in changes.records if c.id == "t-2026-06-12-delivery")
    assert {f.name: (f.old, f.new) for f in entry.fields}["key"] == ("Yes", "No")
    statement = next(c for c in changes.records if c.id == "s-eo-construed")
    assert {f.name: (f.old, f.new) for f in statement.fields}["date"] == ("June 2, 2026", "June 3, 2026")
    actor = next(c for c in changes.records if c.id == "devin-lynch")
    assert {f.name: f.new for f in actor.fields}["tags"] == "caisi, former"


def test_renaming_an_actor_changes_the_actor_not_what_refers_to_it() -> None:
    base = small_case()
    current = copy.deepcopy(base)
    _by_id(current, "actors", "meta")["name"] = "Meta Platforms"
    changes = compare(base, current)
    assert [(c.kind, c.id) for c in changes.records] == [("actors", "meta")]
    assert not changes.marks("statements", "st-brennan") and changes.marks("actors", "meta")


def test_counts_line_in_packet_order_with_singulars_and_plurals() -> None:
    base = small_case()
    current = copy.deepcopy(base)
    current["statements"] += [{"id": f"s{i}", "text": "New.", "verbatim": True} for i in range(4)]
    for directive in current["directives"]:
        directive["status"] = "rescinded"
    current["timeline"] = current["timeline"][1:]
    line = counts_line(EditionBase(3, MADE, base), compare(base, current))
    assert (
        line == "Since edition 3 of June 24, 2026: 1 timeline entry removed, 2 directives changed, 4 statements added"
    )
    assert (
        counts_line(EditionBase(1, MADE, base), compare(base, base)) == "Since edition 1 of June 24, 2026: no changes"
    )


def test_redline_marks_removed_and_added_words() -> None:
    assert redline("Sets a window of up to 30 days.", "Sets a window of up to 90 days, renewable.") == [
        ("same", "Sets a window of up to "),
        ("removed", "30 "),
        ("added", "90 "),
        ("same", "days"),
        ("added", ", renewable"),
        ("same", "."),
    ]
    assert redline("the quick brown fox jumps", "the slow brown dog jumps") == [
        ("same", "the "), ("removed", "quick "), ("added", "slow "), ("same", "brown "),
        ("removed", "fox "), ("added", "dog "), ("same", "jumps"),
    ]  # fmt: skip
    assert redline("", "In force") == [("added", "In force")]
    assert redline("Proposed", "") == [("removed", "Proposed")]
    # A new line is added after the last one, not spliced into its full stop.
    assert redline("One.\nTwo.", "One.\nTwo.\nThree.") == [("same", "One.\nTwo.\n"), ("added", "Three.")]


def test_long_fields_keep_the_changed_words_with_some_context() -> None:
    old = " ".join(f"w{i}" for i in range(2000))
    new = old.replace("w100 ", "CHANGED ").replace("w1500 ", "ALSO ")
    shown = condensed(redline(old, new))
    assert ("removed", "w100 ") in shown and ("added", "CHANGED ") in shown
    assert ("removed", "w1500 ") in shown and ("added", "ALSO ") in shown
    assert [k for k, _ in shown].count("skipped") == 3
    assert sum(len(t.split()) for k, t in shown if k == "same") <= 4 * 15 + 2


def test_a_huge_text_diffs_quickly_enough_to_export() -> None:
    text = "\n\n".join(["word " * 600] * 50)
    changed = text[:1000] + "NEW " + text[1000:20000] + " other " + text[20000:]
    segments = redline(text, changed)
    assert "".join(t for k, t in segments if k != "removed") == changed
    assert "".join(t for k, t in segments if k != "added").split() == text.split()


# ----- the packet --------------------------------------------------------------------------------


def test_page_one_carries_the_counts_line(packet: Path) -> None:
    assert COUNTS in norm(page_texts(packet)[0])


def test_changes_section_is_in_the_contents_and_outline_after_the_summary(packet: Path) -> None:
    starts = outline(packet)
    assert list(starts)[:3] == ["Summary", "Changes since edition 3", "Chronology"]
    # The contents follow the cover's bottom line and the changes line, on page 1 or 2.
    cover = norm(" ".join(page_texts(packet)[:2])).replace(" .", "")
    entry = re.search(r"2\.\s+Changes since edition 3[ .]*?(\d+)", cover)
    assert entry is not None and int(entry.group(1)) == starts["Changes since edition 3"]
    lines = [line.strip() for line in page_texts(packet)[starts["Changes since edition 3"] - 1].splitlines()]
    assert "Changes since edition 3" in lines


def test_every_changed_field_shows_its_old_and_new_words(packet: Path, docs) -> None:
    text = section_text(packet, "Changes since edition 3")
    changes = compare(*docs)
    checked = 0
    for change in changes.records:
        for field in change.fields:
            for kind, words in condensed(field.redline()):
                if kind in ("removed", "added"):
                    assert norm(words) in text, (change.id, field.name, kind, words)
                    checked += 1
    assert checked >= 15
    for old, new in [("construed", "read"), ("30", "45"), ("Proposed", "In force"), ("June 2 3, 2026", "")]:
        assert old in text and new in text
    assert "Issuer: Center for AI Standards and Innovation (CAISI) U.S. Department of Commerce" in text
    assert "Key event: Yes No" in text and "As of: June 24 July 1, 2026" in text


def test_added_and_removed_records_are_listed(packet: Path) -> None:
    text = section_text(packet, "Changes since edition 3")
    assert "ADDED June 30, 2026: Meta signs the CAISI agreement" in text
    assert "ADDED Jane Doe" in text and "ADDED Meta signs CAISI agreement" in text
    assert "ADDED Meta: “We have signed the agreement and will send our next model" in text
    assert "REMOVED April 2026: Meta ships its latest frontier model" in text
    assert "REMOVED AI Weekly" in text and "REMOVED xAI CAISI pre-release evaluation agreement" in text
    assert "REMOVED Anthropic: “jailbreaking”" in text


# ----- change bars -------------------------------------------------------------------------------


def test_a_change_bar_beside_exactly_each_added_or_changed_record(packet: Path, docs) -> None:
    _, current = docs
    bars = packet_bars(packet, current)
    # Nothing before the main sections has a bar: the cover, the summary, the changes section.
    assert all(page >= bars.main_from for page, _ in bars.drawn)
    marked = {(c.kind, c.id) for c in compare(*docs).records if c.status != "removed" and c.kind != "case"}
    for record, beside in bars.beside.items():
        if record in marked:
            assert len(beside) == 1, f"no change bar beside {record}"
        else:
            assert not beside, f"a change bar beside unchanged {record}"
    at_starts = bars.at_starts()
    assert len(at_starts) == len(marked) == 10


# ----- without an edition, and the option ---------------------------------------------------------


def test_without_an_edition_the_packet_is_as_before(tmp_path: Path, docs) -> None:
    _, current = docs
    plain, explicit = tmp_path / "plain.pdf", tmp_path / "explicit.pdf"
    render_briefing(current, plain, BriefingOptions(deterministic=True))
    render_briefing(current, explicit, BriefingOptions(deterministic=True), since=None)
    assert plain.read_bytes() == explicit.read_bytes()
    assert "Changes since" not in " ".join(page_texts(plain)) and not any(
        bars for bars, _ in (page_marks(page) for page in PdfReader(str(plain)).pages)
    )


def test_no_changes_says_so(tmp_path: Path) -> None:
    base = small_case()
    path = tmp_path / "same.pdf"
    render_briefing(base, path, BriefingOptions(deterministic=True), since=EditionBase(2, MADE, base))
    text = norm(" ".join(page_texts(path)))
    assert "Since edition 2 of June 24, 2026: no changes" in text
    assert "Nothing in the case has changed since edition 2." in text


def test_changes_since_option_round_trips_and_defaults_to_the_last_edition() -> None:
    assert BriefingOptions().changes_since == "last"
    assert BriefingOptions.from_dict({}).changes_since == "last"  # options stored before there were editions
    for value in ("last", 4, None):
        options = BriefingOptions(changes_since=value)
        assert options.to_dict()["changes_since"] == value
        assert BriefingOptions.from_dict(options.to_dict()) == options
    for bad in ("first", 0, -1, True, 2.5, [3]):
        with pytest.raises(ValueError, match="changes_since"):
            BriefingOptions.from_dict({"changes_since": bad})
