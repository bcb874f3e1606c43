"""Version 2: briefing-packet options remembered in the case file.

Frozen, like every released migration.
"""

from __future__ import annotations

VERSION = 2
DESCRIPTION = "briefing options"

STATEMENTS: list[str] = ["ALTER TABLE case_info ADD COLUMN briefing_options TEXT"]
