"""A second process for the reliability tests: edits a case file until it is killed, or holds it open.

``python tests/crash_worker.py PATH`` opens PATH for editing (``CaseFile.open``, which takes
the edit lock) and then loops forever. Each loop is ONE write transaction that adds the
statement "crash edit N" and the timeline entry "crash edit N" linked to it (and to the
actor named "Crash Test Actor", if the file has one), so a single edit touches the
statement, timeline, link and full-text tables. Only after the commit returns does it print
N and flush, so every number printed is an edit the process was told is saved. Numbering
continues after the highest edit already in the file, so one file can survive many kills.

``python tests/crash_worker.py --hold PATH`` opens PATH for editing, prints "holding PID",
and waits until its standard input closes (then closes the file): a second copy of the app
that has the file open.

Imports only the core (``db``), never Qt, so it starts in a fraction of a second.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db.fields import Kind
from db.records import insert_record
from db.sqlite.casefile import CaseFile

PREFIX = "crash edit "
ACTOR = "Crash Test Actor"
DATE = "2026-06-01"


def next_number(cf: CaseFile) -> int:
    """One past the highest edit number already in the file (0 for none)."""
    with cf.read() as conn:
        texts = conn.exec_driver_sql("SELECT text FROM statement WHERE text LIKE 'crash edit %'").scalars().all()
    return max((int(text[len(PREFIX) :]) for text in texts), default=-1) + 1


def edit_forever(path: str) -> None:
    """Make numbered edits, one transaction each, reporting each after its commit."""
    cf = CaseFile.open(path)
    with cf.read() as conn:
        actor = conn.exec_driver_sql("SELECT id FROM actor WHERE name = ?", (ACTOR,)).scalar()
    n = next_number(cf)
    out = sys.stdout
    while True:
        with cf.write() as conn:
            statement = insert_record(conn, Kind.STATEMENT, {"text": f"{PREFIX}{n}", "date": DATE})
            insert_record(
                conn,
                Kind.TIMELINE,
                {"date": DATE, "title": f"{PREFIX}{n}", "statement": statement, "actors": [actor] if actor else []},
            )
        out.write(f"{n}\n")
        out.flush()
        n += 1


def hold(path: str) -> None:
    """Keep the file open for editing until standard input closes."""
    cf = CaseFile.open(path)
    print(f"holding {os.getpid()}", flush=True)
    sys.stdin.read()
    cf.close()


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--hold":
        hold(argv[2])
    elif len(argv) == 2:
        edit_forever(argv[1])
    else:
        print("usage: crash_worker.py [--hold] PATH", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
