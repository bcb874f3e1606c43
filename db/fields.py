"""What each kind of record holds, derived from the record classes in ``db/models.py``.

The store (reading and writing values), JSON and CSV interchange, validation, and the app's
editors, tables and packet all work from these descriptions. They are read off the model
classes, so a field is declared once, there. Field names are the JSON names; ``column`` is
where the value lives in the table.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field

from sqlmodel import SQLModel

from . import models
from .declare import CHOICE_LABELS, FieldSpec, FieldType, Kind, LinkTable, RecordInfo, choice_label
from .models import ACTOR_KINDS, DIRECTIVE_KINDS, DIRECTIVE_STATUSES

__all__ = [
    "ACTOR_KINDS", "CASE_FIELDS", "CASE_FIELDS_BY_NAME", "CHOICE_LABELS", "DIRECTIVE_KINDS", "DIRECTIVE_STATUSES",
    "FTS_TABLE_NAMES", "JSON_ORDER", "KINDS", "FieldSpec", "FieldType", "Kind", "KindSpec", "LinkTable",
    "choice_label", "references_to",
]  # fmt: skip


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
            continue  # bookkeeping: row number, id, date sort keys, timestamps
        name = spec.name or (attribute.removesuffix("_id") if spec.type is FieldType.REF else attribute)
        out.append(dataclasses.replace(spec, name=name, column=column))
    return tuple(out)


def _kind_spec(model: type[SQLModel]) -> KindSpec:
    info = typing.cast(RecordInfo, model.__record__)  # type: ignore[attr-defined]
    return KindSpec(
        info.kind, models.table(model).name, info.label, info.plural, info.json_name, info.title_field,
        info.date_field, declared_fields(model), info.list_fields, dict(info.list_labels),
    )  # fmt: skip


KINDS: dict[Kind, KindSpec] = {spec.kind: spec for spec in map(_kind_spec, models.RECORD_CLASSES)}

FTS_TABLE_NAMES: dict[Kind, str] = {
    Kind.SOURCE: "source_fts",
    Kind.ACTOR: "actor_fts",
    Kind.STATEMENT: "statement_fts",
    Kind.DIRECTIVE: "directive_fts",
    Kind.TIMELINE: "timeline_fts",
}

# Order of the lists in a JSON document (sources first: everything cites them).
JSON_ORDER: tuple[Kind, ...] = (Kind.SOURCE, Kind.ACTOR, Kind.STATEMENT, Kind.DIRECTIVE, Kind.TIMELINE)

CASE_FIELDS: tuple[FieldSpec, ...] = declared_fields(models.CaseInfo)
CASE_FIELDS_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in CASE_FIELDS}


def references_to(kind: Kind) -> list[tuple[Kind, FieldSpec]]:
    """Every (kind, field) that can point at a record of ``kind``."""
    return [
        (spec.kind, f)
        for spec in KINDS.values()
        for f in spec.fields
        if f.target is kind and f.type in (FieldType.REF, FieldType.REFS)
    ]
