"""Server-side login sessions: started at login, looked up on every page, ended by
logging out (this browser), by "log out everywhere", by a password change or reset
(the other sessions, or all), by deactivation and by erasure."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session, joinedload

from ...models import User, UserSession, utcnow
from .link_tokens import token_hash  # the SHA-256 the link tokens are stored as

TOUCH_EVERY = timedelta(minutes=5)  # last_seen_at is written at most this often

# Built once: every page a logged-in person opens runs it (the user, their organisation
# and the session in one statement, as the user alone took before).
_RESUME = (
    select(User, UserSession)
    .join(UserSession, UserSession.user_id == User.id)
    .options(joinedload(User.organisation))
    .where(
        User.id == bindparam("user_id"),
        User.active.is_(True),
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.expires_at > bindparam("now"),
    )
)


def start(
    session: Session,
    user: User,
    *,
    lifetime: timedelta,
    device: str = "",
    now: datetime | None = None,
) -> tuple[UserSession, str]:
    """A new session for ``user``: the row and the secret for the cookie (never stored).
    Sessions past their end, anyone's, are deleted on the way."""
    now = now or utcnow()
    session.execute(
        delete(UserSession)
        .where(UserSession.expires_at <= now)
        .execution_options(synchronize_session=False)
    )
    secret = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id,
        token_hash=token_hash(secret),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        device=device[:100],
    )
    session.add(row)
    session.flush()
    return row, secret


def resume(
    session: Session, user_id: int, secret: str, now: datetime | None = None
) -> tuple[User, UserSession] | None:
    """The active user and live session that the cookie's id and secret name, or None."""
    if not secret or len(secret) > 200:
        return None
    found = session.execute(
        _RESUME, {"user_id": user_id, "token_hash": token_hash(secret), "now": now or utcnow()}
    ).first()
    return (found[0], found[1]) if found is not None else None


def touch(row: UserSession, now: datetime | None = None) -> bool:
    """Record activity; True when last_seen_at changed (at most every TOUCH_EVERY)."""
    now = now or utcnow()
    if now - row.last_seen_at < TOUCH_EVERY:
        return False
    row.last_seen_at = now
    return True


def end(session: Session, row: UserSession) -> None:
    """End one session: its cookie, and every copy of it, stops working."""
    session.execute(
        delete(UserSession)
        .where(UserSession.id == row.id)
        .execution_options(synchronize_session=False)
    )


def end_all(session: Session, user: User, *, keep: UserSession | None = None) -> int:
    """End every session of ``user`` but ``keep``; returns how many ended."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    result = session.execute(stmt.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def sessions_of(session: Session, user: User, now: datetime | None = None) -> list[UserSession]:
    """The live sessions of ``user``, most recently active first."""
    return list(
        session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.expires_at > (now or utcnow()))
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def get_own(session: Session, user: User, session_id: int) -> UserSession | None:
    row = session.get(UserSession, session_id)
    return row if row is not None and row.user_id == user.id else None


# Checked in order: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = [
    ("Edge", r"\bEdgA?/"),
    ("Opera", r"\bOPR/"),
    ("Firefox", r"\b(?:Firefox|FxiOS)/"),
    ("Chrome", r"\b(?:Chrome|CriOS|HeadlessChrome)/"),
    ("Safari", r"\bVersion/[\d.]+.*\bSafari/"),
    ("curl", r"^curl/"),
]
_SYSTEMS = [
    ("Android", r"\bAndroid\b"),
    ("iOS", r"\b(?:iPhone|iPad|iPod)\b"),
    ("ChromeOS", r"\bCrOS\b"),
    ("Windows", r"\bWindows\b"),
    ("macOS", r"\bMac OS X\b|\bMacintosh\b"),
    ("Linux", r"\bLinux\b"),
]


def describe_device(user_agent: str) -> str:
    """Browser and system named by a User-Agent header ("Firefox, Linux"); "" when
    neither is recognised. Only this summary is kept, not the header."""
    user_agent = user_agent[:512]
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    return ", ".join(part for part in (browser, system) if part)
