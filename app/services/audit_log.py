"""Reading the audit log: filters, the page query, the CSV export rows.

(Writing entries is ``app.services.audit.record``.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..models import AuditEntry
from .days import within_days

EXPORT_HEADER = [
    "id",
    "time_utc",
    "actor",
    "user_id",
    "event",
    "object_type",
    "object_id",
    "ip",
    "details",
]


@dataclass(frozen=True)
class AuditFilters:
    """What the log is narrowed to; empty values do not filter."""

    event: str = ""
    actor: str = ""  # part of the actor's e-mail (or "cli")
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None  # inclusive, UTC
    date_to: date | None = None  # inclusive, UTC
    ip: str = ""  # an address or its beginning ("10.0.")

    def as_dict(self) -> dict[str, str]:
        """The filters in use, as text (for the audit entry of an export and for URLs)."""
        return {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in asdict(self).items()
            if value
        }


def query(filters: AuditFilters) -> Select:
    """Entries matching ``filters``, newest first."""
    return _filtered(select(AuditEntry), filters)


def _filtered(stmt: Select, filters: AuditFilters) -> Select:
    if filters.event:
        stmt = stmt.where(AuditEntry.event == filters.event)
    if filters.actor.strip():
        stmt = stmt.where(AuditEntry.actor.icontains(filters.actor.strip(), autoescape=True))
    if filters.object_type:
        stmt = stmt.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id.strip():
        stmt = stmt.where(AuditEntry.object_id == filters.object_id.strip())
    stmt = stmt.where(*within_days(AuditEntry.created_at, filters.date_from, filters.date_to))
    if filters.ip.strip():
        stmt = stmt.where(AuditEntry.ip.startswith(filters.ip.strip(), autoescape=True))
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def distinct_events(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.event).distinct().order_by(AuditEntry.event)))


def distinct_object_types(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(AuditEntry.object_type)
            .where(AuditEntry.object_type != "")
            .distinct()
            .order_by(AuditEntry.object_type)
        )
    )


def compact_json(details: Any) -> str:
    """Details on one line: {"count":3,"name":"x"}."""
    if not details:
        return ""
    return json.dumps(details, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def export_rows(session: Session, filters: AuditFilters) -> Iterator[list[Any]]:
    """The filtered log as CSV rows (see EXPORT_HEADER), read in batches.

    Call it at the start of a transaction: on SQLite it reads without taking the write
    lock, so a long export never blocks writers."""
    session.connection(execution_options={"sqlite_deferred": True})
    columns = select(
        AuditEntry.id,
        AuditEntry.created_at,
        AuditEntry.actor,
        AuditEntry.user_id,
        AuditEntry.event,
        AuditEntry.object_type,
        AuditEntry.object_id,
        AuditEntry.ip,
        AuditEntry.details,
    )
    result = session.execute(_filtered(columns, filters).execution_options(yield_per=500))
    for row in result:
        yield [
            row.id,
            row.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            row.actor,
            row.user_id,
            row.event,
            row.object_type,
            row.object_id,
            row.ip,
            compact_json(row.details),
        ]
