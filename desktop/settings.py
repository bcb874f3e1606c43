"""Per-user settings (QSettings in an INI file under the user config folder)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from db.paths import user_config_dir

MAX_RECENT = 10


class Settings:
    """Typed access to the app's remembered state: recent files, geometry, splitters, folders."""

    def __init__(self) -> None:
        self._qs = QSettings(str(user_config_dir() / "settings.ini"), QSettings.Format.IniFormat)

    def sync(self) -> None:
        """Write pending changes to disk."""
        self._qs.sync()

    # ----- files -------------------------------------------------------------------------
    def recent_files(self) -> list[Path]:
        """Recently used case files, most recent first (missing files included; the menu greys them)."""
        value = self._qs.value("files/recent", [])
        # An INI file gives back a one-entry list as a plain string.
        entries = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        return [Path(str(v)) for v in entries if v]

    def add_recent(self, path: Path) -> None:
        """Put ``path`` at the top of the recent files and remember it as the last case."""
        entries = [p for p in self.recent_files() if p != path]
        entries.insert(0, path)
        self._qs.setValue("files/recent", [str(p) for p in entries[:MAX_RECENT]])
        self._qs.setValue("files/last", str(path))

    def remove_recent(self, path: Path) -> None:
        """Forget ``path`` (it was moved or deleted)."""
        entries = [str(p) for p in self.recent_files() if p != path]
        self._qs.setValue("files/recent", entries)

    def clear_recent(self) -> None:
        """Forget every recent file."""
        self._qs.setValue("files/recent", [])

    def last_case(self) -> Path | None:
        """The case file open when the app last closed (or last opened)."""
        value = self._qs.value("files/last", "")
        return Path(str(value)) if value else None

    def set_last_case(self, path: Path | None) -> None:
        """Remember (or forget) the last case file."""
        self._qs.setValue("files/last", str(path) if path else "")

    def folder(self, purpose: str) -> str:
        """The folder last used for ``purpose`` ("open", "export", "briefing", ...), or ""."""
        return str(self._qs.value(f"folders/{purpose}", "") or "")

    def set_folder(self, purpose: str, folder: Path) -> None:
        """Remember the folder used for ``purpose``."""
        self._qs.setValue(f"folders/{purpose}", str(folder))

    def clear_folder(self, purpose: str) -> None:
        """Forget the folder for ``purpose``."""
        self._qs.remove(f"folders/{purpose}")

    # ----- preferences -------------------------------------------------------------------
    def reopen_last(self) -> bool:
        """Whether the last case reopens at start (otherwise the sample or start screen)."""
        return str(self._qs.value("prefs/reopen_last", "true")).lower() == "true"

    def set_reopen_last(self, value: bool) -> None:
        """Choose whether the last case reopens at start."""
        self._qs.setValue("prefs/reopen_last", "true" if value else "false")

    def backups_to_keep(self) -> int:
        """How many automatic backups to keep per case file."""
        try:
            return max(1, int(str(self._qs.value("prefs/backups_keep", 10))))
        except ValueError:
            return 10

    def set_backups_to_keep(self, value: int) -> None:
        """Choose how many automatic backups to keep."""
        self._qs.setValue("prefs/backups_keep", int(value))

    # ----- how lists look ------------------------------------------------------------------
    def row_lines(self) -> int:
        """Lines of text each row of a list shows (1, 2 or 3)."""
        try:
            value = int(str(self._qs.value("view/row_lines", 1)))
        except ValueError:
            return 1
        return value if value in (1, 2, 3) else 1

    def set_row_lines(self, lines: int) -> None:
        """Choose how many lines of text each row of a list shows."""
        self._qs.setValue("view/row_lines", int(lines))

    # ----- window state ------------------------------------------------------------------
    def bytes_value(self, key: str) -> QByteArray | None:
        """A saved geometry/state blob, if any."""
        value = self._qs.value(f"window/{key}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_bytes_value(self, key: str, value: QByteArray) -> None:
        """Save a geometry/state blob."""
        self._qs.setValue(f"window/{key}", value)
