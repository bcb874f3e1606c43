"""10. Fuzzing the JSON import: random and mutated documents never cause an unhandled exception.

Hypothesis generates random JSON (any nesting of objects, lists, numbers of any size, text
with any characters), random documents shaped like a case, raw bytes, and copies of the
sample case with random mutations (deleted keys, changed types, random strings, swapped and
duplicated ids, dangling references, huge numbers, nested junk). Every import either
succeeds, giving a case file that opens and reads, or is refused with an InterchangeError
(or another CaseFileError) that names what is wrong, and leaves nothing at the target and
no temporary file. Random text through the briefing renderer is fuzzed the same way in
tests/test_briefing_hostile.py (test_random_text_always_exports).

CASEFILE_FUZZ_EXAMPLES sets the total number of examples (default 200).
"""

from __future__ import annotations

import collections
import copy
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import env_int, listing, record

from db import interchange, queries
from db.errors import CaseFileError, InterchangeError
from db.fields import JSON_ORDER, KINDS
from db.sample import sample_document
from db.sqlite.casefile import CaseFile

TOTAL = env_int("CASEFILE_FUZZ_EXAMPLES", 200)
SHARES = {"random JSON": 0.2, "case-shaped": 0.2, "bytes": 0.1, "mutated sample": 0.5}
LISTS = [KINDS[kind].json_name for kind in JSON_ORDER]
SAMPLE = sample_document()

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**18, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.sampled_from(["", " ", "\x00", "\ud800", "2026-02-30", "9999-99", "-1", "null", "id-1", "a" * 5000])
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=40,
)

field_values = scalars | st.lists(scalars, max_size=3) | st.dictionaries(st.text(max_size=5), scalars, max_size=2)


def _examples(kind: str) -> int:
    return max(1, round(TOTAL * SHARES[kind]))


@st.composite
def case_shaped(draw: st.DrawFn) -> dict[str, Any]:
    """A document with the right top-level keys and random values below them."""
    doc: dict[str, Any] = {"format": draw(st.sampled_from(["casefile", "casefile", "Casefile", 1])),
                           "version": draw(st.sampled_from([1, 1, 1, 0, 2, 1.0, "1", 10**30]))}  # fmt: skip
    doc["case"] = draw(st.dictionaries(st.sampled_from(["title", "subtitle", "as_of", "marking", "x"]), field_values))
    for name in LISTS:
        if draw(st.booleans()):
            fields = sorted({"id", *KINDS[next(k for k in JSON_ORDER if KINDS[k].json_name == name)].by_name})
            doc[name] = draw(st.lists(st.dictionaries(st.sampled_from(fields), field_values, max_size=8), max_size=4))
    return doc


# ----- mutations of the sample case -------------------------------------------------------


def _lists(doc: dict[str, Any]) -> list[str]:
    """The record lists of ``doc`` that are still lists with an object in them."""
    return [n for n in LISTS if isinstance(doc.get(n), list) and any(isinstance(r, dict) for r in doc[n])]


def _records(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for name in _lists(doc) for r in doc[name] if isinstance(r, dict)]


def _ids(doc: dict[str, Any]) -> list[str]:
    return [r["id"] for r in _records(doc) if isinstance(r.get("id"), str)]


def _mutate(draw: st.DrawFn, doc: dict[str, Any]) -> str:
    """Apply one random mutation to ``doc``; return its name."""
    op = draw(
        st.sampled_from([
            "delete key", "change type", "random string", "swap ids", "duplicate id", "dangling reference",
            "huge number", "nested junk", "duplicate record", "drop or replace a list", "top-level junk",
            "reference to the wrong kind",
        ])
    )  # fmt: skip
    recs = _records(doc)
    case = doc.get("case") if isinstance(doc.get("case"), dict) else {}
    target = draw(st.sampled_from([case, *recs]))
    keys = sorted(target) or ["title"]
    key = draw(st.sampled_from(keys))
    if op == "delete key":
        target.pop(key, None)
    elif op == "change type":
        target[key] = draw(st.sampled_from([None, True, 0, -1, 1.5, [], {}, ["x"], {"id": "x"}, ""]))
    elif op == "random string":
        target[key] = draw(st.text(max_size=60))
    elif op == "swap ids" and len(recs) >= 2:
        a, b = draw(st.sampled_from(recs)), draw(st.sampled_from(recs))
        a["id"], b["id"] = b.get("id"), a.get("id")
    elif op == "duplicate id" and len(recs) >= 2:
        draw(st.sampled_from(recs))["id"] = draw(st.sampled_from(_ids(doc) or ["x"]))
    elif op == "dangling reference":
        ref = draw(st.sampled_from(["speaker", "source", "affiliation", "issuer", "directive", "statement"]))
        target[ref] = draw(st.sampled_from(["nobody", "", "00000000-0000-4000-8000-000000000000"]))
    elif op == "huge number":
        target[key] = draw(st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1, float("inf"), float("nan")]))
    elif op == "nested junk":
        junk: Any = "deep"
        for _ in range(draw(st.integers(1, 300))):
            junk = [junk] if draw(st.booleans()) else {"k": junk}
        target[key] = junk
    elif op == "duplicate record" and recs:
        name = draw(st.sampled_from(_lists(doc)))
        doc[name].append(copy.deepcopy(draw(st.sampled_from([r for r in doc[name] if isinstance(r, dict)]))))
    elif op == "drop or replace a list":
        doc[draw(st.sampled_from(LISTS))] = draw(st.sampled_from([None, {}, "list", 3, [None, 1, "x"]]))
    elif op == "top-level junk":
        doc[draw(st.sampled_from(["format", "version", "case", "extra"]))] = draw(json_values)
    elif op == "reference to the wrong kind":
        ids = _ids(doc)
        if ids:
            target[draw(st.sampled_from(["speaker", "source", "issuer", "statement"]))] = draw(st.sampled_from(ids))
    return op


