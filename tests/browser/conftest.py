"""Real-browser tests: Debian's Chromium driven by Playwright, against the app served by a
real HTTP server (werkzeug, in a thread) on a temporary SQLite file.

- Without /usr/bin/chromium the tests are skipped with a message, unless
  TYMPANUM_REQUIRE_BROWSER=1 (CI sets it): then they fail.
- ``live_server``: a fresh database per test (framework seeded, the example questionnaire
  published as action 1, the people of tests/conftest.py), served on 127.0.0.1.
- ``browser``: one headless Chromium for the session; ``new_page(width, lang)`` opens a
  page in a fresh context (cookies of its own: one per person).
- ``shot(page, name)``: a full-page screenshot in test-artifacts/browser/.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.definitions.validate import validate_file
from app.extensions import db as _db
from app.models import utcnow
from app.services.people import accounts as user_service
from app.services.questionnaires import versions as qservice
from app.services.questionnaires.framework import seed_framework
from config import TestingConfig
from tests.conftest import PASSWORD, PEOPLE, action, make_org
from tests.test_definitions_validate import EXAMPLE

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
REQUIRED = os.environ.get("TYMPANUM_REQUIRE_BROWSER") == "1"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _unavailable(message: str) -> None:
    if REQUIRED:
        pytest.fail(f"{message} (TYMPANUM_REQUIRE_BROWSER=1)")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # the app logs each request already
        pass


class LiveServer:
    def __init__(self, app, url: str) -> None:
        self.app = app
        self.url = url

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveServer]:
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/browser.db",
        RATELIMIT_ENABLED=False,
    )
    with app.app_context():
        _db.create_all()
        seed_framework(_db.session)
        outcome = qservice.import_definition(_db.session, validate_file(EXAMPLE))
        qservice.publish(_db.session, outcome.version.questionnaire)
        orgs = {
            "A": make_org("City A", actions=(1, 2)),
            "B": make_org("Region B", actions=(1, 2)),
        }
        for name, (role, org_key, led) in PEOPLE.items():
            person = user_service.create_user(
                _db.session,
                f"{name}@example.org",
                role=role,
                display_name=name.replace("_", " ").title(),
                password=PASSWORD,
                organisation=orgs[org_key] if org_key else None,
                actions=[action(n) for n in led],
            )
            # the privacy notice was accepted at first login
            person.privacy_version = app.config["PRIVACY_NOTICE_VERSION"]
            person.privacy_accepted_at = utcnow()
        _db.session.commit()
        _db.session.remove()
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            _db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        _unavailable("playwright is not installed: run `make install-dev`")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture
def new_page(browser):
    contexts = []

    def _new_page(width: int = 1280, lang: str = "en", height: int = 900, javascript=True):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale=lang,
            accept_downloads=False,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda error: page.errors.append(str(error)))  # type: ignore[attr-defined]
        return page

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        _unavailable(f"{AXE.relative_to(ROOT)} is missing: run `make install-dev` (needs npm)")
    return AXE.read_text(encoding="utf-8")
