"""The sample case built from the CAISI review article, as a real case file through the normal import."""

from __future__ import annotations

import re

import pytest
from core_fixtures import SEED_ARTICLE

from db.dates import PartialDate
from db.fields import Kind
from db.interchange import export_document
from db.queries import counts
from db.sample import SAMPLE_FILE_NAME, create_sample, sample_document
from db.sqlite.casefile import CaseFile

# Copied character for character from the article (curly quotes and apostrophes included).
BRENNAN_BLOCK = (
    "We share the administration’s goal of advancing U.S. leadership on robust and secure frontier A.I. "
    "While we are working through the details, we hope to sign the agreement soon."
)
LYNCH_LINKEDIN = "CAISI will need to define, and publish, what it’s testing for, not just who it’s testing with."
KEY_QUOTES = {
    BRENNAN_BLOCK: "Francis Brennan",
    LYNCH_LINKEDIN: "Devin Lynch",
    "This story is not unusual,": "Ben Kass",
    "It is the very work CAISI is supposed to be doing.": "Ben Kass",
    "regularly engage[] with companies about voluntary agreements,": "Ben Kass",
    "We are complying with the government’s legal directive and are removing access to Fable 5 "
    "and Mythos 5 for all users,": "Anthropic",
    "However, we disagree that the finding of a narrow potential jailbreak should be cause for recalling a "
    "commercial model deployed to hundreds of millions of people.": "Anthropic",
    "essentially halt all new model deployments for all frontier model providers.": "Anthropic",
    "shall be construed to authorize the creation of a mandatory governmental licensing, preclearance, "
    "or permitting requirement for the development, publication, release, or distribution of new AI "
    "models, including frontier models.": "President Trump",
    "establish[es] voluntary agreements with private sector AI developers and evaluators": None,
    "demonstrable risks, such as cybersecurity, biosecurity, and chemical weapons,": None,
}

