"""The "Changes since edition N" section and page one's line of counts.

Printed the way comparative prints show amended text, and readable in black and white:
removed words struck through (and a shade lighter), added words underlined. Every user text
goes through the renderer's escaping; the strike and underline tags are ours alone.
"""

from __future__ import annotations

import re

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Spacer

from .changes import CASE, PACKET_ORDER, STATUSES, Changes, RecordChange, Segment, condensed, counts_line
from .context import Ctx
from .options import SECTION_TITLES
from .styles import MUTED

GROUP_TITLES = {"timeline": SECTION_TITLES["chronology"], CASE: "Case details"}
STATUS_LABELS = {"added": "Added", "changed": "Changed", "removed": "Removed"}
REMOVED_INK = "#4A4A4A"
LABEL_WIDTH = 54.0  # the hanging status label's column


def cover_line(ctx: Ctx) -> list[Flowable]:
    """Page one's line of counts ("Since edition 3 of June 24, 2026: 4 statements added, ..."),
    or nothing when the packet compares with no edition."""
    if ctx.since is None or ctx.changes is None:
        return []
    lead, _, counts = counts_line(ctx.since, ctx.changes).partition(": ")
    return [Spacer(1, 8), ctx.para(f"<b>{lead}:</b> {counts}", ctx.styles.cover_meta)]


def section(ctx: Ctx) -> list[Flowable]:
    """What changed since the edition, grouped like the packet's sections, with word redlines."""
    since, changes = ctx.since, ctx.changes
    if since is None or changes is None:
        return []
    styles = ctx.styles
    made = since.made_display()
    of = f" of {made}" if made else ""
    intro = (
        f"Compared with edition {since.number}{of}. In each changed field, "
        f'<font color="{REMOVED_INK}"><strike>struck-through</strike></font> words were removed and '
        "<u>underlined</u> words were added. In the sections that follow, a bar in the margin marks "
        "each record added or changed since then."
    )
    flow: list[Flowable] = [ctx.para(intro, styles.small)]
    if not changes.records:
        flow.append(ctx.para(f"Nothing in the case has changed since edition {since.number}.", styles.note))
        return flow
    for kind in (*(k for k, _, _ in PACKET_ORDER), CASE):
        flow += _group(ctx, changes, kind)
    return flow


def _group(ctx: Ctx, changes: Changes, kind: str) -> list[Flowable]:
    found = [c for status in STATUSES for c in changes.of(kind, status)]
    if not found:
        return []
    title = GROUP_TITLES.get(kind) or SECTION_TITLES.get(kind, kind.title())
    counts = ", ".join(f"{len(changes.of(kind, status))} {status}" for status in STATUSES if changes.of(kind, status))
    heading = title if kind == CASE else f'{title} <font size="8.5" color="#555555">({counts})</font>'
    flow: list[Flowable] = []
    for index, change in enumerate(found):
        entry = _entry(ctx, change)
        if index == 0:
            entry = [ctx.para(heading, ctx.styles.h2), *entry]
        flow.append(KeepTogether(entry) if len(entry) < 8 else entry[0])
        if len(entry) >= 8:
            flow += entry[1:]
    return flow


def _styles(ctx: Ctx) -> tuple[ParagraphStyle, ParagraphStyle]:
    base = ctx.styles.body
    entry = ParagraphStyle(
        "change_entry", parent=base, leftIndent=LABEL_WIDTH, bulletIndent=0, spaceBefore=4, spaceAfter=1,
        bulletFontName=ctx.fonts.bold, bulletFontSize=7.5, bulletColor=MUTED,
    )  # fmt: skip
    field = ParagraphStyle("change_field", parent=base, fontSize=9, leading=12.5, leftIndent=LABEL_WIDTH + 10,
                           spaceAfter=2)  # fmt: skip
    return entry, field


def _entry(ctx: Ctx, change: RecordChange) -> list[Flowable]:
    entry_style, field_style = _styles(ctx)
    bold = ctx.fonts.bold
    title = _tagged(ctx, change.title, "strike", bold) if change.status == "removed" else ctx.m(change.title, bold)
    line = ctx.para(f"<b>{title}</b>", entry_style, change.title)
    line.bulletText = STATUS_LABELS[change.status].upper()
    out: list[Flowable] = [line]
    for field in change.fields:
        markup, raw = _redline_markup(ctx, condensed(field.redline()))
        label = f"<b>{field.label}:</b> "
        out.append(ctx.para(label + (markup or "—"), field_style, *raw))
    return out


def _redline_markup(ctx: Ctx, segments: list[Segment]) -> tuple[str, list[str]]:
    """Paragraph markup of a redline; user text escaped, line breaks kept, and the raw texts."""
    parts: list[str] = []
    raw: list[str] = []
    previous = ""
    for kind, text in segments:
        raw.append(text)
        lead = text[: len(text) - len(text.lstrip())]
        body = text.strip()
        trail = text[len(text.rstrip()) :]
        if kind == "added" and previous == "removed" and not lead:
            lead = " "  # "30 90" rather than "3090" when one number replaces another
        if kind == "removed":
            markup = _tagged(ctx, body, "strike")
        elif kind == "added":
            markup = _tagged(ctx, body, "u")
        else:
            markup = "<br/>".join(ctx.text.markup(line) for line in body.split("\n"))
            if kind == "skipped":
                markup = f'<font color="#777777">{markup}</font>'
        parts.append(_space(lead) + markup + _space(trail))
        previous = kind
    return "".join(parts).strip(), raw


def _tagged(ctx: Ctx, text: str, tag: str, face: str | None = None) -> str:
    """Text struck through or underlined word by word, removed text also a shade lighter.

    One tag per word: reportlab draws a strike or underline that starts a paragraph and wraps
    onto the next line from the wrong place on that line (ignoring the indent).
    """
    ink = f'<font color="{REMOVED_INK}">' if tag == "strike" else ""
    lines = []
    for line in text.split("\n"):
        words = re.findall(r"\S+\s*", line)
        marked = []
        for index, word in enumerate(words):
            space = " " if word[-1].isspace() and index < len(words) - 1 else ""
            marked.append(f"<{tag}>{ctx.text.markup(word.rstrip(), face)}{space}</{tag}>")
        lines.append("".join(marked))
    body = "<br/>".join(lines)
    return f"{ink}{body}</font>" if ink else body


def _space(whitespace: str) -> str:
    """Whitespace outside the tags: a line break stays one, any other run is a space."""
    if not whitespace:
        return ""
    breaks = whitespace.count("\n")
    return "<br/>" * min(breaks, 2) if breaks else " "
