"""Record lists a staffer can read all day: column widths, row lines, the editor pane, a filter
bar that fits a small window, sort order kept through edits, and flags that toggle on purpose."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from db import records
from db.fields import Kind
from desktop.actions import ActionId
from desktop.dialogs.quick_create import QuickCreateDialog
from tests.gui_helpers import open_window, when_modal


@pytest.fixture
def window(qtbot, sample_path):
    return open_window(qtbot, sample_path)


def _page(window, kind: Kind):
    window.case_view.show_page(kind)
    page = window.case_view.current_page()
    assert page.kind is kind
    return page


def _date_keys(window, page) -> list[str]:
    """The days of the dates down the list, as shown (no date sorts first; within a day the
    user's order decides, db/day_order.py)."""
    cf = window.session.cf
    field = page.spec.date_field
    keys = []
    for row in range(page.model.rowCount()):
        value = records.get_record(cf, page.kind, page.model.id_at(row))[field]
        keys.append(value.sort_key[:10] if value is not None else "")
    return keys


def _shown_and_current(page, record_id: str) -> bool:
    index = page.table.currentIndex()
    if not index.isValid() or page.model.id_at(index.row()) != record_id:
        return False
    row_rect = page.table.visualRect(page.model.index(index.row(), 0))
    return page.table.selectionModel().isRowSelected(index.row()) and page.table.viewport().rect().intersects(row_rect)


def _row_with(page, column: str, prefix: str) -> int:
    col = page.model.column_of(column)
    return next(r for r in range(page.model.rowCount()) if str(page.model.index(r, col).data()).startswith(prefix))


# ----- sort order after edits ---------------------------------------------------------------
def test_an_added_or_edited_date_moves_the_row_to_its_sorted_place(qtbot, window):
    cf = window.session.cf
    page = _page(window, Kind.TIMELINE)

    def fill(dialog) -> None:
        assert isinstance(dialog, QuickCreateDialog)
        dialog.input("title").setText("Hearing on the directive")
        dialog.input("date").setText("June 24, 2026")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    seen = when_modal(fill)
    window.action_registry[ActionId.NEW_RECORD].trigger()
    assert seen
    # The offscreen platform has no window manager to reactivate the window after a dialog.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    added = page.current_id()
    assert records.get_record(cf, Kind.TIMELINE, added)["title"] == "Hearing on the directive"
    keys = _date_keys(window, page)
    assert keys == sorted(keys)
    assert _shown_and_current(page, added)

    # Move an April entry to the end of June by typing its new date in the editor.
    row = _row_with(page, "title", "Meta ships")
    entry = page.model.id_at(row)
    page.select_record(entry)
    field = page.editor.widgets["date"]
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "June 30, 2026")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert str(records.get_record(cf, Kind.TIMELINE, entry)["date"].iso) == "2026-06-30"
    keys = _date_keys(window, page)
    assert keys == sorted(keys), "the edited entry stayed where it was"
    assert page.model.id_at(page.model.rowCount() - 1) == entry
    assert _shown_and_current(page, entry)
    assert page.editor.record_id == entry

    # A statement's date edited in its cell.
    page = _page(window, Kind.STATEMENT)
    row = next(r for r in range(page.model.rowCount()) if page.model.index(r, 0).data() == "June 2, 2026")
    statement = page.model.id_at(row)
    page.table.setCurrentIndex(page.model.index(row, page.model.column_of("date")))
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "June 20, 2026")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: str(records.get_record(cf, Kind.STATEMENT, statement)["date"].iso) == "2026-06-20")
    keys = _date_keys(window, page)
    assert keys == sorted(keys), "the edited statement stayed where it was"
    assert _shown_and_current(page, statement)


# ----- flags toggle on the row being worked on ----------------------------------------------
def _check_box_center(page, index):
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    option = QStyleOptionViewItem()
    option.rect = page.table.visualRect(index)
    page.table.itemDelegate().initStyleOption(option, index)
    option.widget = page.table
    rect = page.table.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, page.table)
    assert rect.isValid() and option.rect.contains(rect)
    return rect.center()


