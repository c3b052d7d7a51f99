"""Issue 18: an organisation's own benchmark. Once its response to an action is accepted,
its people (and only they) see their theme scores beside the Partnership's and
comparable organisations', every comparison figure through disclosure control with the
respondents' threshold (DISCLOSURE_MIN_ORGS_PUBLIC, 5), and the questions that move their
score most against their peers.

The partnership below, all answering action 1 on resilience (care and funding, 1 to 5):
City A (DE, medium) care 5 / funding 1 (score 50); 6 other German medium cities 4 / 3
(62.5); Region B and 4 other Italian regions 1 / 1 (0); one French NGO 2 / 2 (25)."""

from __future__ import annotations

import pytest

from app import authz
from app.models import ResponseState
from app.services.responding import responses as rservice
from app.services.results.benchmark import benchmark
from tests import results_support as support

CARE = {
    "code": "care",
    "type": "likert",
    "label": "How well is your heritage cared for?",
    "points": 5,
    "labels": {"low": "Poorly", "high": "Very well"},
    "themes": {"resilience": 1},
}
FUND = {
    "code": "fund",
    "type": "likert",
    "label": "How secure is its funding?",
    "points": 5,
    "labels": {"low": "Not at all", "high": "Fully"},
    "themes": {"resilience": 1},
}
NGO_SCORE = "25.0"


@pytest.fixture
def partnership(db, users, orgs):
    q = support.publish(db.session, support.definition(1, [CARE, FUND]))
    responses = {
        "A": support.respond(
            db.session, q, orgs["A"], {"care": "5", "fund": "1"}, state="submitted"
        ),
        "B": support.respond(db.session, q, orgs["B"], {"care": "1", "fund": "1"}),
    }
    for index in range(6):
        org = support.organisation(db.session, f"Stadt {index}", "city", "DE", "medium")
        support.respond(db.session, q, org, {"care": "4", "fund": "3"})
    for index in range(4):
        org = support.organisation(db.session, f"Regione {index}", "region", "IT", None)
        support.respond(db.session, q, org, {"care": "1", "fund": "1"})
    ngo = support.organisation(db.session, "Patrimoine", "ngo", "FR", None)
    support.respond(db.session, q, ngo, {"care": "2", "fund": "2"})
    db.session.commit()
    return responses


def accept(db, response) -> None:
    rservice.transition(db.session, response, ResponseState.ACCEPTED, user=None, comment=None)
    db.session.commit()


def test_not_before_acceptance(login_as, partnership):
    client = login_as("respondent_a")
    assert client.get("/my-results/1").status_code == 403  # submitted, not accepted
    assert "/my-results/1" not in client.get("/respond/").get_data(as_text=True)


def test_own_organisation_after_acceptance(db, login_as, partnership):
    accept(db, partnership["A"])
    client = login_as("respondent_a")
    assert 'href="/my-results/1"' in client.get("/respond/").get_data(as_text=True)
    page = client.get("/my-results/1")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Your results: City A" in body
    assert "50.0" in body  # A's own resilience score
    assert "60.7" in body  # the 7 German medium cities (A with them): country and size
    assert "Where you stand out" in body and "How well is your heritage cared for?" in body
    assert "Where peers do more" in body and "How secure is its funding?" in body
    assert NGO_SCORE not in body  # the lone NGO's figure is nowhere
    assert "/public/themes/" not in body  # nothing is published yet
    # A colleague of the same organisation sees it too; the other organisation sees its own.
    assert login_as("colleague_a").get("/my-results/1").status_code == 200
    other = login_as("respondent_b").get("/my-results/1").get_data(as_text=True)
    assert "Your results: Region B" in other and "City A" not in other


def test_others_refused(db, client, login_as, partnership):
    accept(db, partnership["A"])
    assert client.get("/my-results/1").status_code == 302  # the login page
    for name in ("leader1", "coordinator", "admin"):
        assert login_as(name).get("/my-results/1").status_code == 403
    assert login_as("respondent_a").get("/my-results/2").status_code == 403  # no response
    assert login_as("respondent_a").get("/my-results/99").status_code == 404


def test_small_groups_hidden(db, app, login_as, partnership):
    """Region B is one of 5 Italian regions: its kind and country are shown. The NGO
    alone is hidden in the kind and country breakdowns, with a complement each, so no
    figure a reader sees rests on fewer than 5 organisations."""
    body = login_as("respondent_b").get("/my-results/1").get_data(as_text=True)
    assert "fewer than 5" in body  # the regions: the NGO's complement in its lines
    assert NGO_SCORE not in body
    with app.test_request_context():
        audience = authz.benchmark_audience()
        result = benchmark(db.session, partnership["B"], audience, "en")
    assert audience.min_orgs == 5
    for theme in result.themes:
        for stat in theme.figures.values():
            assert stat.suppressed or stat.n == 0 or stat.n >= 5
    resilience = next(t for t in result.themes if t.theme.key == "resilience")
    assert resilience.own == 0.0
    assert resilience.figures["kind"].suppressed and resilience.figures["country"].suppressed
    assert not resilience.figures["partnership"].suppressed


def test_drivers(db, app, partnership):
    accept(db, partnership["A"])
    with app.test_request_context():
        result = benchmark(db.session, partnership["A"], authz.benchmark_audience(), "en")
    resilience = next(t for t in result.themes if t.theme.key == "resilience")
    assert [d.label for d in resilience.stand_out] == ["How well is your heritage cared for?"]
    assert [d.label for d in resilience.peers_do_more] == ["How secure is its funding?"]
    care = resilience.stand_out[0]
    assert care.own == 100.0 and care.peers > 0
    assert care.effect == pytest.approx(0.5 * (care.own - care.peers))


def test_only_an_accepted_response(db, app, partnership):
    with app.test_request_context(), pytest.raises(ValueError):
        benchmark(db.session, partnership["A"], authz.benchmark_audience(), "en")


def test_demo_accounts_get_a_benchmark(db, runner):
    """`flask demo responses` gives the demo accounts' organisations an accepted response,
    so the demo respondent can open their benchmark."""
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "accounts"]).exit_code == 0
    made = runner.invoke(args=["demo", "responses", "--count", "30", "--seed", "2"])
    assert made.exit_code == 0, made.output
    assert "Gave 2 organisations with accounts an accepted response each" in made.output
