"""Case addresses: a case file's path, or a case on a PostgreSQL server.

A server case is addressed by a libpq URL naming the case:
``postgresql://[user@]host[:port]/dbname?case=NAME``. ``case`` is Casefile's own parameter and
is removed before connecting; every other parameter (``sslmode``, ``connect_timeout``, ...)
goes to libpq as given. Passwords come from where libpq looks for them (pgpass file,
``PGPASSFILE``, service files, ``PGPASSWORD``); one written into an address still works,
but no message, log line or listing ever shows it (``ServerAddress.shown``).

Each case is one schema of the database, named from the case name: only ASCII letters,
digits, ``-`` and ``_`` (at most 40), compared without regard to case, so the schema name is
safe to quote and two names that differ only in case are the same case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from .errors import CaseFileError

SCHEMES = ("postgresql", "postgres")
CASE_NAME_LIMIT = 40
SCHEMA_PREFIX = "casefile_"
_CASE_NAME = re.compile(rf"[A-Za-z0-9_-]{{1,{CASE_NAME_LIMIT}}}")


class AddressError(CaseFileError):
    """An address that names no case Casefile can reach (its text says why, without secrets)."""


@dataclass(frozen=True)
class ServerAddress:
    """A database on a PostgreSQL server, and optionally one case in it."""

    url: str  # the libpq URL to connect with, without ``case`` (may hold a password: never show it)
    case: str | None  # the case name as normalised (lower case), or None for the whole database

    @property
    def shown(self) -> str:
        """The address for messages and listings: any password replaced by ``***``."""
        return redact(self.with_case(self.case) if self.case else self.url)

    @property
    def schema(self) -> str:
        """The schema holding the case."""
        if self.case is None:
            raise AddressError(f"{self.shown} names no case (add ?case=NAME).")
        return schema_name(self.case)

    @property
    def database(self) -> str:
        """The database name, for messages."""
        return urlsplit(self.url).path.lstrip("/") or "(default)"

    def with_case(self, name: str) -> str:
        """The address of case ``name`` in this database (with the password, if the URL has one)."""
        parts = urlsplit(self.url)
        query = [*parse_qsl(parts.query, keep_blank_values=True), ("case", check_case_name(name))]
        return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))

    def for_case(self, name: str) -> ServerAddress:
        """This database's case ``name``."""
        return ServerAddress(self.url, check_case_name(name))


def is_server_address(text: str | object) -> bool:
    """True for text that starts like a PostgreSQL URL (anything else is a path)."""
    return isinstance(text, str) and text.split("://", 1)[0].lower() in SCHEMES and "://" in text


def check_case_name(name: str) -> str:
    """The case name in its normal (lower-case) form; AddressError for a name Casefile refuses."""
    if not _CASE_NAME.fullmatch(name or ""):
        shown = name if len(name or "") <= 60 else name[:59] + "…"
        raise AddressError(
            f'"{shown}" cannot name a case: use only letters, digits, "-" and "_" '
            f"(at most {CASE_NAME_LIMIT} characters)."
        )
    return name.lower()


def schema_name(case: str) -> str:
    """The schema of a case: the prefix and the checked name (safe to quote as an identifier)."""
    return SCHEMA_PREFIX + check_case_name(case)


def case_of_schema(schema: str) -> str | None:
    """The case name a schema holds, or None for a schema that is not a case's."""
    if not schema.startswith(SCHEMA_PREFIX):
        return None
    name = schema[len(SCHEMA_PREFIX) :]
    return name if _CASE_NAME.fullmatch(name) and name == name.lower() else None


def parse_server_address(text: str, *, need_case: bool = True) -> ServerAddress:
    """Split a server address into the URL to connect with and the case name."""
    if not is_server_address(text):
        raise AddressError(f"{redact(text)} is not a server address (postgresql://host/database?case=NAME).")
    parts = urlsplit(text)
    query = parse_qsl(parts.query, keep_blank_values=True)
    cases = [value for key, value in query if key == "case"]
    rest = [(key, value) for key, value in query if key != "case"]
    url = urlunsplit(parts._replace(query=urlencode(rest, quote_via=quote)))
    if len(cases) > 1:
        raise AddressError(f"{redact(text)} names more than one case.")
    if not parts.path.strip("/"):
        raise AddressError(f"{redact(text)} names no database (postgresql://host/database?case=NAME).")
    if not cases:
        if need_case:
            raise AddressError(f"{redact(text)} names no case (add ?case=NAME).")
        return ServerAddress(url, None)
    return ServerAddress(url, check_case_name(cases[0]))


def redact(text: str) -> str:
    """``text`` with the password of a URL in it (``user:secret@``, ``password=secret``) hidden."""
    return _password_replaced(text, "***")


def without_password(text: str) -> str:
    """``text`` with the password of a URL in it taken out (an address that may be kept on disk)."""
    return _password_replaced(text, None)


def _password_replaced(text: str, mask: str | None) -> str:
    if not is_server_address(text):
        return text
    parts = urlsplit(text)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:{mask}@{host}" if mask is not None else f"{user}@{host}"
    query = "&".join(
        f"{quote(key)}={mask}" if key == "password" else f"{quote(key)}={quote(value)}"
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key != "password" or mask is not None
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def describe(address: str | Path) -> str:
    """An address as it may be shown: a path as given, a URL without its password."""
    return redact(str(address))
