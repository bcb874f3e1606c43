"""The app on team cases: Open Team Case, passwords, read-only roles, publishing, the recent
list, link files, and a team case's lists failing plainly."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from gui_helpers import open_window, when_modal
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QTreeWidget, QWidget
from server_fixtures import server  # noqa: F401  (fixture)

from desktop.actions import ActionId
from desktop.dialogs.open_team_case import OpenTeamCaseDialog
from desktop.dialogs.publish_dialog import PublishDialog
from desktop.main_window import MainWindow
from desktop.settings import Settings

pytestmark = pytest.mark.server


@pytest.fixture(autouse=True)
def _no_password_outlives_its_test():
    from desktop.team_cases import forget_all_passwords

    yield
    forget_all_passwords()


def _publish(test_server, sample_path: Path, name: str = "sample") -> str:
    from db.postgres.publish import publish_file

    address = test_server.address(name)
    publish_file(sample_path, address)
    return address


def _case_name(address: str) -> str:
    return address.split("case=", 1)[1].lower()


def _password(user: str) -> str:
    import os

    for line in Path(os.environ["PGPASSFILE"]).read_text().splitlines():
        if line.split(":")[3] == user:
            return line.rsplit(":", 1)[1]
    raise AssertionError(f"no password for {user}")


def _type_into(widget: QWidget, text: str) -> None:
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(widget, Qt.Key.Key_Delete)
    QTest.keyClicks(widget, text)


def _fill_server(dialog: OpenTeamCaseDialog | PublishDialog, url: str, *, port: int | None = None) -> None:
    parts = urlsplit(url)
    _type_into(dialog.form.host, parts.hostname or "")
    _type_into(dialog.form.port, str(port or parts.port))
    _type_into(dialog.form.database, parts.path.strip("/"))
    _type_into(dialog.form.user, parts.username or "")


def _click_row(qtbot, table: QTreeWidget, name: str) -> None:  # type: ignore[no-untyped-def]
    items = table.findItems(name, Qt.MatchFlag.MatchExactly, 0)
    assert items, f"{name} not listed"
    table.scrollToItem(items[0])
    rect = table.visualItemRect(items[0])
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    assert table.currentItem() is items[0]


def _wait_open(qtbot, window: MainWindow, name: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(
        lambda: (
            window.session is not None
            and window.session.team_case is not None
            and window.session.team_case.display_name == name
        ),
        timeout=30000,
    )


def _banners(window: MainWindow) -> list[str]:
    assert window.case_view is not None
    return [banner.text() for banner in window.case_view.banners]


def test_open_team_case_lists_the_cases_and_opens_the_one_picked(qtbot, server, sample_path):  # noqa: F811
    address = _publish(server, sample_path)
    name = _case_name(address)
    window = open_window(qtbot)
    seen: list[QWidget] = []

    def drive(dialog: QWidget) -> None:
        assert isinstance(dialog, OpenTeamCaseDialog)
        assert not dialog.list_button.isEnabled()  # nothing to list from yet
        _fill_server(dialog, server.url)
        assert dialog.form.sslmode.currentText() == "prefer"
        QTest.mouseClick(dialog.list_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.busy and dialog.table.topLevelItemCount() > 0, timeout=30000)
        _click_row(qtbot, dialog.table, name)
        row = dialog.table.currentItem()
        assert row is not None
        assert row.text(1) == "CAISI Voluntary Review: Meta Holdout and the Anthropic Export Directive"
        assert row.text(2)  # when it last changed
        seen.append(dialog)
        QTest.keyClick(dialog.table, Qt.Key.Key_Return)  # Open is the default button once cases are listed

    when_modal(drive, kind=OpenTeamCaseDialog)
    window.action_registry[ActionId.OPEN_TEAM].trigger()
    assert seen
    _wait_open(qtbot, window, name)

    port = urlsplit(server.url).port
    assert f"{name} on 127.0.0.1:{port}/casefile_test" in window.windowTitle()
    assert "(read-only)" not in window.windowTitle()
    assert window.case_view is not None
    assert window.case_view.case_page.widgets["title"].value().startswith("CAISI Voluntary Review")
    assert window.case_view.case_page.file_label.text() == f"Team case: {name} on 127.0.0.1:{port}/casefile_test"
    # A team case has no backups of Casefile's; there is no file to publish.
    assert not window.action_registry[ActionId.RESTORE_BACKUP].isEnabled()
    assert not window.action_registry[ActionId.PUBLISH_TEAM].isEnabled()
    assert window.action_registry[ActionId.SAVE_TEAM_LINK].isEnabled()
    assert window.action_registry[ActionId.EXPORT_BRIEFING].isEnabled()  # from a private copy of the case
    # The server is remembered for next time; the case is in the recent list.
    settings = Settings()
    assert settings.remembered_servers() == [server.url]
    assert settings.recent_entries()[0] == address


def test_a_password_prompt_when_the_server_asks_wrong_then_right(qtbot, server, sample_path, tmp_path, monkeypatch):  # noqa: F811
    address = _publish(server, sample_path)
    name = _case_name(address)
    right = _password("casefile_app")
    empty = tmp_path / "no-passwords"
    empty.write_text("")
    empty.chmod(0o600)
    window = open_window(qtbot)
    prompts: list[str] = []

    def answer(text: str, then=None):  # type: ignore[no-untyped-def]
        def fill(dialog: QWidget) -> None:
            assert isinstance(dialog, QInputDialog)
            prompts.append(dialog.labelText())
            if then is not None:
                when_modal(then, kind=QInputDialog)  # the next prompt, once this one is answered
            line = dialog.findChild(QLineEdit)
            QTest.keyClicks(line, text)
            QTest.keyClick(line, Qt.Key.Key_Return)

        return fill

    when_modal(answer("wrong-password", then=answer(right)), kind=QInputDialog)
    with monkeypatch.context() as patch:  # (the fixtures' own connections still find it afterwards)
        patch.setenv("PGPASSFILE", str(empty))  # libpq finds no password now
        window.documents.open_entry(address)
        _wait_open(qtbot, window, name)

    assert len(prompts) == 2
    assert "asks for the password of casefile_app" in prompts[0]
    assert "refused the password" in prompts[1]
    # The password stays in memory: it is in no setting, no title, no recent entry.
    settings_text = "\n".join(p.read_text(errors="replace") for p in Path(tmp_path).parent.rglob("settings.ini"))
    assert right not in settings_text and right not in window.windowTitle()
    assert all(right not in str(e) for e in Settings().recent_entries())


def test_an_unreachable_server_is_one_plain_line_and_the_dialog_stays_usable(qtbot, server):  # noqa: F811
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    window = open_window(qtbot)
    dialog = OpenTeamCaseDialog(window.settings, window.documents.tasks, window)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill_server(dialog, server.url, port=port)
    with qtbot.waitSignal(dialog.listed, timeout=30000):
        QTest.mouseClick(dialog.list_button, Qt.MouseButton.LeftButton)
    message = dialog.message.text()
    assert "could not be reached" in message and "\n" not in message and "Traceback" not in message
    assert dialog.form.host.isEnabled() and dialog.list_button.isEnabled()
    assert dialog.list_button.text() == "&List Cases"
    assert dialog.table.topLevelItemCount() == 0 and not dialog.open_button.isEnabled()


def test_a_reader_role_opens_the_case_read_only_and_the_banner_says_why(qtbot, server, sample_path):  # noqa: F811
    address = _publish(server, sample_path)
    name = _case_name(address)
    schema = f'"casefile_{name}"'
    with server.connect() as conn:  # what docs/team.md tells the owner to grant a reader
        conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO casefile_reader")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO casefile_reader")
    reader = f"{server.as_user('casefile_reader')}?case={name}"
    window = open_window(qtbot)
    window.documents.open_entry(reader)
    _wait_open(qtbot, window, name)

    assert window.session is not None and window.session.read_only
    assert "(read-only)" in window.windowTitle()
    assert any("your server role may read this case but not change it" in text for text in _banners(window))
    assert not window.action_registry[ActionId.IMPORT_CSV].isEnabled()


def test_publish_to_team_server_from_an_open_file_then_open_it(qtbot, server, sample_path):  # noqa: F811
    from db.postgres.catalog import list_cases

    window = open_window(qtbot, sample_path)
    name = f"{server.token}-published"
    steps: list[str] = []

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, PublishDialog)
        _fill_server(dialog, server.url)
        _type_into(dialog.name, "no spaces allowed")
        assert not dialog.publish_button.isEnabled()
        assert "cannot name a case" in dialog.problem.text()
        _type_into(dialog.name, name)
        assert dialog.publish_button.isEnabled()
        steps.append("publish")
        when_modal(open_it, kind=QMessageBox)
        QTest.mouseClick(dialog.publish_button, Qt.MouseButton.LeftButton)

    def open_it(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        steps.append(box.text())
        button = next(b for b in box.buttons() if b.text() == "Open Team Case")
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    when_modal(fill, kind=PublishDialog)
    window.action_registry[ActionId.PUBLISH_TEAM].trigger()
    _wait_open(qtbot, window, name)
    assert steps[0] == "publish" and f"{sample_path.name} is now the team case {name}" in steps[1]
    assert name in {c.name for c in list_cases(server.url)}
    assert window.case_view is not None
    assert window.case_view.case_page.widgets["title"].value().startswith("CAISI Voluntary Review")


def test_publishing_over_an_existing_name_asks_before_replacing(qtbot, server, sample_path, empty_cf):  # noqa: F811
    from db import records
    from db.postgres.case import ServerCase

    address = _publish(server, sample_path, "taken")
    name = _case_name(address)
    empty_path = empty_cf.path
    empty_cf.close()
    window = open_window(qtbot, empty_path)
    questions: list[str] = []

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, PublishDialog)
        _fill_server(dialog, server.url)
        _type_into(dialog.name, name)
        when_modal(replace, kind=QMessageBox)
        QTest.mouseClick(dialog.publish_button, Qt.MouseButton.LeftButton)

    def replace(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        questions.append(box.text())
        when_modal(not_now, kind=QMessageBox)
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)

    def not_now(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        questions.append(box.text())
        button = next(b for b in box.buttons() if b.text() == "Not Now")
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    when_modal(fill, kind=PublishDialog)
    window.action_registry[ActionId.PUBLISH_TEAM].trigger()
    qtbot.waitUntil(lambda: len(questions) == 2, timeout=30000)
    assert "There is already a case named" in questions[0]
    assert "is now the team case" in questions[1]
    with ServerCase.open(address) as case:  # replaced by the empty file's case
        assert (
            records.get_case(case)["title"] != "CAISI Voluntary Review: Meta Holdout and the Anthropic Export Directive"
        )
    assert window.session is not None and window.session.team_case is None  # "Not Now": the file stays open


def test_a_recent_entry_reopens_the_team_case(qtbot, server, sample_path):  # noqa: F811
    address = _publish(server, sample_path)
    name = _case_name(address)
    window = open_window(qtbot)
    window.documents.open_entry(address)
    _wait_open(qtbot, window, name)
    window.action_registry[ActionId.CLOSE].trigger()
    assert window.session is None

    entry = window.recent_menu.actions()[0]
    assert entry.text() == f"&1 {name} on 127.0.0.1:{urlsplit(server.url).port}/casefile_test"
    assert entry.isEnabled()
    entry.trigger()
    _wait_open(qtbot, window, name)


def test_a_team_case_link_round_trip(qtbot, server, sample_path, tmp_path, monkeypatch):  # noqa: F811
    from desktop import file_dialogs
    from desktop.app import create_main_window

    address = _publish(server, sample_path)
    name = _case_name(address)
    window = open_window(qtbot)
    window.documents.open_entry(address)
    _wait_open(qtbot, window, name)

    link = tmp_path / f"{name}.casefile-link"
    monkeypatch.setattr(file_dialogs, "ask_save_link", lambda _parent, _suggested: link)
    window.action_registry[ActionId.SAVE_TEAM_LINK].trigger()
    doc = json.loads(link.read_text(encoding="utf-8"))
    assert doc == {"format": "casefile-link", "version": 1, "address": f"{server.url}?case={name}"}
    window.action_registry[ActionId.CLOSE].trigger()

    window.documents.open_path(link)  # as File > Open or a drop hands it over
    _wait_open(qtbot, window, name)

    launched = create_main_window(str(link))  # `casefile path/to/x.casefile-link`
    qtbot.addWidget(launched)
    _wait_open(qtbot, launched, name)


def test_save_a_copy_of_a_team_case_writes_a_case_file(qtbot, server, sample_path, tmp_path, monkeypatch):  # noqa: F811
    from db import records
    from db.sqlite.casefile import CaseFile
    from desktop import file_dialogs

    address = _publish(server, sample_path)
    name = _case_name(address)
    window = open_window(qtbot)
    window.documents.open_entry(address)
    _wait_open(qtbot, window, name)
    target = tmp_path / "copy.casefile"
    monkeypatch.setattr(file_dialogs, "ask_new_case", lambda *_args: target)
    window.action_registry[ActionId.SAVE_COPY].trigger()
    qtbot.waitUntil(target.exists, timeout=30000)
    with CaseFile.open(target, read_only=True) as cf:
        assert records.get_case(cf)["title"].startswith("CAISI Voluntary Review")


def test_a_list_the_server_cannot_read_yet_is_one_plain_banner(qtbot, server, sample_path, monkeypatch):  # noqa: F811
    from db import queries
    from db.fields import Kind
    from db.postgres.connect import ServerError

    def cannot(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise ServerError("Could not read the case at the server: function json_each(text) does not exist.")

    monkeypatch.setattr(queries, "list_rowids", cannot)
    address = _publish(server, sample_path)
    name = _case_name(address)
    window = open_window(qtbot)
    window.documents.open_entry(address)
    _wait_open(qtbot, window, name)
    for kind in (Kind.TIMELINE, Kind.ACTOR):
        window.case_view.show_page(kind)
    qtbot.waitUntil(lambda: any("cannot be shown yet" in t for t in _banners(window)), timeout=10000)
    warnings = [t for t in _banners(window) if "cannot be shown yet" in t]
    # One message however many lists failed (the front page's too, while the server cannot run it).
    assert len(warnings) == 1
    assert warnings[0].startswith("Some lists of this team case cannot be shown yet (the server said: ")
    assert "postgresql://" not in warnings[0]  # the title says where; the banner says why
    assert "\n" not in warnings[0] and "Traceback" not in warnings[0]
    assert window.isEnabled()


def test_the_timeline_list_of_a_team_case_shows_the_published_rows(qtbot, server, sample_path):  # noqa: F811
    from db.fields import Kind

    address = _publish(server, sample_path)
    name = _case_name(address)
    window = open_window(qtbot)
    window.documents.open_entry(address)
    _wait_open(qtbot, window, name)
    window.case_view.show_page(Kind.TIMELINE)
    page = window.case_view.current_page()
    assert page is not None
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=10000)
    assert page.model.rowCount() == window.session.counts()[Kind.TIMELINE]
