"""Casefile desktop application package (the package itself stays Qt-free)."""

from __future__ import annotations

__version__ = "0.1.0"
APP_NAME = "Casefile"
APP_ID = "org.casefile.Casefile"
ORG_NAME = "Casefile"
