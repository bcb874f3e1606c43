"""The words a record declaration is written in: kinds, field types, and what a field says.

A record type is one SQLModel class (``db/models.py``); each of its fields is declared there
with one of the helpers below (``text``, ``date``, ``ref``, ...), which put a ``FieldSpec``
into the column's ``info``. ``db/fields.py`` reads the classes and gives every other module
the derived descriptions, so a field is declared in exactly one place.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fields import KindSpec


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
        from .fields import KINDS

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


CHOICE_LABELS: dict[str, str] = {
    "person": "Person", "company": "Company", "government": "Government",
    "organization": "Organization", "other": "Other",
    "executive_order": "Executive order", "export_control": "Export control", "agreement": "Agreement",
    "regulation": "Regulation", "legislation": "Legislation", "guidance": "Guidance",
    "proposed": "Proposed", "in_force": "In force", "suspended": "Suspended",
    "rescinded": "Rescinded", "expired": "Expired",
}  # fmt: skip


def choice_label(value: str | None) -> str:
    """Display text of a kind or status value ("in_force" -> "In force")."""
    if value is None:
        return ""
    return CHOICE_LABELS.get(value, value.replace("_", " ").capitalize())


@dataclass(frozen=True)
class LinkTable:
    """A many-to-many link table: owner id column, target id column, ``position`` for order."""

    table: str
    owner_column: str
    target_column: str


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record, as its declaration gives it.

    ``name`` is the field's name in JSON, CSV and the API; ``column`` where its value lives
    in the record's table (None for a list kept in a link table).
    """

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
    # The JSON format version that added the field (a document of an older version may not
    # carry it; an export that holds a value of it is written as this version at least).
    since: int = 1
    # How the app shows it: the list column's width in average characters, the text beside
    # a yes/no box, an example shown in an empty editor, and whether a record created in
    # passing (from a reference picker) asks for it; ``lines`` is the height of a text box.
    width: int = 18
    lines: int = 4
    check_text: str | None = None
    placeholder: str = ""
    quick: bool = False

    @property
    def key_column(self) -> str | None:
        """The sort-key column of a date field."""
        return f"{self.column}_key" if self.type is FieldType.DATE and self.column else None

    @property
    def is_list(self) -> bool:
        """True for fields whose value is a list."""
        return self.type in (FieldType.REFS, FieldType.TAGS, FieldType.LINES)


@dataclass(frozen=True)
class RecordInfo:
    """What a record class says about its kind as a whole."""

    kind: Kind
    label: str
    plural: str
    json_name: str
    title_field: str
    date_field: str | None
    # The fields a list of this kind shows, in column order, and column captions that differ
    # from the field's label.
    list_fields: tuple[str, ...] = ()
    list_labels: dict[str, str] = field(default_factory=dict)


# ----- the declaration helpers ---------------------------------------------------------------
# Each returns what SQLModel's ``Field`` returns, so a declaration reads
# ``title: str = text("Title", required=True)``. Names are filled in from the attribute.


def _column(spec: FieldSpec, default: Any = ..., **column: Any) -> Any:
    from sqlmodel import Field  # only the declarations need SQLModel (see db/fields.py)

    return Field(default, sa_column_kwargs={"info": {"field": spec}}, **column)


def text(
    label: str, *, required: bool = False, width: int = 18, quick: bool = False, placeholder: str = "", since: int = 1
) -> Any:
    """One line of text."""
    spec = FieldSpec("", label, FieldType.TEXT, required=required, width=width, quick=quick,
                     placeholder=placeholder, since=since)  # fmt: skip
    return _column(spec, ... if required else None)


def long_text(
    label: str, *, required: bool = False, width: int = 18, quick: bool = False, lines: int = 4, since: int = 1
) -> Any:
    """Paragraphs of text."""
    spec = FieldSpec("", label, FieldType.LONG_TEXT, required=required, width=width, quick=quick, lines=lines,
                     since=since)  # fmt: skip
    return _column(spec, ... if required else None)


def date(label: str, *, required: bool = False, width: int = 18, quick: bool = False) -> Any:
    """A partial date (its sort key is the plain column ``<name>_key`` beside it)."""
    spec = FieldSpec("", label, FieldType.DATE, required=required, width=width, quick=quick)
    return _column(spec, ... if required else None)


def choice(label: str, choices: tuple[str, ...], *, default: str | None, width: int = 14, quick: bool = False) -> Any:
    """One of ``choices``; ``default=None`` lets it be left unset ("not known")."""
    spec = FieldSpec("", label, FieldType.CHOICE, choices=choices, default=default, nullable_choice=default is None,
                     width=width, quick=quick)  # fmt: skip
    return _column(spec, default)


def flag(label: str, *, check_text: str | None = None, name: str = "", width: int = 8) -> Any:
    """Yes or no; ``name`` when the JSON name differs from the column's."""
    spec = FieldSpec(name, label, FieldType.BOOL, default=False, check_text=check_text, width=width)
    return _column(spec, False)


def ref(label: str, target: Kind, *, width: int = 20) -> Any:
    """The id of one record of ``target``; the column is ``<name>_id``."""
    spec = FieldSpec("", label, FieldType.REF, target=target, width=width)
    return _column(spec, None, foreign_key=f"{target.value}.id")  # no reference names a timeline entry


def tags() -> Any:
    """The record's tags (a JSON array of strings)."""
    return _column(FieldSpec("", "Tags", FieldType.TAGS, default=()), "[]")


def lines(label: str) -> Any:
    """A list of lines (a JSON array of strings)."""
    return _column(FieldSpec("", label, FieldType.LINES, default=()), "[]")


def refs(label: str, target: Kind, link: LinkTable, *, width: int = 20) -> FieldSpec:
    """An ordered list of ids of ``target`` records, kept in ``link``.

    Declared as a class variable of the record (it has no column of its own):
    ``parties: ClassVar[FieldSpec] = refs("Parties", Kind.ACTOR, LinkTable(...))``.
    """
    return FieldSpec("", label, FieldType.REFS, target=target, link=link, default=(), width=width)
