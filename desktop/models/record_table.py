"""A lazy table model over one kind of record.

The model holds only the row numbers of the matching records in display order (one
machine integer each) and reads the shown columns a page at a time as the view asks for
them. Sorting and filtering run in SQLite (a proxy model would need every row in Python),
so a 100,000-row timeline sorts and filters in milliseconds and costs a few megabytes.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from db.dates import PartialDate
from db.errors import CaseFileError
from db.fields import KINDS, FieldType, Kind, choice_label
from db.values import decode_list

from ..field_save import Saved, save_field
from ..session import CaseSession, ListQuery

PAGE_SIZE = 200
MAX_PAGES = 50
IdRole = Qt.ItemDataRole.UserRole + 1
RowIdRole = Qt.ItemDataRole.UserRole + 2
FieldRole = Qt.ItemDataRole.UserRole + 3

_IN_CELL = (FieldType.TEXT, FieldType.DATE, FieldType.CHOICE, FieldType.TAGS)
Index = QModelIndex | QPersistentModelIndex


def display_value(ftype: FieldType | None, raw: object) -> str:
    """The text a cell shows for a stored value."""
    if raw is None:
        return ""
    if ftype is FieldType.DATE and isinstance(raw, str):
        try:
            return PartialDate.parse_iso(raw).display()
        except ValueError:
            return raw
    if ftype is FieldType.CHOICE:
        return choice_label(str(raw))
    if ftype in (FieldType.TAGS, FieldType.LINES):
        return ", ".join(decode_list(raw))
    text = str(raw)
    return text.split("\n", 1)[0] if "\n" in text else text


class RecordTableModel(QAbstractTableModel):
    """Rows of one kind of record, sorted and filtered in SQL, read lazily."""

    def __init__(self, session: CaseSession, kind: Kind, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.kind = kind
        self.columns = session.list_columns(kind)
        spec = KINDS[kind]
        self._types: list[FieldType | None] = [
            spec.field(c.field).type if c.field and c.field in spec.by_name else None for c in self.columns
        ]
        self._query = ListQuery(kind)
        self._rowids: array[int] = array("q")
        # The unfiltered order for the current sort (and tag/date filter): typing in the filter
        # box intersects it with the matching rows instead of sorting again in SQL.
        self._base: tuple[tuple[object, ...], array[int]] | None = None
        self._sorted_as: tuple[int, bool] | None = None  # the sort last applied, while still current
        self._pages: OrderedDict[int, dict[int, tuple[object, ...]]] = OrderedDict()
        self._editing: dict[tuple[int, int], object] = {}  # (row number, column) -> value shown
        self._edit_again: tuple[QPersistentModelIndex, str] | None = None
        self._bold = QFont()
        self._bold.setBold(True)
        session.records_changed.connect(self._on_changed)
        session.records_reset.connect(self._on_reset)
        self.refresh()

    # ----- querying ----------------------------------------------------------------------
    @property
    def query(self) -> ListQuery:
        """The current sort and filter."""
        return self._query

    def set_query(self, query: ListQuery) -> None:
        """Apply a new sort/filter and reload the row list."""
        self._query = query
        self._reset_rows()

    def set_filter(
        self,
        text: str = "",
        tag: str | None = None,
        date_from: PartialDate | None = None,
        date_to: PartialDate | None = None,
    ) -> None:
        """Filter by words (prefix match, speaker/issuer names too), tag and date range."""
        q = self._query
        self.set_query(ListQuery(q.kind, q.sort, q.descending, text, tag, date_from, date_to))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (in SQL)."""
        if not 0 <= column < len(self.columns):
            return
        q = self._query
        descending = order == Qt.SortOrder.DescendingOrder
        if self._sorted_as == (column, descending):
            return  # the view asks twice per header click (indicator change and sortByColumn)
        self._sorted_as = (column, descending)
        self._query = ListQuery(q.kind, self.columns[column].name, descending, q.text, q.tag, q.date_from, q.date_to)
        self._base = None
        self._relayout(self._reload)

    def _relayout(self, reorder: Callable[[], None]) -> None:
        """Run ``reorder`` (which replaces the row list) as a layout change: the selection and
        the current row follow their records to their new positions."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        kept = [(idx, self._rowids[idx.row()]) for idx in persistent if 0 <= idx.row() < len(self._rowids)]
        reorder()
        for idx, rowid in kept:
            row = self.row_of_rowid(rowid)
            self.changePersistentIndex(idx, self.index(row, idx.column()) if row is not None else QModelIndex())
        self.layoutChanged.emit()

    def sorted_by(self) -> str | None:
        """The field the rows are ordered by (the kind's date or title when no column was chosen)."""
        q = self._query
        if q.sort is None:
            spec = KINDS[self.kind]
            return spec.date_field or spec.title_field
        return self.columns[self.column_of(q.sort)].field

    def _keep_sorted(self) -> None:
        """Put rows back in sorted order after an edit of the field they are sorted by.

        The rows shown stay the same: a record edited so that it no longer matches the filter
        stays in the list (it vanishing while being edited would lose the user's place)."""
        q = self._query
        order = self.session.list_rowids(ListQuery(q.kind, q.sort, q.descending))
        filtered = bool(q.text.strip()) or q.tag is not None or q.date_from is not None or q.date_to is not None
        if filtered:
            shown = set(self._rowids)
            order = array("q", filter(shown.__contains__, order))
        if order == self._rowids:
            return

        def reorder() -> None:
            self._rowids = order
            self._pages.clear()
            self._base = None if filtered else ((q.sort, q.descending, None, None, None), order)

        self._relayout(reorder)

    def refresh(self) -> None:
        """Reload the row list (after records were added or removed)."""
        self._base = None
        self._sorted_as = None
        self._reset_rows()

    def _reset_rows(self) -> None:
        self.beginResetModel()
        self._reload()
        self.endResetModel()

    def _reload(self) -> None:
        self._pages.clear()
        if self.session.closed:
            self._rowids = array("q")
            return
        q = self._query
        if not q.text.strip():
            self._rowids = self.session.list_rowids(q)
            self._base = ((q.sort, q.descending, q.tag, q.date_from, q.date_to), self._rowids)
            return
        key = (q.sort, q.descending, q.tag, q.date_from, q.date_to)
        if self._base is None or self._base[0] != key:
            without_text = ListQuery(q.kind, q.sort, q.descending, "", q.tag, q.date_from, q.date_to)
            self._base = (key, self.session.list_rowids(without_text))
        matching = self.session.matching_rowids(self.kind, q.text)
        base = self._base[1]
        unfiltered = q.tag is None and q.date_from is None and q.date_to is None
        if matching is None or (unfiltered and len(matching) >= len(base)):
            self._rowids = base  # nothing typed, or a word every record has
        else:
            self._rowids = array("q", filter(matching.__contains__, base))

    def _on_reset(self, kind: Kind) -> None:
        if kind is self.kind:
            self.refresh()
        elif self._pages:
            # Names of other records show in this list (speaker, issuer): re-read on demand.
            self._pages.clear()
            self._emit_all_changed()

    def _on_changed(self, kind: Kind, ids: list[str], fields: list[str]) -> None:
        self._sorted_as = None  # sorting again by the same column must re-read the order
        if kind is not self.kind or len(ids) > 20:
            # Another kind's names may show in this list (speaker, issuer, source): re-read.
            self._pages.clear()
            self._emit_all_changed()
            return
        last = len(self.columns) - 1
        for record_id in ids:
            rowid = self.session.rowid_of(self.kind, record_id)
            row = self.row_of_rowid(rowid) if rowid is not None else None
            if row is None:
                continue
            self._pages.pop(row // PAGE_SIZE, None)  # read that page again, with the new values
            self.dataChanged.emit(self.index(row, 0), self.index(row, last))
        if self.sorted_by() in fields:
            self._keep_sorted()

    def _emit_all_changed(self) -> None:
        if self._rowids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rowids) - 1, len(self.columns) - 1))

    # ----- lookups -----------------------------------------------------------------------
    def _row(self, row: int) -> tuple[object, ...] | None:
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None:
            start = page_no * PAGE_SIZE
            page = self.session.fetch_rows(self.kind, self._rowids[start : start + PAGE_SIZE])
            self._pages[page_no] = page
            if len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page.get(self._rowids[row])

    def id_at(self, row: int) -> str | None:
        """Record id shown in ``row``."""
        if not 0 <= row < len(self._rowids):
            return None
        values = self._row(row)
        return str(values[0]) if values else None

    def row_of(self, record_id: str) -> int | None:
        """Row showing the record, or None if it is filtered out or gone."""
        rowid = self.session.rowid_of(self.kind, record_id)
        if rowid is None:
            return None
        try:
            return self._rowids.index(rowid)
        except ValueError:
            return None

    def row_of_rowid(self, rowid: int) -> int | None:
        """Row showing the record with this row number."""
        try:
            return self._rowids.index(rowid)
        except ValueError:
            return None

    def rowid_at(self, row: int) -> int | None:
        """Row number of the record in ``row``."""
        return self._rowids[row] if 0 <= row < len(self._rowids) else None

    def column_of(self, name: str) -> int:
        """Column index of a LIST_COLUMNS name."""
        for i, col in enumerate(self.columns):
            if col.name == name:
                return i
        raise KeyError(name)

    def field_type(self, column: int) -> FieldType | None:
        """Type of the field a column shows."""
        return self._types[column]

    # ----- Qt model interface ------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rowids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].label
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        values = self._row(index.row())
        if values is None:
            return None
        column = index.column()
        raw = values[column + 1]
        ftype = self._types[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return None if ftype is FieldType.BOOL else display_value(ftype, raw)
        if role == Qt.ItemDataRole.EditRole:
            if ftype is FieldType.TAGS:
                return ", ".join(decode_list(raw))
            if ftype is FieldType.DATE:
                return display_value(ftype, raw)
            return raw
        if role == Qt.ItemDataRole.CheckStateRole and ftype is FieldType.BOOL:
            return Qt.CheckState.Checked if raw else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole and ftype in (FieldType.TEXT, FieldType.LONG_TEXT, None) and raw:
            text = str(raw)
            return text if len(text) <= 500 else text[:500] + "…"
        if role == Qt.ItemDataRole.FontRole and self.kind is Kind.TIMELINE and self._is_key(values):
            return self._bold
        if role == IdRole:
            return values[0]
        if role == RowIdRole:
            return self._rowids[index.row()]
        if role == FieldRole:
            return self.columns[column].field
        return None

    def _is_key(self, values: tuple[object, ...]) -> bool:
        return bool(values[1 + self.column_of("key")])

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if not index.isValid() or self.session.read_only:
            return base
        ftype = self._types[index.column()]
        if ftype is FieldType.BOOL:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if ftype in _IN_CELL:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def begin_edit(self, index: Index) -> None:
        """Note the value a cell shows as an editor opens on it: the save checks that the record
        still holds it (on a team case someone else may change it while the user types)."""
        values = self._row(index.row()) if index.isValid() else None
        if values is not None:
            self._editing[(self._rowids[index.row()], index.column())] = values[index.column() + 1]

    def take_edit_again(self) -> tuple[QPersistentModelIndex, str] | None:
        """The cell (and the text typed in it) whose save the user chose to edit further after
        seeing someone else's change, once."""
        again, self._edit_again = self._edit_again, None
        return again

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        field = self.columns[index.column()].field
        record_id = self.id_at(index.row())
        if field is None or record_id is None:
            return False
        ftype = self._types[index.column()]
        shown = self._editing.pop((self._rowids[index.row()], index.column()), _NOT_NOTED)
        if shown is _NOT_NOTED:  # a flag toggled in place, or a call from code: what the cell shows now
            values = self._row(index.row())
            shown = values[index.column() + 1] if values is not None else None
        typed = value
        if role == Qt.ItemDataRole.CheckStateRole and ftype is FieldType.BOOL:
            value = Qt.CheckState(value) == Qt.CheckState.Checked
        elif role != Qt.ItemDataRole.EditRole:
            return False
        elif ftype is FieldType.TAGS and isinstance(value, str):
            value = [t.strip() for t in value.split(",") if t.strip()]
        try:
            saved = save_field(
                self.session, self.kind, record_id, field, value, lambda record: _holds(ftype, record.get(field), shown)
            )
        except CaseFileError as exc:
            self.session.report(exc)
            return False
        if saved is Saved.SAVED:
            return True
        # Someone else's change stays: show it now rather than when its news arrives.
        self._pages.pop(index.row() // PAGE_SIZE, None)
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(self.columns) - 1))
        if saved is Saved.EDIT and isinstance(typed, str):
            self._edit_again = (QPersistentModelIndex(index), typed)
        return False


_NOT_NOTED = object()


def _holds(ftype: FieldType | None, stored: object, shown: object) -> bool:
    """Whether a record's field value (as read) is the value a cell showed (as listed)."""
    if ftype is FieldType.TAGS:
        return (list(stored) if isinstance(stored, list) else []) == decode_list(shown)
    if ftype is FieldType.BOOL:
        return bool(stored) == bool(shown)
    if ftype is FieldType.DATE and isinstance(shown, str):
        try:
            return stored == PartialDate.parse_iso(shown)
        except ValueError:
            return False
    return bool(stored == shown)
