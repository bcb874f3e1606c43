"""8. Risky locations: sync folders and network file systems get a warning that explains the risk.

Detection is by folder names (the sync clients' own folder names on Windows, macOS and
Linux) and by the file system type from the mount table. The paths and mount tables here
are faked; one real folder named like a OneDrive business folder shows the app's banner.
"""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

import pytest
from reliability_helpers import record

from db.locations import _windows_remote, filesystem_type, location_risk, read_mounts, sync_service
from db.sqlite.casefile import CaseFile
from tests.gui_helpers import open_window

SYNC_PATHS = {
    # Windows
    r"C:\Users\jsmith\OneDrive\Cases\caisi.casefile": "OneDrive",
    r"C:\Users\jsmith\OneDrive - Department of Commerce\Cases\caisi.casefile": "OneDrive",
    r"C:\Users\jsmith\Dropbox\Cases\caisi.casefile": "Dropbox",
    r"C:\Users\jsmith\Dropbox (Agency)\Cases\caisi.casefile": "Dropbox",
    r"G:\My Drive\Cases\caisi.casefile": "Google Drive",
    r"C:\Users\jsmith\Google Drive\Cases\caisi.casefile": "Google Drive",
    r"C:\Users\jsmith\iCloudDrive\Cases\caisi.casefile": "iCloud Drive",
    # macOS
    "/Users/jsmith/Library/CloudStorage/OneDrive-Agency/Cases/caisi.casefile": "OneDrive",
    "/Users/jsmith/Library/CloudStorage/GoogleDrive-jsmith@agency.gov/My Drive/caisi.casefile": "Google Drive",
    "/Users/jsmith/Library/CloudStorage/Dropbox/Cases/caisi.casefile": "Dropbox",
    "/Users/jsmith/Library/Mobile Documents/com~apple~CloudDocs/Cases/caisi.casefile": "iCloud Drive",
    "/Users/jsmith/Dropbox/caisi.casefile": "Dropbox",
    # Linux
    "/home/jsmith/Dropbox/Cases/caisi.casefile": "Dropbox",
    "/home/jsmith/OneDrive/caisi.casefile": "OneDrive",
}
SAFE_PATHS = [
    r"C:\Users\jsmith\Documents\Cases\caisi.casefile",
    r"D:\Casework\OneDriveNotes\caisi.casefile",  # a name that only starts like a sync folder
    "/Users/jsmith/Documents/caisi.casefile",
    "/Users/jsmith/Library/Application Support/Casefile/caisi.casefile",
    "/home/jsmith/cases/dropboxes.casefile",
    "/home/jsmith/onedrive.casefile",  # the file's own name is not a folder
]


@pytest.mark.parametrize("text", list(SYNC_PATHS))
def test_sync_folders_are_recognised(text):
    path = PureWindowsPath(text) if "\\" in text else PurePosixPath(text)
    assert sync_service(path) == SYNC_PATHS[text]


@pytest.mark.parametrize("text", SAFE_PATHS)
def test_ordinary_folders_are_not(text):
    path = PureWindowsPath(text) if "\\" in text else PurePosixPath(text)
    assert sync_service(path) is None


MOUNTS = [("/", "ext4"), ("/home", "ext4"), ("/mnt/share", "cifs"), ("/mnt/share/local", "ext4"),
          ("/net/policy", "nfs4"), ("/media/laptop", "fuse.sshfs"), ("/srv/NFS", "NFS")]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/mnt/share/cases/caisi.casefile", "a network share (cifs)"),
        ("/net/policy/caisi.casefile", "a network share (nfs4)"),
        ("/media/laptop/caisi.casefile", "a network share (fuse.sshfs)"),
        ("/srv/NFS/caisi.casefile", "a network share (NFS)"),
        ("/mnt/share/local/caisi.casefile", None),  # a local disk mounted inside the share
        ("/mnt/sharex/caisi.casefile", None),  # only shares the first letters of the mount point
        ("/home/jsmith/caisi.casefile", None),
    ],
)
def test_network_file_systems_are_recognised_from_the_mount_table(text, expected):
    risk = location_risk(text, mounts=MOUNTS)
    assert (risk.service if risk else None) == expected
    if risk is not None:
        assert risk.kind == "network"
        message = risk.message("caisi.casefile")
        assert message.startswith(f"caisi.casefile is on {expected}. File locks on network shares are unreliable")
        assert "Copy it to your computer" in message


