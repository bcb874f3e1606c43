"""The full-text index's damage and repair.

The index holds nothing that is not in the records, so damage to it (its shadow tables edited
or cut) is repaired rather than refused: ``search_index_problems`` looks for damage with a few
cheap reads, ``repair_search_index`` rebuilds each damaged index from the records when an
editor opens the file, saying what it did, and ``search_index_errors`` turns damage met while
reading into a plain message.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from ..errors import CaseFileError, describe_sqlite_error
from ..fields import KINDS, Kind

log = logging.getLogger("casefile.values")


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
