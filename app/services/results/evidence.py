"""The evidence behind a theme score: which questions feed it (provenance), the
anonymous answers to a question, quotes, and response counts. Same filters as
``app.services.results.aggregation`` (whose FROM-clause builder these queries reuse), so the
same audience scope: only the responses to the actions the reader may see.

Disclosure control (small cells hidden) applies to the figures about groups of
organisations (``aggregation``). What is here is question-level detail of the actions
in scope, shown only to those who may read those responses one by one (admins,
coordinators, the actions' leaders): it is not suppressed (docs/scoring.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from ...i18n import pick
from ...models import ORG_KIND_LABELS, Action, OrgKind, QuoteConsent, ResponseState
from . import disclosure
from .aggregation import (
    T_ACTIONS,
    T_QUESTIONNAIRES,
    T_QUESTIONS,
    T_RESPONSES,
    T_VERSIONS,
    Filters,
    ResponseFrom,
    filter_conditions,
    group_key,
    run,
)
from .disclosure import Audience
from .scoring import T_ANSWERS, T_WEIGHTS, valued, weighted_answers

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
    n: int  # valued answers counted (0 when suppressed)
    mean: float | None  # 0..100
    # This row's part of the theme's total weight over counted answers, 0..1; None for
    # an audience with disclosure control (a share gives n away from the others).
    share: float | None
    suppressed: bool = False  # answered by too few organisations for the audience


def provenance(
    session: Any, filters: Filters, theme_id: int, lang: str = "en", cache: Any = None
) -> list[FeedRow]:
    """Which actions and questions feed a theme: weights, mean values and n. In SQL: the
    counted valued answers weighted to the theme (the same join and values as the
    theme scores, ``scoring.weighted_answers``), GROUP BY questionnaire, question code
    and item, then theme_weights LEFT JOIN those per-question figures (so unanswered
    questions show). A question is its code: the answers to all its versions count
    together, shown with the label and weight of its newest published version.

    For an audience with disclosure control, a question answered by too few
    organisations shows no figure, and no share of weight is given (shares add up to
    100 %, so they would give hidden answers away): with no total shown, nothing else
    can be worked out."""
    joins = ResponseFrom(
        weighted_answers()
        .join(T_RESPONSES, T_RESPONSES.c.id == T_ANSWERS.c.response_id)
        .join(T_QUESTIONS, T_QUESTIONS.c.id == T_ANSWERS.c.question_id)
    )
    where = [
        valued(),
        T_WEIGHTS.c.theme_id == theme_id,
        *filter_conditions(filters, joins),  # adds the joins the filters need
    ]
    # One question is one code of one questionnaire, whatever its versions: answers to
    # every version count together (a relabelled question never splits in two).
    counted = (
        select(
            T_RESPONSES.c.questionnaire_id,
            T_QUESTIONS.c.code,
            T_ANSWERS.c.item,
            func.count(T_ANSWERS.c.score).label("n"),
            func.avg(T_ANSWERS.c.score).label("mean"),
            func.sum(T_WEIGHTS.c.weight).label("mass"),
            func.count(T_RESPONSES.c.organisation_id.distinct()).label("orgs"),
        )
        .select_from(joins.clause)
        .where(*where)
        .group_by(T_RESPONSES.c.questionnaire_id, T_QUESTIONS.c.code, T_ANSWERS.c.item)
        .subquery("counted")
    )
    weights = (
        T_WEIGHTS.join(T_QUESTIONS, T_QUESTIONS.c.id == T_WEIGHTS.c.question_id)
        .join(T_VERSIONS, T_VERSIONS.c.id == T_QUESTIONS.c.version_id)
        .join(T_QUESTIONNAIRES, T_QUESTIONNAIRES.c.id == T_VERSIONS.c.questionnaire_id)
        .join(T_ACTIONS, T_ACTIONS.c.id == T_QUESTIONNAIRES.c.action_id)
    )
    stmt = (
        select(
            T_WEIGHTS.c.question_id,
            T_QUESTIONS.c.code,
            T_WEIGHTS.c.item,
            T_WEIGHTS.c.weight,
            T_ACTIONS.c.number,
            T_VERSIONS.c.number.label("version"),
            T_VERSIONS.c.status,
            func.coalesce(counted.c.n, 0).label("n"),
            counted.c.mean,
            func.coalesce(counted.c.mass, 0).label("mass"),
            func.coalesce(counted.c.orgs, 0).label("orgs"),
        )
        .select_from(
            weights.outerjoin(
                counted,
                and_(
                    counted.c.questionnaire_id == T_QUESTIONNAIRES.c.id,
                    counted.c.code == T_QUESTIONS.c.code,
                    counted.c.item == T_WEIGHTS.c.item,
                ),
            )
        )
        .where(T_WEIGHTS.c.theme_id == theme_id, T_VERSIONS.c.status != "draft")
    )
    actions = filters.counted_actions()  # the questions of the actions in scope only
    if actions is not None:
        stmt = stmt.where(T_ACTIONS.c.number.in_(actions))
    # Per action, code and item: the row of the newest version (its label and weight),
    # with the figures of every version.
    newest: dict[tuple[int, str, str], Any] = {}
    for r in run(session, stmt, cache):
        key = (r.number, r.code, r.item)
        if key not in newest or r.version > newest[key].version:
            newest[key] = r
    rows = [r for r in newest.values() if r.n or r.status == "published"]
    specs = question_specs(session, {r.question_id for r in rows})
    total_mass = sum(float(r.mass) for r in rows) or 1.0
    min_orgs = filters.audience.min_orgs if filters.audience.suppresses else 0
    result = []
    for r in rows:
        code, position, spec = specs[r.question_id]
        item_label = ""
        if r.item:
            item = next((i for i in spec.get("items", []) if i["code"] == r.item), None)
            item_label = _text(item["label"], lang) if item else r.item
        hidden = 0 < r.orgs < min_orgs
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
                n=0 if hidden else int(r.n),
                mean=None if hidden or r.mean is None else 100 * float(r.mean),
                share=None if min_orgs else float(r.mass) / total_mass,
                suppressed=hidden,
            )
        )
    order = {r.question_id: specs[r.question_id][1] for r in rows}
    result.sort(key=lambda f: (f.action, order[f.question_id], f.item))
    return result


def question_specs(session: Any, ids: set[int]) -> dict[int, tuple[str, int, dict[str, Any]]]:
    if not ids:
        return {}
    rows = session.execute(
        select(
            T_QUESTIONS.c.id, T_QUESTIONS.c.code, T_QUESTIONS.c.position, T_QUESTIONS.c.spec
        ).where(T_QUESTIONS.c.id.in_(sorted(ids)))
    )
    return {r.id: (r.code, r.position, r.spec) for r in rows}


def _text(value: Any, lang: str) -> str:
    return pick(value, lang)


# --- quotes and answers --------------------------------------------------------------


def newest_question_id(session: Any, question_id: int) -> int:
    """The id of this question's code in the newest published (or archived) version of
    its questionnaire: the one results show."""
    asked = T_QUESTIONS.alias("asked")
    asked_version = T_VERSIONS.alias("asked_version")
    newest = session.execute(
        select(T_QUESTIONS.c.id)
        .join(T_VERSIONS, T_VERSIONS.c.id == T_QUESTIONS.c.version_id)
        .join(asked_version, asked_version.c.questionnaire_id == T_VERSIONS.c.questionnaire_id)
        .join(
            asked,
            and_(asked.c.version_id == asked_version.c.id, asked.c.code == T_QUESTIONS.c.code),
        )
        .where(asked.c.id == question_id, T_VERSIONS.c.status != "draft")
        .order_by(T_VERSIONS.c.number.desc())
        .limit(1)
    ).scalar()
    return newest or question_id


def same_question(question_id: int) -> ColumnElement[bool]:
    """Answers to this question in any version of its questionnaire (same code)."""
    asked = T_QUESTIONS.alias("asked")
    asked_version = T_VERSIONS.alias("asked_version")
    other = T_QUESTIONS.alias("other")
    other_version = T_VERSIONS.alias("other_version")
    ids = (
        select(other.c.id)
        .select_from(other)
        .join(other_version, other_version.c.id == other.c.version_id)
        .join(asked_version, asked_version.c.questionnaire_id == other_version.c.questionnaire_id)
        .join(asked, and_(asked.c.version_id == asked_version.c.id, asked.c.code == other.c.code))
        .where(asked.c.id == question_id)
    )
    return T_ANSWERS.c.question_id.in_(ids.scalar_subquery())


TEXT_TYPES = ("short_text", "long_text")


@dataclass(frozen=True)
class Quote:
    """A text answer tagged to a theme: who said it as organisation kind and country, and
    the organisation's name only when it agreed to be quoted by name."""

    text: str
    kind: str
    country: str
    action: int
    question_id: int
    question_label: str
    submitted_at: datetime | None
    organisation: str = ""

    @property
    def kind_label(self) -> str:
        return ORG_KIND_LABELS.get(OrgKind(self.kind), self.kind)


