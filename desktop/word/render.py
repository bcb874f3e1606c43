"""Entry point: a case document in, the briefing packet as a Word document out (or nothing at all)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from db.tempfiles import clean_stale_temp_files, create_temp_beside
from desktop.briefing.checks import Flags, preflight
from desktop.briefing.excerpts import FullTexts
from desktop.briefing.model import CaseData, display_date, text_of
from desktop.briefing.options import SECTION_TITLES, BriefingOptions
from desktop.briefing.plain import one_line

from . import full_texts, sections
from .document import new_document, set_properties
from .writer import Writer

Progress = Callable[[int, int], bool]
ANNEX_TITLE = "Before it goes out"
FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class ExportCancelled(Exception):
    """The user cancelled the export; no file was written."""


@dataclass
class WordResult:
    """What a Word export produced: its sections, and the gaps worth fixing before it goes out."""

    sections: list[str]
    warnings: list[str]


def marking_of(case: dict[str, Any], options: BriefingOptions) -> str:
    """The handling marking in force: the options' override when set, else the case's own."""
    text = options.marking_override if options.marking_override is not None else case.get("marking")
    return one_line(text if isinstance(text, str) else "")


def render_word(
    doc: dict[str, Any],
    out_path: str | os.PathLike[str],
    options: BriefingOptions | None = None,
    *,
    made: dt.datetime | None = None,
    progress: Progress | None = None,
) -> WordResult:
    """Write the packet for ``doc`` to ``out_path`` as a .docx; all or nothing.

    The same options and filters as the PDF (sections and their order, date window, key
    events only, paper, marking override, the annex), from the same loaded case. Written to
    a temporary file beside ``out_path`` and renamed into place only when complete, so a
    failure or a cancel (``progress`` returning False) leaves no partial file behind.
    """
    options = options or BriefingOptions()
    options.validate()
    target = Path(out_path)
    source = doc if isinstance(doc, dict) else {}
    data = CaseData.build(source, options)
    flags = Flags.find(data, options.sections, "")
    numbered = data.number_sources(data.citations_in(options.sections))
    marking = marking_of(data.case, options)
    title = one_line(text_of(data.case, "title")) or "Untitled case"
    as_of = display_date(data.case.get("as_of"))
    document = new_document(paper=options.paper, marking=marking, title=title, as_of=as_of)
    moment = FIXED_TIME if options.deterministic else made or dt.datetime.now(dt.UTC)
    set_properties(
        document,
        title=title,
        author=one_line(text_of(data.case, "prepared_by")),
        subject=one_line(text_of(data.case, "subtitle")) or "Briefing packet",
        made=moment,
    )

    long_texts = FullTexts.find(data, options.sections, options.excerpt_words)
    titles = [(key, SECTION_TITLES[key]) for key in options.sections]
    if long_texts.items:
        titles.append(("full_texts", full_texts.TITLE))
    if options.check_annex and flags.items:
        titles.append(("checks", ANNEX_TITLE))
    records = len(data.timeline) + len(data.actors) + len(data.directive_list) + len(data.statement_list)
    total = max(1, len(titles) + records + len(numbered) + len(long_texts.items))
    done = 0

    def report(units: int) -> None:
        nonlocal done
        done = min(total, done + units)
        if progress is not None and progress(done, total) is False:
            raise ExportCancelled("The export was cancelled.")

    if progress is not None and progress(0, total) is False:
        raise ExportCancelled("The export was cancelled.")
    writer = Writer(document, data, options, flags, report, long_texts)
    today = None if options.deterministic else moment.date()
    sections.cover(writer, marking, today, titles)
    builders: dict[str, Callable[[], None]] = {
        "summary": partial(sections.summary, writer),
        "chronology": partial(sections.chronology, writer),
        "actors": partial(sections.actors, writer),
        "directives": partial(sections.directives, writer),
        "statements": partial(sections.statements, writer),
        "sources": partial(sections.sources, writer, numbered),
        "full_texts": partial(full_texts.section, writer),
        "checks": partial(sections.annex, writer),
    }
    for index, (key, heading) in enumerate(titles):
        paragraph = writer.paragraph(heading, "Heading 1")
        writer.bookmark(paragraph, f"section_{key}")
        # Each section opens a page, as a reader turning to "Statements" expects; the first
        # follows the cover's own page break.
        paragraph.paragraph_format.page_break_before = index > 0
        builders[key]()
        report(1)

    clean_stale_temp_files(target.parent)
    handle, temp_path = create_temp_beside(target)
    os.close(handle)
    try:
        document.save(str(temp_path))
        if progress is not None and progress(total, total) is False:
            raise ExportCancelled("The export was cancelled.")
        os.replace(temp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_path)
        raise
    return WordResult(sections=[heading for _, heading in titles], warnings=preflight(source))
