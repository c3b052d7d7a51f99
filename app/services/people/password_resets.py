"""Password-reset links: issued by an administrator or asked for from the login page,
checked, then used once to set a new password. Audited in the caller's transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from ...models import User, utcnow
from .. import audit
from . import accounts, link_tokens, login_locks
from .accounts import UserError
from .gdpr import is_erased
from .link_tokens import TokenError


def issue_password_reset(
    session: Session, user: User, *, issued_by: User | None, lifetime: timedelta, ip: str = ""
) -> str:
    """A password-reset link for an active account (for an administrator to send)."""
    if is_erased(user):
        raise UserError("This account was erased; it cannot be used again.")
    if not user.active and not user.password_hash:
        raise UserError(
            f"{user.email} has not accepted their invitation yet: send a new invitation instead."
        )
    if not user.active:
        raise UserError(f"The account for {user.email} is deactivated; reactivate it first.")
    raw = link_tokens.issue(session, user, link_tokens.RESET, issued_by, lifetime)
    audit.record(
        session,
        "password_reset.requested",
        user=issued_by or user,
        obj=user,
        ip=ip,
        by_administrator=issued_by is not None,
    )
    return raw


def request_password_reset(
    session: Session, email: str, *, lifetime: timedelta, ip: str = ""
) -> tuple[User, str] | None:
    """A reset link for the active account with this e-mail, or None (told nobody)."""
    user = accounts.get_by_email(session, email)
    if user is None or not user.active or is_erased(user):
        return None
    return user, issue_password_reset(session, user, issued_by=None, lifetime=lifetime, ip=ip)


def check_reset(session: Session, raw: str) -> User:
    """The user of a reset link that can still be used (raises TokenError)."""
    user = link_tokens.peek(session, raw, link_tokens.RESET)
    if not user.active:  # deactivated since the link was sent
        raise TokenError("invalid")
    return user


def reset_password(session: Session, raw: str, password: str, *, ip: str = "") -> User:
    """Set a new password through a reset link: every session of the user ends (the
    caller starts a new one), every other reset link stops working, and a lock on
    logins after failed attempts is lifted."""
    if problem := accounts.password_problem(password):
        raise UserError(problem)
    check_reset(session, raw)
    user = link_tokens.consume(session, raw, link_tokens.RESET)
    accounts.set_password(session, user, password)
    user.last_login_at = utcnow()
    audit.record(session, "password_reset.done", user=user, obj=user, ip=ip)
    login_locks.clear_quietly(user.email)
    return user
