"""Rows measured in this process against plain sqlite3: import (row 1) and full-text search (row 5)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from .measure import Figure, clock, time_call
from .report import Result, baseline
from .workspace import Workspace

IMPORT_TARGET = 3.0
SEARCH_P95 = 0.050


# ----- row 1: import ----------------------------------------------------------------------


class RawCopy:
    """The schema and every row of a case file, to insert again with nothing but sqlite3."""

    def __init__(self, path: Path) -> None:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            objects = conn.execute(
                "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid"
            ).fetchall()
            self.virtual = [n for t, n, s in objects if t == "table" and s.upper().startswith("CREATE VIRTUAL")]
            # FTS5 creates its shadow tables itself.
            self.schema = [
                (t, n, s)
                for t, n, s in objects
                if not (t == "table" and any(n.startswith(f"{v}_") for v in self.virtual))
            ]
            self.pragmas = {p: conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("application_id", "user_version")}
            self.tables: list[tuple[str, list[str], list[tuple[Any, ...]]]] = []
            for kind, name, _sql in self.schema:
                if kind != "table" or name in self.virtual or name.startswith("sqlite_"):
                    continue
                columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')]
                rows = conn.execute(f'SELECT {", ".join(columns)} FROM "{name}"').fetchall()
                self.tables.append((name, columns, rows))
        finally:
            conn.close()

    @staticmethod
    def fts_tables(conn: sqlite3.Connection) -> list[str]:
        """The full-text (virtual) tables of an open file, in schema order."""
        sql = "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%' ORDER BY rowid"
        return [str(row[0]) for row in conn.execute(sql)]

    @property
    def row_count(self) -> int:
        """Rows in every table together."""
        return sum(len(rows) for _name, _columns, rows in self.tables)

    def _is_fts_trigger(self, kind: str, sql: str) -> bool:
        return kind == "trigger" and any(v in sql for v in self.virtual)

    @staticmethod
    def _is_sort_name_trigger(kind: str, name: str) -> bool:
        return kind == "trigger" and name.startswith("sort_")

    def create_schema(self, path: Path, *, fts_triggers: bool) -> None:
        """An empty file with the same schema (untimed); without the full-text triggers if asked.

        Never with the triggers that keep the stored sort names: the rows read back already hold
        them, and the app's import writes them with the rows too."""
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute(f"PRAGMA application_id = {int(self.pragmas['application_id'])}")
            conn.execute("PRAGMA journal_mode = DELETE")
            for kind, name, sql in self.schema:
                if self._is_sort_name_trigger(kind, name):
                    continue
                if fts_triggers or not self._is_fts_trigger(kind, sql):
                    conn.execute(sql)
            conn.execute(f"PRAGMA user_version = {int(self.pragmas['user_version'])}")
        finally:
            conn.close()

    def insert(self, path: Path, *, rebuild_fts: bool) -> None:
        """Every row in one transaction with executemany (the timed part), then commit and close."""
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("PRAGMA defer_foreign_keys = ON")
            for name, columns, rows in self.tables:
                marks = ", ".join("?" for _ in columns)
                conn.executemany(f'INSERT INTO "{name}" ({", ".join(columns)}) VALUES ({marks})', rows)
            if rebuild_fts:
                for fts in self.virtual:
                    conn.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")
            conn.execute("COMMIT")
        finally:
            conn.close()


