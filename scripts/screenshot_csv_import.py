"""Render the CSV import preview, offscreen, into docs/screenshots/csv-import-preview.png: a
spreadsheet of statements as staff keep one, with an unknown speaker and a row that would fail.

Usage: python scripts/screenshot_csv_import.py [OUTDIR]
"""

from __future__ import annotations

import sys
import time

from sample_window import open_sample, out_folder

ROWS = [
    ("Date", "Who", "Quote", "Where", "Exact words?", "Source", "Our notes"),
    ("June 2, 2026", "Francis Brennan", "We expect every frontier lab to take part in the review.", "Press briefing",
     "yes", "", "Said twice"),
    ("6/9/2026", "Francis Brennan", "The review is voluntary, and it will stay voluntary.", "Senate hearing", "yes",
     "", ""),
    ("mid-June", "Dana Whitfield", "We have not been asked for model weights.", "Interview", "no", "", "Check date"),
    ("2026-06-18", "Dana Whitfield", "Our teams met CAISI staff twice this month.", "Blog post", "paraphrase", "",
     ""),
    ("2026-06-20", "Francis Brennan", "Results will be shared with the labs first.", "Town hall", "no", "", ""),
]  # fmt: skip


def main() -> int:
    out = out_folder(sys.argv)
    _app, window, home = open_sample()

    from PySide6.QtTest import QTest

    from db.csv_read import read_csv
    from desktop.dialogs.csv_import_dialog import CsvImportDialog

    source = home / "statements.csv"
    lines = [",".join(f'"{cell}"' for cell in row) for row in ROWS]
    source.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    dialog = CsvImportDialog(window.session, source, read_csv(source), window)
    dialog.resize(1100, 620)
    dialog.show()
    deadline = time.monotonic() + 20
    while (dialog.plan is None or dialog.checking) and time.monotonic() < deadline:
        QTest.qWait(20)
    QTest.qWait(150)
    target = out / "csv-import-preview.png"
    dialog.grab().save(str(target))
    print(target)
    dialog.reject()
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
