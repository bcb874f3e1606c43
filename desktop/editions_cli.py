"""``casefile editions PATH [--delete N]``, ``casefile export PATH --edition N`` and the keeping of
each packet ``casefile export`` writes as an edition.

Like every command: one line on stderr and exit 1 for a user error, exit 2 for a usage error.
A packet is written even when the case file cannot take the edition (it is read-only, or
open for editing elsewhere): the PDF is there, and stderr says the edition was not kept.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from db.errors import CaseFileError

EXIT_OK, EXIT_USAGE = 0, 2
# Choices of a new packet that an edition, written again as it was, cannot take.
_NEW_PACKET_ONLY = (
    ("paper", "--paper"), ("date_from", "--from"), ("date_to", "--to"), ("key_only", "--key-only"),
    ("deterministic", "--deterministic"), ("changes_since", "--changes-since"),
)  # fmt: skip


def since_choice(text: str) -> str | int | None:
    """``--changes-since``: an edition's number, "last" or "none"."""
    word = text.strip().lower()
    if word in ("last", "none"):
        return None if word == "none" else "last"
    if word.isdigit() and int(word) >= 1:
        return int(word)
    raise argparse.ArgumentTypeError(f'expected an edition number, "last" or "none", not "{text}"')


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``casefile export`` options for editions."""
    parser.add_argument(
        "--changes-since", metavar="N|last|none", type=since_choice, default=argparse.SUPPRESS,
        help='show what changed since edition N or the last one (default: the case\'s option, "last")',
    )  # fmt: skip
    parser.add_argument(
        "--edition", metavar="N", type=int, help="write kept edition N again, as it was made (see casefile editions)"
    )


def add_parser(sub: Any) -> None:
    """``casefile editions``."""
    p = sub.add_parser("editions", help="list the briefing packets kept as editions, or delete one")
    p.add_argument("path", help="the .casefile or server address to read")
    p.add_argument("--delete", metavar="N", type=int, help="delete edition N and what it printed, for good")
    p.set_defaults(func=cmd_editions)


def cmd_editions(args: argparse.Namespace) -> int:
    """List the editions of a case, or delete one."""
    from db import editions

    from .editions_export import made_display, options_summary
    from .server_cli import open_case

    if args.delete is not None:
        return _delete(args.path, args.delete)
    with open_case(args.path, read_only=True) as cf:
        kept = editions.list_editions(cf)
        name = _shown(args.path, cf, start=True)
    if not kept:
        print(f"{name} keeps no editions yet: each briefing packet exported is kept as one.")
        return EXIT_OK
    rows = [("Edition", "Made", "By", "Pages", "Options")]
    rows += [(str(e.number), made_display(e), e.made_by, str(e.pages), options_summary(e.options)) for e in kept]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        number, made, who, pages, options = row
        print(f"{number:>{widths[0]}}  {made:<{widths[1]}}  {who:<{widths[2]}}  {pages:>{widths[3]}}  {options}")
    return EXIT_OK


def _shown(location: str, cf: Any, *, start: bool = False) -> str:
    """A case file by its file name, a server case by its case name (``start``: of a sentence)."""
    if getattr(cf, "path", None) is not None:
        return Path(location).name
    return f'{"The" if start else "the"} case "{cf.display_name}"'


def _delete(location: str, number: int) -> int:
    from db import editions

    from .server_cli import open_case

    with open_case(location, read_only=False) as cf:
        name, where = _shown(location, cf), "the file" if getattr(cf, "path", None) is not None else "the server"
        if cf.read_only:
            reason = getattr(cf, "read_only_reason", "")
            raise CaseFileError(f"{_shown(location, cf, start=True)} can only be opened read-only ({reason}); "
                                f"edition {number} was not deleted.")  # fmt: skip
        editions.delete(cf, number)
    print(f"Deleted edition {number} from {name}: what it printed is gone from {where}.")
    return EXIT_OK


def cmd_export_edition(args: argparse.Namespace) -> int:
    """``casefile export PATH --edition N [-o OUT.pdf] [--force]``: PATH a case file or a server
    address (a team case's edition is read from the server; the case is not changed)."""
    from db import editions

    from .editions_export import default_edition_output, made_display, rewrite_edition
    from .server_cli import open_case

    chosen = vars(args)
    given = [
        flag
        for name, flag in _NEW_PACKET_ONLY
        if chosen.get(name) not in (None, False) or (name == "changes_since" and name in chosen)
    ]
    if given:
        print(
            f"casefile: --edition writes the edition as it was made; {given[0]} cannot be used with it",
            file=sys.stderr,
        )
        return EXIT_USAGE
    number = int(args.edition)
    with open_case(args.path, read_only=True) as cf:
        edition = editions.get(cf, number)
        out = Path(args.output) if args.output else default_edition_output(cf, number)
        if out.exists() and not args.force:
            raise CaseFileError(f"{out} already exists (use --force to replace it).")
        if out.is_dir():
            raise CaseFileError(f"{out} is a folder.")
        result = rewrite_edition(cf, number, out)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    same = "; the same file as first written" if result.identical else ""
    print(f"Wrote {out} ({result.pages} pages): edition {number} of {made_display(edition)}{same}.")
    for note in result.notes:
        print(note)
    return EXIT_OK


def keep_edition(path: str | Path, result: Any, *, skip: bool) -> None:
    """Keep the packet ``casefile export`` just wrote as an edition of the case, or say on stderr
    why it could not be kept (the packet stays written either way)."""
    from db import editions
    from db.sqlite.casefile import CaseFile

    from .editions_export import ExportedPacket

    if skip or not isinstance(result, ExportedPacket) or result.edition is None:
        return
    name = Path(path).name
    try:
        with CaseFile.open(path) as cf:
            if cf.read_only:
                raise CaseFileError(f"{name} can only be opened read-only ({cf.read_only_reason})")
            number = editions.record(cf, result.edition)
    except CaseFileError as exc:
        reason = " ".join(str(exc).split()).rstrip(".")
        print(f"warning: the packet was written, but it was not kept as an edition: {reason}.", file=sys.stderr)
        return
    print(f"Kept as edition {number} of {name}.")
