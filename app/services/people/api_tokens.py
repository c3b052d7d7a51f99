"""Personal API tokens: created with a name, shown once, stored as a SHA-256 hash,
revoked by their owner. A token acts with exactly its user's rights."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...models import ApiToken, User, utcnow

SECRET_PREFIX = "tymp_"  # noqa: S105 - the public prefix of every token, not a secret  # nosec B105 - reviewed: see the comment
PREFIX_LENGTH = 12  # "tymp_" and 7 characters: enough to tell tokens apart in a list
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most once a minute


class TokenError(ValueError):
    """A token operation that cannot be done; the message says why."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with its secret (never stored, shown once)."""
    name = name.strip()
    if not name:
        raise TokenError("Give the token a name, e.g. the script or tool that will use it.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name[:100],
        prefix=secret[:PREFIX_LENGTH],
        token_hash=hash_secret(secret),
    )
    session.add(token)
    session.flush()
    return token, secret


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The live token with this secret: not revoked, its user active; None otherwise."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token


def touch(token: ApiToken, now: datetime | None = None) -> bool:
    """Record a use; True when last_used_at changed (at most once a minute)."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return False
    token.last_used_at = now
    return True


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def get_own_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    token = session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def revoke(token: ApiToken, now: datetime | None = None) -> bool:
    """Revoke ``token``; False when it was revoked already (nothing changes)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    return True


def revoke_all(session: Session, user: User, now: datetime | None = None) -> int:
    """Revoke every live token of ``user`` (deactivation, erasure): reactivating the
    account does not bring them back. Returns how many were revoked."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
