"""18. Leftovers: a process killed while it builds a file leaves a temporary file that never passes
for a case file, and the next run in that folder removes it.

The child processes are real and die by SIGKILL at the moment named, after their temporary
file exists and before it is renamed into place.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_helpers import REPO_ROOT, age_leftovers, child_env, listing, record

from db.errors import CaseFileError
from db.sqlite.casefile import CaseFile
from db.sqlite.filecheck import check_file
from db.tempfiles import clean_stale_temp_files, is_temp_name

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

_KILLED_WHILE_BUILDING = """
import os, signal, sys
from pathlib import Path
import db.sqlite.casefile as casefile
from db.sample import create_sample

real_replace = os.replace

def die_before_the_rename(src, dst):
    sys.stdout.write("temporary file: " + Path(src).name + "\\n")
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)

casefile.os.replace = die_before_the_rename
create_sample(Path(sys.argv[1]))
"""


def _killed_while_building(target: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_WHILE_BUILDING, str(target)],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == -9, done.stderr
    return done.stdout.strip().removeprefix("temporary file: ")


def test_a_killed_build_leaves_a_temporary_file_the_next_run_removes(tmp_path, sample_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    target = folder / "new.casefile"
    name = _killed_while_building(target)
    assert listing(folder) == [name]  # the temporary file, and nothing at the target
    assert name.startswith(".") and name.endswith(".tmp") and is_temp_name(name)
    assert not name.endswith(".casefile")  # no dialog or command takes it for a case file
    with pytest.raises(CaseFileError):
        check_file(folder / "new.casefile")  # the target was never created
    # The next run that writes in this folder cleans up: here, opening a case file kept there.
    kept = folder / "kept.casefile"
    kept.write_bytes(sample_path.read_bytes())
    with CaseFile.open(kept):
        pass
    assert listing(folder) == [name, "kept.casefile"]  # a minute has not passed: it could be a live writer's
    age_leftovers(folder)
    with CaseFile.open(kept):
        pass
    assert listing(folder) == ["kept.casefile"]
    record(
        18,
        "A process killed while building a case file leaves only a hidden .tmp file (never a .casefile), and "
        "the next open for editing in that folder removes it.",
        leftover=name,
        removed_on_next_run=True,
    )


def test_a_live_writers_temporary_file_is_never_removed(tmp_path):
    live = tmp_path / f".case.casefile.cf{os.getpid()}-0123abcd.tmp"
    live.write_bytes(b"being written")
    dead_pid = _a_dead_pid()
    dead = tmp_path / f".case.casefile.cf{dead_pid}-89abcdef.tmp"
    dead.write_bytes(b"left by a killed process")
    other = tmp_path / ".case.casefile.cf1-zz.tmp"  # not our pattern: left alone
    other.write_bytes(b"someone else's")
    assert clean_stale_temp_files(tmp_path) == []  # all fresh: any could be a writer on another computer
    age_leftovers(tmp_path)
    removed = clean_stale_temp_files(tmp_path)
    assert removed == [dead]
    assert live.exists() and other.exists() and not dead.exists()
    old = time.time() + 2 * 24 * 3600  # after a day even a live id is taken as reused
    assert clean_stale_temp_files(tmp_path, now=old) == [live]


def _a_dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
