"""From the responses' theme scores to the five themes' figures, in SQL (the scoring
model: docs/scoring.md).

Every figure reads the stored theme scores s(r, t) (``response_theme_scores``, kept in
step with the answers by ``app.services.results.scoring``, where s is defined) joined to the
responses (and the actions, organisations... the filters and breakdowns need), then
``GROUP BY theme[, group]`` giving n, the mean and the sum of squares (for the standard
deviation, portable on SQLite and PostgreSQL). ``response_scores`` selects the counted
scores for any filters; ``grouped_scores_query`` groups them by any dimensions in one
statement. Services take a SQLAlchemy session (or connection) and never commit.

Every figure is for an audience (``Filters.audience``, required: ``authz.results_audience``
decides it): its scope is a WHERE condition of every query (``filter_conditions``), and
the cells it may not see are hidden before any figure leaves this module
(``app.services.results.disclosure``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    case,
    cast,
    false,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.sql import FromClause
from sqlalchemy.types import Integer, String

from ...collation import collated
from ...countries import country_name
from ...days import within_days
from ...i18n import N_, translate
from ...models import (
    ORG_KIND_LABELS,
    SIZE_BAND_LABELS,
    Action,
    Organisation,
    OrgKind,
    Perspective,
    Pillar,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseState,
    SizeBand,
    Theme,
)
from . import disclosure
from .disclosure import OTHER, Audience, Count
from .scoring import T_SCORES

Z_95 = 1.959963984540054  # two-sided 95 % quantile of the normal distribution

# The breakdown dimensions, in the order the pages show them.
DIMENSIONS = ("action", "perspective", "pillar", "kind", "country", "size")
DIMENSION_LABELS = {
    "action": "Action",
    "perspective": "Perspective",
    "pillar": "Pillar or step",
    "kind": "Kind of organisation",
    "country": "Country",
    "size": "City size",
}
NO_SIZE = "none"  # the size "group" of organisations that are not cities

# Tables (Core, so the query builder composes plain joins; the stored scores' table,
# T_SCORES, and the answers' come from .scoring).
T_RESPONSES = Response.__table__
T_QUESTIONNAIRES = Questionnaire.__table__
T_ACTIONS = Action.__table__
T_PERSPECTIVES = Perspective.__table__
T_PILLARS = Pillar.__table__
T_ORGANISATIONS = Organisation.__table__
T_QUESTIONS = Question.__table__
T_VERSIONS = QuestionnaireVersion.__table__


# --- filters -------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which responses count, for whom. ``audience`` is required: whose responses may
    count at all (its scope) and which cells must be hidden. Empty tuples mean "all";
    dates are inclusive UTC days."""

    audience: Audience
    include_submitted: bool = False  # accepted only by default
    actions: tuple[int, ...] = ()
    perspectives: tuple[str, ...] = ()
    pillars: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()  # SizeBand values, or NO_SIZE for non-cities
    submitted_from: date | None = None
    submitted_to: date | None = None
    # "As of" a day: only the responses accepted by the end of that day (UTC) count, so
    # figures published then can be reproduced later (accepted is final, and a response
    # records its organisation at submission). Implies accepted only.
    as_of: date | None = None

    @property
    def states(self) -> tuple[str, ...]:
        if self.include_submitted and self.as_of is None:
            return (ResponseState.ACCEPTED.value, ResponseState.SUBMITTED.value)
        return (ResponseState.ACCEPTED.value,)

    def counted_actions(self) -> tuple[int, ...] | None:
        """The actions whose responses count: those asked for (``actions``) within the
        audience's scope; None: every action."""
        scope = self.audience.actions
        if scope is None:
            return self.actions or None
        if not self.actions:
            return tuple(sorted(scope))
        return tuple(n for n in self.actions if n in scope)


