"""CSV export: one file per kind of record, for Excel and other spreadsheet tools.

Files are UTF-8 with a byte-order mark (so Excel reads curly quotes and accents right),
have a header row, and name referenced records as well as giving their ids. Cells that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) are prefixed
with an apostrophe: a case file comes from other people, and a planted formula must not
run when a colleague opens the export.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from .casefile import CaseFile
from .errors import CaseFileError
from .fields import CASE_FIELDS, JSON_ORDER, KINDS, FieldType, Kind
from .interchange import export_document, write_text_atomic

CSV_NAMES: dict[Kind, str] = {kind: f"{KINDS[kind].json_name}.csv" for kind in JSON_ORDER}
CASE_CSV = "case.csv"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_text(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return "\ufeff" + buffer.getvalue()


def export_csv(cf: CaseFile, folder: str | os.PathLike[str], *, overwrite: bool = False) -> list[Path]:
    """Write ``case.csv`` and one CSV per kind into ``folder`` (created if needed); return the paths."""
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise CaseFileError(f"{target.name} is a file, not a folder.")
    names = [CASE_CSV, *CSV_NAMES.values()]
    if not overwrite:
        existing = [n for n in names if (target / n).exists()]
        if existing:
            raise CaseFileError(f"{target / existing[0]} already exists.")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CaseFileError(f"The folder {target} could not be created: {exc.strerror or exc}.") from None
    doc = export_document(cf)
    names_by_id: dict[str, str] = {}
    for kind in JSON_ORDER:
        spec = KINDS[kind]
        for record in doc[spec.json_name]:
            names_by_id[record["id"]] = record[spec.title_field] or ""

    written = [
        write_text_atomic(
            target / CASE_CSV,
            _csv_text([f.name for f in CASE_FIELDS], [[doc["case"][f.name] for f in CASE_FIELDS]]),
            overwrite=True,
        )
    ]
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
                value = record[f.name]
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
        written.append(write_text_atomic(target / CSV_NAMES[kind], _csv_text(header, rows), overwrite=True))
    return written
