"""Engine tuning: SQLite pragmas and immediate write transactions, PostgreSQL pre-ping."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from .extensions import db


def engine_options(url: str, busy_timeout_ms: int) -> dict[str, Any]:
    """SQLAlchemy engine options for the database behind ``url``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        options: dict[str, Any] = {
            "connect_args": {"timeout": busy_timeout_ms / 1000, "check_same_thread": False}
        }
        if parsed.database in (None, "", ":memory:"):
            from sqlalchemy.pool import StaticPool

            options["poolclass"] = StaticPool
        return options
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10, "pool_recycle": 1800}


def configure_engine(app: Flask) -> None:
    """Install the SQLite connection hooks on the app's engine (no-op on PostgreSQL)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    _install_sqlite_hooks(engine, busy_timeout)


def _install_sqlite_hooks(engine: Engine, busy_timeout_ms: int) -> None:
    if getattr(engine, "_tympanum_hooks", False):
        return
    engine._tympanum_hooks = True  # type: ignore[attr-defined]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock up front, so concurrent writers wait for
        # the busy timeout instead of failing on a read-to-write upgrade with
        # "database is locked". Long read-only work (exports) opts out with
        # execution_options(sqlite_deferred=True) and does not block writers.
        if conn.get_execution_options().get("sqlite_deferred"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
