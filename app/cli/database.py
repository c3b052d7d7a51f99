"""`flask db backup|restore`: SQLite online backups."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..extensions import db
from .base import Command, fail


@click.command("backup", cls=Command)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(path: Path) -> None:
    """Back up the SQLite database to PATH while the app runs (PostgreSQL: use pg_dump)."""
    from ..backup import BackupError, backup_sqlite

    with click.progressbar(length=100, label="Backing up", file=sys.stderr) as bar:
        done = [0]

        def progress(copied: int, total: int) -> None:
            percent = int(copied * 100 / total) if total else 100
            bar.update(percent - done[0])
            done[0] = percent

        try:
            pages = backup_sqlite(db.engine, path, progress)
        except BackupError as error:
            fail(str(error))
    click.echo(f"Backed up {pages} pages to {path}.")


@click.command("restore", cls=Command)
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_restore(path: Path, yes: bool) -> None:
    """Replace the SQLite database's content with the backup at PATH."""
    from ..backup import BackupError, restore_sqlite

    if not yes:
        click.confirm(f"Replace everything in {db.engine.url.database} with {path}?", abort=True)
    try:
        restore_sqlite(db.engine, path)
    except BackupError as error:
        fail(str(error))
    click.echo(f"Restored the database from {path}.")
