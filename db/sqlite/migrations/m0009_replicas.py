"""Version 9: what an offline copy (a replica) remembers of its master (see db/replica.py).

``replica`` holds one row in a replica and none in any other case file: the master's address
(a path, or a server address without its password), the master case's id, when the copy was
taken and last synced, and ``since``, the stamp from which a record's ``updated_at`` says it may
have changed. ``replica_base`` holds, per record, its values as both sides last agreed (the
base of the next three-way merge, JSON) and the stamp (``mine``) and mark (``theirs``: the
master's ``updated_at``, or version on a server) each side's record had then, so a sync reads
only the records whose stamp or mark moved. ``replica_pending`` lists the conflicts the user
chose to decide later; ``replica_sync`` is the journal of a sync under way (its plan for this
copy, written before the master is), so a sync cut short is finished or forgotten whole.

Frozen, like every released migration.
"""

from __future__ import annotations

VERSION = 9
DESCRIPTION = "offline copies: the master, the base of each record, postponed conflicts, the sync journal"

STATEMENTS: list[str] = [
    "CREATE TABLE replica (n INTEGER PRIMARY KEY CHECK (n = 1), master TEXT NOT NULL, "
    "master_case TEXT NOT NULL, taken_at TEXT NOT NULL, synced_at TEXT, since TEXT NOT NULL)",
    "CREATE TABLE replica_base (part TEXT NOT NULL, id TEXT NOT NULL, mine TEXT, theirs TEXT, "
    "base TEXT NOT NULL, PRIMARY KEY (part, id)) WITHOUT ROWID",
    "CREATE TABLE replica_pending (part TEXT NOT NULL, id TEXT NOT NULL, field TEXT NOT NULL, "
    "conflict TEXT NOT NULL, PRIMARY KEY (part, id, field)) WITHOUT ROWID",
    "CREATE TABLE replica_sync (token TEXT PRIMARY KEY, started TEXT NOT NULL, plan TEXT NOT NULL)",
]