class ResponseFrom:
    """The FROM clause of a query over responses: joins are added once, when needed."""

    def __init__(self, base: FromClause) -> None:
        self.clause = base
        self.joined: set[str] = set()

    def need(self, name: str) -> None:
        if name in self.joined or name == RESPONSE:
            return
        if name in ("perspective", "pillar"):
            self.need("action")
        if name == "action":
            self.need("questionnaire")
        on = {
            "questionnaire": T_QUESTIONNAIRES.c.id == T_RESPONSES.c.questionnaire_id,
            "action": T_ACTIONS.c.id == T_QUESTIONNAIRES.c.action_id,
            "perspective": T_PERSPECTIVES.c.id == T_ACTIONS.c.perspective_id,
            "pillar": T_PILLARS.c.id == T_ACTIONS.c.pillar_id,
            "organisation": T_ORGANISATIONS.c.id == T_RESPONSES.c.organisation_id,
        }[name]
        table = {
            "questionnaire": T_QUESTIONNAIRES,
            "action": T_ACTIONS,
            "perspective": T_PERSPECTIVES,
            "pillar": T_PILLARS,
            "organisation": T_ORGANISATIONS,
        }[name]
        self.clause = self.clause.join(table, on)
        self.joined.add(name)


# The organisation's attributes as recorded on the response when it was submitted (every
# counted response was): changing an organisation later does not move its past responses
# to another group. No join: the columns are the response's own.
KIND = T_RESPONSES.c.org_kind
COUNTRY = T_RESPONSES.c.org_country
SIZE = T_RESPONSES.c.org_size_band
RESPONSE = "response"  # the "join" of the dimensions read from the response itself


def _size_column() -> ColumnElement[Any]:
    # Typed as a plain string: "none" is no SizeBand, so the Enum type must not read it.
    return func.coalesce(SIZE, literal(NO_SIZE), type_=String())


def _dimension(by: str) -> tuple[str, ColumnElement[Any]]:
    """The join a breakdown needs and the column it groups by."""
    return {
        "action": ("action", T_ACTIONS.c.number),
        "perspective": ("perspective", T_PERSPECTIVES.c.key),
        "pillar": ("pillar", T_PILLARS.c.key),
        "kind": (RESPONSE, KIND),
        "country": (RESPONSE, COUNTRY),
        "size": (RESPONSE, _size_column()),
    }[by]


def filter_conditions(filters: Filters, joins: ResponseFrom) -> list[ColumnElement[bool]]:
    """WHERE conditions on responses for ``filters`` (the audience's scope first); adds
    the joins they need."""
    where: list[ColumnElement[bool]] = [T_RESPONSES.c.state.in_(filters.states)]
    actions = filters.counted_actions()
    if actions is not None:
        joins.need("action")
        where.append(T_ACTIONS.c.number.in_(actions))
    if filters.perspectives:
        joins.need("perspective")
        where.append(T_PERSPECTIVES.c.key.in_(filters.perspectives))
    if filters.pillars:
        joins.need("pillar")
        where.append(T_PILLARS.c.key.in_(filters.pillars))
    if filters.kinds:
        where.append(KIND.in_(filters.kinds))
    if filters.countries:
        where.append(COUNTRY.in_([c.upper() for c in filters.countries]))
    if filters.sizes:
        where.append(_size_column().in_(filters.sizes))
    # Response.submitted_at is a UTCDateTime: the bounds bind through the column type.
    where += within_days(T_RESPONSES.c.submitted_at, filters.submitted_from, filters.submitted_to)
    if filters.as_of is not None:  # accepted by the end of that day (states: accepted)
        where += within_days(T_RESPONSES.c.accepted_at, None, filters.as_of)
    return where


# --- the query builder ---------------------------------------------------------------

OVERALL = "overall"  # the "dimension" of the ungrouped figures


def _counted(
    filters: Filters, theme_ids: Sequence[int] | None, by: Sequence[str] = ()
) -> tuple[FromClause, list[ColumnElement[bool]], list[ColumnElement[Any]]]:
    """FROM stored scores JOIN responses (+ the joins the filters and the dimensions
    ``by`` need), the WHERE conditions of ``filters``, and the columns ``by`` group on."""
    joins = ResponseFrom(T_SCORES.join(T_RESPONSES, T_RESPONSES.c.id == T_SCORES.c.response_id))
    where = filter_conditions(filters, joins)
    if theme_ids is not None:
        where.append(T_SCORES.c.theme_id.in_(list(theme_ids)) if theme_ids else false())
    columns = []
    for dimension in by:
        join, column = _dimension(dimension)
        joins.need(join)
        columns.append(column)
    return joins.clause, where, columns


