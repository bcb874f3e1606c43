"""Stored values that are valid SQLite but not Casefile data, and the search index's repair.

A received file can pass every structural check (its schema is exactly ours, every value has
the right storage class) and still hold values Casefile never writes: tags that are a JSON
object or nested a thousand deep, a date the date parser refuses, a kind Casefile does not
know, a "yes or no" of 7, a record id that is not a UUID, no case record or two. Such a
value would reach code that trusts it and fail far from the cause (a RecursionError in an
export, a TypeError drawing the timeline), so ``stored_value_problem`` finds the first one
with one SQL scan per table at open time, and the file is refused with it as the reason.

The full-text index is different: it holds nothing that is not in the records, so damage to
it (its shadow tables edited or cut) is repaired rather than refused. ``search_index_problems``
looks for damage with a few cheap reads and ``repair_search_index`` rebuilds each damaged
index from the records, saying what it did. References to records that do not exist are
shown as missing where they appear (lists, editors, exports), not refused: finding them
would take a lookup per reference on every open.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

from ..errors import CaseFileError, describe_sqlite_error
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
            out.append(_Check(c, f"({c} IS NULL OR {_date_sql(c)})", f"{name} holds VALUE, not a date"))
            # The sort key is the date itself, and for a time it starts with the day.
            same = (
                f"(CASE WHEN {c} IS NULL THEN {key} IS NULL WHEN length({c}) <= 10 THEN {key} IS {c} "
                f"ELSE substr({key}, 1, 11) IS substr({c}, 1, 10) || 'T' END)"
            )
            out.append(_Check(f"{key}", same, f"{table}.{key} does not match {name}"))
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


# ----- the full-text index ----------------------------------------------------------------

# Rows of an FTS5 table's _data shadow table (see fts5_index.c): the averages record, the
# structure record (levels and segments), then each segment's leaf pages at
# ``segid << 37 | page``, and doclist-index pages with bit 36 set.
_AVERAGES_ROWID = 1
_STRUCTURE_ROWID = 10
_SEGMENT_SHIFT = 37
_FTS_VERSIONS = (4, 5)  # 5 once FTS5's secure-delete option has been turned on


def _varint(data: bytes, i: int) -> tuple[int, int]:
    """An SQLite varint at ``data[i]``: (value, next index); IndexError past the end."""
    value = 0
    for n in range(8):
        byte = data[i + n]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, i + n + 1
    return (value << 8) | data[i + 8], i + 9


def _segments(structure: bytes) -> list[tuple[int, int, int]]:
    """``(segid, first page, last page)`` of each segment in an FTS5 structure record.

    ValueError (saying what is wrong with "its structure record") if the record does not
    decode the way FTS5 reads it.
    """
    try:
        i = 4  # the cookie
        v2 = structure[4:8] == b"\xff\x00\x00\x01"
        if v2:
            i = 8
        levels, i = _varint(structure, i)
        total, i = _varint(structure, i)
        _writes, i = _varint(structure, i)
        segments: list[tuple[int, int, int]] = []
        for _level in range(levels):
            merging, i = _varint(structure, i)
            count, i = _varint(structure, i)
            if count < merging:
                raise ValueError("its structure record is inconsistent")
            for _seg in range(count):
                segid, i = _varint(structure, i)
                first, i = _varint(structure, i)
                last, i = _varint(structure, i)
                if v2:
                    for _field in range(5):  # origins, tombstone pages and entries, entries
                        _value, i = _varint(structure, i)
                if not 1 <= first <= last or not 1 <= segid < 1 << 16:
                    raise ValueError("its structure record lists pages out of order")
                segments.append((segid, first, last))
    except IndexError:
        raise ValueError("its structure record is cut short") from None
    if len(segments) != total or i > len(structure):
        raise ValueError("its structure record does not add up")
    if len({s[0] for s in segments}) != len(segments):
        raise ValueError("its structure record lists a segment twice")
    return segments


def _index_problem(conn: sqlite3.Connection, fts: str, table: str) -> str | None:
    """What is wrong with one full-text index, from cheap reads of its shadow tables, or None."""
    config = conn.execute(f"SELECT k, v FROM {fts}_config").fetchall()
    settings = dict(config)
    if (
        len(settings) != len(config)
        or settings.get("version") not in _FTS_VERSIONS
        or not set(settings) <= {"version", "secure-delete"}
        or settings.get("secure-delete", 0) not in (0, 1)
    ):
        return "its settings were altered"
    records = dict(
        conn.execute(
            f"SELECT id, block FROM {fts}_data WHERE id IN (?, ?) AND typeof(block) = 'blob'",
            (_AVERAGES_ROWID, _STRUCTURE_ROWID),
        ).fetchall()
    )
    if _AVERAGES_ROWID not in records or _STRUCTURE_ROWID not in records:
        return "its structure records are missing"
    try:
        segments = _segments(records[_STRUCTURE_ROWID])
    except ValueError as exc:
        return str(exc)
    for segid, first, last in segments:
        base = segid << _SEGMENT_SHIFT
        (pages,) = conn.execute(
            f"SELECT count(*) FROM {fts}_data WHERE id BETWEEN ? AND ?", (base + first, base + last)
        ).fetchone()
        if pages != last - first + 1:
            return "pages of its index are missing"
    known = {s[0] for s in segments}
    listed = {s for (s,) in conn.execute(f"SELECT DISTINCT segid FROM {fts}_idx")}
    if not listed <= known or (segments and not listed):
        return "its term directory does not match its pages"
    sizes = conn.execute(f"SELECT count(*), max(id) FROM {fts}_docsize").fetchone()
    rows = conn.execute(f"SELECT count(*), max(n) FROM {table}").fetchone()
    if tuple(sizes) != tuple(rows):
        return "it does not list the same records as the case"
    return None


def search_index_problems(conn: sqlite3.Connection) -> dict[Kind, str]:
    """Each kind whose full-text index is damaged, with what is wrong (cheap: no full read)."""
    found: dict[Kind, str] = {}
    for kind, spec in KINDS.items():
        try:
            problem = _index_problem(conn, spec.fts, spec.table)
        except sqlite3.DatabaseError as exc:
            problem = f"it could not be read ({exc})"
        if problem:
            found[kind] = problem
    return found


@cache
def _pristine_rows() -> tuple[list[tuple[object, object]], list[tuple[object, object]]]:
    """The _config and _data rows of a new, empty full-text index, as this SQLite writes them."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(a)")
        config = conn.execute("SELECT k, v FROM t_config").fetchall()
        data = conn.execute("SELECT id, block FROM t_data").fetchall()
        return config, data
    finally:
        conn.close()


