"""Who may open and post to the respondent pages."""

from __future__ import annotations

import pytest

from tests.respond_support import SECTION1, response_of, save, section_url, stored

PAGES = ["/respond/", "/respond/1/", section_url("organisation"), "/respond/1/review"]


def test_anonymous_visitors_are_sent_to_log_in(client, users, questionnaire):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


@pytest.mark.parametrize("name", ["admin", "coordinator", "leader1"])
def test_only_respondents_fill_in(db, client, users, orgs, questionnaire, login_as, name):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    login_as(name)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    posted = client.post_form(
        section_url("organisation"), {"org_country": "FR", "lock_version": "2"}, page="/"
    )
    assert posted.status_code == 403
    assert client.post_form("/respond/1/submit", {}, page="/").status_code == 403
    assert stored(db, orgs["A"])["org_country"] == "DE"


def test_organisations_never_see_each_others_answers(
    db, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", {**SECTION1, "org_role": "other", "org_role__other": "Secret"})
    login_as("respondent_b")
    html = client.get(section_url("organisation")).get_data(as_text=True)
    assert "Secret" not in html and 'value="DE" selected' not in html
    assert "Respondent A" not in client.get("/respond/").get_data(as_text=True)
    save(client, "organisation", {"org_country": "IT"})
    assert stored(db, orgs["A"])["org_country"] == "DE"
    assert stored(db, orgs["B"]) == {"org_country": "IT"}
    assert response_of(db, orgs["A"]).id != response_of(db, orgs["B"]).id


def test_actions_the_organisation_is_not_asked_about_are_closed_to_it(
    db, client, users, orgs, questionnaire, login_as
):
    orgs["B"].actions = [a for a in orgs["B"].actions if a.number != 1]
    db.session.commit()
    login_as("respondent_b")
    assert client.get("/respond/1/").status_code == 403
    assert client.get(section_url("organisation")).status_code == 403
    posted = client.post_form(section_url("organisation"), {"org_country": "IT"}, page="/respond/")
    assert posted.status_code == 403
    assert response_of(db, orgs["B"]) is None


def test_unknown_actions_and_sections_are_404(client, users, questionnaire, login_as):
    login_as("respondent_a")
    assert client.get("/respond/99/").status_code == 404
    assert client.get("/respond/2/").status_code == 404  # no questionnaire yet
    assert client.get(section_url("nowhere")).status_code == 404
    assert client.get("/respond/1/section/org_role").status_code == 404


def test_respondent_without_organisation(db, client, users, questionnaire, login_as):
    users["respondent_b"].organisation = None
    db.session.commit()
    login_as("respondent_b")
    html = client.get("/respond/").get_data(as_text=True)
    assert "has not been asked about any action yet" in html
    assert client.get("/respond/1/").status_code == 403
