"""One of the concurrent writers of the team-case row: edits titles for a while, as the app does.

Each edit reads the record's version, then its title, then writes a new title on condition
that the version is unchanged (``update_record(..., expected_version=...)``, what the app's
editor does). A refused write (``ConflictError``) is counted, not retried: the app shows it to
the user. Every write that succeeded is reported with the title it replaced, so the parent can
check the server's history for each one: none lost, none overwriting a title it had not seen.
"""

from __future__ import annotations

import json
import random
import sys
import time
from typing import Any

from .measure import emit


def main() -> int:
    """Write for ``seconds`` on the records named in the JSON argument; print what happened."""
    args = json.loads(sys.argv[1])
    from db import records
    from db.errors import CaseFileError, ConflictError
    from db.fields import Kind
    from db.postgres.case import ServerCase
    from db.versions import record_version

    rng = random.Random(args["seed"])
    ids: list[str] = args["ids"]
    written: list[tuple[str, str, str]] = []
    conflicts = 0
    errors: list[str] = []
    result: dict[str, Any]
    try:
        with ServerCase.open(args["address"]) as case:
            deadline = time.monotonic() + args["seconds"]
            n = 0
            while time.monotonic() < deadline:
                record_id = rng.choice(ids)
                version = record_version(case, Kind.TIMELINE, record_id)
                seen = records.get_record(case, Kind.TIMELINE, record_id)["title"]
                n += 1
                title = f"writer {args['writer']} edit {n}"
                try:
                    records.update_record(case, Kind.TIMELINE, record_id, {"title": title}, expected_version=version)
                except ConflictError:
                    conflicts += 1
                    continue
                except CaseFileError as exc:
                    errors.append(str(exc))
                    continue
                written.append((record_id, seen, title))
        result = {"written": written, "conflicts": conflicts, "errors": errors[:5], "error_count": len(errors)}
    except Exception as exc:  # reported to the parent as the row's error
        result = {"error": f"{type(exc).__name__}: {exc}"}
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