def response_scores(
    filters: Filters, theme_ids: Sequence[int] | None = None
) -> Select[*tuple[Any, ...]]:
    """SELECT response_id, theme_id, s, organisation_id: each counted response's theme
    scores s(r, t).

    One row per response and theme where s(r, t) is defined (at least one valued answer
    weighted to t), read from the stored scores.
    """
    clause, where, _ = _counted(filters, theme_ids)
    return (
        select(
            T_SCORES.c.response_id.label("response_id"),
            T_SCORES.c.theme_id.label("theme_id"),
            T_SCORES.c.score.label("s"),
            T_RESPONSES.c.organisation_id.label("organisation_id"),
        )
        .select_from(clause)
        .where(*where)
    )


# Dimensions that follow from a response's questionnaire: their groups are unions of the
# questionnaires' groups, so one pass per questionnaire serves them all.
BY_QUESTIONNAIRE = ("action", "perspective", "pillar")


def _moments(n: Any, total: Any, squares: Any) -> tuple[ColumnElement[Any], ...]:
    """n, mean and sample variance from the count, sum and sum of squares of s."""
    variance = case((n > 1, (squares - total * total / n) / (n - 1)), else_=None)
    return n.label("n"), (total / n).label("mean"), variance.label("variance")


def _questionnaire_dimension(by: str) -> tuple[FromClause, ColumnElement[Any]]:
    """Questionnaires joined to what ``by`` groups on, and that column."""
    clause = T_QUESTIONNAIRES.join(T_ACTIONS, T_ACTIONS.c.id == T_QUESTIONNAIRES.c.action_id)
    if by == "perspective":
        clause = clause.join(T_PERSPECTIVES, T_PERSPECTIVES.c.id == T_ACTIONS.c.perspective_id)
    if by == "pillar":
        clause = clause.join(T_PILLARS, T_PILLARS.c.id == T_ACTIONS.c.pillar_id)
    return clause, _dimension(by)[1]


