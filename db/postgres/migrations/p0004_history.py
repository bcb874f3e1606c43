"""Version 4 of a server case: a version on every record, and the history the server keeps.

Every record row and the case row get a ``version`` (1 when written, one more on every change
to a field). A BEFORE UPDATE trigger bumps it, so a change by any client counts, not only
Casefile's; it never goes down. A change to a directive's parties or an entry's actors bumps
the directive's or entry's version (once per transaction).

``history`` gets one row for each record written (``insert``, with its values), each field
changed (``update``, old and new value) and each record deleted (``delete``, with its values),
written by AFTER triggers: no client can leave it out. The bookkeeping columns (row number,
version, stamps, sort keys and names, day order) are not fields and are not recorded. A change
to a list of parties or actors is one row for the record's ``parties`` or ``actors`` field with
the old and new lists of ids, written when the transaction commits (a list is written as a
delete and re-insert of its link rows; only the outcome is a change).

The trigger functions run as the case's owner (SECURITY DEFINER, with the search path fixed to
the case's schema), so editors need no privilege on ``history`` but SELECT; a guard trigger
refuses any other role's insert, update, delete or truncate of it even if granted. The owner
may prune it.

The bookkeeping columns are listed in each table's trigger arguments as they are when this
step runs: a later step that adds a column which is not a field must recreate the two triggers
of its table with the longer list, or its changes will count as edits.

``version`` and ``history`` are the server's bookkeeping, not declared fields: the schema
comparison (``catalog.schema_differences``) leaves them out, and neither is exported or copied
into a case file.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

from ...fields import CASE_FIELDS, KINDS

VERSION = 4
DESCRIPTION = "record versions and the history of changes"

VERSION_COLUMN = "version"

_FUNCTIONS = [
    # TG_ARGV: the columns that are bookkeeping (a text[] literal). A write that changes only
    # those (a sort name kept by a trigger, the order within a day) is no one's edit: counting
    # it would report a conflict where nobody changed anything.
    """
    CREATE FUNCTION casefile_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      skipped text[] := TG_ARGV[0]::text[];
    BEGIN
      IF (to_jsonb(NEW) - skipped) IS DISTINCT FROM (to_jsonb(OLD) - skipped) THEN
        NEW.version := OLD.version + 1;
      ELSE
        NEW.version := greatest(NEW.version, OLD.version);
      END IF;
      RETURN NEW;
    END $$
    """,
    # TG_ARGV: the record kind, the columns that are bookkeeping (a text[] literal).
    """
    CREATE FUNCTION casefile_record_history() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE
      kind text := TG_ARGV[0];
      skipped text[] := TG_ARGV[1]::text[];
      before jsonb;
      after jsonb;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO history (kind, record_id, operation, new_value)
          VALUES (kind, NEW.id, 'insert', to_jsonb(NEW) - skipped);
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO history (kind, record_id, operation, old_value)
          VALUES (kind, OLD.id, 'delete', to_jsonb(OLD) - skipped);
      ELSE
        before := to_jsonb(OLD) - skipped;
        after := to_jsonb(NEW) - skipped;
        INSERT INTO history (kind, record_id, field, operation, old_value, new_value)
          SELECT kind, NEW.id, e.key, 'update', before -> e.key, e.value
          FROM jsonb_each(after) e WHERE e.value IS DISTINCT FROM before -> e.key ORDER BY e.key;
      END IF;
      RETURN NULL;
    END $$
    """,
    # Before the first change this transaction makes to one record's links: note the list as it
    # was (in a transaction-local setting), so the change can be recorded whole at commit.
    # TG_ARGV: the owner column, the target column.
    """
    CREATE FUNCTION casefile_links_before() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE
      owner text := (CASE WHEN TG_OP = 'INSERT' THEN to_jsonb(NEW) ELSE to_jsonb(OLD) END) ->> TG_ARGV[0];
      setting text := 'casefile.links_' || md5(TG_TABLE_NAME || ':' || owner);
      listed jsonb;
    BEGIN
      -- A whole case being copied in (publish, import) is its first state, not a change.
      IF current_setting('casefile.copying', true) = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END IF;
      IF coalesce(current_setting(setting, true), '') = '' THEN
        EXECUTE format('SELECT coalesce(jsonb_agg(%I ORDER BY position), ''[]'') FROM %I WHERE %I = $1',
                       TG_ARGV[1], TG_TABLE_NAME, TG_ARGV[0]) INTO listed USING owner;
        PERFORM set_config(setting, listed::text, true);
      END IF;
      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$
    """,
    # At commit (a deferred constraint trigger): one history row for the list's change, and one
    # more version for its record unless a field of the record itself changed in this transaction.
    # TG_ARGV: the owner column, the target column, the owner table, the kind, the field.
    """
    CREATE FUNCTION casefile_links_after() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE
      owner text := (CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END) ->> TG_ARGV[0];
      setting text := 'casefile.links_' || md5(TG_TABLE_NAME || ':' || owner);
      noted text := current_setting(setting, true);
      listed jsonb;
      written text;
      operation text := 'update';
    BEGIN
      IF coalesce(noted, '') = '' THEN
        RETURN NULL;
      END IF;
      PERFORM set_config(setting, '', true);
      EXECUTE format('SELECT coalesce(jsonb_agg(%I ORDER BY position), ''[]'') FROM %I WHERE %I = $1',
                     TG_ARGV[1], TG_TABLE_NAME, TG_ARGV[0]) INTO listed USING owner;
      IF listed = noted::jsonb THEN
        RETURN NULL;
      END IF;
      EXECUTE format('SELECT xmin::text FROM %I WHERE id = $1', TG_ARGV[2]) INTO written USING owner;
      IF written IS NULL THEN
        operation := 'delete';
        listed := NULL;
      ELSIF EXISTS (SELECT 1 FROM history h WHERE h.record_id = owner AND h.operation = 'insert'
                    AND h.at = now() AND h.by = session_user) THEN
        operation := 'insert';
      END IF;
      INSERT INTO history (kind, record_id, field, operation, old_value, new_value)
        VALUES (TG_ARGV[3], owner, TG_ARGV[4], operation, noted::jsonb, listed);
      -- The row may have been written in this transaction by bookkeeping alone (its stored
      -- parties name, migration 3), which is no edit: only a field change counts as one, and
      -- this transaction's field changes are in the history (now() is the transaction's time).
      IF written IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM history h WHERE h.record_id = owner AND h.operation = 'update'
             AND h.field IS NOT NULL AND h.field <> TG_ARGV[4] AND h.at = now() AND h.by = session_user) THEN
        EXECUTE format('UPDATE %I SET version = version + 1 WHERE id = $1', TG_ARGV[2]) USING owner;
      END IF;
      RETURN NULL;
    END $$
    """,
    # Only the owner (and so the trigger functions above, which run as the owner) writes history.
    """
    CREATE FUNCTION casefile_guard_history() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
    BEGIN
      IF current_user <> (SELECT pg_catalog.pg_get_userbyid(relowner) FROM pg_catalog.pg_class WHERE oid = TG_RELID)
      THEN
        RAISE EXCEPTION 'the history of a case is kept by the server and cannot be changed'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$
    """,
]

_HISTORY = [
    """
    CREATE TABLE history (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      by text NOT NULL DEFAULT session_user,
      kind text NOT NULL,
      record_id text NOT NULL,
      field text,
      operation text NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
      old_value jsonb,
      new_value jsonb
    )
    """,
    "CREATE INDEX history_record ON history (record_id, id)",
    "REVOKE ALL ON history FROM PUBLIC",
    "CREATE TRIGGER history_guard BEFORE INSERT OR UPDATE OR DELETE ON history "
    "FOR EACH ROW EXECUTE FUNCTION casefile_guard_history()",
    "CREATE TRIGGER history_guard_truncate BEFORE TRUNCATE ON history "
    "FOR EACH STATEMENT EXECUTE FUNCTION casefile_guard_history()",
]


def _tracked() -> list[tuple[str, str, set[str]]]:
    """Each record table (with the case row's): its kind and the columns that are its fields."""
    out = [("case_info", "case", {f.column for f in CASE_FIELDS if f.column})]
    out += [(spec.table, spec.kind.value, {f.column for f in spec.fields if f.column}) for spec in KINDS.values()]
    return out


def _columns(conn: Connection, table: str) -> list[str]:
    rows = conn.execute(
        sa.text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :table"
        ),
        {"table": table},
    )
    return [r[0] for r in rows]


