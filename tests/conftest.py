"""Shared test set-up: offscreen Qt, and a private user folder per test."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Before any QApplication exists: render offscreen, no display needed.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Before any Casefile module is imported: what they write at import (the cache of the field
# declarations) goes to a folder of this run, never to the real user folders.
if "CASEFILE_HOME" not in os.environ:
    _SESSION_HOME = tempfile.mkdtemp(prefix="casefile-tests-")
    os.environ["CASEFILE_HOME"] = _SESSION_HOME
    atexit.register(shutil.rmtree, _SESSION_HOME, True)

import pytest
from hypothesis import settings

# On CI the property tests draw the same examples every run: a landing must not depend on the
# draw. Locally they draw afresh each run and keep finding new inputs.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def casefile_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Point every per-user folder (data, settings, logs, backups) at a fresh temporary folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CASEFILE_HOME", str(home))
    return home


@pytest.fixture
def sample_path(tmp_path):
    """A fresh sample case file on disk."""
    from db.sample import create_sample

    path = tmp_path / "sample.casefile"
    create_sample(path)
    return path


@pytest.fixture
def sample_cf(sample_path):
    """The sample case file, open for editing."""
    from db.sqlite.casefile import CaseFile

    cf = CaseFile.open(sample_path)
    yield cf
    cf.close()


@pytest.fixture
def empty_cf(tmp_path):
    """A new empty case file, open for editing."""
    from db.sqlite.casefile import CaseFile

    cf = CaseFile.create(tmp_path / "empty.casefile", title="Empty case")
    yield cf
    cf.close()


@pytest.fixture(autouse=True)
def _no_modal_watcher_outlives_its_test():
    """A test's pending ``when_modal`` watcher must not answer the next test's dialog."""
    yield
    import sys

    helpers = sys.modules.get("tests.gui_helpers")
    if helpers is not None:
        helpers.forget_modal_watchers()


@pytest.fixture(autouse=True)
def _packets_exported_on_the_sample_as_of_day(monkeypatch: pytest.MonkeyPatch):
    """Export "today" is the sample case's As-of day, so the old As-of warning shows only where a
    test moves the clock (the real date would make every sample export ask first)."""
    import datetime as dt

    from desktop.briefing import staleness

    monkeypatch.setattr(staleness, "today", lambda: dt.date(2026, 6, 24))


@pytest.fixture
def edited_pair(sample_path: Path, tmp_path: Path):
    """(master path, offline copy of it open for editing, three statement ids): the copy changed
    the first statement, the master the second; the third is changed on neither side."""
    import sqlalchemy as sa

    from db import records
    from db.fields import Kind
    from db.replica import take_offline_copy
    from db.sqlite.casefile import CaseFile

    copy = take_offline_copy(sample_path, tmp_path / "copy.casefile")
    cf = CaseFile.open(copy)
    with cf.read() as conn:
        ids = list(conn.execute(sa.text("SELECT id FROM statement ORDER BY n LIMIT 3")).scalars())
    records.update_record(cf, Kind.STATEMENT, ids[0], {"venue": "Changed in the copy"})
    with CaseFile.open(sample_path) as master:
        records.update_record(master, Kind.STATEMENT, ids[1], {"notes": "Changed in the master"})
    yield sample_path, cf, ids
    cf.close()
