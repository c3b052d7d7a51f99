"""Write audit entries in the caller's transaction, so the record and the change it
describes are committed (or rolled back) together."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..models import AuditEntry, User


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
