"""Risky places for a case file: network shares and sync folders.

SQLite's locking relies on the file system. On a network share (SMB, NFS) locks can be
lost or ignored, and a sync client (OneDrive, Dropbox, iCloud Drive, Google Drive) may
copy the file mid-write or replace it with another computer's version while it is open.
Either can damage a case file or lose a week's edits, so the app warns, explains, and
suggests working on a local copy.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path, PurePath

# Folder names that sync clients use, matched against each component of the path.
_SYNC_FOLDERS: dict[str, str] = {
    "onedrive": "OneDrive",
    "dropbox": "Dropbox",
    "google drive": "Google Drive",
    "googledrive": "Google Drive",
    "my drive": "Google Drive",
    "icloud drive": "iCloud Drive",
    "iclouddrive": "iCloud Drive",
    "com~apple~clouddocs": "iCloud Drive",
    "box sync": "Box",
}
# macOS puts every File Provider sync folder under ~/Library/CloudStorage/<Provider-Account>.
_CLOUD_STORAGE = ("library", "cloudstorage")
_NETWORK_FS = {
    "nfs", "nfs4", "cifs", "smbfs", "smb3", "smb2", "afpfs", "webdav", "davfs", "9p",
    "fuse.sshfs", "sshfs", "ncpfs", "afs", "glusterfs", "ceph", "fuse.rclone", "fuse.s3fs",
}  # fmt: skip


@dataclass(frozen=True)
class LocationRisk:
    """Why a folder is a risky place for a case file."""

    kind: str  # "sync" or "network"
    service: str  # "OneDrive", "a network share (cifs)", ...

    def message(self, name: str) -> str:
        """The warning shown to the user."""
        if self.kind == "sync":
            return (
                f"{name} is in a {self.service} folder. Sync services can copy a case file while it is being "
                "written, or replace it with another computer's copy while it is open, and edits can be lost. "
                "Work on a copy in a local folder (for example Documents) and put the finished file back."
            )
        return (
            f"{name} is on {self.service}. File locks on network shares are unreliable, so two people editing "
            "at once, or a dropped connection, can damage it. Copy it to your computer to work on it, and "
            "copy it back when you are done."
        )


def sync_service(path: PurePath) -> str | None:
    """The sync client whose folder holds ``path``, judged by folder names."""
    parts = [p.casefold() for p in path.parts]
    for i in range(len(parts) - 1):
        if parts[i : i + 2] == list(_CLOUD_STORAGE) and i + 2 < len(parts):
            provider = path.parts[i + 2].split("-", 1)[0]
            return {"googledrive": "Google Drive"}.get(provider.casefold(), provider)
    for part in parts[:-1]:
        for prefix, service in _SYNC_FOLDERS.items():
            # "OneDrive - Agency Name" is how business OneDrive folders are named.
            if part == prefix or (prefix in ("onedrive", "dropbox") and part.startswith(prefix + " ")):
                return service
    return None


def read_mounts(text: str) -> list[tuple[str, str]]:
    """``(mount point, fs type)`` pairs from /proc/mounts text (octal escapes decoded)."""
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            point = fields[1].encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")
            out.append((point, fields[2]))
    return out


def filesystem_type(path: PurePath, mounts: Iterable[tuple[str, str]]) -> str | None:
    """The type of the file system holding ``path`` (the longest matching mount point)."""
    best: tuple[int, str] | None = None
    text = str(path)
    for point, fstype in mounts:
        prefix = point.rstrip("/") + "/"
        if (text == point or text.startswith(prefix) or point == "/") and (best is None or len(point) > best[0]):
            best = (len(point), fstype)
    return best[1] if best else None


def _system_mounts() -> list[tuple[str, str]]:
    try:
        return read_mounts(Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []


def _windows_remote(path: PurePath) -> bool:
    text = str(path)
    if text.startswith("\\\\") and not text.startswith("\\\\?\\"):
        return True  # a UNC path: \\\\server\\share
    if sys.platform != "win32":
        return False
    import ctypes

    drive = os.path.splitdrive(text)[0]
    if not drive:
        return False
    DRIVE_REMOTE = 4
    kernel32 = getattr(ctypes, "windll").kernel32  # noqa: B009 - windll exists only on Windows
    return bool(kernel32.GetDriveTypeW(drive + "\\") == DRIVE_REMOTE)


def _macos_fstype(path: Path) -> str | None:
    if sys.platform != "darwin":
        return None
    import ctypes
    import ctypes.util

    class StatFs(ctypes.Structure):
        _fields_ = [
            ("f_bsize", ctypes.c_uint32), ("f_iosize", ctypes.c_int32), ("f_blocks", ctypes.c_uint64),
            ("f_bfree", ctypes.c_uint64), ("f_bavail", ctypes.c_uint64), ("f_files", ctypes.c_uint64),
            ("f_ffree", ctypes.c_uint64), ("f_fsid", ctypes.c_int32 * 2), ("f_owner", ctypes.c_uint32),
            ("f_type", ctypes.c_uint32), ("f_flags", ctypes.c_uint32), ("f_fssubtype", ctypes.c_uint32),
            ("f_fstypename", ctypes.c_char * 16), ("f_mntonname", ctypes.c_char * 1024),
            ("f_mntfromname", ctypes.c_char * 1024), ("f_flags_ext", ctypes.c_uint32),
            ("f_reserved", ctypes.c_uint32 * 7),
        ]  # fmt: skip

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    buf = StatFs()
    statfs = libc["statfs$INODE64"] if hasattr(libc, "statfs$INODE64") else libc.statfs
    if statfs(str(path).encode("utf-8"), ctypes.byref(buf)) != 0:
        return None
    return bytes(buf.f_fstypename).decode("ascii", "replace") or None


def location_risk(
    path: str | os.PathLike[str], *, mounts: Iterable[tuple[str, str]] | None = None
) -> LocationRisk | None:
    """Whether ``path`` sits in a sync folder or on a network file system (None if neither).

    ``mounts`` replaces the system's mount table (tests use it to fake network mounts).
    """
    p = Path(path)
    with suppress(OSError):
        p = p.resolve()
    service = sync_service(p)
    if service:
        return LocationRisk("sync", service)
    if _windows_remote(p):
        return LocationRisk("network", "a network share")
    if mounts is not None or sys.platform.startswith("linux"):
        fstype = filesystem_type(p, _system_mounts() if mounts is None else mounts)
    else:
        fstype = _macos_fstype(p)
    if fstype and fstype.casefold() in _NETWORK_FS:
        return LocationRisk("network", f"a network share ({fstype})")
    return None
