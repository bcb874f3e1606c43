"""Interaction probe, in a fresh process: sort, filter as you type, and edit on the Timeline page.

The app is started on the large case as ``casefile PATH`` starts it and the Timeline page is
shown; then, on the GUI thread as a user's input would run:

- ``sort``: the table is sorted by a column as a header click does (``sortByColumn``, which
  calls the model's ``sort``), alternating ascending and descending;
- ``filter``: words are typed letter by letter; each keystroke is the page's
  ``apply_filter`` (what the filter box's debounce timer calls) with the box holding the
  text typed so far;
- ``edit``: one field of the selected record is changed through ``CaseSession.edit_record``
  (write, undo entry, signals), alternating between a new and the original value;
  then a few of those edits are undone.

Then, for a breakdown, the same queries and writes run straight through ``db/`` without Qt.

Each sample runs the action and then the event loop until the table has repainted.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from .measure import clock, emit


def _sorts(page: Any, spy: Any, columns: list[str], samples: int) -> dict[str, Any]:
    from PySide6.QtCore import Qt

    from .qtkit import settle

    out: dict[str, Any] = {}
    for name in columns:
        column = page.model.column_of(name)
        times: list[float] = []
        for i in range(samples):
            order = Qt.SortOrder.AscendingOrder if i % 2 == 0 else Qt.SortOrder.DescendingOrder
            start = clock()
            page.table.sortByColumn(column, order)
            settle(spy)
            times.append(clock() - start)
        out[name] = times
    page.table.sortByColumn(page.model.column_of("date"), Qt.SortOrder.AscendingOrder)
    settle(spy)
    return out


def _typing(page: Any, spy: Any, words: list[str], rounds: int) -> dict[str, Any]:
    from .qtkit import settle

    def set_text(text: str) -> None:
        page.filter_edit.blockSignals(True)  # no debounce timer: the keystroke's requery is timed directly
        page.filter_edit.setText(text)
        page.filter_edit.blockSignals(False)

    out: dict[str, Any] = {"keystrokes": {}, "matches": {}, "clear": []}
    for word in words:
        times: list[float] = []
        for _ in range(rounds):
            for end in range(1, len(word) + 1):
                set_text(word[:end])
                start = clock()
                page.apply_filter()
                settle(spy)
                times.append(clock() - start)
            out["matches"][word] = page.model.rowCount()
            set_text("")
            start = clock()
            page.apply_filter()
            settle(spy)
            out["clear"].append(clock() - start)
        out["keystrokes"][word] = times
    return out


def _edits(window: Any, page: Any, spy: Any, samples: int) -> dict[str, Any]:
    from db import records
    from db.fields import Kind

    from .qtkit import settle

    session = window.session
    page.table.selectRow(min(10, page.model.rowCount() - 1))
    settle(spy)
    record_id = page.current_id()
    if record_id is None:
        raise RuntimeError("no record selected to edit")
    original = records.get_record(session.cf, Kind.TIMELINE, record_id)
    out: dict[str, Any] = {}
    steps_before = session.undo_stack.count()
    for field in ("title", "description"):
        times: list[float] = []
        for i in range(samples):
            value = f"{original[field]} (edited {i})" if i % 2 == 0 else original[field]
            start = clock()
            ok = session.edit_record(Kind.TIMELINE, record_id, {field: value})
            settle(spy)
            times.append(clock() - start)
            if not ok:
                raise RuntimeError(f"edit_record changed nothing for the {field} edit")
        out[field] = times
    out["undo_steps_added"] = session.undo_stack.count() - steps_before
    undo: list[float] = []
    for _ in range(min(samples, 10)):
        start = clock()
        session.undo_stack.undo()
        settle(spy)
        undo.append(clock() - start)
    out["undo"] = undo
    out["write_only"] = _write_only(session.cf, record_id, original, min(samples, 10))
    return out


def _db_only(cf: Any, tasks: list[str], columns: list[str], words: list[str], samples: int) -> dict[str, Any]:
    """The sorts and keystrokes again straight through ``db.queries.list_rowids`` (no Qt): the SQL's share.

    A breakdown only: if the query API has changed shape, the error is reported in its place.
    """
    from db import queries
    from db.fields import Kind

    def rowids(**query: Any) -> float:
        start = clock()
        queries.list_rowids(cf, queries.ListQuery(Kind.TIMELINE, **query))
        return clock() - start

    out: dict[str, Any] = {}
    try:
        if "sort" in tasks:
            out["sort"] = {c: [rowids(sort=c, descending=i % 2 == 1) for i in range(samples)] for c in columns}
        if "filter" in tasks:
            out["filter"] = [rowids(text=w[:end]) for w in words for end in range(1, len(w) + 1)]
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


def _write_only(cf: Any, record_id: str, original: dict[str, Any], samples: int) -> dict[str, Any]:
    """The edits' write alone (``db.records.update_record``: no undo entry, no signals, no view)."""
    from db import records
    from db.fields import Kind

    out: dict[str, Any] = {}
    try:
        for field in ("title", "description"):
            times = []
            for i in range(samples):
                value = f"{original[field]} (written {i})" if i % 2 == 0 else original[field]
                start = clock()
                records.update_record(cf, Kind.TIMELINE, record_id, {field: value})
                times.append(clock() - start)
            out[field] = times
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


def main() -> int:
    """Open the case, show the Timeline, run the requested interactions, print the samples."""
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
        result["rows"] = page.model.rowCount()
        if "sort" in args["tasks"]:
            result["sort"] = _sorts(page, spy, args["sort_columns"], args["samples"])
        if "filter" in args["tasks"]:
            result["filter"] = _typing(page, spy, args["words"], args["rounds"])
        if "edit" in args["tasks"]:
            result["edit"] = _edits(window, page, spy, args["edit_samples"])
        result["db_only"] = _db_only(
            window.session.cf, args["tasks"], args["sort_columns"], args["words"], args["samples"]
        )
        window.close()
    except Exception as exc:  # reported to the parent as the rows' error
        result = {"error": f"{type(exc).__name__}: {exc}"}
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
