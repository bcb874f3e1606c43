"""The records of a case file, declared once: one SQLModel class per record type.

Each class is the only declaration of its record's fields: name, type, label, whether it is
required, its choices, how the app lists and edits it (see ``db/declare.py``). The JSON and
CSV formats, validation, the store's reads and writes, the app's tables and editors and the
packet's labels are all derived from these classes through ``db/fields.py``.

The schema itself is created by the numbered migrations (``db/sqlite/migrations``), whose SQL is
frozen once released; a test keeps these classes and the migrated schema in step. Every
record has an integer row number ``n`` (stable, used for paging and the full-text index)
and a UUID ``id`` (what references, the API and JSON use). Columns declared without a field
helper (``n``, ``id``, date sort keys, timestamps) are bookkeeping, not fields.
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import Table
from sqlmodel import Field, SQLModel

from . import declare as d
from .declare import FieldSpec, Kind, LinkTable, RecordInfo

ACTOR_KINDS = ("person", "company", "government", "organization", "other")
DIRECTIVE_KINDS = (
    "executive_order", "export_control", "agreement", "regulation", "legislation", "guidance", "other",
)  # fmt: skip
DIRECTIVE_STATUSES = ("proposed", "in_force", "suspended", "rescinded", "expired")
LOCATOR_EXAMPLE = "e.g. p. 4 · ¶ 12 · slide 7 · at 14:05"


class CaseInfo(SQLModel, table=True):
    """The single row describing the case itself."""

    __tablename__ = "case_info"
    n: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    title: str = d.text("Title", required=True)
    subtitle: str | None = d.text("Subtitle")
    summary: str | None = d.long_text("Summary", lines=9)
    # Three to five points, one per line; the cover prints them as a bulleted box.
    bottom_line: str | None = d.long_text("Bottom line", lines=5, since=4)
    marking: str | None = d.text("Handling marking")
    prepared_by: str | None = d.text("Prepared by")
    as_of: str | None = d.date("As of")
    as_of_key: str | None = None
    briefing_options: str | None = None
    last_edition: int | None = None  # the highest edition number given (see Edition)
    created_at: str
    updated_at: str


class Source(SQLModel, table=True):
    """A document the case relies on; statements, directives and entries cite it."""

    __tablename__ = "source"
    __record__: ClassVar[RecordInfo] = RecordInfo(
        Kind.SOURCE, "Source", "Sources", "sources", "title", "published",
        list_fields=("title", "publisher", "author", "published", "url"),
    )  # fmt: skip
    n: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    title: str = d.text("Title", required=True, width=40, quick=True)
    publisher: str | None = d.text("Publisher", quick=True)
    author: str | None = d.text("Author")
    url: str | None = d.text("URL", quick=True)
    published: str | None = d.date("Published")
    published_key: str | None = None
    accessed: str | None = d.date("Accessed")
    accessed_key: str | None = None
    notes: str | None = d.long_text("Notes")
    created_at: str
    updated_at: str


class Actor(SQLModel, table=True):
    """A person, company, government body or organisation."""

    __tablename__ = "actor"
    __record__: ClassVar[RecordInfo] = RecordInfo(
        Kind.ACTOR, "Actor", "Actors", "actors", "name", None,
        list_fields=("name", "kind", "role", "affiliation", "tags"),
    )  # fmt: skip
    n: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    name: str = d.text("Name", required=True, width=26, quick=True)
    kind: str = d.choice("Kind", ACTOR_KINDS, default="other", quick=True)
    role: str | None = d.text("Role or title", quick=True)
    affiliation_id: str | None = d.ref("Affiliation", Kind.ACTOR)
    description: str | None = d.long_text("Description")
    tags: str = d.tags()
    created_at: str
    updated_at: str
    affiliation_sort: str | None = None  # derived: the linked name shown, kept by triggers for sorting


class Statement(SQLModel, table=True):
    """Words an actor said or wrote, verbatim or paraphrased."""

    __tablename__ = "statement"
    __record__: ClassVar[RecordInfo] = RecordInfo(
        Kind.STATEMENT, "Statement", "Statements", "statements", "text", "date",
        list_fields=("date", "speaker", "text", "venue", "verbatim", "source"),
    )  # fmt: skip
    n: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    speaker_id: str | None = d.ref("Speaker", Kind.ACTOR)
    text: str = d.long_text("Text", required=True, width=44, quick=True, lines=6)
    date: str | None = d.date("Date", width=20)
    date_key: str | None = None
    venue: str | None = d.text("Venue")
    verbatim: bool = d.flag("Verbatim", check_text="Verbatim (the exact words)", width=11)
    source_id: str | None = d.ref("Source", Kind.SOURCE)
    locator: str | None = d.text("Pinpoint", width=10, placeholder=LOCATOR_EXAMPLE, since=2)
    notes: str | None = d.long_text("Context notes")
    tags: str = d.tags()
    created_at: str
    updated_at: str
    speaker_sort: str | None = None  # derived: the linked name shown, kept by triggers for sorting
    source_sort: str | None = None  # derived: the linked name shown, kept by triggers for sorting
    # the place within its day the user gave it (db/day_order.py); 0 until placed, in every engine
    day_order: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class DirectiveParty(SQLModel, table=True):
    """An actor a directive binds or names, in the order given."""

    __tablename__ = "directive_party"
    directive_id: str = Field(foreign_key="directive.id", primary_key=True)
    actor_id: str = Field(foreign_key="actor.id", primary_key=True)
    position: int


class Directive(SQLModel, table=True):
    """An executive order, export control, agreement, regulation or similar instrument."""

    __tablename__ = "directive"
    __record__: ClassVar[RecordInfo] = RecordInfo(
        Kind.DIRECTIVE, "Directive", "Directives", "directives", "title", "issued",
        list_fields=("identifier", "title", "kind", "issuer", "issued", "status", "parties"),
    )  # fmt: skip
    n: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    identifier: str | None = d.text("Identifier", width=12, quick=True)
    title: str = d.text("Title", required=True, width=40, quick=True)
    kind: str = d.choice("Kind", DIRECTIVE_KINDS, default="other", quick=True)
    issuer_id: str | None = d.ref("Issuer", Kind.ACTOR)
    issued: str | None = d.date("Issued", width=16)
    issued_key: str | None = None
    effective: str | None = d.date("Effective")
    effective_key: str | None = None
    status: str | None = d.choice("Status", DIRECTIVE_STATUSES, default=None, width=10)
    summary: str | None = d.long_text("Summary")
    provisions: str = d.lines("Key provisions")
    parties: ClassVar[FieldSpec] = d.refs(
        "Parties", Kind.ACTOR, LinkTable("directive_party", "directive_id", "actor_id")
    )
    source_id: str | None = d.ref("Source", Kind.SOURCE)
    tags: str = d.tags()
    created_at: str
    updated_at: str
    issuer_sort: str | None = None  # derived: the linked name shown, kept by triggers for sorting
    parties_sort: str | None = None  # derived: the linked name shown, kept by triggers for sorting


class TimelineActor(SQLModel, table=True):
    """An actor involved in a timeline entry, in the order given."""

    __tablename__ = "timeline_actor"
    entry_id: str = Field(foreign_key="timeline_entry.id", primary_key=True)
    actor_id: str = Field(foreign_key="actor.id", primary_key=True)
    position: int


class TimelineEntry(SQLModel, table=True):
    """Something that happened on a (partial) date."""

    __tablename__ = "timeline_entry"
    __record__: ClassVar[RecordInfo] = RecordInfo(
        Kind.TIMELINE, "Timeline entry", "Timeline", "timeline", "title", "date",
        list_fields=("date", "title", "actors", "key", "source"),
        list_labels={"title": "Event", "key": "Key"},
    )  # fmt: skip
    n: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    date: str = d.date("Date", required=True, width=20, quick=True)
    date_key: str
    title: str = d.text("Title", required=True, width=40, quick=True)
    description: str | None = d.long_text("Description")
    actors: ClassVar[FieldSpec] = d.refs("Actors", Kind.ACTOR, LinkTable("timeline_actor", "entry_id", "actor_id"))
    directive_id: str | None = d.ref("Directive", Kind.DIRECTIVE)
    statement_id: str | None = d.ref("Statement", Kind.STATEMENT)
    key_event: bool = d.flag("Key event", name="key", width=6)
    source_id: str | None = d.ref("Source", Kind.SOURCE)
    locator: str | None = d.text("Pinpoint", width=10, placeholder=LOCATOR_EXAMPLE, since=2)
    tags: str = d.tags()
    created_at: str
    updated_at: str
    source_sort: str | None = None  # derived: the linked name shown, kept by triggers for sorting
    actors_sort: str | None = None  # derived: the linked name shown, kept by triggers for sorting
    # the place within its day the user gave it (db/day_order.py); 0 until placed, in every engine
    day_order: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Edition(SQLModel, table=True):
    """A briefing packet as exported: kept so it can be written again and compared with (db/editions.py)."""

    __tablename__ = "edition"
    number: int | None = Field(default=None, primary_key=True)
    made: str  # ISO 8601 with the local UTC offset
    made_by: str
    pages: int
    options: str  # JSON
    content: bytes  # the Casefile JSON document printed, zlib-compressed
    pdf_sha256: str
    app_version: str


RECORD_CLASSES: tuple[type[SQLModel], ...] = (Source, Actor, Statement, Directive, TimelineEntry)


def table(model: type[SQLModel]) -> Table:
    """The SQLAlchemy Core table behind a model class."""
    result = model.__table__  # type: ignore[attr-defined]
    assert isinstance(result, Table)
    return result
