"""Version 7: the order of statements and timeline entries within their day, as the user sets it.

``day_order`` numbers the records of one day (1, 2, ...; see ``db/day_order.py`` for the rule).
An upgraded file keeps the order it showed before: by date and time, then by row number. So an
entry known only to its day starts before the timed ones of that day, as it used to list, but
from now on it stays where the user moves it. The index serves the list's date order.

Frozen, like every released migration.
"""

from __future__ import annotations

VERSION = 7
DESCRIPTION = "order within the day for statements and timeline entries"

_TABLES = {"statement": "statement_day", "timeline_entry": "timeline_day"}
# A record's day: its date key up to the day; a span's whole key (an interval or a quarter,
# "2025-07+2025-09-30") shares no day with single dates. The list's ORDER BY uses this exact
# expression (db/day_order.py ``group_sql``), so the index serves it.
_GROUP = "CASE WHEN date_key LIKE '%+%' THEN date_key ELSE substr(date_key, 1, 10) END"


def _statements() -> list[str]:
    out: list[str] = []
    for table, index in _TABLES.items():
        out.append(f"ALTER TABLE {table} ADD COLUMN day_order INTEGER NOT NULL DEFAULT 0")
        out.append(
            f"UPDATE {table} SET day_order = ranked.position FROM (SELECT n, row_number() OVER "
            f"(PARTITION BY {_GROUP} ORDER BY date_key, n) AS position "
            f"FROM {table}) AS ranked WHERE ranked.n = {table}.n"
        )
        out.append(f"CREATE INDEX {index} ON {table} ({_GROUP}, day_order, date_key)")
    return out


STATEMENTS: list[str] = _statements()
