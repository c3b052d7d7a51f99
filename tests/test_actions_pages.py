"""The action overview pages (/actions/<n>) and the links to them from the home page."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import make_org
from tests.review_helpers import make_response, publish_example


@pytest.fixture
def one(db):
    return publish_example(1)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("coordinator", 200),
        ("leader1", 200),
        ("leader2", 403),
        ("respondent_a", 403),
    ],
)
def test_access(client, login_as, users, who, status):
    login_as(who)
    assert client.get("/actions/1").status_code == status


def test_anonymous_and_missing(client, login_as, users):
    response = client.get("/actions/1")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_as("admin")
    assert client.get("/actions/99").status_code == 404


def test_action_without_questionnaire(client, login_as, users):
    login_as("admin")
    html = client.get("/actions/3").get_data(as_text=True)
    assert "Cultural Hubs for Innovation" in html
    assert "This action has no questionnaire yet." in html
    assert 'href="/questionnaires/upload"' in html
    login_as("coordinator")
    html = client.get("/actions/3").get_data(as_text=True)
    assert 'href="/questionnaires/upload"' not in html


def test_overview_counts_and_organisations(client, login_as, db, one, orgs, users):
    late = make_org("Late Town", actions=(1,))
    make_org("Elsewhere", actions=(2,))  # not asked about action 1
    db.session.commit()
    submitted = make_response(one, orgs["A"])
    draft = make_response(one, orgs["B"], "draft")
    one.deadline = date(2026, 12, 31)
    db.session.commit()
    login_as("leader1")
    html = client.get("/actions/1").get_data(as_text=True)
    assert "Regulating phenomena of sharing economy" in html  # the full title
    assert "Cultural tourism" in html and "Planning" in html  # pillar and perspective
    assert 'href="/questionnaires/1"' in html and "version 1" in html
    assert "open" in html and "2026-12-31" in html
    # Counts per state link into the queue, filtered.
    assert 'href="/review/?action=1&amp;state=submitted"' in html
    stats = html[html.index('class="stat-list"') :]
    assert '<span class="stat-number">1</span> <span class="stat-label">submitted' in stats
    assert '<span class="stat-number">1</span> <span class="stat-label">draft' in stats
    assert '<span class="stat-number">0</span> <span class="stat-label">accepted' in stats
    # Organisations asked about the action with their response's state.
    table = html[html.index("Organisations asked about this action") :]
    assert f'href="/review/{submitted.id}"' in table and f'href="/review/{draft.id}"' in table
    assert late.name in table and "not started" in table
    assert "Elsewhere" not in table
    # Exports and results are other blueprints: no link until they are merged.
    assert "/exports" not in html


def test_home_cards_link_to_action_pages(client, login_as, users):
    login_as("leader1")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/actions/1"' in html and 'href="/actions/2"' not in html
    login_as("coordinator")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/actions/11"' in html
    login_as("respondent_a")
    assert 'href="/actions/' not in client.get("/").get_data(as_text=True)
