"""A second process for the sync kill tests: syncs an offline copy and kills itself at one point.

``python tests/sync_kill_worker.py COPY POINT`` runs ``prepare_sync`` and ``carry_out`` on COPY
(every conflict settled as the copy's) and sends itself SIGKILL at POINT:

- ``backup``: while the backups of both sides are being written;
- ``journal``: after the copy's journal is committed, before the master is written;
- ``master``: inside the master's transaction, its changes written but not committed;
- ``committed``: after the master's transaction committed, before the copy is written;
- ``copy``: inside the copy's transaction, its changes written but not committed;
- ``never``: not at all (the sync completes).

Imports only the core (``db``), never Qt.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import db.replica as replica
from db.merge import Side
from db.sqlite.casefile import CaseFile


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main(path: str, point: str) -> None:
    writes = {"n": 0}
    real_write = replica.write_differences
    real_backups = replica._backups
    real_master = replica._write_master
    real_finish = replica._finish

    def write_then_maybe_die(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real_write(*args, **kwargs)
        writes["n"] += 1
        if (point, writes["n"]) in (("master", 1), ("copy", 2)):
            die()
        return result

    def backups(*args, **kwargs):  # type: ignore[no-untyped-def]
        made = real_backups(*args, **kwargs)
        if point == "backup":
            die()
        return made

    def master(*args, **kwargs):  # type: ignore[no-untyped-def]
        if point == "journal":
            die()
        return real_master(*args, **kwargs)

    def finish(*args, **kwargs):  # type: ignore[no-untyped-def]
        if point == "committed":
            die()
        return real_finish(*args, **kwargs)

    replica.write_differences = write_then_maybe_die  # type: ignore[assignment]
    replica._backups = backups  # type: ignore[assignment]
    replica._write_master = master  # type: ignore[assignment]
    replica._finish = finish  # type: ignore[assignment]
    with CaseFile.open(path) as copy:
        plan = replica.prepare_sync(copy)
        replica.carry_out(plan, {c.key: Side.OURS for c in plan.merge.conflicts})
        plan.close()
    print("synced")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
