"""The sample case shipped with the app, built from a news story (see docs/sample-case.md)."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from .interchange import ImportSummary, import_document

SAMPLE_FILE_NAME = "CAISI Voluntary Review.casefile"


def sample_document() -> dict[str, Any]:
    """The sample case as a Casefile JSON document."""
    text = resources.files("db").joinpath("sample", "caisi-review.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    assert isinstance(doc, dict)
    return doc


def create_sample(path: str | os.PathLike[str], *, overwrite: bool = False) -> ImportSummary:
    """Write the sample case into a new case file at ``path`` (through the normal import)."""
    return import_document(sample_document(), Path(path), overwrite=overwrite)
