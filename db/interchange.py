"""JSON interchange (see docs/json-format.md): export, and import into a new file.

Export is deterministic (stable record order, fixed key order, no timestamps), so export,
import, export gives byte-identical JSON. Import checks the whole document first
(``document_check``) and reports every problem with its JSON path; only a document with
none is written, into a new case file that appears when complete.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, RowMapping

from .day_order import DAY_ORDERED, ORDER_SINCE, arrange, day_of
from .document_check import FORMAT, MAX_ERRORS, VERSION, Plan, check_document, error_line
from .errors import CaseFileError, InterchangeError
from .fields import CASE_FIELDS, JSON_ORDER, KINDS, FieldType, Kind
from .queries import MISSING
from .sqlite.bulk import bulk_load, insert_rows
from .sqlite.migrations.m0005_sort_names import LISTED_NAMES, NAMES
from .sqlite.newfile import create_file
from .store import CaseStore
from .tempfiles import clean_stale_temp_files, create_temp_beside
from .values import decode_list

# ----- export -----------------------------------------------------------------------------


def export_document(cf: CaseStore, *, editions: bool = True) -> dict[str, Any]:
    """The whole case file as a Casefile JSON document (plain dicts and lists); ``editions=False``
    leaves out the briefing options and editions (what a packet prints)."""
    from .editions_json import SINCE, export_part

    with cf.read() as conn:
        case_row = conn.execute(sa.text("SELECT * FROM case_info WHERE n = 1")).mappings().one()
        case = {f.name: case_row[f.column] for f in CASE_FIELDS if f.column}
        doc: dict[str, Any] = {"format": FORMAT, "version": VERSION, "case": case}
        for kind in JSON_ORDER:
            doc[KINDS[kind].json_name] = _export_kind(conn, kind)
        briefing = export_part(conn) if editions else None
    _drop_dangling_references(doc)
    _write_as_oldest_version(doc)
    _write_day_order(doc)
    if briefing is not None:
        doc["briefing"] = briefing
        doc["version"] = max(doc["version"], SINCE)
    return doc


def _write_as_oldest_version(doc: dict[str, Any]) -> None:
    """Mark the document with the oldest format version that holds everything in it, and leave
    out the fields newer than that: a case that uses nothing new still reads in an older Casefile."""
    newer = [(kind, f) for kind in JSON_ORDER for f in KINDS[kind].fields if f.since > 1]
    used = [f.since for kind, f in newer if any(r.get(f.name) for r in doc[KINDS[kind].json_name])]
    newer_case = [f for f in CASE_FIELDS if f.since > 1]
    used += [f.since for f in newer_case if doc["case"].get(f.name)]
    version = max(used, default=1)
    doc["version"] = version
    for f in newer_case:
        if f.since > version:
            doc["case"].pop(f.name, None)
    for kind, f in newer:
        if f.since > version:
            for record in doc[KINDS[kind].json_name]:
                record.pop(f.name, None)


def _write_day_order(doc: dict[str, Any]) -> None:
    """Give statements and timeline entries their place within their day (``order``) when date,
    time and the order of the list would not say it: when an entry known only to its day is
    listed after a timed one of that day. Otherwise the document stays readable by an older
    Casefile, which lists a day's records in date and time order, then as listed."""
    lists = [doc[KINDS[kind].json_name] for kind in JSON_ORDER if kind in DAY_ORDERED]
    keys = [[_date_key(r.pop("_key", None)) for r in records] for records in lists]
    needed = any(
        day_of(a) == day_of(b) and a is not None and b is not None and b < a
        for record_keys in keys
        for a, b in pairwise(record_keys)
    )
    if not needed:
        return
    doc["version"] = max(doc["version"], ORDER_SINCE)
    for records, record_keys in zip(lists, keys, strict=True):
        counts: dict[str | None, int] = defaultdict(int)
        for i, (record, key) in enumerate(zip(records, record_keys, strict=True)):
            counts[day_of(key)] += 1
            placed: dict[str, Any] = {}
            for name, value in record.items():
                placed[name] = value
                if name == "date":
                    placed["order"] = counts[day_of(key)]
            records[i] = placed


