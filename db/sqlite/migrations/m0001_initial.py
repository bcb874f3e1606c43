"""Version 1: records, links, indexes and the full-text index.

Frozen: released files were created by exactly this SQL, and the open-time schema check
compares a file against it. Change the schema with a new numbered migration instead.
"""

from __future__ import annotations

VERSION = 1
DESCRIPTION = "initial schema"

_KIND = "'person', 'company', 'government', 'organization', 'other'"
_DIRECTIVE_KIND = "'executive_order', 'export_control', 'agreement', 'regulation', 'legislation', 'guidance', 'other'"
_STATUS = "'proposed', 'in_force', 'suspended', 'rescinded', 'expired'"

_TABLES = [
    """CREATE TABLE case_info (
    n INTEGER PRIMARY KEY CHECK (n = 1),
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    subtitle TEXT,
    summary TEXT,
    marking TEXT,
    prepared_by TEXT,
    as_of TEXT,
    as_of_key TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    """CREATE TABLE source (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    publisher TEXT,
    author TEXT,
    url TEXT,
    published TEXT,
    published_key TEXT,
    accessed TEXT,
    accessed_key TEXT,
    notes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    f"""CREATE TABLE actor (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'other' CHECK (kind IN ({_KIND})),
    role TEXT,
    affiliation_id TEXT REFERENCES actor (id),
    description TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    """CREATE TABLE statement (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    speaker_id TEXT REFERENCES actor (id),
    date TEXT,
    date_key TEXT,
    venue TEXT,
    verbatim INTEGER NOT NULL DEFAULT 0 CHECK (verbatim IN (0, 1)),
    source_id TEXT REFERENCES source (id),
    notes TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    f"""CREATE TABLE directive (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    identifier TEXT,
    title TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'other' CHECK (kind IN ({_DIRECTIVE_KIND})),
    issuer_id TEXT REFERENCES actor (id),
    issued TEXT,
    issued_key TEXT,
    effective TEXT,
    effective_key TEXT,
    status TEXT CHECK (status IS NULL OR status IN ({_STATUS})),
    summary TEXT,
    provisions TEXT NOT NULL DEFAULT '[]',
    source_id TEXT REFERENCES source (id),
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    """CREATE TABLE directive_party (
    directive_id TEXT NOT NULL REFERENCES directive (id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL REFERENCES actor (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (directive_id, actor_id)
) WITHOUT ROWID""",
    """CREATE TABLE timeline_entry (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    date TEXT NOT NULL,
    date_key TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    directive_id TEXT REFERENCES directive (id),
    statement_id TEXT REFERENCES statement (id),
    key_event INTEGER NOT NULL DEFAULT 0 CHECK (key_event IN (0, 1)),
    source_id TEXT REFERENCES source (id),
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    """CREATE TABLE timeline_actor (
    entry_id TEXT NOT NULL REFERENCES timeline_entry (id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL REFERENCES actor (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (entry_id, actor_id)
) WITHOUT ROWID""",
]

# Every foreign key column is indexed so deletes and "what refers to this" stay fast.
_INDEXES = [
    "CREATE INDEX actor_name ON actor (name)",
    "CREATE INDEX actor_affiliation ON actor (affiliation_id)",
    "CREATE INDEX source_title ON source (title)",
    "CREATE INDEX statement_date ON statement (date_key)",
    "CREATE INDEX statement_speaker ON statement (speaker_id)",
    "CREATE INDEX statement_source ON statement (source_id)",
    "CREATE INDEX directive_issued ON directive (issued_key)",
    "CREATE INDEX directive_issuer ON directive (issuer_id)",
    "CREATE INDEX directive_source ON directive (source_id)",
    "CREATE INDEX directive_party_actor ON directive_party (actor_id)",
    "CREATE INDEX timeline_date ON timeline_entry (date_key)",
    "CREATE INDEX timeline_directive ON timeline_entry (directive_id)",
    "CREATE INDEX timeline_statement ON timeline_entry (statement_id)",
    "CREATE INDEX timeline_source ON timeline_entry (source_id)",
    "CREATE INDEX timeline_actor_actor ON timeline_actor (actor_id)",
]

# Full-text index: one external-content FTS5 table per record table, kept current by
# triggers so no write path can forget it.
_FTS = {
    "source": ("source_fts", ["title", "publisher", "author", "url", "notes"]),
    "actor": ("actor_fts", ["name", "role", "description", "tags"]),
    "statement": ("statement_fts", ["text", "venue", "notes", "tags"]),
    "directive": ("directive_fts", ["identifier", "title", "summary", "provisions", "tags"]),
    "timeline_entry": ("timeline_fts", ["title", "description", "tags"]),
}


def _fts_statements() -> list[str]:
    out: list[str] = []
    for table, (fts, columns) in _FTS.items():
        cols = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        out.append(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='n', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        insert_new = f"INSERT INTO {fts} (rowid, {cols}) VALUES (new.n, {new});"
        delete_old = f"INSERT INTO {fts} ({fts}, rowid, {cols}) VALUES ('delete', old.n, {old});"
        out.append(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert_new} END")
        out.append(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete_old} END")
        out.append(f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} BEGIN {delete_old} {insert_new} END")
    return out


STATEMENTS: list[str] = [*_TABLES, *_INDEXES, *_fts_statements()]