def import_row(ws: Workspace) -> list[Result]:
    """Row 1: import_json vs raw executemany of the same rows."""
    from db.interchange import import_json

    raw = RawCopy(ws.case_path)
    variants = {
        "plain": {"fts_triggers": False, "rebuild_fts": False},
        "triggers": {"fts_triggers": True, "rebuild_fts": False},
        "rebuild": {"fts_triggers": False, "rebuild_fts": True},
    }
    samples: dict[str, list[float]] = {"app": [], "parse": [], **{k: [] for k in variants}}
    for i in range(ws.repeat):  # interleaved, so a noisy moment hits every variant alike
        target = ws.path(f"import-{i}.casefile")
        samples["app"].append(time_call(lambda t=target: import_json(ws.json_path, t)))
        target.unlink()
        samples["parse"].append(time_call(lambda: _parse(ws.json_path)))
        for name, how in variants.items():
            path = ws.path(f"raw-{name}-{i}.casefile")
            raw.create_schema(path, fts_triggers=how["fts_triggers"])
            samples[name].append(time_call(lambda p=path, r=how["rebuild_fts"]: raw.insert(p, rebuild_fts=r)))
            path.unlink()
    fig = {name: Figure.of(values) for name, values in samples.items()}
    ratio = fig["app"].median / fig["plain"].median
    return [
        Result(
            1,
            "import the large JSON into a new case file",
            f"within {IMPORT_TARGET:g}x of raw executemany (FTS triggers dropped)",
            measured=fig["app"],
            baselines=[
                baseline("raw executemany, FTS triggers dropped (target basis)", fig["plain"]),
                baseline("raw executemany with the FTS triggers", fig["triggers"]),
                baseline("raw executemany + bulk FTS rebuild", fig["rebuild"]),
            ],
            ratio=ratio,
            met=ratio <= IMPORT_TARGET,
            notes=[
                f"{raw.row_count:,} rows.",
                f"Ratio to raw with FTS triggers {fig['app'].median / fig['triggers'].median:.2f}x,",
                f"to raw + bulk FTS rebuild {fig['app'].median / fig['rebuild'].median:.2f}x.",
                f"Parsing the JSON alone (json.loads) takes {fig['parse'].fmt(fig['parse'].median)};",
                f"the bulk FTS rebuild costs {fig['plain'].fmt(fig['rebuild'].median - fig['plain'].median)}"
                " over the plain insert.",
            ],
            extra={name: f.to_dict() for name, f in fig.items()},
        )
    ]


def _parse(path: Path) -> None:
    import json

    json.loads(path.read_bytes())


# ----- row 5: full-text search ------------------------------------------------------------


def _match(text: str) -> str:
    """Every word as a quoted prefix (the app's documented query shape)."""
    return " ".join(f'"{w}"*' for w in text.replace('"', " ").split())


def _raw_search(conn: sqlite3.Connection, tables: list[str], text: str, *, ranked: bool = True) -> int:
    """One MATCH per full-text table with snippets, best first (``ranked``) or in index order."""
    hits = 0
    for fts in tables:
        order = "ORDER BY score " if ranked else ""
        sql = (
            f"SELECT rowid, snippet({fts}, -1, char(2), char(3), '…', 12), bm25({fts}) AS score "
            f"FROM {fts} WHERE {fts} MATCH ? {order}LIMIT 50"
        )
        hits += len(conn.execute(sql, (_match(text),)).fetchall())
    return hits


def search_row(ws: Workspace) -> list[Result]:
    """Row 5: db.search.search vs one FTS5 MATCH per table in plain sqlite3."""
    from db.search import search
    from db.sqlite.casefile import CaseFile

    queries = ws.words().queries()
    rounds = max(5, 4 * ws.repeat)
    conn = ws.raw()
    tables = RawCopy.fts_tables(conn)
    app: dict[str, list[float]] = {q: [] for q in queries}
    raw: dict[str, list[float]] = {q: [] for q in queries}
    unranked: list[float] = []
    hits: dict[str, tuple[int, int]] = {}
    with CaseFile.open(ws.case_path, read_only=True) as cf:
        for q in queries:  # warm-up, and the number of hits each way
            hits[q] = (len(search(cf, q)), _raw_search(conn, tables, q))
        for _ in range(rounds):
            for q in queries:
                start = clock()
                search(cf, q)
                app[q].append(clock() - start)
                start = clock()
                _raw_search(conn, tables, q)
                raw[q].append(clock() - start)
                start = clock()
                _raw_search(conn, tables, q, ranked=False)
                unranked.append(clock() - start)
    conn.close()
    fig_app = Figure.of([t for q in queries for t in app[q]])
    fig_raw = Figure.of([t for q in queries for t in raw[q]])
    per_query = "; ".join(
        f"“{q}” {Figure.of(app[q]).fmt(Figure.of(app[q]).median)} vs {Figure.of(raw[q]).fmt(Figure.of(raw[q]).median)}"
        f" ({hits[q][0]} hits)"
        for q in queries
    )
    return [
        Result(
            5,
            "full-text search across the whole case",
            f"p95 under {SEARCH_P95 * 1000:.0f} ms",
            measured=fig_app,
            tail=True,
            baselines=[
                baseline("FTS5 MATCH per table in raw sqlite3, bm25 order", fig_raw, tail=True),
                baseline("the same without ranking (floor)", Figure.of(unranked), tail=True),
            ],
            ratio=fig_app.p(95) / fig_raw.p(95),
            met=fig_app.p(95) < SEARCH_P95,
            notes=[f"Queries (median app vs ranked raw, hits): {per_query}. Ratio: p95 over the ranked raw p95."],
            extra={"per_query": {q: {"app": app[q], "raw": raw[q], "hits": hits[q]} for q in queries}},
        )
    ]
