"""Stored values that are valid SQLite but not Casefile data.

A received file can pass every structural check (its schema is exactly ours, every value has
the right storage class) and still hold values Casefile never writes: tags that are a JSON
object or nested a thousand deep, a date the date parser refuses, a kind Casefile does not
know, a "yes or no" of 7, a record id that is not a UUID, no case record or two. Such a
value would reach code that trusts it and fail far from the cause (a RecursionError in an
export, a TypeError drawing the timeline), so ``stored_value_problem`` finds the first one
with one SQL scan per table at open time, and the file is refused with it as the reason.

The full-text index is different: it holds nothing that is not in the records, so damage to
it is repaired rather than refused (``search_index``). References to records that do not exist are
shown as missing where they appear (lists, editors, exports), not refused: finding them
would take a lookup per reference on every open.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

from ..fields import CASE_FIELDS, KINDS, FieldType, Kind

log = logging.getLogger("casefile.values")

# A record id as Casefile writes it is a lower-case 8-4-4-4-12 UUID (records.new_id). Only its
# shape is tested: testing every character for a hex digit costs SQLite five times as much.
_UUID_SHAPE = "????????-????-????-????-????????????"


# ----- SQL tests of single values: 1 for a good value, 0 for a bad one -----------------


def _zone_ok(z: str) -> str:
    return f"({z} IN ('', 'Z') OR ({z} GLOB '[+-][0-1][0-9]:[0-5][0-9]' AND substr({z}, 2) <= '18:00'))"


def _date_sql(c: str) -> str:
    """1 for a stored partial date in the ISO form ``PartialDate.iso`` writes, else 0.

    SQLite's ``date(x, '+0 days')`` is always a valid day in that form (it turns February 30
    into March 1), so text equal to it is one; the year 0000 is not a year.
    """
    day = f"substr({c}, 1, 10)"
    rest = f"substr({c}, 17)"
    return (
        f"(CASE length({c}) "
        f"WHEN 10 THEN date({c}, '+0 days') IS {c} "
        f"WHEN 7 THEN date({c} || '-01', '+0 days') IS {c} || '-01' "
        f"WHEN 4 THEN {c} GLOB '[0-9][0-9][0-9][0-9]' "
        f"ELSE date({day}, '+0 days') IS {day} "
        f"AND substr({c}, 11, 6) GLOB 'T[0-2][0-9]:[0-5][0-9]' AND substr({c}, 12, 2) <= '23' "
        f"AND (({rest} GLOB ':[0-5][0-9]*' AND {_zone_ok(f'substr({c}, 20)')}) OR {_zone_ok(rest)}) "
        f"END AND {c} >= '0001')"
    )


def _list_fast_sql(c: str) -> str:
    """1 for a JSON array of strings as Casefile writes it, 0 for a value to look at closely.

    A value is looked at if it does not start with "[", holds an element that is not a string
    (so nothing nested) or a \\u escape, which may encode half a character. Raises "malformed
    JSON" on text that is not JSON: one ``json_each`` per row reads much faster than testing
    the text first does, and only a damaged file needs ``_list_sql`` instead.
    """
    return (
        f"(substr({c}, 1, 1) = '[' AND instr({c}, '\\u') = 0 "
        f"AND NOT EXISTS (SELECT 1 FROM json_each({c}) WHERE json_each.type <> 'text'))"
    )


def _list_sql(c: str) -> str:
    """1 for a JSON array of strings, 0 for anything else, NULL for an array of strings with a
    \\u escape (Python decides). Never raises an error: CASE tests in order, and json_type and
    json_each raise one on text that is not JSON."""
    return (
        f"(CASE WHEN NOT json_valid({c}) THEN 0 WHEN json_type({c}) <> 'array' THEN 0 "
        f"WHEN EXISTS (SELECT 1 FROM json_each({c}) WHERE json_each.type <> 'text') THEN 0 "
        f"WHEN instr({c}, '\\u') THEN NULL ELSE 1 END)"
    )


def _is_word_list(raw: object) -> bool:
    """Whether an array of strings (SQLite has seen to that: nothing nested) has only whole
    characters in its strings."""
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except (ValueError, RecursionError):
        return False
    return isinstance(value, list) and all(
        isinstance(v, str) and not any("\ud800" <= ch <= "\udfff" for ch in v) for v in value
    )


def _is_extended_date(raw: object) -> bool:
    """Whether text the SQL tests could not place is an EDTF date as Casefile writes it."""
    from ..dates import PartialDate

    try:
        value = PartialDate.parse_iso(raw) if isinstance(raw, str) else None
    except ValueError:
        return False
    return value is not None and not value.exact and value.iso == raw


def _is_extended_key(raw: object) -> bool:
    """Whether "date|key" is an EDTF date and its own sort key."""
    from ..dates import PartialDate

    date, _, key = raw.partition("|") if isinstance(raw, str) else ("", "", "")
    return _is_extended_date(date) and PartialDate.parse_iso(date).sort_key == key


def _shown(value: object) -> str:
    """A stored value for a one-line message: short, quoted text or the number."""
    if isinstance(value, str):
        line = " ".join(value.split())
        return '"' + (line if len(line) <= 40 else line[:39] + "…") + '"'
    return str(value)


# ----- the checks, per table --------------------------------------------------------------


@dataclass(frozen=True)
class _Check:
    """One test of one column: SQL that is 1 for a good value and 0 for a bad one, and the message
    (``VALUE`` in it stands for the value found).

    Where the SQL only picks out values to look at, ``verdict`` is SQL that judges the value
    (used also if ``sql`` raises an error on some value) and gives NULL for the few that
    ``exact`` (Python) must decide.
    """

    column: str
    sql: str
    message: str
    verdict: str | None = None
    exact: Callable[[object], bool] | None = None

    def problem(self, value: object) -> str:
        """The message for a bad ``value``."""
        return self.message.replace("VALUE", _shown(value))


def _checks_for(table: str) -> list[_Check]:
    out: list[_Check] = []
    if table != "case_info":  # record ids go into links in the app; the case's own id names no record
        out.append(
            _Check(
                "id",
                f"coalesce(id GLOB '{_UUID_SHAPE}' AND instr(id, '\"') = 0, 0)",
                f"{table}.id holds VALUE, not a record id",
            )
        )
    if table == "case_info":
        fields = [f for f in CASE_FIELDS if f.column]
    else:
        fields = [f for spec in KINDS.values() if spec.table == table for f in spec.fields if f.column]
    for f in fields:
        c = f.column
        assert c is not None
        name = f"{table}.{c}"
        if f.type is FieldType.DATE:
            key = f.key_column
            iso = f"({c} IS NULL OR {_date_sql(c)})"
            # EDTF dates (approximate, quarters, intervals: rare) are read by the date parser.
            extended = f"(CASE WHEN {iso} THEN 1 WHEN {c} GLOB '[0-9][0-9][0-9][0-9]?*' THEN NULL ELSE 0 END)"
            out.append(_Check(c, iso, f"{name} holds VALUE, not a date", verdict=extended, exact=_is_extended_date))
            # The sort key is the date itself, and for a time it starts with the day.
            same = (
                f"(CASE WHEN {c} IS NULL THEN {key} IS NULL WHEN length({c}) <= 10 THEN {key} IS {c} "
                f"ELSE substr({key}, 1, 11) IS substr({c}, 1, 10) || 'T' END)"
            )
            verdict = f"(CASE WHEN {same} THEN 1 WHEN {iso} THEN 0 ELSE NULL END)"
            both = f"{c} || '|' || coalesce({key}, '')"  # the parser judges an EDTF date and its key together
            out.append(_Check(both, same, f"{table}.{key} does not match {name}", verdict, _is_extended_key))
        elif f.type is FieldType.CHOICE:
            allowed = ", ".join(f"'{v}'" for v in f.choices)
            test = f"{c} IN ({allowed})" + (f" OR {c} IS NULL" if f.nullable_choice else "")
            noun = "status" if f.name == "status" else "kind"
            out.append(_Check(c, f"coalesce({test}, 0)", f"{name} holds VALUE, which is not a {noun} Casefile knows"))
        elif f.type is FieldType.BOOL:
            out.append(
                _Check(c, f"coalesce({c} IN (0, 1), 0)", f"{name} holds VALUE where Casefile keeps yes (1) or no (0)")
            )
        elif f.type in (FieldType.TAGS, FieldType.LINES):
            out.append(
                _Check(
                    c,
                    _list_fast_sql(c),
                    f"{name} holds a value that is not a list of words",
                    verdict=_list_sql(c),
                    exact=_is_word_list,
                )
            )
    return out


@cache
def _table_checks() -> tuple[tuple[str, tuple[_Check, ...]], ...]:
    # The timeline comes last: stored_value_problem scans it beside the others.
    tables = ["case_info", *(KINDS[kind].table for kind in Kind if kind is not Kind.TIMELINE), "timeline_entry"]
    return tuple((table, tuple(_checks_for(table))) for table in tables)


def _case_row_problem(conn: sqlite3.Connection) -> str | None:
    rows, first = conn.execute("SELECT count(*), coalesce(min(n) = 1, 0) FROM case_info").fetchone()
    if rows == 0:
        return "it has no case record (the case's title, marking and dates)"
    if rows > 1:
        return f"it holds {rows:,} case records where Casefile keeps one"
    if not first:
        return "its case record is not numbered 1"
    return None


def _problems_in(conn: sqlite3.Connection, table: str, checks: tuple[_Check, ...]) -> Iterator[str]:
    """Problems in the rows of ``table`` that fail a check (a file Casefile wrote has none)."""
    names = list(dict.fromkeys(check.column for check in checks))
    verdicts = ", ".join(check.verdict or check.sql for check in checks)

    def flagged(tests: list[str]) -> list[tuple[object, ...]]:
        good = " AND ".join(f"coalesce({test}, 0)" for test in tests)
        return conn.execute(f"SELECT {verdicts}, {', '.join(names)} FROM {table} WHERE NOT ({good})").fetchall()

    try:
        rows = flagged([check.sql for check in checks])
    except sqlite3.OperationalError:  # text that is not JSON in a list column
        rows = flagged([check.verdict or check.sql for check in checks])
    for row in rows:
        values = dict(zip(names, row[len(checks) :], strict=True))
        for verdict, check in zip(row, checks, strict=False):
            value = values[check.column]
            if verdict == 0 or (verdict is None and (check.exact is None or not check.exact(value))):
                yield check.problem(value)
                break


def _first_problem(conn: sqlite3.Connection, tables: tuple[tuple[str, tuple[_Check, ...]], ...]) -> str | None:
    for table, checks in tables:
        for found in _problems_in(conn, table, checks):
            return found
    return None


def _file_of(conn: sqlite3.Connection) -> str | None:
    """The file behind ``conn``'s main database (None in memory)."""
    for _seq, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return str(file) or None
    return None


