"""3. Damaged files: cut short, bit-flipped, not SQLite, empty, a folder, unreadable, read-only.

Every damaged file gets a clear message naming it (a CaseFileError), never a traceback. A
bit-flipped file may also open: damage SQLite's checks cannot see (a changed letter in a
note) is still a readable case; damage that shows up only when a page is read is reported
as a CaseFileError then. Permissions are real: when the tests run as root (who ignores
them), the permission cases run in a child process that has become the 'nobody' user, and
the read-only case in the app uses a file system mounted read-only.
"""

from __future__ import annotations

import collections
import os
import random
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from reliability_helpers import (
    as_user,
    can_mount,
    env_int,
    record,
    remount_read_only,
    sha256,
    shared_folder,
    tmpfs,
    unprivileged_ids,
)

from db import interchange, queries, records, search
from db.errors import CaseFileError
from db.fields import KINDS, Kind
from db.lock import lock_path
from db.sample import create_sample
from db.sqlite.casefile import CaseFile
from desktop.actions import ActionId
from desktop.cli import main as cli_main
from tests.gui_helpers import open_window, when_modal

SEEDS = env_int("CASEFILE_BITFLIP_SEEDS", 300)
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def sample_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("damage-base") / "base.casefile"
    create_sample(path)
    return path.read_bytes()


def _refused(path: Path, *needles: str) -> str:
    """Opening ``path`` (for editing, read-only) and ``casefile check`` refuse it; nothing changes."""
    before = sha256(path) if path.is_file() else None
    messages = []
    for read_only in (False, True):
        with pytest.raises(CaseFileError) as refused:
            CaseFile.open(path, read_only=read_only)
        messages.append(str(refused.value))
    assert cli_main(["check", str(path)]) == 1
    for message in messages:
        assert path.name in message, message
        assert len(message.splitlines()) == 1 and len(message) < 600
        for needle in needles:
            assert needle in message, message
    if before is not None:
        assert sha256(path) == before
    assert not lock_path(path).exists()
    return messages[0]


# ----- cut short --------------------------------------------------------------------------


