"""Invitations: a new account without a password and a link to choose one; for an account
already in use, the actions are added. Audited in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import authz
from ...models import Action, OneTimeToken, Organisation, Role, User, normalise_email, utcnow
from .. import audit
from . import account_rules, accounts, link_tokens
from .accounts import UserError
from .gdpr import is_erased

RESEND = "resend"  # the same invitation again: a fresh link, nothing else changes
CHANGE = "change"  # the invitation as now filled in: name and actions, a fresh link
PENDING_CHOICES = (RESEND, CHANGE)


@dataclass(frozen=True)
class Pending:
    """An account still waiting for its invitation to be accepted, and its last link."""

    user: User
    invited_by: User | None
    invited_at: datetime | None
    expires_at: datetime | None


class InvitationPending(UserError):
    """The address has an invitation pending: the inviter chooses to resend or change it
    (``invite(..., on_pending=RESEND or CHANGE)``) rather than replacing it unseen."""

    def __init__(self, pending: Pending) -> None:
        super().__init__(f"An invitation to {pending.user.email} is pending already.")
        self.pending = pending


def pending_invitation(session: Session, user: User) -> Pending:
    """Who sent ``user``'s latest invitation link, when, and until when it works."""
    token = session.scalar(
        select(OneTimeToken)
        .where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == link_tokens.INVITE)
        .order_by(OneTimeToken.created_at.desc(), OneTimeToken.id.desc())
        .limit(1)
    )
    if token is None:
        return Pending(user, None, None, None)
    inviter = session.get(User, token.created_by_id) if token.created_by_id else None
    return Pending(user, inviter, token.created_at, token.expires_at)


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
    on_pending: str | None = None,
    locale: str | None = None,
) -> tuple[User, str]:
    """Invite someone: a new account without a password, and an invitation link.

    Respondents' actions are added to their organisation's actions; leaders' to the
    actions they lead. Inviting an address whose account is still waiting for its
    invitation to be accepted issues a fresh link. For an account that is already in
    use, the actions are added and no link is issued (the second value is ""): a link
    that sets a password must not reach an inviter for an account someone else owns.
    ``locale`` (the invitation's language) becomes the new account's language, for its
    pages and e-mails, until its owner chooses another.
    """
    role = _role(role)
    actions = list(actions)
    email = normalise_email(email)
    display_name = display_name.strip()
    _check_invitation_rules(invited_by, role, organisation, actions)
    if "@" not in email or len(email) > 254:
        raise UserError(f"{email!r} is not an e-mail address.")
    numbers = sorted(a.number for a in actions)
    user = accounts.get_by_email(session, email)
    if user is None:
        user = accounts.create_user(
            session,
            email,
            role=role,
            display_name=display_name or None,
            organisation=organisation,
            actions=actions,
        )
        user.active = False  # until the invitation is accepted
        user.locale = locale or None
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
        if user.password_hash:
            _add_actions(user, organisation, actions)
            audit.record(
                session, "user.actions_added", user=invited_by, obj=user, ip=ip, actions=numbers
            )
            session.flush()
            return user, ""
        if on_pending not in PENDING_CHOICES:
            raise InvitationPending(pending_invitation(session, user))
        if on_pending == RESEND:
            raw = link_tokens.issue(session, user, link_tokens.INVITE, invited_by, lifetime)
            audit.record(session, "invitation.resent", user=invited_by, obj=user, ip=ip)
            return user, raw
        _add_actions(user, organisation, actions)
        if display_name and display_name != user.display_name:
            audit.record(
                session,
                "invitation.changed",
                user=invited_by,
                obj=user,
                ip=ip,
                old_name=user.display_name,
                new_name=display_name,
            )
            user.display_name = display_name
    raw = link_tokens.issue(session, user, link_tokens.INVITE, invited_by, lifetime)
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
    return link_tokens.peek(session, raw, link_tokens.INVITE)


def accept_invitation(
    session: Session, raw: str, password: str, *, display_name: str = "", ip: str = ""
) -> User:
    """Set the password chosen through an invitation link and activate the account."""
    if problem := accounts.password_problem(password):
        raise UserError(problem)  # before using the link up: the person can try again
    user = link_tokens.consume(session, raw, link_tokens.INVITE)
    accounts.set_password(session, user, password)
    user.active = True
    if display_name.strip():
        user.display_name = display_name.strip()[:120]
    user.last_login_at = utcnow()
    audit.record(session, "invitation.accepted", user=user, obj=user, ip=ip)
    return user
