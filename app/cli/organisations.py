"""`flask organisations import|list`: the CSV import and a listing, for the command line."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..collation import collated
from ..extensions import db
from ..models import Organisation
from ..services.people import organisation_import
from .base import Group, fail


@click.group("organisations", cls=Group)
def organisations_group() -> None:
    """Manage organisations."""


@organisations_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report only; write nothing.")
def organisations_import(file: Path, dry_run: bool) -> None:
    """Import organisations from a CSV FILE (name, kind, country, city size band).

    Every row is checked first; if any is wrong, the report lists them and nothing is
    imported (exit code 1). Names that exist already are skipped.
    """
    try:
        with file.open("rb") as handle:
            raw = handle.read(organisation_import.MAX_BYTES + 1)
    except OSError as error:
        fail(f"Cannot read {file}: {error.strerror}.")
    report = organisation_import.read(db.session, raw, file.name)
    for line in report.lines():
        click.echo(line, err=not report.is_valid)
    if not report.is_valid:
        db.session.rollback()
        click.echo(
            f"Nothing imported: {len(report.invalid_rows)} row(s) with problems"
            f"{' and problems with the file' if report.file_errors else ''}. "
            "Fix them and run the command again.",
            err=True,
        )
        raise click.exceptions.Exit(1)
    new, skipped = len(report.new_rows), len(report.skipped_rows)
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run: {new} organisation(s) would be imported, {skipped} skipped.")
        return
    if not new:
        click.echo(f"Nothing to import: all {skipped} organisation(s) exist already.")
        return
    with click.progressbar(length=new, label="Importing") as bar:
        organisation_import.commit(db.session, report, actor="cli", progress=bar.update)
    db.session.commit()
    click.echo(f"Imported {new} organisation(s); {skipped} skipped (already exist).")


@organisations_group.command("list")
def organisations_list() -> None:
    """List organisations: name, kind, country, size band, actions, active."""
    rows = collated(
        db.session.scalars(select(Organisation).options(selectinload(Organisation.actions))),
        key=lambda org: org.name,
    )
    if not rows:
        click.echo("No organisations yet.")
        return
    for org in rows:
        actions = ",".join(str(a.number) for a in org.actions) or "-"
        size = org.size_band.value if org.size_band else "-"
        state = "active" if org.active else "inactive"
        click.echo(
            f"{org.name:<40} {org.kind.value:<13} {org.country:<3} {size:<13} {actions:<12} {state}"
        )
