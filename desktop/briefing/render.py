"""Entry point: a case document in, a finished briefing-packet PDF out (or nothing at all)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, NextPageTemplate, PageBreak

import desktop
from db.tempfiles import clean_stale_temp_files, create_temp_beside

from . import annex, changes_section, full_texts, sections
from .changes import EditionBase, compare
from .checks import FLAG_CALLBACK, Flags, preflight
from .citations import CITE_CALLBACK, Citations
from .context import Ctx
from .continued import Continuations
from .document import Furniture, PacketCanvas, PacketDoc, SectionHeading, SectionMark
from .excerpts import FullTexts
from .fonts import load_fonts
from .model import CaseData, display_date, text_of
from .options import SECTION_TITLES, BriefingOptions
from .stamp import fix_time
from .styles import PageGeometry, Styles
from .text import TextPrep, fit_one_line, one_line

Progress = Callable[[int, int], bool]


class ExportCancelled(Exception):
    """The user cancelled the export; no file was written."""


@dataclass
class BriefingResult:
    """What an export produced."""

    pages: int
    warnings: list[str]


def _story(ctx: Ctx, marks: list[SectionMark], today: dt.date | None, runs: Continuations) -> list[Flowable]:
    styles, data = ctx.styles, ctx.data
    numbered = data.number_sources(data.citations_in(ctx.options.sections))
    story: list[Flowable] = sections.cover(ctx, marks, today)
    story += [NextPageTemplate("body"), PageBreak()]
    builders: dict[str, Callable[[], list[Flowable]]] = {
        "summary": partial(sections.summary, ctx),
        "chronology": partial(sections.chronology, ctx),
        "actors": partial(sections.actors, ctx),
        "directives": partial(sections.directives, ctx),
        "statements": partial(sections.statements, ctx),
        "sources": partial(sections.sources, ctx, numbered),
        "changes": partial(changes_section.section, ctx),
        "full_texts": partial(full_texts.section, ctx),
        "checks": partial(annex.section, ctx),
    }
    for index, mark in enumerate(marks):
        if index:
            # A section starts on the same page only if a useful amount of it fits there.
            story.append(CondPageBreak(2.4 * 72))
        story.append(runs.start(mark))
        story.append(SectionHeading(mark.title, styles.h1, mark=mark))
        story += builders[mark.key]()
        story.append(runs.end())
    return story


def _units(story: list[Flowable]) -> int:
    """The story's progress units: one per section start and one per record (table row's record,
    statement, directive, source), reported by the flowables that carry ``progress_units`` as
    they are laid out. Anything else, and the pieces a flowable splits into, count nothing."""
    return sum(int(getattr(f, "progress_units", 0)) for f in story)


def render_briefing(
    doc: dict[str, Any],
    out_path: str | os.PathLike[str],
    options: BriefingOptions | None = None,
    *,
    made: dt.datetime | None = None,
    progress: Progress | None = None,
    app_version: str = desktop.__version__,
    since: EditionBase | None = None,
) -> BriefingResult:
    """Write the briefing packet for ``doc`` to ``out_path``; all or nothing.

    ``progress(done, total)`` is called while the packet is laid out; returning False
    cancels the export with ExportCancelled. The PDF is written to a temporary file beside
    ``out_path`` and renamed into place only when complete, so a failure or cancel leaves
    any existing file untouched and no partial file behind.

    With ``since`` (an earlier edition), page one counts what changed since it, a "Changes
    since edition N" section follows the summary, and change bars mark the records changed.
    With ``made`` (an edition's time, with its UTC offset) the packet carries that time, not the
    clock's: written again with the same ``made``, it is the same file byte for byte.
    """
    options = options or BriefingOptions()
    options.validate()
    target = Path(out_path)
    fonts = load_fonts()
    styles = Styles(fonts)
    text = TextPrep(fonts)
    geometry = PageGeometry.for_paper(options.paper)
    data = CaseData.build(doc if isinstance(doc, dict) else {}, options)
    changes = compare(since.doc, doc if isinstance(doc, dict) else {}) if since is not None else None
    flags = Flags.find(data, options.sections, fonts.italic)
    long_texts = FullTexts.find(data, options.sections, options.excerpt_words)
    citations = Citations(options.sections)
    ctx = Ctx(data, styles, text, geometry, options, fonts, since, changes, flags, long_texts, citations)
    today = None if options.deterministic else made.date() if made else dt.date.today()

    case = data.case
    title = one_line(text_of(case, "title")) or "Untitled case"
    marking_text = sections.ctx_marking(ctx)
    marking = None
    if marking_text:
        fitted = fit_one_line(marking_text, geometry.frame_width, fonts.bold, styles.marking.fontSize)
        marking = ctx.para(ctx.m(fitted, fonts.bold), styles.marking, fitted)
    as_of = display_date(case.get("as_of"))
    header_right = f"As of {as_of}" if as_of and as_of.isascii() else ""
    header_width = geometry.frame_width - (stringWidth(header_right, fonts.regular, 8) + 24 if header_right else 0)
    fitted_title = fit_one_line(title, header_width, fonts.regular, 8)
    header = ctx.para(ctx.m(fitted_title), styles.header, fitted_title)
    marks = [SectionMark(key, SECTION_TITLES[key]) for key in options.sections]
    if since is not None:
        at = marks.index(next(m for m in marks if m.key == "summary")) + 1 if "summary" in options.sections else 0
        marks.insert(at, SectionMark("changes", f"Changes since edition {since.number}"))
    if full_texts.wanted(ctx):
        marks.append(SectionMark("full_texts", full_texts.TITLE))
    if annex.wanted(ctx):
        marks.append(SectionMark("checks", annex.TITLE))
    furniture = Furniture(geometry, fonts.regular, marking, header, header_width, header_right)

    runs = Continuations(styles)
    story = _story(ctx, marks, today, runs)
    total = max(1, _units(story))
    done = 0
    last_reported = -1
    step = max(1, total // 200)

    def report(units: int) -> None:
        nonlocal done, last_reported
        done = min(total, done + units)
        if progress is not None and done != last_reported and (done - last_reported >= step or done == total):
            last_reported = done
            if progress(done, total) is False:
                raise ExportCancelled("The export was cancelled.")

    if progress is not None and progress(0, total) is False:
        raise ExportCancelled("The export was cancelled.")

    # The user's normal permissions (not mkstemp's owner-only mode), and a name a later run
    # recognises and removes if this process is killed before the rename, as this one does.
    clean_stale_temp_files(target.parent)
    handle, temp_path = create_temp_beside(target)
    os.close(handle)
    temp_name = str(temp_path)
    canvases: list[PacketCanvas] = []

    def make_canvas(*args: Any, **kwargs: Any) -> PacketCanvas:
        canvas = PacketCanvas(*args, furniture=furniture, **kwargs)
        canvas.setNamedCB(FLAG_CALLBACK, flags.seen)
        canvas.setNamedCB(CITE_CALLBACK, ctx.citations.seen)
        if made is not None and not options.deterministic:
            fix_time(canvas, made)
        canvases.append(canvas)
        return canvas

    try:
        pdf = PacketDoc(
            temp_name,
            furniture,
            on_progress=report,
            title=title,
            author=one_line(text_of(case, "prepared_by")),
            subject=one_line(text_of(case, "subtitle")) or "Briefing packet",
            creator=f"Casefile {app_version}",
            invariant=1 if options.deterministic else 0,
        )
        pdf.page_head = runs.head
        pdf.build(story, canvasmaker=make_canvas)
        pages = canvases[-1].pages_written
        if progress is not None and last_reported != total and progress(total, total) is False:
            raise ExportCancelled("The export was cancelled.")
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise

    warnings = preflight(doc)
    missing = text.missing_warning()
    if missing:
        warnings.append(missing)
    return BriefingResult(pages=pages, warnings=warnings)
