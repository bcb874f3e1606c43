"""What the timeline strip says about each entry: its title, its date in full or in short,
and the labels it offers, longest first, measured once (measuring text is the slow part of
painting, and the same labels are painted on every repaint)."""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF

from db.dates import MONTHS, PartialDate

from ..session import TimelineMarks

LABEL_MAX_W = 200.0  # the widest a label gets
LABEL_CUTS = (140.0, 96.0, 64.0)  # narrower widths a title is cut to where labels crowd
LEAST_WORD = 4  # letters a cut title keeps at least, or it is no use as a title


class EntryTexts:
    """Titles (looked up as needed), dates and labels of the entries of one set of marks."""

    def __init__(self) -> None:
        self.lookup: Callable[[int], str] | None = None
        self._titles: dict[int, str] = {}  # titles looked up so far (the lookup may read the database)
        self._cache: dict[tuple[str, float], tuple[str, float]] = {}
        self._fm, self._font_key = QFontMetricsF(QFont()), ""
        self._marks = TimelineMarks(array("q"), array("d"), array("d"), array("b"), {})
        self._rank = array("q")

    def reset(self, marks: TimelineMarks, rank: array[int]) -> None:
        """New marks, and each entry's place in date order (its number)."""
        self._marks, self._rank, self._titles = marks, rank, {}

    def set_title(self, rowid: int, title: str) -> None:
        """A title changed by an edit."""
        if rowid in self._marks.titles:
            self._marks.titles[rowid] = title
        self._titles.pop(rowid, None)

    def set_lookup(self, fn: Callable[[int], str] | None) -> None:
        """A function from rowid to title, for every entry's title (the marks carry key events' only)."""
        self.lookup, self._titles = fn, {}

    def title(self, i: int, *, full: bool = False) -> str:
        """The entry's title; key events' come with the marks, cut short, unless ``full`` (a tooltip)."""
        rowid = self._marks.rowids[i]
        if rowid in self._marks.titles and not (full and self.lookup):
            return self._marks.titles[rowid]
        if rowid not in self._titles:
            self._titles[rowid] = self.lookup(rowid) if self.lookup else ""
        return self._titles[rowid] or self._marks.titles.get(rowid, "")

    def date_text(self, i: int) -> str:
        """The entry's date as people read it, rebuilt from its span (a time loses its zone)."""
        s, e = self._marks.start[i], self._marks.end[i]
        day = dt.date.fromordinal(int(s))
        if s == e:
            minute = min(round((s - int(s)) * 1440), 1439)
            return PartialDate(day.year, day.month, day.day, minute // 60, minute % 60).display()
        last = dt.date.fromordinal(int(e) - 1)
        if day == last:
            return PartialDate.from_date(day).display()
        if day.day == 1 and (last + dt.timedelta(days=1)).day == 1:
            if (day.month, last.month, day.year) == (1, 12, last.year):
                return str(day.year)
            if (day.year, day.month) == (last.year, last.month):
                return PartialDate(day.year, day.month).display()
        return f"{PartialDate.from_date(day).display()} – {PartialDate.from_date(last).display()}"

    def use_font(self, font: QFont) -> None:
        """Measure labels in this font from now on."""
        if font.key() != self._font_key:
            self._fm, self._font_key = QFontMetricsF(font), font.key()
            self._cache.clear()

    def elided(self, text: str, most: float = LABEL_MAX_W) -> tuple[str, float]:
        """A text cut to ``most`` pixels, and the width of its label (the text and its padding)."""
        key = (text, most)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) > 20_000:
                self._cache.clear()
            label = self._fm.elidedText(text, Qt.TextElideMode.ElideRight, most)
            found = self._cache[key] = (label, self._fm.horizontalAdvance(label) + 8)
        return found

    def options(self, i: int) -> list[tuple[str, float]]:
        """An entry's labels, longest first: its title, the title cut short, its date, its number."""
        title = self.title(i)
        options = [self.elided(title, LABEL_MAX_W)] if title else []
        for cut in LABEL_CUTS if title else ():
            label = self.elided(title, cut)
            if label[1] < options[-1][1] - 8 and len(label[0].rstrip("…").strip()) >= LEAST_WORD:
                options.append(label)
        for short in (self.short_date(i), str(self._rank[i] + 1)):
            label = self.elided(short)
            if not options or label[1] < options[-1][1]:
                options.append(label)
        return options

    def short_date(self, i: int) -> str:
        """The entry's date in few letters: "Jun 12" for a day or a time, "May 2026", "2025"."""
        s, e = self._marks.start[i], self._marks.end[i]
        day = dt.date.fromordinal(int(s))
        month = MONTHS[day.month - 1][:3]
        if e - s <= 1:
            return f"{month} {day.day}"
        return str(day.year) if (day.month, day.day) == (1, 1) and e - s >= 365 else f"{month} {day.year}"
