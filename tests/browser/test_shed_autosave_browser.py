"""Autosave through an overloaded proxy: HAProxy's 503 page (deploy/errors/503.http)
instead of the app's JSON. The page keeps what was typed, says it was not saved, and
tries again by itself (issue 21)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Route, expect

from tests.browser.test_respondent_browser import log_in

pytestmark = pytest.mark.browser

SHED_PAGE = Path(__file__).resolve().parents[2] / "deploy" / "errors" / "503.http"


def test_autosave_shed_by_the_proxy_keeps_the_answers_and_retries(live_server, new_page, shot):
    body = SHED_PAGE.read_bytes().split(b"\r\n\r\n", 1)[1]
    shed: list[str] = []

    def busy(route: Route) -> None:
        shed.append(route.request.url)
        route.fulfill(
            status=503,
            headers={"Content-Type": "text/html; charset=utf-8", "Retry-After": "10"},
            body=body,
        )

    page = new_page()
    log_in(page, live_server, "respondent_a")
    page.get_by_role("link", name=re.compile(r"^Start")).first.click()
    page.locator(".actions-row").get_by_role("link", name="Start").click()
    expect(page).to_have_title(re.compile(r"^Section 1 of 2: Your organisation"))
    page.route(re.compile(r".*/autosave$"), busy)
    page.get_by_label("We lead this action").check()
    status = page.locator("#save-status")
    expect(status).to_contain_text("cannot be reached", timeout=15_000)
    assert shed
    shot(page, "shed-autosave")
    expect(page.get_by_label("We lead this action")).to_be_checked()
    # The proxy has room again: the page sends the answers by itself, without a change.
    page.unroute(re.compile(r".*/autosave$"))
    expect(status).to_contain_text("Saved at", timeout=20_000)
    expect(page.get_by_label("We lead this action")).to_be_checked()
