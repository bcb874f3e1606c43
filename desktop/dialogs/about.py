"""About Casefile: version, the libraries it stands on, and the licences of bundled fonts."""

from __future__ import annotations

import html
import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from db.paths import resource_path
from db.sqlite import version as sqlite_version

from .. import APP_NAME, __version__


def font_licences() -> list[tuple[str, str]]:
    """(file name, licence text) of every licence file shipped with the bundled fonts."""
    folder = resource_path("fonts")
    out: list[tuple[str, str]] = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            upper = path.name.upper()
            if path.is_file() and ("LICEN" in upper or "COPYING" in upper or upper.startswith("README")):
                out.append((path.name, path.read_text(encoding="utf-8", errors="replace")))
    return out


class AboutDialog(QDialog):
    """Version and licences."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.resize(560, 480)
        import reportlab

        heading = QLabel(
            f"<h2>{APP_NAME} {html.escape(__version__)}</h2>"
            "<p>Keep one policy matter in one case file, and print a marked briefing packet in one click.</p>"
            f"<p>Qt {qVersion()} · PySide6 {pyside_version} · Python {sys.version.split()[0]} · "
            f"SQLite {sqlite_version()} · reportlab {reportlab.Version}</p>",
            self,
        )
        heading.setWordWrap(True)
        licences = QTextBrowser(self)
        licences.setAccessibleName("Licences")
        parts = ["<h3>Bundled fonts</h3>"]
        for name, text in font_licences() or [("", "No bundled font licences were found.")]:
            parts.append(f"<h4>{html.escape(name)}</h4><pre>{html.escape(text)}</pre>")
        licences.setHtml("".join(parts))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(licences, 1)
        layout.addWidget(buttons)
