"""A second process for the sync kill tests: syncs an offline copy and kills itself at one point.

``python tests/sync_kill_worker.py COPY POINT`` runs ``prepare_sync`` and ``carry_out`` on COPY
(every conflict settled as the copy's) and sends itself SIGKILL at POINT. The two sides are
written side by side (``db.sync_writes.write_both``), the master's transaction committing first:

- ``backup``: once the backups of both sides are written;
- ``journal``: after the copy's journal is committed, the master's changes being written;
- ``written``: inside the copy's transaction, its changes written, before the master may commit;
- ``master``: inside both transactions, both sides' changes written, neither committed;
- ``committed``: after the master's transaction committed, the copy's written but not committed;
- ``copy``: inside the copy's transaction, its new base written too, the master's committed;
- ``never``: not at all (the sync completes).

Imports only the core (``db``), never Qt.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import db.replica as replica
import db.sync_writes as sync_writes
from db.merge import Side
from db.sqlite.casefile import CaseFile


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main(path: str, point: str) -> None:
    real_backups = replica._backups
    real_master = sync_writes._write_master
    real_journal = sync_writes._write_journal
    real_copy = sync_writes._write_copy
    real_settle = sync_writes.settle_base
    master_committed = threading.Event()

    def backups(*args, **kwargs):  # type: ignore[no-untyped-def]
        made = real_backups(*args, **kwargs)
        if point == "backup":
            die()
        return made

    def journal(*args, **kwargs):  # type: ignore[no-untyped-def]
        counter = real_journal(*args, **kwargs)
        if point == "journal":
            die()
        return counter

    def master(*args, before_commit, **kwargs):  # type: ignore[no-untyped-def]
        def commit_or_die(written):  # type: ignore[no-untyped-def]
            before_commit(written)  # waits until the copy's changes are written
            if point == "master":
                die()

        touched = real_master(*args, before_commit=commit_or_die, **kwargs)
        master_committed.set()
        if point == "committed":
            die()
        return touched

    def copy(*args, **kwargs):  # type: ignore[no-untyped-def]
        touched = real_copy(*args, **kwargs)
        if point == "written":
            die()
        return touched

    def settle(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_settle(*args, **kwargs)
        if point == "copy":
            master_committed.wait()  # the master commits while the copy settles its base
            die()

    replica._backups = backups  # type: ignore[assignment]
    sync_writes._write_master = master  # type: ignore[assignment]
    sync_writes._write_journal = journal  # type: ignore[assignment]
    sync_writes._write_copy = copy  # type: ignore[assignment]
    sync_writes.settle_base = settle  # type: ignore[assignment]
    with CaseFile.open(path) as copy:
        plan = replica.prepare_sync(copy)
        replica.carry_out(plan, {c.key: Side.OURS for c in plan.merge.conflicts})
        plan.close()
    print("synced")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
