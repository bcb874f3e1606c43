"""``casefile merge BASE OURS THEIRS -o OUT [--prefer ours|theirs]``: a three-way merge of case
files or Casefile JSON documents (see docs/merge.md), also usable as a git merge driver.

Exit 0 when the merge is clean (or ``--prefer`` settled it) and OUT is written; 3 when conflicts
remain, listing each and writing nothing; 2 for a usage or input error, in one line.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db.merge import Merge, Side, State

from .merge_listing import conflict_block

EXIT_CLEAN = 0
EXIT_INPUT = 2
EXIT_CONFLICTS = 3

_SQLITE_HEADER = b"SQLite format 3\x00"
_ROLES = ("base", "ours", "theirs")


class _InputError(Exception):
    """A problem with an input or the output, told in one line."""


@dataclass
class _Input:
    role: str
    path: Path
    doc: dict[str, Any]
    is_case_file: bool


def add_parser(sub: Any) -> None:
    """The ``merge`` subcommand."""
    p = sub.add_parser(
        "merge",
        help="three-way merge of case files or Casefile JSON (also a git merge driver)",
        description="Merge the changes OURS and THEIRS each made to BASE, record by record and field by "
        "field. Each input is a case file or a Casefile JSON document.",
    )
    p.add_argument("base", help="the common ancestor")
    p.add_argument("ours", help='one side ("ours")')
    p.add_argument("theirs", help='the other side ("theirs")')
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="file to write: .json for Casefile JSON, else a case file; may be OURS itself, as git asks",
    )
    p.add_argument(
        "--prefer",
        choices=("ours", "theirs"),
        help="settle every conflict with the value of OURS (the second file) or THEIRS (the third)",
    )
    p.set_defaults(func=cmd_merge)


def cmd_merge(args: argparse.Namespace) -> int:
    """Run the merge; see the module docstring for the exit codes. Three large documents make
    millions of objects, which the cyclic garbage collector would walk again and again: it waits
    until the merge is done (``db.gc_pause``)."""
    from db.gc_pause import gc_paused

    try:
        with gc_paused():
            return _merge(args)
    except _InputError as exc:
        print(f"casefile: {exc}", file=sys.stderr)
        return EXIT_INPUT


def _merge(args: argparse.Namespace) -> int:
    from db.merge import document_state, merge

    inputs = [read_input(path, role) for path, role in zip((args.base, args.ours, args.theirs), _ROLES, strict=True)]
    _base, ours, theirs = inputs
    out = Path(args.output)
    replaces_ours = _same_file(out, ours.path)
    if out.exists() and not replaces_ours:
        raise _InputError(f"{out} already exists; -o names a new file, or OURS to replace it (as git does).")
    result = merge(*(document_state(i.doc) for i in inputs))
    print(summary_line(result))
    if result.conflicts and args.prefer is None:
        print()
        print(
            "\n\n".join(conflict_block(c, result, i + 1, len(result.conflicts)) for i, c in enumerate(result.conflicts))
        )
        print()
        print(
            f"Nothing was written. Decide the conflicts in {ours.path.name} or {theirs.path.name}, or merge again "
            "with --prefer ours or --prefer theirs."
        )
        return EXIT_CONFLICTS
    side = Side(args.prefer or Side.OURS)
    merged = result.resolve({c.key: side for c in result.conflicts}).state(side)
    if result.conflicts:
        kept = ours if side is Side.OURS else theirs
        n = len(result.conflicts)
        print(f"Settled {_count(n, 'conflict')} with the values of {side.value} ({kept.path.name}).")
    as_json = ours.is_case_file is False if replaces_ours else out.suffix.lower() == ".json"
    _write(merged, ours.doc, theirs.doc, out, as_json=as_json, overwrite=replaces_ours)
    print(f"Wrote {out}.")
    return EXIT_CLEAN


# ----- reading ------------------------------------------------------------------------------


def read_input(location: str, role: str) -> _Input:
    """A case file or a checked Casefile JSON document, as a document; _InputError if neither."""
    from db.errors import CaseFileError, InterchangeError

    path = Path(location)
    where = f"{location} ({role})"
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        raise _InputError(f"{where}: there is no such file.") from None
    except IsADirectoryError:
        raise _InputError(f"{where}: is a folder, not a case file or JSON document.") from None
    except OSError as exc:
        raise _InputError(f"{where}: could not be read: {exc.strerror or exc}.") from None
    try:
        if head == _SQLITE_HEADER:
            return _Input(role, path, _case_file_document(path), True)
        from db.document_check import check_document
        from db.interchange import load_json

        doc = load_json(path)
        check_document(doc)  # exactly as import checks it: only a document import takes is merged
        return _Input(role, path, doc, False)
    except InterchangeError as exc:
        raise _InputError(f"{where}: {_first_problem(exc.errors)}") from None
    except CaseFileError as exc:
        raise _InputError(f"{where}: {' '.join(str(exc).split())}") from None


def _case_file_document(path: Path) -> dict[str, Any]:
    from db.interchange import export_document
    from db.sqlite.casefile import CaseFile

    with CaseFile.open(path, read_only=True) as cf:
        return export_document(cf)


def _first_problem(errors: list[str]) -> str:
    more = len(errors) - 1
    return errors[0] + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and os.path.samefile(a, b)
    except OSError:
        return False


# ----- writing ------------------------------------------------------------------------------


def _write(
    merged: State, like: dict[str, Any], other: dict[str, Any], out: Path, *, as_json: bool, overwrite: bool
) -> None:
    """Write the merged case to ``out`` in one step: a reader sees the old file or the whole new one."""
    from db.document_check import check_document
    from db.errors import CaseFileError, InterchangeError
    from db.interchange import dumps, import_document, write_text_atomic
    from db.merge import state_document

    doc = state_document(merged, like, other)
    try:
        if as_json:
            check_document(doc)
            write_text_atomic(out, dumps(doc), overwrite=overwrite)
        else:
            import_document(doc, out, overwrite=overwrite)
    except InterchangeError as exc:
        raise _InputError(f"the merged case is not a valid document: {_first_problem(exc.errors)}") from None
    except CaseFileError as exc:
        raise _InputError(f"{out}: {' '.join(str(exc).split())}") from None


# ----- telling -----------------------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summary_line(result: Merge) -> str:
    """One line: how many changes came from each side, and how many conflicts."""
    ours, theirs = len(result.changes_by(Side.OURS)), len(result.changes_by(Side.THEIRS))
    return f"{_count(ours, 'change')} from ours, {theirs} from theirs, {_count(len(result.conflicts), 'conflict')}."
