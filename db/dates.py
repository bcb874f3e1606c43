"""Partial dates: a year, a month, a day, or a day with a time (and usually a zone), and the
extended forms policy work has: approximate ("c. 2024"), uncertain ("2025?"), a quarter,
season or third of a year ("Q3 2025", "early 2026") and intervals ("June 2–5, 2026").

Staff rarely know more than "May 2026" about an event, and sometimes know the minute. One
value type carries all of these, sorts them sensibly (a year before its months, a month
before its days), prints them the way a briefing reads ("June 12, 2026, 5:21 p.m. EDT")
and parses what people type.

Stored form: the canonical text (``iso``: ISO 8601 for exact dates, EDTF, ISO 8601-2, for the
extended forms, see ``edtf_dates``) plus a ``sort_key`` string column, so SQL can order and
filter without knowing about partial dates. Sort keys of a coarser date are prefixes of the
keys of the dates inside it, which gives the "year before its months" order for free under
plain string comparison. An approximate or uncertain date has the key of the same date
unqualified; a span (an interval, a quarter) has its start's key, then ``+`` (which sorts
below ``-``, so before the start's months and days), then its last day.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache, total_ordering

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTH_LOOKUP: dict[str, int] = {}
for _i, _name in enumerate(MONTHS, start=1):
    _MONTH_LOOKUP[_name.lower()] = _i
    _MONTH_LOOKUP[_name[:3].lower()] = _i
_MONTH_LOOKUP["sept"] = 9

EXAMPLES = (
    '"June 2, 2026", "May 2026", "2024", "c. 2024", "Q3 2025", "June 2–5, 2026" or "June 12, 2026, 5:21 p.m. EDT"'
)
# Every form a date field reads, one example each, for the editor's explanation of an error.
FORMS = (
    ("a day", "June 2, 2026 · 2026-06-02 · 6/2/2026"),
    ("a month or a year", "May 2026 · 2024"),
    ("a day and time", "June 12, 2026, 5:21 p.m. EDT"),
    ("approximate", "c. 2024 · about March 2026"),
    ("uncertain", "2025? · c. 2024?"),
    ("part of a year", "Q3 2025 · H1 2026 · spring 2025 · early 2026"),
    ("a range", "2024–2025 · June 2–5, 2026 · June–September 2024"),
)
# The qualifiers EDTF writes after a date: uncertain, approximate, both.
QUALIFIERS = ("?", "~", "%")

# Fixed-offset abbreviations staff type (minutes east of UTC).
_ZONE_ABBREVIATIONS: dict[str, int] = {
    "utc": 0, "gmt": 0, "z": 0,
    "edt": -240, "est": -300, "cdt": -300, "cst": -360,
    "mdt": -360, "mst": -420, "pdt": -420, "pst": -480,
    "akdt": -480, "akst": -540, "hst": -600,
    "bst": 60, "cet": 60, "cest": 120,
}  # fmt: skip
# Region names whose offset depends on daylight saving at the given date.
_REGION_ZONES: dict[str, str] = {
    "et": "America/New_York", "eastern": "America/New_York", "eastern time": "America/New_York",
    "ct": "America/Chicago", "central": "America/Chicago", "central time": "America/Chicago",
    "mt": "America/Denver", "mountain": "America/Denver", "mountain time": "America/Denver",
    "pt": "America/Los_Angeles", "pacific": "America/Los_Angeles", "pacific time": "America/Los_Angeles",
}  # fmt: skip
# Zones tried, in order, to name an offset when printing ("-04:00" in June is EDT).
_DISPLAY_ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
    "Europe/London", "Europe/Paris",
)  # fmt: skip

_ISO = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
    r"(?P<z>Z|[+-]\d{2}:?\d{2})?)?)?)?$",
    re.IGNORECASE,
)
_US_NUMERIC = re.compile(r"^(?P<m>\d{1,2})/(?:(?P<d>\d{1,2})/)?(?P<y>\d{4})(?P<rest>.*)$")
_MONTH_NAME_FIRST = re.compile(
    r"^(?P<mon>[a-z]+)\.?(?:\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?)?,?\s+(?P<y>\d{4})(?P<rest>.*)$",
    re.IGNORECASE,
)
_DAY_FIRST = re.compile(
    r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon>[a-z]+)\.?,?\s+(?P<y>\d{4})(?P<rest>.*)$",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"^(?:,|\s)*(?:at\s+)?(?P<H>\d{1,2})(?::(?P<M>\d{2}))?(?::(?P<S>\d{2}))?\s*"
    r"(?P<ampm>a\.?\s?m\.?|p\.?\s?m\.?)?\s*(?P<zone>.*)$",
    re.IGNORECASE,
)
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*(?P<sign>[+-−])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$", re.IGNORECASE)


def _bad(text: str) -> ValueError:
    return ValueError(f'Cannot read "{text}" as a date. Type it like {EXAMPLES}.')


@total_ordering
@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to a year, a month, a day, or a day and time (with optional UTC offset)."""

    year: int
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    offset: int | None = None  # minutes east of UTC; None when the time has no zone
    qualifier: str | None = None  # EDTF "?" uncertain, "~" approximate, "%" both
    group: int | None = None  # EDTF part of a year: 21-24 seasons, 33-36 quarters, 37-39 thirds, 40-41 halves
    until: PartialDate | None = None  # the last date of an interval that starts at this one

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year {self.year} is out of range")
        if self.month is None and self.day is not None:
            raise ValueError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is out of range")
        if self.day is not None:
            assert self.month is not None
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise ValueError(f"{MONTHS[self.month - 1]} {self.year} has no day {self.day}")
        if self.hour is not None:
            if self.day is None:
                raise ValueError("a time needs a day")
            if not 0 <= self.hour <= 23 or not 0 <= (self.minute or 0) <= 59:
                raise ValueError("the time is out of range")
            if not 0 <= (self.second or 0) <= 59:
                raise ValueError("the seconds are out of range")
        elif self.minute is not None or self.second is not None or self.offset is not None:
            raise ValueError("minutes, seconds or a zone need an hour")
        if self.offset is not None and not -18 * 60 <= self.offset <= 18 * 60:
            raise ValueError("the UTC offset is out of range")
        if self.hour is not None:
            # One time, one form: 17:21 and 17:21:00 have the same text and sort key, so they
            # must also be equal, or the ordering is not total.
            if self.minute is None:
                object.__setattr__(self, "minute", 0)
            if self.second == 0:
                object.__setattr__(self, "second", None)
        if self.qualifier is not None or self.group is not None or self.until is not None:
            from .edtf_dates import check_extended

            check_extended(self)

    # ----- precision ---------------------------------------------------------------------
    @property
    def precision(self) -> str:
        """One of "year", "month", "day", "time", or "part" (a quarter, season...) or "interval"."""
        if self.until is not None:
            return "interval"
        if self.group is not None:
            return "part"
        if self.hour is not None:
            return "time"
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        return "year"

    # ----- parsing -----------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ISO forms and the forms staff type; raise ValueError naming the input otherwise."""
        return _parse_cached(text)

    @classmethod
    def parse_iso(cls, text: str) -> PartialDate:
        """Parse only the stored forms, ISO 8601 and EDTF (used by the JSON interchange format)."""
        value = _parse_iso(text.strip()) if isinstance(text, str) else None
        if value is None and isinstance(text, str):
            from .edtf_dates import parse_edtf_text

            value = parse_edtf_text(text.strip())
        if value is None:
            raise ValueError(
                f'"{text}" is not an ISO partial date; use "2024", "2026-05", "2026-06-02" or '
                '"2026-06-12T17:21-04:00", or EDTF such as "2024~", "2025-35" or "2024/2025"'
            )
        return value

    @property
    def exact(self) -> bool:
        """True for a plain year, month, day or time (no qualifier, part of a year or interval)."""
        return self.qualifier is None and self.group is None and self.until is None

    @classmethod
    def from_date(cls, value: dt.date) -> PartialDate:
        """The day of a ``datetime.date``."""
        return cls(value.year, value.month, value.day)

    # ----- text forms --------------------------------------------------------------------
    @property
    def iso(self) -> str:
        """Canonical stored text: ISO 8601 (``2024``, ``2026-05``, ``2026-06-02``,
        ``2026-06-12T17:21-04:00``) or EDTF (``2024~``, ``2025?``, ``2025-35``, ``2024/2025``)."""
        if self.until is not None:
            return f"{self.start.iso}/{self.until.iso}"
        out = f"{self.year:04d}"
        if self.group is not None:
            out += f"-{self.group}"
        if self.month is not None:
            out += f"-{self.month:02d}"
        if self.day is not None:
            out += f"-{self.day:02d}"
        if self.hour is not None:
            out += f"T{self.hour:02d}:{self.minute or 0:02d}"
            if self.second:
                out += f":{self.second:02d}"
            if self.offset is not None:
                out += _format_offset(self.offset, iso=True)
        return out + (self.qualifier or "")

    @property
    def start(self) -> PartialDate:
        """The first date of an interval, or this date itself."""
        return dataclasses.replace(self, until=None) if self.until is not None else self

    @property
    def sort_key(self) -> str:
        """String that sorts partial dates correctly; coarser dates are prefixes of finer ones."""
        if not self.exact:
            from .edtf_dates import extended_sort_key

            return extended_sort_key(self)
        key = self.iso[:10]
        if self.hour is not None:
            # Within a day, times with zones order by the instant they name.
            t = dt.datetime(2000, 1, 1, self.hour, self.minute or 0, self.second or 0)
            if self.offset is not None:
                t -= dt.timedelta(minutes=self.offset)
            day_shift = (t.date() - dt.date(2000, 1, 1)).days + 1  # 0, 1 or 2
            key += f"T{day_shift}{t:%H:%M:%S}"
        return key

    def display(self) -> str:
        """Natural text: "2024", "May 2026", "June 2, 2026", "June 12, 2026, 5:21 p.m. EDT",
        "c. 2024", "2025?", "Q3 2025", "June 2–5, 2026"."""
        if not self.exact:
            from .edtf_dates import display_extended

            return display_extended(self)
        if self.month is None:
            return f"{self.year}"
        month = MONTHS[self.month - 1]
        if self.day is None:
            return f"{month} {self.year}"
        text = f"{month} {self.day}, {self.year}"
        if self.hour is None:
            return text
        hour12 = self.hour % 12 or 12
        minutes = "" if not self.minute and not self.second else f":{self.minute or 0:02d}"
        if self.second:
            minutes += f":{self.second:02d}"
        text += f", {hour12}{minutes} {'a.m.' if self.hour < 12 else 'p.m.'}"
        if self.offset is not None:
            text += " " + _zone_name(self.year, self.month, self.day, self.hour, self.minute or 0, self.offset)
        return text

    def __str__(self) -> str:
        return self.display()

    # ----- spans and ordering ------------------------------------------------------------
    def span(self) -> tuple[dt.date, dt.date]:
        """First and last calendar day this date covers (inclusive)."""
        if self.group is not None or self.until is not None:
            from .edtf_dates import extended_span

            return extended_span(self)
        if self.month is None:
            return dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)
        if self.day is None:
            last = calendar.monthrange(self.year, self.month)[1]
            return dt.date(self.year, self.month, 1), dt.date(self.year, self.month, last)
        day = dt.date(self.year, self.month, self.day)
        return day, day

    def span_days(self) -> tuple[float, float]:
        """Start and end as fractional day numbers (proleptic ordinal), for drawing."""
        first, last = self.span()
        start = float(first.toordinal())
        if self.hour is not None:
            start += (self.hour * 3600 + (self.minute or 0) * 60 + (self.second or 0)) / 86400.0
            return start, start
        return start, float(last.toordinal()) + 1.0

    def _cmp_tuple(self) -> tuple[str, str]:
        return self.sort_key, self.iso

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._cmp_tuple() < other._cmp_tuple()


