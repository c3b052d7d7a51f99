"""From answers to the five themes, in SQL (the scoring model: docs/scoring.md).

Every figure starts from one query shape: a CTE computing each response's theme score

    s(r, t) = sum(w(q, t) * v(q)) / sum(w(q, t))

over ``answers JOIN theme_weights`` (``GROUP BY response, theme[, group]``), then a
``GROUP BY theme[, group]`` giving n, the mean and the sum of squares (for the standard
deviation, portable on SQLite and PostgreSQL). ``response_scores`` builds the CTE for any
filters and breakdown dimension; the functions below read it. Services take a SQLAlchemy
session (or connection) and never commit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    select,
)
from sqlalchemy.sql import FromClause
from sqlalchemy.types import String

from ..models import (
    ORG_KIND_LABELS,
    SIZE_BAND_LABELS,
    Action,
    Answer,
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
    ThemeWeight,
)

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

# Tables (Core, so the query builder composes plain joins).
_A = Answer.__table__
_TW = ThemeWeight.__table__
_R = Response.__table__
_QN = Questionnaire.__table__
_ACT = Action.__table__
_PER = Perspective.__table__
_PIL = Pillar.__table__
_ORG = Organisation.__table__
_Q = Question.__table__
_V = QuestionnaireVersion.__table__


# --- filters -------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which responses count. Empty tuples mean "all"; dates are inclusive UTC days."""

    include_submitted: bool = False  # accepted only by default
    actions: tuple[int, ...] = ()
    perspectives: tuple[str, ...] = ()
    pillars: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()  # SizeBand values, or NO_SIZE for non-cities
    submitted_from: date | None = None
    submitted_to: date | None = None

    @property
    def states(self) -> tuple[str, ...]:
        if self.include_submitted:
            return (ResponseState.ACCEPTED.value, ResponseState.SUBMITTED.value)
        return (ResponseState.ACCEPTED.value,)

    def restricted_to(self, actions: Iterable[int] | None) -> Filters:
        """These filters within ``actions`` (None: no restriction)."""
        if actions is None:
            return self
        allowed = tuple(sorted(set(actions)))
        wanted = tuple(n for n in self.actions if n in allowed) if self.actions else allowed
        return replace(self, actions=wanted or (-1,))  # (-1,): nothing at all

    @property
    def needs_action(self) -> bool:
        return bool(self.actions or self.perspectives or self.pillars)

    @property
    def needs_organisation(self) -> bool:
        return bool(self.kinds or self.countries or self.sizes)


class _From:
    """The FROM clause of a query over responses: joins are added once, when needed."""

    def __init__(self, base: FromClause) -> None:
        self.clause = base
        self.joined: set[str] = set()

    def need(self, name: str) -> None:
        if name in self.joined:
            return
        if name in ("perspective", "pillar"):
            self.need("action")
        if name == "action":
            self.need("questionnaire")
        on = {
            "questionnaire": _QN.c.id == _R.c.questionnaire_id,
            "action": _ACT.c.id == _QN.c.action_id,
            "perspective": _PER.c.id == _ACT.c.perspective_id,
            "pillar": _PIL.c.id == _ACT.c.pillar_id,
            "organisation": _ORG.c.id == _R.c.organisation_id,
        }[name]
        table = {
            "questionnaire": _QN,
            "action": _ACT,
            "perspective": _PER,
            "pillar": _PIL,
            "organisation": _ORG,
        }[name]
        self.clause = self.clause.join(table, on)
        self.joined.add(name)


def _size_column() -> ColumnElement[Any]:
    # Typed as a plain string: "none" is no SizeBand, so the Enum type must not read it.
    return func.coalesce(_ORG.c.size_band, literal(NO_SIZE), type_=String())


# dimension -> (join needed, grouping column)
_DIMENSION_COLUMNS: dict[str, tuple[str, Any]] = {
    "action": ("action", _ACT.c.number),
    "perspective": ("perspective", _PER.c.key),
    "pillar": ("pillar", _PIL.c.key),
    "kind": ("organisation", _ORG.c.kind),
    "country": ("organisation", _ORG.c.country),
    "size": ("organisation", None),  # built per query: coalesce(size_band, 'none')
}


def _dimension_column(by: str) -> ColumnElement[Any]:
    if by == "size":
        return _size_column()
    return _DIMENSION_COLUMNS[by][1]