def grouped_scores_query(
    filters: Filters,
    dimensions: Sequence[str | None] = (None,),
    theme_ids: Sequence[int] | None = None,
) -> CompoundSelect[*tuple[Any, ...]] | Select[*tuple[Any, ...]]:
    """SELECT dim, theme_id, grp, n, mean, variance [, orgs] for each dimension asked
    (None: the overall figures), in one statement: the counted stored scores s(r, t)
    grouped by theme and group, the groupings joined with UNION ALL.

    With a dimension of ``BY_QUESTIONNAIRE`` asked, the scores are summed once per theme
    and questionnaire (count, sum, sum of squares: a CTE), and the overall figures and
    those dimensions add these partial sums up (exact: every response has one
    questionnaire). Other dimensions group the scores directly. The variance comes from
    the sum and the sum of squares (portable SQL; the square root is taken in Python, as
    SQLite may lack SQRT).

    When the audience hides small cells, every grouping also counts its distinct
    organisations (``orgs``), which partial sums cannot give: see ``_with_organisations``.
    """
    for by in dimensions:
        if by is not None and by not in DIMENSIONS:
            raise ValueError(f"unknown breakdown {by!r}: use one of {', '.join(DIMENSIONS)}")
    if filters.audience.suppresses:
        return _with_organisations(filters, dimensions, theme_ids)
    s = T_SCORES.c.score
    shared = None
    if any(by in BY_QUESTIONNAIRE for by in dimensions):
        clause, where, _ = _counted(filters, theme_ids)
        shared = (
            select(
                T_SCORES.c.theme_id,
                T_RESPONSES.c.questionnaire_id,
                func.count(s).label("n"),
                func.sum(s).label("total"),
                func.sum(s * s).label("squares"),
            )
            .select_from(clause)
            .where(*where)
            .group_by(T_SCORES.c.theme_id, T_RESPONSES.c.questionnaire_id)
            .cte("per_questionnaire")
        )
        summed = _moments(  # a sum of counts is NUMERIC on PostgreSQL: back to an integer
            cast(func.sum(shared.c.n), Integer()),
            func.sum(shared.c.total),
            func.sum(shared.c.squares),
        )
    direct = _moments(func.count(s), func.sum(s), func.sum(s * s))
    parts: list[Select[*tuple[Any, ...]]] = []
    for by in dimensions:
        dim = literal(by or OVERALL, String()).label("dim")
        if shared is not None and (by is None or by in BY_QUESTIONNAIRE):
            if by is None:
                part = select(dim, shared.c.theme_id, literal("", String()).label("grp"), *summed)
                parts.append(part.group_by(shared.c.theme_id))
                continue
            clause, column = _questionnaire_dimension(by)
            part = select(dim, shared.c.theme_id, cast(column, String()).label("grp"), *summed)
            parts.append(
                part.select_from(
                    shared.join(clause, T_QUESTIONNAIRES.c.id == shared.c.questionnaire_id)
                ).group_by(shared.c.theme_id, column)
            )
            continue
        clause, where, columns = _counted(filters, theme_ids, [by] if by else [])
        group: ColumnElement[str]
        grouping: list[ColumnElement[Any]]
        if not columns:
            group, grouping = literal("", String()), [T_SCORES.c.theme_id]
        else:
            group, grouping = cast(columns[0], String()), [T_SCORES.c.theme_id, columns[0]]
        parts.append(
            select(dim, T_SCORES.c.theme_id, group.label("grp"), *direct)
            .select_from(clause)
            .where(*where)
            .group_by(*grouping)
        )
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _with_organisations(
    filters: Filters, dimensions: Sequence[str | None], theme_ids: Sequence[int] | None
) -> CompoundSelect[*tuple[Any, ...]] | Select[*tuple[Any, ...]]:
    """``grouped_scores_query`` with ``orgs``, the distinct organisations behind each
    group's scores (what disclosure control counts: an organisation answering several
    actions gives several responses). The counted scores, with their organisation and
    every group asked, are read once into a CTE (the audience's scope: a fraction of the
    data; a CTE used more than once is materialised by SQLite and PostgreSQL), which each
    grouping reads."""
    asked = list(dict.fromkeys(by for by in dimensions if by is not None))
    clause, where, groups = _counted(filters, theme_ids, asked)
    counted = (
        select(
            T_SCORES.c.theme_id.label("theme_id"),
            T_SCORES.c.score.label("s"),
            T_RESPONSES.c.organisation_id.label("org"),
            *[cast(c, String()).label(f"by_{by}") for by, c in zip(asked, groups, strict=True)],
        )
        .select_from(clause)
        .where(*where)
        .cte("counted")
    )
    s = counted.c.s
    figures = (
        *_moments(func.count(s), func.sum(s), func.sum(s * s)),
        func.count(counted.c.org.distinct()).label("orgs"),
    )
    parts = []
    for by in dimensions:
        group = literal("", String()) if by is None else counted.c[f"by_{by}"]
        grouping = [counted.c.theme_id] + ([] if by is None else [group])
        parts.append(
            select(
                literal(by or OVERALL, String()).label("dim"),
                counted.c.theme_id,
                group.label("grp"),
                *figures,
            ).group_by(*grouping)
        )
    return parts[0] if len(parts) == 1 else union_all(*parts)


def run(session: Any, stmt: Any, cache: Any = None) -> list[Any]:
    """Execute an aggregate statement, through ``cache`` when one is given."""
    if cache is not None:
        rows: list[Any] = cache.rows(session, stmt)
        return rows
    return list(session.execute(stmt))


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stat:
    """A group's theme score on the 0..100 scale: mean of s(r, t), n, sd and 95 % CI.

    ``score`` is None when n == 0; ``sd`` and the interval are None when n < 2. A
    suppressed cell (disclosure control) carries no figure at all: n 0, the rest None.
    """

    n: int = 0
    score: float | None = None
    sd: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: bool = False

    @classmethod
    def hidden(cls) -> Stat:
        """A suppressed cell: its figures are dropped here, so nothing downstream can
        show them."""
        return cls(suppressed=True)

    @classmethod
    def from_moments(cls, n: int, mean: float | None, variance: float | None) -> Stat:
        """Build from n, the mean and the sample variance of s (0..1 scale)."""
        if not n or mean is None:
            return cls()
        if n < 2 or variance is None:
            return cls(n=n, score=100 * mean)
        sd = math.sqrt(max(variance, 0.0))  # rounding can make a zero variance negative
        half = Z_95 * sd / math.sqrt(n)
        return cls(
            n=n,
            score=100 * mean,
            sd=100 * sd,
            ci_low=100 * max(0.0, mean - half),
            ci_high=100 * min(1.0, mean + half),
        )

    def as_dict(self, digits: int = 1) -> dict[str, Any]:
        """score, n, sd, ci_low, ci_high and suppressed (then every figure is None)."""

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, digits)

        return {
            "score": rounded(self.score),
            "n": None if self.suppressed else self.n,
            "sd": rounded(self.sd),
            "ci_low": rounded(self.ci_low),
            "ci_high": rounded(self.ci_high),
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True)
class ThemeInfo:
    id: int
    key: str
    title: str
    statement: str
    description: str
    position: int


