"""Case files with stored values planted by another program, for the stored-value tests
(tests/test_reliability_stored_*.py): the sample case changed through a plain sqlite3
connection with constraints off, and a reader that uses the case every way the app does."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from db import csv_export, interchange, queries, records, search
from db.dates import PartialDate
from db.fields import KINDS
from db.sample import create_sample
from db.sqlite.casefile import CaseFile
from desktop.briefing_export import export_snapshot, load_options

DEEP = "[" * 5000 + "]" * 5000  # deeper than Python's JSON parser can recurse
NEARLY_DEEP = "[" * 900 + "]" * 900  # parses alone, fails a few frames further down the stack
FIRST = "(SELECT min(n) FROM {table})"
NOBODY = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"  # a well-formed id of no record


def first_row(table: str) -> str:
    """SQL for the first record of ``table``."""
    return FIRST.format(table=table)


def sample_case_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The sample case's bytes, made once per test module (each test plants its values in a copy)."""
    path = tmp_path_factory.mktemp("stored-values-base") / "base.casefile"
    create_sample(path)
    return path.read_bytes()


Plant = str | Callable[[sqlite3.Connection], None]


def planted(folder: Path, sample_bytes: bytes, *changes: Plant, name: str = "received.casefile") -> Path:
    """The sample case with ``changes`` made by a plain connection that enforces no constraint."""
    path = folder / name
    path.write_bytes(sample_bytes)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("PRAGMA foreign_keys = OFF")
        for change in changes:
            if callable(change):
                change(conn)
            else:
                conn.execute(change)
    finally:
        conn.close()
    return path


def use_everything(cf: CaseFile, out: Path) -> dict[str, int]:
    """Read the case every way the app and the exports do; unexpected errors fail the test."""
    counts: dict[str, int] = {}
    records.get_case(cf)
    doc = interchange.export_document(cf)
    counts["records exported"] = sum(len(doc[KINDS[k].json_name]) for k in KINDS)
    counts["csv files"] = len(csv_export.export_csv(cf, out / "csv", overwrite=True))
    result = export_snapshot(cf, out / "packet.pdf", load_options(cf))
    counts["pdf pages"] = result.pages
    counts["search hits"] = sum(len(search.search(cf, words)) for words in ("Meta", "review", "the"))
    for kind in KINDS:
        for query in (
            queries.ListQuery(kind),
            queries.ListQuery(kind, text="review"),
            queries.ListQuery(kind, tag="frontier"),
            queries.ListQuery(kind, date_from=PartialDate(2026, 6), date_to=PartialDate(2026, 7)),
            *(queries.ListQuery(kind, sort=col.name) for col in queries.LIST_COLUMNS[kind]),
        ):
            queries.list_rowids(cf, query)
        queries.matching_rowids(cf, kind, "review")
        queries.choices(cf, kind, "a")
        rows = queries.fetch_rows(cf, kind, queries.list_rowids(cf, queries.ListQuery(kind)))
        for values in rows.values():
            records.get_record(cf, kind, str(values[0]))
            records.find_references(cf, kind, str(values[0]))
    queries.timeline_marks(cf)
    queries.date_span(cf)
    queries.all_tags(cf)
    queries.counts(cf)
    return counts