def _conditions(filters: Filters, joins: _From) -> list[ColumnElement[bool]]:
    """WHERE conditions on responses for ``filters``; adds the joins they need."""
    where: list[ColumnElement[bool]] = [_R.c.state.in_(filters.states)]
    if filters.actions:
        joins.need("action")
        where.append(_ACT.c.number.in_(filters.actions))
    if filters.perspectives:
        joins.need("perspective")
        where.append(_PER.c.key.in_(filters.perspectives))
    if filters.pillars:
        joins.need("pillar")
        where.append(_PIL.c.key.in_(filters.pillars))
    if filters.kinds:
        joins.need("organisation")
        where.append(_ORG.c.kind.in_(filters.kinds))
    if filters.countries:
        joins.need("organisation")
        where.append(_ORG.c.country.in_([c.upper() for c in filters.countries]))
    if filters.sizes:
        joins.need("organisation")
        where.append(_size_column().in_(filters.sizes))
    if filters.submitted_from:
        where.append(_R.c.submitted_at >= _day_start(filters.submitted_from))
    if filters.submitted_to:
        where.append(_R.c.submitted_at < _day_start(filters.submitted_to + timedelta(days=1)))
    return where


def _day_start(day: date) -> datetime:
    # Response.submitted_at is a UTCDateTime: bind an aware value through the column type.
    return datetime.combine(day, time.min, tzinfo=UTC)


# --- the query builder ---------------------------------------------------------------


def response_scores(
    filters: Filters,
    by: str | None = None,
    theme_ids: Sequence[int] | None = None,
) -> Select[Any]:
    """SELECT response_id, theme_id, s [, grp]: each counted response's theme scores.

    One row per response and theme where s(r, t) is defined (at least one valued answer
    weighted to t); ``grp`` is the response's group under the breakdown ``by``.
    """
    joins = _From(
        _A.join(_TW, and_(_TW.c.question_id == _A.c.question_id, _TW.c.item == _A.c.item)).join(
            _R, _R.c.id == _A.c.response_id
        )
    )
    where = [_A.c.score.is_not(None), *_conditions(filters, joins)]
    if theme_ids is not None:
        where.append(_TW.c.theme_id.in_(list(theme_ids)) if theme_ids else false())
    columns: list[Any] = [
        _A.c.response_id.label("response_id"),
        _TW.c.theme_id.label("theme_id"),
        (func.sum(_TW.c.weight * _A.c.score) / func.sum(_TW.c.weight)).label("s"),
    ]
    group_by: list[Any] = [_A.c.response_id, _TW.c.theme_id]
    if by is not None:
        if by not in DIMENSIONS:
            raise ValueError(f"unknown breakdown {by!r}: use one of {', '.join(DIMENSIONS)}")
        joins.need(_DIMENSION_COLUMNS[by][0])
        column = _dimension_column(by)
        columns.append(column.label("grp"))
        group_by.append(column)
    return select(*columns).select_from(joins.clause).where(*where).group_by(*group_by)


