"""The organisers' pages in a real browser at 1280 and 375 px: the grouped navigation
(one row on a wide screen, folded on a phone without JavaScript, usable by keyboard), the
review queue as cards on a phone, and axe scans of the pages issue 20 touched."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.services import audit
from tests.browser.test_respondent_browser import no_horizontal_scroll, scan
from tests.conftest import PASSWORD
from tests.review_helpers import make_response

pytestmark = pytest.mark.browser


def log_in(page: Page, server, name: str) -> None:
    page.goto(server("/login"))
    page.fill("#email", f"{name}@example.org")
    page.fill("#password", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def response_id(live_server) -> int:
    from app.models import Organisation, Questionnaire, User
    from app.services.responding import review as review_service

    with live_server.app.app_context():
        questionnaire = db.session.scalars(db.select(Questionnaire)).first()
        org = db.session.scalars(db.select(Organisation).order_by(Organisation.id)).first()
        response = make_response(questionnaire, org)
        admin = db.session.scalars(db.select(User).where(User.email == "admin@example.org")).one()
        audit.record(db.session, "organisation.created", user=admin, obj=org)
        review_service.review(db.session, response, "return", user=admin, overall_comment="More.")
        db.session.commit()
        response.id  # noqa: B018 - loaded before the session ends
        ident = response.id
        db.session.remove()
    return ident


def test_the_admin_bar_is_one_row_and_folds_on_a_phone(live_server, new_page, shot):
    page = new_page(1280)
    log_in(page, live_server, "admin")
    bar = page.locator(".nav-list")
    heights = page.evaluate(
        "() => [...document.querySelectorAll('.nav-list > li')].map(li => li.getBoundingClientRect().top)"
    )
    assert max(heights) - min(heights) < 10, "the admin's bar wraps to a second row"
    assert bar.bounding_box()["height"] < 60
    # keyboard: the Manage menu opens from its summary, its links follow in tab order
    page.locator(".nav-group summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Organisations"
    page.keyboard.press("Escape")
    expect(page.locator(".nav-group details")).not_to_have_attribute("open", "")
    shot(page, "nav-admin-1280")
    assert page.errors == []


def test_the_menu_folds_on_a_phone_without_javascript(live_server, browser, shot):
    context = browser.new_context(viewport={"width": 375, "height": 800}, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server, "admin")
        header = page.locator(".site-header").bounding_box()
        assert header["height"] < 110, f"the header takes {header['height']} px"
        expect(page.locator(".nav-list")).to_be_hidden()
        page.locator("label.nav-toggle-label").click()
        expect(page.locator(".nav-list")).to_be_visible()
        page.locator(".nav-group summary").click()
        page.get_by_role("link", name="Audit log").click()
        page.wait_for_url("**/admin/audit")
        shot(page, "nav-admin-375-nojs")
    finally:
        context.close()


def test_the_review_queue_fits_a_phone(live_server, new_page, shot, response_id):
    page = new_page(375, height=800)
    log_in(page, live_server, "leader1")
    page.goto(live_server("/review/?state=all"))
    assert no_horizontal_scroll(page)
    row = page.locator("table.queue tbody tr").first
    state = row.locator(".badge")
    expect(state).to_be_visible()
    box = state.bounding_box()
    assert box["x"] + box["width"] <= 375
    reference = row.locator(".q-ref code")
    line = reference.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || 20")
    assert reference.bounding_box()["height"] < 1.8 * line, "the reference wraps"
    assert re.match(r"T01-\w+$", reference.inner_text())
    shot(page, "review-queue-375")


@pytest.mark.parametrize("width", [1280, 375])
def test_accessibility_of_the_organisers_pages(
    live_server, new_page, shot, axe_source, response_id, width
):
    page = new_page(width)
    log_in(page, live_server, "admin")
    findings = {}
    for name, path in (
        ("queue", "/review/?state=all"),
        ("review", f"/review/{response_id}"),
        ("audit", "/admin/audit"),
        ("account", "/account"),
        ("organisations", "/admin/organisations"),
        ("results", "/results/"),
    ):
        page.goto(live_server(path))
        if page.locator(".audit-record summary").count():
            page.locator(".audit-record summary").first.click()
        if width < 800:
            page.locator("label.nav-toggle-label").click()
        shot(page, f"axe-organiser-{name}-{width}")
        violations = scan(page, axe_source)
        if violations:
            findings[name] = violations
    assert not findings, "serious or critical accessibility violations:\n" + "\n".join(
        f"{name}: {v}" for name, found in findings.items() for v in found
    )
    assert page.errors == []


def test_review_boxes_line_up_and_the_panel_keeps_its_bottom_room(
    live_server, new_page, shot, response_id
):
    page = new_page(1280)
    log_in(page, live_server, "admin")
    page.goto(live_server(f"/review/{response_id}"))
    organisation = page.locator("#org-title").bounding_box()
    response = page.locator("#response-title").bounding_box()
    assert abs(organisation["y"] - response["y"]) < 2, (organisation, response)
    padding = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('main')).paddingBottom)"
    )
    assert padding >= 32
    shot(page, "review-facts-1280")
