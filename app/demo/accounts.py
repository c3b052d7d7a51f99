"""Demo accounts: three organisations and one account per role, with random passwords,
made once (when no account exists yet) so that a new installation can be tried out."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Action, Organisation, OrgKind, Role, SizeBand, User
from ..services import audit
from ..services.people import accounts
from .responses import DemoError

DEMO_ORGS = [
    ("City of Leipzig", OrgKind.CITY, "DE", SizeBand.LARGE, [1, 2, 4, 6, 8, 11]),
    ("Comune di Mantova", OrgKind.CITY, "IT", SizeBand.SMALL, [1, 3, 5, 7, 9, 10]),
    ("Ville de Lille", OrgKind.CITY, "FR", SizeBand.LARGE, [2, 4, 6, 9, 11]),
]


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    password: str


def create_demo_accounts(session: Session) -> list[DemoAccount] | None:
    """The demo organisations and accounts, audited; None (nothing made) when accounts
    exist already. Raises DemoError without the framework. The caller commits."""
    if session.scalar(select(func.count(User.id))):
        return None
    actions = {a.number: a for a in session.scalars(select(Action))}
    if len(actions) < 11:
        raise DemoError("The framework is not loaded: run `flask --app wsgi seed` first.")
    orgs = []
    for name, kind, country, size, numbers in DEMO_ORGS:
        org = session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            org = Organisation(name=name, kind=kind, country=country, size_band=size)
            org.actions = [actions[n] for n in numbers]
            session.add(org)
        orgs.append(org)
    session.flush()
    specs = [
        ("admin@example.org", "Ada Admin", Role.ADMIN, None, []),
        ("coordinator@example.org", "Cora Coordinator", Role.COORDINATOR, None, []),
        ("leader@example.org", "Leo Leader (actions 1, 2)", Role.LEADER, None, [1, 2]),
        ("respondent@example.org", "Rita Respondent (Leipzig)", Role.RESPONDENT, orgs[0], []),
        ("colleague@example.org", "Carl Colleague (Leipzig)", Role.RESPONDENT, orgs[0], []),
        ("mantova@example.org", "Marta Mantova", Role.RESPONDENT, orgs[1], []),
    ]
    made = []
    for email, name, role, org, numbers in specs:
        password = secrets.token_urlsafe(9)
        accounts.create_user(
            session,
            email,
            role=role,
            display_name=name,
            password=password,
            organisation=org,
            actions=[actions[n] for n in numbers],
        )
        made.append(DemoAccount(role, email, password))
    audit.record(session, "demo.accounts", actor="cli", count=len(specs))
    return made
