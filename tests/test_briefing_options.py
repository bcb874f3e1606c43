"""Briefing options (round trip, validation), pre-export checks and the suggested file name."""

from __future__ import annotations

import datetime as dt

import pytest
from briefing_fixtures import VERBATIM_TEXT, small_case

from desktop.briefing.checks import preflight
from desktop.briefing.naming import suggested_filename
from desktop.briefing.options import SECTION_IDS, BriefingOptions


def test_defaults_include_every_section_in_order() -> None:
    options = BriefingOptions()
    assert options.sections == list(SECTION_IDS)
    assert options.paper == "letter"
    assert not options.key_only and not options.deterministic
    options.validate()


def test_round_trip_through_dict() -> None:
    options = BriefingOptions(
        sections=["statements", "summary"],
        date_from="2026-05",
        date_to="2026-06-30",
        key_only=True,
        paper="a4",
        marking_override="SECRET",
        deterministic=True,
    )
    again = BriefingOptions.from_dict(options.to_dict())
    assert again == options
    assert again.to_dict() == options.to_dict()


def test_from_dict_fills_missing_keys_with_defaults() -> None:
    assert BriefingOptions.from_dict({}) == BriefingOptions()
    assert BriefingOptions.from_dict({"paper": "a4"}).sections == list(SECTION_IDS)
    assert BriefingOptions.from_dict({"date_from": ""}).date_from is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sections": ["summary", "appendix"]}, "appendix"),
        ({"sections": ["summary", "summary"]}, "more than once"),
        ({"sections": "summary"}, "list"),
        ({"paper": "legal"}, "legal"),
        ({"date_from": "June 2026"}, "June 2026"),
        ({"date_to": "2026-13"}, "2026-13"),
        ({"date_from": "2026-07", "date_to": "2026-06"}, "after"),
        ({"key_only": "yes"}, "key_only"),
        ({"deterministic": 1}, "deterministic"),
        ({"marking_override": 5}, "marking"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_from_dict_rejects_bad_values(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BriefingOptions.from_dict(data)


def test_validate_names_the_problem() -> None:
    with pytest.raises(ValueError, match="letter"):
        BriefingOptions(paper="A5").validate()
    BriefingOptions(sections=[]).validate()  # a cover-only packet is allowed


def test_date_bounds_are_partial_dates() -> None:
    low, high = BriefingOptions(date_from="2026", date_to="2026-06-02").date_bounds()
    assert low is not None and low.precision == "year"
    assert high is not None and high.precision == "day"


# ----- preflight ----------------------------------------------------------------------------


def test_preflight_lists_gaps() -> None:
    warnings = preflight(small_case())
    assert "Statement “This story is…” has no source" in warnings
    assert "Statement “Meta is the…” has no speaker" in warnings
    assert "Directive “Meta CAISI agreement” has no issued date" in warnings
    assert "Directive “Meta CAISI agreement” has no source" in warnings
    assert any(w.startswith("Timeline entry “Directive reaches Anthropic”") and "no source" in w for w in warnings)
    # Complete records raise nothing.
    assert not any("We share" in w or "EO 14409" in w for w in warnings)


def test_preflight_statement_without_speaker_is_quoted() -> None:
    doc = small_case()
    doc["statements"][0]["speaker"] = None
    assert "Statement “We share the…” has no speaker" in preflight(doc)
    assert VERBATIM_TEXT.startswith("We share the")


def test_preflight_dangling_reference_counts_as_missing() -> None:
    doc = small_case()
    doc["statements"][0]["source"] = "no-such-source"
    assert "Statement “We share the…” has no source" in preflight(doc)


def test_preflight_sums_up_long_lists() -> None:
    doc = small_case()
    doc["timeline"] = [{"id": f"t{i}", "date": "2026", "title": f"Entry {i}"} for i in range(25)]
    warnings = [w for w in preflight(doc) if "Timeline" in w or "timeline" in w]
    assert len(warnings) == 11
    assert warnings[-1] == "… and 15 more timeline entries have no source"


def test_preflight_of_an_empty_case_is_empty() -> None:
    assert preflight({"format": "casefile", "version": 1, "case": {"title": "x"}}) == []


# ----- suggested file name ------------------------------------------------------------------


def test_suggested_filename_uses_title_and_as_of() -> None:
    assert suggested_filename(small_case()) == "CAISI Voluntary Review - briefing - 2026-06-24.pdf"


def test_suggested_filename_main_title_before_a_colon() -> None:
    doc = small_case()
    doc["case"]["title"] = "CAISI Voluntary Review: Meta Holdout and the Anthropic Export Directive"
    assert suggested_filename(doc) == "CAISI Voluntary Review - briefing - 2026-06-24.pdf"


def test_suggested_filename_removes_illegal_characters_and_trims() -> None:
    doc = small_case()
    doc["case"]["title"] = 'A/B\\C?*<x>|"q"\x00' + " long" * 60
    name = suggested_filename(doc)
    stem = name.removesuffix(" - briefing - 2026-06-24.pdf")
    assert not set('/\\?*<>|"\x00:') & set(name)
    assert stem.startswith("ABC") and len(stem) <= 80


def test_suggested_filename_without_title_or_date() -> None:
    doc = {"case": {"title": "  ", "as_of": None}}
    assert suggested_filename(doc) == f"Case - briefing - {dt.date.today().isoformat()}.pdf"
    assert suggested_filename({"case": {"title": "con"}}).startswith("Case con - briefing - ")
