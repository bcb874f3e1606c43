"""The PostgreSQL server the team-case rows run against, and the large case published to it.

``CASEFILE_BENCH_SERVER`` names a database where the role may create cases (credentials from
the usual libpq places). Without it, a throw-away server is started on this machine with
``scripts/test_postgres.sh`` (PostgreSQL must be installed) on a free port and a folder of
its own, and removed afterwards.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .measure import REPO

SERVER_ENV = "CASEFILE_BENCH_SERVER"
CASE_NAME = "bench-large"


class NoServer(RuntimeError):
    """No server to measure against."""


@contextmanager
def bench_server() -> Iterator[str]:
    """The database's address (without a case); a throw-away server if none is named."""
    named = os.environ.get(SERVER_ENV, "").strip()
    if named:
        yield named
        return
    # Not inside the run folder: the server runs as its own user, who must reach its folder
    # (the run folder is private to the user running the benchmark).
    folder = Path(tempfile.gettempdir()) / f"casefile-bench-pg-{os.getpid()}"
    script = REPO / "scripts" / "test_postgres.sh"
    env = {**os.environ, "CASEFILE_PG_DIR": str(folder), "CASEFILE_PG_PORT": str(_free_port())}
    started = subprocess.run(["bash", str(script), "start"], env=env, capture_output=True, text=True, check=False)
    if started.returncode != 0:
        subprocess.run(["bash", str(script), "stop"], env=env, capture_output=True, check=False)
        reason = " ".join((started.stderr or started.stdout).strip().splitlines()[-1:])[:200]
        raise NoServer(f"no PostgreSQL server: set {SERVER_ENV} or install PostgreSQL ({reason})")
    exported = {}
    for line in started.stdout.splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line[len("export ") :].split("=", 1)
            exported[name] = value.strip().strip("'\"")
    saved = {name: os.environ.get(name) for name in exported}
    os.environ.update(exported)  # PGPASSFILE: this process and the probes it starts find the password
    try:
        yield exported["CASEFILE_TEST_SERVER"]
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        subprocess.run(["bash", str(script), "stop"], env=env, capture_output=True, check=False)


def _free_port() -> int:
    """A loopback port nothing listens on now (another run of the benchmark may have its own server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def case_address(database: str, name: str = CASE_NAME) -> str:
    """The address of case ``name`` in ``database``."""
    joiner = "&" if "?" in database else "?"
    return f"{database}{joiner}case={name}"
