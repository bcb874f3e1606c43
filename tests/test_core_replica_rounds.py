"""Syncs of a real offline copy and its file master, round after round, over random edit scripts
(the merge properties' scripts, ``test_merge_properties``), made on both case files as ordinary
edits leave them (stamped, the copy keeping its bases).

A sync reads from the master only the records changed there since the base, and takes the
others as their base holds them (``replica._as_their_base``). Every round checks that this is
what the master holds: each record the sync read or inferred equals the master's own record.
It also checks the outcome: both sides hold the same records but for the conflicts left for
later (and the records still naming one the other side deleted), the records the sync did not
read are alike and unchanged, and syncing again finds nothing new but what was held back.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_merge_properties import apply_script, base_document, ops

from db.interchange import import_document
from db.merge import Side, State, references
from db.merge_state import differences
from db.merge_store import read_state, write_differences
from db.replica import carry_out, prepare_sync, take_offline_copy
from db.sqlite.casefile import CaseFile, now_stamp

ROUNDS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
rounds = st.lists(st.tuples(ops, ops, st.integers(0, 3)), min_size=1, max_size=3)


def _state(cf: CaseFile) -> State:
    with cf.read() as conn:
        return read_state(conn)


def _edit(cf: CaseFile, script: list, side: str) -> State:
    """Make ``script``'s edits in ``cf`` in one transaction; the state it holds afterwards."""
    before = _state(cf)
    after = apply_script(before, script, side)
    changed = differences(before, after)
    if changed:
        with cf.write() as conn:
            touched = write_differences(
                conn, changed, {k: v for k, v in before.items() if k in changed}, stamp=now_stamp()
            )
        for table in touched:
            cf.note_removed_text(table)
    return _state(cf)


def _naming(keys: set, *states: State) -> set:
    """The records that refer to one of ``keys`` in any of ``states``: while a record one side
    deleted and the other still refers to is left for later, the referring side keeps its
    reference, which the other side cannot hold."""
    return {
        k for state in states for k, values in state.items() if any(t in keys for _n, t in references(k[0], values))
    }


def _decide(conflicts: list, how: int) -> dict:
    """All mine, all theirs, or alternately mine, theirs and left for later."""
    if how < 2:
        return {c.key: Side.OURS if how == 0 else Side.THEIRS for c in conflicts}
    return {c.key: (Side.OURS, Side.THEIRS, None)[(i + how) % 3] for i, c in enumerate(conflicts)}


@ROUNDS
@given(rounds)
def test_round_after_round_both_sides_agree_and_nothing_inferred_differs_from_the_master(script_rounds):
    with tempfile.TemporaryDirectory() as folder:
        master_path = Path(folder) / "master.casefile"
        import_document(base_document(), master_path)
        copy = CaseFile.open(take_offline_copy(master_path, Path(folder) / "copy.casefile"))
        try:
            for n, (script_ours, script_theirs, how) in enumerate(script_rounds):
                ours = _edit(copy, script_ours, f"ours-{n}")  # each round's new records have new ids
                with CaseFile.open(master_path) as master:
                    theirs = _edit(master, script_theirs, f"theirs-{n}")
                plan = prepare_sync(copy)
                try:
                    read = plan.merge.theirs
                    assert {k: read.get(k) for k in plan.keys} == {k: theirs.get(k) for k in plan.keys}
                    assert {k: plan.merge.ours.get(k) for k in plan.keys} == {k: ours.get(k) for k in plan.keys}
                    decisions = _decide(plan.merge.conflicts, how)
                    done = carry_out(plan, decisions)
                finally:
                    plan.close()
                postponed = {(c.part, c.id) for c in done.postponed}
                mine_now = _state(copy)
                with CaseFile.open(master_path, read_only=True) as master:
                    theirs_now = _state(master)
                differing = {k for k in mine_now.keys() | theirs_now.keys() if mine_now.get(k) != theirs_now.get(k)}
                held_back = postponed | _naming(postponed, mine_now, theirs_now)
                assert differing <= held_back
                for key in (ours.keys() | theirs.keys()) - postponed:  # what the sync did not read is alike
                    if key not in plan.keys:
                        assert mine_now.get(key) == ours.get(key) == theirs.get(key)
                again = prepare_sync(copy)
                try:
                    assert {(c.part, c.id) for c in again.merge.changes} <= held_back
                    assert {(c.part, c.id) for c in again.merge.conflicts} <= postponed
                finally:
                    again.close()
        finally:
            copy.close()