@dataclass(frozen=True)
class Group:
    """One group of a breakdown: its key (as stored) and a label to show."""

    key: str
    label: str
    short: str = ""  # a compact label for charts (e.g. "A3", "DE")


@dataclass
class Breakdown:
    """Theme scores per group of one dimension: ``cells[(group key, theme key)]``."""

    by: str
    groups: list[Group]
    themes: list[ThemeInfo]
    cells: dict[tuple[str, str], Stat] = field(default_factory=dict)
    # Groups folded into ``disclosure.OTHER`` (too few organisations to be named): not
    # listed; their own figures are hidden.
    folded: frozenset[str] = frozenset()

    def cell(self, group: str, theme: str) -> Stat:
        if group in self.folded:
            return Stat.hidden()
        return self.cells.get((group, theme), Stat())

    def for_theme(self, theme: str) -> list[tuple[Group, Stat]]:
        return [(g, self.cell(g.key, theme)) for g in self.groups]

    def ranked(self, theme: str, min_n: int = 2) -> list[tuple[Group, Stat]]:
        """The groups with at least ``min_n`` responses, best score first (suppressed
        cells have no score: never ranked)."""
        rows = [(g, s) for g, s in self.for_theme(theme) if s.n >= min_n and s.score is not None]
        return sorted(rows, key=lambda row: (-(row[1].score or 0.0), row[0].key))


@dataclass
class ThemeScore:
    theme: ThemeInfo
    stat: Stat


def themes(session: Any, lang: str = "en") -> list[ThemeInfo]:
    rows = session.scalars(select(Theme).order_by(Theme.position)).all()
    return [
        ThemeInfo(
            id=t.id,
            key=t.key,
            title=t.text("title", lang),
            statement=t.text("statement", lang),
            description=t.text("description", lang),
            position=t.position,
        )
        for t in rows
    ]


def theme_by_key(session: Any, key: str, lang: str = "en") -> ThemeInfo | None:
    return next((t for t in themes(session, lang) if t.key == key), None)


def theme_scores(
    session: Any, filters: Filters, lang: str = "en", cache: Any = None
) -> list[ThemeScore]:
    """The five themes' overall scores (themes without data have n == 0)."""
    overall, _ = figures(session, filters, (), lang, cache=cache)
    return overall


def breakdown(
    session: Any, filters: Filters, by: str, lang: str = "en", cache: Any = None
) -> Breakdown:
    """Every theme's score per group of ``by`` (all groups listed, empty ones with n 0)."""
    return figures(session, filters, (by,), lang, overall=False, cache=cache)[1][by]


