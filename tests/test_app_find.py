"""Find in Case (Ctrl+F): what the results list shows, and where a hit in the case's own fields leads."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import QStyleOptionViewItem

from db.fields import Kind
from db.records import add_record
from db.sqlite.casefile import CaseFile
from tests.gui_helpers import open_window


@pytest.fixture
def case_path(sample_path):
    """The sample case, with records whose text tests the list's rendering, saved to disk."""
    cf = CaseFile.open(sample_path)
    try:
        add_record(
            cf,
            Kind.DIRECTIVE,
            {
                "title": "Order of the day",
                "provisions": ["Suspend access within 24 hours.", 'Report "zugzwang" now.'],
            },
        )
        add_record(cf, Kind.STATEMENT, {"text": "At the Élysée they typed <b>not bold</b> & <i>kept</i>"})
    finally:
        cf.close()
    return sample_path


@pytest.fixture
def window(qtbot, case_path):
    return open_window(qtbot, case_path)


def _find(qtbot, window, words: str):  # type: ignore[no-untyped-def]
    """Open Find with Ctrl+F and type ``words``; returns the dialog once it lists their hits."""
    qtbot.keySequence(window, QKeySequence.StandardKey.Find)
    dialog = window.search_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=60000)
    with qtbot.waitSignal(dialog.results_shown, timeout=60000, check_params_cb=lambda text: text == words):
        qtbot.keyClicks(dialog.edit, words)
    return dialog


def _rows(dialog) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """(group heading, row item) of every hit listed, in order."""
    rows = []
    for i in range(dialog.results.topLevelItemCount()):
        group = dialog.results.topLevelItem(i)
        rows += [(group.text(0), group.child(j)) for j in range(group.childCount())]
    return rows


def _painted(dialog, item):  # type: ignore[no-untyped-def]
    """The text document the results list paints for ``item``."""
    option = QStyleOptionViewItem()
    option.font = dialog.results.font()
    option.palette = dialog.results.palette()
    return dialog.results.itemDelegate().document(option, dialog.results.indexFromItem(item))


def _fragments(doc):  # type: ignore[no-untyped-def]
    """(text, character format) of each run of a text document."""
    out = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            out.append((it.fragment().text(), it.fragment().charFormat()))
            it += 1
        block = block.next()
    return out


def _bold_words(doc) -> list[str]:  # type: ignore[no-untyped-def]
    return [text for text, style in _fragments(doc) if style.fontWeight() >= QFont.Weight.Bold]


def test_tags_and_provisions_are_listed_as_words_never_as_json(qtbot, window):
    dialog = _find(qtbot, window, "export")
    tagged = [
        item for group, item in _rows(dialog) if group == "Statements" and item.text(0).startswith("jailbreaking")
    ]
    assert tagged, [item.text(0) for _g, item in _rows(dialog)]
    assert tagged[0].text(0).endswith("anthropic, export-control")
    assert _painted(dialog, tagged[0]).toPlainText().endswith("anthropic, export-control")
    for _group, item in _rows(dialog):
        assert '["' not in item.text(0) and '"]' not in item.text(0), item.text(0)
        assert '["' not in _painted(dialog, item).toPlainText()

    dialog.edit.clear()
    with qtbot.waitSignal(dialog.results_shown, timeout=60000, check_params_cb=lambda text: text == "zugzwang"):
        qtbot.keyClicks(dialog.edit, "zugzwang")
    rows = _rows(dialog)
    assert [group for group, _item in rows] == ["Directives"]
    assert rows[0][1].text(0) == 'Order of the day\n    Suspend access within 24 hours. · Report "zugzwang" now.'


def test_matched_words_are_bold_as_typed_and_user_markup_prints_as_written(qtbot, window):
    dialog = _find(qtbot, window, "expor")
    timeline = [item for group, item in _rows(dialog) if group == "Timeline"]
    assert timeline
    for item in timeline:
        bold = _bold_words(_painted(dialog, item))
        assert bold and all(word.lower() == "export" for word in bold), (item.text(0), bold)

    dialog.edit.clear()
    with qtbot.waitSignal(dialog.results_shown, timeout=60000, check_params_cb=lambda text: text == "elysee TYPED"):
        qtbot.keyClicks(dialog.edit, "elysee TYPED")
    rows = _rows(dialog)
    assert len(rows) == 1 and rows[0][0] == "Statements"
    doc = _painted(dialog, rows[0][1])
    assert doc.toPlainText() == "At the Élysée they typed <b>not bold</b> & <i>kept</i>"
    assert _bold_words(doc) == ["Élysée", "typed"]
    assert not any(style.fontItalic() for _text, style in _fragments(doc))  # the user's tags did nothing
    dialog.grab()  # paints every row through the delegate


def test_the_cases_own_fields_are_found_and_enter_opens_the_field(qtbot, window):
    dialog = _find(qtbot, window, "meta")
    groups = [dialog.results.topLevelItem(i).text(0) for i in range(dialog.results.topLevelItemCount())]
    assert groups[0] == "Sources" and groups[-1] == "Case"  # records first: Enter takes the first hit
    case_rows = [item.text(0).split("\n")[0] for group, item in _rows(dialog) if group == "Case"]
    assert case_rows == ["Title", "Subtitle", "Summary", "Bottom line"]

    dialog.edit.clear()
    with qtbot.waitSignal(dialog.results_shown, timeout=60000, check_params_cb=lambda text: text == "internal use"):
        qtbot.keyClicks(dialog.edit, "internal use")
    rows = _rows(dialog)
    assert [(group, item.text(0)) for group, item in rows] == [
        ("Case", "Handling marking\n    FOR INTERNAL USE ONLY"),
        ("Case", rows[1][1].text(0)),
    ]
    assert rows[1][1].text(0).startswith("Summary\n")
    assert _bold_words(_painted(dialog, rows[0][1])) == ["INTERNAL", "USE"]
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert window.case_view.current_kind() is None  # the Case page
    marking = window.case_view.case_page.widgets["marking"].focus_widget()
    window.activateWindow()  # the offscreen platform does not hand activation back when a dialog closes
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)
    assert marking.hasFocus()
