"""What each kind of record holds: one description of every field, used everywhere.

The store (reading and writing values), JSON and CSV interchange, and the app's editors
and tables all work from these descriptions, so a field is declared once. Field names are
the JSON format-1 names; ``column`` is where the value lives in the table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Kind(enum.StrEnum):
    """The kinds of record a case file holds."""

    SOURCE = "source"
    ACTOR = "actor"
    STATEMENT = "statement"
    DIRECTIVE = "directive"
    TIMELINE = "timeline"

    @property
    def spec(self) -> KindSpec:
        """The description of this kind."""
        return KINDS[self]


class FieldType(enum.Enum):
    """How a field's value is typed, stored and edited."""

    TEXT = "text"  # one line of text
    LONG_TEXT = "long_text"  # paragraphs
    DATE = "date"  # PartialDate; column holds ISO text, ``<column>_key`` the sort key
    BOOL = "bool"
    CHOICE = "choice"  # one of ``choices``
    REF = "ref"  # id of one record of ``target``
    REFS = "refs"  # ordered ids of records of ``target`` through a link table
    TAGS = "tags"  # list of strings, stored as a JSON array
    LINES = "lines"  # list of strings (one per provision), stored as a JSON array


ACTOR_KINDS = ("person", "company", "government", "organization", "other")
DIRECTIVE_KINDS = (
    "executive_order", "export_control", "agreement", "regulation", "legislation", "guidance", "other",
)  # fmt: skip
DIRECTIVE_STATUSES = ("proposed", "in_force", "suspended", "rescinded", "expired")

CHOICE_LABELS: dict[str, str] = {
    "person": "Person", "company": "Company", "government": "Government",
    "organization": "Organization", "other": "Other",
    "executive_order": "Executive order", "export_control": "Export control", "agreement": "Agreement",
    "regulation": "Regulation", "legislation": "Legislation", "guidance": "Guidance",
    "proposed": "Proposed", "in_force": "In force", "suspended": "Suspended",
    "rescinded": "Rescinded", "expired": "Expired",
}  # fmt: skip


