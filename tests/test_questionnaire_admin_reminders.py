"""Reminders to organisations that have not submitted an action's questionnaire."""

from __future__ import annotations

import pytest

from app.models import Role
from app.services.people import accounts as user_service
from app.services.questionnaires.versions import QuestionnaireError
from app.services.responding import reminders as service
from tests.conftest import PASSWORD, make_org
from tests.review_helpers import audit_events, capture_mail, make_response, publish_example


@pytest.fixture
def outbox(monkeypatch):
    return capture_mail(monkeypatch)


@pytest.fixture
def setup(db, orgs, users):
    """A (draft, two respondents), B (submitted), Quiet Town (nothing, one respondent),
    Empty Town (nothing, nobody), Closed Org (inactive), Other (not asked)."""
    questionnaire = publish_example(1)
    quiet = make_org("Quiet Town", actions=(1,))
    make_org("Empty Town", actions=(1,))
    closed = make_org("Closed Org", actions=(1,))
    closed.active = False
    make_org("Other", actions=(2,))
    user_service.create_user(
        db.session,
        "quiet@example.org",
        role=Role.RESPONDENT,
        display_name="Quiet",
        password=PASSWORD,
        organisation=quiet,
    )
    gone = user_service.create_user(
        db.session,
        "gone@example.org",
        role=Role.RESPONDENT,
        display_name="Gone",
        password=PASSWORD,
        organisation=quiet,
    )
    gone.active = False
    db.session.commit()
    make_response(questionnaire, orgs["A"], "draft")
    make_response(questionnaire, orgs["B"])
    return questionnaire


def test_targets(db, setup):
    targets = service.reminder_targets(db.session, setup)
    assert [(t.organisation.name, t.state, [p.email for p in t.recipients]) for t in targets] == [
        ("City A", "draft", ["colleague_a@example.org", "respondent_a@example.org"]),
        ("Empty Town", "not started", []),
        ("Quiet Town", "not started", ["quiet@example.org"]),
    ]


def test_send_report_and_audit(db, setup, users, outbox):
    report = service.send_reminders(db.session, setup, user=users["admin"], ip="10.0.0.1")
    db.session.commit()
    sent = list(outbox)
    assert [to for to, _, _ in sent] == [
        "colleague_a@example.org",
        "respondent_a@example.org",
        "quiet@example.org",
    ]
    assert "reminder about the questionnaire of action 1" in sent[0][1]
    assert "is a draft" in sent[0][2] and "http://localhost/" in sent[0][2]
    assert "has not started" in sent[2][2]
    assert [t.organisation.name for t in report.reminded] == ["City A", "Quiet Town"]
    assert [t.organisation.name for t in report.without_recipients] == ["Empty Town"]
    assert report.people == 3
    [entry] = audit_events("reminders.sent")
    assert entry.user_id == users["admin"].id and entry.ip == "10.0.0.1"
    assert entry.details["reminded"][0] == {
        "organisation": "City A",
        "state": "draft",
        "recipients": ["colleague_a@example.org", "respondent_a@example.org"],
    }
    assert entry.details["without_recipients"] == ["Empty Town"]


def test_returned_responses_are_reminded(db, setup, orgs, users):
    town = make_org("Returned Town", actions=(1,))
    db.session.commit()
    make_response(setup, town, "returned", reviewer=users["admin"])
    targets = {t.organisation.name: t.state for t in service.reminder_targets(db.session, setup)}
    assert targets["Returned Town"] == "returned"


def test_refused_when_closed_or_unpublished(db, setup, users):
    setup.is_open = False
    with pytest.raises(QuestionnaireError, match="closed: open it"):
        service.send_reminders(db.session, setup, user=users["admin"])
    assert audit_events("reminders.sent") == []


def test_reminders_page(client, login_as, db, setup, outbox):
    login_as("admin")
    html = client.get("/questionnaires/1/manage").get_data(as_text=True)
    reminders = html[html.index('id="reminders"') :]
    assert "3 organisations have not submitted yet" in reminders
    assert "Region B" not in reminders and "Closed Org" not in reminders
    response = client.post_form("/questionnaires/1/reminders", {}, page="/questionnaires/1/manage")
    assert response.status_code == 302
    assert [to for to, _, _ in outbox] == [
        "colleague_a@example.org",
        "respondent_a@example.org",
        "quiet@example.org",
    ]
    html = client.get("/questionnaires/1/manage").get_data(as_text=True)
    assert "Reminders sent to 3 people at 2 organisations." in html
    assert "Not reminded, no active respondent: Empty Town." in html
    last = html[html.index("Last reminders") :]
    assert "City A (draft): colleague_a@example.org, respondent_a@example.org" in last
    assert "Empty Town: no active respondent, not reminded" in last


def test_reminders_page_when_closed(client, login_as, db, setup):
    setup.is_open = False
    db.session.commit()
    login_as("admin")
    html = client.get("/questionnaires/1/manage").get_data(as_text=True)
    assert "Open the questionnaire to send reminders." in html
    client.post_form("/questionnaires/1/reminders", {}, page="/questionnaires/1/manage")
    html = client.get("/questionnaires/1/manage").get_data(as_text=True)
    assert "No reminders sent: this questionnaire is closed" in html
    assert audit_events("reminders.sent") == []
