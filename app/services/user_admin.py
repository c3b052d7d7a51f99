"""What an administrator changes about an account: role, organisation, led actions,
active. Each rule says what to do instead; each change is audited."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from ..models import Action, Organisation, Role, User
from . import account_rules, audit, login_locks, users


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
    by: User | None = None,
    ip: str = "",
) -> list[str]:
    """Set role, organisation and led actions; returns the events recorded
    (user.role_changed, user.organisation_changed, user.actions_changed)."""
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
        audit.record(session, event, user=by, obj=user, ip=ip, **{"from": old, "to": new})
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
        users.deactivate(session, user)
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
) -> Select:
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
