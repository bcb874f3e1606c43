"""The log file: where unexpected errors go with their tracebacks (the app and the command line).

Qt-free, so the command line can log without loading Qt. The user sees one plain line or one
dialog; the details are kept here for whoever looks into it.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from db.paths import user_log_dir

from . import APP_NAME, __version__

LOG_NAME = "casefile.log"
_MARK = "casefile_log_handler"


def log_path() -> Path:
    """The log file's path (its folder is created on first use)."""
    return user_log_dir() / LOG_NAME


def setup_logging(*, echo_to_stderr: bool = True) -> None:
    """Log to a rotating file in the user log folder.

    If the file cannot be opened, the app logs to stderr (``echo_to_stderr``); the command line,
    whose stderr is the user's terminal, then logs nowhere rather than print tracebacks there.
    """
    root = logging.getLogger()
    try:
        target = log_path()
    except OSError:
        target = None
    ours = [h for h in root.handlers if getattr(h, _MARK, False)]
    if target is not None and any(getattr(h, "baseFilename", None) == str(target.resolve()) for h in ours):
        return
    for old in ours:  # the log folder moved (CASEFILE_HOME changed): log to the new place only
        root.removeHandler(old)
        old.close()
    handler: logging.Handler
    try:
        if target is None:
            raise OSError("no log folder")
        handler = logging.handlers.RotatingFileHandler(target, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler() if echo_to_stderr else logging.NullHandler()
    setattr(handler, _MARK, True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("casefile").info("%s %s starting (Python %s)", APP_NAME, __version__, sys.version.split()[0])
