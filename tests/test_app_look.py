"""How the window looks: the section list with icons and live counts, crisp icons on 2x
screens, and dark mode following the system."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPalette
from PySide6.QtWidgets import QToolBar

from db import queries
from db.fields import Kind
from desktop.actions import ActionId
from tests.gui_helpers import open_window, when_modal

TOOLBAR_ACTIONS = (
    ActionId.NEW_RECORD,
    ActionId.DELETE_RECORD,
    ActionId.FIND,
    ActionId.EXPORT_BRIEFING,
    ActionId.BACK,
    ActionId.FORWARD,
)
ACTORS_ROW = 1


@pytest.fixture
def window(qtbot, sample_path):
    return open_window(qtbot, sample_path)


def _ink(image: QImage, area: QRect, background: QColor) -> int:
    """How many pixels in ``area`` differ clearly from ``background`` (text or icon strokes)."""
    count = 0
    for x in range(area.left(), area.right() + 1):
        for y in range(area.top(), area.bottom() + 1):
            colour = image.pixelColor(x, y)
            if abs(colour.lightness() - background.lightness()) > 60:
                count += 1
    return count


def _count_area(nav, row: int) -> tuple[QImage, QRect, QColor]:
    """The sidebar as shown, the right-hand end of a row (where its count is) and the row's background."""
    rect = nav.visualRect(nav.model().index(row, 0))
    image = nav.viewport().grab().toImage()
    area = QRect(rect.right() - 44, rect.top() + 2, 36, rect.height() - 4)
    background = image.pixelColor(rect.right() - 60, rect.top() + 4)
    return image, area, background


def _fill_quick_create(name: str):
    def fill(dialog) -> None:
        dialog.input("name").setText(name)
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    return fill


def test_sections_show_icons_counts_and_roomy_rows(qtbot, window):
    nav = window.case_view.nav
    for row in range(nav.count()):
        assert not nav.item(row).icon().isNull(), nav.item(row).text()
        assert nav.visualRect(nav.model().index(row, 0)).height() >= 30  # a comfortable row, not a line of text
    assert nav.item(0).toolTip() == ""  # the Case page has no count
    assert nav.item(ACTORS_ROW).toolTip() == "20 actors"
    assert nav.item(ACTORS_ROW + 1).toolTip() == "21 statements"
    image, area, background = _count_area(nav, ACTORS_ROW)
    assert _ink(image, area, background) > 20  # the count is drawn at the right of the row
    image, area, background = _count_area(nav, 0)
    assert _ink(image, area, background) == 0  # and nothing where there is no count


def test_counts_follow_adds_deletes_and_undo(qtbot, window):
    nav = window.case_view.nav
    qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton, pos=nav.visualItemRect(nav.item(ACTORS_ROW)).center())
    assert window.case_view.current_kind() is Kind.ACTOR
    assert nav.item(ACTORS_ROW).toolTip() == "20 actors"
    image, area, _bg = _count_area(nav, ACTORS_ROW)
    shown_before = image.copy(area)

    seen = when_modal(_fill_quick_create("Jane Official"))
    qtbot.keyClick(
        window.case_view.current_page().table,
        Qt.Key.Key_N,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert seen
    qtbot.waitUntil(lambda: nav.item(ACTORS_ROW).toolTip() == "21 actors", timeout=60000)
    assert queries.counts(window.session.cf)[Kind.ACTOR] == 21
    image, area, _bg = _count_area(nav, ACTORS_ROW)
    assert image.copy(area) != shown_before  # "21" is painted, not "20"

    window.action_registry[ActionId.DELETE_RECORD].trigger()  # nothing refers to the new actor: no question
    qtbot.waitUntil(lambda: nav.item(ACTORS_ROW).toolTip() == "20 actors", timeout=60000)
    assert queries.counts(window.session.cf)[Kind.ACTOR] == 20
    image, area, _bg = _count_area(nav, ACTORS_ROW)
    assert image.copy(area) == shown_before

    window.undo_action.trigger()  # the delete comes back
    qtbot.waitUntil(lambda: nav.item(ACTORS_ROW).toolTip() == "21 actors", timeout=60000)


def _sharp_at_2x(icon: QIcon) -> None:
    assert icon.availableSizes() == []  # scalable: drawn for the size asked, not picked from bitmaps
    hidpi = icon.pixmap(QSize(32, 32), 2.0)
    assert hidpi.size() == QSize(64, 64) and hidpi.devicePixelRatio() == 2.0
    # Drawn at 64 device pixels, identical to the icon drawn at 64 pixels on a 1x screen.
    assert hidpi.toImage().convertToFormat(QImage.Format.Format_ARGB32) == icon.pixmap(
        QSize(64, 64), 1.0
    ).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    image = hidpi.toImage()
    opaque = sum(image.pixelColor(x, y).alpha() > 200 for x in range(64) for y in range(64))
    assert opaque > 60, "the icon draws something"


def test_toolbar_and_section_icons_are_crisp_at_2x(qtbot, window):
    toolbar = window.findChild(QToolBar, "main_toolbar")
    for action_id in TOOLBAR_ACTIONS:
        action = window.action_registry[action_id]
        assert toolbar.widgetForAction(action) is not None
        _sharp_at_2x(action.icon())
    nav = window.case_view.nav
    for row in range(nav.count()):
        _sharp_at_2x(nav.item(row).icon())


def _most_opaque_colour(icon: QIcon, mode: QIcon.Mode = QIcon.Mode.Normal) -> QColor:
    image = icon.pixmap(QSize(24, 24), 1.0, mode).toImage()
    return max((image.pixelColor(x, y) for x in range(24) for y in range(24)), key=lambda c: c.alpha())


@pytest.fixture
def system_scheme(qapp):
    """Send the system's "colour scheme changed" (what Windows and macOS do when the user switches)."""
    from desktop.app import make_application

    make_application()  # the app's set-up, as at start
    hints = QGuiApplication.styleHints()
    yield hints.colorSchemeChanged.emit
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)


