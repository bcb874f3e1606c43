"""Render the main window on each page for the sample case, offscreen, into docs/screenshots/:
every page at 1280x800, then a small window (800x600) and the dark colour scheme.

Usage: python scripts/screenshots.py [OUTDIR]
"""

from __future__ import annotations

import sys

from sample_window import open_sample, out_folder

PAGES = [
    ("case", None, None),
    ("actors", "actor", "Francis Brennan"),
    ("statements", "statement", "We share the administration"),
    ("directives", "directive", "Executive Order 14409"),
    ("timeline", "timeline", "Export directive reaches Anthropic"),
    ("sources", "source", "U.S. Presses Meta"),
]


def main() -> int:
    out = out_folder(sys.argv)
    app, window, _home = open_sample()

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from db import queries
    from db.fields import Kind
    from desktop.theme import follow_system_scheme

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
