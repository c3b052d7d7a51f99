"""Property: the SQL aggregation agrees with the plain-Python reference
(tests/reference_scoring.py) on random questionnaires and random valid answers.

Each example builds its questionnaires and responses inside a SAVEPOINT through the
app's services (which store each response's theme scores as its answers are saved, some
responses saved twice), compares, and rolls back, so examples never see each other's data.
Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.definitions.model import Definition
from app.models import Answer, Question, Response
from app.services.results import aggregation as agg
from app.services.results import scoring
from app.services.results.disclosure import FULL_ACCESS
from tests import reference_scoring as ref
from tests import results_support as support

THEMES = [
    "broader_understanding",
    "integrated_approaches",
    "resilience",
    "social_inclusion",
    "identity_democracy",
]
TYPES = [
    "likert",
    "matrix",
    "yes_no",
    "single_choice",
    "multiple_choice",
    "number",
    "short_text",
    "long_text",
    "ranking",
    "country",
    "date",
]
# Actions with different perspectives and pillars, so those breakdowns have groups.
ACTIONS = [1, 5, 8]

weight = st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]) | st.floats(0.05, 5.0).map(
    lambda w: round(w, 3)
)
themes = st.dictionaries(st.sampled_from(THEMES), weight, min_size=1, max_size=3)
option_score = st.sampled_from([0.0, 0.25, 0.5, 1.0]) | st.floats(0.0, 1.0).map(
    lambda s: round(s, 3)
)


@st.composite
def question(draw: st.DrawFn, index: int) -> dict[str, Any]:
    qtype = draw(st.sampled_from(TYPES))
    q: dict[str, Any] = {"code": f"q{index}", "type": qtype, "label": f"Question {index}"}
    if index > 0 and draw(st.booleans()) and draw(st.booleans()):
        q["show_if"] = {"question": "q0", "answered": draw(st.booleans())}
    if qtype in ("likert", "matrix"):
        q["points"] = draw(st.integers(3, 11))
        q["labels"] = {"low": "Low", "high": "High"}
        q["dont_know"] = draw(st.booleans())
    if qtype == "likert" or qtype == "yes_no":
        q["themes"] = draw(themes)
    if qtype == "matrix":
        count = draw(st.integers(1, 3))
        q["items"] = [
            {"code": f"i{k}", "label": f"Item {k}", "themes": draw(themes)} for k in range(count)
        ]
    if qtype in ("single_choice", "multiple_choice"):
        count = draw(st.integers(2, 4))
        options = []
        for k in range(count):
            option: dict[str, Any] = {"code": f"o{k}", "label": f"Option {k}"}
            if draw(st.integers(0, 3)):  # most options are scored, some not
                option["score"] = draw(option_score)
            options.append(option)
        q["options"] = options
        q["other"] = draw(st.booleans())
        if any("score" in o for o in options):
            q["themes"] = draw(themes)
    if qtype == "ranking":
        q["options"] = [{"code": f"o{k}", "label": f"Option {k}"} for k in range(3)]
    if qtype == "number":
        q["min"], q["max"] = 0, 100
        if draw(st.booleans()):
            low, high = draw(st.sampled_from([(0, 100), (40, 0), (10, 60), (50, 20)]))
            q["scoring"] = {"min": low, "max": high}
            q["themes"] = draw(themes)
    if qtype in ("short_text", "long_text") and draw(st.booleans()):
        q["themes"] = draw(themes)
    return q


@st.composite
def questionnaire(draw: st.DrawFn, action: int) -> dict[str, Any]:
    count = draw(st.integers(1, 6))
    questions = [draw(question(index)) for index in range(count)]
    return support.definition(action, questions, code=f"p{action:02d}")


@st.composite
def answer(draw: st.DrawFn, q: dict[str, Any]) -> tuple[Any, str | None]:
    """A valid value for ``q`` (and the "other" text), as the form would produce."""
    qtype = q["type"]
    if qtype == "likert":
        points = [str(p) for p in range(1, q["points"] + 1)]
        return draw(st.sampled_from(points + (["dk"] if q["dont_know"] else []))), None
    if qtype == "matrix":
        points = [str(p) for p in range(1, q["points"] + 1)] + (["dk"] if q["dont_know"] else [])
        return {i["code"]: draw(st.sampled_from(points)) for i in q["items"]}, None
    if qtype == "yes_no":
        return draw(st.sampled_from(["yes", "no"])), None
    codes = [o["code"] for o in q.get("options", [])]
    if qtype == "single_choice":
        choice = draw(st.sampled_from(codes + (["other"] if q["other"] else [])))
        return choice, ("something else" if choice == "other" else None)
    if qtype == "multiple_choice":
        pool = codes + (["other"] if q["other"] else [])
        chosen = draw(st.lists(st.sampled_from(pool), min_size=1, unique=True))
        return [c for c in pool if c in chosen], ("more" if "other" in chosen else None)
    if qtype == "number":
        return str(draw(st.integers(0, 100))), None
    if qtype in ("short_text", "long_text"):
        return draw(st.sampled_from(["A quote", "Another view", "More funding, please"])), None
    if qtype == "ranking":
        return draw(st.permutations(codes)), None
    if qtype == "country":
        return draw(st.sampled_from(["DE", "IT", "FR"])), None
    return "2024-05-01", None  # date


ORGS = st.tuples(
    st.sampled_from(["city", "region", "ngo", "university"]),
    st.sampled_from(["DE", "IT", "FR", "PL"]),
    st.sampled_from(["small", "medium", "large", "metropolitan"]),
)


@st.composite
def scenario(draw: st.DrawFn) -> dict[str, Any]:
    actions = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True))
    definitions = {a: draw(questionnaire(a)) for a in actions}
    responses = []
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(actions))
        questions = definitions[action]["sections"][0]["questions"]
        # Some responses are saved twice (other answers first), so the stored scores
        # must be replaced, not added to.
        earlier = draw(answers(questions)) if draw(st.booleans()) else None
        state = draw(st.sampled_from(["accepted", "accepted", "submitted", "draft"]))
        responses.append((action, *draw(answers(questions)), state, draw(ORGS), earlier))
    return {"definitions": definitions, "responses": responses}


@st.composite
def answers(draw: st.DrawFn, questions: list[dict[str, Any]]) -> tuple[dict, dict]:
    """Values and "other" texts for a response: most questions answered."""
    values: dict[str, Any] = {}
    other: dict[str, str] = {}
    for q in questions:
        if draw(st.integers(0, 4)):
            value, other_text = draw(answer(q))
            values[q["code"]] = value
            if other_text:
                other[q["code"]] = other_text
    return values, other


def reference_figures(session, include_submitted: bool) -> dict[str, Any]:
    """The expected figures from the stored answer texts, in plain Python."""
    states = {"accepted", "submitted"} if include_submitted else {"accepted"}
    rows: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for response_id, code, item, value in session.execute(
        select(Answer.response_id, Question.code, Answer.item, Answer.value).join(Answer.question)
    ):
        rows[response_id].append((code, item, value))
    overall: dict[str, list[float]] = defaultdict(list)
    grouped: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for response in session.scalars(select(Response)):
        if response.state.value not in states:
            continue
        definition = Definition(response.version.definition)
        questions = {q["code"]: q for q in definition.questions()}
        org = response.organisation
        action = response.questionnaire.action
        groups = {
            "action": str(action.number),
            "perspective": action.perspective.key,
            "pillar": action.pillar.key,
            "kind": org.kind.value,
            "country": org.country,
            "size": org.size_band.value if org.size_band else agg.NO_SIZE,
        }
        for theme, s in ref.response_theme_scores(questions, rows[response.id]).items():
            overall[theme].append(s)
            for by, group in groups.items():
                grouped[(by, group, theme)].append(s)
    return {
        "overall": {t: ref.group_stat(overall.get(t, [])) for t in THEMES},
        "grouped": {key: ref.group_stat(values) for key, values in grouped.items()},
    }


# The SQL takes the variance from the sum and the sum of squares (docs/scoring.md): when
# the scores are (nearly) equal, its rounding error, about 1e-16, becomes about 1e-8 in
# the standard deviation after the square root, 1e-6 on the 0..100 scale. The sd and the
# interval are compared within 1e-4 (a thousandth of the shown precision).
SPREAD_TOLERANCE = 1e-4


def same(stat: agg.Stat, expected: ref.GroupStat) -> bool:
    def close(a: float | None, b: float | None, absolute: float = 0.0) -> bool:
        if a is None or b is None:
            return a is None and b is None
        return abs(a - b) <= max(1e-6 * max(1.0, abs(b)), absolute)

    return (
        isinstance(stat.n, int)  # not a Decimal (PostgreSQL's SUM of counts)
        and stat.n == expected.n
        and close(stat.score, expected.score)
        and close(stat.sd, expected.sd, SPREAD_TOLERANCE)
        and close(stat.ci_low, expected.ci_low, SPREAD_TOLERANCE)
        and close(stat.ci_high, expected.ci_high, SPREAD_TOLERANCE)
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=scenario(), include_submitted=st.booleans())
def test_sql_agrees_with_the_reference(db, case, include_submitted):
    session = db.session
    savepoint = session.begin_nested()
    try:
        questionnaires = {
            action: support.publish(session, data) for action, data in case["definitions"].items()
        }
        for index, (action, values, other, state, (kind, country, size), earlier) in enumerate(
            case["responses"]
        ):
            org = support.organisation(session, f"Org {index}", kind, country, size)
            if earlier is not None:
                support.respond(session, questionnaires[action], org, *earlier, state="draft")
            support.respond(session, questionnaires[action], org, values, other, state=state)
        filters = agg.Filters(FULL_ACCESS, include_submitted=include_submitted)
        expected = reference_figures(session, include_submitted)
        # The figures read the stored scores s(r, t), which the response service keeps
        # in step with the answers: the same as computing them from the answers afresh.
        assert scoring.stale_scores(session) == 0
        # Every breakdown and the overall figures, in one SQL statement.
        overall, breakdowns = agg.figures(session, filters, agg.DIMENSIONS)
        for row in overall:
            assert same(row.stat, expected["overall"][row.theme.key]), (
                row.theme.key,
                row.stat,
                expected["overall"][row.theme.key],
            )
        got = {
            (by, group, theme): stat
            for by, result in breakdowns.items()
            for (group, theme), stat in result.cells.items()
            if stat.n
        }
        assert set(got) == set(expected["grouped"])
        for key, stat in got.items():
            assert same(stat, expected["grouped"][key]), (key, stat, expected["grouped"][key])
        # The histogram counts every response with a defined score exactly once.
        for theme in agg.themes(session):
            bins = agg.distribution(session, filters, theme.id)
            assert sum(b.count for b in bins) == expected["overall"][theme.key].n
    finally:
        savepoint.rollback()


def test_reference_helper_matches_a_hand_computed_case():
    questions = {
        "l": {"type": "likert", "points": 5, "themes": {"resilience": 2}},
        "y": {"type": "yes_no", "themes": {"resilience": 1, "social_inclusion": 1}},
    }
    scores = ref.response_theme_scores(questions, [("l", "", "4"), ("y", "", "no")])
    assert scores == pytest.approx({"resilience": (2 * 0.75 + 0) / 3, "social_inclusion": 0.0})
    assert ref.group_stat([0.5]).sd is None