def _date_key(key: object) -> str | None:
    return str(key) if key else None


def _drop_dangling_references(doc: dict[str, Any]) -> None:
    """A reference to a record the file does not hold (only a damaged or hand-edited file has one:
    foreign keys keep them out otherwise) is left out, so the document always imports again."""
    ids = {kind: {r["id"] for r in doc[KINDS[kind].json_name]} for kind in JSON_ORDER}
    for kind in JSON_ORDER:
        spec = KINDS[kind]
        refs = [f for f in spec.fields if f.target is not None]
        for record in doc[spec.json_name]:
            for f in refs:
                assert f.target is not None
                value = record.get(f.name)
                if f.type is FieldType.REFS:
                    record[f.name] = [v for v in value or [] if v in ids[f.target]]
                elif value is not None and value not in ids[f.target]:
                    record[f.name] = None


def _export_kind(conn: Connection, kind: Kind) -> list[dict[str, Any]]:
    spec = KINDS[kind]
    links: dict[str, dict[str, list[str]]] = {}
    for f in spec.fields:
        if f.link is not None:
            grouped: dict[str, list[str]] = defaultdict(list)
            sql = (
                f"SELECT {f.link.owner_column}, {f.link.target_column} FROM {f.link.table} "
                f"ORDER BY {f.link.owner_column}, position"
            )
            for owner, target in conn.execute(sa.text(sql)):
                grouped[owner].append(target)
            links[f.name] = grouped
    rows = conn.execute(sa.text(f"SELECT * FROM {spec.table}")).mappings().all()
    records: list[tuple[tuple[str | int, ...], dict[str, Any]]] = []
    for row in rows:
        record: dict[str, Any] = {"id": row["id"]}
        for f in spec.fields:
            column = f.column or ""
            if f.type is FieldType.REFS:
                record[f.name] = links[f.name].get(row["id"], [])
            elif f.type is FieldType.BOOL:
                record[f.name] = bool(row[column])
            elif f.type in (FieldType.TAGS, FieldType.LINES):
                record[f.name] = decode_list(row[column])
            else:
                record[f.name] = row[column]
        if kind in DAY_ORDERED:
            record["_key"] = row[spec.field(spec.date_field or "").key_column or ""]
        records.append((_export_order(spec.kind, row), record))
    records.sort(key=lambda item: item[0])
    return [record for _key, record in records]


def _export_order(kind: Kind, row: RowMapping) -> tuple[str | int, ...]:
    spec = KINDS[kind]
    title = row[spec.field(spec.title_field).column or ""] or ""
    if kind in DAY_ORDERED:  # as the app lists them: by day, then the user's order within it
        key = row[spec.field(spec.date_field or "").key_column or ""] or ""
        return (day_of(key) or "", row["day_order"], key, title, row["id"])
    if spec.date_field and kind is not Kind.SOURCE:  # sources by title (docs/json-format.md)
        key_column = spec.field(spec.date_field).key_column or ""
        return (row[key_column] or "", title, row["id"])
    return (title.casefold(), title, row["id"])


