"""Render the main window on each page for the sample case, offscreen, into docs/screenshots/:
every page at 1280x800, then a small window (800x600) and the dark colour scheme.

Usage: python scripts/screenshots.py [OUTDIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = [
    ("case", None, None),
    ("actors", "actor", "Francis Brennan"),
    ("statements", "statement", "We share the administration"),
    ("directives", "directive", "Executive Order 14409"),
    ("timeline", "timeline", "Export directive reaches Anthropic"),
    ("sources", "source", "U.S. Presses Meta"),
]


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="casefile-shots-"))
    os.environ["CASEFILE_HOME"] = str(home)

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from db import queries
    from db.fields import Kind
    from db.sample import create_sample
    from desktop.app import make_application
    from desktop.main_window import MainWindow
    from desktop.settings import Settings
    from desktop.theme import follow_system_scheme

    app = make_application()
    app.setStyle("Fusion")
    path = home / "CAISI Voluntary Review.casefile"
    create_sample(path)
    window = MainWindow(Settings())
    window.resize(1280, 800)
    window.show()
    window.documents.open_path(path)
    deadline = time.monotonic() + 20
    while window.session is None and time.monotonic() < deadline:
        QTest.qWait(20)
    if window.session is None:
        print("the sample case did not open", file=sys.stderr)
        return 1
    for i, (name, kind_name, pick) in enumerate(PAGES, start=1):
        kind = Kind(kind_name) if kind_name else None
        window.case_view.show_page(kind)
        if kind is not None and pick:
            found = [
                rid for rid, label in queries.choices(window.session.cf, kind, "", limit=500) if label.startswith(pick)
            ]
            if found:
                window.case_view.show_record(kind, found[0])
        QTest.qWait(150)
        target = out / f"{i}-{name}.png"
        window.grab().save(str(target))
        print(target)

    extras = [("7-statements-800x600", (800, 600), Kind.STATEMENT, False), ("8-dark", (1280, 800), Kind.TIMELINE, True)]
    for name, size, kind, dark in extras:
        if dark:
            follow_system_scheme(app).apply(Qt.ColorScheme.Dark)
        window.resize(*size)
        window.case_view.show_page(kind)
        QTest.qWait(250)
        target = out / f"{name}.png"
        window.grab().save(str(target))
        print(target)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
