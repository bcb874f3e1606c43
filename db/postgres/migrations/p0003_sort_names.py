"""Version 3 of a server case: the stored sort names kept current by the server itself.

A case file keeps each list column that shows a linked record's name (``source_sort``,
``actors_sort``, ...) with SQLite triggers (SQLite migration 5, whose table of columns this
reads). Here the same rules are PL/pgSQL triggers, so every writer keeps them right, not only
Casefile: the linked name, ``(missing)`` for a reference to a record that does not exist, NULL
for none; for a list of actors their names in position order joined by ``"; "``.

A record's own name is set before its row is written (no second write of the row); every
other trigger is per row and finds the rows to change through an index, so its cost does not
grow with the case (triggers per statement, over transition tables, were planned as scans of
the whole table, once per row a bulk insert sent). Each function runs with the search path it
was created with (the case's schema), whatever the path of the session that fires it. The
rows already there are filled in at the end.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

from ...sqlite.migrations.m0005_sort_names import LISTED_NAMES, NAMES

VERSION = 3
DESCRIPTION = "stored sort names kept by triggers"

_MISSING = "'(missing)'"
# Set for its transaction by ``publish.new_case``: a case copied in whole brings its sort names.
COPYING = "casefile.copying"
_LIVE = f"pg_catalog.current_setting('{COPYING}', true) IS DISTINCT FROM 'on'"
_EACH_ROW = f"FOR EACH ROW WHEN ({_LIVE}) EXECUTE FUNCTION"


def _name(target: str, name: str, ref: str) -> str:
    """The shown name of the ``target`` record whose id is ``ref``."""
    return (
        f"coalesce((SELECT t.{name} FROM {target} t WHERE t.id = {ref}), "
        f"CASE WHEN {ref} IS NULL THEN NULL ELSE {_MISSING} END)"
    )


def _names(link: str, owner: str, ref: str) -> str:
    """The shown names of the actors linked to the record whose id is ``ref``, in order."""
    return (
        f"(SELECT string_agg(coalesce(a.name, {_MISSING}), '; ' ORDER BY l.position) FROM {link} l "
        f"LEFT JOIN actor a ON a.id = l.actor_id WHERE l.{owner} = {ref})"
    )


def _function(name: str, returns: str, body: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $body$ "
        f"BEGIN {body} RETURN {returns}; END $body$"
    )


def _single_statements() -> list[str]:
    out: list[str] = []
    for table, ref, sort, target, name, _index in NAMES:
        prefix = f"sort_{table}_{sort}"
        out += [
            _function(f"{prefix}_own", "NEW", f"NEW.{sort} := {_name(target, name, f'NEW.{ref}')};"),
            f"CREATE TRIGGER {prefix}_insert BEFORE INSERT ON {table} {_EACH_ROW} {prefix}_own()",
            f"CREATE TRIGGER {prefix}_link BEFORE UPDATE OF {ref} ON {table} FOR EACH ROW "
            f"WHEN (NEW.{ref} IS DISTINCT FROM OLD.{ref} AND {_LIVE}) EXECUTE FUNCTION {prefix}_own()",
            _function(f"{prefix}_renamed", "NULL", f"UPDATE {table} SET {sort} = NEW.{name} WHERE {ref} = NEW.id;"),
            f"CREATE TRIGGER {prefix}_rename AFTER UPDATE OF {name} ON {target} FOR EACH ROW "
            f"WHEN (NEW.{name} IS DISTINCT FROM OLD.{name} AND {_LIVE}) EXECUTE FUNCTION {prefix}_renamed()",
            _function(f"{prefix}_gone", "NULL", f"UPDATE {table} SET {sort} = {_MISSING} WHERE {ref} = OLD.id;"),
            f"CREATE TRIGGER {prefix}_gone AFTER DELETE ON {target} {_EACH_ROW} {prefix}_gone()",
            _function(f"{prefix}_back", "NULL", f"UPDATE {table} SET {sort} = NEW.{name} WHERE {ref} = NEW.id;"),
            f"CREATE TRIGGER {prefix}_back AFTER INSERT ON {target} {_EACH_ROW} {prefix}_back()",
        ]
    return out


def _list_statements() -> list[str]:
    out: list[str] = []
    for table, sort, link, owner, _index in LISTED_NAMES:
        prefix = f"sort_{table}_{sort}"
        of_rows = f"UPDATE {table} r SET {sort} = {_names(link, owner, 'r.id')} WHERE r.id IN"
        out += [
            _function(f"{prefix}_own", "NEW", f"NEW.{sort} := {_names(link, owner, 'NEW.id')};"),
            f"CREATE TRIGGER {prefix}_insert BEFORE INSERT ON {table} {_EACH_ROW} {prefix}_own()",
        ]
        for event, owners in (("INSERT", "NEW"), ("DELETE", "OLD"), ("UPDATE", "OLD, NEW")):
            name = f"{prefix}_link_{event.lower()}"
            changed = ", ".join(f"{which.strip()}.{owner}" for which in owners.split(","))
            out += [
                _function(name, "NULL", f"{of_rows} ({changed});"),
                f"CREATE TRIGGER {name} AFTER {event} ON {link} {_EACH_ROW} {name}()",
            ]
        linked = f"SELECT {owner} FROM {link} WHERE actor_id"
        out += [
            _function(f"{prefix}_renamed", "NULL", f"{of_rows} ({linked} = NEW.id);"),
            f"CREATE TRIGGER {prefix}_rename AFTER UPDATE OF name ON actor FOR EACH ROW "
            f"WHEN (NEW.name IS DISTINCT FROM OLD.name AND {_LIVE}) EXECUTE FUNCTION {prefix}_renamed()",
        ]
        for event, which in (("DELETE", "OLD"), ("INSERT", "NEW")):
            name = f"{prefix}_{'gone' if event == 'DELETE' else 'back'}"
            out += [
                _function(name, "NULL", f"{of_rows} ({linked} = {which}.id);"),
                f"CREATE TRIGGER {name} AFTER {event} ON actor {_EACH_ROW} {name}()",
            ]
    return out


def fill_statements() -> list[str]:
    """Statements computing the stored sort names of every row there is: one per table."""
    columns: dict[str, list[str]] = {}
    for table, ref, sort, target, name, _index in NAMES:
        columns.setdefault(table, []).append(f"{sort} = {_name(target, name, f'{table}.{ref}')}")
    for table, sort, link, owner, _index in LISTED_NAMES:
        columns.setdefault(table, []).append(f"{sort} = {_names(link, owner, f'{table}.id')}")
    return [f"UPDATE {table} SET {', '.join(sets)}" for table, sets in columns.items()]


def run(conn: Connection) -> None:
    """Add the triggers to the case on ``conn``'s search path and fill in its sort names."""
    for sql in [*_single_statements(), *_list_statements(), *fill_statements()]:
        conn.execute(sa.text(sql))
