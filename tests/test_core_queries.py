"""List queries (sorting, filtering, paging), counts, tags, pickers and full-text search."""

from __future__ import annotations

import pytest
from core_fixtures import plain_connect
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.dates import PartialDate
from db.day_order import DAY_ORDERED
from db.fields import FTS_TABLE_NAMES, JSON_ORDER, KINDS, Kind
from db.interchange import export_document
from db.queries import (
    LIST_COLUMNS,
    ListQuery,
    all_tags,
    choices,
    counts,
    date_span,
    fetch_rows,
    labels,
    list_rowids,
    rowid_of,
)
from db.records import add_record, insert_record, update_record
from db.sample import sample_document
from db.search import HIT_END, HIT_START, search
from db.sqlite.casefile import CaseFile

NOCASE = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
DATE_COLUMNS = {"date", "published", "issued"}
NOCASE_COLUMNS = {
    "title",
    "publisher",
    "author",
    "name",
    "role",
    "affiliation",
    "speaker",
    "text",
    "venue",
    "source",
    "identifier",
    "issuer",
}


@pytest.fixture(scope="module")
def sample_ro(tmp_path_factory):
    """The sample case, open read-only once for the whole module (queries only read)."""
    from db.sample import create_sample

    path = tmp_path_factory.mktemp("sample") / "sample.casefile"
    create_sample(path)
    cf = CaseFile.open(path, read_only=True)
    yield cf
    cf.close()


@pytest.fixture(scope="module")
def sample_export(sample_ro):
    return export_document(sample_ro)


def _rows(cf, query):
    ids = list_rowids(cf, query)
    rows = fetch_rows(cf, query.kind, ids)
    return [rows[n] for n in ids]


def _sort_key(column: str, value: object):
    if value is None:
        return (0, "")
    if column in DATE_COLUMNS:
        return (1, PartialDate.parse_iso(value).sort_key)
    if column in NOCASE_COLUMNS:
        return (1, value.translate(NOCASE))
    return (1, value)


# ----- sorting ----------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "column"), [(kind, col.name) for kind in Kind for col in LIST_COLUMNS[kind]])
def test_list_sorts_by_each_column_both_ways(sample_ro, kind, column):
    position = 1 + [c.name for c in LIST_COLUMNS[kind]].index(column)
    ascending = list_rowids(sample_ro, ListQuery(kind, sort=column))
    descending = list_rowids(sample_ro, ListQuery(kind, sort=column, descending=True))
    assert len(ascending) == counts(sample_ro)[kind] > 0
    assert list(descending) == list(reversed(ascending))
    rows = fetch_rows(sample_ro, kind, ascending)
    values = [rows[n][position] for n in ascending]
    if kind is Kind.STATEMENT and column == "text":
        values = [table_rows_text(sample_ro, n) for n in ascending]  # sorted on the full text
    keys = [_sort_key(column, v) for v in values]
    if kind in DAY_ORDERED and column == "date":  # within a day, the user's order (db/day_order.py)
        keys = [(k[0], k[1][:10]) for k in keys]
    assert keys == sorted(keys), (kind, column)


def table_rows_text(cf, n):
    with cf.read() as conn:
        return conn.exec_driver_sql(f"SELECT text FROM statement WHERE n = {int(n)}").scalar()


def test_natural_order_is_by_date_for_dated_kinds_and_by_name_otherwise(sample_ro, sample_export):
    timeline = _rows(sample_ro, ListQuery(Kind.TIMELINE))
    keys = [PartialDate.parse_iso(r[1]).sort_key[:10] for r in timeline]
    assert keys == sorted(keys)
    assert timeline[0][1] == "2024-08"
    names = [r[1] for r in _rows(sample_ro, ListQuery(Kind.ACTOR))]
    assert names == sorted(names, key=lambda s: s.translate(NOCASE))
    assert len(names) == len(sample_export["actors"])
    undated_first = [r[1] for r in _rows(sample_ro, ListQuery(Kind.STATEMENT))]
    assert undated_first[0] is None and undated_first[-1] == "2026-06-23"


