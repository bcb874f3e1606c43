"""How large a record a case file may hold, and refusing one that is larger.

A record whose stored text (the UTF-8 bytes of every text column, lists as their JSON text, dates
with their sort keys; not the id and stamps) plus a margin of ``RECORD_MARGIN`` for those, its
numbers and SQLite's record header is over ``MAX_VALUE_BYTES`` (64 MB) is refused, naming the field
when that field alone is too long: SQLite could not write it, or the file would be refused when
opened (``filecheck``), or its JSON export would not import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import RecordError
from .fields import FieldSpec, FieldType
from .sqlite.filecheck import MAX_VALUE_BYTES

if TYPE_CHECKING:
    from sqlalchemy import Connection

# What a record holds besides its text (id, stamps, numbers, SQLite's record header) fits in this.
RECORD_MARGIN = 4096
# A record with no more characters of text than this cannot be over MAX_VALUE_BYTES (at most four
# UTF-8 bytes a character, dates and ids uncounted), so only a larger one need be measured.
QUICK_CHARS = (MAX_VALUE_BYTES - 2 * RECORD_MARGIN) // 4
_MB = MAX_VALUE_BYTES // 1_048_576
TOO_LONG = f"longer than the {_MB} MB a case file can hold"
TOO_LARGE = f"larger than the {_MB} MB a case file can hold in one record"


def text_bytes(value: object) -> int:
    """UTF-8 bytes of a stored text value (0 for anything else)."""
    if type(value) is not str:
        return 0
    return len(value) if value.isascii() else len(value.encode("utf-8"))


def surely_fits(values: Mapping[str, Any]) -> bool:
    """Whether a record with these values (a whole record, in their JSON form) fits in a case file
    without measuring it: at most ``QUICK_CHARS`` characters of text, a list's items counted as
    long as its stored JSON text could make them (every character escaped)."""
    chars = 0
    for value in values.values():
        if type(value) is str:
            chars += len(value)
        elif type(value) is list:
            chars += 2 + sum(6 * len(item) + 3 for item in value if type(item) is str)
    return chars <= QUICK_CHARS


def oversize(sizes: Iterable[tuple[str, int]]) -> tuple[str, bool] | None:
    """None when a record whose text columns take ``sizes`` ((field, UTF-8 bytes)) fits in a case
    file; else (its largest field, whether that field alone is too long)."""
    total = RECORD_MARGIN
    largest, largest_size = "", 0
    for name, size in sizes:
        total += size
        if size > largest_size:
            largest, largest_size = name, size
    if total <= MAX_VALUE_BYTES:
        return None
    return largest, largest_size + RECORD_MARGIN > MAX_VALUE_BYTES


@lru_cache(maxsize=64)
def _stored_sizes(table: str, key: str, columns: tuple[str, ...]) -> Any:
    """The query reading the stored size of ``columns`` of one record (made once: building the
    expression costs more than running it, and a bulk edit runs it for every record)."""
    import sqlalchemy as sa  # only here: this module is loaded without SQLAlchemy otherwise

    from .store import byte_length

    lengths = [byte_length(sa.column(column)) for column in columns]
    return sa.select(*lengths).select_from(sa.table(table)).where(sa.column(key) == sa.bindparam("key"))


def refuse_oversized(
    conn: Connection,
    fields: Iterable[FieldSpec],
    columns: Mapping[str, Any],
    what: str,
    stored: tuple[str, str, object] | None = None,
) -> None:
    """RecordError when a record would be larger than a case file may hold once ``columns``
    (column values, as ``to_columns`` gives them) are written.

    ``stored`` is (table, key column, key) of the record in the file, whose other columns count
    too; without it ``columns`` is the whole record. A change that writes no text cannot make a
    record larger than it was, so only one that does reads the sizes of the rest.
    """
    named = [
        (f.label, column)
        for f in fields
        if f.type is not FieldType.BOOL
        for column in (f.column, f.key_column)
        if column
    ]
    sizes = {column: text_bytes(columns[column]) for _label, column in named if column in columns}
    if not any(sizes.values()):
        return
    rest = [column for _label, column in named if column not in sizes]
    if stored is not None and rest:
        table, key, key_value = stored
        row = conn.execute(_stored_sizes(table, key, tuple(rest)), {"key": key_value}).first()
        if row is not None:
            sizes.update(zip(rest, (n or 0 for n in row), strict=True))
    found = oversize((label, sizes.get(column, 0)) for label, column in named)
    if found is not None:
        label, alone = found
        raise RecordError(f"{label} is {TOO_LONG}." if alone else f"The {what} would be {TOO_LARGE}.")