def quotable(audience: Audience) -> ColumnElement[bool]:
    """The responses whose text answers may be quoted to ``audience``, by their
    organisation's consent (``Response.quote_consent``): never those that refused; for
    published figures (respondents, the public) only those that agreed."""
    consent = T_RESPONSES.c.quote_consent
    if audience.published:
        return consent.in_([QuoteConsent.NAMED.value, QuoteConsent.ANONYMOUS.value])
    return or_(consent.is_(None), consent != QuoteConsent.NONE.value)


def text_questions_for_theme(session: Any, theme_key: str) -> dict[int, dict[str, Any]]:
    """Text questions whose definition tags ``theme_key`` (their answers are quotes), by
    id; each with the label of the newest version of its code (one code, one question)."""
    rows = session.execute(
        select(
            T_QUESTIONS.c.id,
            T_QUESTIONS.c.code,
            T_QUESTIONS.c.spec,
            T_VERSIONS.c.questionnaire_id,
            T_VERSIONS.c.number,
        )
        .join(T_VERSIONS, T_VERSIONS.c.id == T_QUESTIONS.c.version_id)
        .where(T_QUESTIONS.c.qtype.in_(TEXT_TYPES), T_VERSIONS.c.status != "draft")
        .order_by(T_VERSIONS.c.number)
    ).all()
    newest = {(r.questionnaire_id, r.code): r.spec for r in rows}  # the last one wins
    return {
        r.id: {**r.spec, "label": newest[(r.questionnaire_id, r.code)].get("label")}
        for r in rows
        if theme_key in (r.spec or {}).get("themes", {})
    }


