"""The extended date forms: approximate, uncertain, part of a year, and intervals.

They are stored, and written to JSON, as EDTF (the Library of Congress Extended Date/Time
Format, ISO 8601-2), read with the ``edtf`` package; exact dates keep their ISO text. What
staff type maps to EDTF, and EDTF prints as a briefing reads:

- approximate "c. 2024" is ``2024~``; uncertain "2025?" is ``2025?``; both "c. 2024?" is ``2024%``;
- parts of a year are EDTF's sub-year groupings: seasons 21-24 (spring March-May, summer
  June-August, autumn September-November, winter December to February of the next year),
  quarters 33-36 ("Q3 2025" is ``2025-35``), thirds 37-39 ("early", "mid-" and "late 2026",
  four months each: ``2026-37`` is January-April) and halves 40-41 ("H1 2026");
- an interval is ``start/end`` ("June 2–5, 2026" is ``2026-06-02/2026-06-05``), each end a
  year, month, day or part of a year, with its own qualifier.

A date here is a ``PartialDate`` with ``qualifier``, ``group`` or ``until`` set (see ``dates``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .dates import PartialDate

# Sub-year grouping -> (first month, last month); months past 12 run into the next year.
GROUP_MONTHS: dict[int, tuple[int, int]] = {
    21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 14),
    33: (1, 3), 34: (4, 6), 35: (7, 9), 36: (10, 12),
    37: (1, 4), 38: (5, 8), 39: (9, 12),
    40: (1, 6), 41: (7, 12),
}  # fmt: skip
_SEASONS = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}
_SEASON_WORDS = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}
_THIRDS = {37: "Early", 38: "Mid-", 39: "Late"}
_THIRD_WORDS = {"early": 37, "mid": 38, "middle of": 38, "late": 39}

_APPROXIMATE = re.compile(
    r"^(?:circa|ca\.?|c\.|c(?=\s)|about|around|approx\.|approximately|roughly|~)\s*(?P<rest>\S.*)$", re.IGNORECASE
)
_QUARTER = re.compile(
    r"^(?:q(?P<q1>[1-4])|(?P<q2>[1-4])q)[\s,-]*(?P<y>\d{4})$|^(?P<y2>\d{4})[\s,-]*q(?P<q3>[1-4])$", re.IGNORECASE
)
_HALF = re.compile(r"^h(?P<h>[12])[\s,-]*(?P<y>\d{4})$|^(?P<y2>\d{4})[\s,-]*h(?P<h2>[12])$", re.IGNORECASE)
_HALF_WORDS = re.compile(r"^(?P<which>first|second) half(?: of)?,? (?P<y>\d{4})$", re.IGNORECASE)
_SEASON = re.compile(
    r"^(?P<s>spring|summer|autumn|fall|winter)(?: of)?,? (?P<y>\d{4})(?:\s*[–—-]\s*(?P<next>\d{2}|\d{4}))?$", re.I
)
_THIRD = re.compile(r"^(?P<t>early|mid|middle of|late)[\s-]+(?P<y>\d{4})$", re.IGNORECASE)

_DASH = r"(?:\s*[–—]\s*|\s+-\s+|\s+(?:to|through|until)\s+)"
_YEARS = re.compile(rf"^(?P<y1>\d{{4}})(?:{_DASH}|-)(?P<y2>\d{{4}})$|^(?P<y3>\d{{4}})\s*[–—]\s*(?P<y4>\d{{2}})$")
_DAYS = re.compile(
    rf"^(?P<mon>[a-z]+)\.? (?P<d1>\d{{1,2}})(?:{_DASH}|-)(?P<d2>\d{{1,2}}),? (?P<y>\d{{4}})$", re.IGNORECASE
)
_DAYS_ACROSS = re.compile(
    rf"^(?P<m1>[a-z]+)\.? (?P<d1>\d{{1,2}}){_DASH}(?P<m2>[a-z]+)\.? (?P<d2>\d{{1,2}}),? (?P<y>\d{{4}})$", re.I
)
_MONTHS_IN_YEAR = re.compile(rf"^(?P<m1>[a-z]+)\.?(?:{_DASH}|-)(?P<m2>[a-z]+)\.?,? (?P<y>\d{{4}})$", re.IGNORECASE)
_SPLIT = re.compile(_DASH, re.IGNORECASE)
# Only text made of EDTF's characters is worth handing to the EDTF grammar (which is slow).
_EDTF_TEXT = re.compile(r"^\d{4}[0-9?~%/.\-X]*$")


# ----- rules --------------------------------------------------------------------------------


def check_extended(date: PartialDate) -> None:
    """Raise ValueError, in words for the editor, when an extended date cannot be."""
    if date.qualifier is not None:
        if date.qualifier not in ("?", "~", "%"):
            raise ValueError(f'"{date.qualifier}" is not an EDTF qualifier')
        if date.hour is not None:
            raise ValueError("a time cannot be approximate or uncertain")
    if date.group is not None:
        if date.group not in GROUP_MONTHS:
            raise ValueError(f"{date.group} is not a part of a year Casefile knows")
        if date.month is not None:
            raise ValueError("a quarter or season has no month")
        if date.year == 9999 and GROUP_MONTHS[date.group][1] > 12:
            raise ValueError("the winter of 9999 ends after the last year")
    if date.until is not None:
        if date.until.until is not None:
            raise ValueError("a range has one start and one end")
        if date.hour is not None or date.until.hour is not None:
            raise ValueError("a range runs between days, months or years, not times")
        if (date.group or 0) > 24 or (date.until.group or 0) > 24:
            # EDTF has intervals of seasons (level 1) but not of the level 2 parts of a year.
            raise ValueError("a range cannot start or end with a quarter, third or half; type its months")
        first, last = _point_span(date.start)
        end_first, end_last = _point_span(date.until)
        if end_first < first or end_last < last:
            raise ValueError("the range ends before it starts")


def _point_span(date: PartialDate) -> tuple[dt.date, dt.date]:
    if date.group is None:
        return date.span()
    first_month, last_month = GROUP_MONTHS[date.group]
    year, month = date.year + (last_month - 1) // 12, (last_month - 1) % 12 + 1
    return dt.date(date.year, first_month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def extended_span(date: PartialDate) -> tuple[dt.date, dt.date]:
    """First and last day of a part of a year or an interval."""
    first, last = _point_span(date.start)
    if date.until is not None:
        last = _point_span(date.until)[1]
    return first, last


def extended_sort_key(date: PartialDate) -> str:
    """The start's key (a qualifier does not move a date), then for a span "+" and its last day."""
    start = date.start
    if start.group is not None:
        key = f"{start.year:04d}-{GROUP_MONTHS[start.group][0]:02d}"
    else:
        key = replace(start, qualifier=None).sort_key
    if date.until is None and date.group is None:
        return key
    return f"{key}+{extended_span(date)[1].isoformat()}"


