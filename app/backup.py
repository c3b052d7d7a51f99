"""Online backups of the SQLite database (the backup API, never a file copy)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import cast

from sqlalchemy.engine import Engine


class BackupError(RuntimeError):
    pass


def _require_sqlite(engine: Engine) -> str:
    if engine.dialect.name != "sqlite":
        raise BackupError(
            "online backup is for SQLite; for PostgreSQL use pg_dump (see README, 'Production')"
        )
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("the database is in memory: there is nothing to back up")
    return database


def backup_sqlite(
    engine: Engine, target: Path, progress: Callable[[int, int], None] | None = None
) -> int:
    """Copy the live database into ``target`` page by page while the app keeps running.

    Returns the number of pages copied. Writers are not blocked for the whole copy:
    the backup runs in steps of 256 pages and restarts if a writer changes a page.
    """
    _require_sqlite(engine)
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = engine.raw_connection()
    try:
        source = cast(sqlite3.Connection, raw.driver_connection)
        with sqlite3.connect(target) as destination:

            def _step(_status: int, remaining: int, total: int) -> None:
                if progress:
                    progress(total - remaining, total)

            source.backup(destination, pages=256, progress=_step)
            pages = destination.execute("PRAGMA page_count").fetchone()[0]
        destination.close()
        check = sqlite3.connect(target)
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"the backup in {target} failed its integrity check")
        finally:
            check.close()
        return int(pages)
    finally:
        raw.close()


def restore_sqlite(engine: Engine, source_path: Path) -> None:
    """Replace the live database's content with a backup, through the backup API."""
    _require_sqlite(engine)
    source_path = Path(source_path)
    if not source_path.is_file():
        raise BackupError(f"{source_path} is not a file")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{source_path} is not a sound SQLite database")
        engine.dispose()  # no pooled connection may hold stale pages
        raw = engine.raw_connection()
        try:
            source.backup(cast(sqlite3.Connection, raw.driver_connection))
        finally:
            raw.close()
        engine.dispose()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source_path} is not an SQLite database: {error}") from None
    finally:
        source.close()
