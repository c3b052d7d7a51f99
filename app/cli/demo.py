"""`flask demo ...`: demo accounts and responses."""

from __future__ import annotations

import time

import click

from ..demo.accounts import create_demo_accounts
from ..demo.responses import DemoError, accept_for_accounts, generate_responses
from ..extensions import db
from ..models import ResponseState
from ..services import audit
from .base import Group, fail


@click.group("demo", cls=Group)
def demo_group() -> None:
    """Demo data for trying the platform out."""


@demo_group.command("accounts")
def demo_accounts() -> None:
    """Create demo organisations and one account per role, when no account exists yet.

    The passwords are random and printed once; `flask --app wsgi users set-password`
    sets a new one.
    """
    try:
        made = create_demo_accounts(db.session)
    except DemoError as error:
        fail(str(error))
    if made is None:
        click.echo("Accounts exist already; no demo accounts created.")
        click.echo(
            "Forgotten a password? Set a new one with "
            "`flask --app wsgi users set-password EMAIL` (prompts; or --password-stdin)."
        )
        return
    db.session.commit()
    click.echo("")
    click.echo("Demo accounts (these passwords are shown only this once):")
    for account in made:
        click.echo(f"  {account.role.value:<12} {account.email:<26} {account.password}")
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
            for made in generate_responses(db.session, count, seed=seed, state=state):
                db.session.commit()
                bar.update(made - done)
                done = made
    except DemoError as error:
        db.session.rollback()
        fail(str(error))
    elapsed = time.perf_counter() - started
    own = accept_for_accounts(db.session, seed)
    audit.record(
        db.session, "demo.responses", actor="cli", count=count, seed=seed, state=state or "mix"
    )
    db.session.commit()
    click.echo(f"Made {done} responses in {elapsed:.1f} s ({done / max(elapsed, 1e-9):.0f}/s).")
    if own:
        click.echo(
            f"Gave {own} organisations with accounts an accepted response each: their people "
            "can open their results (benchmark)."
        )
