"""Reading a CSV file as a spreadsheet saved it: its encoding, separator, header and rows.

A file is UTF-8 (with or without a byte-order mark) or, when it is not valid UTF-8,
Windows-1252, the code page Excel writes "CSV" in by default. UTF-8 is tried strictly first:
Windows-1252 decodes nearly any bytes, so only that order tells the two apart safely. The
separator is a comma, or the semicolon or tab a European Excel writes, read off the header row.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CaseFileError


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as read: its header and its data rows (each padded to the header's width)."""

    name: str
    encoding: str
    header: list[str]
    rows: list[list[str]]
    # Rows with more cells than the header names: (row number, cells).
    overlong: dict[int, int] = field(default_factory=dict)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in (see the module docstring)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError as exc:
            raise CaseFileError(f"The file says it is UTF-8 but is not (byte {exc.start + 3}).") from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise CaseFileError(f"The file is neither UTF-8 nor Windows-1252 text (byte {exc.start}).") from None


def _separator(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def parse_table(text: str, name: str = "", encoding: str = "UTF-8") -> CsvTable:
    """A table from CSV text; CaseFileError if it has no header row."""
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise CaseFileError(f"{name or 'The file'} is empty: a header row naming the columns is needed.") from None
    except csv.Error as exc:
        raise CaseFileError(f"{name or 'The file'} is not CSV: {exc}.") from None
    rows: list[list[str]] = []
    overlong: dict[int, int] = {}
    width = len(header)
    try:
        for number, cells in enumerate(reader, start=2):
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                overlong[number] = len(cells)
            rows.append((cells + [""] * width)[:width])
    except csv.Error as exc:
        raise CaseFileError(f"{name or 'The file'} is not CSV after row {len(rows) + 1}: {exc}.") from None
    return CsvTable(name, encoding, header, rows, overlong)


def read_csv(path: str | os.PathLike[str]) -> CsvTable:
    """Read a CSV file; CaseFileError saying why if it cannot be read."""
    p = Path(path)
    try:
        if p.exists() and not p.is_dir() and not p.is_file():
            raise CaseFileError(f"{p.name} is not a file but a special file (a named pipe, socket or device).")
        data = p.read_bytes()
    except FileNotFoundError:
        raise CaseFileError(f"There is no file at {p}.") from None
    except IsADirectoryError:
        raise CaseFileError(f"{p.name} is a folder, not a CSV file.") from None
    except OSError as exc:
        raise CaseFileError(f"{p.name} could not be read: {exc.strerror or exc}.") from None
    text, encoding = decode(data)
    return parse_table(text, p.name, encoding)
