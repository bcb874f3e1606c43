"""The app's file paths: first run, recent files, refused files, drop to open, import/export."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QTextBrowser

from db import records
from db.fields import Kind
from db.paths import user_data_dir, user_log_dir
from db.sample import SAMPLE_FILE_NAME, create_sample
from db.sqlite.casefile import CaseFile
from desktop import app as app_module
from desktop import file_dialogs
from desktop.actions import ActionId
from desktop.settings import Settings
from tests.gui_helpers import open_window, when_modal


def _wait_open(qtbot, window, path) -> None:
    qtbot.waitUntil(lambda: window.session is not None and window.session.cf.path == path.resolve(), timeout=60000)


def test_first_run_creates_and_opens_the_sample_case(qtbot, casefile_home):
    assert not (user_data_dir() / SAMPLE_FILE_NAME).exists()
    window = app_module.create_main_window(None)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=60000)
    sample = user_data_dir() / SAMPLE_FILE_NAME
    assert sample.exists()
    assert str(sample).startswith(str(casefile_home))
    assert window.session.cf.path == sample.resolve()
    assert "CAISI" in window.windowTitle() and SAMPLE_FILE_NAME in window.windowTitle()
    window.case_view.show_page(Kind.STATEMENT)
    assert window.case_view.current_page().model.rowCount() == 21


def test_last_case_reopens_and_recent_files_are_listed(qtbot, tmp_path):
    first, second = tmp_path / "first.casefile", tmp_path / "second.casefile"
    CaseFile.create(first, title="First case").close()
    CaseFile.create(second, title="Second case").close()
    window = open_window(qtbot, first)
    window.documents.open_path(second)
    _wait_open(qtbot, window, second)
    texts = [a.text() for a in window.recent_menu.actions() if a.text()]
    assert texts[:2] == ["&1 second.casefile", "&2 first.casefile"]
    # Choosing a recent file opens it.
    window.recent_menu.actions()[1].trigger()
    _wait_open(qtbot, window, first)
    window.close()
    assert Settings().last_case() == first.resolve()
    again = app_module.create_main_window(None)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.session is not None, timeout=60000)
    assert again.session.cf.path == first.resolve()


def test_missing_last_case_falls_back_to_the_sample(qtbot, tmp_path):
    gone = tmp_path / "gone.casefile"
    Settings().set_last_case(gone)
    window = app_module.create_main_window(None)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=60000)
    assert window.session.cf.path.name == SAMPLE_FILE_NAME
    assert "gone.casefile" in window.statusBar().currentMessage()


def test_refused_file_shows_why_and_is_left_untouched(qtbot, tmp_path, sample_path):
    conn = sqlite3.connect(sample_path)
    conn.execute("CREATE TRIGGER wipe AFTER INSERT ON actor BEGIN DELETE FROM statement; END")
    conn.commit()
    conn.close()
    digest = hashlib.sha256(sample_path.read_bytes()).hexdigest()
    window = open_window(qtbot)
    seen = when_modal(lambda box: box.accept())
    with qtbot.waitSignal(window.documents.failed, timeout=60000) as blocker:
        window.documents.open_path(sample_path)
    qtbot.waitUntil(lambda: bool(seen), timeout=60000)
    assert "trigger" in blocker.args[0] and "wipe" in blocker.args[0]
    assert isinstance(seen[0], QMessageBox)
    assert window.session is None
    assert hashlib.sha256(sample_path.read_bytes()).hexdigest() == digest


def test_not_a_case_file_is_refused_in_plain_words(qtbot, tmp_path):
    bogus = tmp_path / "notes.casefile"
    bogus.write_text("minutes of the meeting", encoding="utf-8")
    window = open_window(qtbot)
    when_modal(lambda box: box.accept())
    with qtbot.waitSignal(window.documents.failed, timeout=60000) as blocker:
        window.documents.open_path(bogus)
    assert "not an SQLite database" in blocker.args[0]


def test_dropping_a_case_file_opens_it(qtbot, tmp_path):
    target = tmp_path / "dropped.casefile"
    CaseFile.create(target, title="Dropped case").close()
    window = open_window(qtbot)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(target))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    _wait_open(qtbot, window, target)
    assert "Dropped case" in window.windowTitle()


def test_new_case_save_copy_and_close(qtbot, tmp_path, monkeypatch, sample_path):
    window = open_window(qtbot, sample_path)
    copy = tmp_path / "copy.casefile"
    monkeypatch.setattr(file_dialogs, "ask_new_case", lambda *a, **k: copy)
    window.action_registry[ActionId.SAVE_COPY].trigger()
    qtbot.waitUntil(copy.exists, timeout=60000)
    with CaseFile.open(copy, read_only=True) as cf:
        assert len(records.get_case(cf)["title"]) > 0
    new = tmp_path / "new.casefile"
    monkeypatch.setattr(file_dialogs, "ask_new_case", lambda *a, **k: new)
    window.action_registry[ActionId.NEW_CASE].trigger()
    _wait_open(qtbot, window, new)
    assert "new" in window.windowTitle()
    window.action_registry[ActionId.CLOSE].trigger()
    assert window.session is None
    assert not window.action_registry[ActionId.EXPORT_BRIEFING].isEnabled()
    assert not any(p.name.endswith("-journal") for p in tmp_path.iterdir())


def test_export_and_import_json_and_export_csv(qtbot, tmp_path, monkeypatch, sample_path):
    window = open_window(qtbot, sample_path)
    out = tmp_path / "case.json"
    monkeypatch.setattr(file_dialogs, "ask_save_json", lambda *a, **k: out)
    window.action_registry[ActionId.EXPORT_JSON].trigger()
    qtbot.waitUntil(out.exists, timeout=60000)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["format"] == "casefile" and len(doc["statements"]) == 21

    folder = tmp_path / "csv"
    monkeypatch.setattr(file_dialogs, "ask_folder", lambda *a, **k: folder)
    window.action_registry[ActionId.EXPORT_CSV].trigger()
    qtbot.waitUntil(lambda: (folder / "timeline.csv").exists(), timeout=60000)
    assert (folder / "actors.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    imported = tmp_path / "imported.casefile"
    monkeypatch.setattr(file_dialogs, "ask_open_json", lambda *a, **k: out)
    monkeypatch.setattr(file_dialogs, "ask_new_case", lambda *a, **k: imported)
    window.action_registry[ActionId.IMPORT_JSON].trigger()
    _wait_open(qtbot, window, imported)
    window.case_view.show_page(Kind.ACTOR)
    assert window.case_view.current_page().model.rowCount() == 20


def test_bad_json_import_says_where_and_writes_nothing(qtbot, tmp_path, monkeypatch):
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps(
            {
                "format": "casefile",
                "version": 1,
                "case": {"title": "x"},
                "statements": [{"id": "s1", "text": "hi", "speaker": "metta"}],
            }
        )
    )
    target = tmp_path / "broken.casefile"
    window = open_window(qtbot)
    monkeypatch.setattr(file_dialogs, "ask_open_json", lambda *a, **k: broken)
    monkeypatch.setattr(file_dialogs, "ask_new_case", lambda *a, **k: target)
    when_modal(lambda box: box.accept())
    with qtbot.waitSignal(window.documents.failed, timeout=60000) as blocker:
        window.action_registry[ActionId.IMPORT_JSON].trigger()
    assert 'statements[0].speaker: no actor with id "metta"' in blocker.args[0]
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["broken.json"]


def test_unexpected_error_shows_dialog_with_copy_details_and_is_logged(qtbot, casefile_home):
    from desktop import errors

    errors.setup_logging()
    window = open_window(qtbot)
    QGuiApplication.clipboard().clear()

    def press_copy(box) -> None:
        copy = next(b for b in box.findChildren(QPushButton) if b.text() == "Copy Details")
        copy.click()

    seen = when_modal(press_copy)
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError as exc:
        errors._handle(RuntimeError, exc, exc.__traceback__)
    qtbot.waitUntil(lambda: bool(seen), timeout=60000)
    qtbot.waitUntil(lambda: "boom in a slot" in QGuiApplication.clipboard().text(), timeout=60000)
    assert "Traceback" in QGuiApplication.clipboard().text()
    for handler in logging.getLogger().handlers:
        handler.flush()
    log_text = (user_log_dir() / errors.LOG_NAME).read_text(encoding="utf-8")
    assert "boom in a slot" in log_text
    assert window.isVisible()


def test_window_geometry_and_splitters_are_remembered(qtbot, sample_path):
    window = open_window(qtbot, sample_path)
    window.resize(780, 560)
    window.case_view.splitter.setSizes([200, 560])
    window.close()
    from desktop.main_window import MainWindow

    again = MainWindow(Settings())
    qtbot.addWidget(again)
    again.show()
    again.documents.open_path(sample_path)
    qtbot.waitUntil(lambda: again.session is not None, timeout=60000)
    assert abs(again.width() - 780) <= 2 and abs(again.height() - 560) <= 2
    # Sizes settle once the restored window has been laid out.
    qtbot.waitUntil(lambda: abs(again.case_view.splitter.sizes()[0] - 200) <= 4, timeout=60000)


def test_sample_fixture_is_independent_from_the_user_folder(sample_path, tmp_path):
    other = tmp_path / "again.casefile"
    create_sample(other)
    assert other.exists() and sample_path.exists()


def test_preferences_are_saved_and_used(qtbot, tmp_path, sample_path):
    from desktop.dialogs.preferences import PreferencesDialog

    window = open_window(qtbot, sample_path)

    def choose(dialog) -> None:
        assert isinstance(dialog, PreferencesDialog)
        dialog.keep.setValue(3)
        dialog.reopen.setChecked(False)
        dialog.folder.setText(str(tmp_path))
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    seen = when_modal(choose)
    window.action_registry[ActionId.PREFERENCES].trigger()
    assert seen
    settings = Settings()
    assert settings.backups_to_keep() == 3 and not settings.reopen_last()
    assert settings.folder("briefing") == str(tmp_path)
    window.close()
    # With "reopen" off, the next start shows the sample case, not the last file.
    other = tmp_path / "other.casefile"
    CaseFile.create(other, title="Other").close()
    settings.set_last_case(other)
    again = app_module.create_main_window(None)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.session is not None, timeout=60000)
    assert again.session.cf.path.name == SAMPLE_FILE_NAME


def test_about_box_names_the_version_and_font_licences(qtbot):
    from desktop import __version__
    from desktop.dialogs.about import AboutDialog, font_licences

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    names = [name for name, _text in font_licences()]
    assert any("DejaVu" in n for n in names)
    text = dialog.findChild(QTextBrowser).toPlainText()
    assert "Bitstream" in text or "DejaVu" in text
    labels = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert __version__ in labels


def test_a_damaged_read_in_a_view_is_reported_plainly(qtbot, casefile_home):
    from db.errors import CaseFileError
    from desktop import errors

    window = open_window(qtbot)

    def read_and_close(box) -> None:
        assert isinstance(box, QMessageBox)
        assert box.windowTitle() == "Problem With the Case File"
        assert "could not be read: the file is damaged" in box.text()
        assert not any(b.text() == "Copy Details" for b in box.findChildren(QPushButton))
        box.accept()

    seen = when_modal(read_and_close)
    try:
        raise CaseFileError("sample.casefile could not be read: the file is damaged.")
    except CaseFileError as exc:
        errors._handle(CaseFileError, exc, exc.__traceback__)
    qtbot.waitUntil(lambda: bool(seen), timeout=60000)
    assert window.isVisible()


def test_a_file_handed_over_by_the_system_opens(qtbot, tmp_path):
    """macOS Finder opens a double-clicked .casefile with a FileOpen event."""
    from PySide6.QtCore import QCoreApplication, QUrl
    from PySide6.QtGui import QFileOpenEvent

    target = tmp_path / "finder.casefile"
    CaseFile.create(target, title="From Finder").close()
    window = app_module.create_main_window(None)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=60000)  # the sample, on first run
    QCoreApplication.sendEvent(QCoreApplication.instance(), QFileOpenEvent(QUrl.fromLocalFile(str(target))))
    _wait_open(qtbot, window, target)
    assert "From Finder" in window.windowTitle()
