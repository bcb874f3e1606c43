"""The keyboard path through a record page.

Tab and Shift+Tab move between panes (filter bar, timeline strip, list, editor, and on to
the sections list) instead of from cell to cell; the arrow keys move within the list. Down
from the filter box goes into the list, Enter in the list goes to the editor, Escape in the
editor comes back. The list shows when it has the keyboard: a ring in the highlight colour
and the selection in the full highlight colour, a paler one when the keyboard is elsewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QRect, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget

if TYPE_CHECKING:
    from .record_page import RecordPage

# The keys a page answers to that no menu shows: (where, what they do, keys in portable text).
# Help > Keyboard Shortcuts and the README list them.
PAGE_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Lists", "Move to the next or previous pane", "Tab, Shift+Tab"),
    ("Lists", "From the filter box into the list", "Down, PgDown"),
    ("Lists", "Move within the list", "Up, Down, PgUp, PgDown, Home, End"),
    ("Lists", "Edit the selected record in the panel", "Return"),
    ("Lists", "Edit the current cell in the list", "F2"),
    ("Lists", "Select more records (or a range with Shift+Click, one more with Ctrl+Click)", "Shift+Up, Shift+Down"),
    ("Lists", "Select every record in the list", "Ctrl+A"),
    ("Lists", "Copy the selected rows as a table", "Ctrl+C"),
    ("Lists", "Actions for the selected records", "Menu, Shift+F10"),
    ("Editor", "Back to the list (the record stays selected)", "Esc"),
    ("Editor", "Finish a paragraph field", "Ctrl+Return"),
    ("Editor", "Tick or untick a checkbox", "Space"),
    ("Timeline strip", "Previous or next entry", "Left, Right"),
    ("Timeline strip", "First or last entry", "Home, End"),
    ("Timeline strip", "Zoom in, zoom out, fit", "+, -, 0"),
    ("Timeline strip", "Zoom around the pointer", "Ctrl+Wheel"),
)

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class PageKeys(QObject):
    """Installs the keyboard path on one record page."""

    def __init__(self, page: RecordPage) -> None:
        super().__init__(page)
        self.page = page
        table = page.table
        # Tab leaves the list; the arrow keys already move from cell to cell.
        table.setTabKeyNavigation(False)
        before_table = table.previousInFocusChain()
        if page.timeline is not None and before_table is not None:
            # The strip sits above the list, so Tab reaches it first.
            QWidget.setTabOrder(before_table, page.timeline)
        page.filter_edit.installEventFilter(self)
        table.installEventFilter(self)
        page.editor.leave_requested.connect(self.focus_list)
        self.indicator = FocusIndicator(table)

    def focus_list(self, *, select_first: bool = True) -> None:
        """Give the list the keyboard; with ``select_first``, its first row becomes current if none is."""
        page = self.page
        if select_first and not page.table.currentIndex().isValid() and page.model.rowCount():
            page.table.selectionModel().setCurrentIndex(
                page.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
        if page.table.currentIndex().isValid():
            page.table.scrollTo(page.table.currentIndex())
        page.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        page = self.page
        if watched is page.filter_edit and plain and key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            page.apply_typed_filter()  # what was just typed, not what was there a moment ago
            self.focus_list()
            return True
        if watched is page.table and plain and page.table.state() != QAbstractItemView.State.EditingState:
            index = page.table.currentIndex()
            if key in ENTER_KEYS and index.isValid():
                # Never an inline edit (macOS would start one on Return): the panel has every field,
                # so it comes back if View > Show Editor Pane had put it away.
                page.set_editor_shown(True)
                page.editor.focus_first_editable()
                return True
            if key == Qt.Key.Key_F2 and index.isValid():
                page.table.edit(index)  # on every platform, not only where F2 is the edit key
                return True
        return False


class FocusIndicator(QObject):
    """Shows whether an item view has the keyboard.

    Fusion and the Windows styles draw nothing around a focused list, and draw its selection
    the same whether or not it has the keyboard, so after Tab nobody can tell where the keys go.
    """

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view
        self.ring = _Ring(view)
        self.focused = False
        self._applying = False
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._on_focus_changed)
        view.installEventFilter(self)
        self._show(False, force=True)

    def _on_focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        # A cell being edited in the list still counts as the list having the keyboard.
        self._show(now is not None and (now is self.view or self.view.isAncestorOf(now)))

    def _show(self, focused: bool, *, force: bool = False) -> None:
        if focused == self.focused and not force:
            return
        self.focused = focused
        # Only the two roles changed are set: every other colour still follows the app's
        # palette (light and dark).
        palette = QPalette()
        if not focused:
            parent = self.view.parentWidget()
            inherited = parent.palette() if parent is not None else QApplication.palette(self.view)
            for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
                highlight = inherited.color(group, QPalette.ColorRole.Highlight)
                base = inherited.color(group, QPalette.ColorRole.Base)
                palette.setColor(group, QPalette.ColorRole.Highlight, _mix(highlight, base, 0.28))
                text = inherited.color(group, QPalette.ColorRole.Text)
                palette.setColor(group, QPalette.ColorRole.HighlightedText, text)
        self._applying = True  # setting the palette sends a PaletteChange of its own
        try:
            self.view.setPalette(palette)
        finally:
            self._applying = False
        self.ring.setVisible(focused)
        if focused:
            self.ring.setGeometry(self.view.rect())
            self.ring.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view:
            if event.type() == QEvent.Type.Resize:
                self.ring.setGeometry(self.view.rect())
            elif event.type() == QEvent.Type.PaletteChange and not self._applying and not self.focused:
                self._show(False, force=True)  # light to dark: the pale selection is worked out again
        return False


class _Ring(QWidget):
    """A frame in the highlight colour drawn over the view's own frame; clicks go through it."""

    WIDTH = 2

    def __init__(self, view: QWidget) -> None:
        super().__init__(view)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        colour = self.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
        pen = QPen(colour, self.WIDTH)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        half = self.WIDTH // 2
        painter.drawRect(QRect(self.rect()).adjusted(half, half, -half, -half))


def _mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``amount`` of a over b, so the pale selection follows light and dark palettes."""
    return QColor.fromRgbF(
        a.redF() * amount + b.redF() * (1 - amount),
        a.greenF() * amount + b.greenF() * (1 - amount),
        a.blueF() * amount + b.blueF() * (1 - amount),
    )