def test_a_flag_toggles_only_on_the_selected_row(qtbot, window):
    cf = window.session.cf
    page = _page(window, Kind.STATEMENT)
    page.select_record(page.model.id_at(0))
    page.table.setFocus()
    row = 3
    statement = page.model.id_at(row)
    before = records.get_record(cf, Kind.STATEMENT, statement)["verbatim"]
    index = page.model.index(row, page.model.column_of("verbatim"))
    viewport = page.table.viewport()

    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_check_box_center(page, index))
    assert page.current_id() == statement, "the click did not select the row"
    assert page.table.selectionModel().isRowSelected(row)
    assert records.get_record(cf, Kind.STATEMENT, statement)["verbatim"] == before, "a click to select flipped it"
    assert page.model.data(index, Qt.ItemDataRole.CheckStateRole) == (
        Qt.CheckState.Checked if before else Qt.CheckState.Unchecked
    )

    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_check_box_center(page, index))
    assert records.get_record(cf, Kind.STATEMENT, statement)["verbatim"] == (not before)
    assert page.current_id() == statement

    assert page.table.currentIndex().column() == index.column()
    qtbot.keyClick(page.table, Qt.Key.Key_Space)
    assert records.get_record(cf, Kind.STATEMENT, statement)["verbatim"] == before
    assert page.model.data(index, Qt.ItemDataRole.CheckStateRole) == (
        Qt.CheckState.Checked if before else Qt.CheckState.Unchecked
    )


# ----- columns at the default window size ---------------------------------------------------
def _settled(page) -> bool:
    """The columns fill the list exactly (the main text column has taken the free width)."""
    table = page.table
    total = sum(table.columnWidth(i) for i in range(page.model.columnCount()))
    return table.isVisible() and abs(total - table.viewport().width()) <= 1


def _fits(page, column: str, texts: list[str]) -> bool:
    col = page.model.column_of(column)
    width = page.table.columnWidth(col)
    metrics = page.table.fontMetrics()
    return all(metrics.horizontalAdvance(t) + 8 <= width for t in texts)


def test_at_the_default_size_the_main_text_gets_the_width_and_short_values_show_in_full(qtbot, window):
    window.resize(1280, 800)
    for kind, main in ((Kind.STATEMENT, "text"), (Kind.DIRECTIVE, "title"), (Kind.TIMELINE, "title")):
        page = _page(window, kind)
        qtbot.waitUntil(lambda p=page: _settled(p))
        table = page.table
        widths = [table.columnWidth(i) for i in range(page.model.columnCount())]
        main_width = widths[page.model.column_of(main)]
        assert main_width == max(widths), f"{kind.value}: the {main} column is not the widest: {widths}"
        assert main_width >= 0.3 * table.viewport().width(), f"{kind.value}: {main} only {main_width}px"
        editor_width = page.splitter.sizes()[1]
        assert 280 <= editor_width <= 400, f"{kind.value}: the empty editor takes {editor_width}px"
        assert page.splitter.sizes()[0] >= 2 * editor_width

        for i, col in enumerate(page.model.columns):
            caption = str(page.model.headerData(i, Qt.Orientation.Horizontal))
            assert table.horizontalHeader().fontMetrics().horizontalAdvance(caption) + 8 <= widths[i], caption
            ftype = page.model.field_type(i)
            if ftype is None or ftype.name not in ("DATE", "CHOICE"):
                continue
            values = [str(page.model.index(r, i).data() or "") for r in range(page.model.rowCount())]
            # Dates show their day in full (a time after it may be cut), choices in full, and the
            # column is not much wider than its longest value or caption.
            days = [",".join(v.split(",")[:2]) for v in values]
            assert _fits(page, col.name, days), f"{kind.value}.{col.name} cuts {days}"
            longest = max(table.fontMetrics().horizontalAdvance(v) for v in [*days, ""])
            caption_width = table.horizontalHeader().fontMetrics().horizontalAdvance(caption)
            assert widths[i] <= max(longest, caption_width) + 60, f"{kind.value}.{col.name} is {widths[i]}px"


