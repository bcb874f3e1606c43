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
            if SEAM in path.parents or "__pycache__" in path.parts:
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
