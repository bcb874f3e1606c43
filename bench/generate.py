"""A deterministic large case, written as JSON format 1.

The shape of a matter that has run for years: thousands of actors and sources, tens of
thousands of statements, a hundred thousand timeline entries, with realistic lengths
(titles ~60 characters, texts ~400), links between them and tags. Same seed, same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from pathlib import Path
from typing import Any

FULL_SCALE = {"actors": 5_000, "sources": 20_000, "statements": 50_000, "directives": 2_000, "timeline": 100_000}

_WORDS = (
    "agency review committee federal model export control directive agreement frontier security "
    "testing voluntary mandatory release access evaluation national department commerce policy "
    "hearing filing comment notice rule docket amendment request response schedule report "
    "counsel staff briefing disclosure compliance waiver license provision section deadline "
    "meeting statement official spokesperson letter memo investigation finding record public"
).split()
_SYLLABLES = (
    "ba ca da fa ga ha ja ka la ma na pa ra sa ta va wa za be ce de fe ge he le me ne pe re se te ve "
    "bi ci di fi gi hi li mi ni pi ri si ti vi bo co do fo go ho lo mo no po ro so to vo bu cu du fu "
    "gu lu mu nu pu ru su tu tion ment ing er al ic ous ive ate ure ence"
).split()


def _vocabulary(seed: int = 2026, size: int = 4000) -> tuple[list[str], list[float]]:
    """Policy words plus pseudo-words, with Zipf-like weights (a few words common, most rare)."""
    rng = random.Random(seed)
    words = list(_WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    rng.shuffle(words)
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    return words, weights


_VOCAB, _WEIGHTS = _vocabulary()
# choices() would add the weights up on every call; adding them once gives the same draws.
_CUM_WEIGHTS = list(itertools.accumulate(_WEIGHTS))
_KINDS = ("person", "company", "government", "organization", "other")
_DKINDS = ("executive_order", "export_control", "agreement", "regulation", "legislation", "guidance", "other")
_STATUS = ("proposed", "in_force", "suspended", "rescinded", "expired", None)
_TAGS = [f"topic-{i}" for i in range(40)]


def _text(rng: random.Random, length: int) -> str:
    words: list[str] = []
    size = 0
    while size < length:
        batch = rng.choices(_VOCAB, cum_weights=_CUM_WEIGHTS, k=8)
        for word in batch:
            words.append(word)
            size += len(word) + 1
            if size >= length:
                break
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _date(rng: random.Random, start: dt.date, days: int) -> str:
    day = start + dt.timedelta(days=rng.randrange(days))
    roll = rng.random()
    if roll < 0.05:
        return f"{day.year}"
    if roll < 0.15:
        return f"{day.year}-{day.month:02d}"
    if roll < 0.95:
        return day.isoformat()
    return f"{day.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}-05:00"


def generate(scale: float = 1.0, seed: int = 14409) -> dict[str, Any]:
    """The large case as a format-1 document; ``scale`` shrinks every count (CI uses 0.01)."""
    rng = random.Random(seed)
    n = {k: max(2, int(v * scale)) for k, v in FULL_SCALE.items()}
    start, days = dt.date(2015, 1, 1), 4000
    sources = [
        {
            "id": f"s{i}",
            "title": _text(rng, 60),
            "publisher": _text(rng, 20),
            "author": None if i % 3 else _text(rng, 15),
            "url": f"https://example.org/docket/{i}/{rng.randrange(10**9)}",
            "published": _date(rng, start, days),
            "accessed": None,
            "notes": _text(rng, 120) if i % 4 == 0 else None,
        }
        for i in range(n["sources"])
    ]
    actors = [
        {
            "id": f"a{i}",
            "name": f"{_text(rng, 18)[:-1]} {i}",
            "kind": _KINDS[i % len(_KINDS)],
            "role": _text(rng, 30),
            "affiliation": f"a{rng.randrange(i)}" if i > 10 and i % 3 == 0 else None,
            "description": _text(rng, 200),
            "tags": rng.sample(_TAGS, 2),
        }
        for i in range(n["actors"])
    ]
    statements = [
        {
            "id": f"st{i}",
            "speaker": f"a{rng.randrange(n['actors'])}",
            "text": _text(rng, 400),
            "date": _date(rng, start, days),
            "venue": _text(rng, 25),
            "verbatim": i % 4 != 0,
            "source": f"s{rng.randrange(n['sources'])}",
            "notes": _text(rng, 100) if i % 5 == 0 else None,
            "tags": rng.sample(_TAGS, 2),
        }
        for i in range(n["statements"])
    ]
    directives = [
        {
            "id": f"d{i}",
            "identifier": f"EO {10000 + i}",
            "title": _text(rng, 60),
            "kind": _DKINDS[i % len(_DKINDS)],
            "issuer": f"a{rng.randrange(n['actors'])}",
            "issued": _date(rng, start, days),
            "effective": None,
            "status": _STATUS[i % len(_STATUS)],
            "summary": _text(rng, 400),
            "provisions": [_text(rng, 100) for _ in range(3)],
            "parties": sorted({f"a{rng.randrange(n['actors'])}" for _ in range(3)}),
            "source": f"s{rng.randrange(n['sources'])}",
            "tags": rng.sample(_TAGS, 2),
        }
        for i in range(n["directives"])
    ]
    timeline = [
        {
            "id": f"t{i}",
            "date": _date(rng, start, days),
            "title": _text(rng, 60),
            "description": _text(rng, 400),
            "actors": sorted({f"a{rng.randrange(n['actors'])}" for _ in range(2)}),
            "directive": f"d{rng.randrange(n['directives'])}" if i % 10 == 0 else None,
            "statement": f"st{rng.randrange(n['statements'])}" if i % 7 == 0 else None,
            "key": i % 50 == 0,
            "source": f"s{rng.randrange(n['sources'])}",
            "tags": rng.sample(_TAGS, 2),
        }
        for i in range(n["timeline"])
    ]
    return {
        "format": "casefile",
        "version": 1,
        "case": {
            "title": "Large docket benchmark",
            "subtitle": "A generated matter of realistic size",
            "summary": _text(rng, 800),
            "marking": "FOR INTERNAL USE ONLY",
            "prepared_by": "Benchmark",
            "as_of": "2026-06-24",
        },
        "sources": sources,
        "actors": actors,
        "statements": statements,
        "directives": directives,
        "timeline": timeline,
    }


def write(path: Path, scale: float = 1.0) -> dict[str, int]:
    """Generate and write the document; return the record counts."""
    doc = generate(scale)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return {k: len(doc[k]) for k in FULL_SCALE}
