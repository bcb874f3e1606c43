"""Version 8: the case's bottom line, the three to five points the principal needs, one per line.

Printed as a bulleted box on the packet's cover. Frozen, like every released migration.
"""

from __future__ import annotations

VERSION = 8
DESCRIPTION = "bottom line (the principal's key points) on the case"

STATEMENTS: list[str] = ["ALTER TABLE case_info ADD COLUMN bottom_line TEXT"]