def run(conn: Connection) -> None:
    """Add versions, the history table and their triggers to the case on ``conn``'s search path."""
    for sql in _FUNCTIONS + _HISTORY:
        conn.execute(sa.text(sql))
    for table, kind, fields in _tracked():
        conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN version bigint NOT NULL DEFAULT 1"))
        skipped = "{" + ",".join(c for c in _columns(conn, table) if c not in fields) + "}"
        conn.execute(
            sa.text(
                f"CREATE TRIGGER {table}_version BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION casefile_bump_version('{skipped}')"
            )
        )
        conn.execute(
            sa.text(
                f"CREATE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION casefile_record_history('{kind}', '{skipped}')"
            )
        )
    for spec in KINDS.values():
        for f in spec.fields:
            if f.link is None:
                continue
            link = f.link
            conn.execute(
                sa.text(
                    f"CREATE TRIGGER {link.table}_noted BEFORE INSERT OR UPDATE OR DELETE ON {link.table} "
                    "FOR EACH ROW EXECUTE FUNCTION "
                    f"casefile_links_before('{link.owner_column}', '{link.target_column}')"
                )
            )
            conn.execute(
                sa.text(
                    f"CREATE CONSTRAINT TRIGGER {link.table}_history AFTER INSERT OR UPDATE OR DELETE ON {link.table} "
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION casefile_links_after("
                    f"'{link.owner_column}', '{link.target_column}', '{spec.table}', '{spec.kind.value}', '{f.name}')"
                )
            )


def note_copied_lists(conn: Connection) -> None:
    """History rows for the lists of parties and actors of a case just copied in (publish, import),
    whose link triggers stood aside during the copy: one set-based insert per list, as each
    record's list would have been recorded had it been written alone. Nothing for a case made
    at an earlier step, which keeps no history yet."""
    if conn.execute(sa.text("SELECT to_regclass('history')")).scalar() is None:
        return
    for spec in KINDS.values():
        for f in spec.fields:
            if f.link is None:
                continue
            link = f.link
            conn.execute(
                sa.text(
                    "INSERT INTO history (kind, record_id, field, operation, old_value, new_value) "
                    f"SELECT :kind, {link.owner_column}, :field, 'insert', '[]'::jsonb, "
                    f"jsonb_agg({link.target_column} ORDER BY position) FROM {link.table} "
                    f"GROUP BY {link.owner_column} ORDER BY min(ctid)"
                ),
                {"kind": spec.kind.value, "field": f.name},
            )
