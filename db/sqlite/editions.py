"""The SQL of briefing editions (see ``db.editions`` for what they are).

Numbers come from ``case_info.last_edition``, the highest ever given, so deleting the latest
edition does not free its number. A deleted edition's row goes with its content: secure
delete (on for every case file) overwrites the freed space, so its text does not stay in
the file's bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from ..store import CaseStore

# Every column but the content, in the order ``list_rows`` gives them.
LISTED = ("number", "made", "made_by", "pages", "options", "pdf_sha256", "app_version")
_COLUMNS = (*LISTED, "content")


def insert(conn: Connection, row: dict[str, Any]) -> None:
    """Write one edition with the number it carries, and keep ``last_edition`` at least that high."""
    names = ", ".join(_COLUMNS)
    binds = ", ".join(f":{c}" for c in _COLUMNS)
    conn.execute(sa.text(f"INSERT INTO edition ({names}) VALUES ({binds})"), {c: row[c] for c in _COLUMNS})
    set_last_number(conn, max(last_number(conn), int(row["number"])))


def last_number(conn: Connection) -> int:
    """The highest edition number ever given in this case (0 for none)."""
    # Two columns compared here rather than with SQLite's two-argument max(), so a server case runs it too.
    given, kept = conn.execute(
        sa.text("SELECT (SELECT last_edition FROM case_info WHERE n = 1), (SELECT max(number) FROM edition)")
    ).one()
    return max(int(given or 0), int(kept or 0))


def set_last_number(conn: Connection, number: int) -> None:
    """Remember ``number`` as the highest edition number given."""
    conn.execute(sa.text("UPDATE case_info SET last_edition = :number WHERE n = 1"), {"number": number})


def record(cf: CaseStore, row: dict[str, Any]) -> int:
    """Store a new edition under the next number; return the number."""
    with cf.write() as conn:
        number = last_number(conn) + 1
        insert(conn, {**row, "number": number})
    return number


def list_rows(cf: CaseStore) -> list[dict[str, Any]]:
    """Every edition's columns but its content, by number."""
    with cf.read() as conn:
        rows = conn.execute(sa.text(f"SELECT {', '.join(LISTED)} FROM edition ORDER BY number")).mappings().all()
    return [dict(row) for row in rows]


def rows_with_content(conn: Connection) -> Iterable[dict[str, Any]]:
    """Every edition with its content, by number (for the JSON export)."""
    result = conn.execute(sa.text(f"SELECT {', '.join(_COLUMNS)} FROM edition ORDER BY number")).mappings()
    for row in result:
        yield dict(row)


def get_row(cf: CaseStore, number: int, *, content: bool = True) -> dict[str, Any] | None:
    """One edition's columns (with its content unless told not to), or None when there is none."""
    columns = _COLUMNS if content else LISTED
    with cf.read() as conn:
        row = (
            conn.execute(sa.text(f"SELECT {', '.join(columns)} FROM edition WHERE number = :n"), {"n": number})
            .mappings()
            .one_or_none()
        )
    return None if row is None else dict(row)


def latest_number(cf: CaseStore) -> int | None:
    """The number of the newest edition still kept, or None."""
    with cf.read() as conn:
        value = conn.execute(sa.text("SELECT max(number) FROM edition")).scalar()
    return None if value is None else int(value)


def delete(cf: CaseStore, number: int) -> bool:
    """Remove an edition and its content; False when there was none with that number."""
    with cf.write() as conn:
        result = conn.execute(sa.text("DELETE FROM edition WHERE number = :n"), {"n": number})
    return bool(result.rowcount)


def read_last_number(cf: CaseStore) -> int:
    """``last_number`` for an open case file."""
    with cf.read() as conn:
        return last_number(conn)


def briefing_options_text(conn: Connection) -> str | None:
    """The case's briefing options as stored (JSON text, or None)."""
    value = conn.execute(sa.text("SELECT briefing_options FROM case_info WHERE n = 1")).scalar()
    return value if isinstance(value, str) else None


def set_briefing_options_text(conn: Connection, text: str) -> None:
    """Store the case's briefing options (JSON text) in a new file being written."""
    conn.execute(sa.text("UPDATE case_info SET briefing_options = :options WHERE n = 1"), {"options": text})
