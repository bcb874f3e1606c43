"""The shipped sample case (db/sample/caisi-review.json) as a packet: every statement prints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from briefing_fixtures import SAMPLE_JSON, body_text, norm, page_texts
from pypdf import PdfReader

from desktop.briefing.checks import preflight
from desktop.briefing.naming import suggested_filename
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import BriefingResult, render_briefing

pytestmark = pytest.mark.skipif(not SAMPLE_JSON.is_file(), reason="sample case JSON not present")


@pytest.fixture(scope="module")
def sample() -> dict[str, object]:
    return json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def packet(sample: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BriefingResult]:
    path = tmp_path_factory.mktemp("sample") / "sample.pdf"
    return path, render_briefing(sample, path, BriefingOptions(deterministic=True))


def _furniture(sample: dict[str, object]) -> tuple[str, ...]:
    case = sample["case"]
    assert isinstance(case, dict)
    return (case.get("marking") or "", case["title"])


def test_every_statement_of_the_sample_prints(sample: dict[str, object], packet: tuple[Path, BriefingResult]) -> None:
    text = body_text(packet[0], _furniture(sample))
    statements = sample.get("statements") or []
    assert isinstance(statements, list) and statements
    for statement in statements:
        assert norm(statement["text"]) in text, statement["id"]


def test_sample_pages_are_marked_and_numbered(sample: dict[str, object], packet: tuple[Path, BriefingResult]) -> None:
    case = sample["case"]
    assert isinstance(case, dict)
    texts = page_texts(packet[0])
    assert packet[1].pages == len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in norm(text)
        if case.get("marking"):
            assert text.count(case["marking"]) >= 2


def test_sample_citations_point_at_listed_sources(packet: tuple[Path, BriefingResult]) -> None:
    text = body_text(packet[0], ())
    sources_part = text[text.rindex("Sources Numbered in order") :]
    listed = {int(n) for n in re.findall(r"\[(\d+)\]", sources_part)}
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", text[: text.rindex("Sources Numbered in order")])}
    assert cited and cited <= listed
    assert sorted(listed) == list(range(1, len(listed) + 1))


def test_sample_outline_and_metadata(sample: dict[str, object], packet: tuple[Path, BriefingResult]) -> None:
    reader = PdfReader(str(packet[0]))
    assert [item.title for item in reader.outline if not isinstance(item, list)] == [
        "Summary", "Chronology", "Actors", "Directives", "Statements", "Sources", "Before it goes out",
    ]  # fmt: skip
    case = sample["case"]
    assert isinstance(case, dict)
    assert reader.metadata is not None and reader.metadata.title == case["title"]


def test_sample_warnings_are_the_preflight_ones(sample: dict[str, object], packet: tuple[Path, BriefingResult]) -> None:
    assert packet[1].warnings == preflight(sample)


def test_sample_file_name(sample: dict[str, object]) -> None:
    name = suggested_filename(sample)
    assert name.endswith(".pdf") and " - briefing - " in name
