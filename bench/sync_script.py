"""The edit script of row 13 (bench/rows_sync.py, bench/rows_merge.py): what each side of an
offline copy, or each of two JSON documents, changes in the large case."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

CHANGED = 10_000  # records changed on each side at full scale

# What each side changes, as shares of its changed records: (part, field, share). Text fields,
# a tag list, the lines of a list field; and a few timeline entries deleted and created.
EDITS: tuple[tuple[str, str, float], ...] = (
    ("timeline", "title", 0.40),
    ("timeline", "description", 0.20),
    ("statements", "text", 0.25),
    ("sources", "notes", 0.10),
    ("actors", "tags", 0.04),
    ("directives", "provisions", 0.005),
)
DELETED = CREATED = 0.0025
CONFLICTS = 0.005  # of the changed records: the same field changed differently on both sides


# ----- the edit script (shared by both measurements) --------------------------------------


@dataclass
class Script:
    """What one side changes: new values of existing records' fields, deletions, creations."""

    fields: dict[tuple[str, str], str] = field(default_factory=dict)  # (part, id) -> field changed
    deleted: list[tuple[str, str]] = field(default_factory=list)
    created: list[tuple[str, str]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.fields) + len(self.deleted) + len(self.created)


def scripts(ids: dict[str, list[str]], changed: int) -> tuple[Script, Script, list[tuple[str, str]]]:
    """Two edit scripts (mine, theirs) on disjoint records but for the conflicts: records both
    change in the same field, listed third. ``ids``: every record id by part, in a stable order."""
    sides = (Script(), Script())
    taken: dict[str, int] = defaultdict(int)  # each record changes one field on one side at most
    for part, name, share in EDITS:
        n, start = round(changed * share), taken[part]
        pool = ids.get(part, [])
        if start + 2 * n > len(pool):
            raise ValueError(f"the case has too few {part} to change {n:,} on each side")
        for side, chunk in zip(sides, (pool[start : start + n], pool[start + n : start + 2 * n]), strict=True):
            side.fields.update({(part, rid): name for rid in chunk})
        taken[part] += 2 * n
    timeline = ids.get("timeline", [])
    gone = max(1, round(changed * DELETED))
    for n, side in enumerate(sides):  # deleted from the end: nothing refers to a timeline entry
        end = len(timeline) - n * gone
        side.deleted = [("timeline", rid) for rid in timeline[end - gone : end]]
        side.created = [("timeline", str(uuid.uuid4())) for _ in range(max(1, round(changed * CREATED)))]
    mine, theirs = sides
    both = [k for k, name in mine.fields.items() if k[0] == "timeline" and name == "title"]
    both = both[: max(1, round(changed * CONFLICTS))]
    theirs_titles = [k for k, name in theirs.fields.items() if k[0] == "timeline" and name == "title"]
    for old, new in zip(theirs_titles[: len(both)], both, strict=True):
        del theirs.fields[old]  # theirs changes as many records as mine: some of them the same
        theirs.fields[new] = "title"
    return mine, theirs, both


def edited(part: str, name: str, values: dict[str, Any], who: str) -> Any:
    """The new value ``who`` gives one field of a record."""
    old = values.get(name)
    if name == "tags":
        return [*(old or [])[:1], f"{who}-reviewed"]
    if name == "provisions":
        return [*(old or []), f"A provision {who} added."]
    return f"{(old or '')[:60].rstrip()} (revised by {who})"


def new_entry(who: str, n: int) -> dict[str, Any]:
    """A timeline entry one side creates (no references: a plain new record)."""
    return {"date": "2026-06-02", "title": f"Entry {n} {who} added offline", "description": "Added on the road.",
            "actors": [], "directive": None, "statement": None, "key": False, "source": None, "locator": None,
            "tags": [who]}  # fmt: skip
