"""CSV export: one file per kind of record, for Excel and other spreadsheet tools.

Files are UTF-8 with a byte-order mark (so Excel reads curly quotes and accents right),
have a header row, and name referenced records as well as giving their ids.

A case file comes from other people, and a planted formula must not run when a colleague
opens the export (CSV injection; the OWASP guidance is followed in full). Every cell is
quoted, so a separator inside it (``,``, ``;`` or a tab, whichever list separator the
spreadsheet uses) cannot split it into cells of its own. A cell is prefixed with an
apostrophe when it starts with a tab, carriage return or line feed, or when its first
character after any leading spaces, no-break or other Unicode spaces, byte-order marks,
zero-width or other invisible characters is ``=``, ``+``, ``-`` or ``@`` in any form that
Unicode compatibility normalisation (NFKC) turns into one (full-width ``＝ ＋ － ＠``, small
and superscript forms), or the minus sign U+2212. A negative number such as ``-5`` is
prefixed too (``'-5``): OWASP accepts that cost, and a value in a case file is text, not a
number to sum.

The set of files appears whole or not at all. A new folder is built under a hidden
temporary name beside it and renamed into place in one step. In a folder that already
exists (the user's other files in it are left alone), the set is built in a hidden folder
inside it and marked complete by renaming that folder; only then are the files moved out
into place, one rename each. A process killed before the mark leaves the old files as they
were; one killed after it leaves the rest of the new set waiting, and the next export into
the folder (or ``finish_interrupted_export``) moves it into place. Temporary folders left by
a kill are removed by a later run (``db.tempfiles``); a marked folder is not a temporary
file, so no cleanup ever discards half of a complete set.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import unicodedata
from contextlib import suppress
from pathlib import Path
from typing import Any

from .errors import CaseFileError
from .fields import CASE_FIELDS, JSON_ORDER, KINDS, FieldType, Kind
from .interchange import export_document, write_text_atomic
from .store import CaseStore
from .tempfiles import clean_stale_temp_files, temp_path_beside

CSV_NAMES: dict[Kind, str] = {kind: f"{KINDS[kind].json_name}.csv" for kind in JSON_ORDER}
CASE_CSV = "case.csv"
_SET_NAMES = frozenset([CASE_CSV, *CSV_NAMES.values()])

# What a spreadsheet may run as a formula when a cell starts with it (after NFKC).
_FORMULA_CHARS = frozenset("=+-@\u2212")
# Characters a spreadsheet may skip or not show before a formula: other (Cc, Cf: controls,
# byte-order mark, zero-width and direction marks), unassigned, separators, combining marks.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")  # Hangul fillers: letters that show as nothing

# The hidden folder inside an existing target that holds a complete set being moved into place.
_SET_STEM = "casefile-csv"  # temp_path_beside hides it with a leading dot
_READY_SUFFIX = ".ready"
_READY = re.compile(r"^\.casefile-csv\.cf\d+-[0-9a-f]{8}\.ready$")


def _needs_apostrophe(text: str) -> bool:
    """True when a spreadsheet could take ``text`` for a formula (see the module docstring)."""
    if text[0] in "\t\r\n":
        return True
    for ch in text:
        if ch in _FORMULA_CHARS:
            return True
        if ch.isascii():
            if ch.isspace() or not ch.isprintable():
                continue
            return False
        if ch.isspace() or ch in _INVISIBLE_LETTERS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            continue
        return unicodedata.normalize("NFKC", ch)[:1] in _FORMULA_CHARS
    return False


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text and _needs_apostrophe(text) else text


def _csv_text(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return "\ufeff" + buffer.getvalue()


def export_csv(cf: CaseStore, folder: str | os.PathLike[str], *, overwrite: bool = False) -> list[Path]:
    """Write ``case.csv`` and one CSV per kind into ``folder`` (created if needed); return the paths.

    All the files appear at once or none do (see the module docstring).
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise CaseFileError(f"{target.name} is a file, not a folder.")
    names = [CASE_CSV, *CSV_NAMES.values()]
    if target.is_dir():
        finish_interrupted_export(target)
        clean_stale_temp_files(target)
    if not overwrite:
        existing = [n for n in names if (target / n).exists()]
        if existing:
            raise CaseFileError(f"{target / existing[0]} already exists.")
    texts = _csv_texts(cf)
    if target.is_dir():
        _replace_in_folder(target, texts)
    else:
        _create_folder(target, texts)
    return [target / name for name in names]


