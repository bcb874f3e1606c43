"""Another person's Casefile, in a process of its own, for tests/test_server_processes.py.

python tests/server_helper_client.py edit ADDRESS KIND ID FIELD VALUE
    opens the case as the app does, changes one field, prints "saved" once it has committed.
python tests/server_helper_client.py hold ADDRESS KIND ID FIELD VALUE
    changes the field inside a write transaction, prints "written" and its server process id, and waits there, never
    committing, until it is killed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db import records
from db.fields import KINDS, Kind
from db.postgres.case import ServerCase
from db.sqlite.casefile import now_stamp


def main(argv: list[str]) -> int:
    action, address, kind, record_id, field, value = argv
    with ServerCase.open(address) as case:
        if action == "edit":
            records.update_record(case, Kind(kind), record_id, {field: value})
            print("saved", flush=True)
            return 0
        with case.write() as conn:
            records.apply_changes(conn, KINDS[Kind(kind)], record_id, {field: value}, updated_at=now_stamp())
            backend = conn.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
            print(f"written {backend}", flush=True)
            sys.stdin.read()  # the test kills this process here, before the commit
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
