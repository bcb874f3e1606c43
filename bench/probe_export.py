"""Export probe, in a fresh process: the briefing packet of the large case, app path or bare platypus.

- ``app``: ``desktop.briefing_export.export_snapshot`` on the case file opened read-only,
  with the options saved in the file (what File > Export Briefing and ``casefile export`` run):
  snapshot, export to a document, layout and PDF.
- ``bare``: ``bench.bare_packet.render`` on the same content read from the format-1 JSON
  (parsing the JSON is not timed).

Reports seconds, pages and the process's peak memory.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from .measure import emit


def _app(args: dict[str, Any]) -> dict[str, Any]:
    from db.sqlite.casefile import CaseFile
    from desktop.briefing_export import export_snapshot, load_options

    with CaseFile.open(args["path"], read_only=True) as cf:
        options = load_options(cf)
        start = time.perf_counter()
        result = export_snapshot(cf, Path(args["out"]), options)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "pages": result.pages}


def _bare(args: dict[str, Any]) -> dict[str, Any]:
    from .bare_packet import render

    doc = json.loads(Path(args["json"]).read_bytes())
    start = time.perf_counter()
    pages = render(doc, Path(args["out"]))
    return {"seconds": time.perf_counter() - start, "pages": pages}


def main() -> int:
    """Render once and print seconds, pages and peak memory."""
    args = json.loads(sys.argv[1])
    try:
        result = _app(args) if args["mode"] == "app" else _bare(args)
        from .measure import memory_mb

        result["memory"] = memory_mb()
        Path(args["out"]).unlink(missing_ok=True)
    except Exception as exc:  # reported to the parent as the row's error
        result = {"error": f"{type(exc).__name__}: {exc}"}
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