def finish_interrupted_export(folder: str | os.PathLike[str]) -> bool:
    """Move into place the rest of a complete CSV set whose export into ``folder`` was killed
    while moving it; return True if there was one."""
    target = Path(folder)
    try:
        ready = sorted(entry.path for entry in os.scandir(target) if _READY.match(entry.name) and entry.is_dir())
    except OSError:
        return False
    for path in ready:
        with suppress(OSError):
            _move_set(Path(path), target)
    return bool(ready)


def _csv_texts(cf: CaseStore) -> dict[str, str]:
    """The text of each file of the set, by file name."""
    doc = export_document(cf)
    names_by_id: dict[str, str] = {}
    for kind in JSON_ORDER:
        spec = KINDS[kind]
        for record in doc[spec.json_name]:
            names_by_id[record["id"]] = record[spec.title_field] or ""

    texts = {CASE_CSV: _csv_text([f.name for f in CASE_FIELDS], [[doc["case"].get(f.name) for f in CASE_FIELDS]])}
    for kind in JSON_ORDER:
        spec = KINDS[kind]
        header = ["id"]
        for f in spec.fields:
            if f.type is FieldType.REF:
                header += [f.name, f"{f.name}_id"]
            elif f.type is FieldType.REFS:
                header += [f.name, f"{f.name}_ids"]
            else:
                header.append(f.name)
        rows: list[list[Any]] = []
        for record in doc[spec.json_name]:
            row: list[Any] = [record["id"]]
            for f in spec.fields:
                value = record.get(f.name)  # absent: a field newer than the document's version
                if f.type is FieldType.REF:
                    row += [names_by_id.get(value, "") if value else "", value]
                elif f.type is FieldType.REFS:
                    row += ["; ".join(names_by_id.get(v, "") for v in value), "; ".join(value)]
                elif f.type is FieldType.TAGS:
                    row.append("; ".join(value))
                elif f.type is FieldType.LINES:
                    row.append("\n".join(value))
                else:
                    row.append(value)
            rows.append(row)
        texts[CSV_NAMES[kind]] = _csv_text(header, rows)
    return texts


def _write_set(folder: Path, texts: dict[str, str]) -> None:
    """Write every file of the set into the (hidden, new) ``folder`` and make it durable."""
    for name, text in texts.items():
        write_text_atomic(folder / name, text)
    _fsync_dir(folder)


def _create_folder(target: Path, texts: dict[str, str]) -> None:
    """Build the set in a hidden folder beside ``target`` and rename it to ``target``."""
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CaseFileError(f"The folder {target} could not be created: {exc.strerror or exc}.") from None
    clean_stale_temp_files(parent)
    staging = temp_path_beside(target)
    try:
        staging.mkdir()
        _write_set(staging, texts)
        os.rename(staging, target)  # the one step at which the whole set appears
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise CaseFileError(f"The folder {target} could not be created: {exc.strerror or exc}.") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _fsync_dir(parent)


def _replace_in_folder(target: Path, texts: dict[str, str]) -> None:
    """Build the set in a hidden folder inside ``target``, mark it complete, and move it out."""
    staging = temp_path_beside(target / _SET_STEM)
    ready = staging.with_name(staging.name.removesuffix(".tmp") + _READY_SUFFIX)
    try:
        staging.mkdir()
        _write_set(staging, texts)
        os.rename(staging, ready)  # from here on, the new set is what the folder will hold
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise CaseFileError(f"The CSV files could not be written to {target}: {exc.strerror or exc}.") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _fsync_dir(target)
    try:
        _move_set(ready, target)
    except OSError as exc:
        raise CaseFileError(
            f"The CSV files in {target} could not all be replaced ({exc.strerror or exc}); close them in any "
            "other program and export again."
        ) from None


def _move_set(ready: Path, target: Path) -> None:
    """Move each file of a complete set from ``ready`` into ``target``, then remove ``ready``."""
    try:
        names = sorted(name for name in os.listdir(ready) if name in _SET_NAMES)
    except FileNotFoundError:
        return  # another run finishing this same set has moved all of it
    for name in names:
        try:
            _move_into_place(ready / name, target / name)
        except FileNotFoundError:
            if (ready / name).exists():
                raise
            # Another run finishing this same set moved this file first.
    shutil.rmtree(ready, ignore_errors=True)
    _fsync_dir(target)


def _move_into_place(source: Path, destination: Path) -> None:
    """Put one file of a complete set in place (an atomic rename over any older file)."""
    os.replace(source, destination)


def _fsync_dir(folder: Path) -> None:
    """Make the names in ``folder`` durable (where the system allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
