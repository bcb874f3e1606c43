"""9. Export while editing: the packet comes from one consistent snapshot and no writer ever waits out.

A writer thread commits edits in a loop, each one transaction adding the statement
"stress statement N" and the timeline entry "stress event N" linked to it, while the
briefing packet is exported several times. No write fails ("database is locked" or any
other error), and each PDF holds exactly the edits 0..K-1 of one moment: as many
statements as timeline entries, with the same numbers and no gaps.
"""

from __future__ import annotations

import re
import threading
import time

from reliability_helpers import env_int, pdftotext, record

from db.fields import Kind
from db.records import add_record, insert_record
from db.sqlite.casefile import CaseFile
from desktop.briefing.options import BriefingOptions
from desktop.briefing_export import export_snapshot

EXPORTS = env_int("CASEFILE_EXPORT_RUNS", 4)  # at least this many exports...
MIN_OVERLAP = 50  # ...and more until this many writes have landed while an export ran (at most MAX_EXPORTS)
MAX_EXPORTS = 40
STATEMENT = re.compile(r"stress\s+statement\s+(\d+)")
EVENT = re.compile(r"stress\s+event\s+(\d+)")


def test_exports_during_a_stream_of_edits_are_consistent_snapshots(tmp_path):
    path = tmp_path / "busy.casefile"
    with CaseFile.create(path, title="Busy case") as cf:
        actor = add_record(cf, Kind.ACTOR, {"name": "Stress Test Speaker", "kind": "person"})
    cf = CaseFile.open(path)
    done = [0]  # edits committed (counted after each commit returns)
    begun = [0]  # edits begun (counted before each transaction starts): done <= committed <= begun
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            begun[0] = n + 1
            try:
                with cf.write() as conn:
                    statement = insert_record(
                        conn, Kind.STATEMENT, {"text": f"stress statement {n}", "speaker": actor, "date": "2026-06-01"}
                    )
                    insert_record(
                        conn,
                        Kind.TIMELINE,
                        {"date": "2026-06-01", "title": f"stress event {n}", "statement": statement},
                    )
            except BaseException as exc:  # any failure is the test's finding
                errors.append(exc)
                return
            n += 1
            done[0] = n

    thread = threading.Thread(target=writer, name="stress-writer")
    thread.start()
    runs = []
    try:
        deadline = time.monotonic() + 60
        while done[0] < 5 and not errors and time.monotonic() < deadline:  # the writer is under way first
            time.sleep(0.01)
        i = 0
        while i < EXPORTS or (sum(r["edits_written_during_export"] for r in runs) < MIN_OVERLAP and i < MAX_EXPORTS):
            before = done[0]
            started = time.perf_counter()
            out = tmp_path / f"packet-{i}.pdf"
            result = export_snapshot(cf, out, BriefingOptions(deterministic=True))
            took = time.perf_counter() - started
            after = begun[0]
            text = pdftotext(out)
            statements = sorted(int(n) for n in set(STATEMENT.findall(text)))
            events = sorted(int(n) for n in set(EVENT.findall(text)))
            runs.append({"pdf_pages": result.pages, "edits_in_packet": len(statements), "edits_written_during_export":
                         after - before, "seconds": round(took, 2)})  # fmt: skip
            assert statements == events, f"export {i}: statements and timeline entries from different moments"
            assert statements == list(range(len(statements))), f"export {i}: a gap in the edits"
            assert before <= len(statements) <= after, f"export {i}: {len(statements)} not in {before}..{after}"
            out.unlink()
            i += 1
    finally:
        stop.set()
        thread.join(timeout=60)
        cf.close()
    assert errors == [], f"a write failed during an export: {errors[0]!r}"
    assert sum(run["edits_written_during_export"] for run in runs) > 0, "the writer made no edit during any export"
    record(
        9,
        "Exports of the briefing packet while another thread commits edits in a loop never make a write fail "
        "(no 'database is locked'), and each PDF shows one consistent moment: edits 0..K-1, each statement with "
        "its timeline entry.",
        exports=len(runs),
        writes_during_exports=sum(run["edits_written_during_export"] for run in runs),
        writes_total=done[0],
        write_errors=0,
        database_locked_errors=0,
        runs=runs,
    )
