"""What a search hit shows: lists read as words, matched words marked, the case's own fields."""

from __future__ import annotations

from db import search as searching
from db.fields import Kind
from db.records import add_record, update_case
from db.search import HIT_END, HIT_START, SNIPPET_SCAN_LIMIT, search


def _marked(snippet: str) -> list[str]:
    return [part.split(HIT_END, 1)[0] for part in snippet.split(HIT_START)[1:]]


def _only(cf, text: str, kind: Kind):  # type: ignore[no-untyped-def]
    hits = [h for h in search(cf, text) if h.kind is kind]
    assert len(hits) == 1, hits
    return hits[0]


def test_a_match_in_tags_shows_the_tags_as_words(empty_cf):
    add_record(empty_cf, Kind.STATEMENT, {"text": "We are complying.", "tags": ["anthropic", "export-control"]})
    hit = _only(empty_cf, "expor", Kind.STATEMENT)
    assert hit.snippet == f"anthropic, {HIT_START}export{HIT_END}-control"


def test_a_match_in_key_provisions_shows_each_provision_as_text(empty_cf):
    provisions = ['Bars "zebra" exports of weights.', "Applies to C:\\models and staff"]
    add_record(empty_cf, Kind.DIRECTIVE, {"title": "Order", "provisions": provisions})
    hit = _only(empty_cf, "zebra", Kind.DIRECTIVE)
    assert hit.plain_snippet() == 'Bars "zebra" exports of weights. · Applies to C:\\models and staff'
    assert _marked(hit.snippet) == ["zebra"]


def test_a_long_record_matched_in_its_tags_shows_them_as_words(empty_cf):
    text = "Nothing to see here. " * (SNIPPET_SCAN_LIMIT // 10)
    add_record(empty_cf, Kind.TIMELINE, {"date": "2026-06-12", "title": "Long", "description": text, "tags": ["ōkapi"]})
    hit = _only(empty_cf, "okapi", Kind.TIMELINE)
    assert hit.snippet == f"{HIT_START}ōkapi{HIT_END}"


def test_text_that_only_looks_like_a_list_is_shown_as_written(empty_cf):
    add_record(empty_cf, Kind.STATEMENT, {"text": 'He wrote ["a", "b"] quoted', "tags": ["a", "b"]})
    hit = _only(empty_cf, "quoted", Kind.STATEMENT)
    assert hit.plain_snippet() == 'He wrote ["a", "b"] quoted'


def test_titles_come_with_the_matched_words_marked(empty_cf):
    add_record(empty_cf, Kind.ACTOR, {"name": "Élysée Palace press office"})
    hit = _only(empty_cf, "elys PRESS", Kind.ACTOR)
    assert hit.title == "Élysée Palace press office"
    assert hit.marked_title == f"{HIT_START}Élysée{HIT_END} Palace {HIT_START}press{HIT_END} office"


def test_the_case_fields_are_searched_with_the_same_word_rule(empty_cf):
    update_case(empty_cf, {"subtitle": "Talks at the Élysée", "marking": "FOR INTERNAL USE ONLY"})
    assert [(h.field, h.label, h.snippet) for h in searching.search_case(empty_cf, "elysee")] == [
        ("subtitle", "Subtitle", f"Talks at the {HIT_START}Élysée{HIT_END}")
    ]
    # Every word must be in the case, each in any field; a field holding more of them comes first.
    assert [h.field for h in searching.search_case(empty_cf, "empty talk")] == ["title", "subtitle"]
    assert [h.field for h in searching.search_case(empty_cf, "talk intern us")] == ["marking", "subtitle"]
    assert searching.search_case(empty_cf, "elysee nowhere") == []
    assert searching.search_case(empty_cf, "   ") == [] and searching.search_case(empty_cf, '"(') == []
    # Dates are not words of the case.
    update_case(empty_cf, {"as_of": "2026-06-24"})
    assert searching.search_case(empty_cf, "2026") == []


def test_a_window_inside_a_long_list_keeps_its_ellipses_and_reads_as_words(empty_cf):
    tags = [f"tag{i}" for i in range(30)] + ["needle"] + [f"more{i}" for i in range(30)]
    add_record(empty_cf, Kind.ACTOR, {"name": "Many tags", "tags": tags})
    hit = _only(empty_cf, "needle", Kind.ACTOR)
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert f", {HIT_START}needle{HIT_END}, more0, " in hit.snippet
    assert '"' not in hit.snippet and "[" not in hit.snippet
