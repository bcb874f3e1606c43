"""SQL outside the SQLite store is SQLAlchemy: no ``?`` placeholders and no raw ``sqlite3`` use.

Only ``db/sqlite/`` (the seam a PostgreSQL store would fill) may import ``sqlite3``, reach the
driver's connection or run driver SQL; everywhere else in ``db/`` and ``desktop/`` queries are
SQLAlchemy ``text()`` with named binds or Core expressions.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from core_fixtures import REPO_ROOT

SEAM = REPO_ROOT / "db" / "sqlite"
SERVER_SEAM = REPO_ROOT / "db" / "postgres"
SCANNED = (REPO_ROOT / "db", REPO_ROOT / "desktop")

# Names that mean raw driver access when they appear in code (not in comments or docstrings).
RAW_NAMES = {"sqlite3", "driver_connection", "exec_driver_sql"}


_SQL_WORDS = re.compile(r"\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE|VALUES|MATCH|LIMIT|ORDER BY)\b")
# A "?" as a bind marker: not a regular expression's "(?P<", "(?<", "(?:", "(?=", "(?!" or "(?#".
_MARKER = re.compile(r"\?(?![P<:=!#])")
_ONLY_MARKERS = re.compile(r"[\s,()?]*\?[\s,()?]*")


def _sources() -> list[Path]:
    files = []
    for folder in SCANNED:
        for path in sorted(folder.rglob("*.py")):
            if SEAM in path.parents or SERVER_SEAM in path.parents or "__pycache__" in path.parts:
                continue
            files.append(path)
    return files


def _raw_names(source: str) -> set[str]:
    """The raw-access names used in code (comments and strings are other tokens)."""
    found = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME and token.string in RAW_NAMES:
            found.add(token.string)
    return found


def _placeholders(tree: ast.AST) -> list[str]:
    """``line: text`` of each SQL-looking string that holds a ``?`` bind marker, and of each bare
    ``"?"`` repeated into a list of markers (``"?" for _ in ...``, ``"?" * n``)."""
    repeated: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.GeneratorExp | ast.ListComp):
            repeated.add(id(node.elt))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            repeated.update((id(node.left), id(node.right)))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        text = node.value
        sql = _SQL_WORDS.search(text) and _MARKER.search(text)
        if sql or (id(node) in repeated and _ONLY_MARKERS.fullmatch(text)):
            found.append(f"{node.lineno}: {text[:80]!r}")
    return found


def test_the_scan_sees_what_it_must_refuse() -> None:
    code = (
        "import sqlite3\n"
        "x = conn.exec_driver_sql(f'SELECT * FROM {table} WHERE id = ?', (1,))\n"
        "marks = ', '.join('?' for _ in range(3))\n"
        "y = f'INSERT INTO t (a) VALUES ({marks})'\n"
        "r = re.compile(r'(?<![a-z])x(?P<stamp>\\d+)?')\n"
        "note = 'Delete this record?'\n"
        "name = text or '?'\n"
        "parser.add_argument('path', nargs='?')\n"
        "more = ', '.join('?' * 4)\n"
    )
    assert _raw_names(code) == {"sqlite3", "exec_driver_sql"}
    found = _placeholders(ast.parse(code))
    assert [entry.split(":")[0] for entry in found] == ["2", "3", "9"]


def test_no_raw_sqlite_or_bind_markers_outside_the_seam() -> None:
    problems: list[str] = []
    for path in _sources():
        name = path.relative_to(REPO_ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        names = _raw_names(source)
        if names:
            problems.append(f"{name} uses {', '.join(sorted(names))}")
        problems.extend(f"{name}:{entry}" for entry in _placeholders(ast.parse(source)))
    assert problems == []


# PostgreSQL's driver and its own SQL stay in the server store, as SQLite's stay in db/sqlite.
_PG_ONLY = re.compile(r"\b(psycopg|pg_catalog|pg_namespace|information_schema|search_path|setval|tsvector)\b")


def test_postgresql_stays_in_the_server_store() -> None:
    problems: list[str] = []
    for path in [*_sources(), *sorted(SEAM.rglob("*.py"))]:
        if "__pycache__" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        names = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
        }
        if "psycopg" in names:
            problems.append(f"{path.relative_to(REPO_ROOT).as_posix()} imports psycopg")
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
            if _SQL_WORDS.search(text) and _PG_ONLY.search(text):
                problems.append(f"{path.relative_to(REPO_ROOT).as_posix()}:{node.lineno}: {node.value[:60]!r}")
    assert problems == []
