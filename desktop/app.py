"""Start the app: QApplication, logging and error handling, fonts, then the first case.

On first run the sample case is created in the user data folder and opened, so a new
user is looking at a full case within seconds; afterwards the last case used reopens.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFileOpenEvent, QFontDatabase, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from db.paths import resource_path, user_data_dir

from . import APP_ID, APP_NAME, ORG_NAME, __version__
from .errors import install_excepthook, setup_logging
from .theme import follow_system_scheme

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger("casefile.app")


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the app's names, icon, bundled fonts and the system's light or dark scheme
    (an existing one is reused and made to follow the scheme)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        follow_system_scheme(existing)
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(APP_ID)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    icon = resource_path("icons", "casefile.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    register_fonts()
    follow_system_scheme(app)
    app.installEventFilter(file_opener)
    return app


class FileOpener(QObject):
    """Opens files the system hands over (macOS Finder sends a FileOpen event, not arguments)."""

    def __init__(self) -> None:
        super().__init__()
        self.window: MainWindow | None = None
        self.pending: list[Path] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent) and event.file():
            path = Path(event.file())
            if self.window is not None:
                self.window.documents.open_path(path)
            else:
                self.pending.append(path)
            return True
        return False


file_opener = FileOpener()


def register_fonts() -> None:
    """Make the bundled fonts available, so text renders even where the system has few fonts."""
    folder = resource_path("fonts")
    if folder.is_dir():
        for path in sorted(folder.glob("DejaVuSans*.ttf")):
            QFontDatabase.addApplicationFont(str(path))


def first_case(settings_last: Path | None) -> tuple[Path | None, str | None]:
    """The case to open at start and a note for the status bar (sample created on first run)."""
    if settings_last is not None:
        if settings_last.exists():
            return settings_last, None
        note = f"The last case file, {settings_last}, was not found; showing the sample case."
    else:
        note = None
    from db.errors import CaseFileError
    from db.sample import SAMPLE_FILE_NAME, create_sample

    sample = user_data_dir() / SAMPLE_FILE_NAME
    if not sample.exists():
        try:
            create_sample(sample)
        except CaseFileError as exc:
            log.error("could not create the sample case: %s", exc)
            return None, f"The sample case could not be created: {exc}"
    return sample, note


def create_main_window(path: str | None = None) -> MainWindow:
    """Show the main window and start opening ``path`` (or the last case, or the sample)."""
    from .settings import Settings
    from .team_cases import is_team_entry

    settings = Settings()
    if not path and file_opener.pending:
        path = str(file_opener.pending.pop())
    target: Path | None
    if path and is_team_entry(path):
        # A team case (an address or a link file) connects once the window is up, with its Cancel.
        target, note = None, None
    elif path:
        target, note = Path(path), None
    else:
        target, note = first_case(settings.last_case() if settings.reopen_last() else None)
    pending = None
    if target is not None:
        from .documents import PendingOpen

        # Check the file on a worker while the window is built (the checks read the whole file).
        pending = PendingOpen(target)
    from .main_window import MainWindow

    window = MainWindow(settings)
    file_opener.window = window
    app = QCoreApplication.instance()
    if app is not None:
        app.installEventFilter(file_opener)  # also when the application was made elsewhere (tests)
    window.show()
    if note:
        window.statusBar().showMessage(note, 15000)
        # Shown again once the fallback case is open, so "Opened …" does not hide it.
        window.documents.opened.connect(lambda _s: window.statusBar().showMessage(note, 15000))
    if target is not None:
        QTimer.singleShot(0, lambda: window.documents.open_path(target, pending=pending))
    elif path:
        team_entry = path
        QTimer.singleShot(0, lambda: window.documents.open_entry(team_entry))
    return window


class StartupProbe(QObject):
    """``CASEFILE_STARTUP_PROBE=1``: print when the main window first paints, then close it (docs/packaging.md)."""

    def __init__(self, window: MainWindow, started: float) -> None:
        super().__init__(window)
        self.window, self.started = window, started
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Paint:
            self.window.removeEventFilter(self)
            print(f"main window shown after {time.perf_counter() - self.started:.2f} s", flush=True)
            QTimer.singleShot(0, self.window.close)
        return False


def run_app(path: str | None = None) -> int:
    """Run the app until the last window closes; return the exit status."""
    started = time.perf_counter()
    setup_logging()
    app = make_application()
    install_excepthook()
    window = create_main_window(path)
    if os.environ.get("CASEFILE_STARTUP_PROBE") == "1":
        StartupProbe(window, started)
    status = app.exec()
    del window
    log.info("%s exiting with status %s", APP_NAME, status)
    return int(status)
