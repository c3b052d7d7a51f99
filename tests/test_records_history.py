"""Answer history (issue 17): every save records, per changed question, the old and new
value, who and when; nothing for a save that changes nothing; shown on the review page
and the respondent's overview; in the audit log; covered by erasure and the purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import AnswerChange, AuditEntry, Response, ResponseState, User, utcnow
from app.services.people import gdpr
from app.services.responding import history
from app.services.responding import responses as rservice
from tests.conftest import login
from tests.respond_support import SECTION1, response_of, save


@pytest.fixture
def colleague(app, users):
    other = app.test_client()
    assert login(other, users["colleague_a"].email).status_code == 302
    return other


def rows(db, response):
    db.session.expire_all()
    return db.session.execute(
        select(
            AnswerChange.question_code,
            AnswerChange.old_value,
            AnswerChange.new_value,
            AnswerChange.user_id,
        )
        .where(AnswerChange.response_id == response.id)
        .order_by(AnswerChange.id)
    ).all()


def test_two_colleagues_edit_and_the_history_shows_both(
    db, client, colleague, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    assert save(client, "organisation", SECTION1).status_code == 302
    response = response_of(db, orgs["A"])
    first = rows(db, response)
    assert {r.question_code for r in first} == set(SECTION1)
    assert all(r.old_value is None and r.user_id == users["respondent_a"].id for r in first)

    assert save(colleague, "organisation", {**SECTION1, "org_relevance": "2"}).status_code == 302
    second = rows(db, response)[len(first) :]
    assert [(r.question_code, r.user_id) for r in second] == [
        ("org_relevance", users["colleague_a"].id)
    ]
    assert history.decode(second[0].old_value) == ("4", None)
    assert history.decode(second[0].new_value) == ("2", None)

    # A save that changes nothing writes no history row and no audit entry.
    saves = db.session.scalar(select(func.count()).where(AuditEntry.event == "response.saved"))
    assert save(colleague, "organisation", {**SECTION1, "org_relevance": "2"}).status_code == 302
    assert len(rows(db, response)) == len(first) + 1
    assert (
        db.session.scalar(select(func.count()).where(AuditEntry.event == "response.saved")) == saves
    )

    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.event == "response.saved")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.details["questions"] == ["org_relevance"]
    assert entry.actor == users["colleague_a"].email

    summary = history.summaries(db.session, response)["org_relevance"]
    assert (summary.count, summary.last_by) == (2, "Colleague A")

    # The respondent's overview and history page
    page = client.get("/respond/1/").get_data(as_text=True)
    assert "changed 2 times, last by Colleague A" in page
    page = client.get("/respond/1/history?q=org_relevance").get_data(as_text=True)
    assert "Colleague A" in page and "Respondent A" in page

    # The review page (the coordinator reads drafts too) and its history page
    reviewer = login_as("coordinator")
    page = reviewer.get(f"/review/{response.id}").get_data(as_text=True)
    assert "changed 2 times, last by Colleague A" in page
    assert f"/review/{response.id}/history?q=org_relevance" in page
    page = reviewer.get(f"/review/{response.id}/history").get_data(as_text=True)
    assert page.count('<tr id="h-') == len(first) + 1


def test_the_service_records_changes_without_a_lock_too(db, users, orgs, questionnaire):
    response = rservice.start_response(db.session, orgs["A"], questionnaire, users["respondent_a"])
    rservice.save_answers(
        db.session, response, {"org_country": "DE"}, {}, user=None, expected_lock=None
    )
    rservice.save_answers(
        db.session, response, {"org_country": "FR"}, {}, user=None, expected_lock=None
    )
    rservice.save_answers(
        db.session, response, {"org_country": "FR"}, {}, user=None, expected_lock=None
    )
    changes = history.changes(db.session, response)
    assert [(c.question_code, c.old[0], c.new[0]) for c in changes] == [
        ("org_country", "DE", "FR"),
        ("org_country", None, "DE"),
    ]
    views = history.readable(rservice.definition_of(response), changes, "de")
    assert views[0].old == "Deutschland" and views[0].new == "Frankreich"


def test_erasure_pseudonymises_the_history(db, client, users, orgs, questionnaire, login_as):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    response = response_of(db, orgs["A"])
    person = users["respondent_a"]
    assert gdpr.erasure_summary(db.session, person)["answer_changes"] == 3
    assert len(gdpr.personal_data(db.session, person)["answer_changes"]) == 3
    gdpr.erase_user(db.session, person, users["admin"])
    db.session.commit()
    summary = history.summaries(db.session, response)["org_country"]
    assert summary.last_by == gdpr.ERASED_NAME
    assert person.email not in str(
        db.session.scalars(
            select(AuditEntry.actor).where(AuditEntry.event == "response.saved")
        ).all()
    )


def test_the_retention_purge_clears_the_history_links(db, users, orgs, questionnaire):
    response = rservice.start_response(db.session, orgs["A"], questionnaire, users["respondent_a"])
    rservice.save_answers(
        db.session,
        response,
        {"org_country": "DE"},
        {},
        user=users["respondent_a"],
        expected_lock=None,
    )
    db.session.flush()
    long_ago = utcnow() - timedelta(days=4 * 365)
    response.state = ResponseState.ACCEPTED
    response.submitted_at = long_ago
    db.session.execute(AnswerChange.__table__.update().values(created_at=long_ago))
    db.session.commit()
    report = gdpr.purge_retention(db.session, 24)
    db.session.commit()
    assert response.reference in report.responses
    assert db.session.scalars(select(AnswerChange.user_id)).all() == [None]
    assert db.session.get(User, users["respondent_a"].id) is not None
    assert db.session.get(Response, response.id).answers  # the answers stay