def test_fetch_rows_returns_the_list_columns(sample_ro):
    ids = list_rowids(sample_ro, ListQuery(Kind.TIMELINE))
    rows = fetch_rows(sample_ro, Kind.TIMELINE, ids)
    assert set(rows) == set(ids)
    assert all(len(r) == 1 + len(LIST_COLUMNS[Kind.TIMELINE]) for r in rows.values())
    by_title = {r[2]: r for r in rows.values()}
    meta = by_title["Meta says it is working through the details and hopes to sign soon"]
    assert meta[3] == "Meta; Francis Brennan"  # actors, in their stored order
    assert meta[4] == 0  # not a key event
    assert rowid_of(sample_ro, Kind.TIMELINE, meta[0]) in ids
    assert fetch_rows(sample_ro, Kind.TIMELINE, []) == {}
    directives = {
        r[2]: r
        for r in fetch_rows(sample_ro, Kind.DIRECTIVE, list_rowids(sample_ro, ListQuery(Kind.DIRECTIVE))).values()
    }
    eo = directives["Executive Order 14409 on AI innovation and security"]
    assert eo[1] == "EO 14409" and eo[4] == "President Trump" and eo[5] == "2026-06-02" and eo[6] == "in_force"


def test_fetch_rows_pages_through_many_rows(empty_cf):
    with empty_cf.write() as conn:  # one transaction: 1,203 records, more than two pages of 500
        for i in range(1203):
            insert_record(conn, Kind.SOURCE, {"title": f"Source {i:04d}"})
    ids = list_rowids(empty_cf, ListQuery(Kind.SOURCE, sort="title", descending=True))
    assert len(ids) == 1203
    rows = fetch_rows(empty_cf, Kind.SOURCE, ids)
    assert len(rows) == 1203
    assert rows[ids[0]][1] == "Source 1202"


# ----- filters ----------------------------------------------------------------------------


def test_text_filter_matches_word_prefixes_case_insensitively(sample_ro, empty_cf):
    found = {r[1] for r in _rows(sample_ro, ListQuery(Kind.ACTOR, text="goog"))}
    assert found == {"Google", "Google DeepMind"}
    assert _rows(sample_ro, ListQuery(Kind.ACTOR, text="zzzz")) == []

    for name, role in [
        ("Google", "Search company"),
        ("Google DeepMind", "AI lab"),
        ("Alphabet", "Parent of Google"),
    ]:
        add_record(empty_cf, Kind.ACTOR, {"name": name, "role": role})

    def names(text):
        return sorted(r[1] for r in _rows(empty_cf, ListQuery(Kind.ACTOR, text=text)))

    assert names("GOOG") == ["Alphabet", "Google", "Google DeepMind"]  # a prefix, in any field
    assert names("deep goo") == ["Google DeepMind"]  # every word must match
    assert names("parent goog") == ["Alphabet"]
    assert names("oogle") == []  # prefixes, not substrings
    assert names("ai lab") == ["Google DeepMind"]


def test_a_statement_is_found_by_its_speakers_name(sample_ro):
    rows = _rows(sample_ro, ListQuery(Kind.STATEMENT, text="brennan"))
    assert len(rows) == 1
    assert rows[0][2] == "Francis Brennan"
    assert "Brennan" not in rows[0][3]  # the words themselves do not name him
    kass = _rows(sample_ro, ListQuery(Kind.STATEMENT, text="Kass"))
    assert {r[2] for r in kass} == {"Ben Kass"} and len(kass) == 3


def test_a_directive_is_found_by_its_issuer_and_an_actor_by_its_affiliation(sample_ro):
    titles = {r[2] for r in _rows(sample_ro, ListQuery(Kind.DIRECTIVE, text="president trump"))}
    assert "Executive Order 14409 on AI innovation and security" in titles
    names = {r[1] for r in _rows(sample_ro, ListQuery(Kind.ACTOR, text="Meta"))}
    assert {"Meta", "Francis Brennan"} <= names


def test_tag_filter(sample_ro, sample_export):
    for kind in (Kind.ACTOR, Kind.STATEMENT, Kind.DIRECTIVE, Kind.TIMELINE):
        records = sample_export[KINDS[kind].json_name]
        expected = {r["id"] for r in records if "export-control" in r["tags"]}
        found = {r[0] for r in _rows(sample_ro, ListQuery(kind, tag="export-control"))}
        assert found == expected
    assert sum(len(list_rowids(sample_ro, ListQuery(k, tag="export-control"))) for k in Kind) == 12
    assert _rows(sample_ro, ListQuery(Kind.SOURCE, tag="caisi")) == []  # sources have no tags
    assert _rows(sample_ro, ListQuery(Kind.ACTOR, tag="CAISI")) == []  # tags match exactly


def test_filters_combine(sample_ro):
    query = ListQuery(
        Kind.STATEMENT,
        text="anthropic",
        tag="export-control",
        date_from=PartialDate(2026, 6, 12),
        date_to=PartialDate(2026, 6, 12),
    )
    rows = _rows(sample_ro, query)
    assert rows and all(r[1] == "2026-06-12" and r[2] == "Anthropic" for r in rows)
    none = ListQuery(Kind.STATEMENT, text="anthropic", date_from=PartialDate(2026, 6, 23))
    assert _rows(sample_ro, none) == []


