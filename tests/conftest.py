"""Fixtures a newcomer can read.

- ``app``: a Tympanum app on a fresh database with the framework loaded. A fresh SQLite
  file by default; the PostgreSQL database named by TEST_DATABASE_URL when it is set (tables
  are created once and emptied before each test). A module changes its settings by
  overriding ``app_overrides``.
- ``client``: a test client whose ``post_form`` adds the CSRF token the way a browser does.
  Each request runs in its own app context (fresh ``g`` and database session, as in
  production); the test's own session is committed first, so the request sees its data.
  POST answers are read and closed at once.
- ``db``: the SQLAlchemy handle, inside the app context.
- ``users``: one account per role (see ``PEOPLE``), all with the password ``PASSWORD``,
  who have accepted the current privacy notice (so pages open without the consent step).
- ``login_as(name)``: log the client in as one of those people.
- ``mail_server``: a real SMTP server (aiosmtpd) on 127.0.0.1 that the app sends to;
  ``mail_server.wait_for(n)`` runs the mail worker's delivery (the outbox) and returns
  the messages once ``n`` have arrived.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import threading
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from app import create_app
from app.extensions import db as _db
from app.extensions import limiter
from app.models import Action, Organisation, OrgKind, Role, SizeBand, User, utcnow
from app.services.people import accounts as user_service
from app.services.questionnaires.framework import seed_framework
from config import TestingConfig

pytest_plugins = ["tests.respond_support"]  # the respondent pages' fixtures

PASSWORD = "correct horse battery"  # noqa: S105 - test accounts only


def _database_of_this_worker(url: str) -> str:
    """With pytest-xdist (``make test`` runs two workers), each worker gets its own
    PostgreSQL database, ``<name>_gw0``, ``<name>_gw1``..., made beside the one named by
    TEST_DATABASE_URL: the suite empties its tables before every test."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url.startswith("postgresql") or not worker:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


TEST_DATABASE_URL = _database_of_this_worker(os.environ.get("TEST_DATABASE_URL", ""))
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_schema_ready = False


class Client(FlaskClient):
    """A test client that fetches a CSRF token from a page before posting, like a browser."""

    def open(self, *args, **kwargs):
        _db.session.commit()  # end the test's transaction: the request is "another process"
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if response.request.method == "POST":
            # Read and close it, as a server does once it has sent it. GET answers stay
            # open, so that downloads can be read as a stream.
            response.get_data()
            response.close()
        return response

    def csrf_token(self, page: str = "/login") -> str:
        for url in (page, "/login", "/"):
            html = self.get(url, follow_redirects=True).get_data(as_text=True)
            if match := _CSRF_RE.search(html):
                return match.group(1)
        raise AssertionError(f"no CSRF token on {page}")

    def post_form(self, url: str, data: dict | None = None, page: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(page or url))
        return self.post(url, data=data, **kwargs)


def _reset_database() -> None:
    """Empty every table: SQLite in memory starts empty; PostgreSQL is truncated."""
    global _schema_ready
    if ON_POSTGRES:
        if not _schema_ready:
            _db.drop_all()
            with _db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            _db.create_all()
            _schema_ready = True
        names = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
        with _db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        _db.create_all()


@pytest.fixture
def app_overrides() -> dict:
    """Settings a test module gives its ``app`` on top of TestingConfig: override this
    fixture in the module (tests/test_auth_throttle.py runs on Redis this way)."""
    return {}


@pytest.fixture
def app(tmp_path, app_overrides: dict) -> Iterator[Flask]:
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path}/test.db"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, **app_overrides)
    app.test_client_class = Client
    with app.app_context():
        _reset_database()
        seed_framework(_db.session)
        _db.session.commit()
        limiter.reset()
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app: Flask):
    return _db


@pytest.fixture
def client(app: Flask) -> Client:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def action(number: int) -> Action:
    return _db.session.scalar(select(Action).where(Action.number == number))


def make_org(name: str, kind: OrgKind = OrgKind.CITY, country: str = "DE", actions=(1,)):
    org = Organisation(
        name=name,
        kind=kind,
        country=country,
        size_band=SizeBand.MEDIUM if kind == OrgKind.CITY else None,
    )
    org.actions = [action(n) for n in actions]
    _db.session.add(org)
    _db.session.flush()
    return org


# name -> (role, organisation key, actions led)
PEOPLE = {
    "admin": (Role.ADMIN, None, ()),
    "coordinator": (Role.COORDINATOR, None, ()),
    "leader1": (Role.LEADER, None, (1,)),
    "leader2": (Role.LEADER, None, (2,)),
    "respondent_a": (Role.RESPONDENT, "A", ()),
    "colleague_a": (Role.RESPONDENT, "A", ()),
    "respondent_b": (Role.RESPONDENT, "B", ()),
}


@pytest.fixture
def orgs(app: Flask) -> dict[str, Organisation]:
    result = {
        "A": make_org("City A", OrgKind.CITY, "DE", actions=(1, 2)),
        "B": make_org("Region B", OrgKind.REGION, "IT", actions=(1, 2)),
    }
    _db.session.commit()
    return result


@pytest.fixture
def users(app: Flask, orgs: dict[str, Organisation]) -> dict[str, User]:
    result = {}
    for name, (role, org_key, led) in PEOPLE.items():
        result[name] = user_service.create_user(
            _db.session,
            f"{name}@example.org",
            role=role,
            display_name=name.replace("_", " ").title(),
            password=PASSWORD,
            organisation=orgs[org_key] if org_key else None,
            actions=[action(n) for n in led],
        )
        result[name].privacy_version = app.config["PRIVACY_NOTICE_VERSION"]
        result[name].privacy_accepted_at = utcnow()
    _db.session.commit()
    return result


def login(client: Client, email: str, password: str = PASSWORD, next_url: str = ""):
    return client.post_form(
        "/login", {"email": email, "password": password, "next": next_url}, page="/login"
    )


@pytest.fixture
def login_as(client: Client, users: dict[str, User]):
    def _login(name: str) -> Client:
        client.post("/logout", data={"csrf_token": client.csrf_token("/")})  # if logged in
        response = login(client, users[name].email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self, app: Flask | None = None) -> None:
        self.app = app
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(message)
            self.recipients.append(list(envelope.rcpt_tos))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 15) -> list[email.message.EmailMessage]:
        """The messages, once ``count`` have arrived (fails after ``timeout`` seconds),
        after the worker has delivered what the outbox holds."""
        if self.app is not None:
            deliver_outbox(self.app)
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        assert len(self.messages) >= count, f"expected {count} messages, got {len(self.messages)}"
        return self.messages


def deliver_outbox(app: Flask):
    """What ``flask worker --once`` does with the outbox: every due message delivered."""
    from app import worker

    _db.session.commit()  # the worker is "another process": it sees what the test wrote
    with app.app_context():
        return worker.deliver_due(app)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mail_server(app: Flask) -> Iterator[Inbox]:
    inbox = Inbox(app)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield inbox
    finally:
        controller.stop()
