"""The tables of a case file, as SQLModel classes.

The schema itself is created by the numbered migrations (``db/migrations``), whose SQL is
frozen once released; these classes describe the current version of it for queries, and a
test keeps the two in step. Every record has an integer row number ``n`` (stable, used for
paging and the full-text index) and a UUID ``id`` (what references, the API and JSON use).
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import Field, SQLModel


class CaseInfo(SQLModel, table=True):
    """The single row describing the case itself."""

    __tablename__ = "case_info"
    n: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    title: str
    subtitle: str | None = None
    summary: str | None = None
    marking: str | None = None
    prepared_by: str | None = None
    as_of: str | None = None
    as_of_key: str | None = None
    briefing_options: str | None = None
    created_at: str
    updated_at: str


class Source(SQLModel, table=True):
    """A document the case relies on; statements, directives and entries cite it."""

    __tablename__ = "source"
    n: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    title: str
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    published: str | None = None
    published_key: str | None = None
    accessed: str | None = None
    accessed_key: str | None = None
    notes: str | None = None
    created_at: str
    updated_at: str


class Actor(SQLModel, table=True):
    """A person, company, government body or organisation."""

    __tablename__ = "actor"
    n: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    name: str
    kind: str = "other"
    role: str | None = None
    affiliation_id: str | None = Field(default=None, foreign_key="actor.id")
    description: str | None = None
    tags: str = "[]"
    created_at: str
    updated_at: str
    affiliation_sort: str | None = None  # derived: the name shown, kept by triggers for sorting


class Statement(SQLModel, table=True):
    """Words an actor said or wrote, verbatim or paraphrased."""

    __tablename__ = "statement"
    n: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    text: str
    speaker_id: str | None = Field(default=None, foreign_key="actor.id")
    date: str | None = None
    date_key: str | None = None
    venue: str | None = None
    verbatim: bool = False
    source_id: str | None = Field(default=None, foreign_key="source.id")
    notes: str | None = None
    tags: str = "[]"
    created_at: str
    updated_at: str
    speaker_sort: str | None = None  # derived: the name shown, kept by triggers for sorting
    source_sort: str | None = None  # derived: the name shown, kept by triggers for sorting


class Directive(SQLModel, table=True):
    """An executive order, export control, agreement, regulation or similar instrument."""

    __tablename__ = "directive"
    n: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    identifier: str | None = None
    title: str
    kind: str = "other"
    issuer_id: str | None = Field(default=None, foreign_key="actor.id")
    issued: str | None = None
    issued_key: str | None = None
    effective: str | None = None
    effective_key: str | None = None
    status: str | None = None
    summary: str | None = None
    provisions: str = "[]"
    source_id: str | None = Field(default=None, foreign_key="source.id")
    tags: str = "[]"
    created_at: str
    updated_at: str
    issuer_sort: str | None = None  # derived: the name shown, kept by triggers for sorting
    parties_sort: str | None = None  # derived: the name shown, kept by triggers for sorting


class DirectiveParty(SQLModel, table=True):
    """An actor a directive binds or names, in the order given."""

    __tablename__ = "directive_party"
    directive_id: str = Field(foreign_key="directive.id", primary_key=True)
    actor_id: str = Field(foreign_key="actor.id", primary_key=True)
    position: int


class TimelineEntry(SQLModel, table=True):
    """Something that happened on a (partial) date."""

    __tablename__ = "timeline_entry"
    n: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    date: str
    date_key: str
    title: str
    description: str | None = None
    directive_id: str | None = Field(default=None, foreign_key="directive.id")
    statement_id: str | None = Field(default=None, foreign_key="statement.id")
    key_event: bool = False
    source_id: str | None = Field(default=None, foreign_key="source.id")
    tags: str = "[]"
    created_at: str
    updated_at: str
    source_sort: str | None = None  # derived: the name shown, kept by triggers for sorting
    actors_sort: str | None = None  # derived: the name shown, kept by triggers for sorting


class TimelineActor(SQLModel, table=True):
    """An actor involved in a timeline entry, in the order given."""

    __tablename__ = "timeline_actor"
    entry_id: str = Field(foreign_key="timeline_entry.id", primary_key=True)
    actor_id: str = Field(foreign_key="actor.id", primary_key=True)
    position: int


def table(model: type[SQLModel]) -> Table:
    """The SQLAlchemy Core table behind a model class."""
    result = model.__table__  # type: ignore[attr-defined]
    assert isinstance(result, Table)
    return result
