"""Review, submission (idempotent), receipt, read-only after submission, closed
questionnaires."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.models import AuditEntry, ResponseEvent, ResponseState
from app.services.responding import responses as rservice
from tests.respond_support import (
    ORIGIN,
    SECTION1,
    SECTION2,
    fill_all,
    page_state,
    response_of,
    save,
    section_url,
    stored,
)


def _submit_token(client) -> dict:
    html = client.get("/respond/1/review").get_data(as_text=True)
    lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', html).group(1)
    return {"lock_version": lock}


def test_review_lists_answers_by_section_and_what_is_missing(
    client, users, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", {"org_role": "action_leader", "org_relevance": "5"})
    html = client.get("/respond/1/review").get_data(as_text=True)
    assert "<title>Review your answers – Action 1 – Tympanum</title>" in html
    assert "2 answers are still needed before you can submit" in html
    assert 'href="/respond/1/section/organisation#f-org_country"' in html
    assert 'href="/respond/1/section/practice#f-has_regulation-yes"' in html
    assert "We lead this action" in html and "5 – Central to our work" in html
    assert 'href="/respond/1/section/organisation#q-org_relevance"' in html  # "Change"
    assert "Submit the answers" not in html  # nothing to submit while answers are missing


def test_submit_is_idempotent_and_leads_to_a_receipt(
    db, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    fill_all(client)
    form = _submit_token(client)
    first = client.post_form("/respond/1/submit", form, page="/respond/1/review")
    assert first.status_code == 302 and first.headers["Location"].endswith("/respond/1/receipt")
    again = client.post_form("/respond/1/submit", form, page="/respond/1/")  # replay
    assert again.status_code == 302 and again.headers["Location"].endswith("/respond/1/receipt")
    response = response_of(db, orgs["A"])
    assert response.state == ResponseState.SUBMITTED
    submissions = db.session.scalar(
        select(func.count(ResponseEvent.id)).where(
            ResponseEvent.response_id == response.id, ResponseEvent.to_state == "submitted"
        )
    )
    assert submissions == 1
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.event == "response.submitted")
        )
        == 1
    )

    html = client.get("/respond/1/receipt").get_data(as_text=True)
    assert response.reference in html and "Reference number" in html
    assert "Thank you: your answers were submitted" in html
    assert "Registration in Lisbon" in html and "Share data across cities." in html
    assert "2. Better regulation" in html  # the ranking, in order
    assert "Germany" in html and "60 nights" in html
    assert 'href="/static/css/print.css" media="print"' in html
    assert "data-print" in html


def test_incomplete_submission_is_refused(db, client, users, orgs, questionnaire, login_as):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    response = client.post_form(
        "/respond/1/submit", {"lock_version": "2"}, page="/respond/1/review"
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/review")
    assert "1 answer is still needed before you can submit" in client.get(
        "/respond/1/review"
    ).get_data(as_text=True)
    assert response_of(db, orgs["A"]).state == ResponseState.DRAFT


def test_submitting_answers_a_colleague_changed_since_the_review_asks_again(
    db, app, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    fill_all(client)
    form = _submit_token(client)
    response = response_of(db, orgs["A"])
    values, other = rservice.stored_values(db.session, response)
    rservice.save_answers(
        db.session,
        response,
        {**values, "data_source": "none"},
        other,
        user=users["colleague_a"],
        expected_lock=None,
    )
    db.session.commit()
    posted = client.post_form("/respond/1/submit", form, page="/respond/1/review")
    assert posted.headers["Location"].endswith("/respond/1/review")
    assert response_of(db, orgs["A"]).state == ResponseState.DRAFT
    assert "Colleague A changed answers" in client.get("/respond/1/review").get_data(as_text=True)


def test_after_submission_the_answers_are_read_only(
    db, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    fill_all(client)
    state = page_state(client.get(section_url("practice")).get_data(as_text=True))
    client.post_form("/respond/1/submit", _submit_token(client), page="/respond/1/review")
    before = stored(db, orgs["A"])

    assert client.get(section_url("practice")).status_code == 302  # to the read-only view
    html = client.get("/respond/1/").get_data(as_text=True)
    assert "It can no longer be changed" in html and "See the receipt" in html
    assert "<form" not in html.split('id="main"')[1].split("</main>")[0]  # no answer form
    assert "Registration in Lisbon" in html
    assert client.get("/respond/1/review").status_code == 302

    posted = save(client, "practice", {"has_regulation": "no"}, state=state)
    assert posted.status_code == 409
    autosaved = client.post_form(
        "/respond/1/autosave", {**state, "has_regulation": "no"}, page="/respond/1/"
    )
    assert autosaved.status_code == 409 and autosaved.get_json()["locked"] is True
    assert stored(db, orgs["A"]) == before


def test_returned_response_reopens_and_can_be_submitted_again(
    db, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    fill_all(client)
    client.post_form("/respond/1/submit", _submit_token(client), page="/respond/1/review")
    response = response_of(db, orgs["A"])
    rservice.transition(
        db.session, response, ResponseState.RETURNED, user=users["leader1"], comment="Add sources"
    )
    db.session.commit()
    assert client.get("/respond/1/receipt").status_code == 302
    html = client.get("/respond/1/review").get_data(as_text=True)
    assert "Returned to you with comments" in html and "Add sources" in html
    # a browser posts every field of the page
    assert save(client, "practice", {**SECTION2, "data_source": "scraping"}).status_code == 302
    client.post_form("/respond/1/submit", _submit_token(client), page="/respond/1/review")
    assert response_of(db, orgs["A"]).state == ResponseState.SUBMITTED


def test_closed_questionnaires_are_read_only(db, client, users, orgs, questionnaire, login_as):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    state = page_state(client.get(section_url("practice")).get_data(as_text=True))
    questionnaire.is_open = False
    db.session.commit()
    html = client.get("/respond/1/").get_data(as_text=True)
    assert "This questionnaire is closed" in html and "Germany" in html
    assert client.get(section_url("practice")).status_code == 302
    assert save(client, "practice", {"has_regulation": "yes"}, state=state).status_code == 409
    posted = client.post_form("/respond/1/submit", {"lock_version": "2"}, page="/respond/1/")
    assert posted.status_code == 302
    assert "has_regulation" not in stored(db, orgs["A"])
    assert response_of(db, orgs["A"]).state == ResponseState.DRAFT


def test_submit_without_answers_says_so(client, users, questionnaire, login_as):
    login_as("respondent_a")
    posted = client.post_form(
        "/respond/1/submit", {"lock_version": "0"}, page="/respond/1/review", headers=ORIGIN
    )
    assert posted.headers["Location"].endswith("/respond/1/review")
    assert "nothing to submit yet" in client.get("/respond/1/review").get_data(as_text=True)
