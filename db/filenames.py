"""File names made from text: a case title, a file's own name, a date.

Windows refuses the most: the characters \\ / : * ? " < > | and controls, a name ending in a
dot or a space, and the device names (CON, NUL, COM1, ...) even before an extension
("NUL.draft.pdf" is the device NUL). A case file is emailed and copied to shares and USB
sticks, so a name Casefile suggests is one Windows would accept, whatever system made it.

Bidirectional controls go too: a right-to-left override shows what follows it reversed, so a
title typed as "<RLO>fdp.exe" would make a name that a file manager shows as "exe.pdf".
"""

from __future__ import annotations

import datetime as dt
import re

# Windows' refused characters, C0 and C1 controls, lone surrogates (not writable as UTF-8),
# and the bidirectional embeddings, overrides, isolates and marks, which reorder what is shown.
_FORBIDDEN = re.compile('[<>:"/\\\\|?*\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]')
_DEVICE = re.compile(r"^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])$", re.IGNORECASE)
MAX_STEM = 80


def is_device_name(name: str) -> bool:
    """Whether Windows reads ``name`` as a device: its part before the first dot, trailing spaces dropped."""
    return bool(_DEVICE.match(name.split(".", 1)[0].rstrip(" ")))


def safe_stem(text: str, fallback: str) -> str:
    """``text`` as the stem of a file name every system accepts: no refused character, no
    trailing dot or space, no device name, at most 80 characters; ``fallback`` when nothing is left."""
    stem = " ".join(_FORBIDDEN.sub("", text or "").split()).strip(" .")
    if len(stem) > MAX_STEM:
        cut = stem[:MAX_STEM]
        stem = (cut.rsplit(" ", 1)[0] if " " in cut[MAX_STEM // 2 :] else cut).rstrip(" .,;-")
    if not stem:
        return fallback
    return f"{fallback} {stem}" if is_device_name(stem) else stem


def stamp(moment: dt.datetime) -> str:
    """A date and time for a file name: "2026-06-24 173005" (no ":", which Windows refuses)."""
    return moment.strftime("%Y-%m-%d %H%M%S")


def copy_name(stem: str) -> str:
    """File > Save a Copy's suggestion for the case file named ``stem``."""
    return f"{safe_stem(stem, 'Case')} copy.casefile"


def json_name(stem: str) -> str:
    """File > Export JSON's suggestion for the case file named ``stem``."""
    return f"{safe_stem(stem, 'Case')}.json"


def restored_name(title: str, made: dt.datetime) -> str:
    """File > Restore From Backup's suggestion for a backup of the case ``title`` taken at ``made``."""
    return f"{safe_stem(title, 'Restored case')} (restored {made:%Y-%m-%d}).casefile"


def migration_backup_stem(stem: str, version: int, moment: dt.datetime) -> str:
    """The stem of the copy kept before a file named ``stem`` is upgraded to schema ``version``."""
    return f"{safe_stem(stem, 'Case')} - before upgrade to v{version} - {stamp(moment)}"
