"""Whatever the user typed prints: markup, control characters, every script, huge inputs."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from briefing_fixtures import (
    ARABIC,
    CJK,
    HEBREW,
    HOSTILE_MARKUP,
    body_text,
    long_chronology_case,
    norm,
    page_texts,
    small_case,
)
from briefing_fixtures import hostile_case as make_hostile_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from desktop.briefing.fonts import load_fonts
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import BriefingResult, render_briefing
from desktop.briefing.text import TextPrep, clean, escape

OPTIONS = BriefingOptions(deterministic=True)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BriefingResult]:
    path = tmp_path_factory.mktemp("hostile") / "hostile.pdf"
    return path, render_briefing(make_hostile_case(), path, OPTIONS)


def _pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_hostile_corpus_exports(hostile: tuple[Path, BriefingResult]) -> None:
    path, result = hostile
    assert result.pages == len(PdfReader(str(path)).pages)
    assert result.pages > 50  # the 50-page statement really flowed over many pages


def test_markup_prints_literally(hostile: tuple[Path, BriefingResult]) -> None:
    text = body_text(hostile[0], ())
    for markup in HOSTILE_MARKUP:
        assert markup in text
    assert "Row 0 <b>&amp;" in text
    assert "Hostile <b>case</b> &" in text


def test_no_image_or_file_was_pulled_in(hostile: tuple[Path, BriefingResult]) -> None:
    data = hostile[0].read_bytes()
    assert b"/Subtype /Image" not in data
    assert b"root:" not in data  # nothing of /etc/passwd


def test_marking_with_markup_and_scripts_on_every_page(hostile: tuple[Path, BriefingResult]) -> None:
    for text in page_texts(hostile[0]):
        assert text.count("SECRET <b>//</b> 中文") >= 2


def test_cjk_prints_with_the_fallback_font(hostile: tuple[Path, BriefingResult]) -> None:
    assert CJK in body_text(hostile[0], ())
    names = {str(f) for page in PdfReader(str(hostile[0])).pages for f in _font_names(page)}
    assert any("WenQuanYi" in name for name in names)


def _font_names(page: object) -> list[str]:
    fonts = page["/Resources"].get_object().get("/Font", {})  # type: ignore[index]
    return [str(ref.get_object()["/BaseFont"]) for ref in fonts.values()]


def test_uncovered_character_is_reported(tmp_path: Path) -> None:
    doc = small_case()
    doc["statements"][0]["text"] += " private \ue000 use and a Unicode 11 emoji 🥰"
    result = render_briefing(doc, tmp_path / "pua.pdf", OPTIONS)
    warning = next(w for w in result.warnings if "no available font covers" in w)
    assert "U+E000" in warning and "U+1F970" in warning
    clean_result = render_briefing(small_case(), tmp_path / "clean.pdf", OPTIONS)
    assert not any("no available font" in w for w in clean_result.warnings)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_arabic_is_shaped_and_hebrew_prints(hostile: tuple[Path, BriefingResult]) -> None:
    text = _pdftotext(hostile[0])
    # Shaped Arabic is drawn with contextual (initial/medial/final) glyphs, which extract as
    # Arabic Presentation Forms-B; unshaped text would show only the isolated base letters.
    assert any("\ufe70" <= ch <= "\ufeff" for ch in text)
    folded = unicodedata.normalize("NFKC", text)
    for word in ARABIC.split() + HEBREW.split():
        assert word in folded


def test_text_prep_escapes_and_splits_runs() -> None:
    prep = TextPrep(load_fonts())
    assert prep.markup('<img src="/etc/passwd"/> &amp;') == '&lt;img src="/etc/passwd"/&gt; &amp;amp;'
    assert prep.markup("a\x00b\x1fc\x7f") == "abc"
    mixed = prep.markup("Meta 中文 ok")
    assert mixed == 'Meta <font name="CasefileCJK">中文 </font>ok'
    assert escape("<&>") == "&lt;&amp;&gt;"
    assert clean("a\r\nb\u2028c\td\ud800") == "a\nb\nc d"
    assert not prep.missing


def test_long_url_wraps(tmp_path: Path) -> None:
    doc = small_case()
    url = "https://example.com/" + "abcdefghij" * 60
    doc["sources"][0]["url"] = url
    path = tmp_path / "url.pdf"
    render_briefing(doc, path, BriefingOptions(sections=["sources"], deterministic=True))
    text = page_texts(path)[1]
    assert url in "".join(text.split())  # present, broken over several lines
    assert max(len(line) for line in text.splitlines()) < 200


def test_fifty_page_statement_splits_across_pages(tmp_path: Path) -> None:
    doc = small_case()
    paragraph = " ".join(f"word{i}" for i in range(550))
    doc["statements"][0]["text"] = "\n\n".join([paragraph] * 50)
    path = tmp_path / "long.pdf"
    result = render_briefing(doc, path, BriefingOptions(sections=["statements"], deterministic=True))
    assert result.pages >= 40
    text = body_text(path, ("FOR INTERNAL USE ONLY", "CAISI Voluntary Review", "As of June 24, 2026"))
    assert text.count("word549") == 50


def test_ten_thousand_timeline_rows(tmp_path: Path) -> None:
    doc = long_chronology_case(10_000)
    path = tmp_path / "big.pdf"
    result = render_briefing(doc, path, BriefingOptions(sections=["summary", "chronology"], deterministic=True))
    reader = PdfReader(str(path))
    assert result.pages == len(reader.pages) > 150
    last = norm(reader.pages[-1].extract_text())
    assert f"Page {result.pages} of {result.pages}" in last
    assert "Date" in reader.pages[5].extract_text()  # the column header repeats on every page


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(), statement=st.text(), summary=st.text(), name=st.text(), marking=st.text())
def test_random_text_always_exports(
    tmp_path: Path, title: str, statement: str, summary: str, name: str, marking: str
) -> None:
    doc = small_case()
    doc["case"].update(title=title, summary=summary, marking=marking, subtitle=statement)
    doc["statements"][0]["text"] = statement
    doc["statements"][1]["text"] = statement
    doc["actors"][0]["name"] = name
    doc["timeline"][0]["title"] = title
    doc["sources"][0]["title"] = name
    path = tmp_path / "random.pdf"
    result = render_briefing(doc, path, OPTIONS)
    assert result.pages >= 2 and path.stat().st_size > 0
    printable = norm(clean(statement))
    if printable.isascii() and printable:
        assert printable in body_text(path, ())


@pytest.mark.parametrize("text", ["lorem ipsum " * 700, "x" * 8000], ids=["words", "no-spaces"])
def test_every_field_page_sized_still_lays_out(tmp_path: Path, text: str) -> None:
    """A pasted essay in any field (a title, a name, a marking) never breaks the layout."""
    doc = small_case()
    references = {
        "id",
        "speaker",
        "source",
        "affiliation",
        "issuer",
        "directive",
        "statement",
        "kind",
        "status",
    }
    for record in [doc["case"], *(r for key in ("sources", "actors", "statements", "directives", "timeline")
                                 for r in doc[key])]:  # fmt: skip
        for key, value in list(record.items()):
            if isinstance(value, str) and key not in references and not value[:4].isdigit():
                record[key] = text
    path = tmp_path / "giant.pdf"
    result = render_briefing(doc, path, OPTIONS)
    assert result.pages == len(PdfReader(str(path)).pages) > 10
