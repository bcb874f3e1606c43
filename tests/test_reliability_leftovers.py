"""18. Leftovers and permissions: a CSV set appears whole or not at all, and every file Casefile writes
gets the user's normal permissions.

A real child process exports the CSV set and dies by SIGKILL at the moment named: after a given
number of the files are written, or after some of a complete set have been moved into place.
What is left in the folder is then compared byte for byte with what was there before, or with
the complete new set, and the user's own files in the folder are untouched.

The briefing PDF, a JSON export, a CSV set, a new case file and an imported one are each written
by the real code under an explicit umask and must get ``0o666 & ~umask``, as any file a program
saves does (not the owner-only mode of ``tempfile.mkstemp``).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_helpers import REPO_ROOT, age_leftovers, child_env, listing, record

from db.csv_export import CASE_CSV, CSV_NAMES, export_csv, finish_interrupted_export
from db.errors import CaseFileError
from db.interchange import export_document, export_json, import_json
from db.records import update_case
from db.sqlite.casefile import CaseFile
from db.tempfiles import clean_stale_temp_files, is_temp_name
from desktop.briefing.options import BriefingOptions
from desktop.briefing.render import render_briefing

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and POSIX permissions")

SET = sorted([CASE_CSV, *CSV_NAMES.values()])
USER_FILES = {"notes.txt": b"my own notes\n", "budget.csv": b"a,b\r\n1,2\r\n", "statements.csv.bak": b"old copy"}

_KILLED_IN_CSV_EXPORT = """
import os, signal, sys
from pathlib import Path
import db.csv_export as csv_export
from db.sqlite.casefile import CaseFile

case, folder, step, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
# "write": each file of the set written; "move": each file of a complete set moved into place.
name = "write_text_atomic" if step == "write" else "_move_into_place"
real = getattr(csv_export, name)
done = []

def then_die(*args, **kwargs):
    result = real(*args, **kwargs)
    done.append(args[0])
    if len(done) == count:
        os.kill(os.getpid(), signal.SIGKILL)
    return result

setattr(csv_export, name, then_die)
with CaseFile.open(Path(case), read_only=True) as cf:
    csv_export.export_csv(cf, folder, overwrite=True)
