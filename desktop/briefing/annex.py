"""The "Before it goes out" annex: the records printed without a source, speaker or issued date."""

from __future__ import annotations

from collections.abc import Callable

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Table, TableStyle
from reportlab.platypus.doctemplate import NullActionFlowable

from .checks import Flag, Flags
from .context import Ctx
from .styles import HAIRLINE

TITLE = "Before it goes out"
MAX_LISTED = 50  # per rule; a long tail is summed up so the annex stays a checklist

INTRO = (
    "These records print with a bracketed note, such as <i>[no source]</i>, where they appear. "
    "Add what is missing before the packet goes out, or leave this annex out in Briefing Options."
)


def wanted(ctx: Ctx) -> bool:
    """Whether the packet carries the annex: chosen, and something to list (an empty one says nothing)."""
    return ctx.options.check_annex and bool(ctx.flags.items)


def section(ctx: Ctx) -> list[Flowable]:
    """The annex's introduction, then its lists, made once the records before it are laid out."""
    intro = ctx.para(
        INTRO.replace("<i>", f'<font name="{ctx.fonts.italic}">').replace("</i>", "</font>"), ctx.styles.small
    )
    return [intro, _WhenReached(lambda: _lists(ctx, ctx.flags))]


class _WhenReached(Flowable):  # type: ignore[misc]
    """Stands in for flowables made when the layout reaches it, so that they can name the pages
    of what printed before them: it never fits, and its split is the flowables."""

    def __init__(self, make: Callable[[], list[Flowable]]) -> None:
        super().__init__()
        self.make = make

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return availWidth, availHeight + 1

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        # The frame places the first piece of a split where it is, so it must be one that fits.
        return [NullActionFlowable(), *self.make()]


def _lists(ctx: Ctx, flags: Flags) -> list[Flowable]:
    styles = ctx.styles
    out: list[Flowable] = []
    for title, found in flags.grouped():
        out.append(ctx.para(f"{title} ({len(found):,})", styles.h2))
        rows = [_row(ctx, flags, flag) for flag in found[:MAX_LISTED]]
        width = ctx.geometry.frame_width
        table = Table(rows, colWidths=[width - 0.7 * 72, 0.7 * 72], splitByRow=1, splitInRow=1)
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), ctx.fonts.regular, 8.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, HAIRLINE),
        ]))  # fmt: skip
        out.append(table)
        if len(found) > MAX_LISTED:
            out.append(ctx.para(f"… and {len(found) - MAX_LISTED:,} more.", styles.note))
    return out


def _row(ctx: Ctx, flags: Flags, flag: Flag) -> list[Flowable]:
    page = flags.pages.get(flag.number)
    where = f'<a href="#flag-{flag.number}">p. {page}</a>' if page else ""
    right = ParagraphStyle("annex_page", parent=ctx.styles.cell, alignment=TA_RIGHT)
    return [ctx.para(ctx.m(flag.label), ctx.styles.cell, flag.label), ctx.para(where, right)]
