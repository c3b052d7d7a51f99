"""Personal data (GDPR): export, erasure and the retention purge.

Erasure pseudonymises rather than deletes: the user row stays (so the organisation's
answers, review comments and response events keep pointing somewhere) but nothing in it,
nor in the audit log, identifies the person any more.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, or_, select, update
from sqlalchemy.orm import Session

from ...models import (
    ApiToken,
    AuditEntry,
    OneTimeToken,
    Response,
    ResponseEvent,
    ResponseState,
    ReviewComment,
    Role,
    User,
    UserSession,
    utcnow,
)
from .. import audit
from . import accounts
from .accounts import UserError

ERASED_NAME = "Erased user"
PURGEABLE_STATES = (ResponseState.SUBMITTED, ResponseState.ACCEPTED, ResponseState.REJECTED)


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@invalid"


def is_erased(user: User) -> bool:
    return user.email == erased_email(user.id)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data(session: Session, user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything the platform holds about ``user``, JSON-serialisable (ISO timestamps)."""
    org = user.organisation
    entries = session.scalars(
        select(AuditEntry)
        .where(
            or_(
                AuditEntry.user_id == user.id,
                AuditEntry.actor == user.email,
                (AuditEntry.object_type == "user") & (AuditEntry.object_id == str(user.id)),
            )
        )
        .order_by(AuditEntry.id)
    ).all()
    comments = session.scalars(
        select(ReviewComment).where(ReviewComment.user_id == user.id).order_by(ReviewComment.id)
    ).all()
    events = session.scalars(
        select(ResponseEvent).where(ResponseEvent.user_id == user.id).order_by(ResponseEvent.id)
    ).all()
    responses = session.scalars(
        select(Response)
        .where(or_(Response.updated_by_id == user.id, Response.submitted_by_id == user.id))
        .order_by(Response.id)
    ).all()
    link_tokens = session.scalars(
        select(OneTimeToken).where(OneTimeToken.user_id == user.id).order_by(OneTimeToken.id)
    ).all()
    api_tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    ).all()
    logins = session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    ).all()
    return {
        "format": "tympanum-personal-data/1",
        "exported_at": _iso(now or utcnow()),
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role.value,
            "active": user.active,
            "has_password": bool(user.password_hash),
            "locale": user.locale,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "privacy_version": user.privacy_version,
            "privacy_accepted_at": _iso(user.privacy_accepted_at),
        },
        "organisation": (
            {"id": org.id, "name": org.name, "kind": org.kind.value, "country": org.country}
            if org is not None
            else None
        ),
        "led_actions": [{"number": a.number, "title": a.title} for a in user.led_actions],
        "responses": [
            {
                "reference": r.reference,
                "organisation": r.organisation.name,
                "action": r.questionnaire.action.number,
                "state": r.state.value,
                "last_updated_by_you": r.updated_by_id == user.id,
                "submitted_by_you": r.submitted_by_id == user.id,
                "updated_at": _iso(r.updated_at),
                "submitted_at": _iso(r.submitted_at),
            }
            for r in responses
        ],
        "review_comments": [
            {
                "response": c.response.reference,
                "question_code": c.question_code,
                "body": c.body,
                "created_at": _iso(c.created_at),
            }
            for c in comments
        ],
        "response_events": [
            {
                "response": e.response.reference,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "comment": e.comment,
                "created_at": _iso(e.created_at),
            }
            for e in events
        ],
        "audit_entries": [
            {
                "created_at": _iso(e.created_at),
                "event": e.event,
                "actor": e.actor,
                "by_you": e.user_id == user.id or e.actor == user.email,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "ip": e.ip,
                "details": e.details,
            }
            for e in entries
        ],
        "link_tokens": [
            {
                "purpose": t.purpose,
                "created_at": _iso(t.created_at),
                "expires_at": _iso(t.expires_at),
                "used_at": _iso(t.used_at),
            }
            for t in link_tokens
        ],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": _iso(t.created_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in api_tokens
        ],
        "sessions": [
            {
                "device": s.device,
                "created_at": _iso(s.created_at),
                "last_seen_at": _iso(s.last_seen_at),
                "expires_at": _iso(s.expires_at),
            }
            for s in logins
        ],
    }


