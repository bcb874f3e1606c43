"""Unexpected errors: logged to the user log folder and shown in a dialog with the details
to copy; the app keeps running, and everything already written stays written."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from db.paths import user_log_dir

from . import APP_NAME, __version__
from .logfile import LOG_NAME, setup_logging

__all__ = ["LOG_NAME", "install_excepthook", "setup_logging", "show_error_dialog"]

log = logging.getLogger("casefile")
_showing = False


def details_text(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """What "Copy details" puts on the clipboard."""
    lines = traceback.format_exception(exc_type, exc, tb)
    return f"{APP_NAME} {__version__}, Python {sys.version.split()[0]}, {sys.platform}\n\n" + "".join(lines)


def show_error_dialog(parent: QWidget | None, summary: str, details: str) -> None:
    """The dialog for an unexpected error: what happened, that work is safe, and Copy details."""
    global _showing
    if _showing:
        return
    _showing = True
    try:
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(f"{APP_NAME}: unexpected error")
        box.setText("Something went wrong inside Casefile.")
        box.setInformativeText(
            f"{summary}\n\nEverything you had already changed is saved in the case file, and you can keep "
            f"working. The details are in the log file ({user_log_dir() / LOG_NAME})."
        )
        box.setDetailedText(details)
        copy = box.addButton("Copy Details", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Ok)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(details))
        box.exec()
    finally:
        _showing = False


def _handle(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        QApplication.quit()
        return
    app = QApplication.instance()
    from db.errors import CaseFileError

    if isinstance(exc, CaseFileError) and app is not None:
        # A problem with the file (damage found while reading, a failed write), not a bug:
        # say it plainly rather than as an unexpected error.
        log.warning("case file problem: %s", exc)
        message = str(exc)
        QTimer.singleShot(0, lambda: _show_file_problem(message))
        return
    log.error("unexpected error", exc_info=(exc_type, exc, tb))
    if app is None:
        sys.__excepthook__(exc_type, exc, tb)
        return
    details = details_text(exc_type, exc, tb)
    summary = f"{exc_type.__name__}: {exc}"
    # Show the dialog from the event loop, not from inside whatever code raised.
    QTimer.singleShot(0, lambda: show_error_dialog(QApplication.activeWindow(), summary, details))


def _show_file_problem(message: str) -> None:
    global _showing
    if _showing:
        return
    _showing = True
    try:
        QMessageBox.warning(
            QApplication.activeWindow(),
            "Problem With the Case File",
            f"{message}\n\nWhat was already saved is unchanged. If the file is damaged, File > Restore From "
            "Backup… opens an earlier copy.",
        )
    finally:
        _showing = False


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        log.error("unexpected error in a thread", exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def install_excepthook() -> None:
    """Route uncaught exceptions (including those raised in Qt slots) to the log and the dialog."""
    sys.excepthook = _handle
    threading.excepthook = _thread_hook
