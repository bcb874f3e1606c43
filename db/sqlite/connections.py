"""How Casefile connects to a case file: the SQLite library it needs, the settings every
connection gets, the SQLAlchemy engine over them, and which errors mean a damaged file.

Every connection gets the same settings: rollback journal (a case file is a document that
is copied and emailed, and WAL leaves side files and does not work on network shares),
foreign keys on, secure delete on (deleted text must not linger in a file that gets
emailed), untrusted schema off where nothing is written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool, StaticPool

from ..errors import CaseFileError
from .filecheck import MAX_VALUE_BYTES

# FTS5's secure-delete option (removes a deleted row's words from the index at once).
FTS_SECURE_DELETE = sqlite3.sqlite_version_info >= (3, 42, 0)
MIN_SQLITE = (3, 37, 0)
BUSY_TIMEOUT_MS = 5000


def require_sqlite() -> None:
    """Refuse to run on an SQLite library too old for the schema (FTS5, JSON functions)."""
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        wanted = ".".join(map(str, MIN_SQLITE))
        raise CaseFileError(f"Casefile needs SQLite {wanted} or newer; this system has {sqlite3.sqlite_version}.")


def configure(conn: sqlite3.Connection, *, read_only: bool = False) -> None:
    """Apply the case-file connection settings to a raw sqlite3 connection."""
    conn.isolation_level = None
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    # Our own full-text triggers write to FTS5 tables, which SQLite does not mark innocuous:
    # with trusted_schema OFF every insert, update and delete fails ("unsafe use of virtual
    # table"). Writable connections therefore trust the schema; that is safe because
    # check_file has compared every object in it with what our migrations create.
    conn.execute(f"PRAGMA trusted_schema = {'OFF' if read_only else 'ON'}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if read_only:
        conn.execute("PRAGMA query_only = ON")
    else:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")


def make_engine(creator: Callable[[], sqlite3.Connection], *, single: bool) -> Engine:
    """An engine over connections made by ``creator``: one shared connection (``single``) or a pool."""
    engine = create_engine(
        "sqlite://",
        creator=creator,
        poolclass=StaticPool if single else QueuePool,
        **({} if single else {"pool_size": 2, "max_overflow": 4}),
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("casefile_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


_DAMAGE_WORDS = (
    "malformed", "not a database", "disk i/o", "corrupt", "too big", "disk is full", "readonly",
    "could not decode to utf-8",  # text that is not valid UTF-8 (Python's sqlite3 says so)
    "invalid fts5 file format",  # a damaged full-text index
    "vtable constructor failed",  # a full-text index whose settings are damaged
)  # fmt: skip


def is_damage(exc: BaseException) -> bool:
    """True for SQLite errors that come from the file or the disk, not from a bug in our SQL."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(word in text for word in _DAMAGE_WORDS)


def configure_memory(conn: sqlite3.Connection, *, read_only: bool) -> None:
    """Connection settings for in-memory copies (no journal settings apply)."""
    conn.isolation_level = None
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA foreign_keys = ON")
    if read_only:
        conn.execute("PRAGMA query_only = ON")
