"""Per-user settings (QSettings in an INI file under the user config folder)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from db.address import is_server_address, without_password
from db.paths import user_config_dir

MAX_RECENT = 10
MAX_SERVERS = 8


class Settings:
    """Typed access to the app's remembered state: recent files, geometry, splitters, folders."""

    def __init__(self) -> None:
        self._qs = QSettings(str(user_config_dir() / "settings.ini"), QSettings.Format.IniFormat)

    def sync(self) -> None:
        """Write pending changes to disk."""
        self._qs.sync()

    # ----- files -------------------------------------------------------------------------
    def _list(self, key: str) -> list[str]:
        value = self._qs.value(key, [])
        # An INI file gives back a one-entry list as a plain string.
        entries = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        return [str(v) for v in entries if v]

    def recent_entries(self) -> list[Path | str]:
        """Recently used cases, most recent first: case file paths and team case addresses."""
        return [v if is_server_address(v) else Path(v) for v in self._list("files/recent")]

    def recent_files(self) -> list[Path]:
        """Recently used case files, most recent first (missing files included; the menu greys them)."""
        return [entry for entry in self.recent_entries() if isinstance(entry, Path)]

    def add_recent(self, entry: Path | str) -> None:
        """Put a case file (remembered as the last case) or a team case's address (never with its
        password) at the top of the recent list."""
        if isinstance(entry, str):
            entry = without_password(entry)
        entries = [e for e in self.recent_entries() if e != entry]
        entries.insert(0, entry)
        self._qs.setValue("files/recent", [str(e) for e in entries[:MAX_RECENT]])
        if isinstance(entry, Path):
            self._qs.setValue("files/last", str(entry))

    def remove_recent(self, entry: Path | str) -> None:
        """Forget a recent case (a file moved or deleted)."""
        entries = [str(e) for e in self.recent_entries() if e != entry]
        self._qs.setValue("files/recent", entries)

    def remembered_servers(self) -> list[str]:
        """Databases used for team cases, most recent first, as addresses without case or password."""
        return self._list("servers/recent")

    def remember_server(self, address: str) -> None:
        """Put a database's address (its password taken out) at the top of the remembered servers."""
        address = without_password(address)
        entries = [address, *(a for a in self.remembered_servers() if a != address)]
        self._qs.setValue("servers/recent", entries[:MAX_SERVERS])

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
