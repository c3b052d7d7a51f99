"""An organisation's own benchmark: its theme scores on one accepted response beside the
Partnership's and comparable organisations' figures, and the questions that move its
scores most against its peers (issue 18; docs/scoring.md, "Benchmark").

Every comparison figure is a cell of one table (overall, by action, kind, city size and
country) computed for the respondents' audience by ``aggregation.figures``: the same
disclosure control as every results page (``disclosure.suppress``), so a group of fewer
organisations than the threshold shows no figure, and neither do the cells it would take
to work it out. A question's peer average is shown only when the other organisations
that answered it reach the threshold too. The organisation's own scores are its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select

from ...i18n import pick
from ...models import Response, ResponseState
from .aggregation import T_RESPONSES, Filters, Stat, ThemeInfo, figures, group_key, run
from .disclosure import Audience
from .evidence import Quote, question_specs, selected_quotes
from .scoring import T_ANSWERS, T_SCORES, T_WEIGHTS, valued, weighted_answers

# The comparison groups, in the order the page shows them: (key, breakdown dimension).
COMPARISONS = (
    ("partnership", None),
    ("action", "action"),
    ("kind", "kind"),
    ("size", "size"),
    ("country", "country"),
)
DRIVERS = 3  # questions listed each way per theme


@dataclass(frozen=True)
class Comparison:
    """A group the organisation belongs to: its key (``COMPARISONS``), the group's key in
    its breakdown (the action's number, the kind, size band or country code)."""

    key: str
    group: str


@dataclass(frozen=True)
class Driver:
    """A question (or matrix row) weighted to a theme, the organisation's value on it and
    the other organisations' average (0..100), and how many points of the theme score
    the difference moves (``effect``: weight share x difference)."""

    question_id: int
    label: str
    item_label: str
    own: float
    peers: float
    effect: float


@dataclass
class ThemeBenchmark:
    theme: ThemeInfo
    own: float | None  # 0..100; None when no answer of the response scores on the theme
    figures: dict[str, Stat]  # comparison key -> the group's figures
    stand_out: list[Driver] = field(default_factory=list)
    peers_do_more: list[Driver] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class Benchmark:
    response_id: int
    action: int
    comparisons: list[Comparison]
    themes: list[ThemeBenchmark]


def comparisons_for(response: Response, action: int) -> list[Comparison]:
    """The groups ``response``'s organisation belongs to (its size band: cities only)."""
    org = response.organisation
    groups = {
        "partnership": "",
        "action": str(action),
        "kind": group_key(org.kind),
        "size": group_key(org.size_band) if org.size_band is not None else None,
        "country": org.country,
    }
    return [Comparison(key, group) for key, _ in COMPARISONS if (group := groups[key]) is not None]


def benchmark(
    session: Any,
    response: Response,
    audience: Audience,
    lang: str = "en",
    quotes: int = 0,
    cache: Any = None,
) -> Benchmark:
    """The benchmark of an accepted ``response`` for a reader in ``audience`` (the
    respondents': ``authz.benchmark_audience``); ``quotes``: how many shared quotes per
    theme (0: none)."""
    if response.state != ResponseState.ACCEPTED:
        raise ValueError("only an accepted response has a benchmark")
    action = response.questionnaire.action.number
    filters = Filters(audience=audience)
    dimensions = tuple(dim for _, dim in COMPARISONS if dim is not None)
    overall, breakdowns = figures(session, filters, dimensions, lang, cache=cache)
    comparisons = comparisons_for(response, action)
    dimension = dict(COMPARISONS)
    own = _own_scores(session, response.id)
    drivers = _drivers(session, response.id, audience.min_orgs, lang)
    result = []
    for score in overall:
        theme = score.theme
        shown: dict[str, Stat] = {}
        for comparison in comparisons:
            by = dimension[comparison.key]
            if by is None:
                shown[comparison.key] = score.stat
            else:
                shown[comparison.key] = breakdowns[by].cell(comparison.group, theme.key)
        ranked = sorted(drivers.get(theme.id, []), key=lambda d: (-d.effect, d.question_id))
        result.append(
            ThemeBenchmark(
                theme=theme,
                own=own.get(theme.id),
                figures=shown,
                stand_out=[d for d in ranked if d.effect > 0][:DRIVERS],
                peers_do_more=[d for d in reversed(ranked) if d.effect < 0][:DRIVERS],
                quotes=selected_quotes(session, filters, theme.key, lang, quotes, cache=cache)
                if quotes
                else [],
            )
        )
    return Benchmark(response.id, action, comparisons, result)


def _own_scores(session: Any, response_id: int) -> dict[int, float]:
    rows = session.execute(
        select(T_SCORES.c.theme_id, T_SCORES.c.score).where(T_SCORES.c.response_id == response_id)
    )
    return {theme_id: 100 * float(score) for theme_id, score in rows}


def _drivers(session: Any, response_id: int, min_orgs: int, lang: str) -> dict[int, list[Driver]]:
    """Per theme id, the response's valued answers weighted to it with the average of the
    other organisations' accepted answers to the same question and row, where at least
    ``min_orgs`` other organisations answered it (else the question is left out)."""
    own = (
        select(
            T_ANSWERS.c.question_id,
            T_ANSWERS.c.item,
            T_ANSWERS.c.score,
            T_WEIGHTS.c.theme_id,
            T_WEIGHTS.c.weight,
        )
        .select_from(weighted_answers())
        .where(T_ANSWERS.c.response_id == response_id, valued())
    )
    mine = list(session.execute(own))
    if not mine:
        return {}
    org = session.scalar(
        select(T_RESPONSES.c.organisation_id).where(T_RESPONSES.c.id == response_id)
    )
    questions = sorted({row.question_id for row in mine})
    peers = (
        select(
            T_ANSWERS.c.question_id,
            T_ANSWERS.c.item,
            func.avg(T_ANSWERS.c.score).label("mean"),
            func.count(T_RESPONSES.c.organisation_id.distinct()).label("orgs"),
        )
        .select_from(T_ANSWERS.join(T_RESPONSES, T_RESPONSES.c.id == T_ANSWERS.c.response_id))
        .where(
            and_(
                T_ANSWERS.c.question_id.in_(questions),
                valued(),
                T_RESPONSES.c.state == ResponseState.ACCEPTED.value,
                T_RESPONSES.c.organisation_id != org,
            )
        )
        .group_by(T_ANSWERS.c.question_id, T_ANSWERS.c.item)
    )
    averages = {
        (row.question_id, row.item): float(row.mean)
        for row in run(session, peers)
        if row.orgs >= max(min_orgs, 1) and row.mean is not None
    }
    total_weight: dict[int, float] = {}
    for row in mine:
        total_weight[row.theme_id] = total_weight.get(row.theme_id, 0.0) + float(row.weight)
    specs = question_specs(session, set(questions))
    result: dict[int, list[Driver]] = {}
    for row in mine:
        peer = averages.get((row.question_id, row.item))
        if peer is None or not total_weight[row.theme_id]:
            continue
        _, _, spec = specs[row.question_id]
        item_label = ""
        if row.item:
            item = next((i for i in spec.get("items", []) if i["code"] == row.item), None)
            item_label = pick(item["label"], lang) if item else row.item
        share = float(row.weight) / total_weight[row.theme_id]
        result.setdefault(row.theme_id, []).append(
            Driver(
                question_id=row.question_id,
                label=pick(spec.get("label"), lang),
                item_label=item_label,
                own=100 * float(row.score),
                peers=100 * peer,
                effect=share * 100 * (float(row.score) - peer),
            )
        )
    return result
