"""Hand a file to the desktop: open it in its own app, or show it in the file manager."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices


def open_file(path: Path) -> bool:
    """Open ``path`` in the app the desktop uses for its type; False when there is none."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


def show_in_folder(path: Path, platform: str = sys.platform) -> bool:
    """Show the folder holding ``path``, with the file selected where the file manager can do it.

    Explorer and Finder select a file from the command line; the Linux file managers have no
    one way to do it, so there the folder is opened. False when nothing could be started.
    """
    if platform == "win32":
        # "/select," and the path as separate arguments, native separators: the form Explorer parses.
        return bool(QProcess.startDetached("explorer.exe", ["/select,", str(path).replace("/", "\\")]))
    if platform == "darwin":
        return bool(QProcess.startDetached("open", ["-R", str(path)]))
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent))))