def test_a_file_cut_short_anywhere_is_refused(sample_bytes, tmp_path, capsys):
    size = len(sample_bytes)
    lengths = sorted(
        {1, 16, 99, 100, 101, 512, 4095, 4096, 4097, 8192, size // 2, size // 2 + 100, size - 4096, size - 1}
    )
    reasons = collections.Counter()
    for length in lengths:
        path = tmp_path / f"cut-{length}.casefile"
        path.write_bytes(sample_bytes[:length])
        message = _refused(path)
        assert any(word in message for word in ("damaged", "not an SQLite database")), message
        reasons["cut short" if "cut short" in message else "pages" if "pages" in message else "not SQLite"] += 1
        path.unlink()
    capsys.readouterr()
    record(
        3,
        "A case file cut short at any length (inside the header, at and between page boundaries, one byte "
        "short) is refused as damaged or not a case file, and left as it was.",
        lengths_tried=len(lengths),
        file_size=size,
        refused=len(lengths),
        reasons=dict(reasons),
    )


# ----- bit flips --------------------------------------------------------------------------


def _read_everything(cf: CaseFile) -> int:
    """Read every record the ways the app does; return how many records were read."""
    interchange.export_document(cf)
    count = 0
    for kind in KINDS:
        rows = queries.fetch_rows(cf, kind, queries.list_rowids(cf, queries.ListQuery(kind)))
        for values in rows.values():
            records.get_record(cf, kind, str(values[0]))
            count += 1
    queries.counts(cf)
    queries.timeline_marks(cf)
    queries.date_span(cf)
    queries.all_tags(cf)
    records.get_case(cf)
    for words in ("Meta", "review", "the"):
        search.search(cf, words)
    return count


def _kind_of_refusal(message: str) -> str:
    for needle, label in (
        ("header", "header"),
        ("cut short", "header"),
        ("page size", "header"),
        ("not an SQLite", "header"),
        ("belongs to another application", "header"),
        ("schema version", "header"),
        ("not a Casefile case file", "header"),
        ("newer version", "header"),
        ("SQLite file format", "header"),
        ("write-ahead", "header"),
        ("did not create", "schema check"),
        ("holds a", "value types"),
        ("single value", "value size"),
        ("schema", "schema damaged"),
    ):
        if needle in message:
            return label
    return "quick_check"


def test_bit_flips_give_a_clear_error_or_a_readable_case(sample_bytes, tmp_path):
    outcomes: collections.Counter[str] = collections.Counter()
    refusals: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    read = 0
    started = time.perf_counter()
    for seed in range(SEEDS):
        rng = random.Random(seed)
        data = bytearray(sample_bytes)
        for _ in range(rng.randint(1, 8)):
            bit = rng.randrange(len(data) * 8)
            data[bit // 8] ^= 1 << (bit % 8)
        path = tmp_path / f"flip-{seed}.casefile"
        path.write_bytes(bytes(data))
        before = sha256(path)
        try:
            cf = CaseFile.open(path)
        except CaseFileError as exc:
            message = str(exc)
            outcomes["refused when opened"] += 1
            refusals[_kind_of_refusal(message)] += 1
            if path.name not in message or sha256(path) != before:
                failures.append(f"seed {seed}: unclear refusal or changed file: {message}")
        except Exception as exc:
            failures.append(f"seed {seed}: open raised {type(exc).__name__}: {exc}")
        else:
            try:
                read += _read_everything(cf)
                outcomes["opened and read in full"] += 1
            except CaseFileError:
                outcomes["opened, damage reported on reading"] += 1
            except Exception as exc:
                failures.append(f"seed {seed}: reading raised {type(exc).__name__}: {str(exc)[:200]}")
            finally:
                cf.close()
        path.unlink()
        for leftover in tmp_path.iterdir():
            failures.append(f"seed {seed}: left {leftover.name}")
            leftover.unlink()
    took = time.perf_counter() - started
    assert failures == []
    assert sum(outcomes.values()) == SEEDS
    record(
        3,
        "Flipping 1-8 random bits anywhere in a case file never leads to anything but a clear refusal naming "
        "the file (the file unchanged), or a case that reads in full, or a CaseFileError while reading.",
        seeds_tried=SEEDS,
        bits_flipped_per_file="1-8",
        file_bytes=len(sample_bytes),
        bytes_checked=SEEDS * len(sample_bytes),
        outcomes=dict(outcomes),
        refused_by=dict(refusals),
        records_read_from_opened_files=read,
        unhandled_exceptions=0,
        seconds=round(took, 1),
    )


# ----- not a case file at all -------------------------------------------------------------


NOT_CASE_FILES = {
    "text": (b"Meeting notes\nnot a database at all\n" * 40, "not an SQLite database"),
    "zip (a Word document)": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 16, "not an SQLite database"),
    "PDF": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 4000, "not an SQLite database"),
    "random bytes": (random.Random(3).randbytes(8192), "not an SQLite database"),
    "SQLite magic then noise": (b"SQLite format 3\x00" + random.Random(4).randbytes(8176), ""),
    "empty": (b"", "empty (0 bytes)"),
}


@pytest.mark.parametrize("kind", list(NOT_CASE_FILES))
def test_a_file_that_is_not_a_case_file_is_refused(kind, tmp_path, capsys):
    data, needle = NOT_CASE_FILES[kind]
    path = tmp_path / "attachment.casefile"
    path.write_bytes(data)
    message = _refused(path, needle)
    capsys.readouterr()
    record(3, "Files that are not case files are refused in plain words.", file=kind, message=message)


def test_a_folder_is_refused(tmp_path, capsys):
    folder = tmp_path / "folder.casefile"
    folder.mkdir()
    message = _refused(folder, "is a folder")
    capsys.readouterr()
    record(3, "A folder named like a case file is refused.", file="a folder", message=message)


# ----- permissions ------------------------------------------------------------------------


