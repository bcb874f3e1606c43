"""The ``briefing`` part of a Casefile JSON document (format version 3): the case's briefing
options and its editions, so they travel with the case (see docs/json-format.md).

Export writes each edition's printed document as a JSON object, exactly as it was stored;
import checks every part (an edition's document by the same rules as a whole document, its
problems named with their path below ``briefing.editions[i].content``) and writes nothing
unless everything is right.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from .editions import compress, decompress, options_text, parse_made
from .errors import InterchangeError
from .sizes import TOO_LONG
from .sqlite import editions as store
from .sqlite.filecheck import MAX_VALUE_BYTES
from .values import json_type

SINCE = 3  # the format version that added ``briefing``
_KEYS = ("options", "last_edition", "editions")
_EDITION_KEYS = ("number", "made", "made_by", "pages", "options", "pdf_sha256", "app_version", "content")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_OPTIONS_LIMIT = 64 * 1024  # saved options are a few hundred bytes
_LONGEST_NAME = 1000  # who made an edition, and with which version

Error = Callable[[str, str], None]


# ----- export -----------------------------------------------------------------------------


def export_part(conn: Connection) -> dict[str, Any] | None:
    """The ``briefing`` object of this case (None when it has no options and never had an edition)."""
    options = _readable_options(store.briefing_options_text(conn))
    rows = list(store.rows_with_content(conn))
    last = store.last_number(conn)
    if not options and not rows and not last:
        return None
    part: dict[str, Any] = {}
    if options:
        part["options"] = options
    part["last_edition"] = last
    part["editions"] = [
        {
            "number": row["number"],
            "made": row["made"],
            "made_by": row["made_by"],
            "pages": row["pages"],
            "options": _readable_options(row["options"]) or {},
            "pdf_sha256": row["pdf_sha256"],
            "app_version": row["app_version"],
            "content": decompress(row["content"], row["number"]),
        }
        for row in rows
    ]
    return part


def _readable_options(raw: object) -> dict[str, Any] | None:
    """Stored options as an object with its keys in order (None when empty or unreadable)."""
    if not isinstance(raw, str) or not raw or len(raw) > _OPTIONS_LIMIT:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return _sorted(value) if isinstance(value, dict) and value else None


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


# ----- import -----------------------------------------------------------------------------


@dataclass
class BriefingPlan:
    """A checked ``briefing`` part, ready to write."""

    options: str | None = None
    last_edition: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)


def check_part(raw: Any, version: int, error: Error) -> BriefingPlan | None:
    """Check a document's ``briefing`` part, reporting each problem through ``error(path, message)``."""
    if raw is None:
        return None
    if version < SINCE:
        error("briefing", f"not in format version {version} (added in version {SINCE})")
        return None
    if not isinstance(raw, dict):
        error("briefing", f"expected an object, found {json_type(raw)}")
        return None
    for key in sorted(set(raw) - set(_KEYS)):
        error(f"briefing.{key}", "unknown field")
    plan = BriefingPlan()
    options = _checked_options(raw.get("options"), "briefing.options", error)
    plan.options = options_text(options) if options else None
    items = raw.get("editions", [])
    if items is None:
        items = []
    if not isinstance(items, list):
        error("briefing.editions", f"expected a list, found {json_type(items)}")
        items = []
    first_at: dict[int, str] = {}
    for i, item in enumerate(items):
        row = _check_edition(item, f"briefing.editions[{i}]", error)
        if row is None:
            continue
        number = row["number"]
        if number in first_at:
            error(f"briefing.editions[{i}].number", f"duplicate edition number {number} (first at {first_at[number]})")
            continue
        first_at[number] = f"briefing.editions[{i}].number"
        plan.rows.append(row)
    highest = max(first_at, default=0)
    last = raw.get("last_edition")
    if last is None:
        plan.last_edition = highest
    elif type(last) is not int or last < 0:
        error("briefing.last_edition", f"expected a whole number of 0 or more, found {_shown(last)}")
    elif last < highest:
        error("briefing.last_edition", f"{last} is lower than edition {highest}, which the list holds")
    else:
        plan.last_edition = last
    plan.rows.sort(key=lambda row: row["number"])
    return plan


