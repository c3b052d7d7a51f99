"""`flask seed`: the framework and the shipped questionnaires."""

from __future__ import annotations

import click

from ..extensions import db
from ..services.questionnaires.framework import seed_framework
from .base import Command


@click.command("seed", cls=Command)
def seed_command() -> None:
    """Load the framework (themes, perspectives, pillars, actions); safe to run again."""
    report = seed_framework(db.session)
    db.session.commit()
    if report.changed:
        click.echo(
            f"Framework: {len(report.created)} created, {len(report.updated)} updated "
            f"({', '.join((report.created + report.updated)[:6])}"
            f"{', ...' if len(report.created + report.updated) > 6 else ''})."
        )
    else:
        click.echo("Framework: up to date.")
    from ..services.questionnaires import seeding

    for line in seeding.run_extra_seeds(db.session):
        click.echo(line)
    db.session.commit()