print("finished")
"""


def _killed_in_csv_export(case: Path, folder: Path, step: str, count: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_IN_CSV_EXPORT, str(case), str(folder), step, str(count)],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == -9, (done.returncode, done.stdout, done.stderr[-2000:])


def _visible(folder: Path) -> dict[str, bytes]:
    """Every file a user sees in ``folder`` (not hidden), with its bytes; subfolders by name only."""
    out: dict[str, bytes] = {}
    for path in folder.iterdir():
        if not path.name.startswith("."):
            out[path.name] = path.read_bytes() if path.is_file() else b"<folder>"
    return out


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _changed_case(sample_path: Path) -> None:
    """Change the case so that a new CSV set differs from the old one in every file that shows the case."""
    with CaseFile.open(sample_path) as cf:
        update_case(cf, {"title": "Changed after the first export", "subtitle": "new subtitle"})


def _reference_set(sample_path: Path, folder: Path) -> dict[str, bytes]:
    with CaseFile.open(sample_path, read_only=True) as cf:
        export_csv(cf, folder)
    return _visible(folder)


@pytest.mark.parametrize("count", [2, len(SET)], ids=["after the second file", "after the last file"])
def test_a_csv_export_killed_while_writing_a_new_folder_leaves_no_folder(tmp_path, sample_path, count):
    parent = tmp_path / "exports"
    parent.mkdir()
    target = parent / "csv"
    _killed_in_csv_export(sample_path, target, "write", count)
    assert not target.exists(), listing(target)
    leftovers = listing(parent)
    assert all(is_temp_name(name) for name in leftovers), leftovers  # hidden, and a later run removes them
    assert clean_stale_temp_files(parent) == []  # too fresh: it could be a live export elsewhere
    age_leftovers(parent)  # a minute later
    assert clean_stale_temp_files(parent) and listing(parent) == []

    _killed_in_csv_export(sample_path, target, "write", count)
    age_leftovers(parent)
    with CaseFile.open(sample_path, read_only=True) as cf:
        export_csv(cf, target)  # the next export removes what the killed one left, and succeeds
    assert listing(parent) == ["csv"] and listing(target) == SET
    record(
        18,
        "A CSV export into a new folder killed while writing the files leaves no folder at all (only a hidden "
        "temporary folder that the next run removes), never a partial set.",
        files_written_before_the_kill=count,
        files_in_the_set=len(SET),
    )


@pytest.mark.parametrize("count", [2, len(SET)], ids=["after the second file", "after the last file"])
def test_a_csv_export_killed_while_writing_into_an_existing_folder_leaves_the_old_set(tmp_path, sample_path, count):
    folder = tmp_path / "shared"
    folder.mkdir()
    for name, data in USER_FILES.items():
        (folder / name).write_bytes(data)
    (folder / "drafts").mkdir()
    with CaseFile.open(sample_path, read_only=True) as cf:
        export_csv(cf, folder)
    before = _visible(folder)
    _changed_case(sample_path)

    _killed_in_csv_export(sample_path, folder, "write", count)
    assert _visible(folder) == before  # the old set, byte for byte, and the user's files
    assert all(is_temp_name(name) for name in _hidden(folder)), _hidden(folder)

    new = _reference_set(sample_path, tmp_path / "reference")
    age_leftovers(folder)  # the next export, a minute later
    with CaseFile.open(sample_path, read_only=True) as cf:
        export_csv(cf, folder, overwrite=True)
    after = _visible(folder)
    assert {name: after[name] for name in SET} == new
    assert {name: after[name] for name in after if name not in SET} == {**USER_FILES, "drafts": b"<folder>"}
    assert _hidden(folder) == []
    record(
        18,
        "A CSV export into a folder that holds an earlier set and the user's own files, killed while writing, "
        "leaves the earlier set and the user's files byte for byte; the next export replaces the set and "
        "removes the hidden leftovers.",
        files_written_before_the_kill=count,
        user_files_kept=len(USER_FILES) + 1,
    )


def test_a_csv_export_killed_while_moving_the_set_into_place_is_finished_by_the_next_run(tmp_path, sample_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    for name, data in USER_FILES.items():
        (folder / name).write_bytes(data)
    with CaseFile.open(sample_path, read_only=True) as cf:
        export_csv(cf, folder)
    _changed_case(sample_path)
    new = _reference_set(sample_path, tmp_path / "reference")

    _killed_in_csv_export(sample_path, folder, "move", 2)
    # The complete new set was marked ready before any file moved: the rest of it waits, hidden.
    (ready,) = _hidden(folder)
    assert ready.startswith(".casefile-csv.") and ready.endswith(".ready")
    assert len(list((folder / ready).iterdir())) == len(SET) - 2
    assert not is_temp_name(ready)  # a cleanup of temporary files never throws away half a set
    assert clean_stale_temp_files(folder) == [] and (folder / ready).is_dir()

    assert finish_interrupted_export(folder)
    after = _visible(folder)
    assert {name: after[name] for name in SET} == new
    assert {name: after[name] for name in after if name not in SET} == USER_FILES
    assert _hidden(folder) == []

    # The same happens at the start of the next export into the folder (which here refuses to overwrite).
    _killed_in_csv_export(sample_path, folder, "move", 3)
    with CaseFile.open(sample_path, read_only=True) as cf, pytest.raises(CaseFileError, match="already exists"):
        export_csv(cf, folder)
    assert _hidden(folder) == [] and {name: _visible(folder)[name] for name in SET} == new
    record(
        18,
        "A CSV export killed while moving its complete set into place leaves the rest of that set marked ready "
        "(never taken for a temporary file), and the next export into the folder finishes it: the folder then "
        "holds the whole new set and the user's files.",
        files_moved_before_the_kill=[2, 3],
    )


_KILLED_BEFORE_THE_RENAME = """
import os, signal, sys
from pathlib import Path