def explain_error(message: str) -> str:
    """A parse error as the date editor shows it: the reason, then every form a date can take."""
    reason = message.split(" Type it like ", 1)[0]
    forms = "\n".join(f"  {name}: {examples}" for name, examples in FORMS)
    return f"{reason}\nA date can be\n{forms}"


def parse_optional(text: str | None) -> PartialDate | None:
    """Parse text that may be empty; empty or whitespace means no date."""
    if text is None or not text.strip():
        return None
    return PartialDate.parse(text)


def range_keys(
    date_from: PartialDate | None, date_to: PartialDate | None
) -> tuple[str | None, str | None, tuple[str, ...]]:
    """Sort-key bounds for "overlaps the range [from, to]" filters.

    A stored key ``k`` overlaps when ``(k >= lo or k in prefixes) and k <= hi``: ``lo`` is the
    key of ``from``, ``prefixes`` are the coarser dates that contain ``from`` (a year overlaps
    any range starting inside it), and ``hi`` is ``to``'s key followed by a character above
    every key character, so every date inside ``to`` is included. A stored span (its key has
    "+" and its last day) also overlaps when that last day is not before ``lo``.
    """
    # An extended bound (a quarter, "c. 2024") is the span it covers.
    if date_from is not None and not date_from.exact:
        date_from = PartialDate.from_date(date_from.span()[0])
    if date_to is not None and not date_to.exact:
        date_to = PartialDate.from_date(date_to.span()[1])
    lo = date_from.sort_key if date_from else None
    prefixes: tuple[str, ...] = ()
    if lo is not None:
        day = lo[:10]
        prefixes = tuple(p for p in (day[:4], day[:7], day[:10]) if len(p) < len(lo))
    hi = (date_to.sort_key + "~") if date_to else None
    return lo, hi, prefixes