def _scan_beside(path: str, tables: tuple[tuple[str, tuple[_Check, ...]], ...], out: list[object]) -> None:
    """``_first_problem`` on a read-only connection of its own (run on a second thread)."""
    try:
        conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        out.append(exc)
        return
    try:
        for pragma in ("trusted_schema = OFF", "query_only = ON", "cell_size_check = ON"):  # as filecheck's
            conn.execute(f"PRAGMA {pragma}")
        out.append(_first_problem(conn, tables))
    except (sqlite3.Error, RecursionError) as exc:
        out.append(exc)
    finally:
        conn.close()


def stored_value_problem(conn: sqlite3.Connection, version: int) -> str | None:
    """The first stored value Casefile would not write ("statement.tags holds a value that is
    not a list of words"), or None. Reads only; one scan of each record table.

    The timeline, the largest table of a long-running case, is scanned on a second connection
    at the same time as the others (SQLite releases the GIL): on the 250 MB benchmark case that
    takes 0.16 s instead of 0.24 s. ``version`` is the file's schema version; every column
    checked exists since version 1.
    """
    del version  # kept for checks of columns a later schema adds
    problem = _case_row_problem(conn)
    if problem:
        return problem
    tables = _table_checks()
    here, beside = tables[:-1], tables[-1:]
    path = _file_of(conn)
    if path is None:
        return _first_problem(conn, tables)
    out: list[object] = []
    worker = threading.Thread(target=_scan_beside, args=(path, beside, out), daemon=True)
    worker.start()
    try:
        problem = _first_problem(conn, here)
    finally:
        worker.join()
    if problem:
        return problem
    if out and isinstance(out[0], BaseException):
        raise out[0]
    return str(out[0]) if out and out[0] else None
