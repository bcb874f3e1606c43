"""Bulk-edit probe, in a fresh process: tag 1,000 selected timeline entries, then undo it.

The app is started on the large case and the Timeline page shown; the first 1,000 rows are
selected as a Shift+click selects them, and each sample is what Edit > Add Tag does once its
dialog is answered (the selection's ids read, the one-transaction write, the undo entry, the
views told), run until the table has repainted. Undo is timed the same way.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from .measure import clock, emit

SELECTED = 1000


def _bulk_tags(window: Any, page: Any, spy: Any, samples: int) -> dict[str, Any]:
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    from db.fields import Kind
    from desktop.bulk_actions import _selected_ids
    from desktop.bulk_edits import BulkEdits

    from .qtkit import settle

    count = min(SELECTED, page.model.rowCount())
    last = page.model.columnCount() - 1
    selection = QItemSelection(page.model.index(0, 0), page.model.index(count - 1, last))
    page.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    settle(spy)
    edits = BulkEdits(window.session)
    tag_times: list[float] = []
    undo_times: list[float] = []
    for i in range(samples):
        start = clock()
        changed = edits.add_tag(Kind.TIMELINE, _selected_ids(page), f"bench-bulk-{i}")
        settle(spy)
        tag_times.append(clock() - start)
        if changed != count:
            raise RuntimeError(f"the bulk tag changed {changed} records, not {count}")
        start = clock()
        window.session.undo_stack.undo()
        settle(spy)
        undo_times.append(clock() - start)
    return {"selected": count, "tag": tag_times, "undo": undo_times}


def main() -> int:
    """Open the case, show the Timeline, tag and untag the selection, print the samples."""
    args = json.loads(sys.argv[1])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    result: dict[str, Any] = {}
    try:
        from .qtkit import install_failfast, open_window, show_timeline

        install_failfast()
        started = time.monotonic()
        window = open_window(args["path"], args.get("timeout", 300))
        page, spy = show_timeline(window, args.get("timeout", 300))
        result["ready_s"] = time.monotonic() - started
        result["bulk"] = _bulk_tags(window, page, spy, args["samples"])
        window.close()
    except Exception as exc:  # reported to the parent as the row's error
        result = {"error": f"{type(exc).__name__}: {exc}"}
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
