"""7. What leaves the machine: deleted or replaced text is gone from the file's bytes; nothing beside it.

A case file gets emailed. After a statement (or any record) is deleted, or a text field is
rewritten, and the file is closed, neither the old text nor the lower-case words the
full-text index made of it may be anywhere in the file's bytes (SQLite's secure_delete
zeroes freed space; the index drops the words: FTS5's secure-delete option on SQLite 3.42+,
an index merge at close on older SQLite). After closing, nothing is left beside the file:
no -journal, -wal or -shm, no lock file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from reliability_helpers import listing, record

from db import records
from db.fields import Kind
from db.sqlite.casefile import CaseFile
from db.sqlite.connections import FTS_SECURE_DELETE
from desktop.actions import ActionId
from tests.gui_helpers import open_window

# Made-up words that occur nowhere else, so finding one in the bytes can only mean a leftover.
SECRET_WORDS = ("Quorvantheel", "Brisklemont", "Zephyrquandt")
NEW_WORDS = ("Plainreplacement", "Ordinarywording")
RECORDS: dict[Kind, tuple[dict[str, object], str]] = {
    Kind.STATEMENT: ({}, "text"),
    Kind.ACTOR: ({"kind": "person"}, "name"),
    Kind.DIRECTIVE: ({"title": "A directive"}, "summary"),
    Kind.TIMELINE: ({"date": "2026-06-01", "title": "An event"}, "description"),
    Kind.SOURCE: ({"title": "A source"}, "notes"),
}


def _secret_text(kind: Kind) -> str:
    return f"Off the record for {kind.value}: {' '.join(SECRET_WORDS)} met at the embassy."


def _needles(words: tuple[str, ...], text: str) -> list[bytes]:
    """The text itself, each word as typed, and the end of each word as the index stores it.

    The index keeps words in lower case, and a word may share its first letters with the word
    stored before it (prefix compression), so its last letters are what is sure to be there.
    """
    tails = [w.lower()[-7:].encode("utf-8") for w in words]
    return [text.encode("utf-8"), *(w.encode("utf-8") for w in words), *tails]


def _indexed_terms(path: Path) -> set[str]:
    """Every word the file's full-text indexes hold (read through fts5vocab, without changing the file)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        terms: set[str] = set()
        for fts in ("statement_fts", "actor_fts", "directive_fts", "timeline_fts", "source_fts"):
            conn.execute(f"CREATE VIRTUAL TABLE temp.vocab_{fts} USING fts5vocab(main, {fts}, 'row')")
            terms.update(row[0] for row in conn.execute(f"SELECT term FROM temp.vocab_{fts}"))
        return terms
    finally:
        conn.close()


def _found(path: Path, needles: list[bytes]) -> list[bytes]:
    data = path.read_bytes()
    return [needle for needle in needles if needle in data]


def _add(path: Path, kind: Kind) -> tuple[str, str]:
    values, field = RECORDS[kind]
    text = _secret_text(kind)
    with CaseFile.open(path) as cf:
        rid = records.add_record(cf, kind, {**values, field: text})
    needles = _needles(SECRET_WORDS, text)
    assert _found(path, needles) == needles  # stored, and indexed in lower case
    assert {w.lower() for w in SECRET_WORDS} <= _indexed_terms(path)
    return rid, text


@pytest.mark.parametrize("kind", list(RECORDS), ids=[k.value for k in RECORDS])
def test_deleted_text_and_its_indexed_words_are_gone_from_the_file(kind, sample_path):
    rid, text = _add(sample_path, kind)
    with CaseFile.open(sample_path) as cf:
        records.delete_record(cf, kind, rid)
    assert _found(sample_path, _needles(SECRET_WORDS, text)) == []
    assert not {w.lower() for w in SECRET_WORDS} & _indexed_terms(sample_path)
    assert listing(sample_path.parent) == ["sample.casefile"]
    size = sample_path.stat().st_size
    record(
        7,
        "After a record is deleted and the file closed, its text and the lower-case words the search index "
        "made of it are nowhere in the file's bytes, and nothing is left beside the file.",
        record_kind=kind.value,
        field=RECORDS[kind][1],
        needles_searched=len(_needles(SECRET_WORDS, text)),
        bytes_searched=size,
        found=0,
        index_purge="FTS5 secure-delete" if FTS_SECURE_DELETE else "index merge (optimize) at close",
        sqlite=sqlite3.sqlite_version,
    )


@pytest.mark.parametrize("kind", list(RECORDS), ids=[k.value for k in RECORDS])
def test_replaced_text_and_its_indexed_words_are_gone_from_the_file(kind, sample_path):
    rid, text = _add(sample_path, kind)
    field = RECORDS[kind][1]
    replacement = " ".join(NEW_WORDS)
    with CaseFile.open(sample_path) as cf:
        records.update_record(cf, kind, rid, {field: replacement})
    assert _found(sample_path, _needles(SECRET_WORDS, text)) == []
    terms = _indexed_terms(sample_path)
    assert not {w.lower() for w in SECRET_WORDS} & terms
    assert {w.lower() for w in NEW_WORDS} <= terms
    assert _found(sample_path, _needles(NEW_WORDS, replacement)) == _needles(NEW_WORDS, replacement)
    assert listing(sample_path.parent) == ["sample.casefile"]
    record(
        7,
        "After a text field is rewritten and the file closed, the old text and its indexed words are gone; the "
        "new words are stored and indexed.",
        record_kind=kind.value,
        field=field,
        bytes_searched=sample_path.stat().st_size,
        found=0,
    )


def test_a_statement_deleted_in_the_app_is_gone_once_the_window_closes(qtbot, sample_path):
    rid, text = _add(sample_path, Kind.STATEMENT)
    window = open_window(qtbot, sample_path)
    qtbot.waitUntil(lambda: window.documents.backup_task.done.is_set(), timeout=60000)
    window.case_view.show_record(Kind.STATEMENT, rid)
    window.action_registry[ActionId.DELETE_RECORD].trigger()
    with pytest.raises(records.RecordError):
        records.get_record(window.session.cf, Kind.STATEMENT, rid)
    window.close()
    assert _found(sample_path, _needles(SECRET_WORDS, text)) == []
    assert not {w.lower() for w in SECRET_WORDS} & _indexed_terms(sample_path)
    assert listing(sample_path.parent) == ["sample.casefile"]  # no journal, no lock file
    record(7, "A statement deleted in the app is gone from the file's bytes once the window is closed.",
           bytes_searched=sample_path.stat().st_size, found=0)  # fmt: skip
