"""What the screenshot scripts share: a fresh sample case in a throw-away home folder, open in
the main window at 1280×800, offscreen unless a display is asked for."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def out_folder(argv: list[str]) -> Path:
    """The folder named on the command line, else docs/screenshots (made if missing)."""
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


def open_sample() -> tuple[Any, Any, Path]:
    """(application, main window, home folder) with the sample case open; SystemExit when the
    case does not open within 20 s."""
    home = Path(tempfile.mkdtemp(prefix="casefile-shots-"))
    os.environ["CASEFILE_HOME"] = str(home)

    from PySide6.QtTest import QTest

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
        raise SystemExit(1)
    return app, window, home
