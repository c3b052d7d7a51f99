"""The audit log: entries written in the caller's transaction (``record``), so the
record and the change it describes are committed (or rolled back) together; and read
back for the audit page and its CSV export (filters, the page query, the export rows)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, insert, select
from sqlalchemy.orm import Session

from ..days import within_days
from ..models import (
    Action,
    ApiToken,
    AuditEntry,
    Organisation,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    User,
)


def record(
    session: Session,
    event: str,
    *,
    user: User | None = None,
    actor: str | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    ip: str = "",
    **details: Any,
) -> AuditEntry:
    """Append one audit entry. ``obj`` fills object_type/object_id from a model row."""
    if obj is not None:
        object_type = object_type or type(obj).__tablename__.rstrip("s")
        object_id = object_id or getattr(obj, "id", "")
    entry = AuditEntry(
        event=event,
        user_id=user.id if user is not None else None,
        actor=actor if actor is not None else (user.email if user is not None else ""),
        object_type=object_type,
        object_id=str(object_id or ""),
        ip=ip[:64],
        details=details,
    )
    session.add(entry)
    return entry


def record_at_once(
    session: Session, event: str, *, user: User | None, obj: Any, at: datetime, **details: Any
) -> None:
    """``record`` for a hot path (every save of answers): one INSERT now, on the table,
    instead of an object for the session's unit of work to flush at the commit."""
    session.execute(insert_entry(), entry_values(event, user=user, obj=obj, at=at, **details))


def entry_values(
    event: str, *, user: User | None, obj: Any, at: datetime, **details: Any
) -> dict[str, Any]:
    """The column values of one audit entry, for ``insert_entry()`` (or a statement that
    writes it together with other rows: see ``history.record_changes``)."""
    return {
        "event": event,
        "user_id": user.id if user is not None else None,
        "actor": user.email if user is not None else "",
        "object_type": type(obj).__tablename__.rstrip("s"),
        "object_id": str(obj.id),
        "ip": "",
        "details": details,
        "created_at": at,
    }


@cache
def insert_entry() -> Insert:
    return insert(AuditEntry.__table__)


# --- reading the log ----------------------------------------------------------------

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


def query(filters: AuditFilters) -> Select[*tuple[Any, ...]]:
    """Entries matching ``filters``, newest first."""
    return _filtered(select(AuditEntry), filters)


def _filtered(stmt: Select[*tuple[Any, ...]], filters: AuditFilters) -> Select[*tuple[Any, ...]]:
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


# The rows an entry can name, by object_type (``record`` takes it from the table name).
OBJECT_MODELS: dict[str, Any] = {
    "user": User,
    "organisation": Organisation,
    "response": Response,
    "questionnaire": Questionnaire,
    "questionnaire_version": QuestionnaireVersion,
    "action": Action,
    "api_token": ApiToken,
}


def objects_named(session: Session, entries: list[AuditEntry]) -> dict[tuple[str, str], Any]:
    """The rows a page of entries names, as objects or actors, keyed by (object_type,
    id as text): one query per type. Rows deleted since are simply missing."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.object_type in OBJECT_MODELS and entry.object_id.isdigit():
            wanted.setdefault(entry.object_type, set()).add(int(entry.object_id))
        if entry.user_id is not None:
            wanted.setdefault("user", set()).add(entry.user_id)
    found: dict[tuple[str, str], Any] = {}
    for object_type, ids in wanted.items():
        model = OBJECT_MODELS[object_type]
        for row in session.scalars(select(model).where(model.id.in_(ids))):
            found[(object_type, str(row.id))] = row
    return found


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
