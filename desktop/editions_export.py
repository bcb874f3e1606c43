"""Packets as editions: writing one to be kept, writing a kept one again, and describing them.

Qt-free: the app's export job, the CLI and the Briefing Editions dialog all come through
here. A packet is written from a snapshot of the case with the time it is made, and that
time, the document printed and the PDF's hash become the edition the caller records. A
kept edition is written again from what was stored with the same time, so while the
Casefile version and the fonts are the same it is the same file, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import desktop
from db import editions
from db.editions import Edition, NewEdition
from db.errors import CaseFileError
from db.store import CaseStore

from .briefing.options import SECTION_IDS, SECTION_TITLES, BriefingOptions
from .briefing.render import BriefingResult, Progress

if TYPE_CHECKING:
    from db.sqlite.casefile import CaseFile

    from .briefing.changes import EditionBase


@dataclass
class ExportedPacket(BriefingResult):
    """A packet written as a new edition: ``edition`` is what to record."""

    edition: NewEdition | None = None
    since: int | None = None  # the edition it showed changes since


@dataclass
class RewrittenPacket(BriefingResult):
    """A kept edition written again."""

    number: int = 0
    identical: bool = False  # the file's SHA-256 is the one recorded
    notes: list[str] = field(default_factory=list)  # what the user should know about the copy


def _since(cf: CaseStore, which: object) -> EditionBase | None:
    """The edition a packet shows changes since (``which``: "last", a number or None)."""
    from .briefing.changes import EditionBase

    if which is None or not (which == "last" or type(which) is int):
        return None
    found = editions.base(cf, which)
    return None if found is None else EditionBase(found.number, found.made, found.doc)


def render_edition(
    cf: CaseFile, out: Path, options: BriefingOptions, progress: Progress | None = None
) -> ExportedPacket:
    """Write the packet from a consistent snapshot of ``cf``, as an edition to record (safe on a worker)."""
    from db.interchange import export_document

    from .briefing.render import render_briefing

    snapshot = cf.snapshot()
    try:
        doc = export_document(snapshot, editions=False)
        since = _since(snapshot, options.changes_since)
    finally:
        snapshot.close()
    made = editions.now()
    try:
        result = render_briefing(doc, out, options, made=made, progress=progress, since=since)
    except OSError as exc:  # a full disk, a size limit, a folder that went away: the renderer left nothing
        raise CaseFileError(f"{out.name} could not be written: {exc.strerror or exc}.") from None
    number = since.number if since is not None else None
    # Kept with the edition it compared with, so writing it again shows the same changes.
    kept = {**options.to_dict(), "changes_since": number}
    new = editions.new_edition(
        doc, made=made, pages=result.pages, options=kept, pdf=out, app_version=desktop.__version__
    )
    return ExportedPacket(result.pages, result.warnings, new, number)


def rewrite_edition(cf: CaseStore, number: int, out: Path, progress: Progress | None = None) -> RewrittenPacket:
    """Write kept edition ``number`` again to ``out``, from what was stored."""
    from .briefing.render import render_briefing

    edition = editions.get(cf, number)
    doc = editions.content(cf, number)
    try:
        options = BriefingOptions.from_dict(edition.options)
    except ValueError as exc:
        raise CaseFileError(f"Edition {number} cannot be written again: its options are not ones "
                            f"this version of Casefile reads ({exc}).") from None  # fmt: skip
    made = edition.made_at()
    if made is None:
        raise CaseFileError(f"Edition {number} cannot be written again: the time it was made is damaged.")
    notes: list[str] = []
    since = None
    if type(options.changes_since) is int:
        try:
            since = _since(cf, options.changes_since)
        except CaseFileError:
            notes.append(
                f"It showed changes since edition {options.changes_since}, which is no longer kept: "
                "this copy leaves them out."
            )
    try:
        result = render_briefing(doc, out, options, made=made, progress=progress, since=since)
    except OSError as exc:
        raise CaseFileError(f"{out.name} could not be written: {exc.strerror or exc}.") from None
    identical = editions.file_sha256(out) == edition.pdf_sha256
    if edition.app_version != desktop.__version__:
        notes.append(
            f"Edition {number} was made by Casefile {edition.app_version}; this is {desktop.__version__}: "
            "the text is the same, the file may differ."
        )
    elif not identical and not notes:
        notes.append(
            f"The file differs from edition {number} as it was written (its SHA-256 is not the one recorded): "
            "the fonts on this computer may have changed. The text is the same."
        )
    return RewrittenPacket(result.pages, result.warnings, number, identical, notes)


# ----- describing editions ------------------------------------------------------------------


def made_display(edition: Edition) -> str:
    """When an edition was made, as a list shows it: "2026-06-24 09:15"."""
    when = edition.made_at()
    return when.strftime("%Y-%m-%d %H:%M") if when is not None else edition.made


def options_summary(options: dict[str, Any]) -> str:
    """An edition's options in a few words: "Letter; all sections; changes since edition 2"."""
    parts: list[str] = []
    paper = options.get("paper")
    parts.append("A4" if paper == "a4" else "Letter")
    sections = options.get("sections")
    if isinstance(sections, list) and sections != list(SECTION_IDS):
        named = [SECTION_TITLES.get(s, str(s)) for s in sections if isinstance(s, str)]
        parts.append(", ".join(named) if named else "no sections")
    else:
        parts.append("all sections")
    low, high = options.get("date_from"), options.get("date_to")
    if low and high:
        parts.append(f"{low} to {high}")
    elif low:
        parts.append(f"from {low}")
    elif high:
        parts.append(f"to {high}")
    if options.get("key_only") is True:
        parts.append("key events only")
    marking = options.get("marking_override")
    if isinstance(marking, str) and marking.strip():
        parts.append(f"marked {' '.join(marking.split())[:40]}")
    since = options.get("changes_since")
    if type(since) is int:
        parts.append(f"changes since edition {since}")
    return "; ".join(parts)


def edition_filename(title: str, number: int) -> str:
    """A file name like "CAISI Voluntary Review - briefing - edition 3.pdf"."""
    from .briefing.naming import safe_stem

    name = " ".join(title.split())
    main, colon, _ = name.partition(":")
    if colon and len(main.strip()) >= 8:
        name = main  # "Main title: long subtitle" -> the main title, as the packet's own name does
    return f"{safe_stem(name, 'Case')} - briefing - edition {number}.pdf"


def default_edition_output(cf: CaseStore, number: int, folder: Path | None = None) -> Path:
    """Where edition ``number`` is written again unless told: beside the case file (a team case's:
    where the command runs, as for its packets)."""
    from db import records

    base = folder or (cf.path.parent if cf.path else Path.cwd())
    return base / edition_filename(str(records.get_case(cf)["title"]), number)
