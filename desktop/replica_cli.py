"""The command line's offline-copy verbs: ``offline-copy`` and ``sync`` (docs/merge.md)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .merge_listing import conflict_lines

if TYPE_CHECKING:
    from db.store import CaseStore

EXIT_CONFLICTS = 3  # as ``casefile merge``: conflicts remain to be decided


def add_parsers(sub: Any) -> None:
    """``casefile offline-copy`` and ``casefile sync``."""
    p = sub.add_parser("offline-copy", help="take an offline copy of a case that can be synced with it later")
    p.add_argument("address", help="the master: a .casefile or postgresql://host/database?case=NAME")
    p.add_argument("output", help="the new .casefile (the offline copy)")
    p.set_defaults(func=cmd_offline_copy)

    p = sub.add_parser("sync", help="bring an offline copy and its master up to date with each other")
    p.add_argument("path", help="the offline copy (.casefile)")
    p.add_argument(
        "--prefer",
        choices=("mine", "theirs"),
        help="settle every conflict this way: mine (the copy's value) or theirs (the master's); "
        "without it, conflicts are left for later and listed",
    )
    p.set_defaults(func=cmd_sync)


def cmd_offline_copy(args: argparse.Namespace) -> int:
    """``casefile offline-copy ADDRESS OUT.casefile``."""
    from db.address import describe
    from db.replica import take_offline_copy

    out = take_offline_copy(args.address, args.output)
    print(f"Took an offline copy of {describe(args.address)} as {out}. Sync it with: casefile sync {out}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """``casefile sync REPLICA [--prefer mine|theirs]``: exit 0 when everything is synced, 3 when
    conflicts are left to decide (everything else is synced)."""
    from db.merge import Side
    from db.replica import carry_out, prepare_sync
    from db.sqlite.casefile import CaseFile

    with CaseFile.open(args.path) as replica:
        plan = prepare_sync(replica)
        try:
            side = {"mine": Side.OURS, "theirs": Side.THEIRS}.get(args.prefer or "")
            decisions = {c.key: side for c in plan.merge.conflicts} if side else {}
            done = carry_out(plan, decisions)
        finally:
            plan.close()
        settled = len(plan.merge.conflicts) - len(done.postponed)
        print(
            f"Synced {args.path} with {plan.master_shown}: {_records(done.to_master)} changed in the master, "
            f"{_records(done.to_copy)} in this copy"
            + (f", {settled} conflict{'s' if settled != 1 else ''} settled as {args.prefer}." if settled else ".")
        )
        if not done.postponed:
            return 0
        n = len(done.postponed)
        print(
            f"{n} conflict{'s' if n != 1 else ''} left to decide: each side keeps its own value until then. "
            "Decide them in the app (File > Sync with Master) or run again with --prefer mine or --prefer theirs."
        )
        namer = titles(replica)
        for c in done.postponed:
            print("\n".join(conflict_lines(c, ours="mine", theirs="theirs", namer=namer)))
    return EXIT_CONFLICTS


def titles(store: CaseStore) -> Callable[[str, str], str]:
    """Names of the records a reference may name, read from ``store`` (the id when it holds none)."""
    from db.merge import kind_of
    from db.records import record_title

    def title(part: str, rid: str) -> str:
        kind = kind_of(part)
        with store.read() as conn:
            return (record_title(conn, kind, rid) if kind else "") or rid

    return title


def _records(n: int) -> str:
    return f"{n} record{'s' if n != 1 else ''}"
