"""Fixtures of the review-flow browser test (the shared ``browser`` is in conftest.py):
the app served by werkzeug in a thread, on a temporary SQLite file.

- ``live_app``: a Tympanum app on a fresh SQLite file with the framework loaded. Set data
  up inside ``with live_app.app_context():`` blocks and commit before using the browser
  (each request of the server thread is "another process").
- ``live_server``: the base URL (http://127.0.0.1:<free port>) of that app.
- ``page``: a fresh page (own cookies) of the shared headless Chromium on the server.
- ``login(page, email)``: log in through the login form.
- ``screenshot(page, name)``: save test-artifacts/<name>.png (git-ignored) to look at.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.services.questionnaires.framework import seed_framework
from config import TestingConfig
from tests.conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def live_app(tmp_path) -> Iterator[Flask]:
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/browser.db",
        RATELIMIT_ENABLED=False,
    )
    with app.app_context():
        db.create_all()
        seed_framework(db.session)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def logout(page) -> None:
    page.click("text=Log out")
    page.wait_for_url("**/login")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
