"""Long jobs that run in a separate process: importing, exporting JSON and CSV, the packet.

Python threads share one interpreter lock, and a job that spends a second inside C code
(parsing 100 MB of JSON, building a PDF's pages) would stall the window that long. A child
process has its own interpreter, so the window stays responsive, and the memory a big
export needs is handed back to the system when it ends. Each job opens the files it needs
itself (a case file by path, read-only; SQLite keeps what it reads consistent while the app
goes on editing) and reports progress through a callback that also tells it to stop.

The functions here are the jobs; ``desktop.tasks.ProcessTask`` runs them.
"""

from __future__ import annotations

import queue as queues
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

Progress = Callable[[int, int], bool]


# ----- running a job in a child process ---------------------------------------------------


def child_main(fn: Callable[..., Any], args: tuple[Any, ...], channel: Any, stop: Any) -> None:
    """Runs in the child process: call ``fn(*args, progress)``; send progress, then the result or
    the error, back through ``channel``. ``stop`` set by the parent makes progress return False."""
    last = [0.0]

    def progress(done: int, total: int) -> bool:
        now = time.monotonic()
        if now - last[0] >= 0.1 or done >= total:  # about ten reports a second, whatever the job
            last[0] = now
            channel.put(("progress", int(done), int(total)))
        return not stop.is_set()

    try:
        result = fn(*args, progress)
    except BaseException as exc:
        channel.put(("error", describe_error(exc, cancelled=stop.is_set())))
    else:
        channel.put(("done", result))
    channel.close()
    channel.join_thread()


def describe_error(exc: BaseException, *, cancelled: bool) -> dict[str, Any]:
    """An exception as plain data the parent process can rebuild."""
    from db.errors import CaseFileError, InterchangeError

    return {
        "type": type(exc).__name__,
        "message": str(exc),
        "case_file_error": isinstance(exc, CaseFileError),
        "errors": list(exc.errors) if isinstance(exc, InterchangeError) else None,
        "cancelled": cancelled or type(exc).__name__ in ("TaskCancelled", "ExportCancelled"),
        "traceback": traceback.format_exc(),
    }


def run_in_child(fn: Callable[..., Any], *args: Any, timeout: float = 600.0) -> Any:
    """Run a job in a child process and wait for its result (no Qt needed: the self-test uses it).

    Raises RuntimeError with the child's message if the job failed or the child died.
    """
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    channel = ctx.Queue()
    stop = ctx.Event()
    child = ctx.Process(target=child_main, args=(fn, args, channel, stop), daemon=True)
    child.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                message = channel.get(timeout=0.2)
            except queues.Empty:
                if not child.is_alive() and channel.empty():
                    raise RuntimeError(
                        f"the child process ended without a result (exit code {child.exitcode})"
                    ) from None
                continue
            if message[0] == "done":
                return message[1]
            if message[0] == "error":
                raise RuntimeError(f"{message[1]['type']}: {message[1]['message']}")
        raise RuntimeError(f"the child process did not finish within {timeout:.0f} s")
    finally:
        child.join(5)
        if child.is_alive():
            child.terminate()
        channel.close()


def import_json(source: Path, target: Path, overwrite: bool, progress: Progress) -> Any:
    """Read a format-1 JSON file into a new case file (all or nothing)."""
    from db.interchange import import_document, load_json

    from .tasks import TaskCancelled

    if not progress(0, 1):
        raise TaskCancelled
    doc = load_json(source)

    def report(done: int, total: int) -> None:
        if not progress(done, total):
            raise TaskCancelled

    return import_document(doc, target, overwrite=overwrite, progress=report)


def export_json(case_path: Path, out: Path, progress: Progress) -> Path:
    """Write the case as format-1 JSON."""
    from db.casefile import CaseFile
    from db.interchange import export_json as write_json

    progress(0, 1)
    with CaseFile.open(case_path, read_only=True) as cf:
        return write_json(cf, out, overwrite=True)


def export_csv(case_path: Path, folder: Path, progress: Progress) -> list[Path]:
    """Write one CSV file per record type into ``folder``."""
    from db.casefile import CaseFile
    from db.csv_export import export_csv as write_csv

    progress(0, 1)
    with CaseFile.open(case_path, read_only=True) as cf:
        return write_csv(cf, folder, overwrite=True)


def export_briefing(case_path: Path, out: Path, options: dict[str, Any], progress: Progress) -> Any:
    """Write the briefing packet from a snapshot of the case file."""
    from db.casefile import CaseFile

    from .briefing.options import BriefingOptions
    from .briefing_export import export_snapshot

    progress(0, 1)
    with CaseFile.open(case_path, read_only=True) as cf:
        return export_snapshot(cf, out, BriefingOptions.from_dict(options), progress=progress)