# ----- display ------------------------------------------------------------------------------


def display_extended(date: PartialDate) -> str:
    """ "c. 2024", "2025?", "Q3 2025", "Early 2026", "2024–2025", "June 2–5, 2026"."""
    if date.until is not None:
        return _display_range(date.start, date.until)
    plain = replace(date, qualifier=None)
    text = _group_text(date.year, date.group) if date.group is not None else plain.display()
    if date.qualifier == "~":
        return f"c. {text}"
    if date.qualifier == "%":
        return f"c. {text}?"
    return f"{text}?" if date.qualifier == "?" else text


def _group_text(year: int, group: int) -> str:
    if group in _SEASONS:
        return f"{_SEASONS[group]} {year}" + (f"–{(year + 1) % 100:02d}" if group == 24 else "")
    if 33 <= group <= 36:
        return f"Q{group - 32} {year}"
    if group in _THIRDS:
        return f"{_THIRDS[group]}{'' if group == 38 else ' '}{year}"
    return f"H{group - 39} {year}"


def _display_range(start: PartialDate, end: PartialDate) -> str:
    from .dates import MONTHS

    if start.exact and end.exact and start.precision == end.precision:
        if start.precision == "year":
            return f"{start.year}–{end.year}"
        assert start.month is not None and end.month is not None
        first, last = MONTHS[start.month - 1], MONTHS[end.month - 1]
        if start.precision == "month" and start.year == end.year:
            return f"{first}–{last} {end.year}"
        if start.precision == "day" and start.year == end.year:
            if start.month == end.month:
                return f"{first} {start.day}–{end.day}, {end.year}"
            return f"{first} {start.day} – {last} {end.day}, {end.year}"
    left, right = start.display(), end.display()
    return f"{left}{' – ' if ' ' in left + right else '–'}{right}"


# ----- parsing ------------------------------------------------------------------------------


def parse_edtf_text(text: str) -> PartialDate | None:
    """The date an EDTF string names; None when it is not EDTF; ValueError for EDTF that
    Casefile does not keep (unspecified digits, open ends, sets, a season of one hemisphere)."""
    if not _EDTF_TEXT.match(text):
        return None
    from edtf import EDTFParseException, Interval, Level1Interval, Level2Interval, parse_edtf

    try:
        node = parse_edtf(text)
    except (EDTFParseException, ValueError, TypeError):
        return None
    if isinstance(node, Interval | Level1Interval | Level2Interval):
        start, end = _from_node(node.lower), _from_node(node.upper)
        value = replace(start, until=end) if start is not None and end is not None else None
    else:
        value = _from_node(node)
    if value is None:
        raise ValueError(
            f'"{text}" is EDTF that Casefile does not keep; it keeps a year, month, day or time, '
            'with "~", "?" or "%", a season, quarter, third or half of a year, and a range of these'
        )
    return value


