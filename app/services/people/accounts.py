"""Accounts: create, find and authenticate one; passwords (rules, setting and changing
them), the profile and privacy consent; deactivation; and what an administrator changes
about an account (role, organisation, led actions, active, a login lock), with the user list.

Nothing here commits. ``create_user``, ``set_password`` and ``deactivate`` leave the
audit entry to their callers; the other changes record theirs in the caller's
transaction. Invitations are ``invitations``, reset links ``password_resets``, personal
data ``gdpr``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import CursorResult, Select, select, update
from sqlalchemy.orm import Session, selectinload

from ...collation import collated_page
from ...i18n import time_zones
from ...models import Action, Organisation, Role, User, UserSession, normalise_email, utcnow
from ...models.people import password_method
from ...passwords import hash_password, needs_rehash, verify_password
from .. import audit
from . import account_rules, api_tokens, link_tokens, login_locks, user_sessions

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
    # A hash of the configured method to store in place of the one checked (an older
    # function or setting), worked out here, outside the login's write transaction.
    checked_hash: str | None = None
    new_hash: str | None = None


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
    method = password_method()
    if needs_rehash(user.password_hash, method):
        new_hash = hash_password(password, method)
        return LoginResult(user, checked_hash=user.password_hash, new_hash=new_hash)
    return LoginResult(user)


def upgrade_password_hash(session: Session, result: LoginResult) -> bool:
    """Store the login's new hash, only if the stored one is still the hash that was
    checked (a password changed in between wins). Returns whether it was stored."""
    if result.user is None or result.new_hash is None or result.checked_hash is None:
        return False
    stored = session.execute(
        update(User)
        .where(User.id == result.user.id, User.password_hash == result.checked_hash)
        .values(password_hash=result.new_hash)
    )
    return bool(cast(CursorResult[Any], stored).rowcount)


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
    link_tokens.revoke_all(session, user)
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
    link_tokens.void(session, user, link_tokens.RESET)


def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    *,
    keep: UserSession | None = None,
    ip: str = "",
) -> None:
    """Change a password knowing the current one: the sessions but ``keep`` (the one
    making the change) end, and so do unused reset links."""
    if not user.check_password(current):
        raise UserError("The current password is not correct.")
    set_password(session, user, new, keep=keep)
    audit.record(session, "password.changed", user=user, obj=user, ip=ip)


def update_profile(
    session: Session, user: User, *, display_name: str, locale: str | None, ip: str = ""
) -> None:
    name = display_name.strip()
    if not name:
        raise UserError("Enter the name to show to others.")
    user.display_name = name[:120]
    user.locale = locale or None
    audit.record(session, "profile.updated", user=user, obj=user, ip=ip, locale=locale or "")


def set_time_zone(session: Session, user: User, time_zone: str, *, ip: str = "") -> None:
    """Show ``user`` dates and times in ``time_zone`` (an IANA name, e.g. Europe/Brussels)."""
    if time_zone not in time_zones():
        raise UserError("Choose a time zone from the list.")
    user.time_zone = time_zone
    audit.record(session, "profile.updated", user=user, obj=user, ip=ip, time_zone=time_zone)


SUBMISSION_NOTICES = ("immediate", "digest", "off")


def set_submission_notices(session: Session, user: User, choice: str, *, ip: str = "") -> None:
    """How a leader hears about submissions: each at once, a daily digest, or not."""
    if choice not in SUBMISSION_NOTICES:
        raise UserError(f"Unknown choice {choice!r}.")
    if user.notify_submissions != choice:
        user.notify_submissions = choice
        audit.record(session, "profile.notices", user=user, obj=user, ip=ip, submissions=choice)


def needs_privacy_consent(user: User, version: str) -> bool:
    return user.privacy_version != version


def accept_privacy(
    session: Session, user: User, version: str, *, now: datetime | None = None, ip: str = ""
) -> None:
    """Record that ``user`` accepted privacy notice ``version``."""
    user.privacy_version = version
    user.privacy_accepted_at = now or utcnow()
    audit.record(session, "privacy.accepted", user=user, obj=user, ip=ip, version=version)


# --- what an administrator changes -----------------------------------------------------


class AccessInvalid(ValueError):
    """The change breaks a rule; ``problems`` maps a form field to the reason."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def problems_with(
    user: User,
    *,
    role: Role,
    organisation: Organisation | None,
    actions: list[Action],
    by: User | None,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if by is not None and by.id == user.id and role != Role.ADMIN:
        problems["role"] = (
            "You cannot remove your own administrator role: ask another administrator to do it."
        )
    problems.update(account_rules.problems(role, organisation, actions))
    if (
        organisation is not None
        and organisation.id != user.organisation_id
        and not organisation.active
    ):
        problems["organisation"] = (
            f"{organisation.name} is deactivated: reactivate it first, or choose another one."
        )
    return problems


