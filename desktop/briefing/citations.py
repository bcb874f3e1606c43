"""Cross-references: each [n] links to source n's entry, and each entry lists the pages citing it.

A printed reference reports its page to the canvas as it is drawn. In the usual order the
Sources section prints after every section that cites, so by the time an entry is laid out
the pages citing it are all known, and "Cited on pp. 2, 3, 9" is ordinary text made at that
moment (see ``Lazy``). When the user puts Sources before a citing section the list would be
incomplete, so it is left out; the links work in either order, as the PDF resolves named
destinations when it is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph

from .shaping import needs_shaping
from .styles import Para

if TYPE_CHECKING:
    from .context import Ctx

CITE_CALLBACK = "casefile_cite"  # the canvas callback a printed reference reports its page to
CITING_SECTIONS = ("chronology", "directives", "statements")


def anchor(number: int) -> str:
    """The named destination of source ``number``'s entry."""
    return f"source-{number}"


class Citations:
    """Where each source's references printed, and whether they can link to its entry."""

    def __init__(self, sections: Sequence[str] = ()) -> None:
        self.linked = "sources" in sections
        at = sections.index("sources") if self.linked else -1
        # Every citing section prints before the sources: their pages are known in time.
        self.pages_known = self.linked and all(sections.index(s) < at for s in CITING_SECTIONS if s in sections)
        self.pages: dict[int, list[int]] = {}
        self._endings: dict[tuple[str, str], list[Any]] = {}  # parsed reference markup, by style

    def ending_frags(self, ending: str, style: ParagraphStyle) -> list[Any]:
        """The text fragments of ``ending`` in ``style``, parsed once and copied for each use."""
        key = (ending, style.name)
        frags = self._endings.get(key)
        if frags is None:
            frags = self._endings[key] = Paragraph(ending, style).frags
        return [frag.clone() for frag in frags]

    def seen(self, canvas: Any, kind: str, label: str | None) -> None:
        """Canvas callback: a reference to source ``label`` printed on the current page."""
        if label is None or not label.isdigit():
            return
        pages = self.pages.setdefault(int(label), [])
        page = canvas.getPageNumber()
        if not pages or pages[-1] != page:
            pages.append(page)

    def cited_on(self, number: int) -> str:
        """ "Cited on pp. 2, 3, 9." for source ``number`` ('' when nothing printed cites it)."""
        if not self.pages_known:
            return ""
        pages = sorted(set(self.pages.get(number, ())))
        if not pages:
            return ""
        label = "p." if len(pages) == 1 else "pp."
        return f"Cited on {label} {page_ranges(pages)}."


def page_ranges(pages: Sequence[int]) -> str:
    """Sorted page numbers as a list, runs of three or more as ranges: "2, 3, 9–14"."""
    out: list[str] = []
    start = 0
    while start < len(pages):
        end = start
        while end + 1 < len(pages) and pages[end + 1] == pages[end] + 1:
            end += 1
        if end - start >= 2:
            out.append(f"{pages[start]}\u2013{pages[end]}")
        else:
            out += [str(p) for p in pages[start : end + 1]]
        start = end + 1
    return ", ".join(out)


def reference(ctx: Ctx, source_id: object, locator: object = None) -> str:
    """Markup for a source reference ("[3]", "[3, p. 4]"): a link to the source that reports its page."""
    data = ctx.data
    text = data.cite(source_id, locator)
    if not text:
        return ""
    body = ctx.text.markup(text)
    number = data.source_numbers.get(source_id) if isinstance(source_id, str) else None
    if not number or not ctx.citations.linked:
        return body
    return f'<a href="#{anchor(number)}">{body}</a><onDraw name="{CITE_CALLBACK}" label="{number}"/>'


def para_ending_with(ctx: Ctx, markup: str, ending: str, style: ParagraphStyle, raw: str) -> Para:
    """``ctx.para(markup + ending)``, made without the markup parser when ``markup`` is plain text.

    A chronology row's description is plain text and its reference the same few links over and
    over: parsing ten thousand of them would double a long chronology's layout time.
    """
    if not markup or "<" in markup or not ending or needs_shaping(raw):
        return ctx.para(markup + ending, style, raw)
    plain = ctx.para(markup, style, raw)
    head = [frag.clone() for frag in plain.frags]
    if ending[0].isspace():
        head[-1].text += " "  # the parser drops the space that starts the markup it is given
    return Para(plain.text, style, frags=[*head, *ctx.citations.ending_frags(ending.lstrip(), style)])


class Anchor(Flowable):  # type: ignore[misc]
    """Source ``number``'s named destination, at the top of the entry it is kept with; no space.

    A flowable rather than ``<a name>`` in the entry: reportlab cannot break a paragraph that
    starts with an empty fragment and a word wider than the line (a long URL).
    """

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.keepWithNext = 1

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        self.canv.bookmarkHorizontal(anchor(self.number), 0, 0)


class Lazy(Flowable):  # type: ignore[misc]
    """A flowable made only when the layout first measures it, from what is known by then."""

    def __init__(self, make: Callable[[], Flowable]) -> None:
        super().__init__()
        self._make: Callable[[], Flowable] | None = make
        self._made: Flowable | None = None

    @property
    def made(self) -> Flowable:
        """The real flowable (made now if need be)."""
        if self._made is None:
            assert self._make is not None
            self._made, self._make = self._make(), None
        return self._made

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        width, height = self.made.wrap(availWidth, availHeight)
        self.width, self.height = width, height
        return width, height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        return list(self.made.split(availWidth, availHeight))

    def getSpaceBefore(self) -> float:
        return float(self.made.getSpaceBefore())

    def getSpaceAfter(self) -> float:
        return float(self.made.getSpaceAfter())

    def draw(self) -> None:
        self.made.drawOn(self.canv, 0, 0)