# ----- helpers ---------------------------------------------------------------------------


def _format_offset(minutes: int, *, iso: bool) -> str:
    if iso and minutes == 0:
        return "Z"
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    if iso:
        return f"{sign}{h:02d}:{m:02d}"
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def _zone_info(name: str) -> dt.tzinfo | None:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # no time zone database on this machine
        return None


@lru_cache(maxsize=512)
def _zone_name(year: int, month: int, day: int, hour: int, minute: int, offset: int) -> str:
    """Name an offset as readers know it ("EDT" for -04:00 in June), else "UTC-4"."""
    if offset == 0:
        return "UTC"
    instant = dt.datetime(year, month, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(minutes=offset)))
    for name in _DISPLAY_ZONES:
        zone = _zone_info(name)
        if zone is None:
            break
        local = instant.astimezone(zone)
        if local.utcoffset() == dt.timedelta(minutes=offset):
            abbreviation = local.tzname()
            # Only a name that reads back as this offset: history has "EWT" (1942) and an
            # "HST" of -10:30 (before 1947), which parsing would refuse or misread.
            if abbreviation and _ZONE_ABBREVIATIONS.get(abbreviation.lower()) == offset:
                return abbreviation
    return _format_offset(offset, iso=False)


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> PartialDate:
    if not isinstance(text, str):
        raise ValueError(f'Cannot read "{text}" as a date. Type it like {EXAMPLES}.')
    cleaned = " ".join(text.strip().split())
    if not cleaned:
        raise ValueError(f"A date is required. Type it like {EXAMPLES}.")
    try:
        value = _parse_iso(cleaned) or _parse_natural(cleaned)
        if value is None:
            from .edtf_dates import parse_extended

            value = parse_extended(cleaned)
    except ValueError as exc:
        raise ValueError(f'Cannot read "{text}" as a date: {exc}. Type it like {EXAMPLES}.') from None
    if value is None:
        raise _bad(text)
    return value


