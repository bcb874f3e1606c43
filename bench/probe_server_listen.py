"""The other client of the live-update row: follows a team case and reports each change it sees.

It listens as the app does (``db.postgres.listen.Listener``, woken by its socket), and for each
announced timeline change reads the changed row again as an open list would. Each line it prints
is JSON: ``{"id": ..., "title": ..., "seen": time.time()}``; it prints ``READY`` once listening
and ends when its stdin closes.
"""

from __future__ import annotations

import json
import select
import sys
import time


def main() -> int:
    """Listen on the case named by argv[1] until stdin closes."""
    from db import queries
    from db.address import parse_server_address
    from db.fields import Kind
    from db.postgres.case import ServerCase
    from db.postgres.listen import Listener

    where = parse_server_address(sys.argv[1])
    listener = Listener(where)
    listener.connect()
    with ServerCase.open(where, read_only=True) as case:
        title_at = [c.name for c in queries.LIST_COLUMNS[Kind.TIMELINE]].index("title") + 1
        print("READY", flush=True)
        while True:
            ready, _, _ = select.select([listener.fileno(), sys.stdin], [], [], 60)
            if sys.stdin in ready and not sys.stdin.readline():
                break
            for change in listener.drain():
                if change.kind != Kind.TIMELINE.value:
                    continue
                for record_id in change.ids:
                    rowid = queries.rowid_of(case, Kind.TIMELINE, record_id)
                    row = queries.fetch_rows(case, Kind.TIMELINE, [rowid]) if rowid is not None else {}
                    title = row[rowid][title_at] if rowid in row else None
                    print(json.dumps({"id": record_id, "title": title, "seen": time.time()}), flush=True)
    listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