# Who the article names, and how to recognise them among the actors.
NAMED_ACTORS = {
    "OpenAI": "OpenAI",
    "Anthropic": "Anthropic",
    "Google DeepMind": "Google DeepMind",
    "Microsoft": "Microsoft",
    "xAI": "xAI",
    "Meta": "Meta",
    "the White House": "The White House",
    "President Trump": "President Trump",
    "Commerce Department": "Commerce",
    "CAISI": "(CAISI)",
    "NIST": "(NIST)",
    "U.S. AI Safety Institute": "U.S. AI Safety Institute",
    "Francis Brennan": "Francis Brennan",
    "Ben Kass": "Ben Kass",
    "Devin Lynch": "Devin Lynch",
    "The New York Times": "The New York Times",
    "AI Weekly": "AI Weekly",
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample case file as a user gets it, exported back out of the file on disk."""
    path = tmp_path_factory.mktemp("sample") / SAMPLE_FILE_NAME
    summary = create_sample(path)
    with CaseFile.open(path, read_only=True) as cf:
        doc = export_document(cf)
        record_counts = counts(cf)
    return path, summary, doc, record_counts


def _actor(doc, needle):
    found = [a for a in doc["actors"] if a["name"] == needle] or [a for a in doc["actors"] if needle in a["name"]]
    assert len(found) == 1, (needle, [a["name"] for a in found])
    return found[0]


def _names(doc):
    return {a["id"]: a["name"] for a in doc["actors"]}


def test_the_sample_is_written_through_the_normal_import(sample):
    path, summary, doc, record_counts = sample
    assert path.name == "CAISI Voluntary Review.casefile"
    assert summary.counts == record_counts
    assert all(n > 0 for n in record_counts.values())
    assert len(doc["actors"]) == len(sample_document()["actors"])


def test_the_case_is_filled_in(sample):
    case = sample[2]["case"]
    assert "CAISI" in case["title"] and "Meta" in case["title"]
    assert case["subtitle"]
    assert case["marking"] == "FOR INTERNAL USE ONLY"
    assert case["prepared_by"]
    assert PartialDate.parse_iso(case["as_of"]) == PartialDate(2026, 6, 24)
    summary = case["summary"]
    assert len(summary.split("\n\n")) >= 3  # paragraphs
    for fact in ("EO 14409", "Francis Brennan", "Ben Kass", "Fable 5", "Mythos 5", "5:21 p.m."):
        assert fact in summary


@pytest.mark.parametrize("label", list(NAMED_ACTORS))
def test_every_named_actor_is_present(sample, label):
    assert _actor(sample[2], NAMED_ACTORS[label])


def test_actors_are_typed_and_affiliated(sample):
    doc = sample[2]
    names = _names(doc)
    brennan, kass, lynch = _actor(doc, "Francis Brennan"), _actor(doc, "Ben Kass"), _actor(doc, "Devin Lynch")
    assert brennan["kind"] == kass["kind"] == lynch["kind"] == "person"
    assert brennan["role"] == "Meta spokesman"
    assert names[brennan["affiliation"]] == "Meta"
    assert "Commerce" in names[kass["affiliation"]]
    assert names[_actor(doc, "(CAISI)")["affiliation"]].endswith("(NIST)")
    assert "Commerce" in names[_actor(doc, "(NIST)")["affiliation"]]
    for company in ("Meta", "Anthropic", "OpenAI", "Microsoft", "xAI", "Google DeepMind"):
        assert _actor(doc, company)["kind"] == "company"


@pytest.mark.parametrize("quote", list(KEY_QUOTES))
def test_key_quotes_are_statements_word_for_word(sample, quote):
    doc = sample[2]
    names = _names(doc)
    matches = [s for s in doc["statements"] if quote in s["text"]]
    assert matches, quote
    statement = matches[0]
    assert statement["verbatim"] is True
    assert statement["source"] is not None
    speaker = KEY_QUOTES[quote]
    if speaker:
        assert names[statement["speaker"]] == speaker


def test_brennan_and_lynch_statements_carry_their_context(sample):
    doc = sample[2]
    names = _names(doc)
    brennan = next(s for s in doc["statements"] if s["text"] == BRENNAN_BLOCK)
    assert brennan["date"] == "2026-06-23"
    assert names[brennan["speaker"]] == "Francis Brennan"
    lynch = next(s for s in doc["statements"] if s["text"] == LYNCH_LINKEDIN)
    assert "LinkedIn" in lynch["venue"]
    sources = {s["id"]: s for s in doc["sources"]}
    assert "LinkedIn" in sources[lynch["source"]]["title"]


@pytest.mark.skipif(not SEED_ARTICLE.exists(), reason="the seed article is not on this machine")
def test_every_quoted_span_of_the_article_is_in_some_statement(sample):
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    spans = re.findall(r"“([^”]+)”", article)
    assert len(spans) >= 15
    texts = [s["text"] for s in sample[2]["statements"]]
    missing = [span for span in spans if not any(span in text for text in texts)]
    assert missing == []
    assert BRENNAN_BLOCK in article and LYNCH_LINKEDIN in article  # the hard-coded copies are exact


@pytest.mark.skipif(not SEED_ARTICLE.exists(), reason="the seed article is not on this machine")
def test_every_bulleted_event_of_the_article_is_on_the_timeline(sample):
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    bullets = re.findall(r"^- ([A-Z][a-z]+(?: \d{1,2},)? \d{4}):", article, flags=re.MULTILINE)
    assert len(bullets) == 5
    dates = {t["date"] for t in sample[2]["timeline"]}
    for text in bullets:
        assert PartialDate.parse(text).iso in dates, text


def test_the_two_directives_exist_with_provisions(sample):
    doc = sample[2]
    names = _names(doc)
    eo = next(d for d in doc["directives"] if d["identifier"] == "EO 14409")
    assert eo["kind"] == "executive_order"
    assert eo["issued"] == "2026-06-02"
    assert eo["status"] == "in_force"
    assert names[eo["issuer"]] == "President Trump"
    assert len(eo["provisions"]) >= 3
    assert any("30 days" in p for p in eo["provisions"])
    assert {"Meta", "Anthropic", "OpenAI"} <= {names[p] for p in eo["parties"]}

    export = next(d for d in doc["directives"] if d["kind"] == "export_control")
    assert export["issued"] == "2026-06-12"
    assert [names[p] for p in export["parties"]] == ["Anthropic"]
    assert len(export["provisions"]) >= 3
    assert any("Fable 5" in p and "Mythos 5" in p for p in export["provisions"])


def test_the_timeline_has_the_article_events(sample):
    doc = sample[2]
    names = _names(doc)
    directives = {d["id"]: d for d in doc["directives"]}
    by_date: dict[str, list[dict]] = {}
    for entry in doc["timeline"]:
        by_date.setdefault(entry["date"], []).append(entry)

    def actors(date):
        return {names[a] for e in by_date[date] for a in e["actors"]}

    assert {"OpenAI", "Anthropic"} <= actors("2024-08")
    assert {"Google DeepMind", "Microsoft", "xAI"} <= actors("2026-05")
    assert any(directives[e["directive"]]["identifier"] == "EO 14409" for e in by_date["2026-06-02"] if e["directive"])
    assert any(e["directive"] and directives[e["directive"]]["kind"] == "export_control" for e in by_date["2026-06-12"])
    assert "Meta" in actors("2026-06-23")
    assert "Meta" in actors("2026-04")  # the April 2026 model release
    delivery = by_date["2026-06-12T17:21-04:00"]
    assert len(delivery) == 1
    assert PartialDate.parse_iso(delivery[0]["date"]).display() == "June 12, 2026, 5:21 p.m. EDT"
    assert directives[delivery[0]["directive"]]["kind"] == "export_control"
    assert all(e["source"] for e in doc["timeline"])
    assert sum(e["key"] for e in doc["timeline"]) >= 5


def test_create_sample_refuses_to_overwrite_unless_asked(tmp_path):
    path = tmp_path / "s.casefile"
    create_sample(path)
    from db.errors import CaseFileError

    with pytest.raises(CaseFileError, match="already exists"):
        create_sample(path)
    assert create_sample(path, overwrite=True).counts[Kind.ACTOR] == 20