def test_date_range_on_directives_uses_the_issued_date(sample_ro):
    rows = _rows(sample_ro, ListQuery(Kind.DIRECTIVE, date_from=PartialDate(2026), date_to=PartialDate(2026, 5)))
    assert {r[5] for r in rows} == {"2026-05"}
    assert len(rows) == 3


# ----- counts, spans, tags, pickers -------------------------------------------------------


def test_counts_match_the_sample(sample_ro):
    doc = sample_document()
    assert counts(sample_ro) == {kind: len(doc[KINDS[kind].json_name]) for kind in Kind}


def test_counts_and_span_of_an_empty_case(empty_cf):
    assert counts(empty_cf) == dict.fromkeys(Kind, 0)
    assert date_span(empty_cf) == (None, None)
    assert all_tags(empty_cf) == []
    assert choices(empty_cf, Kind.ACTOR, "any") == []


def test_date_span_covers_statements_directives_and_timeline(sample_ro, empty_cf):
    assert date_span(sample_ro) == (PartialDate(2024, 8), PartialDate(2026, 6, 23))
    add_record(empty_cf, Kind.STATEMENT, {"text": "Old words", "date": "1999"})
    add_record(empty_cf, Kind.DIRECTIVE, {"title": "Late", "issued": "2031-01-02"})
    add_record(empty_cf, Kind.STATEMENT, {"text": "Undated"})
    assert date_span(empty_cf) == (PartialDate(1999), PartialDate(2031, 1, 2))


def test_all_tags_lists_every_tag_once_sorted(sample_ro, sample_export):
    expected = {
        t for name in ("actors", "statements", "directives", "timeline") for r in sample_export[name] for t in r["tags"]
    }
    tags = all_tags(sample_ro)
    assert set(tags) == expected
    assert tags == sorted(tags, key=str.casefold)
    assert set(all_tags(sample_ro, Kind.DIRECTIVE)) == {t for r in sample_export["directives"] for t in r["tags"]}


def test_all_tags_sorts_case_insensitively(empty_cf):
    add_record(empty_cf, Kind.ACTOR, {"name": "A", "tags": ["beta", "Alpha", "gamma"]})
    add_record(empty_cf, Kind.TIMELINE, {"date": "2026", "title": "T", "tags": ["Beta", "alpha"]})
    tags = all_tags(empty_cf)
    assert set(tags) == {"Alpha", "alpha", "beta", "Beta", "gamma"}
    assert [t.casefold() for t in tags] == ["alpha", "alpha", "beta", "beta", "gamma"]
    assert all_tags(empty_cf, Kind.TIMELINE) == ["alpha", "Beta"]


def test_choices_searches_titles_for_pickers(sample_ro):
    assert [label for _id, label in choices(sample_ro, Kind.ACTOR, "goo")] == ["Google", "Google DeepMind"]
    everyone = choices(sample_ro, Kind.ACTOR)
    assert len(everyone) == 20
    assert [label for _id, label in everyone] == sorted(
        (label for _id, label in everyone), key=lambda s: s.translate(NOCASE)
    )
    assert len(choices(sample_ro, Kind.ACTOR, limit=5)) == 5
    ids = [rid for rid, _label in choices(sample_ro, Kind.SOURCE, "anthropic")]
    assert labels(sample_ro, Kind.SOURCE, ids) == dict(choices(sample_ro, Kind.SOURCE, "anthropic"))
    long = choices(sample_ro, Kind.STATEMENT, "jailbreak")
    assert all(len(label) <= 80 for _id, label in long) and any(label.endswith("…") for _id, label in long)


def test_choices_and_lists_see_edits_at_once(empty_cf):
    rid = add_record(empty_cf, Kind.ACTOR, {"name": "Anthropic"})
    assert choices(empty_cf, Kind.ACTOR, "anth") == [(rid, "Anthropic")]
    update_record(empty_cf, Kind.ACTOR, rid, {"name": "Anthropic PBC"})
    assert choices(empty_cf, Kind.ACTOR, "pbc") == [(rid, "Anthropic PBC")]
    assert choices(empty_cf, Kind.ACTOR, "anthropic pbc") == [(rid, "Anthropic PBC")]
    assert [r[1] for r in _rows(empty_cf, ListQuery(Kind.ACTOR, text="pbc"))] == ["Anthropic PBC"]


# ----- full-text search -------------------------------------------------------------------


