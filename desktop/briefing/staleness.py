"""Whether a packet's As-of date is old enough that the staffer should be told before it goes out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from db.dates import PartialDate, parse_optional

# A quarter: briefing products are reviewed at least quarterly, and in three months hearings,
# rules and public statements have usually moved on. An older packet is not wrong, but a
# principal reading "As of" should not be surprised by its age.
STALE_AFTER_DAYS = 90


def today() -> dt.date:
    """The date packets are exported on (the one clock a test replaces)."""
    return dt.date.today()


def stale_as_of(case: dict[str, Any], on: dt.date | None = None) -> str | None:
    """A warning when the case's As-of date is more than ``STALE_AFTER_DAYS`` before ``on``; else None.

    A date known only to its month or year counts from its last day: "March 2026" is current
    through March 31.
    """
    value = case.get("as_of")
    try:
        as_of = value if isinstance(value, PartialDate) else parse_optional(value)
    except (ValueError, AttributeError):
        return None
    if as_of is None:
        return None
    age = ((on or today()) - as_of.span()[1]).days
    if age <= STALE_AFTER_DAYS:
        return None
    months = age // 30
    return (
        f"The case's As-of date, {as_of.display()}, is {age} days old (about {months} months): "
        "the packet may not show what has happened since."
    )