def erasure_summary(session: Session, user: User) -> dict[str, int]:
    """How many rows erasing ``user`` touches, for the confirmation page."""

    def count(model: Any, *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "audit_entries": count(
            AuditEntry, or_(AuditEntry.user_id == user.id, AuditEntry.actor == user.email)
        ),
        "responses": count(
            Response,
            or_(Response.updated_by_id == user.id, Response.submitted_by_id == user.id),
        ),
        "review_comments": count(ReviewComment, ReviewComment.user_id == user.id),
        "response_events": count(ResponseEvent, ResponseEvent.user_id == user.id),
        "api_tokens": count(ApiToken, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)),
    }


def _scrub(value: Any, needle: str, replacement: str) -> Any:
    """``value`` (JSON) with every occurrence of ``needle`` in strings replaced."""
    if isinstance(value, str):
        return value.replace(needle, replacement)
    if isinstance(value, list):
        return [_scrub(v, needle, replacement) for v in value]
    if isinstance(value, dict):
        return {
            _scrub(k, needle, replacement): _scrub(v, needle, replacement) for k, v in value.items()
        }
    return value


def erase_user(
    session: Session,
    user: User,
    erased_by: User | None,
    *,
    actor: str | None = None,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Erase a person's data; their organisation's answers and their comments stay."""
    if is_erased(user):
        raise UserError("This account has been erased already.")
    if erased_by is not None and erased_by.id == user.id:
        raise UserError("You cannot erase your own account; ask another administrator.")
    if user.role == Role.ADMIN and user.active:
        admins = session.scalar(
            select(func.count(User.id)).where(User.role == Role.ADMIN, User.active.is_(True))
        )
        if (admins or 0) <= 1:
            raise UserError("This is the only active administrator; appoint another one first.")
    now = now or utcnow()
    email = user.email
    pseudonym = f"erased user #{user.id}"
    session.execute(
        update(AuditEntry)
        .where(or_(AuditEntry.user_id == user.id, AuditEntry.actor == email))
        .values(actor=pseudonym, ip="")
        .execution_options(synchronize_session="fetch")
    )
    mentioning = session.scalars(
        select(AuditEntry).where(cast(AuditEntry.details, String).contains(email, autoescape=True))
    ).all()
    for entry in mentioning:
        entry.details = _scrub(entry.details, email, pseudonym)
    accounts.deactivate(session, user, now=now)  # sessions, links and API tokens end
    user.email = erased_email(user.id)
    user.display_name = ERASED_NAME
    user.password_hash = None
    user.locale = None
    user.last_login_at = None
    user.led_actions = []
    audit.record(session, "user.erased", user=erased_by, actor=actor, obj=user, ip=ip)
    session.flush()


def months_before(moment: datetime, months: int) -> datetime:
    """``moment`` minus ``months`` calendar months (the day clamped to the month's end)."""
    year, month0 = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


@dataclass
class PurgeReport:
    cutoff: datetime
    dry_run: bool
    responses: list[str] = field(default_factory=list)  # references pseudonymised
    links: int = 0  # personal links cleared (updated/submitted by, events, comments)
    users: list[tuple[int, str]] = field(default_factory=list)  # (id, e-mail) erased
    skipped: list[str] = field(default_factory=list)  # why someone was not erased

    @property
    def changed(self) -> bool:
        return bool(self.responses or self.users)


def _last_activity(session: Session, user: User, old_ids: Any) -> datetime:
    moments = [
        user.created_at,
        user.last_login_at,
        session.scalar(
            select(func.max(AuditEntry.created_at)).where(AuditEntry.user_id == user.id)
        ),
        session.scalar(
            select(func.max(ResponseEvent.created_at)).where(ResponseEvent.user_id == user.id)
        ),
        session.scalar(
            select(func.max(ReviewComment.created_at)).where(ReviewComment.user_id == user.id)
        ),
        session.scalar(
            select(func.max(Response.updated_at)).where(
                or_(Response.updated_by_id == user.id, Response.submitted_by_id == user.id),
                Response.id.not_in(old_ids),
            )
        ),
    ]
    return max(m for m in moments if m is not None)


def purge_retention(
    session: Session,
    months: int,
    now: datetime | None = None,
    dry_run: bool = False,
    *,
    actor: str = "retention purge",
) -> PurgeReport:
    """Pseudonymise responses submitted more than ``months`` ago; erase the people linked
    to them who have done nothing since. With ``dry_run`` nothing changes."""
    if months < 1:
        raise UserError("The retention period must be at least one month.")
    now = now or utcnow()
    report = PurgeReport(cutoff=months_before(now, months), dry_run=dry_run)
    old_ids = select(Response.id).where(
        Response.state.in_(PURGEABLE_STATES), Response.submitted_at < report.cutoff
    )
    linked: dict[int, set[int]] = {}  # response id -> user ids
    for rid, *people in session.execute(
        select(Response.id, Response.updated_by_id, Response.submitted_by_id).where(
            Response.id.in_(old_ids)
        )
    ):
        linked.setdefault(rid, set()).update(p for p in people if p is not None)
    for model in (ResponseEvent, ReviewComment):
        for rid, uid in session.execute(
            select(model.response_id, model.user_id).where(
                model.response_id.in_(old_ids), model.user_id.is_not(None)
            )
        ):
            if uid is not None:
                linked[rid].add(uid)
    touched = sorted(rid for rid, people in linked.items() if people)
    references = {
        rid: reference
        for rid, reference in session.execute(
            select(Response.id, Response.reference).where(Response.id.in_(touched))
        )
    }
    report.responses = [references[rid] for rid in touched]
    report.links = _count_links(session, touched)
    people_ids = sorted(set().union(*linked.values())) if linked else []
    candidates = []
    for person in session.scalars(select(User).where(User.id.in_(people_ids)).order_by(User.id)):
        if is_erased(person) or _last_activity(session, person, old_ids) >= report.cutoff:
            continue
        candidates.append(person)
    report.users = [(p.id, p.email) for p in candidates]
    if dry_run or not report.changed:
        return report
    tables: tuple[tuple[type[Any], Any, tuple[str, ...]], ...] = (
        (Response, Response.id, ("updated_by_id", "submitted_by_id")),
        (ResponseEvent, ResponseEvent.response_id, ("user_id",)),
        (ReviewComment, ReviewComment.response_id, ("user_id",)),
    )
    for model, id_column, columns in tables:
        session.execute(
            update(model)
            .where(id_column.in_(touched))
            .values(dict.fromkeys(columns))
            .execution_options(synchronize_session="fetch")
        )
    for person in candidates:
        try:
            erase_user(session, person, None, actor=actor, now=now)
        except UserError as error:
            report.users.remove((person.id, person.email))
            report.skipped.append(f"{person.email}: {error}")
    audit.record(
        session,
        "gdpr.purged",
        actor=actor,
        cutoff=_iso(report.cutoff),
        responses=len(report.responses),
        links=report.links,
        users_erased=len(report.users),
    )
    session.flush()
    return report


def _count_links(session: Session, response_ids: list[int]) -> int:
    if not response_ids:
        return 0
    count = 0
    for column in (Response.updated_by_id, Response.submitted_by_id):
        count += (
            session.scalar(
                select(func.count()).where(Response.id.in_(response_ids), column.is_not(None))
            )
            or 0
        )
    for model in (ResponseEvent, ReviewComment):
        count += (
            session.scalar(
                select(func.count()).where(
                    model.response_id.in_(response_ids), model.user_id.is_not(None)
                )
            )
            or 0
        )
    return count
