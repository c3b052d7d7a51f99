"""The review queue and review page: who sees what, decisions, comments, notifications."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import Response, ResponseState, ReviewComment
from tests.conftest import make_org
from tests.review_helpers import audit_events, capture_mail, make_response, publish_example


@pytest.fixture
def outbox(monkeypatch):
    return capture_mail(monkeypatch)


@pytest.fixture
def one(db):
    return publish_example(1)


@pytest.fixture
def two(db):
    return publish_example(2)


@pytest.fixture
def r1(db, one, orgs, users):
    return make_response(one, orgs["A"], respondent=users["respondent_a"])


@pytest.fixture
def r2(db, two, orgs, users):
    return make_response(two, orgs["B"], respondent=users["respondent_b"])


def _decide(client, response_id, decision, **fields):
    page = client.get(f"/review/{response_id}").get_data(as_text=True)
    lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', page)
    data = {"decision": decision, "lock_version": lock.group(1) if lock else "", **fields}
    return client.post_form(f"/review/{response_id}", data)


# --- access ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "queue", "page1", "page2"),
    [
        ("admin", 200, 200, 200),
        ("coordinator", 200, 200, 200),
        ("leader1", 200, 200, 403),
        ("leader2", 200, 403, 200),
        ("respondent_a", 403, 403, 403),
    ],
)
def test_who_sees_the_queue_and_pages(client, login_as, r1, r2, who, queue, page1, page2):
    login_as(who)
    assert client.get("/review/").status_code == queue
    assert client.get(f"/review/{r1.id}").status_code == page1
    assert client.get(f"/review/{r2.id}").status_code == page2


def test_anonymous_goes_to_login(client, r1):
    response = client.get(f"/review/{r1.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/review/").status_code == 302


def test_missing_response_is_404(client, login_as, users):
    login_as("admin")
    assert client.get("/review/999999").status_code == 404


def test_leader_queue_shows_only_led_actions(client, login_as, r1, r2):
    login_as("leader1")
    html = client.get("/review/?state=all").get_data(as_text=True)
    assert r1.reference in html and r2.reference not in html
    login_as("admin")
    html = client.get("/review/?state=all").get_data(as_text=True)
    assert r1.reference in html and r2.reference in html


def test_leader_cannot_decide_on_another_action(client, login_as, db, r2):
    login_as("leader1")
    response = client.post_form(
        f"/review/{r2.id}", {"decision": "accept", "lock_version": ""}, page="/review/"
    )
    assert response.status_code == 403
    db.session.refresh(r2)
    assert r2.state == ResponseState.SUBMITTED


def test_coordinator_reads_but_cannot_decide(client, login_as, db, r1):
    login_as("coordinator")
    html = client.get(f"/review/{r1.id}").get_data(as_text=True)
    assert "We lead this action" in html  # the answers are shown
    assert 'value="accept"' not in html and "<textarea" not in html
    queue = client.get("/review/").get_data(as_text=True)
    assert r1.reference in queue and 'name="response_ids"' not in queue
    assert "Accept selected" not in queue
    post = client.post_form(f"/review/{r1.id}", {"decision": "accept"}, page="/review/")
    assert post.status_code == 403
    bulk = client.post_form("/review/bulk-accept", {"response_ids": [r1.id]}, page="/review/")
    assert bulk.status_code == 403
    db.session.refresh(r1)
    assert r1.state == ResponseState.SUBMITTED


def test_csrf_is_required(client, login_as, db, r1):
    login_as("leader1")
    response = client.post(f"/review/{r1.id}", data={"decision": "accept"})
    assert response.status_code == 400
    response = client.post("/review/bulk-accept", data={"response_ids": [r1.id]})
    assert response.status_code == 400
    db.session.refresh(r1)
    assert r1.state == ResponseState.SUBMITTED
    assert audit_events("review.accepted") == []


# --- the review page ----------------------------------------------------------------------


def test_page_shows_submission_organisation_and_history(client, login_as, r1):
    login_as("leader1")
    html = client.get(f"/review/{r1.id}").get_data(as_text=True)
    assert "City A" in html and "City or metropolitan area" in html
    assert "Germany (DE)" in html and "Medium (50,000 to 250,000)" in html
    # Questions and answers, readable, by section.
    assert "1. Your organisation and this action" in html
    assert "How many nights per year are allowed?" in html and "60 nights" in html
    assert "Caps on nights per year" in html and "4 / 5" in html
    assert "Since when?" in html and "Not answered" in html
    # One collapsed comment box per question, and the decision buttons.
    assert html.count('<details class="comment-box">') == html.count('class="review-question"')
    assert 'name="qc_caps_nights"' in html
    for decision in ("accept", "return", "reject"):
        assert f'name="decision" value="{decision}"' in html
    # History: created as a draft, then submitted by the respondent.
    history = html[html.index("History") :]
    assert "Respondent A" in history and "submitted" in history


def test_return_with_a_question_comment(client, login_as, db, r1, users, outbox):
    login_as("leader1")
    response = _decide(
        client, r1.id, "return", qc_caps_nights="Is it really 60 nights?", comment=""
    )
    assert response.status_code == 302
    db.session.expire_all()
    returned = db.session.get(Response, r1.id)
    assert returned.state == ResponseState.RETURNED
    [comment] = db.session.scalars(select(ReviewComment)).all()
    assert (comment.question_code, comment.body) == ("caps_nights", "Is it really 60 nights?")
    assert comment.user_id == users["leader1"].id
    [entry] = audit_events("review.returned")
    assert entry.user_id == users["leader1"].id and entry.ip == "127.0.0.1"
    # The organisation's active respondents are told, with the comment.
    assert sorted(to for to, _, _ in outbox) == [
        "colleague_a@example.org",
        "respondent_a@example.org",
    ]
    _, subject, body = outbox[0]
    assert subject == "Tympanum: your response to action 1 was returned for revision"
    assert "How many nights per year are allowed?: Is it really 60 nights?" in body
    assert r1.reference in body and "http://localhost/" in body
    # The page now shows the comment beside its question and the new state.
    html = client.get(f"/review/{r1.id}").get_data(as_text=True)
    question = html[html.index('id="q-caps_nights"') :]
    assert "Is it really 60 nights?" in question[: question.index("</article>")]
    assert "Leader1" in question[: question.index("</article>")]
    assert 'value="accept"' not in html  # no decision on a returned response


def test_reject_needs_a_reason(client, login_as, db, r1):
    login_as("admin")
    response = _decide(client, r1.id, "reject", comment="   ")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "give the reason for the rejection" in html
    db.session.refresh(r1)
    assert r1.state == ResponseState.SUBMITTED
    response = _decide(client, r1.id, "reject", comment="Not a member organisation")
    assert response.status_code == 302
    db.session.refresh(r1)
    assert r1.state == ResponseState.REJECTED and r1.review_note == "Not a member organisation"
    assert len(audit_events("review.rejected")) == 1


def test_return_without_any_comment_is_refused(client, login_as, db, r1):
    login_as("leader1")
    response = _decide(client, r1.id, "return")
    assert response.status_code == 400
    assert "say what to change" in response.get_data(as_text=True)
    db.session.refresh(r1)
    assert r1.state == ResponseState.SUBMITTED


def test_missing_or_unknown_decision(client, login_as, db, r1):
    login_as("leader1")
    for decision in ("", "approve"):
        response = _decide(client, r1.id, decision)
        assert response.status_code == 400
        assert "Choose accept, return or reject." in response.get_data(as_text=True)
    db.session.refresh(r1)
    assert r1.state == ResponseState.SUBMITTED


def test_decision_on_a_stale_page_is_refused(client, login_as, db, r1, users):
    login_as("leader1")
    old_page = client.get(f"/review/{r1.id}").get_data(as_text=True)
    lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', old_page).group(1)
    # Meanwhile an admin accepts it.
    login_as("admin")
    assert _decide(client, r1.id, "accept").status_code == 302
    login_as("leader1")
    response = client.post_form(
        f"/review/{r1.id}", {"decision": "accept", "lock_version": lock}, page="/review/"
    )
    assert response.status_code == 400
    assert "changed since you opened it" in response.get_data(as_text=True)
    assert len(audit_events("review.accepted")) == 1


def test_comment_is_escaped(client, login_as, db, r1):
    login_as("leader1")
    attack = "<script>alert(1)</script>"
    _decide(client, r1.id, "return", comment=attack, qc_org_role=attack)
    html = client.get(f"/review/{r1.id}").get_data(as_text=True)
    assert attack not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") >= 3  # question comment, note and history


# --- the queue page -------------------------------------------------------------------


@pytest.fixture
def mixed(db, one, orgs, users):
    towns = [make_org(f"Town {n}", actions=(1,)) for n in range(3)]
    db.session.commit()
    return {
        "a": make_response(one, orgs["A"]),
        "b": make_response(one, orgs["B"], "draft"),
        "t0": make_response(one, towns[0]),
        "t1": make_response(one, towns[1], "accepted", reviewer=users["admin"]),
        "t2": make_response(one, towns[2], "returned", reviewer=users["admin"]),
    }


def test_queue_defaults_to_submitted_with_counts(client, login_as, mixed):
    login_as("leader1")
    html = client.get("/review/").get_data(as_text=True)
    assert mixed["a"].reference in html and mixed["t0"].reference in html
    assert mixed["b"].reference not in html and mixed["t1"].reference not in html
    chips = html[html.index('class="chips"') : html.index("</nav>", html.index('class="chips"'))]
    counts = dict(re.findall(r">(\w+) <span class=\"chip-count\">(\d+)</span>", chips))
    assert counts == {
        "All": "5",
        "draft": "1",
        "submitted": "2",
        "returned": "1",
        "accepted": "1",
        "rejected": "0",
    }
    assert "2 responses" in html


def test_queue_filters_and_bad_input(client, login_as, mixed):
    login_as("leader1")
    html = client.get("/review/?state=all&kind=region").get_data(as_text=True)
    assert mixed["b"].reference in html and mixed["a"].reference not in html
    html = client.get("/review/?state=draft").get_data(as_text=True)
    assert mixed["b"].reference in html and mixed["a"].reference not in html
    for query in (
        "action=abc",
        "action=2",  # an action this leader does not lead is not a choice
        "state=nonsense",
        "kind=spaceship",
        "country=ZZ",
        "submitted_from=yesterday",
        "submitted_from=2026-05-01&submitted_to=2026-04-01",
        "sort=evil&order=sideways",
        "page=-3",
        "page=abc",
    ):
        response = client.get(f"/review/?{query}")
        assert response.status_code == 200, query
    html = client.get("/review/?submitted_from=2026-05-01&submitted_to=2026-04-01").get_data(
        as_text=True
    )
    assert "The end date is before the start date" in html


def test_queue_sorts_and_paginates(client, login_as, db, one, users):
    towns = [make_org(f"Place {n:02d}", actions=(1,)) for n in range(27)]
    db.session.commit()
    for town in towns:
        make_response(one, town)
    login_as("admin")
    first = client.get("/review/?sort=organisation&order=asc").get_data(as_text=True)
    assert "27 responses" in first and "page 1 of 2" in first
    assert first.index("Place 00") < first.index("Place 01") < first.index("Place 24")
    assert "Place 25" not in first
    second = client.get("/review/?sort=organisation&order=asc&page=2").get_data(as_text=True)
    assert "Place 25" in second and "Place 26" in second and "Place 00" not in second
    desc = client.get("/review/?sort=organisation&order=desc").get_data(as_text=True)
    assert desc.index("Place 26") < desc.index("Place 25")
    assert 'aria-sort="descending"' in desc


def test_bulk_accept_with_a_mix(client, login_as, db, mixed, r2):
    login_as("leader1")
    ids = [mixed[k].id for k in ("a", "t0", "b", "t1")] + [r2.id, 999999]
    response = client.post_form(
        "/review/bulk-accept",
        {"response_ids": ids, "next": "/review/?state=all"},
        page="/review/",
    )
    assert response.status_code == 302 and response.headers["Location"] == "/review/?state=all"
    html = client.get("/review/?state=all").get_data(as_text=True)
    assert "2 responses accepted." in html
    assert f"Skipped {mixed['b'].reference} (Region B): it is draft" in html
    assert f"Skipped {mixed['t1'].reference} (Town 1): it is accepted" in html
    assert "Skipped 2 responses you cannot review" in html
    db.session.expire_all()
    states = {k: db.session.get(Response, mixed[k].id).state for k in ("a", "t0", "b")}
    assert states == {
        "a": ResponseState.ACCEPTED,
        "t0": ResponseState.ACCEPTED,
        "b": ResponseState.DRAFT,
    }
    assert db.session.get(Response, r2.id).state == ResponseState.SUBMITTED
    assert len(audit_events("review.accepted")) == 3  # t1 was accepted in the fixture


def test_bulk_accept_refuses_foreign_redirects_and_empty_selection(client, login_as, mixed):
    login_as("admin")
    response = client.post_form(
        "/review/bulk-accept", {"next": "https://evil.example/"}, page="/review/"
    )
    assert response.headers["Location"] == "/review/"
    assert "Tick the responses to accept first." in client.get("/review/").get_data(as_text=True)
    response = client.post_form(
        "/review/bulk-accept", {"response_ids": ["x"], "next": "/review/"}, page="/review/"
    )
    assert response.status_code == 302


def test_nav_links_to_the_queue(client, login_as, users):
    login_as("leader1")
    assert 'href="/review/"' in client.get("/").get_data(as_text=True)
    login_as("respondent_a")
    assert 'href="/review/"' not in client.get("/").get_data(as_text=True)


def test_control_characters_are_dropped_from_comments(client, login_as, db, r1):
    # PostgreSQL refuses NUL in text: comments are cleaned like answers.
    login_as("leader1")
    response = _decide(
        client, r1.id, "return", comment="Fix\x00 this\r\nplease\x07", qc_org_role="a\x00b"
    )
    assert response.status_code == 302
    db.session.expire_all()
    returned = db.session.get(Response, r1.id)
    assert returned.review_note == "Fix this\nplease"
    assert [c.body for c in returned.comments] == ["ab"]
