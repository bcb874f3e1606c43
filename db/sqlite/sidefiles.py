"""The files SQLite keeps beside a database, as found beside a case file someone sent.

SQLite looks for ``NAME-journal`` and ``NAME-wal`` beside a database when it opens it, and
uses what it finds: a hot rollback journal is played back into the file, and a write-ahead
log is applied (and the file switched to WAL mode) whatever the file's header says. A case
file is a document that travels, so what lies beside it may belong to another file, or be
a link planted in an archive. Before any connection touches a case file:

- a ``-wal`` beside it, or a side file that is a link, a folder or a special file, refuses
  the file with the reason and the way out (move the side file away); nothing is applied;
- a hot ``-journal`` is first played back into a throw-away copy and the result checked in
  full (``integrity_check``, ``foreign_key_check``, the schema). A journal that would damage
  the file (one left beside an older file of the same name, say) refuses it, unchanged.

A command that builds a new file and moves it over an old one removes the old file's side
files first, so the new file never inherits them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ..lock import not_a_plain_file

SIDE_SUFFIXES = ("-journal", "-wal", "-shm")


def side_path(path: Path, suffix: str) -> Path:
    """``path`` with SQLite's side-file suffix (``-journal``, ``-wal``, ``-shm``)."""
    return Path(f"{path}{suffix}")


def side_file_problem(path: Path) -> str | None:
    """Why the side files beside ``path`` make it unsafe to open (None when they do not).

    The answer is a clause for a refusal message, naming the side file and the way out.
    """
    for suffix in SIDE_SUFFIXES:
        side = side_path(path, suffix)
        try:
            info = os.lstat(side)
        except FileNotFoundError:
            continue
        except OSError as exc:
            return f"{side.name} beside it cannot be checked ({exc.strerror or exc})"
        odd = not_a_plain_file(info)
        if odd is not None:
            return (
                f"{side.name} beside it is {odd}, which SQLite would read or write through; "
                f"move {side.name} out of the folder to open the case file"
            )
        if suffix == "-journal" and names_super_journal(side):
            return (
                f"{side.name} beside it names another file to delete when it is played back (a "
                "multi-database journal, which Casefile never writes); move "
                f"{side.name} out of the folder to open the case file"
            )
        if suffix == "-wal":
            return (
                f"{side.name} beside it is a write-ahead log, which Casefile case files never have, and SQLite "
                f"would apply it to the file; move {side.name} out of the folder to open the case file as it is"
            )
    return None


# The last 8 bytes of a rollback journal that names a super-journal (SQLite's journal format).
_JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")


def names_super_journal(journal: Path) -> bool:
    """True when a journal ends with the name of a super-journal, which SQLite deletes after
    playing the journal back: a planted name would make it delete any file the user can."""
    try:
        with open(journal, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < 16:
                return False
            handle.seek(size - 8)
            return handle.read(8) == _JOURNAL_MAGIC
    except OSError:
        return False


def remove_side_files(path: Path) -> None:
    """Remove the side files beside ``path`` (before a new file is moved into its place).

    All or nothing as far as can be known beforehand: every side file is looked at first, and
    the journal goes last. Raises OSError when one cannot be removed (a folder by that name).
    """
    found = []
    for suffix in ("-wal", "-shm", "-journal"):
        side = side_path(path, suffix)
        try:
            info = os.lstat(side)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(f"{side.name} is a folder")
        found.append(side)
    for side in found:
        side.unlink()


@contextmanager
def rolled_back_copy(path: Path) -> Iterator[Path]:
    """A private copy of ``path`` with its hot journal played back into it (deleted afterwards).

    The original file and its journal are only read.
    """
    with tempfile.TemporaryDirectory(prefix="casefile-check-") as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        shutil.copyfile(side_path(path, "-journal"), side_path(copy, "-journal"))
        conn = sqlite3.connect(f"file:{copy}?mode=rw", uri=True, isolation_level=None)
        try:
            conn.execute("PRAGMA trusted_schema = OFF")
            conn.execute("PRAGMA schema_version").fetchone()  # the first read plays the journal back
        finally:
            conn.close()
        try:
            yield copy
        finally:
            for suffix in ("", *SIDE_SUFFIXES):
                with suppress(OSError):
                    Path(f"{copy}{suffix}").unlink()


def full_check_problem(conn: sqlite3.Connection) -> str | None:
    """What ``integrity_check`` and ``foreign_key_check`` find wrong (None when both pass).

    ``quick_check`` does not compare indexes with their tables nor follow references; a journal
    played back into the wrong file leaves exactly that kind of damage.
    """
    try:
        rows = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
        if rows != ["ok"]:
            return str(rows[0])
        dangling = conn.execute("PRAGMA foreign_key_check").fetchone()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    if dangling is not None:
        return f"a record in {dangling[0]} refers to a {dangling[2]} record that does not exist"
    return None