def _open_outcome(path: Path) -> dict[str, object]:
    """Open ``path`` for editing; report how it opened and what an edit does (runs as the test user)."""

    def attempt() -> object:
        cf = CaseFile.open(path)
        try:
            try:
                records.add_record(cf, Kind.ACTOR, {"name": "Should not be saved"})
                edit = "saved"
            except CaseFileError as exc:
                edit = str(exc)
            return {"read_only": cf.read_only, "reason": cf.read_only_reason, "edit": edit,
                    "statements": queries.counts(cf)[Kind.STATEMENT]}  # fmt: skip
        finally:
            cf.close()

    return as_user(unprivileged_ids(), attempt)


def _skip_if_permissions_cannot_be_tested() -> None:
    if os.name != "posix":
        pytest.skip("POSIX permission bits; Windows ACLs are not tested here")
    if IS_ROOT and unprivileged_ids() is None:
        pytest.skip("running as root (which ignores permissions) and cannot switch to the 'nobody' user")


def test_an_unreadable_file_and_a_file_in_an_unreadable_folder_are_refused(sample_bytes):
    _skip_if_permissions_cannot_be_tested()
    with shared_folder() as folder:
        unreadable = folder / "secret.casefile"
        unreadable.write_bytes(sample_bytes)
        unreadable.chmod(0o000)
        closed = folder / "closed"
        closed.mkdir()
        inside = closed / "inside.casefile"
        inside.write_bytes(sample_bytes)
        closed.chmod(0o700 if IS_ROOT else 0o000)  # root owns it: 'nobody' cannot enter
        results = {}
        for path in (unreadable, inside):
            before = sha256(path)
            outcome = _open_outcome(path)
            assert "CaseFileError" in outcome.get("mro", []), outcome
            assert path.name in outcome["message"], outcome
            assert "permission" in outcome["message"], outcome
            assert sha256(path) == before
            results[path.name] = outcome["message"]
        closed.chmod(0o755)
    record(
        3,
        "A file the user may not read, and a file in a folder the user may not enter, are refused with a "
        "plain message about permission, not a traceback.",
        as_user="nobody (the tests run as root)" if IS_ROOT else "the test user",
        messages=results,
    )


def test_a_read_only_file_or_folder_opens_read_only_and_refuses_edits(sample_bytes):
    _skip_if_permissions_cannot_be_tested()
    with shared_folder() as folder:
        locked_file = folder / "readonly-file.casefile"
        locked_file.write_bytes(sample_bytes)
        locked_file.chmod(0o444)
        sub = folder / "readonly-folder"
        sub.mkdir()
        in_locked_folder = sub / "in-readonly-folder.casefile"
        in_locked_folder.write_bytes(sample_bytes)
        in_locked_folder.chmod(0o666)
        sub.chmod(0o555)
        results = {}
        for path in (locked_file, in_locked_folder):
            before = sha256(path)
            outcome = _open_outcome(path)
            assert "result" in outcome, outcome
            value = outcome["result"]
            assert value["read_only"] is True
            assert value["reason"] == "the file or its folder cannot be written"
            assert "read-only" in value["edit"] and "not saved" in value["edit"]
            assert value["statements"] == 21
            assert sha256(path) == before
            assert not lock_path(path).exists()
            assert not Path(f"{path}-journal").exists()
            results[path.name] = value["reason"]
        sub.chmod(0o755)
    record(
        3,
        "A read-only file, or a file in a read-only folder, opens read-only with the reason, refuses edits "
        "and is not changed.",
        as_user="nobody (the tests run as root)" if IS_ROOT else "the test user",
        cases=results,
    )


