"""The full-texts annex and the page references between it and the excerpts.

The annex comes after everything that refers to it, so a reference's page number is drawn as a
late form: the canvas fills it in when the PDF is saved, with the page the entry really landed
on (the mechanism "Page N of M" uses for its total).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Flowable, Spacer

from .context import Ctx
from .document import late_form
from .excerpts import LETTER, TITLE, FullText

__all__ = ["TITLE", "PageRef", "reference", "section", "wanted"]
from .lazy import deferred
from .styles import ACCENT, MUTED

REF_SIZE = 8.5
HEAD_ROOM = 80.0  # points: an entry's heading, its back reference and three lines of text


class PageRef(Flowable):  # type: ignore[misc]
    """One short line of words ending in a page number known only at save, linked to its target."""

    def __init__(
        self,
        words: str,
        form: str,
        page: Callable[[], int],
        link: str,
        font: str,
        *,
        indent: float = 0.0,
        on_draw: Callable[[Canvas, float], None] | None = None,
    ) -> None:
        super().__init__()
        self.words = words
        self.form = form
        self.page = page
        self.link = link
        self.font = font
        self.indent = indent
        self.on_draw = on_draw
        self.leading = REF_SIZE * 1.3

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = self.leading
        return availWidth, self.height

    def draw(self) -> None:
        canv, font = self.canv, self.font
        if self.on_draw is not None:
            self.on_draw(canv, self.height)
        baseline = self.height - REF_SIZE
        canv.saveState()
        canv.setFont(font, REF_SIZE)
        canv.setFillColor(MUTED)
        canv.drawString(self.indent, baseline, self.words)
        number_at = self.indent + stringWidth(self.words, font, REF_SIZE)
        canv.translate(number_at, baseline)
        page = self.page

        def number(c: Canvas) -> None:
            c.setFont(font, REF_SIZE)
            c.setFillColor(ACCENT)
            c.drawString(0, 0, str(page() or "–"))

        late_form(canv, self.form, (0, -3, 6 * REF_SIZE, REF_SIZE + 2), number)
        canv.restoreState()
        # The whole line is the link: the number's width is not known until save.
        canv.linkRect(
            "", self.link, (self.indent, baseline - 2, number_at + 2 * REF_SIZE, baseline + REF_SIZE), relative=1
        )


def reference(ctx: Ctx, item: FullText, *, indent: float = 0.0) -> PageRef:
    """Where an excerpt prints: "Full text: Annex A, p. N", N the page the annex entry lands on."""

    def seen(canv: Canvas, height: float) -> None:
        if not item.cited:
            item.cited = canv.getPageNumber()
            canv.bookmarkHorizontal(item.excerpt_anchor, 0, height + 40)

    return PageRef(
        f"Full text: Annex {LETTER}, p. ",
        f"CasefileFullText-{item.number}",
        lambda: item.page,
        item.anchor,
        ctx.fonts.italic,
        indent=indent,
        on_draw=seen,
    )


def wanted(ctx: Ctx) -> bool:
    """Whether the packet carries the annex: some text prints cut."""
    return bool(ctx.full_texts.items)


def section(ctx: Ctx) -> list[Flowable]:
    """The annex: each text cut where it printed, whole, with what it is and where it was cut."""
    words = ctx.full_texts.words
    intro = ctx.para(
        f"Texts longer than {words:,} words print cut where they belong; this annex gives them in full.",
        ctx.styles.small,
    )
    items = ctx.full_texts.items
    return [intro, *deferred(_entries(ctx, items), len(items))]


def _entries(ctx: Ctx, items: list[FullText]) -> Iterator[list[Flowable]]:
    styles = ctx.styles
    for item in items:
        heading = ctx.para(ctx.m(item.label, ctx.fonts.bold), styles.h3, item.label)

        def placed(canv: Canvas, height: float, item: FullText = item) -> None:
            if not item.page:
                item.page = canv.getPageNumber()
                canv.bookmarkHorizontal(item.anchor, 0, height + 24)

        back = PageRef(
            f"Excerpted in {item.where}, p. ",
            f"CasefileExcerpt-{item.number}",
            lambda item=item: item.cited,  # type: ignore[misc]
            item.excerpt_anchor,
            ctx.fonts.italic,
            on_draw=placed,
        )
        back.spaceAfter = 3
        # A heading never ends a page without a few lines of its text; kept with all of its
        # first paragraph instead, a long entry would leave most of a page blank before it.
        yield [CondPageBreak(HEAD_ROOM), heading, back, *_body(ctx, item), Spacer(1, 4)]


def _body(ctx: Ctx, item: FullText) -> list[Flowable]:
    styles = ctx.styles
    if item.verbatim is True:
        return list(ctx.long_text(item.text, styles.quote, first="“", last="”"))
    if item.verbatim is False:
        label = f'<font name="{ctx.fonts.bold}" color="#555555">Paraphrase:</font> '
        return list(ctx.long_text(item.text, styles.paraphrase, first=label))
    return list(ctx.long_text(item.text, styles.body))