def quotes(
    session: Any,
    filters: Filters,
    theme_key: str,
    lang: str = "en",
    limit: int = 20,
    offset: int = 0,
    cache: Any = None,
    count: bool = True,
) -> tuple[int, list[Quote]]:
    """(total, one page of quotes): newest response first, from counted responses only.
    With ``count=False`` the total is not counted (-1)."""
    specs = text_questions_for_theme(session, theme_key)
    if not specs:
        return 0, []
    tagged = and_(T_ANSWERS.c.question_id.in_(sorted(specs)), quotable(filters.audience))
    total = -1
    if count:
        counted = ResponseFrom(
            T_ANSWERS.join(T_RESPONSES, T_RESPONSES.c.id == T_ANSWERS.c.response_id)
        )
        where = [tagged, *filter_conditions(filters, counted)]
        counting = select(func.count()).select_from(counted.clause).where(*where)
        total = run(session, counting, cache)[0][0]
    # The page comes from the newest counted responses that have a quote (no more than
    # quotes wanted), read in submission order from its index rather than by sorting
    # every quote.
    responses = ResponseFrom(T_RESPONSES)
    where = filter_conditions(filters, responses)  # adds the joins the filters need
    quoted = select(T_ANSWERS.c.id).where(T_ANSWERS.c.response_id == T_RESPONSES.c.id, tagged)
    newest = (
        select(T_RESPONSES.c.id)
        .select_from(responses.clause)
        .where(quoted.exists(), *where)
        .order_by(T_RESPONSES.c.submitted_at.desc(), T_RESPONSES.c.id.desc())
        .limit(limit + offset)
        .correlate(None)  # a subquery of its own, not tied to the outer responses
    )
    joins = ResponseFrom(T_ANSWERS.join(T_RESPONSES, T_RESPONSES.c.id == T_ANSWERS.c.response_id))
    joins.need("action")
    rows = run(
        session,
        select(
            T_ANSWERS.c.value,
            T_ANSWERS.c.question_id,
            T_RESPONSES.c.org_kind.label("kind"),  # as recorded at submission
            T_RESPONSES.c.org_country.label("country"),
            T_ACTIONS.c.number,
            T_RESPONSES.c.submitted_at,
            T_RESPONSES.c.quote_consent,
            T_RESPONSES.c.org_name.label("name"),  # as recorded at submission
        )
        .select_from(joins.clause)
        .where(tagged, T_RESPONSES.c.id.in_(newest.scalar_subquery()))
        .order_by(T_RESPONSES.c.submitted_at.desc(), T_RESPONSES.c.id.desc(), T_ANSWERS.c.id.desc())
        .limit(limit)
        .offset(offset),
        cache,
    )
    return total, [
        Quote(
            text=r.value,
            kind=group_key(r.kind),
            country=r.country,
            action=r.number,
            question_id=r.question_id,
            question_label=_text(specs[r.question_id].get("label"), lang),
            submitted_at=r.submitted_at,
            organisation=r.name if group_key(r.quote_consent) == QuoteConsent.NAMED else "",
        )
        for r in rows
    ]


