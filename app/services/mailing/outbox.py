"""The outbox: every e-mail is a row written in the transaction of the change that causes
it, so it exists exactly when the change does. The worker claims due rows with a lease
(a conditional UPDATE that only one of several workers can win, on SQLite and
PostgreSQL alike), sends them, and records the outcome; failures are retried with
exponential back-off, and a row given up on is shown to admins with the SMTP error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from ...mail import Delivery
from ...models import MailKind, MailStatus, OutboxMail, User, utcnow

LEASE = timedelta(minutes=5)  # longer than any SMTP conversation (20 s timeouts)
BACKOFF = timedelta(minutes=1)  # 1, 2, 4, 8 ... minutes between attempts
MAX_BACKOFF = timedelta(hours=6)
MAX_ATTEMPTS = 10  # about 8.5 hours of trying, then the row is shown as failed


@dataclass(frozen=True)
class Policy:
    """How the worker retries; tests shorten it."""

    lease: timedelta = LEASE
    backoff: timedelta = BACKOFF
    max_backoff: timedelta = MAX_BACKOFF
    max_attempts: int = MAX_ATTEMPTS

    def delay(self, attempts: int) -> timedelta:
        doublings = min(max(attempts - 1, 0), 30)  # 2**30 pauses are past any cap
        return min(self.backoff * (1 << doublings), self.max_backoff)


def enqueue(
    session: Session,
    *,
    kind: MailKind,
    to: str,
    subject: str,
    body: str,
    user: User | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxMail:
    """Write one message to the outbox (in the caller's transaction)."""
    mail = OutboxMail(
        kind=kind,
        to_address=to,
        subject=subject[:300],
        body=body,
        user_id=user.id if user is not None else None,
        payload=payload or {},
        status=MailStatus.PENDING,
        next_attempt_at=utcnow(),
    )
    session.add(mail)
    session.flush()
    return mail


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        and_(OutboxMail.status == MailStatus.PENDING, OutboxMail.next_attempt_at <= now),
        and_(OutboxMail.status == MailStatus.SENDING, OutboxMail.lease_until < now),
    )


def any_due(session: Session, now: datetime | None = None) -> bool:
    """Whether a message is due, read without taking SQLite's write lock (the caller
    ends this read before claiming): an idle worker never holds up the pages' writes."""
    session.connection(execution_options={"sqlite_deferred": True})
    return (
        session.scalar(select(OutboxMail.id).where(_claimable(now or utcnow())).limit(1))
        is not None
    )


def claim(session: Session, worker: str, policy: Policy, now: datetime | None = None):  # type: ignore[no-untyped-def]
    """Claim the oldest due message for ``worker`` (the caller commits before sending):
    the UPDATE repeats the due condition, so of two workers racing for a row exactly one
    changes it. A row whose lease ran out (its worker died) is due again: it may then be
    sent twice if the first worker had handed it over just before dying."""
    now = now or utcnow()
    candidates = session.scalars(
        select(OutboxMail.id)
        .where(_claimable(now))
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(20)
    ).all()
    for mail_id in candidates:
        result = session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, _claimable(now))
            .values(
                status=MailStatus.SENDING,
                lease_until=now + policy.lease,
                leased_by=worker,
                attempts=OutboxMail.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return session.get(OutboxMail, mail_id, populate_existing=True)
    return None


def record(
    session: Session,
    mail: OutboxMail,
    delivery: Delivery,
    policy: Policy,
    now: datetime | None = None,
) -> None:
    """Record what became of an attempt: sent, logged, retried later, or given up."""
    now = now or utcnow()
    mail.lease_until = None
    if delivery.sent or delivery.logged:
        mail.status = MailStatus.SENT if delivery.sent else MailStatus.LOGGED
        mail.sent_at = now
        mail.last_error = ""
        # Bodies carry invitation and reset links, which the database otherwise holds
        # only hashed: once the message is gone, its text goes too.
        mail.body = ""
    elif delivery.permanent or mail.attempts >= policy.max_attempts:
        mail.status = MailStatus.FAILED
        mail.last_error = delivery.error
    else:
        mail.status = MailStatus.PENDING
        mail.last_error = delivery.error
        mail.next_attempt_at = now + policy.delay(mail.attempts)


KEEP_SENT = timedelta(days=90)


def forget_sent(session: Session, now: datetime | None = None) -> int:
    """Delete the rows of messages sent (or logged) more than ``KEEP_SENT`` ago."""
    cutoff = (now or utcnow()) - KEEP_SENT
    result = session.execute(
        delete(OutboxMail)
        .where(
            OutboxMail.status.in_([MailStatus.SENT, MailStatus.LOGGED]),
            OutboxMail.sent_at < cutoff,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def retry(session: Session, mail: OutboxMail) -> None:
    """An admin asks for a failed message to be tried again, now."""
    mail.status = MailStatus.PENDING
    mail.attempts = 0
    mail.next_attempt_at = utcnow()
    mail.lease_until = None


def counts(session: Session) -> dict[MailStatus, int]:
    rows = session.execute(
        select(OutboxMail.status, func.count(OutboxMail.id)).group_by(OutboxMail.status)
    ).all()
    return {status: n for status, n in rows}


def oldest_due(session: Session, now: datetime | None = None) -> timedelta | None:
    """How long the oldest message due has waited (None: nothing due): if it grows, no
    worker is running."""
    since = session.scalar(
        select(func.min(OutboxMail.next_attempt_at)).where(_claimable(now or utcnow()))
    )
    return (now or utcnow()) - since if since is not None else None


def troubled(session: Session, limit: int = 200) -> list[OutboxMail]:
    """Failed messages, and those waiting for another attempt after an error: newest first."""
    return list(
        session.scalars(
            select(OutboxMail)
            .where(
                or_(
                    OutboxMail.status == MailStatus.FAILED,
                    and_(OutboxMail.status == MailStatus.PENDING, OutboxMail.last_error != ""),
                )
            )
            .order_by(OutboxMail.id.desc())
            .limit(limit)
        )
    )


def get(session: Session, mail_id: int) -> OutboxMail | None:
    return session.get(OutboxMail, mail_id)
