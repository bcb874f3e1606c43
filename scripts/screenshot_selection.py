"""Render the main window with several timeline entries selected, offscreen, into
docs/screenshots/9-selection.png: the list's selection and the editor pane offering what can be
done to all of them at once.

Usage: python scripts/screenshot_selection.py [OUTDIR]
"""

from __future__ import annotations

import sys

from sample_window import open_sample, out_folder

ROWS = (1, 2, 3, 4, 7, 9)  # a range and two more picked with Ctrl+click


def main() -> int:
    out = out_folder(sys.argv)
    _app, window, _home = open_sample()

    from PySide6.QtCore import QItemSelectionModel, Qt
    from PySide6.QtTest import QTest

    from db.fields import Kind

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
