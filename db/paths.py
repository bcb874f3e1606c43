"""Where things live: user data, backups, logs, settings and bundled resources.

The one place that knows about platform folders, the user's Documents folder among them.
``CASEFILE_HOME`` moves every per-user folder under one directory (tests and development use
it); resources resolve both from a source checkout and from inside a PyInstaller bundle (``sys._MEIPASS``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "Casefile"
HOME_ENV = "CASEFILE_HOME"


def _home_override() -> Path | None:
    value = os.environ.get(HOME_ENV)
    return Path(value) if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_data_dir() -> Path:
    """Per-user data folder (the sample case, backups); created on first use."""
    home = _home_override()
    if home is not None:
        return _ensure(home / "data")
    import platformdirs

    return _ensure(Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)))


def user_config_dir() -> Path:
    """Per-user settings folder; created on first use."""
    home = _home_override()
    if home is not None:
        return _ensure(home / "config")
    import platformdirs

    return _ensure(Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False)))


def user_log_dir() -> Path:
    """Per-user log folder; created on first use."""
    home = _home_override()
    if home is not None:
        return _ensure(home / "logs")
    import platformdirs

    return _ensure(Path(platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False)))


def user_cache_dir() -> Path:
    """Per-user folder for data derived at run time (deleting it loses nothing); created on first use."""
    home = _home_override()
    if home is not None:
        return _ensure(home / "cache")
    import platformdirs

    return _ensure(Path(platformdirs.user_cache_dir(APP_DIR_NAME, appauthor=False)))


def backups_dir() -> Path:
    """Folder for automatic and pre-migration backups of case files."""
    return _ensure(user_data_dir() / "backups")


BRIEFINGS_DIR_NAME = "Casefile Briefings"


def documents_dir() -> Path:
    """The user's Documents folder (not created: it is the user's, not ours)."""
    home = _home_override()
    if home is not None:
        return home / "Documents"
    import platformdirs

    return Path(platformdirs.user_documents_dir())


def briefings_dir(documents: Path | None = None) -> Path:
    """Documents/Casefile Briefings: where packets go when the case file's folder is no place
    for them (the app's own data folder, a folder the user cannot write); created on first use.

    ``documents`` is the Documents folder as the desktop reports it; ``CASEFILE_HOME`` overrides it.
    """
    base = documents_dir() if documents is None or _home_override() is not None else documents
    return _ensure(base / BRIEFINGS_DIR_NAME)


def bundle_root() -> Path:
    """Root of the application files: the source checkout or the PyInstaller bundle."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource under ``resources/`` (fonts, icons, licences)."""
    return bundle_root().joinpath("resources", *parts)


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))
