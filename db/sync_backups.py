"""The verified backups a sync writes of both sides before it writes either (db/replica.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .address import describe, without_password
from .errors import CaseFileError, ReplicaError
from .sqlite.casefile import CaseFile
from .store import CaseStore


def backup_sides(
    replica: CaseStore, master: CaseStore, address: str, to_copy: Mapping[Any, Any], to_master: Mapping[Any, Any]
) -> list[Path]:
    """A verified backup of each side the sync will write (CaseFileError if one cannot be made).

    The two are made at the same time: copying and checking a large file is mostly SQLite's
    work, which runs outside Python's lock, so two cores take about the time of one backup.
    Both have finished (and verified) when this returns."""
    sides = [store for store, writes in ((replica, to_copy), (master, to_master)) if writes]
    if not sides:
        return []
    with ThreadPoolExecutor(max_workers=len(sides)) as pool:  # leaving the block waits for both
        futures = [pool.submit(_backup, store, address) for store in sides]
    return [path for future in futures if (path := future.result()) is not None]


def _backup(store: CaseStore, address: str) -> Path | None:
    from .sqlite.backups import backup_if_changed
    from .sqlite.filecheck import check_copy

    if isinstance(store, CaseFile):
        backup = backup_if_changed(store, verify=check_copy)  # the open file passed check_file
        return backup.path if backup is not None else None
    return _server_backup(store, address)


def _server_backup(store: CaseStore, address: str) -> Path:
    """A case file copy of a server case, checked, in the backups folder."""
    from .postgres.publish import copy_to_file
    from .sqlite.backups import case_folder
    from .sqlite.filecheck import check_file
    from .sqlite.newfile import SUFFIX

    key = hashlib.sha256(without_password(address).encode("utf-8")).hexdigest()[:32]
    folder = case_folder(key)
    folder.mkdir(parents=True, exist_ok=True)
    note = folder / "source.txt"
    if not note.exists():
        note.write_text(f"Copies of {without_password(address)} taken before syncing offline copies\n", "utf-8")
    target = folder / f"{dt.datetime.now().strftime('%Y-%m-%d %H%M%S')} #0{SUFFIX}"
    if target.exists():
        return target
    copy_to_file(store, target)  # type: ignore[arg-type]
    try:
        check_file(target)
    except CaseFileError:
        target.unlink(missing_ok=True)
        raise ReplicaError(f"The backup of {describe(address)} did not verify: nothing was synced.") from None
    return target