# ----- the filter bar at 800 x 600 ----------------------------------------------------------
def _shows_whole(edit, text: str) -> bool:
    """Whether ``text`` typed in ``edit`` shows without scrolling (the clear button showing too)."""
    edit.blockSignals(True)
    try:
        edit.setText(text)
        edit.end(False)
        edit.repaint()
        right = edit.cursorRect().center().x()
        edit.home(False)
        edit.repaint()
        left = edit.cursorRect().center().x()
        edit.setText("")
    finally:
        edit.blockSignals(False)
    return right - left >= edit.fontMetrics().horizontalAdvance(text) - 1


def test_at_800_by_600_the_filter_bar_fits(qtbot, window):
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.width() == 800 and window.height() == 600)
    for kind in (Kind.STATEMENT, Kind.DIRECTIVE, Kind.TIMELINE, Kind.ACTOR, Kind.SOURCE):
        page = _page(window, kind)
        qtbot.waitUntil(lambda p=page: _settled(p) or p.table.horizontalScrollBar().maximum() > 0)
        bar = [page.filter_edit, page.tag_combo, page.from_edit, page.to_edit, page.new_button, page.count_label]
        for widget in bar:
            if not widget.isVisible():
                continue
            name = widget.accessibleName()
            assert widget.width() >= widget.minimumSizeHint().width(), f"{kind.value}: {name} squeezed"
            if widget not in (page.filter_edit, page.from_edit, page.to_edit):
                assert widget.width() >= widget.sizeHint().width(), f"{kind.value}: {name} cut"
            right = widget.mapTo(page, widget.rect().topRight()).x()
            assert right <= page.width(), f"{kind.value}: {name} runs off the page"
        for edit in (page.filter_edit, page.from_edit, page.to_edit):
            if edit.isVisible():
                assert _shows_whole(edit, edit.placeholderText()), f"{kind.value}: {edit.placeholderText()!r} cut"
        assert page.filter_edit.width() >= 100
        if page.from_edit.isVisible():
            assert _shows_whole(page.from_edit, "June 12, 2026")
        assert page.filter_edit.accessibleName() == f"Filter {kind.spec.plural.lower()}"


@pytest.mark.parametrize("size", [(1280, 800), (800, 600)])
def test_the_editor_pane_shows_every_field_whole_at_any_window_size(qtbot, window, size):
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    for kind in (Kind.STATEMENT, Kind.DIRECTIVE, Kind.TIMELINE, Kind.ACTOR, Kind.SOURCE):
        page = _page(window, kind)
        page.select_record(page.model.id_at(0))
        editor = page.editor
        qtbot.waitUntil(lambda e=editor: e.record_id is not None)
        body = editor.widget()
        assert body.minimumSizeHint().width() <= editor.viewport().width(), f"{kind.value}: the editor is too wide"
        qtbot.waitUntil(lambda e=editor, b=body: b.width() <= e.viewport().width())
        for name, field in editor.widgets.items():
            right = field.mapTo(body, field.rect().topRight()).x()
            assert right <= editor.viewport().width(), f"{kind.value}: {name} runs out of the pane"


# ----- one, two or three lines per row ------------------------------------------------------
def _reopen(qtbot, window, path):
    window.close()
    return open_window(qtbot, path)


def _row_lines_shown(page) -> int:
    return round((page.table.rowHeight(0) - 8) / page.table.fontMetrics().lineSpacing())