def test_dark_scheme_turns_the_window_dark_live(qtbot, window, system_scheme):
    nav = window.case_view.nav
    find_icon = window.action_registry[ActionId.FIND].icon()
    banner = window.case_view.add_banner("This case file is open read-only.")
    assert nav.viewport().grab().toImage().pixelColor(QPoint(4, nav.viewport().height() - 4)).lightness() > 180
    assert _most_opaque_colour(find_icon).lightness() < 100  # dark strokes on a light window

    system_scheme(Qt.ColorScheme.Dark)
    qtbot.waitUntil(lambda: window.palette().color(QPalette.ColorRole.Window).lightness() < 70, timeout=10000)
    shot = window.grab().toImage()
    sidebar_bottom = nav.mapTo(window, QPoint(4, nav.height() - 4))
    assert shot.pixelColor(sidebar_bottom).lightness() < 70  # the window's background is dark
    assert window.palette().color(QPalette.ColorRole.WindowText).lightness() > 180
    assert window.palette().color(QPalette.ColorRole.Text).lightness() > 180
    assert window.palette().color(QPalette.ColorRole.Base).lightness() < 70
    assert _most_opaque_colour(find_icon).lightness() > 180  # the same icon, now drawn light
    assert _most_opaque_colour(find_icon, QIcon.Mode.Disabled).lightness() < 150  # disabled: dimmer
    toolbar_button = window.findChild(QToolBar, "main_toolbar").widgetForAction(window.action_registry[ActionId.FIND])
    button_shot = toolbar_button.grab().toImage()
    button_background = button_shot.pixelColor(1, 1)
    assert button_background.lightness() < 70
    icon_area = QRect(0, 0, button_shot.height(), button_shot.height())
    assert _ink(button_shot, icon_area, button_background) > 20  # light strokes show on the dark toolbar
    banner_shot = banner.grab().toImage()
    assert banner_shot.pixelColor(banner.width() // 2, banner.height() - 3).lightness() < 90  # no pale box
    label_colour = banner.label.palette().color(QPalette.ColorRole.WindowText)
    assert label_colour.lightness() > 180

    system_scheme(Qt.ColorScheme.Light)
    qtbot.waitUntil(lambda: window.palette().color(QPalette.ColorRole.Window).lightness() > 180, timeout=10000)
    assert window.palette().color(QPalette.ColorRole.Window).lightness() > 180
    assert _most_opaque_colour(find_icon).lightness() < 100


def test_dark_scheme_at_start(qtbot, qapp, monkeypatch):
    from desktop import theme

    monkeypatch.setattr(theme, "system_scheme", lambda: Qt.ColorScheme.Dark)
    follower = theme.SchemeFollower(qapp)
    try:
        assert theme.is_dark(qapp.palette())
        assert qapp.style().name().lower() in {"fusion", *theme.NATIVE_DARK_STYLES}
    finally:
        follower.apply(Qt.ColorScheme.Light)
        follower.setParent(None)
    assert not theme.is_dark(qapp.palette())


def _contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_a_refused_value_reads_red_on_light_and_on_dark(qtbot, window, system_scheme):
    from PySide6.QtTest import QTest

    window.case_view.show_page(Kind.STATEMENT)
    page = window.case_view.current_page()
    page.select_record(page.model.id_at(0))
    field = page.editor.widgets["date"]
    edit = field.focus_widget()
    edit.setFocus()
    edit.selectAll()
    QTest.keyClicks(edit, "late June 2026")
    QTest.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(field.error_label.isVisible)

    for scheme in (Qt.ColorScheme.Light, Qt.ColorScheme.Dark):
        system_scheme(scheme)
        dark = scheme == Qt.ColorScheme.Dark
        qtbot.waitUntil(lambda d=dark: (window.palette().color(QPalette.ColorRole.Window).lightness() < 70) == d)
        qtbot.waitUntil(
            lambda: (
                _contrast(
                    field.error_label.palette().color(QPalette.ColorRole.WindowText),
                    window.palette().color(QPalette.ColorRole.Window),
                )
                >= 4.5
            )
        )
        text = field.error_label.palette().color(QPalette.ColorRole.WindowText)
        assert text.red() > text.green() + 60, f"the reason is not red on {scheme.name}: {text.name()}"
        qtbot.waitUntil(lambda: "solid" in edit.styleSheet())
        border = QColor(edit.styleSheet().split("solid ")[1].rstrip("; }"))
        assert _contrast(border, window.palette().color(QPalette.ColorRole.Base)) >= 3, "the border does not show"
