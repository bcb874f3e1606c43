"""Cases onto the server and back: publish a case file, import a JSON document, copy a server
case into a case file.

Each runs in one transaction: a case appears whole or not at all, and a case replaced with
``force`` stays as it was if the new one cannot be written. Every value goes in as a bound
parameter; the only names spliced into SQL are the declared tables and the checked schema name.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from psycopg import errors as pg_errors
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from .. import models  # noqa: F401  (the declarations must be loaded into the metadata)
from ..address import ServerAddress, parse_server_address, redact
from ..errors import CaseFileError
from .case import ServerCase
from .connect import ServerError, make_engine, reporting
from .migrations import current_version, migrate, p0002_search
from .migrations.p0001_initial import create_version_table
from .migrations.p0003_sort_names import COPYING
from .migrations.p0004_history import note_copied_lists

_CHUNK = 2000


def _quoted(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def _tables() -> list[sa.Table]:
    return list(SQLModel.metadata.sorted_tables)


@contextmanager
def new_case(
    address: str | ServerAddress, *, force: bool = False, doing: str = "publish the case"
) -> Iterator[Connection]:
    """A write transaction in a new, migrated, empty schema for the address's case; the case
    exists once the block ends without error. An existing case is refused unless ``force``,
    which replaces it (in the same transaction)."""
    where = parse_server_address(address) if isinstance(address, str) else address
    engine = make_engine(where)
    try:
        with reporting(where, doing), engine.connect() as conn, conn.begin():
            schema = where.schema
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = :schema"), {"schema": schema}
            ).first()
            if exists and not force:
                raise CaseFileError(
                    f'There is already a case "{where.case}" in {redact(where.url)} (use --force to replace it).'
                )
            if exists:
                conn.execute(sa.text(f"DROP SCHEMA {_quoted(conn, schema)} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {_quoted(conn, schema)}"))
            conn.execute(
                sa.text("SELECT pg_catalog.set_config('search_path', :path, true)"), {"path": _quoted(conn, schema)}
            )
            create_version_table(conn)
            migrate(conn)
            conn.execute(sa.text("SET CONSTRAINTS ALL DEFERRED"))
            # The rows come with their stored sort names: the triggers that keep them stand aside.
            conn.execute(sa.text("SELECT pg_catalog.set_config(:name, 'on', true)"), {"name": COPYING})
            try:
                yield conn
            except DBAPIError as exc:
                if isinstance(exc.orig, pg_errors.UntranslatableCharacter | pg_errors.CharacterNotInRepertoire):
                    raise ServerError(f"The case holds text the server cannot store: {exc.orig}.") from None
                raise
            conn.execute(sa.text("SELECT pg_catalog.set_config(:name, 'off', true)"), {"name": COPYING})
            note_copied_lists(conn)
            conn.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))
            reset_counters(conn)
            for table in _tables():  # statistics now, so searches of a new case are planned well at once
                conn.execute(sa.text(f"ANALYZE {table.name}"))
            if current_version(conn) >= p0002_search.VERSION:  # words made once all the records are in
                p0002_search.fill_words(conn)
    finally:
        engine.dispose()


def reset_counters(conn: Connection) -> None:
    """Set each table's row-number sequence past the numbers copied in, so new rows follow them."""
    for table in _tables():
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(
            sa.text(
                f"SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence(:table, :column), "
                f"(SELECT coalesce(max({column.name}), 0) + 1 FROM {table.name}), false)"
            ),
            {"table": table.name, "column": column.name},
        )


def copy_rows(source: Connection, target: Connection) -> dict[str, int]:
    """Copy every declared table from one case to another, row for row; how many rows each."""
    counts: dict[str, int] = {}
    for table in _tables():
        order = list(table.primary_key.columns)
        result = source.execute(sa.select(table).order_by(*order)).mappings()
        counts[table.name] = 0
        while chunk := result.fetchmany(_CHUNK):
            rows = [_storable(dict(row)) for row in chunk]
            target.execute(sa.insert(table), rows)
            counts[table.name] += len(rows)
    return counts


def _storable(row: dict[str, Any]) -> dict[str, Any]:
    """A row whose text PostgreSQL can hold: it refuses the NUL character, which a case file's
    text may hold but which never prints."""
    for key, value in row.items():
        if isinstance(value, str) and "\x00" in value:
            row[key] = value.replace("\x00", "")
    return row


def publish_file(path: str | os.PathLike[str], address: str | ServerAddress, *, force: bool = False) -> dict[str, int]:
    """Put the case file at ``path`` on the server as a new case; how many rows of each table.

    The rows are read from a private copy taken first with SQLite's backup API (seconds even
    for a large case, and edits may land between its steps): reading the file itself for the
    whole upload would hold its lock that long, and the app that has the case open could not
    save an edit until the upload ended.
    """
    from ..sqlite.casefile import CaseFile

    with tempfile.TemporaryDirectory(prefix="casefile-publish-") as folder:
        with CaseFile.open(path, read_only=True) as cf:
            copy = cf.save_copy(Path(folder) / "published.casefile")
        with CaseFile.open(copy, read_only=True) as cf, cf.read() as source, new_case(address, force=force) as target:
            return copy_rows(source, target)


def import_document(doc: Any, address: str | ServerAddress, *, force: bool = False) -> dict[str, int]:
    """Check a Casefile JSON document and write it as a new server case (all or nothing)."""
    from ..document_check import check_document
    from ..fields import JSON_ORDER
    from ..interchange import write_plan

    plan = check_document(doc)
    with new_case(address, force=force, doing="import the case") as conn:
        write_plan(conn, plan, None, bulk=_no_bulk_setup, insert=insert_rows)
    return {kind.value: len(plan.rows[kind]) for kind in JSON_ORDER}


@contextmanager
def _no_bulk_setup(_conn: Connection) -> Iterator[None]:
    # ``new_case`` already defers the foreign keys; the indexes of an empty table cost little.
    yield


def insert_rows(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows given as value tuples in ``columns`` order, typed by the declared table (so a
    yes-or-no column gets a boolean, as PostgreSQL requires)."""
    if rows:
        declared = SQLModel.metadata.tables[table]
        conn.execute(sa.insert(declared), [_storable(dict(zip(columns, row, strict=True))) for row in rows])


def copy_to_file(case: ServerCase, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write the server case, as it is now, into a new case file at ``path``."""
    from ..sqlite.bulk import bulk_load
    from ..sqlite.newfile import create_file

    with case.read() as source:

        def fill(target: Connection) -> None:
            with bulk_load(target):
                copy_rows(source, target)

        return create_file(path, fill, overwrite=overwrite)
