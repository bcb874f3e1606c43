"""``casefile export``: the briefing packet from the command line, as a PDF or a Word document.

Both formats take the same options (the case's stored Briefing Options, then the flags), the
same checks of the output path and the same warnings on stderr; only the writer differs. A
case on a server is copied to a private case file first, so the renderers read what they
always read.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from db import records
from db.address import is_server_address, parse_server_address
from db.errors import CaseFileError
from db.sqlite.casefile import CaseFile

from .briefing.options import BriefingOptions
from .briefing.staleness import stale_as_of
from .briefing_export import UNMARKED, load_options, marking_in_force, output_for


@dataclass
class Written:
    """What an export wrote: the line to print and the warnings of the writer."""

    summary: str
    warnings: list[str]
    after: Callable[[], None] | None = None  # run once the case is closed (keeping an edition)


# A writer: (the arguments, the open case, the output path, the options) -> Written.
Writer = Callable[[argparse.Namespace, CaseFile, Path, BriefingOptions], Written]


def options_from_args(cf: CaseFile, args: argparse.Namespace) -> BriefingOptions:
    """The case's stored options with the command line's flags over them; CaseFileError if invalid."""
    from db.dates import PartialDate

    options = load_options(cf)
    if args.paper:
        options.paper = args.paper
    for name in ("date_from", "date_to"):
        text = getattr(args, name, None)
        if text:
            try:
                setattr(options, name, PartialDate.parse(text).iso)
            except ValueError as exc:
                raise CaseFileError(str(exc)) from None
    options.key_only = options.key_only or bool(args.key_only)
    options.deterministic = options.deterministic or bool(args.deterministic)
    options.changes_since = getattr(args, "changes_since", options.changes_since)
    try:
        options.validate()
    except ValueError as exc:
        raise CaseFileError(str(exc)) from None
    return options


def checked_output(out: Path, *, force: bool) -> Path:
    """``out`` if the export may write there; CaseFileError saying why not."""
    if out.is_dir():
        raise CaseFileError(f"{out} is a folder.")
    if out.exists() and not force:
        raise CaseFileError(f"{out} already exists (use --force to replace it).")
    return out


def export(args: argparse.Namespace, write: Writer, suffix: str) -> int:
    """Write the packet of ``args.path`` (a case file or a server address) with ``write``."""
    if is_server_address(args.path):
        return _export_server_case(args, write, suffix)
    with CaseFile.open(args.path, read_only=True) as cf:
        options = options_from_args(cf, args)
        case = records.get_case(cf)
        default = _named(output_for(case, cf.path), suffix)
        out = checked_output(Path(args.output) if args.output else default, force=args.force)
        warnings = [] if marking_in_force(case, options) else [UNMARKED]
        stale = stale_as_of(case)
        if stale:
            warnings.append(stale)
        written = write(args, cf, out, options)
    for warning in [*warnings, *written.warnings]:
        print(f"warning: {warning}", file=sys.stderr)
    print(written.summary)
    if written.after is not None:
        written.after()
    return 0


def _export_server_case(args: argparse.Namespace, write: Writer, suffix: str) -> int:
    """The packet from a private copy of the server case as it is now (the server is only read;
    the packet is not kept as one of its editions)."""
    from db.postgres.case import ServerCase
    from db.postgres.publish import copy_to_file

    where = parse_server_address(args.path)
    with tempfile.TemporaryDirectory(prefix="casefile-export-") as folder:
        copy = Path(folder) / f"{where.case}.casefile"
        with ServerCase.open(where, read_only=True) as case:
            copy_to_file(case, copy)
            if not args.output:
                # Beside where the command runs: a server case has no folder of its own.
                args.output = str(_named(output_for(records.get_case(case), None), suffix))
        local = argparse.Namespace(**{**vars(args), "path": str(copy), "keep_edition": False})
        return export(local, write, suffix)


def _named(packet: Path, suffix: str) -> Path:
    return packet.with_name(packet.stem + suffix)