def rebuild_search_index(conn: sqlite3.Connection, kind: Kind) -> None:
    """Empty one full-text index, whatever state it is in, and fill it again from the records.

    FTS5 cannot read an index whose settings or structure record are damaged, so even its own
    "rebuild" would fail: the shadow tables are first set back to those of a new index.
    ``conn`` must be in a write transaction.
    """
    fts = KINDS[kind].fts
    config, data = _pristine_rows()
    try:
        secure = conn.execute(f"SELECT v FROM {fts}_config WHERE k = 'secure-delete'").fetchone()
    except sqlite3.DatabaseError:
        secure = None
    for suffix in ("data", "idx", "docsize", "config"):
        conn.execute(f"DELETE FROM {fts}_{suffix}")
    conn.executemany(f"INSERT INTO {fts}_config (k, v) VALUES (?, ?)", config)
    conn.executemany(f"INSERT INTO {fts}_data (id, block) VALUES (?, ?)", data)
    conn.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")
    if secure is not None and secure[0] == 1 and sqlite3.sqlite_version_info >= (3, 42, 0):
        conn.execute(f"INSERT INTO {fts} ({fts}, rank) VALUES ('secure-delete', 1)")  # as it was


def repair_search_index(path: str | Path) -> list[str]:
    """Rebuild each damaged full-text index of a checked case file about to be edited.

    Returns one plain sentence per damaged index (nothing when none is), to show the user;
    each is also logged. Runs on its own connection in one transaction: if the rebuild fails
    (a full disk, say) the file is left as it was and the sentence says so. The caller must
    hold the file's lock, and call this before anything else uses the full-text indexes.
    """
    from .connections import configure  # connections import the file checks, which import this module
    from .filecheck import check_connection_uri

    name = Path(path).name
    try:
        conn = sqlite3.connect(check_connection_uri(Path(path), writable=True), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise CaseFileError(f"{name} could not be opened for editing: {describe_sqlite_error(exc)}.") from None
    failure: str | None = None
    try:
        try:
            configure(conn)
            damaged = search_index_problems(conn)
        except sqlite3.Error as exc:
            raise CaseFileError(f"{name} could not be opened for editing: {describe_sqlite_error(exc)}.") from None
        if not damaged:
            return []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for kind in damaged:
                rebuild_search_index(conn, kind)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            failure = describe_sqlite_error(exc)
            log.warning("%s: the damaged search index could not be rebuilt: %s", name, exc)
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    finally:
        conn.close()
    notes = []
    for kind, problem in damaged.items():
        what = f"The search index of the {KINDS[kind].plural.lower()} was damaged ({problem})"
        if failure is None:
            notes.append(f"{what}; it was repaired by rebuilding it from the records.")
        else:
            notes.append(f"{what} and could not be rebuilt ({failure}); searching them may fail.")
        log.warning("%s: %s", name, notes[-1])
    return notes


# Words of SQLite errors that come from a damaged full-text index rather than from our SQL.
_INDEX_DAMAGE = ("vtable constructor failed", "fts5", "malformed", "corrupt")


def is_search_index_damage(exc: BaseException) -> bool:
    """True for an SQLite error that a damaged full-text index raises while it is searched."""
    error = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    text = str(error).lower()
    return isinstance(error, sqlite3.DatabaseError) and any(word in text for word in _INDEX_DAMAGE)


@contextmanager
def search_index_errors(kind: Kind) -> Iterator[None]:
    """Around a full-text query of ``kind``: a damaged index is reported in plain words.

    A file open for editing has a damaged index rebuilt when it is opened (``repair_search_index``);
    one open read-only, or damage no cheap check sees, can still raise one while searching.
    """
    try:
        yield
    except Exception as exc:
        if not is_search_index_damage(exc):
            raise
        raise CaseFileError(
            f"The search index of the {KINDS[kind].plural.lower()} is damaged, so they could not be searched "
            "for words; the records themselves can still be read."
        ) from exc