@dataclass(frozen=True)
class LinkTable:
    """A many-to-many link table: owner id column, target id column, ``position`` for order."""

    table: str
    owner_column: str
    target_column: str


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record."""

    name: str
    label: str
    type: FieldType
    column: str | None = None
    required: bool = False
    choices: tuple[str, ...] = ()
    default: object = None
    target: Kind | None = None
    link: LinkTable | None = None
    # Choice fields that may be left unset (directive status: "not known").
    nullable_choice: bool = False

    @property
    def key_column(self) -> str | None:
        """The sort-key column of a date field."""
        return f"{self.column}_key" if self.type is FieldType.DATE and self.column else None

    @property
    def is_list(self) -> bool:
        """True for fields whose value is a list."""
        return self.type in (FieldType.REFS, FieldType.TAGS, FieldType.LINES)


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


def _text(name: str, label: str, column: str | None = None, *, required: bool = False) -> FieldSpec:
    return FieldSpec(name, label, FieldType.TEXT, column or name, required=required)


def _long(name: str, label: str, column: str | None = None, *, required: bool = False) -> FieldSpec:
    return FieldSpec(name, label, FieldType.LONG_TEXT, column or name, required=required)


def _date(name: str, label: str, *, required: bool = False) -> FieldSpec:
    return FieldSpec(name, label, FieldType.DATE, name, required=required)


def _ref(name: str, label: str, target: Kind) -> FieldSpec:
    return FieldSpec(name, label, FieldType.REF, f"{name}_id", target=target)


def _tags() -> FieldSpec:
    return FieldSpec("tags", "Tags", FieldType.TAGS, "tags", default=())


KINDS: dict[Kind, KindSpec] = {
    Kind.SOURCE: KindSpec(
        Kind.SOURCE, "source", "Source", "Sources", "sources", "title", "published",
        (
            _text("title", "Title", required=True),
            _text("publisher", "Publisher"),
            _text("author", "Author"),
            _text("url", "URL"),
            _date("published", "Published"),
            _date("accessed", "Accessed"),
            _long("notes", "Notes"),
        ),
    ),
    Kind.ACTOR: KindSpec(
        Kind.ACTOR, "actor", "Actor", "Actors", "actors", "name", None,
        (
            _text("name", "Name", required=True),
            FieldSpec("kind", "Kind", FieldType.CHOICE, "kind", choices=ACTOR_KINDS, default="other"),
            _text("role", "Role or title"),
            _ref("affiliation", "Affiliation", Kind.ACTOR),
            _long("description", "Description"),
            _tags(),
        ),
    ),
    Kind.STATEMENT: KindSpec(
        Kind.STATEMENT, "statement", "Statement", "Statements", "statements", "text", "date",
        (
            _ref("speaker", "Speaker", Kind.ACTOR),
            _long("text", "Text", required=True),
            _date("date", "Date"),
            _text("venue", "Venue"),
            FieldSpec("verbatim", "Verbatim", FieldType.BOOL, "verbatim", default=False),
            _ref("source", "Source", Kind.SOURCE),
            _long("notes", "Context notes"),
            _tags(),
        ),
    ),
    Kind.DIRECTIVE: KindSpec(
        Kind.DIRECTIVE, "directive", "Directive", "Directives", "directives", "title", "issued",
        (
            _text("identifier", "Identifier"),
            _text("title", "Title", required=True),
            FieldSpec("kind", "Kind", FieldType.CHOICE, "kind", choices=DIRECTIVE_KINDS, default="other"),
            _ref("issuer", "Issuer", Kind.ACTOR),
            _date("issued", "Issued"),
            _date("effective", "Effective"),
            FieldSpec("status", "Status", FieldType.CHOICE, "status", choices=DIRECTIVE_STATUSES,
                      nullable_choice=True),
            _long("summary", "Summary"),
            FieldSpec("provisions", "Key provisions", FieldType.LINES, "provisions", default=()),
            FieldSpec("parties", "Parties", FieldType.REFS, target=Kind.ACTOR, default=(),
                      link=LinkTable("directive_party", "directive_id", "actor_id")),
            _ref("source", "Source", Kind.SOURCE),
            _tags(),
        ),
    ),
    Kind.TIMELINE: KindSpec(
        Kind.TIMELINE, "timeline_entry", "Timeline entry", "Timeline", "timeline", "title", "date",
        (
            _date("date", "Date", required=True),
            _text("title", "Title", required=True),
            _long("description", "Description"),
            FieldSpec("actors", "Actors", FieldType.REFS, target=Kind.ACTOR, default=(),
                      link=LinkTable("timeline_actor", "entry_id", "actor_id")),
            _ref("directive", "Directive", Kind.DIRECTIVE),
            _ref("statement", "Statement", Kind.STATEMENT),
            FieldSpec("key", "Key event", FieldType.BOOL, "key_event", default=False),
            _ref("source", "Source", Kind.SOURCE),
            _tags(),
        ),
    ),
}  # fmt: skip

FTS_TABLE_NAMES: dict[Kind, str] = {
    Kind.SOURCE: "source_fts",
    Kind.ACTOR: "actor_fts",
    Kind.STATEMENT: "statement_fts",
    Kind.DIRECTIVE: "directive_fts",
    Kind.TIMELINE: "timeline_fts",
}

# Order of the lists in a JSON document (sources first: everything cites them).
JSON_ORDER: tuple[Kind, ...] = (Kind.SOURCE, Kind.ACTOR, Kind.STATEMENT, Kind.DIRECTIVE, Kind.TIMELINE)

CASE_FIELDS: tuple[FieldSpec, ...] = (
    _text("title", "Title", required=True),
    _text("subtitle", "Subtitle"),
    _long("summary", "Summary"),
    _text("marking", "Handling marking"),
    _text("prepared_by", "Prepared by"),
    _date("as_of", "As of"),
)
CASE_FIELDS_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in CASE_FIELDS}


def choice_label(value: str | None) -> str:
    """Display text of a kind or status value ("in_force" -> "In force")."""
    if value is None:
        return ""
    return CHOICE_LABELS.get(value, value.replace("_", " ").capitalize())


def references_to(kind: Kind) -> list[tuple[Kind, FieldSpec]]:
    """Every (kind, field) that can point at a record of ``kind``."""
    return [
        (spec.kind, f)
        for spec in KINDS.values()
        for f in spec.fields
        if f.target is kind and f.type in (FieldType.REF, FieldType.REFS)
    ]
