"""An edition's time as the PDF's own: its creation and modification date and its document ID.

reportlab writes the time of writing and an ID made from it (unless told to be invariant,
which fixes both to 2000-01-01). A packet kept as an edition is written again from what
was stored, and must then come out byte for byte as the first time: both are taken from
the edition's time instead, so writing it twice gives the same file.
"""

from __future__ import annotations

import datetime as dt
from hashlib import md5
from typing import Any

from reportlab.lib.utils import TimeStamp


def edition_timestamp(made: dt.datetime) -> TimeStamp:
    """reportlab's time stamp for ``made`` (which must carry its UTC offset)."""
    stamp = TimeStamp(1)  # a fixed stamp, whatever the clock says; its fields are set below
    offset = made.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = -1 if minutes < 0 else 1
    hours, rest = divmod(abs(minutes), 60)
    stamp.t = made.timestamp()
    stamp.lt = tuple(made.timetuple())
    stamp.YMDhms = tuple(made.timetuple())[:6]
    # PDF dates give the offset as signed hours and unsigned minutes: -03'30' for Newfoundland.
    stamp.dhh, stamp.dmm = sign * hours, rest
    stamp.tzname = made.tzname() or "UTC"
    return stamp


def fix_time(canvas: Any, made: dt.datetime) -> None:
    """Give the PDF written on ``canvas`` the time ``made``: dates and document ID."""
    doc = canvas._doc
    doc._timeStamp = edition_timestamp(made)
    # The ID is an MD5 begun, as reportlab begins it, with the document's time.
    signature = md5(usedforsecurity=False)
    signature.update(b"a reportlab document")
    signature.update(ascii(made.isoformat()).encode("ascii"))
    doc.signature = signature
