"""The demo response generator: every response it makes is one the app itself could have
stored (valid values, no hidden answers, complete when submitted, a valid history)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.definitions import answers as codec
from app.definitions.model import Definition
from app.definitions.validate import validate_file
from app.demo import responses as demo
from app.demo.data import MEMBER_STATES
from app.models import (
    Answer,
    AuditEntry,
    Organisation,
    Question,
    Response,
    ResponseEvent,
    ResponseState,
    organisation_actions,
)
from app.services.questionnaires import versions as qservice
from app.services.responding.responses import TRANSITIONS
from tests import results_support as support
from tests.test_definitions_validate import EXAMPLE

SECOND = [
    {
        "code": "plan",
        "type": "yes_no",
        "label": "Do you have a plan?",
        "required": True,
        "themes": {"integrated_approaches": 1},
    },
    {
        "code": "plan_year",
        "type": "number",
        "label": "Since when?",
        "required": True,
        "min": 1990,
        "max": 2030,
        "show_if": {"question": "plan", "equals": "yes"},
    },
    {
        "code": "tools",
        "type": "multiple_choice",
        "label": "Which tools?",
        "min": 2,
        "max": 3,
        "other": True,
        "options": [
            {"code": "a", "label": "A", "score": 1},
            {"code": "b", "label": "B", "score": 0.5},
            {"code": "c", "label": "C"},
            {"code": "d", "label": "D", "score": 0},
        ],
        "themes": {"resilience": 1},
    },
    {
        "code": "share",
        "type": "number",
        "label": "Share?",
        "integer": False,
        "min": 0,
        "max": 100,
        "scoring": {"min": 60, "max": 10},
        "themes": {"social_inclusion": 1},
    },
    {"code": "when", "type": "date", "label": "When?", "min": "2020-01-01", "max": "2020-12-31"},
    {"code": "motto", "type": "short_text", "label": "Motto", "max_length": 20},
]


@pytest.fixture
def published(db):
    outcome = qservice.import_definition(db.session, validate_file(EXAMPLE))
    qservice.publish(db.session, outcome.version.questionnaire)
    support.publish(db.session, support.definition(9, SECOND))
    db.session.commit()


def as_form(defn: Definition, values: dict, other: dict) -> MultiDict:
    """The form a browser would post for these values."""
    form = MultiDict()
    for code, value in values.items():
        q = defn.by_code[code]
        if q["type"] == "matrix":
            for item, point in value.items():
                form.add(f"{code}__{item}", point)
        elif isinstance(value, list):
            for entry in value:
                form.add(code, entry)
        else:
            form.add(code, value)
        if code in other:
            form.add(f"{code}__other", other[code])
    return form


def stored_rows(db, response: Response) -> list[codec.Row]:
    return [
        codec.Row(*row)
        for row in db.session.execute(
            select(Question.code, Answer.item, Answer.value, Answer.other_text, Answer.score)
            .join(Answer.question)
            .where(Answer.response_id == response.id)
            .order_by(Question.position, Answer.item)
        )
    ]


def make(db, count: int, **kwargs) -> int:
    progress = [0]
    for made in demo.generate_responses(db.session, count, batch_size=50, **kwargs):
        db.session.commit()
        progress.append(made)
    assert progress == sorted(progress)  # progress only grows
    return progress[-1]


def test_every_generated_response_passes_the_codec(db, published):
    assert make(db, 300, seed=3) == 300
    responses = db.session.scalars(select(Response)).all()
    assert len(responses) == 300
    seen_states = Counter()
    for response in responses:
        defn = Definition(response.version.definition)
        rows = stored_rows(db, response)
        values, other = codec.from_rows(defn, rows)
        # No hidden answers and the scores the codec computes: storing again changes nothing.
        expected = codec.to_rows(defn, values, other)
        assert sorted(expected, key=repr) == sorted(rows, key=repr), response.reference
        # Every value is one the form accepts as it is.
        parsed = codec.parse_form(defn, as_form(defn, values, other), values.keys())
        assert parsed.errors == {}, (response.reference, parsed.errors)
        assert parsed.values == values
        state = response.state
        seen_states[state] += 1
        if state != ResponseState.DRAFT:
            assert codec.missing(defn, values, other) == {}, response.reference
            assert response.submitted_at is not None
        assert (response.accepted_at is not None) == (state == ResponseState.ACCEPTED)
        # The history follows the review workflow, from a draft to the current state.
        events = db.session.scalars(
            select(ResponseEvent)
            .where(ResponseEvent.response_id == response.id)
            .order_by(ResponseEvent.id)
        ).all()
        assert events[0].from_state is None and events[0].to_state == "draft"
        assert events[-1].to_state == state.value
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_state == before.to_state
            assert ResponseState(after.to_state) in TRANSITIONS[ResponseState(before.to_state)]
            assert after.created_at >= before.created_at
        if state in (ResponseState.RETURNED, ResponseState.REJECTED):
            assert events[-1].comment and response.review_note
    assert set(seen_states) == set(ResponseState)  # the default mix has every state
    assert seen_states[ResponseState.ACCEPTED] > seen_states[ResponseState.REJECTED]


def test_conditions_are_respected(db, published):
    make(db, 200, seed=5, state="accepted")
    rows = db.session.execute(
        select(Response.id, Question.code, Answer.value)
        .join(Answer, Answer.response_id == Response.id)
        .join(Question, Question.id == Answer.question_id)
    ).all()
    by_response: dict[int, dict[str, str]] = {}
    for response_id, code, value in rows:
        by_response.setdefault(response_id, {})[code] = value
    plans = [v for v in by_response.values() if "plan" in v]
    assert plans, "the second questionnaire was answered"
    for values in plans:
        # plan_year is shown (and required) only with plan = yes.
        assert ("plan_year" in values) == (values["plan"] == "yes")
    assert any(v["plan"] == "yes" for v in plans) and any(v["plan"] == "no" for v in plans)


def test_organisations_are_plausible_and_linked(db, published):
    make(db, 120, seed=11)
    orgs = db.session.scalars(select(Organisation)).all()
    assert orgs
    assert len({o.name for o in orgs}) == len(orgs)
    for org in orgs:
        assert org.country in MEMBER_STATES
        assert (org.size_band is not None) == (org.kind.value == "city")
        assert "(demo " in org.name
    links = db.session.execute(select(func.count()).select_from(organisation_actions)).scalar()
    assert links == db.session.scalar(select(func.count(Response.id)))
    assert len({o.kind for o in orgs}) >= 3 and len({o.country for o in orgs}) >= 5


def test_a_seed_gives_the_same_answers(db, published):
    make(db, 40, seed=21, state="accepted")
    first = sorted(db.session.execute(select(Answer.question_id, Answer.item, Answer.value)).all())
    db.session.execute(Answer.__table__.delete())
    db.session.execute(ResponseEvent.__table__.delete())
    db.session.execute(Response.__table__.delete())
    db.session.execute(organisation_actions.delete())
    db.session.execute(Organisation.__table__.delete())
    db.session.commit()
    make(db, 40, seed=21, state="accepted")
    again = sorted(db.session.execute(select(Answer.question_id, Answer.item, Answer.value)).all())
    assert first == again


def test_running_twice_adds_without_clashes(db, published):
    make(db, 60, seed=1)
    make(db, 60, seed=1)
    assert db.session.scalar(select(func.count(Response.id))) == 120
    references = db.session.scalars(select(Response.reference)).all()
    assert len(set(references)) == 120


def test_cli_makes_responses_with_a_progress_bar(runner, db, published):
    result = runner.invoke(args=["demo", "responses", "--count", "25", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "Making responses" in result.output and "Made 25 responses" in result.output
    assert db.session.scalar(select(func.count(Response.id))) == 25
    result = runner.invoke(
        args=["demo", "responses", "--count", "10", "--state", "accepted", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    states = db.session.scalars(select(Response.state).order_by(Response.id.desc()).limit(10))
    assert set(states) == {ResponseState.ACCEPTED}
    assert db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.event == "demo.responses")
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "0"], "Error:"),
        (["--count", "5", "--state", "lost"], "Error:"),
        (["--count", "x"], "Error:"),
    ],
)
def test_cli_bad_arguments(runner, published, args, message):
    result = runner.invoke(args=["demo", "responses", *args])
    assert result.exit_code == 2 and message in result.output


def test_cli_without_a_published_questionnaire(runner, db):
    result = runner.invoke(args=["demo", "responses", "--count", "5"])
    assert result.exit_code == 2
    assert "no questionnaire is published" in result.output
