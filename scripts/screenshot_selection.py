"""Render the main window with several timeline entries selected, offscreen, into
docs/screenshots/9-selection.png: the list's selection and the editor pane offering what can be
done to all of them at once.

Usage: python scripts/screenshot_selection.py [OUTDIR]
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

ROWS = (1, 2, 3, 4, 7, 9)  # a range and two more picked with Ctrl+click


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="casefile-shots-"))
    os.environ["CASEFILE_HOME"] = str(home)

    from PySide6.QtCore import QItemSelectionModel, Qt
    from PySide6.QtTest import QTest

    from db.fields import Kind
    from db.sample import create_sample
    from desktop.app import make_application
    from desktop.main_window import MainWindow
    from desktop.settings import Settings

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
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    assert page is not None
    flags = QItemSelectionModel.SelectionFlag
    model = page.model
    page.table.selectionModel().setCurrentIndex(model.index(ROWS[0], 0), flags.ClearAndSelect | flags.Rows)
    for row in ROWS[1:]:
        page.table.selectionModel().setCurrentIndex(model.index(row, 0), flags.Select | flags.Rows)
    page.table.setFocus(Qt.FocusReason.OtherFocusReason)
    QTest.qWait(250)
    target = out / "9-selection.png"
    window.grab().save(str(target))
    print(target)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
