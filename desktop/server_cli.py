"""The command line's team-case verbs: ``publish``, ``cases``, and a server address wherever
a command takes a case (``export-json``, ``export-csv``, ``export``, ``check``, ``import``), and
``history``."""

from __future__ import annotations

import argparse
from datetime import UTC
from typing import TYPE_CHECKING

from db.address import is_server_address, parse_server_address

if TYPE_CHECKING:
    from db.store import CaseStore


def open_case(location: str, *, read_only: bool = True) -> CaseStore:
    """A case file at a path, or the case at a server address."""
    if is_server_address(location):
        from db.postgres.case import ServerCase

        return ServerCase.open(location, read_only=read_only)
    from db.sqlite.casefile import CaseFile

    return CaseFile.open(location, read_only=read_only)


def cmd_publish(args: argparse.Namespace) -> int:
    """``casefile publish PATH ADDRESS [--force]``."""
    from db.postgres.publish import publish_file

    where = parse_server_address(args.address)
    counts = publish_file(args.path, where, force=args.force)
    from db.fields import KINDS

    records = sum(counts.get(spec.table, 0) for spec in KINDS.values())
    print(f'Published {args.path} as the case "{where.case}" in {where.shown.split("?")[0]} ({records} records).')
    return 0


def cmd_cases(args: argparse.Namespace) -> int:
    """``casefile cases postgresql://host/dbname``: each case's name, title, last change and who made it."""
    from db.postgres.catalog import list_cases

    where = parse_server_address(args.address, need_case=False)
    cases = list_cases(where)
    if not cases:
        print(f"No cases in {where.shown}.")
        return 0
    width = max(len("Case"), *(len(c.name) for c in cases))
    by_width = max(len("By"), *(len(c.changed_by or "-") for c in cases))
    print(f"{'Case':<{width}}  {'Last change (UTC)':<17}  {'By':<{by_width}}  Title")
    for case in cases:
        when = case.last_change[:16].replace("T", " ")
        by = case.changed_by or "-"
        print(f"{case.name:<{width}}  {when:<17}  {by:<{by_width}}  {' '.join(case.title.split())}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """``casefile check ADDRESS``: the case exists, and its tables are the declared ones."""
    from db.postgres.case import ServerCase
    from db.postgres.catalog import schema_differences

    where = parse_server_address(args.path)
    with ServerCase.open(where, read_only=True) as case, case.read() as conn:
        problems = schema_differences(conn, where.schema)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        print(f'REFUSED: the case "{where.case}" does not have the tables Casefile expects: {problems[0]}{more}.')
        return 1
    print(f'OK: "{where.case}" is a valid case (schema version {case.version}).')
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """``casefile import FILE.json ADDRESS [--force]``: a new case on the server."""
    from db.interchange import load_json
    from db.postgres.publish import import_document

    where = parse_server_address(args.path)
    counts = import_document(load_json(args.json), where, force=args.force)
    parts = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    print(f'Imported {args.json} as the case "{where.case}": {parts}.')
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """``casefile history ADDRESS [--record ID] [--limit N]``: who changed what and when, newest first."""
    from db.postgres.history import changes

    with open_case(args.path) as case:
        found = changes(case, record_id=args.record, limit=args.limit)
    if not found:
        print("No changes recorded" + (" for that record." if args.record else "."))
        return 0
    width = max(len(c.by) for c in found)
    for c in found:
        when = c.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        what = f"{c.label}: {c.old_text} → {c.new_text}" if c.field else c.label
        print(f"{when}  {c.by:<{width}}  {c.record}  {what}")
    return 0
