"""The field descriptions come from the model classes, and the start-up cache of them never
disagrees with the classes: it is used only while the declaring source is unchanged, and a
missing, stale, damaged or unwritable cache costs a slower start, nothing else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from core_fixtures import REPO_ROOT

from db import fields
from db.fields import CASE_FIELDS, KINDS, FieldType, Kind, read_declarations


def _run(code: str, home: Path, *, root: Path = REPO_ROOT) -> str:
    env = {**os.environ, "CASEFILE_HOME": str(home), "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_what_the_app_uses_is_what_the_classes_declare() -> None:
    assert read_declarations() == (KINDS, CASE_FIELDS)
    statement = KINDS[Kind.STATEMENT]
    assert [f.name for f in statement.fields][:3] == ["speaker", "text", "date"]
    assert statement.field("speaker").column == "speaker_id" and statement.field("speaker").type is FieldType.REF
    assert KINDS[Kind.TIMELINE].field("key").column == "key_event"
    assert KINDS[Kind.DIRECTIVE].field("parties").link is not None


def test_the_cache_holds_exactly_what_the_classes_say() -> None:
    registry = read_declarations()
    text = fields._to_json(registry, "key")
    assert fields._from_json(text, "key") == registry
    assert fields._from_json(text, "another key") is None


def test_a_warm_start_reads_the_cache_and_never_imports_sqlmodel(tmp_path: Path) -> None:
    probe = (
        "import sys, desktop.main_window, desktop.documents\n"
        "from db.sqlite.casefile import CaseFile\n"
        "from db.fields import KINDS\n"
        "print(sorted(m for m in ('sqlmodel', 'pydantic', 'sqlalchemy.orm', 'db.models') if m in sys.modules))"
    )
    assert _run(probe, tmp_path) == "['db.models', 'pydantic', 'sqlalchemy.orm', 'sqlmodel']"  # first start
    assert (tmp_path / "cache" / "declarations.json").is_file()
    assert _run(probe, tmp_path) == "[]"


def test_changed_declarations_are_read_again_not_taken_from_the_cache(tmp_path: Path) -> None:
    home = tmp_path / "home"
    label = "print(__import__('db.fields').fields.KINDS[__import__('db.fields').fields.Kind.STATEMENT]"
    probe = f"{label}.field('locator').label)"
    copy = tmp_path / "src"
    shutil.copytree(REPO_ROOT / "db", copy / "db", ignore=shutil.ignore_patterns("__pycache__"))
    assert _run(probe, home, root=copy) == "Pinpoint"
    models = copy / "db" / "models.py"
    models.write_text(models.read_text(encoding="utf-8").replace('"Pinpoint"', '"Pin cite"'), encoding="utf-8")
    assert _run(probe, home, root=copy) == "Pin cite"
    assert json.loads((home / "cache" / "declarations.json").read_text(encoding="utf-8"))["key"]


@pytest.mark.parametrize("damage", ["not json", '{"key": 1}', "[]", "truncated"])
def test_a_damaged_cache_is_read_around_and_written_again(tmp_path: Path, monkeypatch, damage: str) -> None:
    monkeypatch.setenv("CASEFILE_HOME", str(tmp_path))
    key = fields.declarations_key()
    assert key is not None
    good = fields._to_json(read_declarations(), key)
    path = fields.cache_path()
    path.write_text(good[: len(good) // 2] if damage == "truncated" else damage, encoding="utf-8")
    assert fields.load_declarations() == read_declarations()
    assert path.read_text(encoding="utf-8") == good
    assert not [p.name for p in path.parent.iterdir() if p.name != path.name]  # no temporary file left


def test_an_unwritable_cache_folder_still_gives_the_declarations(tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setattr(fields, "cache_path", lambda: blocker / "declarations.json")
    assert fields.load_declarations() == read_declarations()
