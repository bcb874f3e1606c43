"""The verified backups a sync writes of both sides before it writes either (db/replica.py).

A case file's backups begin while the sync is still reading and merging (``SideBackups.start``):
copying and checking a large file is mostly SQLite's work, which runs outside Python's lock, so
on a second core it costs the sync little. Before writing, ``finish`` waits for them and backs
up again any side changed since: a case file's backup is named by the file's change counter, so
a side left as it was is not copied twice. A server case is copied when the sync writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

from .address import describe, without_password
from .errors import CaseFileError, ReplicaError
from .sqlite.casefile import CaseFile
from .store import CaseStore


class SideBackups:
    """The backups of one sync's sides: begun early for case files, finished before it writes."""

    def __init__(self, address: str) -> None:
        self.address = address  # the master's, naming a server case's backups
        self._stopped = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sync-backup")
        self._early: dict[int, Future[Path | None]] = {}

    def start(self, stores: Iterable[CaseStore]) -> None:
        """Begin backing up the case files among ``stores`` (the sides the sync is likely to write)."""
        for store in stores:
            if isinstance(store, CaseFile) and id(store) not in self._early:
                self._early[id(store)] = self._pool.submit(self._backup, store)

    def finish(self, stores: Iterable[CaseStore]) -> list[Path]:
        """A verified backup of each of ``stores`` (the sides the sync will write), made side by
        side; CaseFileError (or ReplicaError) if one cannot be made. Both have finished when this
        returns, failed or not."""
        futures = [self._pool.submit(self._after, store) for store in stores]
        wait(futures)
        return [path for future in futures if (path := future.result()) is not None]

    def stop(self) -> None:
        """Tell the backups still running to stop at their next step, without waiting for them."""
        self._stopped.set()

    def close(self) -> None:
        """Stop the backups still running (removing their unfinished copies) and wait for them."""
        self.stop()
        self._pool.shutdown(wait=True)

    def _after(self, store: CaseStore) -> Path | None:
        early = self._early.pop(id(store), None)
        first = early.result() if early is not None else None
        if early is not None and not isinstance(store, CaseFile):
            return first
        return self._backup(store) or first  # None again: the file has not changed since

    def _backup(self, store: CaseStore) -> Path | None:
        from .sqlite.backups import backup_if_changed
        from .sqlite.filecheck import check_copy

        if isinstance(store, CaseFile):
            # the open file passed check_file; the sync holds it, so no edit waits on a large step
            backup = backup_if_changed(store, verify=check_copy, stop=self._stopped.is_set, byte_copy=True)
            return backup.path if backup is not None else None
        return _server_backup(store, self.address)


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
