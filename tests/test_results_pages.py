"""The results pages: who sees what, charts and tables, filters, the report and its CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from app.models import Question, Response, ResponseState
from app.services.responding import responses as rservice
from tests import results_support as support

LIKERT = {
    "code": "agree",
    "type": "likert",
    "label": "How far do you agree?",
    "points": 5,
    "labels": {"low": "Not at all", "high": "Fully"},
    "themes": {"broader_understanding": 1, "resilience": 1},
}
CHOICE = {
    "code": "level",
    "type": "single_choice",
    "label": "Which level?",
    "options": [
        {"code": "low", "label": "Low", "score": 0},
        {"code": "high", "label": "High", "score": 1},
    ],
    "themes": {"social_inclusion": 1},
}
IDEA = {
    "code": "idea",
    "type": "long_text",
    "label": "What should the Partnership recommend?",
    "themes": {"identity_democracy": 1},
}


@pytest.fixture
def data(db, users):
    """Action 1 (led by leader1) and action 2 (led by leader2), six responses each."""
    q1 = support.publish(db.session, support.definition(1, [LIKERT, CHOICE, IDEA]))
    q2 = support.publish(db.session, support.definition(2, [LIKERT, CHOICE, IDEA]))
    countries = ["DE", "IT", "FR", "ES", "PL", "NL"]
    for index, country in enumerate(countries):
        org = support.organisation(db.session, f"Org {index}", "city", country, "large")
        support.respond(
            db.session,
            q1,
            org,
            {"agree": str(index % 5 + 1), "level": "high", "idea": f"Action one idea {index}"},
        )
        support.respond(
            db.session,
            q2,
            org,
            {"agree": "2", "level": "low", "idea": f"Action two idea {index}"},
        )
    draft_org = support.organisation(db.session, "Draft City", "city", "AT", "small")
    support.respond(db.session, q1, draft_org, {"agree": "5"}, state="draft")
    db.session.commit()
    return {"q1": q1, "q2": q2}


PAGES = [
    "/results/",
    "/results/perspectives",
    "/results/pillars",
    "/results/themes/broader_understanding",
    "/results/report",
]


@pytest.mark.parametrize("name", ["admin", "coordinator", "leader1"])
@pytest.mark.parametrize("url", PAGES)
def test_readers_see_every_page_with_charts_and_tables(login_as, data, name, url):
    client = login_as(name)
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    svgs = re.findall(r"<svg [^>]*>", html)
    assert svgs and all('role="img"' in svg and "aria-labelledby" in svg for svg in svgs)
    assert "<title id=" in html and "<desc id=" in html
    assert "<table" in html and 'class="table-wrap"' in html
    assert " style=" not in html  # the CSP forbids inline styles
    assert "<script>" not in html


@pytest.mark.parametrize("url", [*PAGES, "/results/report.csv", "/results/questions/1"])
def test_respondents_are_refused(login_as, data, url):
    assert login_as("respondent_a").get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, data):
    response = client.get("/results/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_overview_figures_and_counts(login_as, data):
    html = login_as("admin").get("/results/").get_data(as_text=True)
    # Action 1's agree points 1..5,1 -> mean (0+.25+.5+.75+1+0)/6; action 2 all 0.25.
    assert "12 responses counted" in html
    assert "Broader understanding" in html and "Results" in html
    counts = re.search(r"1\. Sharing economy</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r">(\d+)<", counts) == ["1", "0", "0", "6", "0", "7"]
    assert 'href="/results/"' in html  # the main navigation has a Results entry


def test_leader_sees_the_results_of_their_actions_only(login_as, data):
    client = login_as("leader1")
    overview = client.get("/results/").get_data(as_text=True)
    assert "6 responses counted" in overview  # action 1's only: nothing else mixed in
    assert "Results of the action you lead: 1." in overview
    assert "1. Sharing economy" in overview
    assert "2. Cultural reactivation of streets" not in overview  # counts: own actions only
    theme = client.get("/results/themes/identity_democracy").get_data(as_text=True)
    assert "Action one idea" in theme and "Action two idea" not in theme
    assert "Action 2:" not in theme  # provenance of action 2 hidden
    own = select(Question.id).where(Question.code == "agree").order_by(Question.id)
    first, second = client.application.extensions["sqlalchemy"].session.scalars(own).all()[:2]
    assert client.get(f"/results/questions/{first}").status_code == 200
    assert client.get(f"/results/questions/{second}").status_code == 403


def test_theme_page_drills_down_to_the_answers(login_as, data, db):
    client = login_as("coordinator")
    html = client.get("/results/themes/broader_understanding").get_data(as_text=True)
    link = re.search(r'href="(/results/questions/(\d+))"', html)
    assert link, "the provenance links to the questions"
    page = client.get(link.group(1)).get_data(as_text=True)
    assert "How far do you agree?" in page
    assert "City or metropolitan area, Germany" in page  # kind and country only
    assert "Org 0" not in page  # never the organisation's name
    assert "Draft City" not in page and ", AT" not in page  # drafts do not count
    assert "1 – Not at all" in page  # values shown in words


@pytest.mark.parametrize(
    ("lang", "heading"),
    [
        ("en", "By kind of organisation"),
        ("fr", "Par type d’organisation"),
        ("de", "Nach Art der Organisation"),  # German nouns keep their capital
    ],
)
def test_breakdown_headings_read_as_phrases(login_as, data, lang, heading):
    client = login_as("admin")
    html = client.get(f"/results/themes/resilience?lang={lang}").get_data(as_text=True)
    assert f"<h3>{heading}</h3>" in html


def test_quotes_are_anonymous(login_as, data):
    html = login_as("admin").get("/results/themes/identity_democracy").get_data(as_text=True)
    assert "Action two idea 5" in html
    assert "City or metropolitan area, Netherlands" in html
    assert "Org 5" not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?country=IT", "2 responses counted"),
        ("?kind=region", "0 responses counted"),
        ("?size=large", "12 responses counted"),
        ("?state=submitted", "12 responses counted"),
        ("?date_from=2000-01-01&date_to=2000-01-02", "0 responses counted"),
    ],
)
def test_filters(login_as, data, query, expected):
    html = login_as("admin").get("/results/" + query).get_data(as_text=True)
    assert expected in html


@pytest.mark.parametrize(
    "query",
    [
        "?kind=planet",
        "?country=ZZ",
        "?size=huge",
        "?date_from=yesterday",
        "?date_from=2026-02-01&date_to=2026-01-01",
        "?state=everything",
        "?page=-3",
        "?page=abc",
        "?page=99999999999999999999999",
    ],
)
def test_bad_filters_are_reported_not_fatal(login_as, data, query):
    client = login_as("admin")
    for url in ("/results/", "/results/themes/resilience", "/results/report.csv"):
        response = client.get(url + query)
        assert response.status_code == 200, url + query
    html = client.get("/results/" + query).get_data(as_text=True)
    if "page" not in query:
        assert "Some filters were not applied" in html
        assert "12 responses counted" in html  # the bad filter is ignored


def test_submitted_filter_counts_submitted_responses(login_as, data, db):
    response = db.session.scalar(select(Response).where(Response.state == ResponseState.DRAFT))
    rservice.submit(db.session, response, user=None)
    db.session.commit()
    client = login_as("admin")
    assert "12 responses counted" in client.get("/results/").get_data(as_text=True)
    html = client.get("/results/?state=submitted").get_data(as_text=True)
    assert "13 responses counted" in html


def test_unknown_theme_and_question_are_404(login_as, data):
    client = login_as("admin")
    assert client.get("/results/themes/happiness").status_code == 404
    assert client.get("/results/questions/999999").status_code == 404


def test_report_has_statements_scores_rankings_and_quotes(login_as, data):
    html = login_as("admin").get("/results/report").get_data(as_text=True)
    assert "Culture and cultural heritage in European cities require a broader understanding." in (
        html
    )
    assert "Strongest" in html and "Weakest" in html
    assert "Action two idea" in html or "Action one idea" in html
    assert "print.css" in html and 'media="print"' in html
    assert "data-print" in html and "js/results.js" in html


def test_report_csv(login_as, data):
    response = login_as("admin").get("/results/report.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "theme_key",
        "theme",
        "breakdown",
        "group",
        "group_label",
        "score",
        "n",
        "sd",
        "ci_low",
        "ci_high",
        "suppressed",
    ]
    overall = [r for r in rows[1:] if r[2] == "overall"]
    assert [r[0] for r in overall] == [
        "broader_understanding",
        "integrated_approaches",
        "resilience",
        "social_inclusion",
        "identity_democracy",
    ]
    social = next(r for r in overall if r[0] == "social_inclusion")
    assert social[5:7] == ["50.0", "12"]
    assert {r[2] for r in rows[1:]} == {"overall", "action", "perspective"}


def test_leader_csv_has_only_their_actions(login_as, data):
    text = login_as("leader2").get("/results/report.csv").get_data(as_text=True)
    actions = {row[3] for row in csv.reader(io.StringIO(text)) if row[2] == "action"}
    assert actions == {"2"}


def test_results_pages_see_new_data_at_once(login_as, data, db):
    """The aggregate cache never serves figures older than the data."""
    client = login_as("admin")
    assert "12 responses counted" in client.get("/results/").get_data(as_text=True)
    org = support.organisation(db.session, "Late City", "city", "DE", "small")
    support.respond(db.session, data["q1"], org, {"agree": "5"})
    db.session.commit()
    assert "13 responses counted" in client.get("/results/").get_data(as_text=True)
