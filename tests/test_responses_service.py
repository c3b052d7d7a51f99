"""The response service: start, save with optimistic locking, submit once, transitions."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from app.definitions.validate import validate_file
from app.models import Answer, ResponseEvent, ResponseState
from app.services.questionnaires import versions as qservice
from app.services.responding import responses as service
from tests.test_definitions_validate import EXAMPLE

COMPLETE = {
    "org_role": "action_leader",
    "org_relevance": "4",
    "org_country": "DE",
    "has_regulation": "yes",
    "measures": ["caps"],
    "caps_nights": "60",
}


@pytest.fixture
def questionnaire(db):
    outcome = qservice.import_definition(db.session, validate_file(EXAMPLE))
    qservice.publish(db.session, outcome.version.questionnaire)
    db.session.commit()
    return outcome.version.questionnaire


@pytest.fixture
def response(db, questionnaire, orgs, users):
    response = service.start_response(db.session, orgs["A"], questionnaire, users["respondent_a"])
    db.session.commit()
    return response


def test_one_response_per_organisation_and_version(db, questionnaire, orgs, users, response):
    again = service.start_response(db.session, orgs["A"], questionnaire, users["colleague_a"])
    assert again.id == response.id
    assert response.reference.startswith("T01-") and len(response.reference) == 10


def test_save_and_reload(db, response, users):
    lock = service.save_answers(
        db.session, response, COMPLETE, {}, user=users["respondent_a"], expected_lock=1
    )
    db.session.commit()
    assert lock == 2
    values, other = service.stored_values(db.session, response)
    assert values == COMPLETE
    assert response.updated_by.id == users["respondent_a"].id


def test_hidden_answers_are_not_stored(db, response, users):
    service.save_answers(
        db.session,
        response,
        {**COMPLETE, "has_regulation": "no"},
        {},
        user=None,
        expected_lock=None,
    )
    db.session.commit()
    values, _ = service.stored_values(db.session, response)
    assert "measures" not in values and "caps_nights" not in values


def test_a_save_rewrites_only_the_answers_that_changed(db, response, users):
    """Given the stored answers, a save leaves unchanged questions' rows alone (same
    ids), rewrites changed ones and removes those that became hidden: the result is
    what a full rewrite stores."""
    service.save_answers(db.session, response, COMPLETE, {}, user=None, expected_lock=1)
    db.session.commit()
    ids_before = dict(
        db.session.execute(
            select(Answer.value, Answer.id).where(Answer.response_id == response.id)
        ).all()
    )
    stored = service.stored_values(db.session, response)
    changed = {**COMPLETE, "org_relevance": "2", "has_regulation": "no"}  # hides two
    inserted: list[int] = []

    def count(_conn, _cursor, statement, params, _context, executemany):
        if statement.startswith("INSERT INTO answers"):
            inserted.append(len(params) if executemany else 1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        lock = service.save_answers(
            db.session, response, changed, {}, user=None, expected_lock=2, stored=stored
        )
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert sum(inserted) == 2  # org_relevance and has_regulation, nothing else
    assert lock == 3
    values, _ = service.stored_values(db.session, response)
    assert values == {k: v for k, v in changed.items() if k not in ("measures", "caps_nights")}
    rows = dict(
        db.session.execute(
            select(Answer.value, Answer.id).where(Answer.response_id == response.id)
        ).all()
    )
    assert rows["action_leader"] == ids_before["action_leader"]  # untouched
    assert rows["DE"] == ids_before["DE"]
    assert "caps" not in rows and "60" not in rows  # hidden now: removed


def test_stale_save_conflicts_and_writes_nothing(db, response, users):
    service.save_answers(
        db.session, response, COMPLETE, {}, user=users["colleague_a"], expected_lock=1
    )
    db.session.commit()
    with pytest.raises(service.ConflictError) as info:
        service.save_answers(
            db.session,
            response,
            {"org_role": "external"},
            {},
            user=users["respondent_a"],
            expected_lock=1,
        )
    db.session.rollback()
    assert info.value.by == "Colleague A" and info.value.current_lock == 2
    assert service.stored_values(db.session, response)[0] == COMPLETE


def test_submit_checks_required_then_is_idempotent(db, response, users):
    with pytest.raises(service.IncompleteError) as info:
        service.submit(db.session, response, user=users["respondent_a"])
    assert set(info.value.missing) == {"org_role", "org_relevance", "org_country", "has_regulation"}
    db.session.rollback()
    service.save_answers(
        db.session, response, COMPLETE, {}, user=users["respondent_a"], expected_lock=None
    )
    assert service.submit(db.session, response, user=users["respondent_a"]) is True
    db.session.commit()
    assert service.submit(db.session, response, user=users["respondent_a"]) is False  # replay
    db.session.commit()
    assert response.state == ResponseState.SUBMITTED and response.submitted_at is not None
    submissions = db.session.scalar(
        select(func.count(ResponseEvent.id)).where(ResponseEvent.to_state == "submitted")
    )
    assert submissions == 1
    with pytest.raises(service.ResponseError, match="can no longer be changed"):
        service.save_answers(db.session, response, COMPLETE, {}, user=None, expected_lock=None)


def test_review_transitions(db, response, users):
    service.save_answers(db.session, response, COMPLETE, {}, user=None, expected_lock=None)
    service.submit(db.session, response, user=users["respondent_a"])
    with pytest.raises(service.ResponseError, match="say why"):
        service.transition(db.session, response, ResponseState.RETURNED, user=users["leader1"])
    service.transition(
        db.session,
        response,
        ResponseState.RETURNED,
        user=users["leader1"],
        comment="Please add data sources",
    )
    assert response.is_editable
    with pytest.raises(service.ResponseError, match="cannot become accepted"):
        service.transition(db.session, response, ResponseState.ACCEPTED, user=users["leader1"])
    service.submit(db.session, response, user=users["respondent_a"])
    service.transition(db.session, response, ResponseState.ACCEPTED, user=users["leader1"])
    db.session.commit()
    assert response.accepted_at is not None
    assert [e.to_state for e in response.events] == [
        "draft",
        "submitted",
        "returned",
        "submitted",
        "accepted",
    ]
    assert db.session.scalar(select(func.count(Answer.id))) == 6