def parse_plain(text: str) -> PartialDate | None:
    """A year, month, day or time in ISO or as typed (no extended form), None when not one."""
    return _parse_iso(text) or _parse_natural(text)


def _parse_iso(text: str) -> PartialDate | None:
    match = _ISO.match(text)
    if not match:
        return None
    g = match.groupdict()
    if g["m"] and not g["d"] and 21 <= int(g["m"]) <= 41:
        return None  # EDTF's quarters, seasons and other parts of a year (edtf_dates)
    offset = None
    if g["z"]:
        z = g["z"].upper()
        if z == "Z":
            offset = 0
        else:
            digits = z[1:].replace(":", "")
            offset = (int(digits[:2]) * 60 + int(digits[2:])) * (1 if z[0] == "+" else -1)
    return PartialDate(
        int(g["y"]),
        int(g["m"]) if g["m"] else None,
        int(g["d"]) if g["d"] else None,
        int(g["H"]) if g["H"] else None,
        int(g["M"]) if g["M"] else None,
        int(g["S"]) if g["S"] and int(g["S"]) else None,
        offset,
    )


def _month_number(name: str) -> int | None:
    return _MONTH_LOOKUP.get(name.lower().rstrip("."))


def _parse_natural(text: str) -> PartialDate | None:
    if match := _US_NUMERIC.match(text):
        month, year = int(match["m"]), int(match["y"])
        day = int(match["d"]) if match["d"] else None
        return _with_time(year, month, day, match["rest"])
    for pattern in (_MONTH_NAME_FIRST, _DAY_FIRST):
        if match := pattern.match(text):
            month_number = _month_number(match["mon"])
            if month_number is None:
                return None
            day = int(match["d"]) if match["d"] else None
            return _with_time(int(match["y"]), month_number, day, match["rest"])
    return None