def group_scores_query(
    filters: Filters, by: str | None = None, theme_ids: Sequence[int] | None = None
) -> Select[Any]:
    """SELECT theme_id [, grp], n, mean, variance: the group statistics of s(r, t)."""
    scores = response_scores(filters, by, theme_ids).cte("response_theme_scores")
    n = func.count(scores.c.s)
    total = func.sum(scores.c.s)
    squares = func.sum(scores.c.s * scores.c.s)
    variance = case((n > 1, (squares - total * total / n) / (n - 1)), else_=None)
    keys: list[Any] = [scores.c.theme_id] + ([scores.c.grp] if by is not None else [])
    return (
        select(*keys, n.label("n"), (total / n).label("mean"), variance.label("variance"))
        .group_by(*keys)
        .order_by(*keys)
    )


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stat:
    """A group's theme score on the 0..100 scale: mean of s(r, t), n, sd and 95 % CI.

    ``score`` is None when n == 0; ``sd`` and the interval are None when n < 2.
    """

    n: int = 0
    score: float | None = None
    sd: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None

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
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, digits)

        return {
            "score": rounded(self.score),
            "n": self.n,
            "sd": rounded(self.sd),
            "ci_low": rounded(self.ci_low),
            "ci_high": rounded(self.ci_high),
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

    def cell(self, group: str, theme: str) -> Stat:
        return self.cells.get((group, theme), Stat())

    def for_theme(self, theme: str) -> list[tuple[Group, Stat]]:
        return [(g, self.cell(g.key, theme)) for g in self.groups]

    def ranked(self, theme: str, min_n: int = 2) -> list[tuple[Group, Stat]]:
        """The groups with at least ``min_n`` responses, best score first."""
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


def theme_scores(session: Any, filters: Filters, lang: str = "en") -> list[ThemeScore]:
    """The five themes' overall scores (themes without data have n == 0)."""
    infos = themes(session, lang)
    stats = {
        row.theme_id: Stat.from_moments(row.n, row.mean, row.variance)
        for row in session.execute(group_scores_query(filters))
    }
    return [ThemeScore(t, stats.get(t.id, Stat())) for t in infos]


def breakdown(session: Any, filters: Filters, by: str, lang: str = "en") -> Breakdown:
    """Every theme's score per group of ``by`` (all groups listed, empty ones with n 0)."""
    infos = themes(session, lang)
    key_of = {t.id: t.key for t in infos}
    cells: dict[tuple[str, str], Stat] = {}
    present: set[str] = set()
    for row in session.execute(group_scores_query(filters, by)):
        group = _group_key(row.grp)
        present.add(group)
        cells[(group, key_of[row.theme_id])] = Stat.from_moments(row.n, row.mean, row.variance)
    groups = list_groups(session, by, lang, present, filters)
    return Breakdown(by=by, groups=groups, themes=infos, cells=cells)


def _group_key(value: Any) -> str:
    return str(value.value if hasattr(value, "value") else value)


def country_name(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or (country.name if country else code)


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
        wanted = set(filters.actions) if filters and filters.actions else None
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
        return sorted(
            (Group(code, country_name(code), code) for code in present),
            key=lambda g: g.label,
        )
    raise ValueError(f"unknown breakdown {by!r}")


# --- distribution --------------------------------------------------------------------


@dataclass(frozen=True)
class Bin:
    low: float  # 0..100
    high: float
    count: int

    @property
    def label(self) -> str:
        return f"{self.low:.0f}–{self.high:.0f}"


def distribution(session: Any, filters: Filters, theme_id: int, bins: int = 10) -> list[Bin]:
    """Histogram of the responses' scores s(r, t): ``bins`` equal bins over 0..100, the
    last one closed ([90, 100]). Binned in SQL with a CASE (portable, no FLOOR)."""
    scores = response_scores(filters, theme_ids=[theme_id]).cte("response_theme_scores")
    index = case(
        *[(scores.c.s < (k + 1) / bins, k) for k in range(bins - 1)],
        else_=bins - 1,
    ).label("bin")
    counts = {k: n for k, n in session.execute(select(index, func.count()).group_by(index))}
    width = 100 / bins
    return [Bin(k * width, (k + 1) * width, int(counts.get(k, 0))) for k in range(bins)]


# --- provenance ----------------------------------------------------------------------


@dataclass(frozen=True)
class FeedRow:
    """A question (or matrix item) weighted to a theme, with what its answers say."""

    question_id: int
    action: int
    version: int
    code: str
    label: str
    item: str
    item_label: str
    qtype: str
    weight: float
    n: int  # valued answers counted
    mean: float | None  # 0..100
    share: float  # this row's part of the theme's total weight over counted answers, 0..1


def provenance(session: Any, filters: Filters, theme_id: int, lang: str = "en") -> list[FeedRow]:
    """Which actions and questions feed a theme: weights, mean values and n (in SQL:
    theme_weights LEFT JOIN the counted answers, GROUP BY question and item)."""
    joins = _From(_A.join(_R, _R.c.id == _A.c.response_id))
    where = [_A.c.score.is_not(None), *_conditions(filters, joins)]  # adds joins first
    counted = (
        select(_A.c.question_id, _A.c.item, _A.c.score)
        .select_from(joins.clause)
        .where(*where)
        .subquery("counted")
    )
    weights = (
        _TW.join(_Q, _Q.c.id == _TW.c.question_id)
        .join(_V, _V.c.id == _Q.c.version_id)
        .join(_QN, _QN.c.id == _V.c.questionnaire_id)
        .join(_ACT, _ACT.c.id == _QN.c.action_id)
    )
    stmt = (
        select(
            _TW.c.question_id,
            _TW.c.item,
            _TW.c.weight,
            _ACT.c.number,
            _V.c.number.label("version"),
            _V.c.status,
            func.count(counted.c.score).label("n"),
            func.avg(counted.c.score).label("mean"),
        )
        .select_from(
            weights.outerjoin(
                counted,
                and_(counted.c.question_id == _TW.c.question_id, counted.c.item == _TW.c.item),
            )
        )
        .where(_TW.c.theme_id == theme_id)
        .group_by(
            _TW.c.question_id,
            _TW.c.item,
            _TW.c.weight,
            _ACT.c.number,
            _V.c.number,
            _V.c.status,
        )
    )
    if filters.actions:
        stmt = stmt.where(_ACT.c.number.in_(filters.actions))
    rows = [r for r in session.execute(stmt) if r.n or r.status == "published"]
    specs = _question_specs(session, {r.question_id for r in rows})
    mass = sum(r.weight * r.n for r in rows) or 1.0
    result = []
    for r in rows:
        code, position, spec = specs[r.question_id]
        item_label = ""
        if r.item:
            item = next((i for i in spec.get("items", []) if i["code"] == r.item), None)
            item_label = _text(item["label"], lang) if item else r.item
        result.append(
            FeedRow(
                question_id=r.question_id,
                action=r.number,
                version=r.version,
                code=code,
                label=_text(spec.get("label"), lang),
                item=r.item,
                item_label=item_label,
                qtype=spec.get("type", ""),
                weight=float(r.weight),
                n=int(r.n),
                mean=None if r.mean is None else 100 * float(r.mean),
                share=r.weight * r.n / mass,
            )
        )
    order = {r.question_id: specs[r.question_id][1] for r in rows}
    result.sort(key=lambda f: (f.action, -f.version, order[f.question_id], f.item))
    return result


def _question_specs(session: Any, ids: set[int]) -> dict[int, tuple[str, int, dict[str, Any]]]:
    if not ids:
        return {}
    rows = session.execute(
        select(_Q.c.id, _Q.c.code, _Q.c.position, _Q.c.spec).where(_Q.c.id.in_(sorted(ids)))
    )
    return {r.id: (r.code, r.position, r.spec) for r in rows}


def _text(value: Any, lang: str) -> str:
    from .i18n import pick

    return pick(value, lang)


# --- quotes and answers --------------------------------------------------------------

TEXT_TYPES = ("short_text", "long_text")


@dataclass(frozen=True)
class Quote:
    """A text answer tagged to a theme: who said it only as organisation kind and country."""

    text: str
    kind: str
    country: str
    action: int
    question_id: int
    question_label: str
    submitted_at: datetime | None

    @property
    def kind_label(self) -> str:
        return ORG_KIND_LABELS.get(OrgKind(self.kind), self.kind)


def text_questions_for_theme(session: Any, theme_key: str) -> dict[int, dict[str, Any]]:
    """Text questions whose definition tags ``theme_key`` (their answers are quotes)."""
    rows = session.execute(select(_Q.c.id, _Q.c.spec).where(_Q.c.qtype.in_(TEXT_TYPES)))
    return {r.id: r.spec for r in rows if theme_key in (r.spec or {}).get("themes", {})}


def quotes(
    session: Any,
    filters: Filters,
    theme_key: str,
    lang: str = "en",
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, list[Quote]]:
    """(total, one page of quotes): newest first, from counted responses only."""
    specs = text_questions_for_theme(session, theme_key)
    if not specs:
        return 0, []
    joins = _From(_A.join(_R, _R.c.id == _A.c.response_id))
    joins.need("organisation")
    joins.need("action")
    where = [_A.c.question_id.in_(sorted(specs)), *_conditions(filters, joins)]
    total = session.scalar(select(func.count()).select_from(joins.clause).where(*where)) or 0
    rows = session.execute(
        select(
            _A.c.value,
            _A.c.question_id,
            _ORG.c.kind,
            _ORG.c.country,
            _ACT.c.number,
            _R.c.submitted_at,
        )
        .select_from(joins.clause)
        .where(*where)
        .order_by(_R.c.submitted_at.desc(), _A.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return total, [
        Quote(
            text=r.value,
            kind=_group_key(r.kind),
            country=r.country,
            action=r.number,
            question_id=r.question_id,
            question_label=_text(specs[r.question_id].get("label"), lang),
            submitted_at=r.submitted_at,
        )
        for r in rows
    ]


def selected_quotes(
    session: Any, filters: Filters, theme_key: str, lang: str = "en", count: int = 3
) -> list[Quote]:
    """A few quotes for the report: substantive (longest under 600 characters), from
    different actions where possible."""
    _, pool = quotes(session, filters, theme_key, lang, limit=200)
    pool = sorted(
        (q for q in pool if len(q.text) <= 600),
        key=lambda q: (-len(q.text), q.action, q.question_id),
    )
    chosen: list[Quote] = []
    seen_actions: set[int] = set()
    for quote in pool:
        if quote.action not in seen_actions:
            chosen.append(quote)
            seen_actions.add(quote.action)
        if len(chosen) == count:
            return chosen
    for quote in pool:
        if quote not in chosen:
            chosen.append(quote)
        if len(chosen) == count:
            break
    return chosen


@dataclass(frozen=True)
class AnonymousAnswer:
    value: str
    item: str
    other_text: str | None
    score: float | None  # 0..100
    kind: str
    country: str
    submitted_at: datetime | None

    @property
    def kind_label(self) -> str:
        return ORG_KIND_LABELS.get(OrgKind(self.kind), self.kind)


@dataclass(frozen=True)
class ValueCount:
    item: str
    value: str
    count: int


def question_answers(
    session: Any, filters: Filters, question_id: int, limit: int = 50, offset: int = 0
) -> tuple[int, list[AnonymousAnswer]]:
    """(total, one page of) the counted answers to one question, anonymous: organisation
    kind and country only, never the organisation's name nor the person."""
    joins = _From(_A.join(_R, _R.c.id == _A.c.response_id))
    joins.need("organisation")
    where = [_A.c.question_id == question_id, *_conditions(filters, joins)]
    total = session.scalar(select(func.count()).select_from(joins.clause).where(*where)) or 0
    rows = session.execute(
        select(
            _A.c.value,
            _A.c.item,
            _A.c.other_text,
            _A.c.score,
            _ORG.c.kind,
            _ORG.c.country,
            _R.c.submitted_at,
        )
        .select_from(joins.clause)
        .where(*where)
        .order_by(_R.c.submitted_at.desc(), _A.c.response_id.desc(), _A.c.item)
        .limit(limit)
        .offset(offset)
    )
    return total, [
        AnonymousAnswer(
            value=r.value,
            item=r.item,
            other_text=r.other_text,
            score=None if r.score is None else 100 * r.score,
            kind=_group_key(r.kind),
            country=r.country,
            submitted_at=r.submitted_at,
        )
        for r in rows
    ]


def value_counts(session: Any, filters: Filters, question_id: int) -> list[ValueCount]:
    """How often each stored value was given (per matrix item), for counted responses."""
    joins = _From(_A.join(_R, _R.c.id == _A.c.response_id))
    where = [_A.c.question_id == question_id, *_conditions(filters, joins)]
    rows = session.execute(
        select(_A.c.item, _A.c.value, func.count())
        .select_from(joins.clause)
        .where(*where)
        .group_by(_A.c.item, _A.c.value)
        .order_by(_A.c.item, _A.c.value)
    )
    return [ValueCount(item, value, int(count)) for item, value, count in rows]


# --- response counts -----------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    action: int
    title: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def response_counts(
    session: Any, actions: Iterable[int] | None = None, lang: str = "en"
) -> list[CountRow]:
    """Responses per action and state (every state), for ``actions`` (None: all)."""
    stmt = (
        select(_ACT.c.number, _R.c.state, func.count())
        .select_from(_R.join(_QN, _QN.c.id == _R.c.questionnaire_id))
        .join(_ACT, _ACT.c.id == _QN.c.action_id)
        .group_by(_ACT.c.number, _R.c.state)
    )
    counts: dict[int, dict[str, int]] = {}
    for number, state, count in session.execute(stmt):
        counts.setdefault(number, {})[_group_key(state)] = int(count)
    wanted = None if actions is None else set(actions)
    rows = []
    for action in session.scalars(select(Action).order_by(Action.number)):
        if wanted is not None and action.number not in wanted:
            continue
        per_state = {s.value: counts.get(action.number, {}).get(s.value, 0) for s in ResponseState}
        rows.append(CountRow(action.number, action.text("short_title", lang), per_state))
    return rows


def countries_with_responses(session: Any) -> list[str]:
    """Countries of organisations that gave at least one response (for filter choices)."""
    stmt = (
        select(_ORG.c.country)
        .where(_ORG.c.id.in_(select(_R.c.organisation_id).distinct()))
        .distinct()
        .order_by(_ORG.c.country)
    )
    return [code for (code,) in session.execute(stmt)]
