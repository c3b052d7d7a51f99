"""The organisers' dashboard (issue 16): counts per action against a hand-made fixture,
participation breakdowns, the review backlog, access (leaders see only their actions),
the organisations that have not answered, and a number of queries that does not grow
with the number of actions or organisations."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, update

from app.definitions.validate import validate_text
from app.extensions import db as _db
from app.models import OrgKind, Response, ResponseState
from app.services.questionnaires import versions as qservice
from app.services.responding import participation
from tests.conftest import make_org
from tests.review_helpers import example_text, make_response, publish_example


@pytest.fixture
def world(db, users, orgs):
    """Action 1: A accepted, B submitted, C draft (its current response, on version 2; its
    submitted one on version 1 is superseded), D returned, E not started, F inactive (not
    counted). Action 2: A submitted, B and G not started."""
    q1, q2 = publish_example(1), publish_example(2)
    c = make_org("NGO C", OrgKind.NGO, "FR", actions=(1,))
    d = make_org("City D", OrgKind.CITY, "DE", actions=(1,))
    e = make_org("City E", OrgKind.CITY, "ES", actions=(1,))
    f = make_org("Gone F", OrgKind.CITY, "PT", actions=(1,))
    f.active = False
    make_org("Region G", OrgKind.REGION, "PL", actions=(2,))
    _db.session.commit()
    admin = users["admin"]
    make_response(q1, orgs["A"], ResponseState.ACCEPTED, reviewer=admin)
    make_response(q1, orgs["B"], ResponseState.SUBMITTED)
    make_response(q1, c, ResponseState.SUBMITTED)  # on version 1
    new = example_text(1).replace("(example)", "(example, version 2)", 1)
    outcome = qservice.import_definition(_db.session, validate_text(new, "v2.yaml"))
    qservice.publish(_db.session, outcome.version.questionnaire)
    _db.session.commit()
    make_response(q1, c, ResponseState.DRAFT)  # on version 2: the current one
    make_response(q1, d, ResponseState.RETURNED, reviewer=admin)
    make_response(q1, f, ResponseState.SUBMITTED)
    make_response(q2, orgs["A"], ResponseState.SUBMITTED)
    # B's action-1 response was submitted 20 days ago; A's action-2 one 3 days ago.
    now = datetime.now(UTC)
    _db.session.execute(
        update(Response)
        .where(Response.organisation_id == orgs["B"].id, Response.questionnaire_id == q1.id)
        .values(submitted_at=now - timedelta(days=20))
    )
    _db.session.execute(
        update(Response)
        .where(Response.organisation_id == orgs["A"].id, Response.questionnaire_id == q2.id)
        .values(submitted_at=now - timedelta(days=3))
    )
    q1.deadline = date.today() + timedelta(days=10)
    _db.session.commit()
    return {"q1": q1, "q2": q2, "c": c, "d": d, "e": e}


def _row(board, number):
    return next(a for a in board.actions if a.action.number == number)


def test_counts_per_action(db, world):
    board = participation.build(db.session, None)
    one, two = _row(board, 1), _row(board, 2)
    assert one.invited == 5  # A B C D E (F is inactive)
    assert one.counts == {
        "accepted": 1,
        "submitted": 1,
        "draft": 1,
        "returned": 1,
        "not_started": 1,
    }
    assert one.answered == 3 and one.rate == pytest.approx(3 / 5)
    assert (datetime.now(UTC) - one.oldest_waiting).days == 20
    assert one.days_left(date.today()) == 10
    assert two.invited == 3  # A B G
    assert two.count("submitted") == 1 and two.count("not_started") == 2
    assert _row(board, 3).invited == 0
    # Oldest first, as the review queue has them (C's superseded response too; not F's).
    assert [w.organisation for w in board.backlog] == ["Region B", "City A", "NGO C"]


def test_breakdowns(db, world):
    board = participation.build(db.session, None)
    countries = {b.key: (b.organisations, b.invited, b.answered) for b in board.by_country}
    assert countries == {
        "DE": (2, 3, 3),  # A (1, 2) and D (1): A accepted + submitted, D returned
        "IT": (1, 2, 1),
        "FR": (1, 1, 0),
        "ES": (1, 1, 0),
        "PL": (1, 1, 0),
    }
    kinds = {b.key: (b.invited, b.answered) for b in board.by_kind}
    assert kinds == {"city": (4, 3), "region": (3, 1), "ngo": (1, 0)}
    sizes = {b.key: b.invited for b in board.by_size}
    assert sizes == {"medium": 4, None: 4}
    assert sum(count for _day, count in board.timeline[1]) == 3


def test_leaders_see_only_their_actions(client, world, login_as):
    login_as("leader1")
    html = client.get("/").get_data(as_text=True)
    assert "Consultation dashboard" in html
    assert 'href="/actions/1"' in html and 'href="/actions/2"' not in html
    assert "Region B" in html and "Action 2" not in html
    login_as("leader2")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/actions/2"' in html and 'href="/actions/1"' not in html
    assert client.get("/actions/1/pending").status_code == 403


def test_admin_dashboard_page(client, world, login_as):
    login_as("admin")
    html = client.get("/").get_data(as_text=True)
    assert "Consultation dashboard" in html and 'href="/actions/11"' in html
    assert 'href="/actions/1/pending?state=not_started"' in html
    assert 'href="/review/?action=1&amp;state=submitted&amp;sort=submitted&amp;order=asc"' in html
    assert "oldest 20 days" in html and "in 10 days" in html
    assert re.search(r"No answer yet from:</strong>.*Spain", html)
    assert "<svg" in html and "<script>" not in html and "style=" not in html


def test_pending_lists_the_organisations_with_their_contact_people(client, world, users, login_as):
    login_as("coordinator")
    html = client.get("/actions/2/pending?state=not_started").get_data(as_text=True)
    assert "Region B" in html and "respondent_b@example.org" in html and "Region G" in html
    assert "no active respondent" in html and "City A" not in html
    assert "E-mail a reminder" not in html  # coordinators read
    login_as("admin")
    html = client.get("/actions/1/pending").get_data(as_text=True)
    assert "NGO C" in html and "City D" in html and "City E" in html and "Region B" not in html
    assert 'action="/questionnaires/1/reminders"' in html


def _count_queries(app, client) -> int:
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    app.extensions.pop("tympanum_results_cache", None)  # every figure computed
    with app.app_context():
        engine = _db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_actions_or_organisations(
    app, db, client, world, login_as
):
    login_as("admin")
    client.get("/")
    before = _count_queries(app, client)
    for number in range(3, 12):
        questionnaire = publish_example(number)
        for index in range(5):
            org = make_org(f"Org {number}-{index}", OrgKind.CITY, "AT", actions=(number, 1))
            make_response(questionnaire, org, ResponseState.SUBMITTED)
    _db.session.commit()
    after = _count_queries(app, client)
    assert after == before, (before, after)


def test_cached_figures_follow_every_change_but_not_saves(app, db, client, world, login_as):
    login_as("admin")
    rate = re.compile(r"response rate: (\d+) of (\d+) invitations answered")
    assert rate.search(client.get("/").get_data(as_text=True)).groups() == ("4", "8")
    # Starting a response, submitting it: each moves the data version the cache checks.
    response = make_response(world["q1"], world["e"], ResponseState.DRAFT)
    html = client.get("/").get_data(as_text=True)
    assert rate.search(html).groups() == ("4", "8")  # a draft is not an answer...
    assert 'href="/actions/1/pending?state=not_started"' not in html  # ... but E started
    from app.services.responding import responses as rservice

    rservice.submit(db.session, response, user=None)
    db.session.commit()
    assert rate.search(client.get("/").get_data(as_text=True)).groups() == ("5", "8")


def test_the_review_queue_filters_by_city_size(client, world, login_as):
    login_as("admin")
    html = client.get("/review/?state=all&size=medium").get_data(as_text=True)
    assert "City A" in html and "City D" in html and "Region B" not in html
    html = client.get("/").get_data(as_text=True)
    assert 'href="/review/?size=medium&amp;state=all"' in html
