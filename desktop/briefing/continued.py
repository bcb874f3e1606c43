"""'(continued)' heads: a section that runs on to another page names itself at the top of it."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable
from reportlab.platypus.doctemplate import ActionFlowable

from .document import SectionMark
from .styles import Para, Styles
from .text import escape

SUFFIX = " (continued)"


class _Runs(ActionFlowable):  # type: ignore[misc]
    """Takes no space: tells the continuations which section the story is in from here."""

    def __init__(self, runs: Continuations, mark: SectionMark | None) -> None:
        super().__init__()
        self.runs = runs
        self.mark = mark

    def apply(self, doc: object) -> None:
        self.runs.mark = self.mark


class Continuations:
    """The section being laid out, and the head a page it runs on to starts with."""

    def __init__(self, styles: Styles) -> None:
        # Smaller than the section's own heading: it names the page, it does not start anything.
        self.style = ParagraphStyle("continued", parent=styles.h2, spaceBefore=0, spaceAfter=6, keepWithNext=0)
        self.mark: SectionMark | None = None

    def start(self, mark: SectionMark) -> Flowable:
        """Goes before the section's heading."""
        return _Runs(self, mark)

    def end(self) -> Flowable:
        """Goes after the section's last flowable, so the page the next section starts on is not
        headed as this one's continuation."""
        return _Runs(self, None)

    def head(self, page: int) -> Flowable | None:
        """The head for the top of ``page``: only once the section's own heading is on an earlier page."""
        mark = self.mark
        if mark is None or not mark.page or mark.page >= page:
            return None
        return Para(escape(mark.title) + SUFFIX, self.style)
