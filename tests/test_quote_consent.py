"""Issue 18: a quote-consent question per response (quote with the organisation's name /
anonymously / not at all), asked when it is submitted and respected wherever quotes
appear: published figures (the benchmark, the public snapshot) quote only organisations
that agreed, naming only those that agreed to be named; the staff's pages never quote one
that refused."""

from __future__ import annotations

import re

import pytest

from app.models import QuoteConsent
from app.services.results import evidence
from app.services.results.aggregation import Filters
from app.services.results.disclosure import FULL_ACCESS, Audience, audience_for
from tests import results_support as support
from tests.respond_support import fill_all, response_of
from tests.test_results_pages import IDEA

PUBLIC = Audience(None, 5, published=True)


def _review(client) -> tuple[str, dict]:
    html = client.get("/respond/1/review").get_data(as_text=True)
    lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', html).group(1)
    return html, {"lock_version": lock}


@pytest.mark.parametrize(
    ("posted", "stored"),
    [({"quote_consent": "named"}, QuoteConsent.NAMED), ({}, QuoteConsent.NONE)],
)
def test_asked_on_the_review_page_and_stored(
    db, client, users, orgs, questionnaire, login_as, posted, stored
):
    login_as("respondent_a")
    fill_all(client)
    html, form = _review(client)
    assert "May the Partnership quote your answers" in html
    assert (
        '<input checked id="quote_consent-2" name="quote_consent" type="radio" value="none">'
        in html
    )  # not quoted unless the organisation says so
    done = client.post_form("/respond/1/submit", {**form, **posted}, page="/respond/1/review")
    assert done.status_code == 302
    assert response_of(db, orgs["A"]).quote_consent == stored


def test_an_unknown_choice_is_refused(db, client, users, orgs, questionnaire, login_as):
    login_as("respondent_a")
    fill_all(client)
    _, form = _review(client)
    posted = client.post_form(
        "/respond/1/submit", {**form, "quote_consent": "everywhere"}, page="/respond/1/review"
    )
    assert posted.status_code == 400
    assert response_of(db, orgs["A"]).quote_consent is None


@pytest.fixture
def quoted(db):
    q = support.publish(db.session, support.definition(1, [IDEA]))
    for consent in (None, *QuoteConsent):
        name = f"Org {consent or 'unasked'}"
        org = support.organisation(db.session, name, "city", "DE", "large")
        response = support.respond(db.session, q, org, {"idea": f"Idea of {name}"})
        response.quote_consent = consent
    db.session.commit()


def _quotes(db, audience) -> dict[str, str]:
    _, found = evidence.quotes(db.session, Filters(audience=audience), "identity_democracy")
    return {quote.text: quote.organisation for quote in found}


def test_published_figures_quote_only_consenting_organisations(db, quoted):
    assert _quotes(db, PUBLIC) == {
        "Idea of Org named": "Org named",  # by name
        "Idea of Org anonymous": "",  # kind and country only
    }


def test_staff_never_see_a_refusing_organisation_quoted(db, quoted):
    shown = _quotes(db, FULL_ACCESS)
    assert "Idea of Org none" not in shown
    assert shown["Idea of Org unasked"] == ""  # submitted before the question: read, unnamed
    assert shown["Idea of Org named"] == "Org named"
    leader = audience_for("leader", [1], {"DISCLOSURE_MIN_ORGS": 3})
    assert "Idea of Org none" not in _quotes(db, leader)


def test_the_respondents_and_the_public_audiences_are_published():
    config = {"DISCLOSURE_MIN_ORGS": 3, "DISCLOSURE_MIN_ORGS_PUBLIC": 5}
    assert audience_for("respondent", None, config).published
    assert audience_for("public", None, config).published
    assert not audience_for("leader", [1], config).published
    assert not FULL_ACCESS.published


def test_report_quotes_respect_consent(db, quoted):
    chosen = evidence.selected_quotes(db.session, Filters(audience=PUBLIC), "identity_democracy")
    assert {q.text for q in chosen} == {"Idea of Org named", "Idea of Org anonymous"}
