"""What each kind of record holds, derived from the record classes in ``db/models.py``.

The store (reading and writing values), JSON and CSV interchange, validation, and the app's
editors, tables and packet all work from these descriptions. They are read off the model
classes, so a field is declared once, there. Field names are the JSON names; ``column`` is
where the value lives in the table.

Reading the classes means importing SQLModel, pydantic and SQLAlchemy's ORM, which the app
does not otherwise need: about 0.2 s of start-up and 20 MB. So what is read is kept in a
small JSON file in the user's cache folder, under a digest of the declaring modules' source
(``declarations_key``); a start-up whose digest matches reads that file instead, and any
other start-up (first run, changed declarations, unreadable or damaged file) reads the
classes and writes the file again. It is derived data only: deleting it costs one slow start.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .declare import CHOICE_LABELS, FieldSpec, FieldType, Kind, LinkTable, RecordInfo, choice_label

if TYPE_CHECKING:
    from sqlmodel import SQLModel

__all__ = [
    "CASE_FIELDS", "CASE_FIELDS_BY_NAME", "CHOICE_LABELS", "FTS_TABLE_NAMES", "JSON_ORDER", "KINDS", "FieldSpec",
    "FieldType", "Kind", "KindSpec", "LinkTable", "choice_label", "references_to",
]  # fmt: skip
log = logging.getLogger("casefile.fields")


@dataclass(frozen=True)
class KindSpec:
    """One kind of record: its table, fields and how lists of it are named and ordered."""

    kind: Kind
    table: str
    label: str
    plural: str
    json_name: str
    title_field: str
    date_field: str | None
    fields: tuple[FieldSpec, ...]
    list_fields: tuple[str, ...] = ()
    list_labels: dict[str, str] = field(default_factory=dict, compare=False)
    by_name: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    @property
    def fts(self) -> str:
        """The full-text index table of this kind (see migration 1)."""
        return FTS_TABLE_NAMES[self.kind]

    def field(self, name: str) -> FieldSpec:
        """The field called ``name`` (KeyError if there is none)."""
        return self.by_name[name]

    def list_label(self, name: str) -> str:
        """The caption of the list column showing field ``name``."""
        return self.list_labels.get(name) or self.by_name[name].label


def declared_fields(model: type[SQLModel]) -> tuple[FieldSpec, ...]:
    """The fields a record class declares, in declaration order, names and columns filled in."""
    from . import models

    columns = models.table(model).columns
    out: list[FieldSpec] = []
    for attribute in model.__annotations__:
        spec: FieldSpec | None
        if attribute in columns:
            spec = columns[attribute].info.get("field")
            column: str | None = attribute
        else:
            spec = getattr(model, attribute, None)
            column = None
        if not isinstance(spec, FieldSpec):
            continue  # bookkeeping: row number, id, date sort keys, timestamps, sort names
        name = spec.name or (attribute.removesuffix("_id") if spec.type is FieldType.REF else attribute)
        out.append(dataclasses.replace(spec, name=name, column=column))
    return tuple(out)


def _kind_spec(model: type[SQLModel]) -> KindSpec:
    from . import models

    info = typing.cast(RecordInfo, model.__record__)  # type: ignore[attr-defined]
    return KindSpec(
        info.kind, models.table(model).name, info.label, info.plural, info.json_name, info.title_field,
        info.date_field, declared_fields(model), info.list_fields, dict(info.list_labels),
    )  # fmt: skip


Registry = tuple[dict[Kind, KindSpec], tuple[FieldSpec, ...]]


def read_declarations() -> Registry:
    """Every kind's description and the case's fields, read off the model classes."""
    from . import models

    kinds = {spec.kind: spec for spec in map(_kind_spec, models.RECORD_CLASSES)}
    return kinds, declared_fields(models.CaseInfo)


# ----- the start-up cache of what the declarations say -------------------------------------
_DECLARING = ("declare.py", "models.py", "fields.py")
CACHE_VERSION = 1


def declarations_key() -> str | None:
    """A digest of the source that declares the fields and reads them. A frozen build has no
    source: there the executable's name, size and time stand for it (a new build is a new
    executable). None when neither can be read (nothing is then cached)."""
    digest = hashlib.sha256(f"{CACHE_VERSION} {sys.version}".encode())
    try:
        for name in _DECLARING:
            digest.update(Path(__file__).with_name(name).read_bytes())
    except OSError:
        if not getattr(sys, "frozen", False):
            return None
        try:
            info = os.stat(sys.executable)
        except OSError:
            return None
        digest.update(f"{sys.executable} {info.st_size} {info.st_mtime_ns}".encode())
    return digest.hexdigest()


def cache_path() -> Path:
    """The cache file (in the user's cache folder, or under ``CASEFILE_HOME``)."""
    from .paths import user_cache_dir

    return user_cache_dir() / "declarations.json"


def _spec_to_json(f: FieldSpec) -> dict[str, Any]:
    out = dataclasses.asdict(f)
    out["type"] = f.type.value
    out["target"] = f.target.value if f.target else None
    out["default"] = list(f.default) if isinstance(f.default, tuple) else f.default
    return out


def _spec_from_json(data: dict[str, Any]) -> FieldSpec:
    link = data.pop("link")
    return FieldSpec(
        **{
            **data,
            "type": FieldType(data["type"]),
            "target": Kind(data["target"]) if data["target"] else None,
            "choices": tuple(data["choices"]),
            "default": tuple(data["default"]) if isinstance(data["default"], list) else data["default"],
            "link": LinkTable(**link) if link else None,
        }
    )


def _to_json(registry: Registry, key: str) -> str:
    kinds, case = registry
    return json.dumps(
        {
            "key": key,
            "kinds": [
                {
                    **{f.name: getattr(spec, f.name) for f in dataclasses.fields(spec) if f.init},
                    "kind": spec.kind.value,
                    "fields": [_spec_to_json(f) for f in spec.fields],
                    "list_fields": list(spec.list_fields),
                }
                for spec in kinds.values()
            ],
            "case": [_spec_to_json(f) for f in case],
        },
        ensure_ascii=False,
    )


def _from_json(text: str, key: str) -> Registry | None:
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    kinds: dict[Kind, KindSpec] = {}
    for item in data["kinds"]:
        spec = KindSpec(
            **{
                **item,
                "kind": Kind(item["kind"]),
                "fields": tuple(_spec_from_json(f) for f in item["fields"]),
                "list_fields": tuple(item["list_fields"]),
            }
        )
        kinds[spec.kind] = spec
    return kinds, tuple(_spec_from_json(f) for f in data["case"])


def load_declarations() -> Registry:
    """What the declarations say: from the cache when it matches them, else read and cached."""
    key = declarations_key()
    if key is not None:
        try:
            cached = _from_json(cache_path().read_text(encoding="utf-8"), key)
            if cached is not None:
                return cached
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if not isinstance(exc, FileNotFoundError):
                log.info("field declarations cache not used: %s", exc)
    registry = read_declarations()
    if key is not None:
        _write_cache(registry, key)
    return registry


def _write_cache(registry: Registry, key: str) -> None:
    try:
        target = cache_path()
        temp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        temp.write_text(_to_json(registry, key), encoding="utf-8")
        os.replace(temp, target)  # whole or not at all, also with several processes starting at once
    except OSError as exc:
        log.info("field declarations cache not written: %s", exc)


KINDS, CASE_FIELDS = load_declarations()

FTS_TABLE_NAMES: dict[Kind, str] = {
    Kind.SOURCE: "source_fts",
    Kind.ACTOR: "actor_fts",
    Kind.STATEMENT: "statement_fts",
    Kind.DIRECTIVE: "directive_fts",
    Kind.TIMELINE: "timeline_fts",
}

# Order of the lists in a JSON document (sources first: everything cites them).
JSON_ORDER: tuple[Kind, ...] = (Kind.SOURCE, Kind.ACTOR, Kind.STATEMENT, Kind.DIRECTIVE, Kind.TIMELINE)

CASE_FIELDS_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in CASE_FIELDS}


def references_to(kind: Kind) -> list[tuple[Kind, FieldSpec]]:
    """Every (kind, field) that can point at a record of ``kind``."""
    return [
        (spec.kind, f)
        for spec in KINDS.values()
        for f in spec.fields
        if f.target is kind and f.type in (FieldType.REF, FieldType.REFS)
    ]
