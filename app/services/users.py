"""Accounts: create, authenticate, set a password, deactivate."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Action, Organisation, Role, User, UserSession, normalise_email
from ..models.people import password_method
from ..passwords import hash_password, verify_password
from . import account_rules, api_tokens, tokens, user_sessions

MIN_PASSWORD_LENGTH = 10
# Real hashes of a random password, one per hashing method: failed logins for unknown
# e-mails take as long as failed logins for known ones, so timing reveals nothing.
_DUMMY_HASHES: dict[str, str] = {}


class UserError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    reason: str = ""  # for the audit log only; users always see one generic message


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
    if password.strip() != password or not password.strip():
        return "The password must not start or end with spaces."
    return None


def get_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    email: str,
    *,
    role: Role | str,
    display_name: str | None = None,
    password: str | None = None,
    organisation: Organisation | None = None,
    actions: list[Action] | None = None,
) -> User:
    """Create an account, checking the rules that tie role, organisation and actions."""
    try:
        role = Role(role)
    except ValueError:
        raise UserError(
            f"Unknown role {role!r}: use one of {', '.join(r.value for r in Role)}."
        ) from None
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise UserError(f"{email!r} is not an e-mail address.")
    if get_by_email(session, email) is not None:
        raise UserError(f"An account for {email} already exists.")
    if problems := account_rules.new_account_problems(role, organisation, actions or []):
        raise UserError(" ".join(problems.values()))
    if password is not None and (problem := password_problem(password)):
        raise UserError(problem)
    user = User(
        email=email,
        display_name=display_name or email.split("@")[0],
        role=role,
        organisation=organisation,
    )
    session.add(user)  # before touching relationships: autoflush must find it in the session
    if role == Role.LEADER:
        user.led_actions = list(actions or [])
    if role == Role.RESPONDENT and organisation is not None and actions:
        for action in actions:
            if action not in organisation.actions:
                organisation.actions.append(action)
    if password is not None:
        user.set_password(password)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> LoginResult:
    """Check a login; always does the work of one password check. Writes nothing (the
    caller records the login), so it can run in a read-only transaction."""
    user = get_by_email(session, email)
    if user is None or not user.password_hash:
        verify_password(_dummy_hash(), password)
        return LoginResult(None, "unknown e-mail" if user is None else "no password set")
    if not user.check_password(password):
        return LoginResult(None, "wrong password")
    if not user.active:
        return LoginResult(None, "account deactivated")
    return LoginResult(user)


def _dummy_hash() -> str:
    method = password_method()
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password(secrets.token_hex(16), method)
    return _DUMMY_HASHES[method]


def deactivate(session: Session, user: User, now: datetime | None = None) -> None:
    """Deactivate ``user`` and close every way in: sessions end, unused invitation and
    reset links are deleted, API tokens are revoked (reactivation brings none back)."""
    user.active = False
    user_sessions.end_all(session, user)
    tokens.revoke_all(session, user)
    api_tokens.revoke_all(session, user, now)


def set_password(
    session: Session, user: User, password: str, *, keep: UserSession | None = None
) -> None:
    """Set a new password, and end what the old one had opened: every session of the
    account but ``keep`` (the one making the change) and every unused reset link."""
    if problem := password_problem(password):
        raise UserError(problem)
    user.set_password(password)
    user_sessions.end_all(session, user, keep=keep)
    tokens.void(session, user, tokens.RESET)
