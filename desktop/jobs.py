"""Long jobs that run in a separate process, and the one loop that runs them.

Python threads share one interpreter lock, and a job that spends a second inside C code
(parsing 100 MB of JSON, building a PDF's pages) would stall the window that long. A child
process has its own interpreter, so the window stays responsive, and the memory a big
export needs is handed back to the system when it ends. Each job opens the files it needs
itself (a case file by path, read-only; SQLite keeps what it reads consistent while the app
goes on editing) and reports progress through a callback that also tells it to stop.

The functions at the end are the jobs. ``run_child`` runs one in a child process and watches
it: the app's job service (``desktop.tasks.ProcessJob``) calls it on a worker thread, the
self-test through ``run_in_child``. Nothing here imports Qt (the self-test runs without it).
"""

from __future__ import annotations

import queue as queues
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

Progress = Callable[[int, int], bool]

# How long a cancelled child process gets to stop by itself before it is terminated.
CANCEL_GRACE_S = 5.0


class JobCancelled(Exception):
    """Raised inside a job when it was told to stop."""


# ----- running a job in a child process ---------------------------------------------------


def run_child(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    *,
    cancelled: Callable[[], bool],
    on_progress: Callable[[int, int], None] | None = None,
    grace: float = CANCEL_GRACE_S,
) -> Any:
    """Run ``fn(*args, progress)`` in a child process and return its result.

    ``fn`` must be a top-level function; its arguments and result must pickle. Progress comes
    back about ten times a second through ``on_progress``. Once ``cancelled()`` is true the
    child's progress callback returns False, so it can stop cleanly (the packet writer removes
    its partial file); a child that does not stop within ``grace`` seconds is terminated.
    Raises JobCancelled when it stopped because it was cancelled, the child's own error
    otherwise (see ``rebuild_error``), CaseFileError if the child died.
    """
    import multiprocessing as mp

    from db.errors import CaseFileError

    ctx = mp.get_context("spawn")  # never fork a process that runs Qt threads
    channel = ctx.Queue()
    stop = ctx.Event()
    child = ctx.Process(target=child_main, args=(fn, args, channel, stop), daemon=True)
    child.start()
    stop_asked_at: float | None = None
    try:
        while True:
            if stop_asked_at is None and cancelled():
                stop.set()
                stop_asked_at = time.monotonic()
            if stop_asked_at is not None and time.monotonic() - stop_asked_at > grace:
                child.terminate()  # it did not stop when asked (stuck in a write, or still reporting)
                raise JobCancelled("Cancelled.") from None
            try:
                message = channel.get(timeout=0.05)
            except queues.Empty:
                if child.is_alive():
                    continue
                try:
                    message = channel.get(timeout=0.5)  # anything sent just before it ended
                except queues.Empty:
                    raise CaseFileError(
                        f"The background job stopped unexpectedly (exit code {child.exitcode})."
                    ) from None
            if message[0] == "progress":
                if on_progress is not None:
                    on_progress(message[1], message[2])
            elif message[0] == "done":
                return message[1]
            else:
                raise rebuild_error(message[1], cancelled=stop.is_set())
    finally:
        child.join(5)
        if child.is_alive():
            child.terminate()
            child.join(5)
        channel.close()


def run_in_child(fn: Callable[..., Any], *args: Any, timeout: float = 600.0) -> Any:
    """Run a job in a child process and wait for its result (no Qt needed: the self-test uses it).

    Raises RuntimeError with the child's message if the job failed, the child died or it did
    not finish within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    try:
        return run_child(fn, args, cancelled=lambda: time.monotonic() > deadline)
    except JobCancelled:
        raise RuntimeError(f"the child process did not finish within {timeout:.0f} s") from None
    except RuntimeError:
        raise
    except Exception as exc:
        raise RuntimeError(f"{type(exc).__name__}: {exc}") from None


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
        "cancelled": cancelled or type(exc).__name__ in ("JobCancelled", "ExportCancelled"),
        "traceback": traceback.format_exc(),
    }


def rebuild_error(info: dict[str, Any], *, cancelled: bool) -> BaseException:
    """The child's exception, as one the app already knows how to show."""
    from db import errors

    if info["cancelled"] or cancelled:
        return JobCancelled(info["message"])
    if info["errors"] is not None:
        return errors.InterchangeError(info["errors"])
    if info["case_file_error"]:
        cls = getattr(errors, info["type"], None)
        simple = (
            errors.CaseFileError,
            errors.RefusedFileError,
            errors.NewerVersionError,
            errors.WriteError,
            errors.RecordError,
        )
        exc: BaseException = cls(info["message"]) if cls in simple else errors.CaseFileError(info["message"])
    else:
        exc = RuntimeError(f"{info['type']}: {info['message']}")
    exc.child_traceback = info["traceback"]  # type: ignore[attr-defined]
    return exc


# ----- the jobs ---------------------------------------------------------------------------


def _started(progress: Progress) -> None:
    """Report the start; stop at once if the job was cancelled before it began."""
    if not progress(0, 1):
        raise JobCancelled("Cancelled.")


def import_json(source: Path, target: Path, overwrite: bool, progress: Progress) -> Any:
    """Read a Casefile JSON file into a new case file (all or nothing)."""
    from db.interchange import import_document, load_json

    _started(progress)
    doc = load_json(source)

    def report(done: int, total: int) -> None:
        if not progress(done, total):
            raise JobCancelled("Cancelled.")

    return import_document(doc, target, overwrite=overwrite, progress=report)


def export_json(case_path: Path, out: Path, progress: Progress) -> Path:
    """Write the case as Casefile JSON."""
    from db.interchange import export_json as write_json
    from db.sqlite.casefile import CaseFile

    _started(progress)
    with CaseFile.open(case_path, read_only=True) as cf:
        return write_json(cf, out, overwrite=True)


def export_csv(case_path: Path, folder: Path, progress: Progress) -> list[Path]:
    """Write one CSV file per record type into ``folder``."""
    from db.csv_export import export_csv as write_csv
    from db.sqlite.casefile import CaseFile

    _started(progress)
    with CaseFile.open(case_path, read_only=True) as cf:
        return write_csv(cf, folder, overwrite=True)


def export_briefing(case_path: Path, out: Path, options: dict[str, Any], progress: Progress) -> Any:
    """Write the briefing packet from a snapshot of the case file; the result carries the edition
    for the app to keep (``editions_export.ExportedPacket``), as a job never writes the open file."""
    from db.sqlite.casefile import CaseFile

    from .briefing.options import BriefingOptions
    from .briefing_export import export_snapshot

    _started(progress)
    with CaseFile.open(case_path, read_only=True) as cf:
        return export_snapshot(cf, out, BriefingOptions.from_dict(options), progress=progress)


def export_edition(case_path: Path, number: int, out: Path, progress: Progress) -> Any:
    """Write a kept edition of the case file again, from what was stored."""
    from db.sqlite.casefile import CaseFile

    from .editions_export import rewrite_edition

    _started(progress)
    with CaseFile.open(case_path, read_only=True) as cf:
        return rewrite_edition(cf, number, out, progress=progress)
