"""Version 5 of a server case: every committed change is announced on the case's channel.

Statement-level triggers on the record tables, ``case_info`` and the link tables call
``pg_notify`` with the case's schema name as the channel, so one ``LISTEN`` follows one case.
The payload is compact JSON naming what changed, never its text: ``k`` (the record kind, or
``case``), ``op`` (``i``, ``u`` or ``d``), ``ids`` (the records; a link row names its record),
and ``by`` (the client token the writer set with ``set_config('casefile.client', ...)``, so an
app can skip changes it has already shown). A statement that touches more rows than fit in a
payload (PostgreSQL allows 8000 bytes) sends ``"reset": true`` instead of the ids: the reader
re-reads that kind. PostgreSQL delivers notifications at commit, and not at all on rollback.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

VERSION = 5
DESCRIPTION = "change notifications on the case's channel"

# Ids beyond this many go as a reset: 36-character ids make about 40 bytes each in the payload.
MAX_IDS = 150

# table -> (kind named in the payload, column holding the record's id; None for the one case row)
WATCHED: dict[str, tuple[str, str | None]] = {
    "case_info": ("case", None),
    "source": ("source", "id"),
    "actor": ("actor", "id"),
    "statement": ("statement", "id"),
    "directive": ("directive", "id"),
    "timeline_entry": ("timeline", "id"),
    "directive_party": ("directive", "directive_id"),
    "timeline_actor": ("timeline", "entry_id"),
}

_FUNCTION = f"""
CREATE FUNCTION casefile_notify() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    kind text := TG_ARGV[0];
    id_column text := TG_ARGV[1];
    rows_changed bigint;
    ids jsonb;
    payload text;
BEGIN
    SELECT count(*) INTO rows_changed FROM changed;
    IF rows_changed = 0 THEN
        RETURN NULL;
    END IF;
    IF id_column IS NOT NULL AND rows_changed <= {MAX_IDS} THEN
        EXECUTE format('SELECT jsonb_agg(DISTINCT %I) FROM changed', id_column) INTO ids;
    END IF;
    payload := jsonb_build_object(
        'k', kind, 'op', lower(left(TG_OP, 1)), 'by', current_setting('casefile.client', true)
    ) || CASE
        WHEN id_column IS NULL THEN '{{}}'::jsonb
        WHEN ids IS NULL THEN jsonb_build_object('reset', true)
        ELSE jsonb_build_object('ids', ids)
    END;
    IF octet_length(payload) > 7900 THEN
        payload := jsonb_build_object(
            'k', kind, 'op', lower(left(TG_OP, 1)), 'by', current_setting('casefile.client', true), 'reset', true
        );
    END IF;
    PERFORM pg_notify(TG_TABLE_SCHEMA, payload);
    RETURN NULL;
END
$body$
"""

# A trigger with transition tables fires on one event only; the function reads the rows of
# any of them under the one name ``changed``.
_EVENTS = (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD"))


def run(conn: Connection) -> None:
    """Create the notifying function and its triggers in the schema on ``conn``'s search path."""
    conn.execute(sa.text(_FUNCTION))
    for table, (kind, column) in WATCHED.items():
        for event, rows in _EVENTS:
            arguments = f"'{kind}', '{column}'" if column else f"'{kind}'"
            conn.execute(
                sa.text(
                    f"CREATE TRIGGER {table}_notify_{event} AFTER {event.upper()} ON {table} "
                    f"REFERENCING {rows} TABLE AS changed FOR EACH STATEMENT "
                    f"EXECUTE FUNCTION casefile_notify({arguments})"
                )
            )