def _check_edition(item: Any, path: str, error: Error) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        error(path, f"expected an object, found {json_type(item)}")
        return None
    problems: list[str] = []

    def bad(where: str, message: str) -> None:
        problems.append(where)
        error(where, message)

    for key in sorted(set(item) - set(_EDITION_KEYS)):
        bad(f"{path}.{key}", "unknown field")
    for key in _EDITION_KEYS:
        if item.get(key) is None:
            bad(path, f'missing required field "{key}"')
    number, made, pages = item.get("number"), item.get("made"), item.get("pages")
    if number is not None and (type(number) is not int or not 1 <= number < 2**62):
        bad(f"{path}.number", f"expected a whole number of 1 or more, found {_shown(number)}")
    if made is not None and parse_made(made) is None:
        bad(f"{path}.made", f'{_shown(made)} is not a time with its UTC offset, e.g. "2026-06-24T09:15:00-04:00"')
    if pages is not None and (type(pages) is not int or not 0 <= pages < 2**62):
        bad(f"{path}.pages", f"expected a whole number of 0 or more, found {_shown(pages)}")
    for key in ("made_by", "app_version"):
        value = item.get(key)
        if value is not None:
            _check_name(value, f"{path}.{key}", bad)
    digest = item.get("pdf_sha256")
    if digest is not None and not (isinstance(digest, str) and _SHA256.fullmatch(digest)):
        bad(f"{path}.pdf_sha256", "expected 64 lower-case hexadecimal digits")
    options = _checked_options(item.get("options"), f"{path}.options", bad)
    content = _check_content(item.get("content"), f"{path}.content", bad)
    if problems or content is None:
        return None
    return {
        "number": number,
        "made": made,
        "made_by": item["made_by"],
        "pages": pages,
        "options": options_text(options or {}),
        "pdf_sha256": digest,
        "app_version": item["app_version"],
        "content": content,
    }


def _check_name(value: Any, path: str, error: Error) -> None:
    if not isinstance(value, str):
        error(path, f"expected a string, found {json_type(value)}")
    elif len(value) > _LONGEST_NAME:
        error(path, f"longer than {_LONGEST_NAME} characters")
    elif not _encodable(value):
        error(path, "text with an unpaired surrogate, which a case file cannot hold")


def _checked_options(value: Any, path: str, error: Error) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        error(path, f"expected an object, found {json_type(value)}")
        return None
    try:
        text = options_text(value)
    except (ValueError, RecursionError):
        error(path, "holds a value a case file cannot keep (a number out of range, or nesting too deep)")
        return None
    if len(text) > _OPTIONS_LIMIT or not _encodable(text):
        error(path, "longer than the 64 KB the options may take" if len(text) > _OPTIONS_LIMIT else
              "text with an unpaired surrogate, which a case file cannot hold")  # fmt: skip
        return None
    return value


def _check_content(value: Any, path: str, error: Error) -> bytes | None:
    """An edition's printed document, checked as a whole document; its stored (compressed) form."""
    from .document_check import check_document

    if value is None:
        return None
    if not isinstance(value, dict):
        error(path, f"expected a Casefile document (an object), found {json_type(value)}")
        return None
    if "briefing" in value:
        error(f"{path}.briefing", "an edition's document holds no briefing options or editions")
        return None
    try:
        check_document(value)
    except InterchangeError as exc:
        for line in exc.errors:
            where, _, message = line.partition(": ")
            error(path if where == "$" else f"{path}.{where}", message)
        return None
    try:
        blob = compress(value)
    except (ValueError, RecursionError):
        error(path, "holds a value a case file cannot keep")
        return None
    if len(blob) > MAX_VALUE_BYTES:
        error(path, TOO_LONG)
        return None
    return blob


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(value: Any) -> str:
    if isinstance(value, list | dict):
        return json_type(value)
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def write_part(conn: Connection, plan: BriefingPlan) -> None:
    """Write a checked ``briefing`` part into a new case file."""
    if plan.options is not None:
        store.set_briefing_options_text(conn, plan.options)
    for row in plan.rows:
        store.insert(conn, row)
    store.set_last_number(conn, max([plan.last_edition, *(row["number"] for row in plan.rows)]))
