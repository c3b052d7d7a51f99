"""Account life cycle: invitations, password resets and changes, privacy consent.

Personal data (export, erasure, retention) lives in ``app.services.gdpr`` and is
re-exported here, so ``accounts`` is the one module views and the CLI import.
Every function records its audit entry in the caller's transaction and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from .. import authz
from ..models import Action, Organisation, Role, User, UserSession, normalise_email, utcnow
from . import account_rules, audit, login_locks, tokens, users
from .gdpr import (
    ERASED_NAME,
    PurgeReport,
    erase_user,
    erasure_summary,
    is_erased,
    personal_data,
    purge_retention,
)
from .tokens import TokenError
from .users import UserError

__all__ = [
    "ERASED_NAME",
    "PurgeReport",
    "TokenError",
    "UserError",
    "accept_invitation",
    "accept_privacy",
    "change_password",
    "check_invitation",
    "check_reset",
    "erase_user",
    "erasure_summary",
    "invite",
    "is_erased",
    "issue_password_reset",
    "needs_privacy_consent",
    "personal_data",
    "purge_retention",
    "request_password_reset",
    "reset_password",
    "update_profile",
]


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise UserError(f"Unknown role {value!r}: choose one of the roles offered.") from None


def _check_invitation_rules(
    inviter: User, role: Role, organisation: Organisation | None, actions: list[Action]
) -> None:
    if not authz.can_invite(inviter, role, actions):
        if inviter.role != Role.LEADER:
            raise UserError("Your account cannot invite people.")
        if role != Role.RESPONDENT:
            raise UserError(
                "Action leaders can invite respondents only; "
                "ask an administrator to invite other roles."
            )
        if not actions:
            raise UserError("Choose at least one of the actions you lead.")
        foreign = sorted(a.number for a in actions if not authz.leads(inviter, a))
        raise UserError(
            "You can invite people only for the actions you lead; you do not lead action "
            + ", ".join(str(n) for n in foreign)
            + "."
        )
    if problems := account_rules.new_account_problems(role, organisation, actions):
        raise UserError(" ".join(problems.values()))


def _add_actions(user: User, organisation: Organisation | None, actions: list[Action]) -> None:
    if user.role == Role.LEADER:
        for action in actions:
            if action not in user.led_actions:
                user.led_actions.append(action)
    elif user.role == Role.RESPONDENT and organisation is not None:
        for action in actions:
            if action not in organisation.actions:
                organisation.actions.append(action)


def invite(
    session: Session,
    *,
    email: str,
    display_name: str,
    role: Role | str,
    organisation: Organisation | None,
    actions: Iterable[Action],
    invited_by: User,
    lifetime: timedelta,
    ip: str = "",
) -> tuple[User, str]:
    """Invite someone: a new account without a password, and an invitation link.

    Respondents' actions are added to their organisation's actions; leaders' to the
    actions they lead. Inviting an address whose account is still waiting for its
    invitation to be accepted issues a fresh link. For an account that is already in
    use, the actions are added and no link is issued (the second value is ""): a link
    that sets a password must not reach an inviter for an account someone else owns.
    """
    role = _role(role)
    actions = list(actions)
    email = normalise_email(email)
    display_name = display_name.strip()
    _check_invitation_rules(invited_by, role, organisation, actions)
    if "@" not in email or len(email) > 254:
        raise UserError(f"{email!r} is not an e-mail address.")
    numbers = sorted(a.number for a in actions)
    user = users.get_by_email(session, email)
    if user is None:
        user = users.create_user(
            session,
            email,
            role=role,
            display_name=display_name or None,
            organisation=organisation,
            actions=actions,
        )
        user.active = False  # until the invitation is accepted
    else:
        same_org = user.organisation_id == (organisation.id if organisation else None)
        if user.role != role or not same_org:
            where = user.organisation.name if user.organisation else "no organisation"
            raise UserError(
                f"An account for {email} exists already as {user.role.value} ({where}). "
                "Invite them with that role and organisation, or ask an administrator."
            )
        if is_erased(user):
            raise UserError(f"The account for {email} was erased.")
        if user.password_hash and not user.active:
            raise UserError(
                f"The account for {email} is deactivated; an administrator can reactivate it."
            )
        _add_actions(user, organisation, actions)
        if user.password_hash:
            audit.record(
                session, "user.actions_added", user=invited_by, obj=user, ip=ip, actions=numbers
            )
            session.flush()
            return user, ""
        if display_name:
            user.display_name = display_name
    raw = tokens.issue(session, user, tokens.INVITE, invited_by, lifetime)
    audit.record(
        session,
        "invitation.sent",
        user=invited_by,
        obj=user,
        ip=ip,
        role=role.value,
        actions=numbers,
    )
    return user, raw


def check_invitation(session: Session, raw: str) -> User:
    """The invited user, if the link can still be used (raises TokenError)."""
    return tokens.peek(session, raw, tokens.INVITE)


def accept_invitation(
    session: Session, raw: str, password: str, *, display_name: str = "", ip: str = ""
) -> User:
    """Set the password chosen through an invitation link and activate the account."""
    if problem := users.password_problem(password):
        raise UserError(problem)  # before using the link up: the person can try again
    user = tokens.consume(session, raw, tokens.INVITE)
    users.set_password(session, user, password)
    user.active = True
    if display_name.strip():
        user.display_name = display_name.strip()[:120]
    user.last_login_at = utcnow()
    audit.record(session, "invitation.accepted", user=user, obj=user, ip=ip)
    return user


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
    raw = tokens.issue(session, user, tokens.RESET, issued_by, lifetime)
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
    user = users.get_by_email(session, email)
    if user is None or not user.active or is_erased(user):
        return None
    return user, issue_password_reset(session, user, issued_by=None, lifetime=lifetime, ip=ip)


def check_reset(session: Session, raw: str) -> User:
    """The user of a reset link that can still be used (raises TokenError)."""
    user = tokens.peek(session, raw, tokens.RESET)
    if not user.active:  # deactivated since the link was sent
        raise TokenError("invalid")
    return user


def reset_password(session: Session, raw: str, password: str, *, ip: str = "") -> User:
    """Set a new password through a reset link: every session of the user ends (the
    caller starts a new one), every other reset link stops working, and a lock on
    logins after failed attempts is lifted."""
    if problem := users.password_problem(password):
        raise UserError(problem)
    check_reset(session, raw)
    user = tokens.consume(session, raw, tokens.RESET)
    users.set_password(session, user, password)
    user.last_login_at = utcnow()
    audit.record(session, "password_reset.done", user=user, obj=user, ip=ip)
    login_locks.clear_quietly(user.email)
    return user


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
    users.set_password(session, user, new, keep=keep)
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


def needs_privacy_consent(user: User, version: str) -> bool:
    return user.privacy_version != version


def accept_privacy(
    session: Session, user: User, version: str, *, now: datetime | None = None, ip: str = ""
) -> None:
    """Record that ``user`` accepted privacy notice ``version``."""
    user.privacy_version = version
    user.privacy_accepted_at = now or utcnow()
    audit.record(session, "privacy.accepted", user=user, obj=user, ip=ip, version=version)
