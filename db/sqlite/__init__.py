"""The SQLite store: everything in the core that only SQLite files and SQLite's library can do.

A case file here is one SQLite file. This package opens, checks, migrates, copies and backs
up such files (``casefile``, ``connections``, ``newfile``, ``filecheck``, ``sidefiles``,
``stored_values``, ``search_index``, ``migrations``, ``copying``, ``backups``, the
self-test's ``probe``), runs the full-text index (FTS5: ``fts``) and reads large result sets
straight off the driver's cursor where speed needs it (``driver``). It is the only place
in the core that touches the ``sqlite3`` module or a raw driver connection.

Everything else in ``db`` speaks SQLAlchemy (``text()`` with named binds, or Core over the
tables ``db.models`` declares) to the connections ``CaseFile.read`` and ``CaseFile.write``
hand out. A PostgreSQL store would provide the same names in its own package: a ``CaseFile``
with ``read``/``write``/``snapshot``/``close``, creating a new store from a SQLAlchemy fill
(``casefile.create_file``), the full-text functions of ``fts`` (over ``tsvector`` columns
instead of FTS5 tables), the fast reads of ``driver`` (through psycopg's cursor), and its own
schema migrations, checks and copies in place of the file-level ones.
"""

from __future__ import annotations

import sqlite3


def version() -> str:
    """The version of the SQLite library in use, e.g. ``"3.45.1"``."""
    return sqlite3.sqlite_version


def version_info() -> tuple[int, ...]:
    """The version of the SQLite library in use as numbers, e.g. ``(3, 45, 1)``."""
    return sqlite3.sqlite_version_info