def test_search_returns_typed_hits_grouped_by_kind_with_marked_snippets(sample_ro):
    hits = search(sample_ro, "jailbreak")
    kinds = [h.kind for h in hits]
    assert {Kind.STATEMENT, Kind.SOURCE} <= set(kinds)
    order = [JSON_ORDER.index(k) for k in kinds]
    assert order == sorted(order)  # grouped in the order sources, actors, statements, ...
    for hit in hits:
        assert HIT_START in hit.snippet and HIT_END in hit.snippet
        marked = hit.snippet.split(HIT_START, 1)[1].split(HIT_END, 1)[0]
        assert marked.lower().startswith("jailbreak")
        assert HIT_START not in hit.plain_snippet() and HIT_END not in hit.plain_snippet()
        assert hit.title and len(hit.title) <= 80
    statement_ids = {h.id for h in hits if h.kind is Kind.STATEMENT}
    assert len(statement_ids) == len([h for h in hits if h.kind is Kind.STATEMENT])


def test_search_finds_every_kind(sample_ro):
    kinds = {h.kind for h in search(sample_ro, "Anthropic")}
    assert kinds == set(Kind)
    within = [h for h in search(sample_ro, "Anthropic") if h.kind is Kind.STATEMENT]
    ranks = [h.rank for h in within]
    assert ranks == sorted(ranks)  # best first within a kind


def test_search_needs_every_word_and_ignores_case_and_accents(empty_cf):
    add_record(empty_cf, Kind.STATEMENT, {"text": "The Café Résumé was discussed"})
    add_record(empty_cf, Kind.STATEMENT, {"text": "Only a café here"})
    assert len(search(empty_cf, "CAFE")) == 2
    assert len(search(empty_cf, "cafe resume")) == 1
    assert search(empty_cf, "cafe nothing") == []


NASTY = [
    '"',
    '""',
    "(",
    ")",
    "AND",
    "OR",
    "NOT",
    "*",
    "NEAR(",
    "NEAR(a b",
    'meta"',
    '"unterminated',
    "a OR b",
    "meta AND",
    "-meta",
    "+meta",
    "meta:",
    "col:meta",
    "^x",
    "{a b}",
    "a*b",
    "'; DROP TABLE actor; --",
    "\\",
    "   ",
    "",
    "…",
    "🙂",
    "\x02x\x03",
    "NEAR(meta, 2)",
    "actor_fts",
    "rank:1",
    "0\x00",
    "meta\x00 soon",
]


@pytest.mark.parametrize("text", NASTY)
def test_user_text_with_search_syntax_never_raises(sample_ro, text):
    assert isinstance(search(sample_ro, text), list)
    for kind in Kind:
        assert len(list_rowids(sample_ro, ListQuery(kind, text=text))) <= counts(sample_ro)[kind]
        assert isinstance(choices(sample_ro, kind, text), list)


def test_search_words_are_searched_as_words_not_syntax(sample_ro):
    # "AND" is a word to find, not an operator: it matches records containing "and...".
    assert search(sample_ro, "AND")
    assert search(sample_ro, "NOT") == search(sample_ro, "not")
    assert {h.id for h in search(sample_ro, "meta AND")} == {h.id for h in search(sample_ro, "meta and")}
    assert search(sample_ro, '"') == []
    assert list(list_rowids(sample_ro, ListQuery(Kind.ACTOR, text="((("))) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=30))
def test_any_typed_text_is_safe_to_search(sample_ro, text):
    hits = search(sample_ro, text)
    assert all(h.kind in Kind for h in hits)
    list_rowids(sample_ro, ListQuery(Kind.STATEMENT, text=text))
    choices(sample_ro, Kind.ACTOR, text)


def test_the_search_index_follows_edits_and_deletes(empty_cf):
    from db.records import delete_record

    rid = add_record(empty_cf, Kind.DIRECTIVE, {"title": "Export control", "provisions": ["Suspend Mythos access"]})
    assert [h.id for h in search(empty_cf, "mythos")] == [rid]
    update_record(empty_cf, Kind.DIRECTIVE, rid, {"provisions": ["Suspend Fable access"]})
    assert search(empty_cf, "mythos") == []
    assert [h.id for h in search(empty_cf, "fable")] == [rid]
    delete_record(empty_cf, Kind.DIRECTIVE, rid)
    assert search(empty_cf, "fable") == []
    empty_cf.close()
    # The index in the file is consistent with its table (FTS5 raises if it is not).
    conn = plain_connect(empty_cf.path)
    try:
        for fts in FTS_TABLE_NAMES.values():
            conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')")
    finally:
        conn.close()
