"""Saving never loses or silently overwrites answers: colleagues saving at the same time,
autosave, an expired session or security token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import FormStash
from app.services.responding import responses as rservice
from tests.conftest import login
from tests.respond_support import (
    ORIGIN,
    SECTION1,
    SECTION2,
    page_state,
    response_of,
    save,
    section_url,
    stored,
)


@pytest.fixture
def colleague(app, users):
    """A second browser, logged in as a colleague of respondent_a (same organisation)."""
    other = app.test_client()
    assert login(other, users["colleague_a"].email).status_code == 302
    return other


def _load(client, section: str) -> dict:
    return page_state(client.get(section_url(section)).get_data(as_text=True))


def test_conflicting_answers_are_shown_side_by_side_and_nothing_is_overwritten(
    db, client, colleague, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    mine = _load(client, "practice")
    assert save(colleague, "practice", {"has_regulation": "no"}).status_code == 302

    response = save(
        client, "practice", {"has_regulation": "yes", "data_source": "none"}, state=mine
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "A colleague saved this questionnaire while you were working on it" in html
    assert "Colleague A saved it" in html
    row = html.split('class="differences"')[1].split("</table>")[0]
    assert "Do you regulate short-term rentals?" in row
    assert '<td class="diff-mine">Yes</td>' in row and '<td class="diff-theirs">No</td>' in row
    assert "data_source" not in row  # only the colleague's changes conflict
    # what this person typed is still in the form
    assert 'id="f-has_regulation-yes" name="has_regulation" value="yes" checked' in html
    assert 'id="f-data_source-none" name="data_source" value="none" checked' in html
    assert stored(db, orgs["A"])["has_regulation"] == "no"  # nothing overwritten

    # Keep mine: the page's new state (lock, digests) makes the next save go through.
    state = page_state(html)
    response = save(
        client,
        "practice",
        {"has_regulation": "yes", "data_source": "none", "resolve__has_regulation": "mine"},
        state=state,
    )
    assert response.status_code == 302
    values = stored(db, orgs["A"])
    assert values["has_regulation"] == "yes" and values["data_source"] == "none"


def test_taking_the_colleagues_answer(db, client, colleague, users, orgs, questionnaire, login_as):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    mine = _load(client, "practice")
    save(colleague, "practice", {"has_regulation": "no"})
    html = save(client, "practice", {"has_regulation": "yes"}, state=mine).get_data(as_text=True)
    response = save(
        client,
        "practice",
        {"has_regulation": "yes", "resolve__has_regulation": "theirs"},
        state=page_state(html),
    )
    assert response.status_code == 302
    assert stored(db, orgs["A"])["has_regulation"] == "no"


def test_changes_to_other_questions_merge_without_asking(
    db, client, colleague, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    mine = _load(client, "practice")
    # the colleague answers another question on the same page, and one on another page
    save(colleague, "practice", {"data_source": "scraping"})
    save(colleague, "organisation", {**SECTION1, "org_relevance": "2"})

    response = save(client, "practice", {"has_regulation": "no"}, state=mine)
    assert response.status_code == 302
    values = stored(db, orgs["A"])
    assert values["has_regulation"] == "no"  # mine
    assert values["data_source"] == "scraping"  # theirs, untouched here
    assert values["org_relevance"] == "2"  # theirs, on another page
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Colleague A saved this questionnaire while you were working on it" in flashed


def test_two_colleagues_starting_at_once_share_one_response(
    db, client, colleague, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    mine = _load(client, "organisation")  # no response yet: lock 0
    theirs = _load(colleague, "organisation")
    assert (
        save(colleague, "organisation", {"org_role": "external"}, state=theirs).status_code == 302
    )
    response = save(client, "organisation", {"org_country": "FR"}, state=mine)
    assert response.status_code == 302  # different questions: merged
    values = stored(db, orgs["A"])
    assert values["org_role"] == "external" and values["org_country"] == "FR"
    assert response_of(db, orgs["A"]) is not None


def test_autosave_saves_and_reports_conflicts(
    db, client, colleague, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    state = _load(client, "organisation")
    url = "/respond/1/autosave"
    page = section_url("organisation")
    response = client.post_form(url, {**state, "org_country": "AT"}, page=page)
    body = response.get_json()
    assert response.status_code == 200 and body["ok"] is True
    assert body["lock_version"] == 2 and body["saved_at"] and body["errors"] == 0
    assert body["csrf_token"]  # refreshed, so that a page left open keeps saving
    assert stored(db, orgs["A"]) == {"org_country": "AT"}

    # a colleague changes the same question; this page still shows the old value
    save(colleague, "organisation", {"org_country": "BE"})
    state = {**state, "lock_version": str(body["lock_version"]), "base": body["base"]}
    response = client.post_form(url, {**state, "org_country": "CH"}, page=page)
    assert response.status_code == 409
    body = response.get_json()
    assert body["conflict"] is True and "Colleague A" in body["message"]
    assert stored(db, orgs["A"]) == {"org_country": "BE"}


def test_autosave_reports_format_errors_but_saves_the_rest(
    db, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    state = _load(client, "practice")
    response = client.post_form(
        "/respond/1/autosave",
        {**state, "has_regulation": "no", "rentals_share": "many"},
        page=section_url("practice"),
    )
    assert response.get_json()["ok"] is True and response.get_json()["errors"] == 1
    assert stored(db, orgs["A"])["has_regulation"] == "no"


def test_save_draft_stays_on_the_page_and_says_so(client, users, questionnaire, login_as):
    login_as("respondent_a")
    response = save(client, "organisation", {"org_role": "external"}, nav="save")
    assert response.headers["Location"].endswith(section_url("organisation"))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your draft was saved." in html
    assert "Last saved" in html and "by Respondent A" in html


@pytest.mark.parametrize(
    ("nav", "goto", "target"),
    [
        ("next", None, section_url("practice")),
        ("prev", None, "/respond/1/"),
        (None, "practice", section_url("practice")),
        (None, "__review", "/respond/1/review"),
    ],
)
def test_navigation_saves_and_goes_on(
    db, client, users, orgs, questionnaire, login_as, nav, goto, target
):
    login_as("respondent_a")
    data = dict(SECTION1)
    if goto:
        data["goto"] = goto
    response = save(client, "organisation", data, nav=nav or "")
    assert response.status_code == 302 and response.headers["Location"].endswith(target)
    assert stored(db, orgs["A"])["org_country"] == "DE"


def test_next_skips_sections_that_do_not_apply(client, users, questionnaire, login_as):
    login_as("respondent_a")
    save(client, "organisation", {**SECTION1, "org_role": "external"})
    response = save(client, "practice", {"has_regulation": "no"}, nav="next")
    assert response.headers["Location"].endswith("/respond/1/review")  # "needs" is hidden
    response = client.get(section_url("needs"))
    assert response.status_code == 302


# --- expired session or security token ------------------------------------------------


def _stashes(db) -> int:
    return db.session.scalar(select(func.count(FormStash.id)))


def test_expired_session_keeps_the_answers_until_logged_in_again(
    app, db, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    state = _load(client, "practice")
    token = client.csrf_token(section_url("practice"))
    app.permanent_session_lifetime = timedelta(seconds=-1)  # every session has expired
    response = client.post(
        section_url("practice"),
        data={**state, **SECTION2, "csrf_token": token, "nav": "next"},
        headers=ORIGIN,
    )
    app.permanent_session_lifetime = timedelta(hours=12)
    assert response.status_code == 302
    assert "/login?next=/respond/1/section/practice" in response.headers["Location"]
    assert _stashes(db) == 1
    assert "has_regulation" not in stored(db, orgs["A"])  # not saved yet
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has expired" in html and "are kept" in html

    login(client, users["respondent_a"].email, next_url=section_url("practice"))
    html = client.get(section_url("practice")).get_data(as_text=True)
    assert "Your answers were kept" in html
    assert 'id="f-caps_nights" name="caps_nights" value="60"' in html
    assert 'id="f-effects__heritage-dk" name="effects__heritage" value="dk" checked' in html
    response = client.post_form(
        section_url("practice"),
        {**page_state(html), **SECTION2, "nav": "save"},
        page=section_url("practice"),
        headers=ORIGIN,
    )
    assert response.status_code == 302
    assert stored(db, orgs["A"])["caps_nights"] == "60"
    assert _stashes(db) == 0
    assert "Your answers were kept" not in client.get(section_url("practice")).get_data(
        as_text=True
    )


def test_kept_answers_are_only_shown_to_the_person_who_typed_them(
    app, db, client, users, questionnaire, login_as
):
    login_as("respondent_a")
    state = _load(client, "organisation")
    token = client.csrf_token(section_url("organisation"))
    app.permanent_session_lifetime = timedelta(seconds=-1)
    client.post(
        section_url("organisation"),
        data={**state, "org_role": "external", "csrf_token": token},
        headers=ORIGIN,
    )
    app.permanent_session_lifetime = timedelta(hours=12)
    assert _stashes(db) == 1
    login(client, users["colleague_a"].email)  # a colleague logs in on that browser
    html = client.get(section_url("organisation")).get_data(as_text=True)
    assert "Colleague A" in html and "Your answers were kept" not in html
    login_as("respondent_a")
    html = client.get(section_url("organisation")).get_data(as_text=True)
    assert "Your answers were kept" in html


def test_logged_out_post_with_a_valid_token_keeps_the_answers(
    db, client, users, questionnaire, login_as
):
    # The session is fresh (anonymous, with a CSRF token), the account's session is gone.
    token = client.csrf_token("/login")
    response = client.post(
        section_url("organisation"),
        data={"csrf_token": token, "org_role": "external", "section": "organisation"},
        headers=ORIGIN,
    )
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    assert _stashes(db) == 1
    login(client, users["respondent_a"].email)
    html = client.get(section_url("organisation")).get_data(as_text=True)
    assert 'id="f-org_role-external" name="org_role" value="external" checked' in html


def test_expired_security_token_while_logged_in_shows_the_answers_again(
    db, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    state = _load(client, "organisation")
    response = client.post(
        section_url("organisation"),
        data={**state, "org_country": "PT", "csrf_token": "expired-or-forged"},
        headers=ORIGIN,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(section_url("organisation"))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "security check expired" in html
    assert '<option value="PT" selected>' in html
    assert stored(db, orgs["A"]) == {}


def test_autosave_with_an_expired_session_answers_json_and_keeps_the_answers(
    app, db, client, users, questionnaire, login_as
):
    login_as("respondent_a")
    state = _load(client, "organisation")
    token = client.csrf_token(section_url("organisation"))
    app.permanent_session_lifetime = timedelta(seconds=-1)
    response = client.post(
        "/respond/1/autosave",
        data={**state, "org_country": "PL", "csrf_token": token},
        headers=ORIGIN,
    )
    app.permanent_session_lifetime = timedelta(hours=12)
    assert response.status_code == 401
    body = response.get_json()
    assert body["ok"] is False and body["kept"] is True
    assert body["url"].startswith("/login?next=")
    assert _stashes(db) == 1


def test_cross_site_posts_are_not_kept(db, client, users, questionnaire):
    response = client.post(
        section_url("organisation"),
        data={"org_role": "external", "section": "organisation"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _stashes(db) == 0
    assert "tympanum_stash" not in response.headers.get("Set-Cookie", "")


def test_discarding_kept_answers(db, client, users, questionnaire, login_as):
    login_as("respondent_a")
    state = _load(client, "organisation")
    client.post(
        section_url("organisation"),
        data={**state, "org_country": "PT", "csrf_token": "bad"},
        headers=ORIGIN,
    )
    html = client.get(section_url("organisation")).get_data(as_text=True)
    action = re.search(r'action="(/respond/1/stash/discard)"', html).group(1)
    response = client.post_form(action, {}, page=section_url("organisation"))
    assert response.status_code == 302 and _stashes(db) == 0
    html = client.get(section_url("organisation")).get_data(as_text=True)
    assert "Your answers were kept" not in html and '<option value="PT" selected>' not in html


def test_a_page_posted_after_a_colleague_submitted_shows_what_was_typed(
    db, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", {**SECTION1, "org_role": "external"})
    save(client, "practice", {"has_regulation": "no"})
    state = _load(client, "practice")
    response = response_of(db, orgs["A"])
    rservice.submit(db.session, response, user=users["colleague_a"])
    db.session.commit()
    posted = save(
        client, "practice", {"has_regulation": "no", "data_source": "scraping"}, state=state
    )
    assert posted.status_code == 409
    html = posted.get_data(as_text=True)
    assert "submitted" in html and "Colleague A" in html
    assert "We collect them ourselves" in html  # what was typed, to copy
    assert "data_source" not in stored(db, orgs["A"])


def test_a_conflict_page_shows_the_colleagues_answers_this_page_did_not_change(
    db, client, colleague, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    mine = _load(client, "organisation")
    save(colleague, "organisation", {**SECTION1, "org_role": "action_member", "org_country": "FR"})
    # this page changes the country only, and posts the role it was shown
    html = save(client, "organisation", {**SECTION1, "org_country": "AT"}, state=mine).get_data(
        as_text=True
    )
    row = html.split('class="differences"')[1].split("</table>")[0]
    assert "In which country" in row and "How does your organisation" not in row
    # the role shows the colleague's answer, not the stale one this page had
    assert 'id="f-org_role-action_member" name="org_role" value="action_member" checked' in html
    assert 'value="action_leader" checked' not in html
    # saving the page as shown (keeping my country) keeps the colleague's role
    response = save(
        client,
        "organisation",
        {**SECTION1, "org_role": "action_member", "org_country": "AT"},
        state=page_state(html),
    )
    assert response.status_code == 302
    values = stored(db, orgs["A"])
    assert values["org_role"] == "action_member" and values["org_country"] == "AT"


def test_autosave_never_overwrites_a_colleagues_answer_with_a_stale_one(
    db, client, colleague, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    state = _load(client, "organisation")
    save(colleague, "organisation", {**SECTION1, "org_role": "external"})
    url, page = "/respond/1/autosave", section_url("organisation")
    # this page still shows the old role and changes the country, twice
    for country in ("AT", "BE"):
        body = client.post_form(url, {**state, **SECTION1, "org_country": country}, page=page)
        body = body.get_json()
        assert body["ok"] is True and body["merged"] is True
        state = {**state, "lock_version": str(body["lock_version"]), "base": body["base"]}
    values = stored(db, orgs["A"])
    assert values["org_role"] == "external" and values["org_country"] == "BE"


def test_autosave_with_an_expired_security_token_says_reload(
    db, client, users, questionnaire, login_as
):
    login_as("respondent_a")
    state = _load(client, "organisation")
    response = client.post(
        "/respond/1/autosave",
        data={**state, "org_country": "PL", "csrf_token": "stale"},
        headers=ORIGIN,
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["link"] == "reload" and body["url"] == section_url("organisation")
    assert "security check expired" in body["message"] and body["kept"] is True
    html = client.get(section_url("organisation")).get_data(as_text=True)
    assert '<option value="PL" selected>' in html
