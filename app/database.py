"""Engine tuning: SQLite pragmas and immediate write transactions, PostgreSQL pre-ping."""

from __future__ import annotations

import logging
import re
import sqlite3
from contextlib import suppress
from typing import Any, cast

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, scoped_session

from .extensions import db


def current_session() -> Session:
    """The app context's Session itself, behind the ``db.session`` proxy. Needed for the
    few Session methods the proxy does not pass on (``in_transaction``, ``invalidate``...;
    ``db.session`` is typed as a Session, so the type checker cannot flag those:
    tests/test_architecture.py does)."""
    return cast(scoped_session[Session], db.session)()


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
    """End every request's session safely; install the SQLite connection hooks on the
    app's engine (none on PostgreSQL)."""
    app.teardown_appcontext(_remove_session)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    _install_sqlite_hooks(engine, busy_timeout)


def _remove_session(_error: BaseException | None) -> None:
    """Close the request's session before Flask-SQLAlchemy's own teardown (teardowns run
    last-registered first). When the database went away mid-request (PostgreSQL
    restarting), the rollback on close fails: the connection is thrown away instead of
    letting the error escape after the response was made."""
    scoped = cast(scoped_session[Session], db.session)  # typed as a Session elsewhere
    try:
        scoped.remove()
    except Exception:  # noqa: BLE001 - the database is gone; the response stands
        # SQLAlchemy has invalidated a connection it found dead; forget the session.
        logging.getLogger("tympanum.errors").warning(
            "session close failed: connection discarded", exc_info=True
        )
        with suppress(Exception):
            current_session().invalidate()
        scoped.registry.clear()


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
        # "database is locked". Work that only reads begins a plain (deferred)
        # transaction and never queues behind writers (WAL readers see a snapshot): the
        # GET pages (``read_only_request``) and long reads that opt out with
        # execution_options(sqlite_deferred=True) (exports).
        deferred = conn.get_execution_options().get("sqlite_deferred") or read_only_request()
        conn.info["tympanum_deferred"] = bool(deferred)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _guard_writes(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # A write inside a deferred transaction could fail at once with "database is
        # locked" under concurrency; in tests it fails always, so a GET view that writes
        # without @writes_on_get is found by the suite, not by the first busy deadline.
        if (
            conn.info.get("tympanum_deferred")
            and _WRITE.match(statement)
            and has_request_context()
            and current_app.config.get("TESTING")
        ):
            raise RuntimeError(
                f"{request.endpoint} writes during a {request.method}: "
                "mark the view with @writes_on_get (app.database)"
            )


_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def writes_on_get(target: Any) -> Any:
    """Mark a view (or a whole blueprint) that writes to the database on GET, such as an
    audit entry on a download: its transaction takes the SQLite write lock up front like
    a POST's."""
    target.writes_on_get = True
    return target


def read_only_request() -> bool:
    """True in a GET or HEAD request whose view (and blueprint) is not marked
    @writes_on_get."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    blueprint = current_app.blueprints.get(request.blueprint or "")
    return not (getattr(view, "writes_on_get", False) or getattr(blueprint, "writes_on_get", False))
