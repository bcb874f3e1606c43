"""Helpers for driving the app in tests: open a window on a file, answer modal dialogs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from desktop.main_window import MainWindow
from desktop.settings import Settings


def open_window(qtbot, path: Path | None = None, *, read_only: bool = False) -> MainWindow:  # type: ignore[no-untyped-def]
    """A shown main window with ``path`` open (waits for the background open to finish)."""
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)  # shortcuts need an active window
    if path is not None:
        window.documents.open_path(path, read_only=read_only)
        qtbot.waitUntil(lambda: window.session is not None, timeout=10000)
    return window


def when_modal(
    action: Callable[[QWidget], None], *, timeout_ms: int = 20000, kind: type[QWidget] = QWidget
) -> list[QWidget]:
    """Run ``action`` on the next modal dialog of type ``kind`` as soon as it shows (for exec() dialogs).

    Other modal widgets (a progress dialog shown first, say) are passed over. Returns a list that
    receives the dialog, so the test can check it was seen.
    """
    seen: list[QWidget] = []
    waited = [0]

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if widget is not None and widget.isVisible() and isinstance(widget, kind):
            seen.append(widget)
            action(widget)
            return
        waited[0] += 20
        if waited[0] < timeout_ms:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return seen
