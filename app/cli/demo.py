"""`flask demo ...`: demo accounts and responses."""

from __future__ import annotations

import secrets
import time

import click
from sqlalchemy import func, select

from ..demo import responses as demo
from ..extensions import db
from ..models import (
    Action,
    Organisation,
    OrgKind,
    ResponseState,
    Role,
    SizeBand,
    User,
)
from ..services import audit
from ..services.people import accounts
from .base import Group, fail


@click.group("demo", cls=Group)
def demo_group() -> None:
    """Demo data for trying the platform out."""


DEMO_ORGS = [
    ("City of Leipzig", OrgKind.CITY, "DE", SizeBand.LARGE, [1, 2, 4, 6, 8, 11]),
    ("Comune di Mantova", OrgKind.CITY, "IT", SizeBand.SMALL, [1, 3, 5, 7, 9, 10]),
    ("Ville de Lille", OrgKind.CITY, "FR", SizeBand.LARGE, [2, 4, 6, 9, 11]),
]


@demo_group.command("accounts")
def demo_accounts() -> None:
    """Create demo organisations and one account per role, when no account exists yet.

    The passwords are random and printed once.
    """
    if db.session.scalar(select(func.count(User.id))):
        click.echo("Accounts exist already; no demo accounts created.")
        return
    actions = {a.number: a for a in db.session.scalars(select(Action))}
    if len(actions) < 11:
        fail("The framework is not loaded: run `flask --app wsgi seed` first.")
    orgs = []
    for name, kind, country, size, numbers in DEMO_ORGS:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            org = Organisation(name=name, kind=kind, country=country, size_band=size)
            org.actions = [actions[n] for n in numbers]
            db.session.add(org)
        orgs.append(org)
    db.session.flush()
    specs = [
        ("admin@example.org", "Ada Admin", Role.ADMIN, None, []),
        ("coordinator@example.org", "Cora Coordinator", Role.COORDINATOR, None, []),
        ("leader@example.org", "Leo Leader (actions 1, 2)", Role.LEADER, None, [1, 2]),
        ("respondent@example.org", "Rita Respondent (Leipzig)", Role.RESPONDENT, orgs[0], []),
        ("colleague@example.org", "Carl Colleague (Leipzig)", Role.RESPONDENT, orgs[0], []),
        ("mantova@example.org", "Marta Mantova", Role.RESPONDENT, orgs[1], []),
    ]
    lines = []
    for email, name, role, org, numbers in specs:
        password = secrets.token_urlsafe(9)
        accounts.create_user(
            db.session,
            email,
            role=role,
            display_name=name,
            password=password,
            organisation=org,
            actions=[actions[n] for n in numbers],
        )
        lines.append(f"  {role.value:<12} {email:<26} {password}")
    audit.record(db.session, "demo.accounts", actor="cli", count=len(specs))
    db.session.commit()
    click.echo("")
    click.echo("Demo accounts (these passwords are shown only this once):")
    for line in lines:
        click.echo(line)
    click.echo("")


@demo_group.command("responses")
@click.option(
    "--count", type=click.IntRange(1, 1_000_000), required=True, help="How many responses."
)
@click.option("--seed", type=int, help="Random seed, for the same data again.")
@click.option(
    "--state",
    type=click.Choice([s.value for s in ResponseState]),
    help="Put every response in this state (default: a realistic mix, most accepted).",
)
def demo_responses(count: int, seed: int | None, state: str | None) -> None:
    """Make COUNT varied, plausible responses to the published questionnaires, from
    generated organisations across the 27 EU Member States (valid answers, conditions
    respected, review history recorded)."""
    started = time.perf_counter()
    done = 0
    try:
        with click.progressbar(length=count, label="Making responses") as bar:
            for made in demo.generate_responses(db.session, count, seed=seed, state=state):
                db.session.commit()
                bar.update(made - done)
                done = made
    except demo.DemoError as error:
        db.session.rollback()
        fail(str(error))
    elapsed = time.perf_counter() - started
    audit.record(
        db.session, "demo.responses", actor="cli", count=count, seed=seed, state=state or "mix"
    )
    db.session.commit()
    click.echo(f"Made {done} responses in {elapsed:.1f} s ({done / max(elapsed, 1e-9):.0f}/s).")
