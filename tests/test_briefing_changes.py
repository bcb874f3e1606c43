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
from briefing_fixtures import SAMPLE_JSON, norm, page_texts, small_case
from pypdf import PdfReader

from desktop.briefing.changebars import BAR_OFFSET, BAR_WIDTH
from desktop.briefing.changes import EditionBase, compare, condensed, counts_line, redline
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing
from desktop.briefing.styles import PageGeometry

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


def _outline(path: Path) -> dict[str, int]:
    reader = PdfReader(str(path))
    return {item.title: reader.get_destination_page_number(item) + 1 for item in reader.outline}


def _section_text(path: Path, title: str) -> str:
    """The text of a section's pages, from its heading to the next section's heading."""
    outline = _outline(path)
    starts = sorted(outline.values())
    first = outline[title]
    later = [p for p in starts if p > first]
    texts = page_texts(path)
    pages = texts[first - 1 : later[0]] if later else texts[first - 1 :]
    text = norm(" ".join(pages))
    text = text[text.index(title) :]
    following = [t for t, p in outline.items() if later and p == later[0]]
    return text[: text.rindex(following[0])] if following and following[0] in text else text


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
    outline = _outline(packet)
    assert list(outline)[:3] == ["Summary", "Changes since edition 3", "Chronology"]
    cover = norm(page_texts(packet)[0]).replace(" .", "")
    entry = re.search(r"2\.\s+Changes since edition 3[ .]*?(\d+)", cover)
    assert entry is not None and int(entry.group(1)) == outline["Changes since edition 3"]
    lines = [line.strip() for line in page_texts(packet)[outline["Changes since edition 3"] - 1].splitlines()]
    assert "Changes since edition 3" in lines


def test_every_changed_field_shows_its_old_and_new_words(packet: Path, docs) -> None:
    text = _section_text(packet, "Changes since edition 3")
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
    text = _section_text(packet, "Changes since edition 3")
    assert "ADDED June 30, 2026: Meta signs the CAISI agreement" in text
    assert "ADDED Jane Doe" in text and "ADDED Meta signs CAISI agreement" in text
    assert "ADDED Meta: “We have signed the agreement and will send our next model" in text
    assert "REMOVED April 2026: Meta ships its latest frontier model" in text
    assert "REMOVED AI Weekly" in text and "REMOVED xAI CAISI pre-release evaluation agreement" in text
    assert "REMOVED Anthropic: “jailbreaking”" in text


# ----- change bars -------------------------------------------------------------------------------


def _page_marks(page: Any) -> tuple[list[tuple[float, float]], list[tuple[float, str, str]]]:
    """The change bars on a page (bottom, top) and its text runs (baseline y, text, font)."""
    left = PageGeometry.for_paper("letter").left
    bars: list[tuple[float, float]] = []
    runs: list[tuple[float, str, str]] = []

    def operand(op: bytes, args: list[Any], cm: list[float], tm: list[float]) -> None:
        if op == b"re":
            x, y, w, h = (float(a) for a in args)
            page_x, page_y = cm[0] * x + cm[2] * y + cm[4], cm[1] * x + cm[3] * y + cm[5]
            if abs(w - BAR_WIDTH) < 0.01 and abs(page_x - (left - BAR_OFFSET)) < 0.5:
                bars.append((page_y, page_y + h))

    def text(chunk: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if chunk.strip():
            face = str(font.get("/BaseFont", "")) if font else ""
            runs.append((tm[4] * cm[1] + tm[5] * cm[3] + cm[5], chunk.strip().lstrip("“"), face))

    page.extract_text(visitor_operand_before=operand, visitor_text=text)
    return bars, runs


def _first_lines(doc: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    """Each record's section, and the start of the first line it prints there."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for entry in doc["timeline"]:
        out[("timeline", entry["id"])] = ("Chronology", entry["title"][:24])
    for actor in doc["actors"]:
        out[("actors", actor["id"])] = ("Actors", actor["name"][:12])
    for directive in doc["directives"]:
        out[("directives", directive["id"])] = ("Directives", (directive.get("identifier") or directive["title"])[:24])
    for statement in doc["statements"]:
        out[("statements", statement["id"])] = ("Statements", statement["text"][:24])
    for source in doc["sources"]:  # after the author, in quotation marks
        out[("sources", source["id"])] = ("Sources", source["title"][:24])
    return out


def test_a_change_bar_beside_exactly_each_added_or_changed_record(packet: Path, docs) -> None:
    _, current = docs
    reader = PdfReader(str(packet))
    outline = _outline(packet)
    starts = sorted(outline.values())
    pages = [_page_marks(page) for page in reader.pages]
    changes_page = outline["Changes since edition 3"]
    # Nothing before the main sections has a bar: the cover, the summary, the changes section.
    assert all(not bars for bars, _ in pages[: outline["Chronology"] - 1])
    marked = {(c.kind, c.id) for c in compare(*docs).records if c.status != "removed" and c.kind != "case"}
    bars_seen: set[tuple[int, tuple[float, float]]] = set()
    for (kind, record_id), (section, start) in _first_lines(current).items():
        first = outline[section]
        last = min([p for p in starts if p > first] or [len(pages) + 1])
        found = [
            (number, y)
            for number in range(first, last + 1)
            if number <= len(pages)
            for y, chunk, face in pages[number - 1][1]
            if (start in chunk if kind == "sources" else chunk.startswith(start[: len(chunk)]))
            and len(chunk) >= min(len(start), 8) and (kind not in ("actors", "timeline") or "Bold" in face)
        ]  # fmt: skip
        assert found, f"{record_id} not found in {section}"
        number, y = found[0]
        beside = [bar for bar in pages[number - 1][0] if bar[0] <= y <= bar[1]]
        if (kind, record_id) in marked:
            assert len(beside) == 1, f"no change bar beside {kind} {record_id}"
            bars_seen.add((number, beside[0]))
        else:
            assert not beside, f"a change bar beside unchanged {kind} {record_id}"
    every_bar = {(n, bar) for n, (bars, _) in enumerate(pages, start=1) if n > changes_page for bar in bars}
    assert bars_seen == every_bar
    assert len(bars_seen) == len(marked) == 10


# ----- without an edition, and the option ---------------------------------------------------------


def test_without_an_edition_the_packet_is_as_before(tmp_path: Path, docs) -> None:
    _, current = docs
    plain, explicit = tmp_path / "plain.pdf", tmp_path / "explicit.pdf"
    render_briefing(current, plain, BriefingOptions(deterministic=True))
    render_briefing(current, explicit, BriefingOptions(deterministic=True), since=None)
    assert plain.read_bytes() == explicit.read_bytes()
    assert "Changes since" not in " ".join(page_texts(plain)) and not any(
        bars for bars, _ in (_page_marks(page) for page in PdfReader(str(plain)).pages)
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