def dumps(doc: dict[str, Any]) -> str:
    """The canonical text of a document: UTF-8 JSON, two-space indent, final newline."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def write_text_atomic(
    path: str | os.PathLike[str], text: str, *, overwrite: bool = False, encoding: str = "utf-8"
) -> Path:
    """Write a text file via a temporary file in the same folder, renamed into place when complete.

    The file gets the user's normal permissions (``0o666`` less the umask), like any saved file,
    and temporary files that killed runs left in the folder are removed first.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise CaseFileError(f"{target.name} already exists.")
    if target.is_dir():
        raise CaseFileError(f"{target.name} is a folder.")
    clean_stale_temp_files(target.parent)
    tmp: Path | None = None
    try:
        fd, tmp = create_temp_beside(target)
        with open(fd, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise CaseFileError(f"{target.name} could not be written: {exc.strerror or exc}.") from None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    return target


def export_json(cf: CaseStore, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write the case as Casefile JSON to ``path``."""
    return write_text_atomic(path, dumps(export_document(cf)), overwrite=overwrite)


# ----- import: reading and checking -------------------------------------------------------


def load_json(path: str | os.PathLike[str]) -> Any:
    """Parse a JSON file; InterchangeError with the line and column if it is not JSON."""
    p = Path(path)
    try:
        if p.exists() and not p.is_dir() and not p.is_file():  # a named pipe would make the read wait forever
            raise CaseFileError(f"{p.name} is not a file but a special file (a named pipe, socket or device).")
        data = p.read_bytes()
    except FileNotFoundError:
        raise CaseFileError(f"There is no file at {p}.") from None
    except IsADirectoryError:
        raise CaseFileError(f"{p.name} is a folder, not a JSON file.") from None
    except OSError as exc:
        raise CaseFileError(f"{p.name} could not be read: {exc.strerror or exc}.") from None
    return loads(data)


def loads(data: bytes | str) -> Any:
    """Parse JSON text; InterchangeError naming the line and column of the first problem, or the
    path of every object that gives a key twice (JSON readers differ on which one they keep)."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise InterchangeError([f"$: the file is not UTF-8 text (byte {exc.start})"]) from None
    try:
        try:
            return json.loads(text, object_pairs_hook=_unique_keys, parse_int=_parse_int)
        except _DuplicateKey:
            # Rare: parse again keeping every object, to name each place a key repeats.
            keyed = json.loads(text, object_pairs_hook=_KeyedObject, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise InterchangeError([f"$: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]) from None
    except RecursionError:
        raise InterchangeError(["$: not valid JSON: nested too deeply"]) from None
    raise InterchangeError(_duplicate_key_errors(keyed))


class _DuplicateKey(Exception):
    """An object in the document gives the same key twice."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _DuplicateKey
    return obj


def _parse_int(text: str) -> int | float:
    # Python turns at most 4300 digits into an int (more is a ValueError, not a JSON error). A
    # longer number is kept as a float (infinity), which every field refuses, naming its path.
    return int(text) if len(text) <= 4000 else float(text)


class _KeyedObject(dict[str, Any]):
    """A JSON object as parsed, with how often each repeated key was given."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs  # every value, also those a repeated key overwrote
        self.repeated: dict[str, int] = {}
        if len(self) != len(pairs):
            counts: dict[str, int] = {}
            for key, _value in pairs:
                counts[key] = counts.get(key, 0) + 1
            self.repeated = {key: n for key, n in counts.items() if n > 1}


_Step = tuple["_Step | None", "str | int"]  # (parent, key or index): a path, built only for an error


def _path(step: _Step | None) -> str:
    parts: list[str] = []
    while step is not None:
        step, part = step
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(reversed(parts)).removeprefix(".") or "$"


def _duplicate_key_errors(doc: Any) -> list[str]:
    """``path: the key "x" appears twice`` for each repeated key, in document order."""
    errors: list[str] = []
    stack: list[tuple[Any, _Step | None]] = [(doc, None)]  # no recursion: documents may nest deeply
    while stack and len(errors) < MAX_ERRORS:
        value, at = stack.pop()
        if isinstance(value, _KeyedObject):
            for key, n in value.repeated.items():
                times = "twice" if n == 2 else f"{n} times"
                errors.append(error_line(f'{_path(at)}: the key "{key}" appears {times}'))
            children: list[tuple[Any, _Step]] = [(v, (at, k)) for k, v in value.pairs if isinstance(v, dict | list)]
        else:
            children = [(v, (at, i)) for i, v in enumerate(value) if isinstance(v, dict | list)]
        stack.extend(reversed(children))
    return errors[:MAX_ERRORS]


# ----- import: writing --------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSummary:
    """How many records of each kind a new case file received."""

    path: Path
    counts: dict[Kind, int]


def import_document(
    doc: Any,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Check ``doc`` and write it into a new case file at ``path`` (all or nothing)."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise CaseFileError(f"{target.name} already exists.")
    plan = check_document(doc)
    create_file(target, lambda conn: write_plan(conn, plan, progress), overwrite=overwrite)
    return ImportSummary(target, {kind: len(plan.rows[kind]) for kind in JSON_ORDER})


def import_json(
    source: str | os.PathLike[str], path: str | os.PathLike[str], *, overwrite: bool = False
) -> ImportSummary:
    """Read a Casefile JSON file and write it into a new case file at ``path``."""
    return import_document(load_json(source), path, overwrite=overwrite)


def write_plan(
    conn: Connection,
    plan: Plan,
    progress: Callable[[int, int], None] | None,
    *,
    bulk: Callable[[Connection], AbstractContextManager[None]] = bulk_load,
    insert: Callable[[Connection, str, Sequence[str], Sequence[Sequence[Any]]], None] = insert_rows,
) -> None:
    """Write a checked document into a new, empty case; ``bulk`` and ``insert`` are the store's
    (a case file's by default)."""
    from .records import insert_case_row

    total = sum(len(rows) for rows in plan.rows.values()) + sum(len(v) for v in plan.links.values())
    done = 0
    with bulk(conn):
        title = plan.case.pop("title")
        insert_case_row(conn, title=title, values=plan.case)
        _arrange_days(plan)
        _add_sort_names(plan)
        order: list[tuple[str, list[tuple[Any, ...]], list[str]]] = []
        for kind in JSON_ORDER:
            order.append((KINDS[kind].table, plan.rows[kind], plan.columns[kind]))
        order.append(("directive_party", plan.links["directive_party"], ["directive_id", "actor_id", "position"]))
        order.append(("timeline_actor", plan.links["timeline_actor"], ["entry_id", "actor_id", "position"]))
        for table, rows, columns in order:
            for start in range(0, len(rows), 5000):
                insert(conn, table, columns, rows[start : start + 5000])
                done += len(rows[start : start + 5000])
                if progress:
                    progress(done, total)
        if plan.briefing is not None:
            from .editions_json import write_part

            write_part(conn, plan.briefing)


def _arrange_days(plan: Plan) -> None:
    """Number each day's statements and timeline entries as the document orders them (its
    ``order``, else date and time, then the order of the list; see ``db/day_order.py``)."""
    for kind in JSON_ORDER:
        if kind not in DAY_ORDERED:
            continue
        columns, rows = plan.columns[kind], plan.rows[kind]
        at_key, at_order = columns.index(KINDS[kind].field(KINDS[kind].date_field or "").key_column or ""), -1
        assert columns[at_order] == "day_order"
        positions = arrange([row[at_key] for row in rows], [row[at_order] for row in rows])
        plan.rows[kind] = [(*row[:at_order], position) for row, position in zip(rows, positions, strict=True)]


def _add_sort_names(plan: Plan) -> None:
    """Put the stored sort names into the planned rows, as the triggers would have (the name a
    list column shows, see migration 5). Written with each row: filling them in afterwards
    would rewrite, and split, nearly every page of the freshly written tables."""
    kind_of = {KINDS[kind].table: kind for kind in JSON_ORDER}

    def names(table: str, column: str) -> dict[str, str]:
        kind = kind_of[table]
        at_id, at_name = plan.columns[kind].index("id"), plan.columns[kind].index(column)
        return {row[at_id]: row[at_name] for row in plan.rows[kind]}

    added: dict[Kind, list[tuple[str, list[str | None]]]] = defaultdict(list)
    for table, ref, sort, target, name, _index in NAMES:
        kind = kind_of[table]
        named, at = names(target, name), plan.columns[kind].index(ref)
        values = [None if row[at] is None else named.get(row[at], MISSING) for row in plan.rows[kind]]
        added[kind].append((sort, values))
    actors = names("actor", "name")
    for table, sort, link, _owner, _index in LISTED_NAMES:
        kind = kind_of[table]
        linked: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for owner_id, actor_id, position in plan.links[link]:
            linked[owner_id].append((position, actors.get(actor_id, MISSING)))
        at = plan.columns[kind].index("id")
        values = [
            "; ".join(n for _p, n in sorted(linked[row[at]])) if row[at] in linked else None for row in plan.rows[kind]
        ]
        added[kind].append((sort, values))
    for kind, columns in added.items():
        plan.columns[kind] = [*plan.columns[kind], *(sort for sort, _values in columns)]
        plan.rows[kind] = [
            (*row, *extra) for row, *extra in zip(plan.rows[kind], *(values for _s, values in columns), strict=True)
        ]