def figures(
    session: Any,
    filters: Filters,
    dimensions: Sequence[str],
    lang: str = "en",
    *,
    overall: bool = True,
    theme_ids: Sequence[int] | None = None,
    cache: Any = None,
) -> tuple[list[ThemeScore], dict[str, Breakdown]]:
    """The overall theme scores and the breakdowns by ``dimensions``, in one query, with
    the cells the audience may not see hidden (``hidden_cells``)."""
    infos = themes(session, lang)
    key_of = {t.id: t.key for t in infos}
    audience = filters.audience
    # A breakdown's cells add up to the overall figures: suppression needs them.
    asked: list[str | None] = ([None] if overall or audience.suppresses else []) + list(dimensions)
    rows = run(session, grouped_scores_query(filters, asked, theme_ids), cache)
    folded: dict[str, set[str]] = {}
    if audience.suppresses:
        rows, folded = _fold_small_groups(session, filters, rows, theme_ids, cache)
    hidden = hidden_cells(rows, audience.min_orgs) if audience.suppresses else set()
    totals: dict[int, Stat] = {}
    cells: dict[str, dict[tuple[str, str], Stat]] = {d: {} for d in dimensions}
    for row in rows:
        if (row.dim, row.grp, row.theme_id) in hidden:
            stat = Stat.hidden()
        else:
            stat = Stat.from_moments(row.n, row.mean, row.variance)
        if row.dim == OVERALL:
            totals[row.theme_id] = stat
        else:
            cells[row.dim][(row.grp, key_of[row.theme_id])] = stat
    scores = [ThemeScore(t, totals.get(t.id, Stat())) for t in infos] if overall else []
    result = {}
    for by in dimensions:
        present = {group for group, _ in cells[by]}
        groups = list_groups(session, by, lang, present, filters)
        small = folded.get(by, set())
        if small:
            label = translate(N_("Other (groups of fewer than %(n)s)"), lang)
            groups = [g for g in groups if g.key not in small]
            groups.append(Group(OTHER, label % {"n": audience.min_orgs}, "…"))
        result[by] = Breakdown(
            by=by, groups=groups, themes=infos, cells=cells[by], folded=frozenset(small)
        )
    return scores, result


class _Row(NamedTuple):
    dim: str
    theme_id: int
    grp: str
    n: int
    mean: float | None
    variance: float | None
    orgs: int


def _fold_small_groups(
    session: Any,
    filters: Filters,
    rows: Sequence[Any],
    theme_ids: Sequence[int] | None,
    cache: Any,
) -> tuple[list[Any], dict[str, set[str]]]:
    """``rows`` with the groups ``disclosure.fold`` will not name replaced, per
    dimension, by one ``OTHER`` group counting their responses together (its distinct
    organisations counted again in SQL: an organisation may be in several of them), and
    the groups folded per dimension. A group's organisations: its largest cell's over the
    themes (a lower bound)."""
    largest: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.dim in disclosure.FOLDED:
            key = (row.dim, row.grp)
            largest[key] = max(largest.get(key, 0), int(row.orgs))
    small = disclosure.fold(largest, filters.audience.min_orgs)
    if not small:
        return list(rows), {}
    folded: dict[str, set[str]] = {}
    for by, grp in small:
        folded.setdefault(by, set()).add(grp)
    kept: list[Any] = [row for row in rows if (row.dim, row.grp) not in small]
    for by, groups in folded.items():
        for row in run(session, _group_of(filters, by, sorted(groups), theme_ids), cache):
            kept.append(_Row(by, row.theme_id, OTHER, row.n, row.mean, row.variance, int(row.orgs)))
    return kept, folded


def _group_of(
    filters: Filters, by: str, groups: Sequence[str], theme_ids: Sequence[int] | None
) -> Select[*tuple[Any, ...]]:
    """SELECT theme_id, n, mean, variance, orgs of the responses in ``groups`` of ``by``
    taken together."""
    clause, where, columns = _counted(filters, theme_ids, [by])
    s = T_SCORES.c.score
    return (
        select(
            T_SCORES.c.theme_id,
            *_moments(func.count(s), func.sum(s), func.sum(s * s)),
            func.count(T_RESPONSES.c.organisation_id.distinct()).label("orgs"),
        )
        .select_from(clause)
        .where(*where, cast(columns[0], String()).in_(list(groups)))
        .group_by(T_SCORES.c.theme_id)
    )


def hidden_cells(rows: Iterable[Any], min_orgs: int) -> set[tuple[str, str, int]]:
    """The (dim, grp, theme_id) cells of ``grouped_scores_query`` rows (with ``orgs``) to
    hide: per theme, each dimension's groups add up to the overall figures, one line
    each (``disclosure.suppress``)."""
    per_theme: dict[int, dict[tuple[str, str, int], Count]] = {}
    for row in rows:
        key = (row.dim, row.grp, row.theme_id)
        per_theme.setdefault(row.theme_id, {})[key] = Count(int(row.n), int(row.orgs))
    hidden: set[tuple[str, str, int]] = set()
    for theme_id, cells in per_theme.items():
        by_dim: dict[str, list[tuple[str, str, int]]] = {}
        for key in cells:
            if key[0] != OVERALL:
                by_dim.setdefault(key[0], []).append(key)
        total = (OVERALL, "", theme_id)
        lines = [(total, parts) for parts in by_dim.values()]
        hidden |= disclosure.suppress(cells, lines, min_orgs)
    return hidden


