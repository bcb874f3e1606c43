"""Helpers for driving the app in tests: open a window on a file, answer modal dialogs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from desktop.main_window import MainWindow
from desktop.settings import Settings


def open_window(qtbot, path: Path | None = None, *, read_only: bool = False) -> MainWindow:  # type: ignore[no-untyped-def]
    """A shown main window with ``path`` open (waits for the background open to finish)."""
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)  # shortcuts need an active window
    if path is not None:
        window.documents.open_path(path, read_only=read_only)
        qtbot.waitUntil(lambda: window.session is not None, timeout=60000)
    return window


class _ModalWatcher(QObject):
    """Waits for the next modal dialog of one type to show, then answers it from its own event loop."""

    def __init__(self, action: Callable[[QWidget], None], kind: type[QWidget], seen: list[QWidget]) -> None:
        super().__init__()
        self.action, self.kind, self.seen = action, kind, seen
        self.done = False

    def matches(self, widget: object) -> bool:
        if isinstance(widget, QProgressDialog) and not issubclass(self.kind, QProgressDialog):
            return False  # "Working…" windows come and go on their own; never the dialog to answer
        return (
            not self.done
            and isinstance(widget, self.kind)
            and widget.isWindow()
            and (widget.isModal() or widget.windowModality() != Qt.WindowModality.NonModal)
        )

    def take(self, widget: QWidget) -> None:
        self.done = True
        self.seen.append(widget)
        _WATCHERS.discard(self)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        # From the event loop the dialog's exec() runs, once it is up.
        QTimer.singleShot(0, lambda: self.action(widget))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and self.matches(watched):
            self.take(watched)  # type: ignore[arg-type]
        return False

    def check_current(self) -> None:
        widget = QApplication.activeModalWidget()
        if widget is not None and widget.isVisible() and self.matches(widget):
            self.take(widget)


_WATCHERS: set[_ModalWatcher] = set()


def when_modal(action: Callable[[QWidget], None], *, kind: type[QWidget] = QWidget) -> list[QWidget]:
    """Run ``action`` on the next modal dialog of type ``kind`` as soon as it shows (for exec() dialogs).

    Driven by the dialog's own Show event, not by polling on a clock: however slow the machine,
    the dialog is answered. Progress dialogs (which a slow machine shows before the answer
    comes) and modal widgets of other types are passed over. Returns a list that receives the
    dialog, so the test can check it was seen. A watcher still waiting when the test ends is
    removed (``forget_modal_watchers``, run after each test).
    """
    seen: list[QWidget] = []
    watcher = _ModalWatcher(action, kind, seen)
    _WATCHERS.add(watcher)
    app = QApplication.instance()
    assert app is not None, "when_modal needs a QApplication (use the qtbot fixture)"
    app.installEventFilter(watcher)
    QTimer.singleShot(0, watcher.check_current)  # a dialog that is already up
    return seen


def forget_modal_watchers() -> None:
    """Remove every watcher whose dialog never came (so none answers a later test's dialog)."""
    app = QApplication.instance()
    for watcher in list(_WATCHERS):
        watcher.done = True
        if app is not None:
            app.removeEventFilter(watcher)
    _WATCHERS.clear()


def export_packet(qtbot, window: MainWindow) -> Path:  # type: ignore[no-untyped-def]
    """File > Export Briefing by its shortcut (Ctrl+E); the packet written."""
    window.briefing.last_output = None
    window.activateWindow()  # back from a dialog or a progress window: the shortcut needs it active
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.briefing.last_output is not None, timeout=60000)
    output = window.briefing.last_output
    assert output is not None
    return output


def fill_quick_create(values: dict[str, str]) -> Callable[[QWidget], None]:
    """An answer for a New … dialog: type ``values`` into its fields (a choice by its data) and press OK."""
    from PySide6.QtWidgets import QComboBox

    from desktop.dialogs.quick_create import QuickCreateDialog

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, QuickCreateDialog)
        for name, value in values.items():
            widget = dialog.input(name)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(widget.findData(value))
            else:
                widget.setText(value)
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    return fill
