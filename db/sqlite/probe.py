"""What the self-test asks of the SQLite library itself: version, FTS5, JSON, a fresh schema,
and a deliberately tampered copy of a file (to see the open-time checks refuse it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from . import connections
from .migrations import migrate


class ProbeFailed(Exception):
    """The library cannot do what Casefile needs (the message says what)."""


def library() -> str:
    """Check the SQLite library is new enough and has FTS5 and the JSON functions; describe it."""
    least = connections.MIN_SQLITE
    wanted = ".".join(map(str, least))
    if sqlite3.sqlite_version_info < least:
        raise ProbeFailed(f"SQLite {sqlite3.sqlite_version} is older than the {wanted} Casefile needs")
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE probe USING fts5(body)")
        conn.execute("INSERT INTO probe(body) VALUES ('voluntary pre-release review')")
        hits = conn.execute("SELECT count(*) FROM probe WHERE probe MATCH 'review'").fetchone()[0]
        if hits != 1:
            raise ProbeFailed(f"FTS5 search found {hits} rows, expected 1")
        if conn.execute("SELECT json_extract('{\"a\": [1, 2]}', '$.a[1]')").fetchone()[0] != 2:
            raise ProbeFailed("the JSON functions give a wrong answer")
    except sqlite3.OperationalError as exc:
        raise ProbeFailed(f"SQLite {sqlite3.sqlite_version} lacks FTS5 or JSON: {exc}") from None
    finally:
        conn.close()
    return f"SQLite {sqlite3.sqlite_version} (needs {wanted}+), FTS5 and JSON work"


def fresh_schema() -> tuple[list[int], int]:
    """Run every migration on an empty in-memory database: the steps run and the objects made."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        done = migrate(conn)
        objects = int(conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0])
    finally:
        conn.close()
    return done, objects


def plant_trigger(path: Path) -> None:
    """Add a trigger Casefile did not make to the file at ``path`` (a throw-away copy)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE TRIGGER planted AFTER INSERT ON actor BEGIN SELECT 1; END")
        conn.commit()
    finally:
        conn.close()