def group_key(value: Any) -> str:
    return str(value.value if hasattr(value, "value") else value)


def list_groups(
    session: Any,
    by: str,
    lang: str = "en",
    present: Iterable[str] = (),
    filters: Filters | None = None,
) -> list[Group]:
    """The groups of a dimension in display order: every action, perspective, pillar,
    kind and size (so heatmaps keep their shape); countries that have data."""
    present = set(present)
    if by == "action":
        actions = session.scalars(select(Action).order_by(Action.number)).all()
        counted = filters.counted_actions() if filters else None
        wanted = None if counted is None else set(counted)
        return [
            Group(str(a.number), f"{a.number}. {a.text('short_title', lang)}", f"A{a.number}")
            for a in actions
            if wanted is None or a.number in wanted or str(a.number) in present
        ]
    if by == "perspective":
        rows = session.scalars(select(Perspective).order_by(Perspective.position)).all()
        return [Group(p.key, p.text("title", lang), p.text("title", lang)) for p in rows]
    if by == "pillar":
        rows = session.scalars(select(Pillar).order_by(Pillar.position)).all()
        return [
            Group(
                p.key,
                f"{'Pillar' if p.kind == 'pillar' else 'Step'} {p.label}: {p.text('title', lang)}",
                p.label,
            )
            for p in rows
        ]
    if by == "kind":
        return [Group(k.value, ORG_KIND_LABELS[k], k.value) for k in OrgKind]
    if by == "size":
        return [Group(s.value, SIZE_BAND_LABELS[s], s.value) for s in SizeBand] + [
            Group(NO_SIZE, "Not a city", "n/a")
        ]
    if by == "country":
        # Named in the reader's language, in its alphabetical order (collation).
        return collated(
            (Group(code, country_name(code, lang), code) for code in present if code != OTHER),
            key=lambda g: g.label,
        )
    raise ValueError(f"unknown breakdown {by!r}")


# --- distribution --------------------------------------------------------------------


@dataclass(frozen=True)
class Bin:
    low: float  # 0..100
    high: float
    count: int  # 0 when suppressed
    suppressed: bool = False

    @property
    def label(self) -> str:
        return f"{self.low:.0f}–{self.high:.0f}"


def distribution(
    session: Any, filters: Filters, theme_id: int, bins: int = 10, cache: Any = None
) -> list[Bin]:
    """Histogram of the responses' scores s(r, t): ``bins`` equal bins over 0..100, the
    last one closed ([90, 100]). Binned in SQL with a CASE (portable, no FLOOR). When the
    audience hides small cells, the bins (which add up to the theme's n) go through
    disclosure control like any breakdown."""
    scores = response_scores(filters, theme_ids=[theme_id]).cte("counted_scores")
    index = case(
        *[(scores.c.s < (k + 1) / bins, k) for k in range(bins - 1)],
        else_=bins - 1,
    ).label("bin")
    suppresses = filters.audience.suppresses
    if not suppresses:
        rows = run(session, select(index, func.count()).group_by(index), cache)
        counts = {k: int(n) for k, n in rows}
        hidden: set[int] = set()
    else:
        orgs = func.count(scores.c.organisation_id.distinct())
        stmt = union_all(
            select(index, func.count(), orgs).group_by(index),
            select(literal(-1), func.count(), orgs),  # the total the bins add up to
        )
        rows = run(session, stmt, cache)
        counts = {k: int(n) for k, n, _ in rows}
        cells = {k: Count(int(n), int(o)) for k, n, o in rows}
        hidden = disclosure.suppress(cells, [(-1, list(range(bins)))], filters.audience.min_orgs)
    width = 100 / bins
    return [
        Bin(k * width, (k + 1) * width, 0, True)
        if k in hidden
        else Bin(k * width, (k + 1) * width, counts.get(k, 0))
        for k in range(bins)
    ]