def test_rows_show_the_lines_chosen_in_the_view_menu_in_every_list_and_next_time(qtbot, window, sample_path):
    from desktop.settings import Settings

    statements = _page(window, Kind.STATEMENT)
    assert _row_lines_shown(statements) == 1 and not statements.table.wordWrap()
    three = window.action_registry[ActionId.ROW_LINES_3]
    assert three.text().replace("&", "") == "Three Lines"
    assert three in window.view_menu.row_lines_menu.actions()
    three.trigger()
    assert three.isChecked() and not window.action_registry[ActionId.ROW_LINES_1].isChecked()
    assert statements.table.wordWrap()
    assert _row_lines_shown(statements) == 3
    # A long statement now shows more of its words: its cell is three lines tall.
    text_col = statements.model.column_of("text")
    assert statements.table.visualRect(statements.model.index(0, text_col)).height() >= (
        3 * statements.table.fontMetrics().lineSpacing()
    )
    directives = _page(window, Kind.DIRECTIVE)  # a list first shown after the choice
    assert directives.table.wordWrap() and _row_lines_shown(directives) == 3
    assert Settings().row_lines() == 3

    again = _reopen(qtbot, window, sample_path)
    assert again.action_registry[ActionId.ROW_LINES_3].isChecked()
    timeline = _page(again, Kind.TIMELINE)
    assert _row_lines_shown(timeline) == 3
    again.action_registry[ActionId.ROW_LINES_2].trigger()
    assert _row_lines_shown(timeline) == 2 and _row_lines_shown(_page(again, Kind.STATEMENT)) == 2
    again.action_registry[ActionId.ROW_LINES_1].trigger()
    assert _row_lines_shown(timeline) == 1 and not timeline.table.wordWrap()
    assert Settings().row_lines() == 1


# ----- the editor pane ----------------------------------------------------------------------
def test_the_editor_pane_hides_and_shows_and_its_state_is_remembered(qtbot, window, sample_path):
    from PySide6.QtGui import QKeySequence

    show_editor = window.action_registry[ActionId.SHOW_EDITOR]
    statements = _page(window, Kind.STATEMENT)
    assert show_editor.isChecked() and statements.editor_shown()
    table_before = statements.table.width()
    statements.table.setFocus()
    qtbot.keySequence(statements.table, QKeySequence("Ctrl+Shift+E"))
    qtbot.waitUntil(lambda: statements.splitter.sizes()[1] == 0)
    assert not show_editor.isChecked()
    qtbot.waitUntil(lambda: statements.table.width() > table_before + 200)

    directives = _page(window, Kind.DIRECTIVE)
    assert show_editor.isChecked(), "the menu shows the state of the page shown"
    total = sum(directives.splitter.sizes())
    directives.splitter.setSizes([total - 430, 430])
    qtbot.waitUntil(lambda: abs(directives.splitter.sizes()[1] - 430) <= 2)

    again = _reopen(qtbot, window, sample_path)
    statements = _page(again, Kind.STATEMENT)
    qtbot.waitUntil(lambda: statements.table.isVisible() and statements.splitter.sizes()[1] == 0)
    assert not again.action_registry[ActionId.SHOW_EDITOR].isChecked()
    directives = _page(again, Kind.DIRECTIVE)
    qtbot.waitUntil(lambda: abs(directives.splitter.sizes()[1] - 430) <= 4)
    assert again.action_registry[ActionId.SHOW_EDITOR].isChecked()

    # Dragging the handle to the edge collapses it too, and the menu follows.
    handle = directives.splitter.handle(1)
    start = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(handle, pos=QPoint(start.x() + 600, start.y()))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=QPoint(start.x() + 600, start.y()))
    qtbot.waitUntil(lambda: directives.splitter.sizes()[1] == 0)
    assert not again.action_registry[ActionId.SHOW_EDITOR].isChecked()

    statements = _page(again, Kind.STATEMENT)
    again.action_registry[ActionId.SHOW_EDITOR].trigger()
    qtbot.waitUntil(lambda: statements.splitter.sizes()[1] >= 280)
    assert again.action_registry[ActionId.SHOW_EDITOR].isChecked()


def test_columns_of_a_list_that_was_empty_widen_for_what_is_added(qtbot, tmp_path):
    from db.sqlite.casefile import CaseFile

    path = tmp_path / "new.casefile"
    CaseFile.create(path, title="New matter").close()
    window = open_window(qtbot, path)
    window.resize(1280, 800)
    page = _page(window, Kind.TIMELINE)
    assert page.model.rowCount() == 0
    window.session.add_record(Kind.TIMELINE, {"date": "September 30, 2026", "title": "Hearing on the directive"})
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and _settled(page))
    assert _fits(page, "date", ["September 30, 2026"])
