"""Row 13, second line: merging two edited large-case JSON documents with their base, in memory,
as ``casefile merge`` does."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from .measure import Figure, clock, time_call
from .report import Result, baseline
from .sync_script import CHANGED, Script, edited, new_entry, scripts
from .workspace import Workspace

# ----- (b) merging two JSON documents -----------------------------------------------------


def edit_document(doc: dict[str, Any], script: Script, who: str) -> dict[tuple[str, str], Any]:
    """Make ``script``'s edits in a Casefile JSON document, in place (untimed); return the new
    value of each field changed."""
    made: dict[tuple[str, str], Any] = {}
    fields: dict[str, dict[str, str]] = defaultdict(dict)
    for (part, rid), name in script.fields.items():
        fields[part][rid] = name
    gone = set(script.deleted)
    for part, records in doc.items():
        if not isinstance(records, list):
            continue
        for record in records:
            name = fields[part].get(record["id"])
            if name is not None:
                record[name] = made[(part, record["id"])] = edited(part, name, record, who)
        doc[part] = [r for r in records if (part, r["id"]) not in gone]
    for n, (part, rid) in enumerate(script.created):
        doc[part].append({"id": rid, **new_entry(who, n)})
    return made


def merge_once(texts: tuple[bytes, bytes, bytes]) -> tuple[float, dict[str, float], str, int]:
    """Load three documents, merge, settle every conflict as ours, write the result as text, with
    the garbage collector paused as ``casefile merge`` pauses it."""
    from db.gc_pause import gc_paused

    with gc_paused():
        return _merge_once(texts)


def _merge_once(texts: tuple[bytes, bytes, bytes]) -> tuple[float, dict[str, float], str, int]:
    from db.interchange import dumps, loads
    from db.merge import Side, document_state, merge, state_document

    spent: dict[str, float] = {}
    start = clock()
    docs = [loads(t) for t in texts]
    spent["loading the three documents"] = clock() - start
    mark = clock()
    states = [document_state(d) for d in docs]
    spent["document_state"] = clock() - mark
    mark = clock()
    result = merge(*states)
    spent["merge"] = clock() - mark
    mark = clock()
    merged = result.resolve({c.key: Side.OURS for c in result.conflicts}).state(Side.OURS)
    spent["resolving"] = clock() - mark
    mark = clock()
    doc = state_document(merged, docs[1], docs[2])
    spent["state_document"] = clock() - mark
    mark = clock()
    text = dumps(doc)
    spent["dumps"] = clock() - mark
    return clock() - start, spent, text, len(result.conflicts)


def merge_result(ws: Workspace) -> Result:
    base_text = ws.json_path.read_bytes()
    base = json.loads(base_text)
    changed = max(100, round(CHANGED * ws.scale))
    ids = {part: [str(r["id"]) for r in records] for part, records in base.items() if isinstance(records, list)}
    mine, theirs, both = scripts(ids, changed)
    texts = [base_text]
    made = []
    for script, who in ((mine, "ours"), (theirs, "theirs")):
        doc = json.loads(base_text)
        made.append(edit_document(doc, script, who))
        texts.append(json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8"))
    del base
    triple = (texts[0], texts[1], texts[2])
    totals: list[float] = []
    plain: list[float] = []
    steps: dict[str, list[float]] = defaultdict(list)
    conflicts = 0
    for _ in range(ws.repeat):
        total, spent, text, conflicts = merge_once(triple)
        totals.append(total)
        for step, s in spent.items():
            steps[step].append(s)
        check_merged(text, (mine, theirs), (made[0], made[1]), both)
        del text
        plain.append(time_call(lambda: _plain_json(triple)))
    fig, raw = Figure.of(totals), Figure.of(plain)
    parts = ", ".join(f"{step} {fig.fmt(Figure.of(v).median)}" for step, v in steps.items())
    mb = sum(len(t) for t in triple) / 1_048_576
    return Result(
        13,
        f"merge two large-case JSON documents, {changed:,} records changed in each",
        "—",
        measured=fig,
        baselines=[baseline("json.loads of the three documents + json.dumps of one", raw)],
        ratio=fig.median / raw.median,
        notes=[
            f"Base: the large JSON; ours and theirs: copies of it with {changed:,} records changed each (the same",
            f"edit script as the sync), {conflicts} of them the same title on both sides, settled as ours",
            f"(`casefile merge --prefer ours`); {mb:.0f} MB of JSON read. Timed: `db.interchange.loads` of the three",
            "texts, `document_state`, `merge`, `resolve`, `state_document` and `dumps`, all in memory (no file",
            "writes, no document checks), with the cyclic garbage collector paused as the command pauses it (the",
            f"baseline runs with it, as plain Python does). Median breakdown: {parts}. Checked after every run:",
            "both sides' changes and ours' value of every conflict are in the result.",
        ],
        extra={"steps": dict(steps)},
    )


def _plain_json(texts: tuple[bytes, bytes, bytes]) -> None:
    docs = [json.loads(t) for t in texts]
    json.dumps(docs[1], ensure_ascii=False, indent=2)


def check_merged(
    text: str, sides: tuple[Script, Script], made: tuple[dict[Any, Any], dict[Any, Any]], both: list[Any]
) -> None:
    """RuntimeError unless the merged document holds both sides' edits (ours' in a conflict)."""
    doc = json.loads(text)
    held = {(part, str(r["id"])): r for part, rs in doc.items() if isinstance(rs, list) for r in rs}
    for script, values, who in zip(sides, made, ("ours", "theirs"), strict=True):
        for key, name in script.fields.items():
            if who == "theirs" and key in both:
                continue
            if held[key][name] != values[key]:
                raise RuntimeError(f"the merged {key} lost the change {who} made to its {name}")
        if any(k in held for k in script.deleted) or any(k not in held for k in script.created):
            raise RuntimeError(f"a deletion or a creation {who} made is not in the merged document")
