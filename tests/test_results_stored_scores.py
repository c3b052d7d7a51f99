"""The stored theme scores (response_theme_scores) follow the answers on every path that
writes or removes them: saving, submitting, reviewing, returning and editing again,
erasing a person, deleting a response, and the demo generator's bulk insert."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from app.definitions.model import Definition
from app.definitions.validate import validate_file
from app.demo import responses as demo
from app.models import Answer, Question, Response, ResponseThemeScore, Theme
from app.services.people import gdpr
from app.services.questionnaires import versions as qservice
from app.services.responding import responses as rservice
from app.services.responding import review
from app.services.results import aggregation as agg
from app.services.results import scoring
from app.services.results.disclosure import FULL_ACCESS
from tests import reference_scoring as ref
from tests import results_support as support
from tests.test_definitions_validate import EXAMPLE
from tests.test_results_scoring import QUESTIONS

FIRST = {
    "agree": "4",
    "has_plan": "yes",
    "level": "mid",
    "tools": ["a", "b"],
    "share": "10",
    "effects": {"x": "2", "y": "4"},
    "idea": "More parks",
}


@pytest.fixture
def q1(db):
    questionnaire = support.publish(db.session, support.definition(1, QUESTIONS))
    db.session.commit()
    return questionnaire


def stored(db, response: Response) -> dict[str, float]:
    """The response's stored scores, by theme key."""
    return dict(
        db.session.execute(
            select(Theme.key, ResponseThemeScore.score)
            .join(Theme, Theme.id == ResponseThemeScore.theme_id)
            .where(ResponseThemeScore.response_id == response.id)
        ).all()
    )


def expected(db, response: Response) -> dict[str, float]:
    """s(r, t) from the stored answer texts, by the plain-Python reference."""
    questions = {q["code"]: q for q in Definition(response.version.definition).questions()}
    rows = db.session.execute(
        select(Question.code, Answer.item, Answer.value)
        .join(Answer.question)
        .where(Answer.response_id == response.id)
    ).all()
    return ref.response_theme_scores(questions, rows)


def assert_in_step(db, response: Response) -> dict[str, float]:
    got = stored(db, response)
    assert got == pytest.approx(expected(db, response))
    assert scoring.stale_scores(db.session) == 0
    return got


def save(db, response: Response, values: dict) -> None:
    rservice.save_answers(db.session, response, values, {}, user=None, expected_lock=None)
    db.session.commit()


def test_saving_stores_and_replaces_the_scores(db, q1):
    org = support.organisation(db.session, "City")
    response = rservice.start_response(db.session, org, q1, None)
    assert stored(db, response) == {}
    save(db, response, FIRST)
    first = assert_in_step(db, response)
    # likert 0.75 (w 1), yes 1 (w 2): (0.75 + 2) / 3
    assert first["broader_understanding"] == pytest.approx(2.75 / 3)
    assert set(first) == {
        "broader_understanding",
        "integrated_approaches",
        "resilience",
        "social_inclusion",
    }  # the text question tags quotes, it scores nothing
    # Changed answers: the scores change; a theme left without a valued answer goes.
    save(db, response, {"agree": "1", "level": "unsure", "tools": ["d"]})
    second = assert_in_step(db, response)
    assert second == pytest.approx({"broader_understanding": 0.0, "integrated_approaches": 0.0})
    save(db, response, {"agree": "dk"})
    assert assert_in_step(db, response) == {}


def test_a_page_save_rewriting_only_changed_questions_refreshes_them(db, q1):
    org = support.organisation(db.session, "City")
    response = rservice.start_response(db.session, org, q1, None)
    save(db, response, FIRST)
    first = assert_in_step(db, response)
    for changed in ({"has_plan": "no"}, {"has_plan": "no"}, {"share": "40", "agree": "dk"}):
        before = rservice.stored_values(db.session, response)
        rservice.save_answers(
            db.session,
            response,
            {**before[0], **changed},
            before[1],
            user=None,
            expected_lock=response.lock_version,
            stored=before,  # as the respondent's pages: only changed questions rewritten
        )
        db.session.commit()
        assert_in_step(db, response)
    last = stored(db, response)
    assert last["broader_understanding"] == pytest.approx(0.0)  # "no"; "dk" has no value
    assert last != first


def test_submitting_reviewing_and_editing_again_keep_them_in_step(db, q1, users):
    org = support.organisation(db.session, "City")
    response = rservice.start_response(db.session, org, q1, None)
    save(db, response, FIRST)
    first = assert_in_step(db, response)
    rservice.submit(db.session, response, user=None)
    db.session.commit()
    assert stored(db, response) == first
    review.review(
        db.session, response, "return", user=users["admin"], overall_comment="Check the share"
    )
    db.session.commit()
    assert stored(db, response) == first
    save(db, response, {**FIRST, "share": "40", "has_plan": "no"})
    edited = assert_in_step(db, response)
    assert edited["social_inclusion"] != first["social_inclusion"]
    rservice.submit(db.session, response, user=None)
    review.review(db.session, response, "accept", user=users["admin"])
    db.session.commit()
    assert stored(db, response) == edited
    # The accepted response now counts, with exactly its stored scores.
    overall = {s.theme.key: s.stat for s in agg.theme_scores(db.session, agg.Filters(FULL_ACCESS))}
    for key, value in edited.items():
        assert overall[key].n == 1
        assert overall[key].score == pytest.approx(100 * value)


def test_erasing_a_person_leaves_the_scores_and_deleting_a_response_removes_them(db, q1, users):
    org = users["respondent_a"].organisation
    response = rservice.start_response(db.session, org, q1, users["respondent_a"])
    rservice.save_answers(
        db.session, response, FIRST, {}, user=users["respondent_a"], expected_lock=None
    )
    db.session.commit()
    before = assert_in_step(db, response)
    gdpr.erase_user(db.session, users["respondent_a"], users["admin"])
    db.session.commit()
    assert stored(db, response) == before
    other = rservice.start_response(db.session, support.organisation(db.session, "B2"), q1, None)
    save(db, other, FIRST)
    db.session.delete(response)  # the ORM's cascade
    db.session.execute(delete(Response).where(Response.id == other.id))  # the database's
    db.session.commit()
    assert db.session.scalars(select(ResponseThemeScore)).all() == []


def test_the_demo_generator_stores_every_batch_in_bulk(db):
    outcome = qservice.import_definition(db.session, validate_file(EXAMPLE))
    qservice.publish(db.session, outcome.version.questionnaire)
    db.session.commit()
    for _made in demo.generate_responses(db.session, 60, seed=3, batch_size=25):
        db.session.commit()
    rows = db.session.scalars(select(ResponseThemeScore)).all()
    assert len(rows) > 60  # most responses score on several themes
    assert scoring.stale_scores(db.session) == 0
    for response in db.session.scalars(select(Response).limit(10)):
        assert stored(db, response) == pytest.approx(expected(db, response))


def test_rebuild_repairs_scores_changed_outside_the_app(db, q1):
    org = support.organisation(db.session, "City")
    response = rservice.start_response(db.session, org, q1, None)
    save(db, response, FIRST)
    good = stored(db, response)
    db.session.execute(delete(ResponseThemeScore).where(ResponseThemeScore.theme_id == 1))
    db.session.execute(
        ResponseThemeScore.__table__.update().values(score=ResponseThemeScore.score / 2)
    )
    assert scoring.stale_scores(db.session) == len(good)
    assert scoring.rebuild_scores(db.session) == len(good)
    assert scoring.stale_scores(db.session) == 0
    assert stored(db, response) == pytest.approx(good)
