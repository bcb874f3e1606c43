"""Following a server case's changes: a connection that LISTENs on the case's channel.

The triggers of migration 5 (``migrations.p0005_notify``) announce each committed change.
``Listener`` holds its own autocommit psycopg connection (never one of the case's pooled ones:
a pooled connection is in a transaction half the time, and notifications wait for it to end).
It never blocks: the caller watches ``fileno()`` for reading (a Qt socket notifier in the app)
and calls ``drain()``, which returns what has arrived. A dropped connection raises
``ListenerLost``; ``connect()`` again and re-read everything, since what was sent meanwhile is gone.
"""

from __future__ import annotations

import json
import uuid
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from ..address import ServerAddress
from .connect import ServerError, connect, reporting

CLIENT_SETTING = "casefile.client"


def new_client_token() -> str:
    """A token that marks one open case's own changes (set on its connections as ``casefile.client``)."""
    return uuid.uuid4().hex[:16]


class ListenerLost(ServerError):
    """The connection that listens for changes is gone (server restart, dropped network)."""


@dataclass(frozen=True)
class Change:
    """One announced change: ``kind`` is a record kind's value or ``"case"``; ``ids`` is empty when
    ``reset`` asks to re-read every record of the kind; ``by`` is the writer's client token."""

    kind: str
    operation: str  # "i", "u" or "d"
    ids: tuple[str, ...]
    reset: bool
    by: str | None


def parse(payload: str) -> Change | None:
    """A notification's payload as a Change; None for one that is not ours."""
    try:
        data: Any = json.loads(payload)
        kind, operation = str(data["k"]), str(data["op"])
    except (ValueError, KeyError, TypeError):
        return None
    ids = data.get("ids") or []
    by = data.get("by")
    return Change(
        kind=kind,
        operation=operation,
        ids=tuple(str(i) for i in ids if i is not None),
        reset=bool(data.get("reset")),
        by=str(by) if by else None,
    )


class Listener:
    """Listens for a case's changes on a connection of its own; ``connect`` before use."""

    def __init__(self, address: ServerAddress) -> None:
        self.address = address
        self.channel = address.schema  # the triggers notify on the schema's name
        self._conn: psycopg.Connection[Any] | None = None

    @property
    def connected(self) -> bool:
        """True while the connection is up (as far as anything read from it has shown)."""
        return self._conn is not None and not self._conn.closed and not self._conn.broken

    def connect(self) -> None:
        """Open the connection and start listening; ServerError if the server cannot be reached."""
        self.close()
        with reporting(self.address, "follow the case's changes"):
            conn = connect(self.address.url, autocommit=True, application_name="Casefile (live)")
            try:
                conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            except BaseException:
                conn.close()
                raise
        self._conn = conn

    def fileno(self) -> int:
        """The connection's socket, to watch for reading."""
        if self._conn is None:
            raise ListenerLost("Not connected to the server.")
        return self._conn.fileno()

    @property
    def backend_pid(self) -> int | None:
        """The server process serving the connection (None when not connected)."""
        return self._conn.info.backend_pid if self._conn is not None else None

    def drain(self) -> list[Change]:
        """The changes announced since the last call, without waiting; ListenerLost when the
        connection has dropped."""
        conn = self._conn
        if conn is None or conn.closed:
            raise ListenerLost("Not connected to the server.")
        try:
            # timeout=0: take what has arrived on the socket, never wait for more.
            notices = list(conn.notifies(timeout=0))
        except psycopg.Error as exc:
            self.close()
            raise ListenerLost(f"Lost the connection to the server ({' '.join(str(exc).split())}).") from None
        if conn.broken:
            self.close()
            raise ListenerLost("Lost the connection to the server.")
        changes = [parse(n.payload) for n in notices if n.channel == self.channel]
        return [c for c in changes if c is not None]

    def close(self) -> None:
        """Stop listening and close the connection."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(psycopg.Error):  # a connection already dropped has nothing left to close
                conn.close()