def test_mount_table_escapes_are_decoded():
    text = (
        "/dev/sda1 / ext4 rw,relatime 0 0\n"
        "//server/Policy\\040Shop /mnt/Policy\\040Shop cifs rw 0 0\n"
        "server:/export /mnt/tab\\011and\\012newline nfs4 rw 0 0\n"
        "server:/b /mnt/back\\134slash nfs rw 0 0\n"
        "server:/café /mnt/café nfs4 rw 0 0\n"
        "server:/x /mnt/caf\\303\\251-escaped nfs4 rw 0 0\n"
        "broken line\n"
    )
    assert read_mounts(text) == [
        ("/", "ext4"),
        ("/mnt/Policy Shop", "cifs"),
        ("/mnt/tab\tand\nnewline", "nfs4"),
        ("/mnt/back\\slash", "nfs"),
        ("/mnt/café", "nfs4"),
        ("/mnt/café-escaped", "nfs4"),
    ]
    mounts = read_mounts(text)
    assert filesystem_type(PurePosixPath("/mnt/Policy Shop/caisi.casefile"), mounts) == "cifs"
    assert filesystem_type(PurePosixPath("/mnt/café/x.casefile"), mounts) == "nfs4"


def test_windows_network_paths_are_recognised():
    assert _windows_remote(PureWindowsPath(r"\\fileserver\policy\caisi.casefile"))
    assert not _windows_remote(PureWindowsPath(r"\\?\C:\Users\jsmith\caisi.casefile"))  # a long local path


def test_sync_warnings_explain_the_risk():
    risk = location_risk("/Users/jsmith/Library/CloudStorage/OneDrive-Agency/Cases/caisi.casefile", mounts=[])
    assert risk is not None and risk.kind == "sync" and risk.service == "OneDrive"
    assert risk.message("caisi.casefile") == (
        "caisi.casefile is in a OneDrive folder. Sync services can copy a case file while it is being written, "
        "or replace it with another computer's copy while it is open, and edits can be lost. Work on a copy in a "
        "local folder (for example Documents) and put the finished file back."
    )
    assert location_risk("/Users/jsmith/Documents/caisi.casefile", mounts=[("/", "apfs")]) is None
    record(
        8,
        "Case files in sync folders (OneDrive incl. business folders, Dropbox, Google Drive, iCloud Drive, on "
        "Windows, macOS and Linux) and on network file systems are recognised and the warning says why.",
        sync_paths_recognised=len(SYNC_PATHS),
        ordinary_paths_not_flagged=len(SAFE_PATHS),
        network_mount_types_tested=["cifs", "nfs4", "fuse.sshfs", "NFS"],
        local_mount_types_tested=["ext4", "apfs"],
    )


def test_the_app_warns_about_a_case_file_in_a_sync_folder(qtbot, tmp_path):
    folder = tmp_path / "OneDrive - Agency" / "Cases"
    folder.mkdir(parents=True)
    path = folder / "synced.casefile"
    CaseFile.create(path, title="Synced case").close()
    window = open_window(qtbot, path)
    banners = window.case_view.banners
    assert len(banners) == 1 and banners[0].kind == "warning"
    qtbot.waitUntil(banners[0].isVisible, timeout=60000)
    assert banners[0].text().startswith("synced.casefile is in a OneDrive folder. Sync services can copy")
    other = tmp_path / "Documents"
    other.mkdir()
    plain = other / "local.casefile"
    CaseFile.create(plain, title="Local case").close()
    window.documents.open_path(plain)
    qtbot.waitUntil(lambda: window.session is not None and window.session.cf.path == plain.resolve(), timeout=60000)
    assert window.case_view.banners == []
    record(8, "The app shows the sync-folder warning as a banner, and none for a local folder.",
           folder="a real folder named 'OneDrive - Agency'")  # fmt: skip
