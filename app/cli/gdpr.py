"""`flask gdpr ...`: personal data."""

from __future__ import annotations

import json

import click
from flask import current_app

from ..extensions import db
from ..models import (
    User,
    utcnow,
)
from ..services import audit
from ..services.people import accounts, gdpr
from .base import Group, fail


@click.group("gdpr", cls=Group)
def gdpr_group() -> None:
    """Personal data: export, erasure, retention purge."""


def _account(email: str) -> User:
    user = accounts.get_by_email(db.session, email)
    if user is None:
        fail(f"No account for {email}; see `flask --app wsgi users list`.")
    return user


@gdpr_group.command("export")
@click.argument("email")
def gdpr_export(email: str) -> None:
    """Print everything held about one person, as JSON."""
    user = _account(email)
    data = gdpr.personal_data(db.session, user)
    audit.record(db.session, "personal_data.exported", actor="cli", obj=user)
    db.session.commit()
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@gdpr_group.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def gdpr_erase(email: str, yes: bool) -> None:
    """Erase one person's data (their organisation's answers stay)."""
    user = _account(email)
    if not yes:
        click.confirm(
            f"Erase the personal data of {user.email} ({user.display_name})? This cannot be undone",
            abort=True,
        )
    try:
        gdpr.erase_user(db.session, user, None, actor="cli")
    except accounts.UserError as error:
        db.session.rollback()
        fail(str(error))
    db.session.commit()
    click.echo(f"Erased the personal data of {email} (account #{user.id}).")


@gdpr_group.command("purge")
@click.option(
    "--months",
    type=click.IntRange(min=1),
    help="Age of submitted responses to pseudonymise (default: RETENTION_MONTHS).",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
def gdpr_purge(months: int | None, dry_run: bool) -> None:
    """Pseudonymise old submitted responses and erase people inactive since."""
    months = months or current_app.config["RETENTION_MONTHS"]
    report = gdpr.purge_retention(db.session, months, utcnow(), dry_run, actor="cli")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would be" if dry_run else "were"
    click.echo(
        f"Responses submitted before {report.cutoff:%Y-%m-%d} ({months} months ago), "
        "submitted, accepted or rejected:"
    )
    click.echo(
        f"  {len(report.responses)} {verb} pseudonymised "
        f"({report.links} links to people removed)"
        + (f": {', '.join(report.responses[:10])}" if report.responses else "")
        + (", ..." if len(report.responses) > 10 else "")
    )
    click.echo(f"  {len(report.users)} accounts with no activity since {verb} erased")
    for user_id, email in report.users:
        click.echo(f"    #{user_id} {email}")
    for line in report.skipped:
        click.echo(f"  not erased: {line}")
    if dry_run:
        click.echo("Dry run: nothing was changed.")
