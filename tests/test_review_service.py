"""The review service: decisions, comments per question, bulk acceptance, the queue."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update

from app.models import OrgKind, Response, ResponseEvent, ResponseState, ReviewComment
from app.services.responding import review as service
from app.services.responding.responses import ResponseError
from tests.conftest import make_org
from tests.review_helpers import audit_events, make_response, publish_example


@pytest.fixture
def questionnaire(db):
    return publish_example(1)


@pytest.fixture
def submitted(db, questionnaire, orgs, users):
    return make_response(questionnaire, orgs["A"], respondent=users["respondent_a"])


def test_accept_records_event_and_audit(db, submitted, users):
    decision = service.review(
        db.session,
        submitted,
        "accept",
        user=users["leader1"],
        overall_comment="Thanks",
        ip="1.2.3.4",
    )
    db.session.commit()
    assert submitted.state == ResponseState.ACCEPTED and submitted.accepted_at is not None
    assert submitted.review_note == "Thanks"
    event = decision.event
    assert (event.from_state, event.to_state, event.user_id, event.comment) == (
        "submitted",
        "accepted",
        users["leader1"].id,
        "Thanks",
    )
    [entry] = audit_events("review.accepted")
    assert entry.user_id == users["leader1"].id and entry.ip == "1.2.3.4"
    assert (entry.object_type, entry.object_id) == ("response", str(submitted.id))
    assert entry.details["reference"] == submitted.reference
    assert entry.details["from_state"] == "submitted"


def test_return_with_question_comments_only(db, submitted, users):
    service.review(
        db.session,
        submitted,
        "return",
        user=users["leader1"],
        question_comments={"caps_nights": "  Is it 60 or 90?  ", "measures": "   ", "org_role": ""},
    )
    db.session.commit()
    assert submitted.state == ResponseState.RETURNED and submitted.is_editable
    comments = db.session.scalars(select(ReviewComment)).all()
    assert [(c.question_code, c.body, c.user_id) for c in comments] == [
        ("caps_nights", "Is it 60 or 90?", users["leader1"].id)
    ]
    assert submitted.review_note is None  # no overall comment: none shown as the note
    assert submitted.events[-1].comment == "Comments on 1 question(s): caps_nights"
    [entry] = audit_events("review.returned")
    assert entry.details["question_comments"] == ["caps_nights"]


def test_overall_comment_becomes_the_note(db, submitted, users):
    service.review(
        db.session,
        submitted,
        "return",
        user=users["leader1"],
        overall_comment="Please add your data sources.",
        question_comments={"has_regulation": "Since when?"},
    )
    db.session.commit()
    assert submitted.review_note == "Please add your data sources."
    assert submitted.events[-1].comment == "Please add your data sources."
    assert [c.question_code for c in submitted.comments] == ["has_regulation"]


@pytest.mark.parametrize(
    ("decision", "overall", "questions", "message"),
    [
        ("return", "", {}, "say what to change before returning"),
        ("return", "   ", {"org_role": "  "}, "say what to change before returning"),
        ("reject", "", {"org_role": "wrong"}, "give the reason for the rejection"),
        ("maybe", "x", {}, "unknown decision 'maybe'"),
        ("accept", "", {"no_such_question": "hm"}, "no question no_such_question"),
        ("accept", "x" * 5001, {}, "longer than 5000 characters"),
        ("return", "", {"org_role": "y" * 5001}, "the comment on org_role is longer"),
    ],
)
def test_refused_decisions_change_nothing(
    db, submitted, users, decision, overall, questions, message
):
    with pytest.raises(ResponseError, match=message):
        service.review(
            db.session,
            submitted,
            decision,
            user=users["leader1"],
            overall_comment=overall,
            question_comments=questions,
        )
    db.session.rollback()
    assert submitted.state == ResponseState.SUBMITTED
    assert db.session.scalar(select(func.count(ReviewComment.id))) == 0
    assert audit_events("review.returned") == audit_events("review.rejected") == []


@pytest.mark.parametrize(
    ("state", "decision", "message"),
    [
        ("draft", "accept", r"that is draft cannot become accepted \(possible: submitted\)"),
        ("accepted", "return", r"that is accepted cannot become returned \(possible: none\)"),
        ("returned", "accept", "that is returned cannot become accepted"),
        ("rejected", "accept", "that is rejected cannot become accepted"),
    ],
)
def test_disallowed_transitions_are_refused(
    db, questionnaire, orgs, users, state, decision, message
):
    response = make_response(questionnaire, orgs["B"], state, reviewer=users["admin"])
    with pytest.raises(ResponseError, match=message):
        service.review(db.session, response, decision, user=users["admin"], overall_comment="x")
    db.session.rollback()
    assert response.state == ResponseState(state)


def test_stale_page_is_refused(db, submitted, users):
    seen = submitted.lock_version
    service.review(db.session, submitted, "accept", user=users["admin"])
    db.session.commit()
    with pytest.raises(ResponseError):
        service.review(
            db.session,
            submitted,
            "reject",
            user=users["leader1"],
            overall_comment="no",
            expected_lock=seen,
        )


def test_concurrent_decision_is_refused_not_overwritten(db, submitted, users):
    # Another reviewer's request accepted it after this one loaded the response.
    db.session.execute(
        update(Response)
        .where(Response.id == submitted.id)
        .values(state=ResponseState.ACCEPTED)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(ResponseError, match="became accepted in the meantime"):
        service.review(db.session, submitted, "reject", user=users["leader1"], overall_comment="x")
    db.session.rollback()


def test_resubmission_after_return_then_accept(db, submitted, users):
    from app.services.responding import responses

    service.review(db.session, submitted, "return", user=users["leader1"], overall_comment="Fix")
    responses.submit(db.session, submitted, user=users["respondent_a"])
    service.review(db.session, submitted, "accept", user=users["leader1"])
    db.session.commit()
    assert [(e.from_state, e.to_state) for e in submitted.events] == [
        (None, "draft"),
        ("draft", "submitted"),
        ("submitted", "returned"),
        ("returned", "submitted"),
        ("submitted", "accepted"),
    ]


def test_bulk_accept_reports_what_it_skipped(db, questionnaire, orgs, users):
    others = [make_org(f"Town {n}", actions=(1,)) for n in range(4)]
    db.session.commit()
    submitted = [
        make_response(questionnaire, orgs["A"]),
        make_response(questionnaire, others[0]),
    ]
    draft = make_response(questionnaire, orgs["B"], "draft")
    accepted = make_response(questionnaire, others[1], "accepted", reviewer=users["admin"])
    returned = make_response(questionnaire, others[2], "returned", reviewer=users["admin"])
    report = service.bulk_accept(
        db.session, [*submitted, draft, accepted, returned], user=users["leader1"], ip="9.9.9.9"
    )
    db.session.commit()
    assert [r.id for r in report.accepted] == [r.id for r in submitted]
    assert all(r.state == ResponseState.ACCEPTED for r in submitted)
    assert draft.state == ResponseState.DRAFT and returned.state == ResponseState.RETURNED
    reasons = dict(report.skipped)
    assert reasons[f"{draft.reference} (Region B)"] == (
        "it is draft: only submitted responses can be accepted"
    )
    assert "it is accepted" in reasons[f"{accepted.reference} (Town 1)"]
    assert "it is returned" in reasons[f"{returned.reference} (Town 2)"]
    bulk = [e for e in audit_events("review.accepted") if e.details.get("bulk")]
    assert sorted(int(e.object_id) for e in bulk) == sorted(r.id for r in submitted)


# --- the queue ----------------------------------------------------------------------------


@pytest.fixture
def many(db, orgs, users):
    """Responses to actions 1 and 2 in various states, kinds, countries and dates."""
    one, two = publish_example(1), publish_example(2)
    paris = make_org("Paris", OrgKind.CITY, "FR", actions=(1, 2))
    ngo = make_org("Heritage NGO", OrgKind.NGO, "BE", actions=(1,))
    db.session.commit()
    rows = {
        "a1": make_response(one, orgs["A"]),
        "b1": make_response(one, orgs["B"], "draft"),
        "p1": make_response(one, paris, "accepted", reviewer=users["admin"]),
        "n1": make_response(one, ngo),
        "a2": make_response(two, orgs["A"]),
        "p2": make_response(two, paris, "returned", reviewer=users["admin"]),
    }
    # Spread the submission dates: a1 on 1 March, n1 on 10 March, a2 on 20 March ...
    for key, day in {"a1": 1, "n1": 10, "a2": 20, "p1": 5, "p2": 15}.items():
        rows[key].submitted_at = datetime(2026, 3, day, 12, tzinfo=UTC)
    db.session.commit()
    return rows


def _refs(page):
    return [r.reference for r in page.items]


def test_queue_scope_counts_and_state_filter(db, many):
    everything = service.queue(db.session, service.QueueFilters(), action_ids=None)
    assert everything.total == 6
    assert everything.counts == {
        ResponseState.DRAFT: 1,
        ResponseState.SUBMITTED: 3,
        ResponseState.RETURNED: 1,
        ResponseState.ACCEPTED: 1,
        ResponseState.REJECTED: 0,
    }
    action_one = {many["a1"].questionnaire.action_id}
    submitted = service.queue(
        db.session, service.QueueFilters(state=ResponseState.SUBMITTED), action_ids=action_one
    )
    assert set(_refs(submitted)) == {many["a1"].reference, many["n1"].reference}
    assert submitted.counts[ResponseState.SUBMITTED] == 2 and submitted.total == 2
    nothing = service.queue(db.session, service.QueueFilters(), action_ids=set())
    assert nothing.total == 0 and nothing.items == []


def test_queue_filters(db, many):
    def refs(**kwargs):
        return set(
            _refs(service.queue(db.session, service.QueueFilters(**kwargs), action_ids=None))
        )

    assert refs(action=2) == {many["a2"].reference, many["p2"].reference}
    assert refs(kind=OrgKind.NGO) == {many["n1"].reference}
    assert refs(country="fr") == {many["p1"].reference, many["p2"].reference}
    assert refs(submitted_from=date(2026, 3, 10), submitted_to=date(2026, 3, 15)) == {
        many["n1"].reference,
        many["p2"].reference,
    }
    assert refs(submitted_to=date(2026, 3, 1)) == {many["a1"].reference}  # inclusive end
    # Counts follow every filter but the state.
    page = service.queue(db.session, service.QueueFilters(country="FR"), action_ids=None)
    assert page.counts[ResponseState.ACCEPTED] == 1 and page.counts[ResponseState.SUBMITTED] == 0


def test_queue_sort_and_pages(db, many):
    by_date = service.queue(db.session, service.QueueFilters(sort="submitted"), action_ids=None)
    assert _refs(by_date)[:2] == [many["a2"].reference, many["p2"].reference]
    assert _refs(by_date)[-1] == many["b1"].reference  # never submitted: last either way
    oldest = service.queue(
        db.session, service.QueueFilters(sort="submitted", descending=False), action_ids=None
    )
    assert _refs(oldest)[0] == many["a1"].reference and _refs(oldest)[-1] == many["b1"].reference
    by_org = service.queue(
        db.session, service.QueueFilters(sort="organisation", descending=False), action_ids=None
    )
    assert [r.organisation.name for r in by_org.items] == sorted(
        r.organisation.name for r in by_org.items
    )
    pages = [
        service.queue(
            db.session,
            service.QueueFilters(sort="organisation", descending=False, page=n, per_page=4),
            action_ids=None,
        )
        for n in (1, 2, 99)
    ]
    assert [len(p.items) for p in pages] == [4, 2, 2] and pages[0].pages == 2
    assert pages[2].page == 2  # past the end: the last page
    assert set(_refs(pages[0])).isdisjoint(_refs(pages[1]))


def test_queue_counts_events(db, many):
    # Each decision made through the service left exactly one event per transition.
    returned = many["p2"]
    assert (
        db.session.scalar(
            select(func.count(ResponseEvent.id)).where(ResponseEvent.response_id == returned.id)
        )
        == 3
    )
    assert returned.submitted_at.date() == date(2026, 3, 15)
