"""Briefing editions: every packet exported is kept in the case file.

An edition is what one export printed: the Casefile JSON document the packet was made from
(compressed), the options it was made with, when and by whom, its page count, the SHA-256
of the PDF written and the Casefile version that wrote it. From that the packet can be
written again (the same file, byte for byte, while the version and the fonts are the same)
and a later packet can show what changed since. Numbers run 1, 2, ... and are never given
twice, not even after the latest edition is deleted. Deleting an edition removes what it
printed from the file for good.

Qt-free; the SQL is in ``db.sqlite.editions``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import CaseFileError
from .sqlite import editions as store
from .store import CaseStore

# What an edition's content may grow to once decompressed: a case file can come from anyone,
# and a few kilobytes of zlib can claim gigabytes.
MAX_CONTENT_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Edition:
    """One kept edition, without what it printed (see ``content``)."""

    number: int
    made: str  # ISO 8601 with the UTC offset where it was made, e.g. 2026-06-24T09:15:00-04:00
    made_by: str
    pages: int
    options: dict[str, Any]
    pdf_sha256: str
    app_version: str

    def made_at(self) -> dt.datetime | None:
        """``made`` as a time (None when the file holds something unreadable there)."""
        return parse_made(self.made)


@dataclass(frozen=True)
class NewEdition:
    """An edition about to be recorded: everything but its number."""

    made: str
    made_by: str
    pages: int
    options: dict[str, Any]
    content: bytes  # ``compress(doc)``
    pdf_sha256: str
    app_version: str


@dataclass(frozen=True)
class EditionDoc:
    """What "changes since" compares with: an edition's number, time and printed document."""

    number: int
    made: str
    doc: dict[str, Any]


# ----- making one ---------------------------------------------------------------------------


def now() -> dt.datetime:
    """The time an edition is made: local, to the second, with its UTC offset."""
    return dt.datetime.now().astimezone().replace(microsecond=0)


def parse_made(text: object) -> dt.datetime | None:
    """An edition's ``made`` text as a time with its offset, or None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def current_user() -> str:
    """Who is making an edition: the name this computer knows the user by."""
    try:
        return getpass.getuser()
    except Exception:  # no user name available (some service accounts)
        return "unknown user"


def compress(doc: dict[str, Any]) -> bytes:
    """The stored form of a printed document: compact JSON, zlib-compressed."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return zlib.compress(text.encode("utf-8"), 6)


def decompress(blob: object, number: int | None = None) -> dict[str, Any]:
    """A stored document back as plain dicts and lists; CaseFileError when it cannot be read."""
    which = f"Edition {number}" if number is not None else "The edition"
    problem = f"{which} could not be read: what it printed is damaged in the case file."
    if not isinstance(blob, bytes):
        raise CaseFileError(problem)
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(blob, MAX_CONTENT_BYTES)
        if inflater.unconsumed_tail:
            raise CaseFileError(f"{which} could not be read: what it printed is larger than Casefile reads.")
        doc = json.loads(data.decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, ValueError, RecursionError):
        raise CaseFileError(problem) from None
    if not isinstance(doc, dict):
        raise CaseFileError(problem)
    return doc


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file, as lower-case hex."""
    digest = hashlib.sha256()
    with open(Path(path), "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def new_edition(
    doc: dict[str, Any],
    *,
    made: dt.datetime,
    pages: int,
    options: dict[str, Any],
    pdf: str | os.PathLike[str],
    app_version: str,
    made_by: str | None = None,
) -> NewEdition:
    """The edition of a packet just written to ``pdf`` from ``doc``."""
    return NewEdition(
        made=made.isoformat(),
        made_by=made_by if made_by is not None else current_user(),
        pages=pages,
        options=options,
        content=compress(doc),
        pdf_sha256=file_sha256(pdf),
        app_version=app_version,
    )


# ----- the case's editions ------------------------------------------------------------------


def record(cf: CaseStore, new: NewEdition) -> int:
    """Keep ``new`` in the case under the next number; return the number."""
    row = {
        "made": new.made,
        "made_by": new.made_by,
        "pages": int(new.pages),
        "options": options_text(new.options),
        "content": new.content,
        "pdf_sha256": new.pdf_sha256,
        "app_version": new.app_version,
    }
    return store.record(cf, row)


def options_text(options: dict[str, Any]) -> str:
    """The stored form of an edition's options."""
    return json.dumps(options, ensure_ascii=False, sort_keys=True)


def _options(raw: object) -> dict[str, Any]:
    try:
        value = json.loads(raw) if isinstance(raw, str) and len(raw) <= 64 * 1024 else None
    except (ValueError, RecursionError):
        value = None
    return value if isinstance(value, dict) else {}


def _edition(row: dict[str, Any]) -> Edition:
    return Edition(
        number=int(row["number"]),
        made=str(row["made"]),
        made_by=str(row["made_by"]),
        pages=int(row["pages"]) if isinstance(row["pages"], int) else 0,
        options=_options(row["options"]),
        pdf_sha256=str(row["pdf_sha256"]),
        app_version=str(row["app_version"]),
    )


def list_editions(cf: CaseStore) -> list[Edition]:
    """Every edition kept, oldest first."""
    return [_edition(row) for row in store.list_rows(cf)]


def get(cf: CaseStore, number: int) -> Edition:
    """One edition; CaseFileError when the case holds none with that number."""
    row = store.get_row(cf, number, content=False)
    if row is None:
        raise CaseFileError(_missing(cf, number))
    return _edition(row)


def content(cf: CaseStore, number: int) -> dict[str, Any]:
    """The document edition ``number`` printed; CaseFileError when there is none or it is damaged."""
    row = store.get_row(cf, number)
    if row is None:
        raise CaseFileError(_missing(cf, number))
    return decompress(row["content"], number)


def delete(cf: CaseStore, number: int) -> None:
    """Remove an edition and what it printed from the case file, for good."""
    if not store.delete(cf, number):
        raise CaseFileError(_missing(cf, number))


def latest(cf: CaseStore) -> int | None:
    """The number of the newest edition kept, or None when there is none."""
    return store.latest_number(cf)


def base(cf: CaseStore, which: int | Literal["last"]) -> EditionDoc | None:
    """The edition a packet shows changes since: ``"last"`` (the newest kept) or a number.

    None when ``which`` is "last" and no edition is kept; CaseFileError when edition ``which``
    is not kept (or cannot be read).
    """
    number = latest(cf) if which == "last" else which
    if number is None:
        return None
    row = store.get_row(cf, number)
    if row is None:
        raise CaseFileError(_missing(cf, number))
    return EditionDoc(int(row["number"]), str(row["made"]), decompress(row["content"], number))


def _missing(cf: CaseStore, number: int) -> str:
    path = getattr(cf, "path", None)  # a server case has none
    name = path.name if path is not None else f'The case "{cf.display_name}"'
    return f"{name} holds no edition {number}."
