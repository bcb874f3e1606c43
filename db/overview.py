"""What the Case page shows as the case's front page: key events, gaps to close before the
packet goes out, and the records changed last.

The gaps are the ones the packet's pre-export checks warn about (a statement with no speaker
or source, a directive with no issued date or source, a timeline entry with no source), plus
a case with no handling marking, found here with the record ids so each can be opened. Every
part reads a bounded number of rows, so the whole front page stays quick on a large case.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from .dates import PartialDate
from .fields import KINDS, Kind
from .queries import engine_sql
from .records import short_label
from .store import CaseStore
from .values import stored_date


@dataclass(frozen=True)
class KeyEvent:
    """A timeline entry marked as a key event."""

    id: str
    date: PartialDate | None
    title: str


@dataclass(frozen=True)
class Gap:
    """One kind of gap (``problem``) and the first records that have it, by date."""

    kind: Kind | None  # None: the case itself
    problem: str  # "no source", "no speaker", "no issued date", "no marking"
    records: tuple[tuple[str, str], ...]  # (id, label) of the first few
    total: int


@dataclass(frozen=True)
class Change:
    """A record and when it last changed (``updated_at``, UTC ISO text)."""

    kind: Kind
    id: str
    label: str
    updated_at: str


@dataclass(frozen=True)
class FrontPage:
    """Everything the front page lists."""

    key_events: tuple[KeyEvent, ...]
    key_event_total: int
    gaps: tuple[Gap, ...]  # only the gaps some record has, in a fixed order
    recent: tuple[Change, ...]


# (kind, problem, condition on the kind's row ``r``, label expression) in the order shown,
# the same order and rules as the packet's pre-export checks.
def _missing(column: str, table: str) -> str:
    # A reference to a record that is not there is as good as none (the packet prints none).
    return f"(r.{column} IS NULL OR NOT EXISTS (SELECT 1 FROM {table} x WHERE x.id = r.{column}))"


_GAP_RULES: tuple[tuple[Kind, str, str, str], ...] = (
    (Kind.STATEMENT, "no speaker", _missing("speaker_id", "actor"), "r.text"),
    (Kind.STATEMENT, "no source", _missing("source_id", "source"), "r.text"),
    (
        Kind.DIRECTIVE,
        "no issued date",
        "(r.issued IS NULL OR r.issued = '')",
        "coalesce(nullif(r.identifier, ''), r.title)",
    ),
    (Kind.DIRECTIVE, "no source", _missing("source_id", "source"), "coalesce(nullif(r.identifier, ''), r.title)"),
    (Kind.TIMELINE, "no source", _missing("source_id", "source"), "r.title"),
)


def front_page(cf: CaseStore, *, key_limit: int = 12, gap_limit: int = 3, recent_limit: int = 8) -> FrontPage:
    """Key events in date order (the first ``key_limit``), the gaps (``gap_limit`` records of
    each), and the ``recent_limit`` records changed last, newest first (safe off the GUI thread)."""
    sql = engine_sql(cf)
    key_event = sql.is_true("key_event")
    with cf.read() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT id, date, title FROM timeline_entry WHERE {key_event} "
                f"ORDER BY {sql.ordered(sql.bytewise('date_key'), '')}, n LIMIT :limit"
            ),
            {"limit": key_limit},
        ).all()
        key_total = int(conn.execute(sa.text(f"SELECT count(*) FROM timeline_entry WHERE {key_event}")).scalar_one())
        key_events = tuple(KeyEvent(str(r[0]), stored_date(r[1]), short_label(r[2], 120)) for r in rows)

        gaps: list[Gap] = []
        marking = conn.execute(sa.text("SELECT marking FROM case_info")).scalar()
        if not (marking or "").strip():
            gaps.append(Gap(None, "no marking", (), 1))
        for kind, problem, condition, label in _GAP_RULES:
            spec = KINDS[kind]
            key = f"r.{spec.field(spec.date_field).key_column}" if spec.date_field else None
            order = f"{sql.ordered(sql.bytewise(key), '')}, r.n" if key else "r.n"
            where = f"FROM {spec.table} r WHERE {condition}"
            total = int(conn.execute(sa.text(f"SELECT count(*) {where}")).scalar_one())
            if total:
                statement = f"SELECT r.id, {label} {where} ORDER BY {order} LIMIT :limit"
                found = conn.execute(sa.text(statement), {"limit": gap_limit}).all()
                gaps.append(Gap(kind, problem, tuple((str(r[0]), short_label(r[1], 120)) for r in found), total))

        # Each table's newest first, then the newest of those: one short read per table.
        updated = sql.bytewise("updated_at")
        parts = []
        for i, spec in enumerate(KINDS.values()):
            title = spec.field(spec.title_field).column
            parts.append(
                f"SELECT * FROM (SELECT {i} AS k, id, {title} AS label, updated_at, n FROM {spec.table} "
                f"ORDER BY {updated} DESC, n DESC LIMIT :limit) AS newest_{i}"
            )
        union = (
            f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS newest "
            f"ORDER BY {updated} DESC, k DESC, n DESC LIMIT :limit"
        )
        kinds = list(KINDS)
        recent = tuple(
            Change(kinds[int(r[0])], str(r[1]), short_label(r[2], 120), str(r[3]))
            for r in conn.execute(sa.text(union), {"limit": recent_limit})
        )
    return FrontPage(key_events, key_total, tuple(gaps), recent)