def selected_quotes(
    session: Any,
    filters: Filters,
    theme_key: str,
    lang: str = "en",
    count: int = 3,
    cache: Any = None,
) -> list[Quote]:
    """A few quotes for the report: substantive (longest under 600 characters), from
    different actions where possible."""
    _, pool = quotes(session, filters, theme_key, lang, limit=200, cache=cache, count=False)
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
    session: Any,
    filters: Filters,
    question_id: int,
    limit: int = 50,
    offset: int = 0,
    cache: Any = None,
) -> tuple[int, list[AnonymousAnswer]]:
    """(total, one page of) the counted answers to one question (its code, in every
    version), anonymous: organisation kind and country only, never the organisation's
    name nor the person."""
    joins = ResponseFrom(T_ANSWERS.join(T_RESPONSES, T_RESPONSES.c.id == T_ANSWERS.c.response_id))
    where = [same_question(question_id), *filter_conditions(filters, joins)]
    total = run(session, select(func.count()).select_from(joins.clause).where(*where), cache)[0][0]
    rows = run(
        session,
        select(
            T_ANSWERS.c.value,
            T_ANSWERS.c.item,
            T_ANSWERS.c.other_text,
            T_ANSWERS.c.score,
            T_RESPONSES.c.org_kind.label("kind"),  # as recorded at submission
            T_RESPONSES.c.org_country.label("country"),
            T_RESPONSES.c.submitted_at,
        )
        .select_from(joins.clause)
        .where(*where)
        .order_by(
            T_RESPONSES.c.submitted_at.desc(), T_ANSWERS.c.response_id.desc(), T_ANSWERS.c.item
        )
        .limit(limit)
        .offset(offset),
        cache,
    )
    return total, [
        AnonymousAnswer(
            value=r.value,
            item=r.item,
            other_text=r.other_text,
            score=None if r.score is None else 100 * r.score,
            kind=group_key(r.kind),
            country=r.country,
            submitted_at=r.submitted_at,
        )
        for r in rows
    ]


