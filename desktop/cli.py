"""The ``casefile`` command: the app, and subcommands for scripts and the terminal.

``casefile [PATH]`` starts the app; ``casefile COMMAND ...`` runs a command without a
window. A user error (missing file, refused file, bad JSON, existing target) prints one
line to stderr and exits 1, never a traceback; usage errors exit 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from db.address import is_server_address

from . import APP_NAME, __version__, replica_cli, server_cli

if TYPE_CHECKING:
    from db.sqlite.casefile import CaseFile

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

log = logging.getLogger("casefile.cli")


def _fail(message: str) -> int:
    print(f"casefile: {message}", file=sys.stderr)
    return EXIT_ERROR


def _open(path: str, *, read_only: bool = True) -> CaseFile:
    from db.sqlite.casefile import CaseFile

    return CaseFile.open(path, read_only=read_only)


# ----- commands ---------------------------------------------------------------------------


def cmd_new(args: argparse.Namespace) -> int:
    from db.sample import create_sample
    from db.sqlite.casefile import CaseFile

    target = Path(args.path)
    if args.sample:
        summary = create_sample(target, overwrite=args.force)
        total = sum(summary.counts.values())
        print(f"Created {target} with the sample case ({total} records).")
    else:
        title = args.title or target.stem
        CaseFile.create(target, title=title, overwrite=args.force).close()
        print(f"Created {target}.")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from db.interchange import import_json

    if is_server_address(args.path):
        return server_cli.cmd_import(args)

    summary = import_json(args.json, args.path, overwrite=args.force)
    parts = ", ".join(f"{n} {kind.spec.plural.lower()}" for kind, n in summary.counts.items())
    print(f"Imported {args.json} into {args.path}: {parts}.")
    return EXIT_OK


def cmd_export_json(args: argparse.Namespace) -> int:
    from db.interchange import dumps, export_document, export_json

    with server_cli.open_case(args.path) as cf:
        if args.output and args.output != "-":
            export_json(cf, args.output, overwrite=args.force)
        else:
            sys.stdout.buffer.write(dumps(export_document(cf)).encode("utf-8"))
            sys.stdout.flush()
    return EXIT_OK


def cmd_export_csv(args: argparse.Namespace) -> int:
    from db.csv_export import export_csv

    with server_cli.open_case(args.path) as cf:
        written = export_csv(cf, args.folder, overwrite=args.force)
    print(f"Wrote {len(written)} CSV files to {args.folder}.")
    return EXIT_OK


def cmd_import_csv(args: argparse.Namespace) -> int:
    from db.csv_import import KIND_NAMES, import_csv
    from db.errors import InterchangeError

    kind = KIND_NAMES[args.kind]
    with _open(args.path, read_only=False) as cf:
        try:
            plan = import_csv(cf, args.csv, kind, create_missing=args.create_missing)
        except InterchangeError as exc:  # every problem, each naming its row and column
            for line in exc.errors:
                print(f"casefile: {line}", file=sys.stderr)
            return _fail(f"nothing was imported from {args.csv}.")
    made = f" (and {len(plan.created)} new linked records)" if plan.created else ""
    print(f"Imported {len(plan.rows)} {kind.spec.plural.lower()} from {args.csv} into {args.path}{made}.")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from db.errors import CaseFileError
    from db.sqlite.filecheck import check_file

    if is_server_address(args.path):
        return server_cli.cmd_check(args)
    try:
        report = check_file(args.path)
    except CaseFileError as exc:
        print(f"REFUSED: {exc}")
        return EXIT_ERROR
    note = " (older schema: it will be upgraded when opened for editing)" if report.needs_migration else ""
    if report.pending_rollback:
        note += (
            "; a save was interrupted, and the unfinished change (checked, and safe to undo) will be undone "
            "when it is next opened for editing"
        )
    print(f"OK: {report.path.name} is a valid case file (schema version {report.version}){note}.")
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from db.search import search

    with server_cli.open_case(args.path) as case:
        hits = search(case, args.text)  # type: ignore[arg-type]  # a file or a server case
    if not hits:
        print(f'No matches for "{args.text}".')
        return EXIT_OK
    current = None
    for hit in hits:
        if hit.kind is not current:
            current = hit.kind
            print(hit.kind.spec.plural)
        print(f"  {hit.title}")
        snippet = " ".join(hit.plain_snippet().split())
        if snippet and snippet != hit.title:
            print(f"      {snippet}")
    return EXIT_OK


def cmd_export_pdf(args: argparse.Namespace) -> int:
    from .briefing_export import export_from_cli
    from .editions_cli import cmd_export_edition

    output_suffix = Path(args.output).suffix.lower() if args.output else ""
    if (getattr(args, "format", None) or ("docx" if output_suffix == ".docx" else "pdf")) == "docx":
        from .word_export import export_from_cli as export_word

        return export_word(args)
    if args.edition is not None:
        return cmd_export_edition(args)
    return export_from_cli(args)


def cmd_self_test(_args: argparse.Namespace) -> int:
    from .selftest import run_self_test

    return run_self_test()


# ----- parsers ----------------------------------------------------------------------------


def _command_parser() -> argparse.ArgumentParser:
    from . import editions_cli

    parser = argparse.ArgumentParser(prog="casefile", description=f"{APP_NAME} command-line tools.")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("new", help="create a new case file")
    p.add_argument("path", help="the .casefile to create")
    p.add_argument("--sample", action="store_true", help="fill it with the sample case")
    p.add_argument("--title", help="case title (default: the file name)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("import", help="create a case file from Casefile JSON")
    p.add_argument("json", help="the JSON file to read")
    p.add_argument("path", help="the .casefile to create, or a server address (a new team case)")
    p.add_argument("--force", action="store_true", help="replace an existing file or case")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export-json", help="write a case file as Casefile JSON")
    p.add_argument("path", help="the .casefile or server address to read")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_export_json)

    p = sub.add_parser("export-csv", help="write one CSV file per record type")
    p.add_argument("path", help="the .casefile or server address to read")
    p.add_argument("folder", help="folder for the CSV files (created if needed)")
    p.add_argument("--force", action="store_true", help="replace existing CSV files")
    p.set_defaults(func=cmd_export_csv)

    p = sub.add_parser("import-csv", help="add the rows of a CSV file to a case file as records of one kind")
    p.add_argument("csv", help="the CSV file to read")
    p.add_argument("path", help="the .casefile to add the records to")
    p.add_argument("--kind", required=True, choices=("statements", "actors", "directives", "timeline", "sources"))
    p.add_argument("--create-missing", action="store_true", help="create actors, sources... named but not found")
    p.set_defaults(func=cmd_import_csv)

    p = sub.add_parser("check", help="run the open-time checks and print a verdict")
    p.add_argument("path", help="the .casefile or server address to check")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("search", help="full-text search across the whole case")
    p.add_argument("path", help="the .casefile or server address to search")
    p.add_argument("text", help="words to find")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("export", help="write the briefing packet (PDF, or Word with -o NAME.docx)")
    p.add_argument("path", help="the .casefile to read")
    p.add_argument("-o", "--output", help="file to write (default: a name beside the case file)")
    p.add_argument(
        "--format", choices=("pdf", "docx"), help="pdf or docx (default: from the output's extension, else pdf)"
    )
    p.add_argument("--paper", choices=("letter", "a4"), help="paper size (default: the case's option)")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="earliest date to include")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="latest date to include")
    p.add_argument("--key-only", action="store_true", help="chronology of key events only")
    p.add_argument(
        "--deterministic",
        action="store_true",
        help="byte-identical output for the same case (fixed timestamps); the packet is not kept as an edition",
    )
    p.add_argument("--force", action="store_true", help="replace an existing file")
    editions_cli.add_export_arguments(p)
    p.set_defaults(func=cmd_export_pdf)
    editions_cli.add_parser(sub)

    p = sub.add_parser("publish", help="put a case file on a PostgreSQL server as a team case")
    p.add_argument("path", help="the .casefile to publish")
    p.add_argument("address", help="postgresql://[user@]host[:port]/database?case=NAME")
    p.add_argument("--force", action="store_true", help="replace a case of that name")
    p.set_defaults(func=server_cli.cmd_publish)

    p = sub.add_parser("cases", help="list the team cases in a PostgreSQL database")
    p.add_argument("address", help="postgresql://[user@]host[:port]/database")
    p.set_defaults(func=server_cli.cmd_cases)

    p = sub.add_parser("history", help="who changed what in a team case, and when (newest first)")
    p.add_argument("path", help="postgresql://[user@]host[:port]/database?case=NAME")
    p.add_argument("--record", help="only the changes of the record with this id")
    p.add_argument("--limit", type=int, default=50, help="at most this many changes (default 50)")
    p.set_defaults(func=server_cli.cmd_history)
    replica_cli.add_parsers(sub)
    return parser


COMMANDS = (
    "new", "import", "import-csv", "export-json", "export-csv", "check", "search", "export", "editions",
    "publish", "cases", "history", "offline-copy", "sync",
)  # fmt: skip


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casefile",
        description=f"{APP_NAME}: open a case file in the app. Commands: {', '.join(COMMANDS)} "
        "(casefile COMMAND --help).",
    )
    parser.add_argument("path", nargs="?", help="case file to open (default: the last one used)")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--self-test", action="store_true", help="check this installation and exit")
    return parser


def _run(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    from db.errors import CaseFileError, InterchangeError

    try:
        return func(args)
    except InterchangeError as exc:
        more = len(exc.errors) - 1
        return _fail(exc.errors[0] + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""))
    except CaseFileError as exc:
        return _fail(" ".join(str(exc).split()))
    except KeyboardInterrupt:
        return _fail("interrupted")
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so in one line, keep the details in the log
        from db.errors import printable

        log.exception("unexpected error in casefile %s", args.command if "command" in args else "")
        from .logfile import log_path

        summary = " ".join(printable(f"{exc.__class__.__name__}: {exc}").split())[:300]
        return _fail(f"unexpected error ({summary}); the details are in {log_path()}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``casefile`` console script."""
    import multiprocessing

    # The app runs long jobs in child processes; a frozen app must let them start here.
    multiprocessing.freeze_support()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in COMMANDS:
        from .logfile import setup_logging

        args = _command_parser().parse_args(args_list)
        setup_logging(echo_to_stderr=False)
        return _run(args.func, args)
    if args_list and args_list[0] in ("-h", "--help") and len(args_list) > 1:
        args_list = [*args_list[1:], "--help"]
    app_args = _app_parser().parse_args(args_list)
    if app_args.self_test:
        return _run(cmd_self_test, app_args)
    from .app import run_app

    return run_app(app_args.path)


if __name__ == "__main__":
    raise SystemExit(main())
