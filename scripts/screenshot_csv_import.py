"""Render the CSV import preview, offscreen, into docs/screenshots/csv-import-preview.png: a
spreadsheet of statements as staff keep one, with an unknown speaker and a row that would fail.

Usage: python scripts/screenshot_csv_import.py [OUTDIR]
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
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="casefile-shots-"))
    os.environ["CASEFILE_HOME"] = str(home)

    from PySide6.QtTest import QTest

    from db.csv_read import read_csv
    from db.sample import create_sample
    from desktop.app import make_application
    from desktop.dialogs.csv_import_dialog import CsvImportDialog
    from desktop.main_window import MainWindow
    from desktop.settings import Settings

    app = make_application()
    app.setStyle("Fusion")
    path = home / "CAISI Voluntary Review.casefile"
    create_sample(path)
    source = home / "statements.csv"
    lines = [",".join(f'"{cell}"' for cell in row) for row in ROWS]
    source.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
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
