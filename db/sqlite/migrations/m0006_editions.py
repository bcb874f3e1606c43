"""Version 6: briefing editions, every packet exported kept in the case.

One row per edition: its number, when and by whom it was made, its page count, the options
it was made with (JSON), what it printed (the Casefile JSON document, zlib-compressed), the
SHA-256 of the PDF written and the Casefile version that wrote it. ``case_info.last_edition``
is the highest number ever given, so the number of a deleted edition is never given again.

Frozen, like every released migration.
"""

from __future__ import annotations

VERSION = 6
DESCRIPTION = "briefing editions"

STATEMENTS: list[str] = [
    "ALTER TABLE case_info ADD COLUMN last_edition INTEGER",
    """CREATE TABLE edition (
    number INTEGER PRIMARY KEY,
    made TEXT NOT NULL,
    made_by TEXT NOT NULL,
    pages INTEGER NOT NULL,
    options TEXT NOT NULL,
    content BLOB NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    app_version TEXT NOT NULL
)""",
]