target = Path(sys.argv[2])
real_replace = os.replace

def die_at_the_target(src, dst):
    if Path(dst) == target:  # the finished file is about to be renamed into place
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst)

os.replace = die_at_the_target
from db.sqlite.casefile import CaseFile
from db.interchange import export_document, export_json

with CaseFile.open(Path(sys.argv[1]), read_only=True) as cf:
    if target.suffix == ".pdf":
        from desktop.briefing.options import BriefingOptions
        from desktop.briefing.render import render_briefing

        render_briefing(export_document(cf), target, BriefingOptions(deterministic=True, sections=["summary"]))
    else:
        export_json(cf, target)
"""


@pytest.mark.parametrize("name", ["packet.pdf", "case.json"])
def test_a_killed_pdf_or_json_export_leaves_a_temporary_file_the_next_export_removes(tmp_path, sample_path, name):
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / name
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_BEFORE_THE_RENAME, str(sample_path), str(target)],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=REPO_ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == -9, (done.returncode, done.stderr[-2000:])
    (leftover,) = listing(folder)
    assert is_temp_name(leftover) and leftover.startswith(".") and (folder / leftover).stat().st_size > 0
    age_leftovers(folder)  # the next export, a minute later

    with CaseFile.open(sample_path, read_only=True) as cf:
        if target.suffix == ".pdf":
            render_briefing(export_document(cf), target, BriefingOptions(deterministic=True, sections=["summary"]))
        else:
            export_json(cf, target)
    assert listing(folder) == [name]
    record(
        18,
        "A PDF or JSON export killed just before its rename leaves only a hidden temporary file named as Casefile's, "
        "and the next export into that folder removes it.",
        export=target.suffix,
        leftover=leftover,
    )


# ----- permissions ------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077], ids=["022", "002", "077"])
def test_exports_get_the_users_normal_permissions(tmp_path, sample_path, umask):
    previous = os.umask(umask)
    try:
        with CaseFile.open(sample_path, read_only=True) as cf:
            doc = export_document(cf)
            json_path = export_json(cf, tmp_path / "case.json")
            csv_paths = export_csv(cf, tmp_path / "csv")
        pdf = tmp_path / "packet.pdf"
        render_briefing(doc, pdf, BriefingOptions(deterministic=True, sections=["summary", "actors"]))
    finally:
        os.umask(previous)
    normal = 0o666 & ~umask
    modes = {path.name: _mode(path) for path in [pdf, json_path, *csv_paths]}
    assert modes == dict.fromkeys(modes, normal), {name: oct(mode) for name, mode in modes.items()}
    assert _mode(tmp_path / "csv") == 0o777 & ~umask  # the folder a CSV set creates, like mkdir's
    record(
        18,
        "The briefing PDF, a JSON export and every file of a CSV set get the user's normal permissions "
        "(0o666 less the umask), not an owner-only mode.",
        umask=oct(umask),
        mode=oct(normal),
        files=len(modes),
    )


CASE_FILE_UMASKS = [
    pytest.param(0o022, id="022"),
    pytest.param(0o077, id="077"),
    pytest.param(0o002, id="002"),
]


@pytest.mark.parametrize("umask", CASE_FILE_UMASKS)
def test_new_and_imported_case_files_get_the_users_normal_permissions(tmp_path, sample_path, umask):
    json_path = tmp_path / "case.json"
    with CaseFile.open(sample_path, read_only=True) as cf:
        export_json(cf, json_path)
    previous = os.umask(umask)
    try:
        with CaseFile.create(tmp_path / "new.casefile", title="New case"):
            pass
        import_json(json_path, tmp_path / "imported.casefile")
    finally:
        os.umask(previous)
    normal = 0o666 & ~umask
    modes = {name: _mode(tmp_path / name) for name in ("new.casefile", "imported.casefile")}
    assert modes == dict.fromkeys(modes, normal), {name: oct(mode) for name, mode in modes.items()}
    record(18, "New and imported case files get the user's normal permissions (0o666 less the umask).",
           umask=oct(umask), mode=oct(normal))  # fmt: skip
