"""The factory, health check, security headers, error pages and request logging."""

from __future__ import annotations

import logging

import pytest

from app import create_app
from config import ProductionConfig, TestingConfig

from .conftest import ON_POSTGRES, PASSWORD


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_is_gone():
    # A database file in a directory that cannot exist: every connection fails.
    bad = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite:////proc/nonexistent/db.sqlite")
    response = bad.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_security_headers_on_every_page(client):
    for url in ("/login", "/healthz", "/does-not-exist"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Request-ID"]


def test_no_inline_script_in_pages(client, login_as):
    login_as("admin")
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html


@pytest.mark.parametrize(
    ("method", "url", "status", "text"),
    [
        ("get", "/nowhere", 404, "Page not found"),
        ("get", "/logout", 405, "Method not allowed"),
        ("post", "/login", 400, "security check failed"),
    ],
)
def test_error_pages_use_the_layout(client, method, url, status, text):
    response = getattr(client, method)(url)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert text in html and 'class="site-header"' in html


def test_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "larger than the limit" in response.get_data(as_text=True)


def test_500_page_shows_request_id_and_logs_it(app, client, caplog):
    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    with caplog.at_level(logging.ERROR, logger="tympanum.errors"):
        response = client.get("/boom", headers={"X-Request-ID": "abcdef123456"})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "abcdef123456" in html and "kaboom" not in html
    assert any("unhandled error" in r.getMessage() for r in caplog.records)
    assert any(getattr(r, "request_id", "") == "abcdef123456" for r in caplog.records)


def test_request_log_line(client, caplog):
    logger = logging.getLogger("tympanum")
    logger.setLevel(logging.INFO)
    with caplog.at_level(logging.INFO, logger="tympanum.request"):
        client.get("/login", headers={"X-Request-ID": "req-0000000001"})
    lines = [r for r in caplog.records if r.name == "tympanum.request"]
    assert lines and "GET /login 200" in lines[-1].getMessage()
    assert lines[-1].request_id == "req-0000000001"


def test_hostile_request_id_is_replaced(client):
    response = client.get("/login", headers={"X-Request-ID": "<script>"})
    assert response.headers["X-Request-ID"] != "<script>"


def test_production_config_refuses_without_secret_and_database(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError) as info:
        create_app(ProductionConfig)
    assert "SECRET_KEY" in str(info.value) and "DATABASE_URL" in str(info.value)


def test_production_config_starts_when_configured(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/0")  # not contacted
    monkeypatch.delenv("RATELIMIT_ENABLED", raising=False)
    monkeypatch.setenv("PUBLIC_URL", "https://tympanum.example.eu/")
    app = create_app(
        ProductionConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/prod.db",
        PUBLIC_URL="https://tympanum.example.eu/",  # the class read the environment at import
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PUBLIC_URL"] == "https://tympanum.example.eu"
    assert app.config["TRUSTED_HOSTS"] == ["tympanum.example.eu"]  # no loopback names


def test_sqlite_pragmas(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db")
    with app.app_context():
        from app.extensions import db

        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        db.engine.dispose()


def test_concurrent_sqlite_writers_queue_instead_of_failing(tmp_path):
    """Threads that read then write never see "database is locked" (BEGIN IMMEDIATE)."""
    import threading

    from sqlalchemy import text

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/c.db")
    errors: list[Exception] = []
    with app.app_context():
        from app.extensions import db

        engine = db.engine
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE counter (n INTEGER)"))
            conn.execute(text("INSERT INTO counter VALUES (0)"))

        def work() -> None:
            try:
                for _ in range(25):
                    with engine.begin() as conn:
                        n = conn.execute(text("SELECT n FROM counter")).scalar()
                        conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
            except Exception as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with db.engine.connect() as conn:
            total = conn.execute(text("SELECT n FROM counter")).scalar()
        db.engine.dispose()
    assert errors == []
    assert total == 200  # no lost updates either


def _transaction_kinds(app) -> list[str]:
    """The BEGIN statements SQLite sees (collected from the engine's events)."""
    from sqlalchemy import event

    from app.extensions import db

    seen: list[str] = []
    event.listen(
        db.engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_a: (
            seen.append(statement) if statement.startswith("BEGIN") else None
        ),
    )
    return seen


def test_sqlite_get_pages_read_without_the_write_lock(app, client, users, login_as):
    """GET pages begin deferred transactions (WAL readers never queue behind writers);
    a POST takes the write lock up front."""
    if ON_POSTGRES:
        pytest.skip("SQLite transactions")
    seen = _transaction_kinds(app)
    login_as("respondent_a")
    seen.clear()
    assert client.get("/respond/").status_code == 200
    assert seen and set(seen) == {"BEGIN"}
    seen.clear()
    client.post_form("/logout", {})
    assert "BEGIN IMMEDIATE" in seen


def test_sqlite_login_checks_the_password_without_the_write_lock(app, client, db, users):
    """The password hash (tens of ms) runs in a deferred transaction; only the writes
    that follow (last login, audit entry) take the write lock."""
    if ON_POSTGRES:
        pytest.skip("SQLite transactions")
    from sqlalchemy import event

    token = client.csrf_token("/login")
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        words = statement.split()
        kind = " ".join(words[:2]) if words[0] == "BEGIN" else words[0]
        seen.append(kind + (" users" if "FROM users" in statement else ""))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.post(
            "/login",
            data={"csrf_token": token, "email": "admin@example.org", "password": PASSWORD},
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 302
    assert seen[:2] == ["BEGIN", "SELECT users"]  # read, then check the password
    assert "BEGIN IMMEDIATE" in seen[2:]  # then write


def test_a_get_view_that_writes_must_say_so(app, client, db, caplog):
    """A write inside a GET's deferred transaction fails in tests unless the view is
    marked @writes_on_get (then it gets the write lock up front)."""
    if ON_POSTGRES:
        pytest.skip("SQLite transactions")
    from app.database import writes_on_get
    from app.services.audit import record

    @app.route("/writes-unmarked")
    def unmarked():
        record(db.session, "test.write")
        db.session.commit()
        return "ok"

    @app.route("/writes-marked")
    @writes_on_get
    def marked():
        record(db.session, "test.write")
        db.session.commit()
        return "ok"

    with caplog.at_level(logging.ERROR, logger="tympanum.errors"):
        assert client.get("/writes-unmarked").status_code == 500
    assert "writes during a GET: mark the view with @writes_on_get" in caplog.text
    seen = _transaction_kinds(app)
    assert client.get("/writes-marked").status_code == 200
    assert "BEGIN IMMEDIATE" in seen


def test_huge_ids_are_404_not_500(client, login_as):
    login_as("admin")
    assert client.get(f"/admin/users/{2**64}").status_code == 404
    assert client.get(f"/questionnaires/{2**70}").status_code == 404


def test_nul_bytes_are_dropped_from_every_form_and_query(client, users, db):
    from sqlalchemy import select

    from app.models import AuditEntry

    response = client.post_form(
        "/login", {"email": "ad\x00min@example.org\x00", "password": "x\x00"}
    )
    assert response.status_code == 200  # a failed login, not a 500
    actor = db.session.scalar(select(AuditEntry.actor).where(AuditEntry.event == "login.failure"))
    assert actor == "admin@example.org"
    assert client.get("/login?next=%00/x").status_code == 200


@pytest.mark.parametrize("page", ["/respond/", "/respond/1/autosave"])
def test_database_lost_mid_request_gives_a_503_page(app, client, db, users, login_as, page):
    """The database goes away while a logged-in person's request runs (PostgreSQL
    restarting): the answer is the 503 page, never an exception escaping the app, even
    though the error page can no longer read the person's account."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    login_as("respondent_a")
    token = client.csrf_token("/respond/")
    down = {"now": False}

    def refuse(_conn, _cursor, statement, *_args):
        # The person's account is read, then the database is gone for everything after.
        if not down["now"] and (statement.startswith("BEGIN") or "FROM users" in statement):
            return
        down["now"] = True
        raise OperationalError(statement, {}, Exception("the database system is shutting down"))

    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        if page.endswith("autosave"):
            response = client.post(page, data={"section": "organisation", "csrf_token": token})
        else:
            response = client.get(page)
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)
    assert response.status_code == 503
    assert "unavailable" in response.get_data(as_text=True).lower()


def test_a_refused_form_while_the_database_is_gone_is_not_a_500(app, client, db, users, login_as):
    """A logged-in person's form fails its security check while the database is down
    (found under load: a logout sent from a page that had answered 503): the message's
    language comes from the account, which cannot be read; the page says what happened,
    in English, with its 400, never a 500."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    login_as("respondent_a")

    def refuse(_conn, _cursor, statement, *_args):
        raise OperationalError(statement, {}, Exception("the database system is shutting down"))

    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        response = client.post("/logout", data={})  # no CSRF token
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)
    assert response.status_code == 400
    assert "security check failed" in response.get_data(as_text=True)


def test_a_session_that_cannot_close_does_not_turn_the_page_into_a_500(
    app, client, db, users, login_as, monkeypatch
):
    """The database drops the connection after the page was made: ending the session
    fails (its rollback cannot reach the server); the page still goes out, and the next
    request gets a fresh connection."""
    login_as("respondent_a")
    dialect = db.engine.dialect
    dbapi = dialect.loaded_dbapi
    # What each driver raises when the connection is gone (SQLAlchemy: a disconnect).
    gone = (
        dbapi.ProgrammingError("Cannot operate on a closed database.")
        if dialect.name == "sqlite"
        else dbapi.OperationalError("server closed the connection unexpectedly")
    )
    failures = []

    def dropped(dbapi_connection):
        failures.append(1)
        dbapi_connection.close()  # the server went away just before the rollback
        raise gone

    monkeypatch.setattr(dialect, "do_rollback", dropped)
    response = client.get("/respond/")
    monkeypatch.undo()
    assert failures, "the session's rollback was not reached"
    assert response.status_code == 200
    assert client.get("/respond/").status_code == 200
