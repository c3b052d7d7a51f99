"""Single-use link tokens (invitations, password resets).

The raw token travels only in the link; the database keeps its SHA-256, so a copy of the
database does not hold usable links.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ...models import OneTimeToken, User, utcnow

INVITE = "invite"
RESET = "reset"
PURPOSES = (INVITE, RESET)


class TokenError(Exception):
    """A link that cannot be used; ``reason`` is "invalid", "expired" or "used"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def issue(
    session: Session,
    user: User,
    purpose: str,
    created_by: User | None,
    lifetime: timedelta,
    now: datetime | None = None,
) -> str:
    """A new token for ``user``; older unused tokens of the same purpose stop working."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    now = now or utcnow()
    # One issue at a time per user (PostgreSQL; SQLite writes one at a time anyway): two
    # requests at once would each void the links before them and leave two alive.
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    void(session, user, purpose, now)
    raw = secrets.token_urlsafe(32)
    session.add(
        OneTimeToken(
            purpose=purpose,
            token_hash=token_hash(raw),
            user_id=user.id,
            created_by_id=created_by.id if created_by is not None else None,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return raw


def void(session: Session, user: User, purpose: str, now: datetime | None = None) -> None:
    """End ``user``'s unused links of ``purpose`` now (they show as expired): on a newer
    link, and on every password change or reset, so an older link cannot set it again."""
    now = now or utcnow()
    session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def _find(session: Session, raw: str, purpose: str, now: datetime | None) -> OneTimeToken:
    if not raw or len(raw) > 200:
        raise TokenError("invalid")
    token = session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == token_hash(raw), OneTimeToken.purpose == purpose
        )
    )
    if token is None:
        raise TokenError("invalid")
    if token.used_at is not None:
        raise TokenError("used")
    if token.expires_at <= (now or utcnow()):
        raise TokenError("expired")
    return token


def peek(session: Session, raw: str, purpose: str, now: datetime | None = None) -> User:
    """The user a token belongs to, without using it up (to show the form)."""
    return _find(session, raw, purpose, now).user


def consume(session: Session, raw: str, purpose: str, now: datetime | None = None) -> User:
    """Use a token up and return its user; raises TokenError when it cannot be used."""
    now = now or utcnow()
    token = _find(session, raw, purpose, now)
    # Guarded update: of two simultaneous uses of one link, only one succeeds.
    result = session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == token.id, OneTimeToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise TokenError("used")
    session.refresh(token)
    return token.user


def revoke_all(session: Session, user: User) -> None:
    """Delete every link token of ``user`` (on erasure; also right when deactivating)."""
    session.execute(
        delete(OneTimeToken)
        .where(OneTimeToken.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