def _with_time(year: int, month: int, day: int | None, rest: str) -> PartialDate | None:
    rest = rest.strip()
    if not rest:
        return PartialDate(year, month, day)
    if day is None:
        return None
    rest = re.sub(r"^(,?\s*(?:at\s+)?)(noon|midnight)\b", _spell_out_noon, rest, flags=re.IGNORECASE)
    match = _TIME.match(rest)
    if not match:
        return None
    hour = int(match["H"])
    minute = int(match["M"]) if match["M"] else 0
    second = int(match["S"]) if match["S"] else None
    ampm = (match["ampm"] or "").lower().replace(".", "").replace(" ", "")
    if ampm in ("am", "pm"):
        if not 1 <= hour <= 12:
            raise ValueError(f"{hour} is not an hour on a 12-hour clock")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    offset = _parse_zone(match["zone"].strip(), year, month, day, hour, minute)
    return PartialDate(year, month, day, hour, minute, second or None, offset)


def _spell_out_noon(match: re.Match[str]) -> str:
    return match[1] + ("12:00 pm" if match[2].lower() == "noon" else "12:00 am")


def _parse_zone(zone: str, year: int, month: int, day: int, hour: int, minute: int) -> int | None:
    if not zone:
        return None
    key = zone.lower().strip(" .()")
    if key in _ZONE_ABBREVIATIONS:
        return _ZONE_ABBREVIATIONS[key]
    if key in _REGION_ZONES:
        info = _zone_info(_REGION_ZONES[key])
        if info is None:
            raise ValueError(f'the zone "{zone}" needs a time zone database; type an offset like -04:00')
        local = dt.datetime(year, month, day, hour, minute, tzinfo=info)
        delta = local.utcoffset()
        assert delta is not None
        return int(delta.total_seconds() // 60)
    if match := _OFFSET.match(key):
        minutes = int(match["h"]) * 60 + int(match["m"] or 0)
        return -minutes if match["sign"] in "-−" else minutes
    raise ValueError(f'"{zone}" is not a time zone this app knows')