def change_access(
    session: Session,
    user: User,
    *,
    role: Role | str,
    organisation: Organisation | None,
    actions: list[Action],
    may_publish: bool | None = None,
    by: User | None = None,
    ip: str = "",
) -> list[str]:
    """Set role, organisation, led actions and (``may_publish``, None: unchanged) whether
    a leader may publish their actions' drafts; returns the events recorded
    (user.role_changed, user.organisation_changed, user.actions_changed,
    user.settings_changed)."""
    try:
        role = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise AccessInvalid({"role": f"Choose a role: one of {allowed}."}) from None
    if problems := problems_with(
        user, role=role, organisation=organisation, actions=actions, by=by
    ):
        raise AccessInvalid(problems)

    def changed(event: str, old: object, new: object) -> None:
        change: dict[str, Any] = {"from": old, "to": new}
        audit.record(session, event, user=by, obj=user, ip=ip, **change)
        events.append(event)

    events: list[str] = []
    if user.role != role:
        changed("user.role_changed", user.role.value, role.value)
        user.role = role
    if user.organisation_id != (organisation.id if organisation else None):
        old_name = user.organisation.name if user.organisation else None
        changed("user.organisation_changed", old_name, organisation.name if organisation else None)
        user.organisation = organisation
    before = sorted(user.led_action_numbers)
    after = sorted({a.number for a in actions})
    if before != after:
        changed("user.actions_changed", before, after)
        user.led_actions = sorted(actions, key=lambda a: a.number)
    if may_publish is not None and bool(user.may_publish) != may_publish:
        setting: dict[str, Any] = {
            "setting": "may_publish",
            "from": bool(user.may_publish),
            "to": may_publish,
        }
        audit.record(session, "user.settings_changed", user=by, obj=user, ip=ip, **setting)
        events.append("user.settings_changed")
        user.may_publish = may_publish
    return events


def set_active(
    session: Session, user: User, active: bool, *, by: User | None = None, ip: str = ""
) -> bool:
    """Deactivate (ending every session of the account) or reactivate; False if unchanged."""
    if user.active == active:
        return False
    if not active and by is not None and by.id == user.id:
        raise AccessInvalid(
            {"active": "You cannot deactivate your own account: ask another administrator."}
        )
    if active:
        user.active = True  # with no session, link or API token: deactivation ended them
    else:
        deactivate(session, user)
    event = "user.reactivated" if active else "user.deactivated"
    audit.record(session, event, user=by, obj=user, ip=ip)
    return True


def unlock_login(session: Session, user: User, *, by: User | None = None, ip: str = "") -> bool:
    """Lift the lock on logins after too many failed attempts; False if there was none.
    Raises login_locks.LockStoreError when the counters cannot be reached."""
    if not login_locks.unlock(user.email):
        return False
    audit.record(session, "user.login_unlocked", user=by, obj=user, ip=ip)
    return True


def search(
    *, q: str = "", role: str = "", organisation_id: int | None = None, active: bool | None = None
) -> Select[*tuple[Any, ...]]:
    """The user list query: name or e-mail contains ``q``; exact role/organisation; active."""
    stmt = select(User).options(selectinload(User.led_actions), selectinload(User.organisation))
    if q := q.strip():
        stmt = stmt.where(
            User.display_name.icontains(q, autoescape=True)
            | User.email.icontains(q, autoescape=True)
        )
    if role:
        stmt = stmt.where(User.role == role)
    if organisation_id:
        stmt = stmt.where(User.organisation_id == organisation_id)
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return stmt.order_by(User.display_name, User.email, User.id)


def list_page(
    session: Session, stmt: Select[*tuple[Any, ...]], page: int, per_page: int
) -> Pagination:
    """One page of ``stmt`` (from ``search``), people by name in collation order."""
    return collated_page(
        session, stmt, User.id, (User.display_name, User.email), page=page, per_page=per_page
    )
