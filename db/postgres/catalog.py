"""What a database holds: its cases, and how a case's columns compare with the declarations."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from psycopg import errors as pg_errors
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from .. import models  # noqa: F401  (the declarations must be loaded into the metadata)
from ..address import ServerAddress, case_of_schema, parse_server_address
from .connect import make_engine, reporting
from .history import HISTORY_TABLE
from .migrations import VERSION_TABLE
from .migrations.p0002_search import INDEXED, words_table
from .migrations.p0004_history import VERSION_COLUMN

# information_schema's name for each type the declarations compile to.
_TYPE_NAMES = {"VARCHAR": "character varying", "INTEGER": "integer", "BOOLEAN": "boolean", "BYTEA": "bytea"}


@dataclass(frozen=True)
class CaseListing:
    """One case of a database, as ``casefile cases`` lists it."""

    name: str
    title: str
    last_change: str  # the latest updated_at of the case or any record (UTC ISO text)
    changed_by: str | None = None  # the role that made the latest change the server's history records


def list_cases(address: str | ServerAddress) -> list[CaseListing]:
    """The cases in the address's database, by name; a schema is a case when it is named as one
    and holds Casefile's version table."""
    where = parse_server_address(address, need_case=False) if isinstance(address, str) else address
    engine = make_engine(where)
    out: list[CaseListing] = []
    try:
        with reporting(where, "list the cases"), engine.connect() as conn:
            schemas = conn.execute(
                sa.text(
                    "SELECT n.nspname FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c "
                    "ON c.relnamespace = n.oid WHERE c.relname = :table AND c.relkind = 'r' "
                    "AND has_schema_privilege(n.oid, 'USAGE') ORDER BY n.nspname"
                ),
                {"table": VERSION_TABLE},
            ).scalars()
            for schema in list(schemas):
                name = case_of_schema(schema)
                if name is None:
                    continue
                try:
                    with conn.begin_nested():
                        out.append(_listing(conn, schema, name))
                except DBAPIError as exc:
                    # Deleted (or replaced) by someone else since the schemas were listed: it is
                    # no longer a case to offer.
                    if not isinstance(exc.orig, pg_errors.UndefinedTable | pg_errors.InvalidSchemaName):
                        raise
    finally:
        engine.dispose()
    return out


def _listing(conn: Connection, schema: str, name: str) -> CaseListing:
    quoted = conn.dialect.identifier_preparer.quote_identifier(schema)
    stamped = ["case_info", *(t.name for t in SQLModel.metadata.sorted_tables if "updated_at" in t.c)]
    latest = " UNION ALL ".join(f"SELECT max(updated_at) AS at FROM {quoted}.{t}" for t in dict.fromkeys(stamped))
    row = conn.execute(
        sa.text(f"SELECT (SELECT title FROM {quoted}.case_info WHERE n = 1), (SELECT max(at) FROM ({latest}) s)")
    ).one()
    by = None
    history = conn.execute(sa.text("SELECT to_regclass(:table)"), {"table": f"{quoted}.{HISTORY_TABLE}"}).scalar()
    if history is not None:  # kept since schema step 4
        by = conn.execute(sa.text(f"SELECT by FROM {quoted}.{HISTORY_TABLE} ORDER BY id DESC LIMIT 1")).scalar()
    return CaseListing(name, row[0] or "", row[1] or "", by)


def schema_differences(conn: Connection, schema: str) -> list[str]:
    """How the tables and columns of a case's schema differ from the declarations ([] when they match)."""
    found: dict[str, dict[str, tuple[str, bool]]] = {}
    rows = conn.execute(
        sa.text(
            "SELECT table_name, column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
            "WHERE table_schema = :schema"
        ),
        {"schema": schema},
    )
    for table, column, data_type, nullable in rows:
        found.setdefault(table, {})[column] = (data_type, bool(nullable))
    found.pop(VERSION_TABLE, None)
    # The server's own bookkeeping: each kind's words (p0002_search), a version on each record,
    # and the history (p0004_history).
    for table in INDEXED:
        found.pop(words_table(table), None)
    found.pop(HISTORY_TABLE, None)
    for table_columns in found.values():
        table_columns.pop(VERSION_COLUMN, None)
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    problems: list[str] = []
    for table in SQLModel.metadata.sorted_tables:
        columns = found.pop(table.name, None)
        if columns is None:
            problems.append(f"table {table.name} is missing")
            continue
        for column in table.columns:
            declared = _TYPE_NAMES.get(column.type.compile(dialect=dialect), column.type.compile(dialect=dialect))
            have = columns.pop(column.name, None)
            if have is None:
                problems.append(f"{table.name}.{column.name} is missing")
            elif have != (declared, bool(column.nullable)):
                null = "NULL" if column.nullable else "NOT NULL"
                problems.append(
                    f"{table.name}.{column.name} is {have[0]} {'NULL' if have[1] else 'NOT NULL'}, "
                    f"declared {declared} {null}"
                )
        problems.extend(f"{table.name}.{name} is not declared" for name in sorted(columns))
    problems.extend(f"table {name} is not declared" for name in sorted(found))
    return problems
