"""The scoring model, exactly: answer values per type, response theme scores, group
statistics, breakdowns and filters (docs/scoring.md)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.definitions import answers as codec
from app.models import Answer, Question
from app.services.results import aggregation as agg
from app.services.results import evidence
from app.services.results.disclosure import FULL_ACCESS, Audience
from tests import results_support as support

Z = 1.959963984540054

LIKERT = {
    "code": "agree",
    "type": "likert",
    "label": "Agree?",
    "points": 5,
    "labels": {"low": "No", "high": "Yes"},
    "dont_know": True,
    "themes": {"broader_understanding": 1},
}
YES_NO = {
    "code": "has_plan",
    "type": "yes_no",
    "label": "Plan?",
    "themes": {"broader_understanding": 2, "resilience": 1},
}
SINGLE = {
    "code": "level",
    "type": "single_choice",
    "label": "Level?",
    "options": [
        {"code": "low", "label": "Low", "score": 0},
        {"code": "mid", "label": "Mid", "score": 0.4},
        {"code": "high", "label": "High", "score": 1},
        {"code": "unsure", "label": "Unsure"},
    ],
    "other": True,
    "themes": {"integrated_approaches": 1},
}
MULTIPLE = {
    "code": "tools",
    "type": "multiple_choice",
    "label": "Tools?",
    "options": [
        {"code": "a", "label": "A", "score": 1},
        {"code": "b", "label": "B", "score": 0.5},
        {"code": "c", "label": "C", "score": 0.5},
        {"code": "d", "label": "D"},
    ],
    "other": True,
    "themes": {"integrated_approaches": 2},
}
NUMBER = {
    "code": "share",
    "type": "number",
    "label": "Share?",
    "integer": False,
    "min": 0,
    "max": 100,
    "scoring": {"min": 40, "max": 0},
    "themes": {"social_inclusion": 1},
}
MATRIX = {
    "code": "effects",
    "type": "matrix",
    "label": "Effects",
    "points": 4,
    "labels": {"low": "None", "high": "Strong"},
    "dont_know": True,
    "items": [
        {"code": "x", "label": "X", "themes": {"social_inclusion": 1}},
        {"code": "y", "label": "Y", "themes": {"resilience": 3, "social_inclusion": 0.5}},
    ],
}
TEXT = {
    "code": "idea",
    "type": "long_text",
    "label": "Your idea",
    "themes": {"identity_democracy": 1},
}
QUESTIONS = [LIKERT, YES_NO, SINGLE, MULTIPLE, NUMBER, MATRIX, TEXT]


@pytest.fixture
def q1(db):
    questionnaire = support.publish(db.session, support.definition(1, QUESTIONS))
    db.session.commit()
    return questionnaire


def normalised(code: str) -> dict:
    from app.definitions.model import _question

    return _question(next(q for q in QUESTIONS if q["code"] == code))


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        ("agree", "1", 0.0),
        ("agree", "4", 0.75),
        ("agree", "5", 1.0),
        ("agree", "dk", None),
        ("has_plan", "yes", 1.0),
        ("has_plan", "no", 0.0),
        ("level", "mid", 0.4),
        ("level", "high", 1.0),
        ("level", "unsure", None),  # an option without a score
        ("level", "other", None),
        ("tools", ["a"], 0.5),  # 1 / (1 + 0.5 + 0.5)
        ("tools", ["b", "c"], 0.5),
        ("tools", ["a", "b", "c", "d"], 1.0),
        ("tools", ["d", "other"], 0.0),
        ("share", "0", 1.0),  # min 40 max 0: fewer is better
        ("share", "10", 0.75),
        ("share", "40", 0.0),
        ("share", "90", 0.0),  # clamped
        ("idea", "Some text", None),
    ],
)
def test_answer_value_per_type(code, value, expected):
    got = codec.score(normalised(code), value)
    assert got == pytest.approx(expected) if expected is not None else got is None


def test_matrix_items_and_unscored_choices():
    matrix = normalised("effects")
    assert codec.point_score(matrix, "3") == pytest.approx(2 / 3)
    assert codec.point_score(matrix, "dk") is None
    no_scores = {**normalised("tools"), "options": [{"code": "a", "label": {"en": "A"}}]}
    assert codec.score(no_scores, ["a"]) is None
    all_zero = {
        **normalised("tools"),
        "options": [{"code": "a", "label": {"en": "A"}, "score": 0.0}],
    }
    assert codec.score(all_zero, ["a"]) is None  # no positive total: no value


def test_stored_scores_and_the_response_theme_score(db, q1):
    org = support.organisation(db.session, "Org 1")
    values = {
        "agree": "4",  # 0.75, broader 1
        "has_plan": "yes",  # 1, broader 2, resilience 1
        "level": "mid",  # 0.4, integrated 1
        "tools": ["a", "other"],  # 0.5, integrated 2
        "share": "10",  # 0.75, inclusion 1
        "effects": {"x": "4", "y": "2"},  # x 1 (inclusion 1), y 1/3 (resilience 3, incl. 0.5)
        "idea": "Open the archives",
    }
    response = support.respond(db.session, q1, org, values, {"tools": "Maps"})
    db.session.commit()
    stored = {
        (code, item): score
        for code, item, score in db.session.execute(
            select(Question.code, Answer.item, Answer.score)
            .join(Answer.question)
            .where(Answer.response_id == response.id)
        )
    }
    assert stored[("agree", "")] == pytest.approx(0.75)
    assert stored[("effects", "y")] == pytest.approx(1 / 3)
    assert stored[("idea", "")] is None
    scores = {t.theme.key: t.stat for t in agg.theme_scores(db.session, agg.Filters(FULL_ACCESS))}
    assert scores["broader_understanding"].score == pytest.approx(100 * (0.75 + 2) / 3)
    assert scores["integrated_approaches"].score == pytest.approx(100 * (0.4 + 2 * 0.5) / 3)
    assert scores["resilience"].score == pytest.approx(100 * (1 + 3 * (1 / 3)) / 4)
    assert scores["social_inclusion"].score == pytest.approx(100 * (0.75 + 1 + 0.5 * (1 / 3)) / 2.5)
    # Text questions tag quotes, never scores: no value, so the theme is undefined.
    assert scores["identity_democracy"] == agg.Stat()
    assert all(s.n == 1 and s.sd is None and s.ci_low is None for k, s in scores.items() if s.n)


def test_no_valued_question_leaves_the_theme_undefined_not_zero(db, q1):
    a = support.organisation(db.session, "Org A")
    b = support.organisation(db.session, "Org B")
    support.respond(db.session, q1, a, {"agree": "dk", "level": "unsure", "has_plan": "no"})
    support.respond(db.session, q1, b, {"agree": "5"})
    db.session.commit()
    broader = agg.theme_scores(db.session, agg.Filters(FULL_ACCESS))[0]
    # a: agree dk (no value), has_plan no (0, weight 2) -> 0; b: agree 5 -> 1.
    assert broader.stat.n == 2 and broader.stat.score == pytest.approx(50.0)
    integrated = agg.theme_scores(db.session, agg.Filters(FULL_ACCESS))[1]
    assert integrated.stat.n == 0 and integrated.stat.score is None  # "unsure" has no score


def test_group_statistics(db, q1):
    points = ["1", "3", "5", "5"]  # s = 0, 0.5, 1, 1
    for index, point in enumerate(points):
        org = support.organisation(db.session, f"Org {index}")
        support.respond(db.session, q1, org, {"agree": point})
    db.session.commit()
    stat = agg.theme_scores(db.session, agg.Filters(FULL_ACCESS))[0].stat
    values = [0.0, 0.5, 1.0, 1.0]
    mean = sum(values) / 4
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 3)
    assert stat.n == 4
    assert stat.score == pytest.approx(100 * mean)
    assert stat.sd == pytest.approx(100 * sd)
    assert stat.ci_low == pytest.approx(100 * (mean - Z * sd / 2))
    assert stat.ci_high == pytest.approx(100.0)  # clipped at the top of the scale
    assert stat.as_dict() == {
        "score": 62.5,
        "n": 4,
        "sd": round(100 * sd, 1),
        "ci_low": round(100 * (mean - Z * sd / 2), 1),
        "ci_high": 100.0,
        "suppressed": False,
    }


def test_identical_scores_give_zero_spread(db, q1):
    for index in range(3):
        org = support.organisation(db.session, f"Org {index}")
        support.respond(db.session, q1, org, {"agree": "4"})
    db.session.commit()
    stat = agg.theme_scores(db.session, agg.Filters(FULL_ACCESS))[0].stat
    assert stat.n == 3 and stat.sd == pytest.approx(0.0, abs=1e-6)
    assert stat.ci_low == pytest.approx(75.0) and stat.ci_high == pytest.approx(75.0)


def test_only_accepted_count_by_default(db, q1):
    states = {"accepted": "5", "submitted": "1", "draft": "1", "returned": "1", "rejected": "1"}
    for state, point in states.items():
        org = support.organisation(db.session, f"Org {state}")
        support.respond(db.session, q1, org, {"agree": point}, state=state)
    db.session.commit()
    only = agg.theme_scores(db.session, agg.Filters(FULL_ACCESS))[0].stat
    assert (only.n, only.score) == (1, 100.0)
    both = agg.theme_scores(db.session, agg.Filters(FULL_ACCESS, include_submitted=True))[0].stat
    assert (both.n, both.score) == (2, 50.0)


def test_each_response_counts_once(db, q1):
    q8 = support.publish(db.session, support.definition(8, [LIKERT, YES_NO]))
    org = support.organisation(db.session, "Org", actions=(1, 8))
    # Several answers feed "broader" in each response; the organisation answers twice.
    support.respond(db.session, q1, org, {"agree": "5", "has_plan": "yes"})
    support.respond(db.session, q8, org, {"agree": "1", "has_plan": "no"})
    db.session.commit()
    stat = agg.theme_scores(db.session, agg.Filters(FULL_ACCESS))[0].stat
    assert stat.n == 2 and stat.score == pytest.approx(50.0)


@pytest.fixture
def spread(db, q1):
    """Responses in two actions from organisations of different kinds, countries, sizes."""
    q8 = support.publish(db.session, support.definition(8, [LIKERT]))
    rows = [
        # name, kind, country, size, questionnaire, point, submitted
        ("Lyon", "city", "FR", "large", q1, "5", datetime(2026, 1, 10, tzinfo=UTC)),
        ("Tours", "city", "FR", "medium", q1, "3", datetime(2026, 2, 10, tzinfo=UTC)),
        ("Lazio", "region", "IT", None, q8, "1", datetime(2026, 3, 10, tzinfo=UTC)),
        ("Roma", "city", "IT", "metropolitan", q8, "4", datetime(2026, 3, 11, tzinfo=UTC)),
        ("NGO", "ngo", "IT", None, q1, "2", datetime(2026, 3, 12, 23, 59, tzinfo=UTC)),
    ]
    for name, kind, country, size, questionnaire, point, when in rows:
        org = support.organisation(db.session, name, kind, country, size)
        support.respond(db.session, questionnaire, org, {"agree": point}, submitted_at=when)
    db.session.commit()


def broader(bd: agg.Breakdown) -> dict[str, tuple[int, float | None]]:
    return {
        g.key: (s.n, None if s.score is None else round(s.score, 4))
        for g, s in bd.for_theme("broader_understanding")
        if s.n
    }


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("action", {"1": (3, 58.3333), "8": (2, 37.5)}),
        ("perspective", {"planning": (3, 58.3333), "resilience": (2, 37.5)}),
        ("pillar", {"cultural_tourism": (3, 58.3333), "heritage_resilience": (2, 37.5)}),
        ("kind", {"city": (3, 75.0), "region": (1, 0.0), "ngo": (1, 25.0)}),
        ("country", {"FR": (2, 75.0), "IT": (3, 33.3333)}),
        ("size", {"large": (1, 100.0), "medium": (1, 50.0), "metropolitan": (1, 75.0),
                  "none": (2, 12.5)}),
    ],
)  # fmt: skip
def test_breakdowns(db, spread, by, expected):
    result = agg.breakdown(db.session, agg.Filters(FULL_ACCESS), by)
    assert broader(result) == expected
    keys = [g.key for g in result.groups]
    if by == "perspective":
        assert keys == ["planning", "managing", "resilience"]  # all, in order, for heatmaps
    if by == "pillar":
        assert len(keys) == 7


@pytest.mark.parametrize(
    ("filters", "n", "score"),
    [
        (agg.Filters(FULL_ACCESS, actions=(8,)), 2, 37.5),
        (agg.Filters(FULL_ACCESS, perspectives=("planning",)), 3, 175 / 3),
        (agg.Filters(FULL_ACCESS, pillars=("heritage_resilience",)), 2, 37.5),
        (agg.Filters(FULL_ACCESS, kinds=("city",)), 3, 75.0),
        (agg.Filters(FULL_ACCESS, countries=("fr",)), 2, 75.0),
        (agg.Filters(FULL_ACCESS, sizes=("none",)), 2, 12.5),
        (agg.Filters(FULL_ACCESS, sizes=("large", "medium")), 2, 75.0),
        (agg.Filters(FULL_ACCESS, submitted_from=date(2026, 3, 1)), 3, 100 * (0 + 0.75 + 0.25) / 3),
        (
            agg.Filters(FULL_ACCESS, submitted_to=date(2026, 3, 11)),
            4,
            100 * (1 + 0.5 + 0 + 0.75) / 4,
        ),
        (
            agg.Filters(
                FULL_ACCESS, submitted_from=date(2026, 3, 12), submitted_to=date(2026, 3, 12)
            ),
            1,
            25.0,
        ),
        (agg.Filters(FULL_ACCESS, countries=("IT",), kinds=("city", "ngo")), 2, 50.0),
    ],
)
def test_filters(db, spread, filters, n, score):
    stat = agg.theme_scores(db.session, filters)[0].stat
    assert stat.n == n and stat.score == pytest.approx(score)


def test_an_audience_counts_only_the_actions_in_its_scope(db, spread):
    led = agg.Filters(Audience(frozenset({8})))
    assert agg.theme_scores(db.session, led)[0].stat.n == 2
    outside = agg.Filters(Audience(frozenset({8})), actions=(1,))
    assert agg.theme_scores(db.session, outside)[0].stat.n == 0
    assert outside.counted_actions() == ()
    assert agg.Filters(FULL_ACCESS).counted_actions() is None
    assert agg.Filters(FULL_ACCESS, actions=(1,)).counted_actions() == (1,)
    nothing = agg.Filters(Audience(frozenset()))
    assert agg.theme_scores(db.session, nothing)[0].stat.n == 0


def test_distribution_bins_in_sql(db, spread):
    theme = agg.theme_by_key(db.session, "broader_understanding")
    bins = agg.distribution(db.session, agg.Filters(FULL_ACCESS), theme.id)
    # s = 1, 0.5, 0, 0.75, 0.25: bins [0,10) [20,30) [50,60) [70,80) [90,100]
    assert [b.count for b in bins] == [1, 0, 1, 0, 0, 1, 0, 1, 0, 1]
    assert bins[0].label == "0–10" and bins[-1].high == 100


def test_provenance(db, spread):
    theme = agg.theme_by_key(db.session, "broader_understanding")
    rows = evidence.provenance(db.session, agg.Filters(FULL_ACCESS), theme.id)
    agree = {(r.action, r.code): r for r in rows}
    assert agree[(1, "agree")].n == 3 and agree[(1, "agree")].mean == pytest.approx(175 / 3)
    assert agree[(8, "agree")].n == 2 and agree[(8, "agree")].weight == 1.0
    assert agree[(1, "has_plan")].n == 0 and agree[(1, "has_plan")].weight == 2.0
    assert sum(r.share for r in rows) == pytest.approx(1.0)
    only8 = evidence.provenance(db.session, agg.Filters(FULL_ACCESS, actions=(8,)), theme.id)
    assert {r.action for r in only8} == {8}
    resilience = agg.theme_by_key(db.session, "resilience")
    items = [
        r
        for r in evidence.provenance(db.session, agg.Filters(FULL_ACCESS), resilience.id)
        if r.item
    ]
    assert [(r.code, r.item, r.item_label, r.weight) for r in items] == [("effects", "y", "Y", 3.0)]


def test_quotes_show_kind_and_country_only(db, q1):
    org = support.organisation(db.session, "Secret City Council", "city", "PT", "small")
    support.respond(db.session, q1, org, {"idea": "Open the archives to schools"})
    other = support.organisation(db.session, "Draft Town", "city", "PT", "small")
    support.respond(db.session, q1, other, {"idea": "Not yet submitted"}, state="draft")
    db.session.commit()
    total, quotes = evidence.quotes(db.session, agg.Filters(FULL_ACCESS), "identity_democracy")
    assert total == 1
    (quote,) = quotes
    assert (quote.text, quote.kind, quote.country, quote.action) == (
        "Open the archives to schools",
        "city",
        "PT",
        1,
    )
    assert "Secret" not in repr(quote)
    assert evidence.quotes(db.session, agg.Filters(FULL_ACCESS), "resilience") == (0, [])
    assert (
        evidence.selected_quotes(db.session, agg.Filters(FULL_ACCESS), "identity_democracy")[0]
        == quote
    )


def test_question_answers_and_value_counts(db, spread):
    question_id = db.session.scalar(
        select(Question.id).where(Question.code == "agree").order_by(Question.id)
    )
    total, rows = evidence.question_answers(db.session, agg.Filters(FULL_ACCESS), question_id)
    assert total == 3
    assert {(r.value, r.kind, r.country) for r in rows} == {
        ("5", "city", "FR"),
        ("3", "city", "FR"),
        ("2", "ngo", "IT"),
    }
    counts = evidence.value_counts(db.session, agg.Filters(FULL_ACCESS), question_id)
    assert [(c.value, c.count) for c in counts] == [("2", 1), ("3", 1), ("5", 1)]


def test_response_counts(db, q1):
    for index, state in enumerate(["accepted", "accepted", "submitted", "draft"]):
        org = support.organisation(db.session, f"Org {index}")
        support.respond(db.session, q1, org, {"agree": "3"}, state=state)
    db.session.commit()
    rows = evidence.response_counts(db.session, FULL_ACCESS)
    assert len(rows) == 11
    assert rows[0].counts["accepted"] == 2 and rows[0].counts["draft"] == 1
    assert rows[0].total == 4 and rows[1].total == 0
    led = Audience(frozenset({2, 3}))
    assert [r.action for r in evidence.response_counts(db.session, led)] == [2, 3]


def test_unknown_breakdown_is_refused():
    with pytest.raises(ValueError, match="unknown breakdown"):
        agg.grouped_scores_query(agg.Filters(FULL_ACCESS), ["planet"])


def test_all_breakdowns_in_one_query_match_the_single_ones(db, spread):
    overall, all_six = agg.figures(db.session, agg.Filters(FULL_ACCESS), agg.DIMENSIONS)
    assert overall == agg.theme_scores(db.session, agg.Filters(FULL_ACCESS))
    for by in agg.DIMENSIONS:
        assert all_six[by].cells == agg.breakdown(db.session, agg.Filters(FULL_ACCESS), by).cells


def test_quotes_page_through_the_newest_counted_responses(db):
    second = {**TEXT, "code": "story", "label": "A story"}
    questionnaire = support.publish(db.session, support.definition(2, [TEXT, second]))
    expected = []
    for day in range(1, 8):
        kind = "ngo" if day == 4 else "city"
        org = support.organisation(db.session, f"Org {day}", kind, "PT", "small")
        values = {"idea": f"Idea {day}"} | ({"story": f"Story {day}"} if day % 2 else {})
        when = datetime(2026, 3, day, 12, tzinfo=UTC)
        support.respond(db.session, questionnaire, org, values, submitted_at=when)
        if kind == "city":
            expected[:0] = [v for v in values.values()]  # newest response first
    support.respond(
        db.session,
        questionnaire,
        support.organisation(db.session, "Drafting", "city", "PT", "small"),
        {"idea": "Not counted"},
        state="draft",
    )
    db.session.commit()
    filters = agg.Filters(FULL_ACCESS, kinds=("city",))
    pages = [
        evidence.quotes(db.session, filters, "identity_democracy", limit=3, offset=offset)
        for offset in (0, 3, 6, 9)
    ]
    assert {total for total, _ in pages} == {len(expected)}
    texts = [q.text for _, quotes in pages for q in quotes]
    assert sorted(texts) == sorted(expected)  # each quote once, none left out
    days = [int(t.split()[1]) for t in texts]
    assert days == sorted(days, reverse=True)  # newest response first