@st.composite
def mutated_samples(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    doc = copy.deepcopy(SAMPLE)
    ops = [_mutate(draw, doc) for _ in range(draw(st.integers(1, 4)))]
    return doc, ops


# ----- the check --------------------------------------------------------------------------


class Tally:
    """Counts outcomes across examples and checks each one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.outcomes: collections.Counter[str] = collections.Counter()
        self.ops: collections.Counter[str] = collections.Counter()
        self.records_read = 0

    def attempt(self, source: Any, *, raw: bool = False) -> None:
        target = self.folder / "imported.casefile"
        try:
            doc = interchange.loads(source) if raw else source
            interchange.import_document(doc, target)
        except InterchangeError as exc:
            assert exc.errors and all(isinstance(line, str) and ": " in line for line in exc.errors), exc.errors
            assert str(exc).strip()
            self.outcomes["refused (InterchangeError)"] += 1
        except CaseFileError as exc:
            assert str(exc).strip()
            self.outcomes["refused (CaseFileError)"] += 1
        else:
            with CaseFile.open(target, read_only=True) as cf:  # what was imported opens and reads
                interchange.export_document(cf)
                self.records_read += sum(queries.counts(cf).values())
            self.outcomes["imported"] += 1
            target.unlink()
        assert listing(self.folder) == [], "an import left a file behind"


def _settings(kind: str):  # type: ignore[no-untyped-def]
    return settings(
        max_examples=_examples(kind),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        database=None,
    )


@pytest.fixture
def tally(tmp_path):
    folder = tmp_path / "target"
    folder.mkdir()
    started = time.perf_counter()
    result = Tally(folder)
    yield result
    result.seconds = round(time.perf_counter() - started, 1)  # type: ignore[attr-defined]


def _record(kind: str, tally: Tally, proves: str) -> None:
    figures: dict[str, Any] = {"generator": kind, "examples": sum(tally.outcomes.values()),
                               "outcomes": dict(tally.outcomes)}  # fmt: skip
    if tally.ops:
        figures["mutations"] = dict(tally.ops)
    figures.update(records_read_from_successful_imports=tally.records_read, unhandled_exceptions=0,
                   files_left_after_refusals=0)  # fmt: skip
    record(10, proves, **figures)


def test_random_json_values_are_refused_cleanly(tally):
    @_settings("random JSON")
    @given(json_values)
    def run(value: Any) -> None:
        tally.attempt(value)

    run()
    assert tally.outcomes["imported"] == 0
    _record("random JSON", tally, "Random JSON values of any shape are refused with a message; nothing is written.")


def test_random_case_shaped_documents_import_or_are_refused_cleanly(tally):
    @_settings("case-shaped")
    @given(case_shaped())
    def run(doc: dict[str, Any]) -> None:
        tally.attempt(doc)

    run()
    _record("case-shaped", tally, "Documents with a case's keys and random values import or are refused cleanly.")


def test_random_bytes_and_json_text_are_refused_cleanly(tally):
    @_settings("bytes")
    @given(
        st.binary(max_size=400) | json_values.map(lambda v: json.dumps(v).encode("utf-8")) | st.text().map(str.encode)
    )
    def run(data: bytes) -> None:
        tally.attempt(data, raw=True)

    run()
    deep = b"[" * 200_000 + b"]" * 200_000
    tally.attempt(deep, raw=True)  # nesting far past Python's recursion limit
    assert tally.outcomes["imported"] == 0
    _record("bytes", tally, "Random bytes and random JSON text, including 200,000 levels of nesting, are refused.")


def test_mutated_sample_documents_import_or_are_refused_cleanly(tally):
    @_settings("mutated sample")
    @given(mutated_samples())
    def run(case: tuple[dict[str, Any], list[str]]) -> None:
        doc, ops = case
        tally.ops.update(ops)
        tally.attempt(doc)

    run()
    assert tally.outcomes["imported"] + tally.outcomes["refused (InterchangeError)"] > 0
    _record(
        "mutated sample",
        tally,
        "Copies of the sample case with random mutations (deleted keys, wrong types, random strings, swapped or "
        "duplicated ids, dangling references, huge numbers, deep junk) import or are refused with the JSON path.",
    )
    shutil.rmtree(tally.folder, ignore_errors=True)