def test_the_app_shows_a_read_only_banner_and_disables_editing(qtbot, sample_bytes, tmp_path):
    folder = tmp_path / "mnt"
    folder.mkdir()
    if can_mount():
        how = "a file system mounted read-only"
        with tmpfs(folder, "4m"):
            path = folder / "archived.casefile"
            path.write_bytes(sample_bytes)
            assert remount_read_only(folder)
            _check_read_only_window(qtbot, path, read_only=False, reason="cannot be written")
    elif not IS_ROOT:
        how = "a file with permissions 444"
        path = folder / "archived.casefile"
        path.write_bytes(sample_bytes)
        path.chmod(0o444)
        _check_read_only_window(qtbot, path, read_only=False, reason="cannot be written")
    else:
        how = "Open read-only (root ignores permissions and cannot mount here)"
        path = folder / "archived.casefile"
        path.write_bytes(sample_bytes)
        _check_read_only_window(qtbot, path, read_only=True, reason="you opened it read-only")
    record(
        3,
        "A read-only case file opens in the app with a visible read-only banner and editing disabled.",
        made_read_only_by=how,
    )


def _check_read_only_window(qtbot, path: Path, *, read_only: bool, reason: str) -> None:
    before = sha256(path)
    window = open_window(qtbot, path, read_only=read_only)
    try:
        assert window.session.read_only
        banners = window.case_view.banners
        # A widget added to a shown layout is shown on the next pass of the event loop.
        qtbot.waitUntil(lambda: len(banners) == 1 and banners[0].isVisible(), timeout=60000)
        assert banners[0].kind == "info"
        text = banners[0].text()
        assert f"{path.name} is open read-only" in text and reason in text and "not change it" in text
        assert "(read-only)" in window.windowTitle()
        window.case_view.show_page(Kind.STATEMENT)
        page = window.case_view.current_page()
        page.table.selectRow(0)
        qtbot.waitUntil(lambda: page.current_id() is not None, timeout=60000)
        assert not window.action_registry[ActionId.NEW_RECORD].isEnabled()
        assert not window.action_registry[ActionId.DELETE_RECORD].isEnabled()
        assert page.editor.widgets["text"].edit.isReadOnly()
        assert not page.model.flags(page.model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    finally:
        window.close()  # closes the file before its file system is unmounted
    assert sha256(path) == before


def test_the_app_says_why_a_damaged_file_was_not_opened(qtbot, sample_bytes, tmp_path):
    path = tmp_path / "cut.casefile"
    path.write_bytes(sample_bytes[: len(sample_bytes) // 2 + 100])
    window = open_window(qtbot)
    seen = when_modal(lambda box: box.accept())
    with qtbot.waitSignal(window.documents.failed, timeout=60000) as blocker:
        window.documents.open_path(path)
    qtbot.waitUntil(lambda: bool(seen), timeout=60000)
    assert blocker.args[0].startswith("cut.casefile was not opened.")
    assert "damaged" in blocker.args[0] and "cut short" in blocker.args[0]
    assert window.session is None
    record(3, "The app refuses a damaged file with the reason in a dialog, not an error report.", file="cut short")


def test_the_app_says_why_it_cannot_open_a_file_in_a_folder_it_may_not_enter(
    qtbot, monkeypatch, sample_bytes, tmp_path
):
    closed = tmp_path / "closed"
    closed.mkdir()
    path = closed / "inside.casefile"
    path.write_bytes(sample_bytes)
    if IS_ROOT:  # root may enter any folder: the file system's answer to anyone else is given here
        import pathlib

        real_stat = pathlib.Path.stat

        def stat(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real_stat(self, *args, **kwargs)

        monkeypatch.setattr(pathlib.Path, "stat", stat)
        how = "the file system's EACCES, injected (root may enter any folder)"
    else:
        closed.chmod(0o000)
        how = "a folder with permissions 000"
    window = open_window(qtbot)
    seen = when_modal(lambda box: box.accept())
    try:
        with qtbot.waitSignal(window.documents.failed, timeout=60000) as blocker:
            window.documents.open_path(path)
        qtbot.waitUntil(lambda: bool(seen), timeout=60000)
    finally:
        closed.chmod(0o755)
    assert blocker.args[0] == (
        "inside.casefile was not opened.\n\nYou do not have permission to open the folder that holds inside.casefile."
    )
    assert window.session is None
    record(3, "The app explains a file in a folder the user may not enter instead of failing.", made_by=how)