def _from_node(node: object) -> PartialDate | None:
    from edtf import Date, Level2Season, Season, UncertainOrApproximate

    from .dates import PartialDate, parse_plain

    qualifier = None
    if isinstance(node, UncertainOrApproximate):
        qualifier = (str(node.ua) or None) if node.ua is not None else None
        node = node.date
    text = str(node)
    if isinstance(node, Season | Level2Season):
        year, group = int(text[:4]), int(text[5:7])
        return PartialDate(year, group=group, qualifier=qualifier) if group in GROUP_MONTHS else None
    if type(node) is Date and len(text) <= 10:
        base = parse_plain(text)
        return replace(base, qualifier=qualifier) if base is not None else None
    return None


def parse_extended(text: str) -> PartialDate | None:
    """A date in an extended form as stored (EDTF) or typed ("c. 2024", "Q3 2025", "June 2–5,
    2026"); None when the text is none of them; ValueError when it is one but cannot be."""
    return parse_edtf_text(text) or _point(text) or _range(text)


def _point(text: str) -> PartialDate | None:
    """One date, perhaps approximate or uncertain, perhaps a part of a year."""
    from .dates import parse_plain

    approximate = uncertain = False
    if match := _APPROXIMATE.match(text):
        approximate, text = True, match["rest"]
    if text.endswith("?"):
        uncertain, text = True, text[:-1].rstrip()
    base = _part_of_year(text) or parse_plain(text)
    if base is None:
        return None
    if approximate or uncertain:
        return replace(base, qualifier="%" if approximate and uncertain else "~" if approximate else "?")
    return base


def _part_of_year(text: str) -> PartialDate | None:
    from .dates import PartialDate

    if match := _QUARTER.match(text):
        quarter = match["q1"] or match["q2"] or match["q3"]
        return PartialDate(int(match["y"] or match["y2"]), group=32 + int(quarter))
    if match := _HALF.match(text):
        return PartialDate(int(match["y"] or match["y2"]), group=39 + int(match["h"] or match["h2"]))
    if match := _HALF_WORDS.match(text):
        return PartialDate(int(match["y"]), group=40 if match["which"].lower() == "first" else 41)
    if match := _THIRD.match(text):
        return PartialDate(int(match["y"]), group=_THIRD_WORDS[match["t"].lower()])
    if match := _SEASON.match(text):
        group, year = _SEASON_WORDS[match["s"].lower()], int(match["y"])
        following = match["next"]
        # "Winter 2025–26" is how a winter is written; any other season with a second year is a range.
        if following is not None and (group != 24 or int(following[-2:]) != (year + 1) % 100):
            return None
        return PartialDate(year, group=group)
    return None


def _range(text: str) -> PartialDate | None:
    """An interval typed the ways a memo writes one."""
    from .dates import PartialDate, _month_number

    start: PartialDate | None
    end: PartialDate | None
    if match := _YEARS.match(text):
        first = int(match["y1"] or match["y3"])
        last = int(match["y2"]) if match["y2"] else first // 100 * 100 + int(match["y4"])
        start, end = PartialDate(first), PartialDate(last)
    elif match := _DAYS.match(text):
        month, year = _month_number(match["mon"]), int(match["y"])
        if month is None:
            return None
        start, end = PartialDate(year, month, int(match["d1"])), PartialDate(year, month, int(match["d2"]))
    elif match := _DAYS_ACROSS.match(text):
        first_month, last_month, year = _month_number(match["m1"]), _month_number(match["m2"]), int(match["y"])
        if first_month is None or last_month is None:
            return None
        start = PartialDate(year, first_month, int(match["d1"]))
        end = PartialDate(year, last_month, int(match["d2"]))
    elif (match := _MONTHS_IN_YEAR.match(text)) and _month_number(match["m1"]) and _month_number(match["m2"]):
        first_month, last_month, year = _month_number(match["m1"]), _month_number(match["m2"]), int(match["y"])
        assert first_month is not None and last_month is not None
        start, end = PartialDate(year, first_month), PartialDate(year, last_month)
    else:
        parts = _SPLIT.split(text)
        if len(parts) != 2:
            return None
        start, end = _point(parts[0].strip()), _point(parts[1].strip())
        if start is None or end is None:
            return None
    return replace(start, until=end)
