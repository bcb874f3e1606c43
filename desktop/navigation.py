"""Back and forward through the places the user has looked (page and record)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from db.fields import Kind

MAX_HISTORY = 200


@dataclass(frozen=True)
class Location:
    """A page (None = the Case page) and optionally a record on it."""

    kind: Kind | None
    record_id: str | None = None


class History(QObject):
    """A browser-like history; ``changed`` fires when back/forward availability changes."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Location] = []
        self._pos = -1

    def visit(self, location: Location) -> None:
        """Record a new place (dropping any forward history)."""
        if self._pos >= 0 and self._items[self._pos] == location:
            return
        current = self._items[self._pos] if self._pos >= 0 else None
        # Selecting a record on the page just opened refines that visit instead of adding one.
        if current is not None and current.kind == location.kind and current.record_id is None:
            self._items[self._pos] = location
        else:
            del self._items[self._pos + 1 :]
            self._items.append(location)
            if len(self._items) > MAX_HISTORY:
                del self._items[0]
            self._pos = len(self._items) - 1
        self.changed.emit()

    def can_go_back(self) -> bool:
        """True when there is somewhere to go back to."""
        return self._pos > 0

    def can_go_forward(self) -> bool:
        """True after going back."""
        return 0 <= self._pos < len(self._items) - 1

    def back(self) -> Location | None:
        """Step back and return the place to show."""
        if not self.can_go_back():
            return None
        self._pos -= 1
        self.changed.emit()
        return self._items[self._pos]

    def forward(self) -> Location | None:
        """Step forward and return the place to show."""
        if not self.can_go_forward():
            return None
        self._pos += 1
        self.changed.emit()
        return self._items[self._pos]

    def forget(self, kind: Kind, record_id: str) -> None:
        """Drop a deleted record from the history."""
        kept = [loc for loc in self._items if not (loc.kind == kind and loc.record_id == record_id)]
        if len(kept) != len(self._items):
            current = self._items[self._pos] if self._pos >= 0 else None
            self._items = kept
            self._pos = kept.index(current) if current in kept else len(kept) - 1
            self.changed.emit()

    def clear(self) -> None:
        """Forget everything (a different file was opened)."""
        self._items.clear()
        self._pos = -1
        self.changed.emit()
