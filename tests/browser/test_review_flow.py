"""The review flow in a real browser: the leader returns a submitted response with a
comment on one question, the respondents see it, resubmit, and the leader accepts;
the audit log has a row for every step."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Action,
    AuditEntry,
    Organisation,
    OrgKind,
    Response,
    ResponseState,
    ReviewComment,
    Role,
    SizeBand,
    utcnow,
)
from app.services.people import accounts as user_service
from app.services.responding import responses as response_service
from tests.browser.review_support import (  # noqa: F401 - fixtures used by name
    live_app,
    live_server,
    login,
    logout,
    page,
    screenshot,
)
from tests.conftest import PASSWORD
from tests.review_helpers import COMPLETE, publish_example

COMMENT = "Is it really 60 nights? Your regulation says 90."

pytestmark = pytest.mark.browser


def _setup(app) -> int:
    """Action 1 published; City A's respondent has submitted; leader1 leads action 1."""
    with app.app_context():
        questionnaire = publish_example(1)
        action = db.session.scalar(select(Action).where(Action.number == 1))
        city = Organisation(
            name="City A", kind=OrgKind.CITY, country="DE", size_band=SizeBand.LARGE
        )
        city.actions = [action]
        db.session.add(city)
        db.session.flush()
        respondent = user_service.create_user(
            db.session,
            "respondent_a@example.org",
            role=Role.RESPONDENT,
            display_name="Rita Respondent",
            password=PASSWORD,
            organisation=city,
        )
        leader = user_service.create_user(
            db.session,
            "leader1@example.org",
            role=Role.LEADER,
            display_name="Leo Leader",
            password=PASSWORD,
            actions=[action],
        )
        for user in (respondent, leader):  # the privacy notice was accepted at first login
            user.privacy_version = app.config["PRIVACY_NOTICE_VERSION"]
            user.privacy_accepted_at = utcnow()
        response = response_service.start_response(db.session, city, questionnaire, respondent)
        response_service.save_answers(
            db.session, response, COMPLETE, {}, user=respondent, expected_lock=None
        )
        response_service.submit(db.session, response, user=respondent)
        db.session.commit()
        return response.id


def test_return_with_comment_resubmit_accept(live_app, page):  # noqa: F811 - fixtures
    response_id = _setup(live_app)

    # The leader finds the response in the queue and opens it.
    login(page, "leader1@example.org")
    page.click("nav.main-nav >> text=Review")
    page.wait_for_url("**/review/")
    assert page.locator("table.queue tbody tr").count() == 1
    screenshot(page, "review-flow-1-queue")
    page.click("table.queue >> text=City A")
    page.wait_for_url(f"**/review/{response_id}")
    assert page.locator("#q-caps_nights .answer").inner_text() == "60 nights"

    # Comment on one question (the box is collapsed until opened), then return.
    box = page.locator("#q-caps_nights details.comment-box")
    assert not box.locator("textarea").is_visible()
    box.locator("summary").click()
    box.locator("textarea").fill(COMMENT)
    screenshot(page, "review-flow-2-comment")
    page.click("button[value=return]")
    page.wait_for_load_state()
    assert "is now returned" in page.locator(".flashes").inner_text()
    assert COMMENT in page.locator("#q-caps_nights .comments").inner_text()
    assert page.locator("button[value=accept]").count() == 0
    screenshot(page, "review-flow-3-returned")
    logout(page)

    # The respondents see the comment beside the question.
    with live_app.app_context():
        response = db.session.get(Response, response_id)
        assert response.state == ResponseState.RETURNED
        comments = db.session.scalars(
            select(ReviewComment).where(ReviewComment.response_id == response_id)
        ).all()
        assert [(c.question_code, c.body) for c in comments] == [("caps_nights", COMMENT)]
    if "respond.review" in live_app.view_functions:  # the respondent pages are merged
        login(page, "respondent_a@example.org")
        page.goto("/respond/1/review")
        assert COMMENT in page.content()
        screenshot(page, "review-flow-4-respondent")
        logout(page)

    # They resubmit (through the service), and the leader accepts.
    with live_app.app_context():
        response = db.session.get(Response, response_id)
        respondent = response.organisation.users[0]
        values, other = response_service.stored_values(db.session, response)
        response_service.save_answers(
            db.session,
            response,
            {**values, "caps_nights": "90"},
            other,
            user=respondent,
            expected_lock=None,
        )
        response_service.submit(db.session, response, user=respondent)
        db.session.commit()
    login(page, "leader1@example.org")
    page.goto(f"/review/{response_id}")
    assert page.locator("#q-caps_nights .answer").inner_text() == "90 nights"
    page.click("button[value=accept]")
    page.wait_for_load_state()
    assert "is now accepted" in page.locator(".flashes").inner_text()
    history = page.locator("section[aria-labelledby=history-title] tbody tr")
    assert history.count() == 5
    screenshot(page, "review-flow-5-accepted")

    with live_app.app_context():
        events = [
            (e.event, e.actor)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
            if e.event.startswith(("review.", "login."))
        ]
        assert events == [
            ("login.success", "leader1@example.org"),
            ("review.returned", "leader1@example.org"),
            *(
                [("login.success", "respondent_a@example.org")]
                if "respond.review" in live_app.view_functions
                else []
            ),
            ("login.success", "leader1@example.org"),
            ("review.accepted", "leader1@example.org"),
        ]
        response = db.session.get(Response, response_id)
        assert [e.to_state for e in response.events] == [
            "draft",
            "submitted",
            "returned",
            "submitted",
            "accepted",
        ]
