"""Errors the core raises for users to read: each message is one plain sentence or two."""

from __future__ import annotations

import unicodedata


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` safe to show on one line: control characters (which SQLite's messages can quote
    from a damaged file, and which a file name can hold) become U+FFFD, so a message can
    neither break a line nor send escape sequences to a terminal."""
    out = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI_CONTROLS:
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


# Characters that reorder the text around them: a name holding one could make a message read
# differently from what it says.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


class CaseFileError(Exception):
    """A problem with a case file that the user can act on; ``str()`` is the message."""

    def __init__(self, message: str = "", *args: object) -> None:
        super().__init__(printable(str(message), keep_newlines=isinstance(self, InterchangeError)), *args)


class RefusedFileError(CaseFileError):
    """The file failed the open-time checks and was not opened (nor changed)."""


class NewerVersionError(RefusedFileError):
    """The file was written by a newer version of Casefile."""


class WriteError(CaseFileError):
    """A change could not be written (disk full, I/O error, file locked or read-only); nothing
    of it was saved and the file is as it was before."""


class RecordError(CaseFileError):
    """An edit was refused: a required field is empty, a value is invalid, a record is missing."""


class ReferencedError(RecordError):
    """A record cannot be deleted while other records refer to it."""

    def __init__(self, message: str, references: list[object]) -> None:
        super().__init__(message)
        self.references = references


class ConflictError(CaseFileError):
    """A change to a team case was refused because someone else changed the record since it was
    read: ``theirs`` holds every field as now stored, ``version`` its version now, and
    ``changed_by`` and ``changed_at`` the last change the server's history records (or None)."""

    def __init__(
        self,
        message: str,
        theirs: dict[str, object],
        version: int,
        changed_by: str | None = None,
        changed_at: str | None = None,
    ) -> None:
        super().__init__(message)
        self.theirs = theirs
        self.version = version
        self.changed_by = changed_by
        self.changed_at = changed_at


class InterchangeError(CaseFileError):
    """A JSON document was refused; ``errors`` lists ``path: problem`` lines."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        shown = errors[:20]
        more = f"\n... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        super().__init__("\n".join(shown) + more)


def describe_sqlite_error(exc: BaseException) -> str:
    """Plain words for an SQLite failure while writing."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if text.startswith("could not decode to utf-8"):  # the message goes on to quote the stored text
        return "the file is damaged (it holds text that is not valid UTF-8)"
    if "full" in text:
        return "the disk is full"
    if "readonly" in text or "read-only" in text:
        return "the file cannot be written (it is read-only)"
    if "locked" in text or "busy" in text:
        return "the file is busy in another program"
    if "i/o" in text or ("disk" in text and "malformed" not in text):  # "database disk image is malformed"
        return "the disk reported an error"
    if "vtable constructor failed" in text or "invalid fts5" in text:
        return "its search index is damaged"
    if "malformed" in text or "corrupt" in text or "not a database" in text or "invalid fts5" in text:
        return "the file is damaged"
    if "too big" in text:
        return "it holds a value larger than Casefile accepts"
    return str(getattr(exc, "orig", None) or exc)


class ReplicaError(CaseFileError):
    """An offline copy cannot be taken or synced (the message says why and what to do)."""


class MasterChanged(ReplicaError):
    """The master changed between reading it and writing to it: nothing was written."""