def value_counts(
    session: Any, filters: Filters, question_id: int, cache: Any = None
) -> list[ValueCount]:
    """How often each stored value was given (per matrix item), for counted responses."""
    joins = ResponseFrom(T_ANSWERS.join(T_RESPONSES, T_RESPONSES.c.id == T_ANSWERS.c.response_id))
    where = [same_question(question_id), *filter_conditions(filters, joins)]
    rows = run(
        session,
        select(T_ANSWERS.c.item, T_ANSWERS.c.value, func.count())
        .select_from(joins.clause)
        .where(*where)
        .group_by(T_ANSWERS.c.item, T_ANSWERS.c.value)
        .order_by(T_ANSWERS.c.item, T_ANSWERS.c.value),
        cache,
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
    session: Any, audience: Audience, lang: str = "en", cache: Any = None
) -> list[CountRow]:
    """Responses per action and state (every state), for the actions in the audience's
    scope."""
    stmt = (
        select(T_ACTIONS.c.number, T_RESPONSES.c.state, func.count())
        .select_from(
            T_RESPONSES.join(
                T_QUESTIONNAIRES, T_QUESTIONNAIRES.c.id == T_RESPONSES.c.questionnaire_id
            )
        )
        .join(T_ACTIONS, T_ACTIONS.c.id == T_QUESTIONNAIRES.c.action_id)
        .group_by(T_ACTIONS.c.number, T_RESPONSES.c.state)
    )
    counts: dict[int, dict[str, int]] = {}
    for number, state, count in run(session, stmt, cache):
        counts.setdefault(number, {})[group_key(state)] = int(count)
    wanted = audience.actions
    rows = []
    for action in session.scalars(select(Action).order_by(Action.number)):
        if wanted is not None and action.number not in wanted:
            continue
        per_state = {s.value: counts.get(action.number, {}).get(s.value, 0) for s in ResponseState}
        rows.append(CountRow(action.number, action.text("short_title", lang), per_state))
    return rows


def countries_with_responses(session: Any, audience: Audience, cache: Any = None) -> list[str]:
    """Countries of organisations that gave at least one response to an action in the
    audience's scope (for filter choices). For an audience that hides small cells, only
    the countries ``disclosure.fold`` names (a choice "France" would tell that French
    organisations answered, and filtering on it would show their figures as "fewer
    than 3")."""
    # The countries the responses recorded at submission (drafts have none).
    country = T_RESPONSES.c.org_country
    orgs = func.count(T_RESPONSES.c.organisation_id.distinct()).label("orgs")
    responding = select(country, orgs).where(country.is_not(None))
    if audience.actions is not None:
        responding = responding.join(
            T_QUESTIONNAIRES, T_QUESTIONNAIRES.c.id == T_RESPONSES.c.questionnaire_id
        ).where(
            T_QUESTIONNAIRES.c.action_id.in_(
                select(T_ACTIONS.c.id).where(T_ACTIONS.c.number.in_(sorted(audience.actions)))
            )
        )
    rows = run(session, responding.group_by(country).order_by(country), cache)
    small = (
        disclosure.fold({code: int(n) for code, n in rows}, audience.min_orgs)
        if audience.suppresses
        else set()
    )
    return [code for code, _ in rows if code not in small]


def counted_responses(session: Any, filters: Filters, cache: Any = None) -> int:
    """How many responses the filters count (whether or not they score on a theme)."""
    joins = ResponseFrom(T_RESPONSES)
    where = filter_conditions(filters, joins)
    return int(
        run(session, select(func.count()).select_from(joins.clause).where(*where), cache)[0][0]
    )
