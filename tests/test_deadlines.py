"""Deadlines enforced (issue 16): after the end of the deadline's day, in the
questionnaire's time zone, saves, autosaves and submissions are refused and what the
respondent typed is kept; an organisation given a later deadline can still answer;
automatic closing at the deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEntry, DeadlineExtension, FormStash, ResponseState
from app.services.responding import deadlines
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

PAST = date(2020, 1, 31)
FUTURE = date(2099, 12, 31)


def _set_deadline(db, questionnaire, day, **rules) -> None:
    questionnaire.deadline = day
    for key, value in rules.items():
        setattr(questionnaire, key, value)
    db.session.commit()


# --- the time zone boundary ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "zone", "last_second_utc"),
    [
        (date(2027, 3, 31), "Europe/Brussels", datetime(2027, 3, 31, 21, 59, 59, tzinfo=UTC)),
        (date(2027, 1, 15), "Europe/Brussels", datetime(2027, 1, 15, 22, 59, 59, tzinfo=UTC)),
        (date(2027, 3, 31), "Europe/Lisbon", datetime(2027, 3, 31, 22, 59, 59, tzinfo=UTC)),
        (date(2027, 3, 31), "Europe/Helsinki", datetime(2027, 3, 31, 20, 59, 59, tzinfo=UTC)),
        (date(2027, 3, 31), "UTC", datetime(2027, 3, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_the_deadline_is_the_end_of_its_day_in_the_questionnaires_time_zone(
    db, questionnaire, day, zone, last_second_utc
):
    _set_deadline(db, questionnaire, day, time_zone=zone)
    assert not deadlines.deadline_for(questionnaire, now=last_second_utc).passed
    assert deadlines.deadline_for(questionnaire, now=last_second_utc + timedelta(seconds=1)).passed


def test_the_default_time_zone_is_brussels(db, questionnaire):
    assert questionnaire.time_zone == "Europe/Brussels"
    assert deadlines.end_of_day(date(2027, 6, 1), None) == datetime(2027, 6, 1, 22, 0, tzinfo=UTC)


# --- refusing saves and submissions, keeping what was typed ----------------------------


def test_past_deadline_refuses_a_save_and_keeps_the_typed_answers(
    db, client, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    assert save(client, "organisation", SECTION1).status_code == 302
    state = page_state(client.get(section_url("practice")).get_data(as_text=True))
    _set_deadline(db, questionnaire, PAST)

    refused = save(client, "practice", SECTION2, state=state)
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "The deadline passed at the end of January 31, 2020 (Europe/Brussels time)" in html
    assert "What you typed on this page is kept" in html
    assert "has_regulation" not in stored(db, orgs["A"])  # nothing saved...
    stash = db.session.scalar(select(FormStash))
    assert stash.section_code == "practice"  # ... but kept
    assert stash.payload["has_regulation"] == ["yes"]
    assert stash.expires_at.date() > (datetime.now(UTC) + timedelta(days=60)).date()

    overview = client.get("/respond/1/").get_data(as_text=True)
    assert "The deadline has passed" in overview
    assert "Unsaved answers were kept for you" in overview
    # The section page cannot be opened for editing any more.
    assert client.get(section_url("practice")).status_code == 302


def test_past_deadline_refuses_an_autosave_and_keeps_the_typed_answers(
    db, client, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    state = page_state(client.get(section_url("organisation")).get_data(as_text=True))
    _set_deadline(db, questionnaire, PAST)
    form = {**state, **SECTION1}
    refused = client.post_form(
        "/respond/1/autosave", form, page=section_url("organisation"), headers=ORIGIN
    )
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["ok"] is False and body["deadline"] is True
    assert "deadline passed" in body["message"] and "kept" in body["message"]
    assert response_of(db, orgs["A"]) is None
    assert db.session.scalar(select(FormStash)).payload["org_country"] == ["DE"]


def test_past_deadline_refuses_a_submission(db, client, orgs, questionnaire, login_as):
    login_as("respondent_a")
    fill_all(client)
    html = client.get("/respond/1/review").get_data(as_text=True)
    lock = page_state(html)["lock_version"] or str(response_of(db, orgs["A"]).lock_version)
    _set_deadline(db, questionnaire, PAST)
    refused = client.post_form(
        "/respond/1/submit", {"lock_version": lock}, page="/respond/1/", headers=ORIGIN
    )
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/respond/1/")
    response = response_of(db, orgs["A"])
    assert response.state == ResponseState.DRAFT
    assert stored(db, orgs["A"])["has_regulation"] == "yes"  # the saved answers stay
    page = client.get("/respond/1/").get_data(as_text=True)
    assert "answers can no longer be saved or submitted" in page


def test_a_deadline_today_still_takes_answers(db, client, orgs, questionnaire, login_as):
    login_as("respondent_a")
    _set_deadline(db, questionnaire, FUTURE)
    assert save(client, "organisation", SECTION1).status_code == 302
    assert stored(db, orgs["A"])["org_country"] == "DE"


# --- extensions ------------------------------------------------------------------------


def _extend(client, org, until: date, number: int = 1, **extra):
    return client.post_form(
        f"/questionnaires/{number}/extensions",
        {"organisation": str(org.id), "until": until.isoformat(), **extra},
        page=f"/questionnaires/{number}/manage",
    )


def test_an_extension_lets_that_organisation_save_and_restores_the_kept_answers(
    db, app, client, orgs, users, questionnaire, login_as
):
    login_as("respondent_a")
    state = page_state(client.get(section_url("organisation")).get_data(as_text=True))
    _set_deadline(db, questionnaire, PAST)
    assert save(client, "organisation", SECTION1, state=state).status_code == 409

    admin = app.test_client()
    from tests.conftest import login

    login(admin, users["admin"].email)
    done = _extend(admin, orgs["A"], FUTURE)
    assert done.status_code == 302
    extension = db.session.scalar(select(DeadlineExtension))
    assert (extension.organisation_id, extension.until) == (orgs["A"].id, FUTURE)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "deadline.extended"))
    assert entry.actor == "admin@example.org"
    assert entry.details["organisation"] == "City A" and entry.details["after"] == "2099-12-31"

    # The respondent's kept answers come back on the page, and now they save.
    page = client.get(section_url("organisation")).get_data(as_text=True)
    assert 'value="DE" selected' in page or 'value="DE"' in page
    assert "extended for your organisation" in client.get("/respond/1/").get_data(as_text=True)
    assert save(client, "organisation", SECTION1).status_code == 302
    assert stored(db, orgs["A"])["org_country"] == "DE"

    # Another organisation still cannot.
    login_as("respondent_b")
    assert save(client, "organisation", SECTION1).status_code == 409
    assert response_of(db, orgs["B"]) is None


def test_an_extension_must_be_after_the_deadline_and_needs_one(
    db, client, orgs, questionnaire, login_as
):
    login_as("admin")
    _set_deadline(db, questionnaire, None)
    _extend(client, orgs["A"], FUTURE)
    assert db.session.scalar(select(DeadlineExtension)) is None
    _set_deadline(db, questionnaire, date(2027, 5, 1))
    refused = _extend(client, orgs["A"], date(2027, 4, 1))
    assert refused.status_code == 302
    assert db.session.scalar(select(DeadlineExtension)) is None
    assert _extend(client, orgs["A"], date(2027, 5, 2)).status_code == 302
    assert db.session.scalar(select(DeadlineExtension)).until == date(2027, 5, 2)


def test_extension_from_the_organisation_page_and_removal(
    db, client, orgs, questionnaire, login_as
):
    login_as("admin")
    _set_deadline(db, questionnaire, PAST)
    org_page = f"/admin/organisations/{orgs['A'].id}"
    html = client.get(org_page).get_data(as_text=True)
    assert 'action="/questionnaires/1/extensions"' in html
    done = _extend(client, orgs["A"], FUTURE, next=org_page + "#deadlines")
    assert done.headers["Location"].endswith(org_page + "#deadlines")
    html = client.get(org_page).get_data(as_text=True)
    assert "2099-12-31" in html and "extended" in html
    manage = client.get("/questionnaires/1/manage").get_data(as_text=True)
    assert "City A" in manage and "Later deadlines for one organisation" in manage

    removed = client.post_form(
        f"/questionnaires/1/extensions/{orgs['A'].id}/remove", {}, page="/questionnaires/1/manage"
    )
    assert removed.status_code == 302
    assert db.session.scalar(select(DeadlineExtension)) is None
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.event == "deadline.extension_removed")
    )


def test_leaders_and_coordinators_cannot_extend(db, client, orgs, questionnaire, login_as):
    _set_deadline(db, questionnaire, PAST)
    for who in ("leader1", "coordinator"):
        login_as(who)
        assert _extend(client, orgs["A"], FUTURE).status_code == 403
    assert db.session.scalar(select(DeadlineExtension)) is None


# --- time zone setting and automatic closing -------------------------------------------


def test_time_zone_and_automatic_closing_are_set_on_the_management_page(
    db, client, orgs, questionnaire, login_as
):
    login_as("admin")
    done = client.post_form(
        "/questionnaires/1/deadline",
        {"deadline": "2020-01-31", "time_zone": "Europe/Lisbon", "close_at_deadline": "y"},
        page="/questionnaires/1/manage",
    )
    assert done.status_code == 302
    db.session.refresh(questionnaire)
    assert questionnaire.time_zone == "Europe/Lisbon" and questionnaire.close_at_deadline
    html = client.get("/questionnaires/1/manage").get_data(as_text=True)
    assert "closed automatically at the deadline" in html
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.event == "questionnaire.deadline_rules")
    )

    # Closed automatically: even an extension does not reopen it for one organisation.
    _extend(client, orgs["A"], FUTURE)
    login_as("respondent_a")
    assert save(client, "organisation", SECTION1).status_code == 409
    assert "Closed" in client.get("/respond/").get_data(as_text=True)

    # Opening it by hand turns automatic closing off; the extension then applies.
    login_as("admin")
    client.post_form("/questionnaires/1/open", {}, page="/questionnaires/1/manage")
    db.session.refresh(questionnaire)
    assert questionnaire.is_open and not questionnaire.close_at_deadline
    login_as("respondent_a")
    assert save(client, "organisation", SECTION1).status_code == 302


def test_an_unknown_time_zone_is_refused(db, client, questionnaire, login_as):
    login_as("admin")
    client.post_form(
        "/questionnaires/1/deadline",
        {"deadline": "2027-01-31", "time_zone": "Mars/Olympus"},
        page="/questionnaires/1/manage",
    )
    db.session.refresh(questionnaire)
    assert questionnaire.time_zone == "Europe/Brussels" and questionnaire.deadline is None


def test_cli_sets_the_time_zone_and_automatic_closing(db, runner, questionnaire):
    result = runner.invoke(
        args=[
            "questionnaires",
            "deadline",
            "1",
            "2027-03-31",
            "--time-zone",
            "Europe/Lisbon",
            "--close-at-deadline",
        ]
    )
    assert result.exit_code == 0, result.output
    db.session.refresh(questionnaire)
    assert (questionnaire.deadline, questionnaire.time_zone) == (date(2027, 3, 31), "Europe/Lisbon")
    assert questionnaire.close_at_deadline
    refused = runner.invoke(args=["questionnaires", "deadline", "1", "none", "--time-zone", "Mars"])
    assert refused.exit_code == 2 and "not a time zone" in refused.output
