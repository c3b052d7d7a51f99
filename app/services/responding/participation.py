"""The organisers' dashboard figures: per action, how many organisations were asked, how
many have not started, and where the others' current responses stand; participation by
country, kind and city size; submissions over time; the review backlog.

A handful of grouped queries whatever the number of actions and organisations (tests
count them): the progress per action and state, the participation per country, kind
and size, the submissions per action and day, the oldest responses waiting for review.
Every figure counts the organisations *asked* about an action (active ones) and each
one's current response (the one on the newest version it answered)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import String, Subquery, and_, case, cast, func, select
from sqlalchemy.orm import Session, aliased

from ...models import (
    Action,
    Organisation,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseState,
    User,
    organisation_actions,
    utcnow,
)
from . import deadlines

ANSWERED = (
    ResponseState.SUBMITTED,
    ResponseState.RETURNED,
    ResponseState.ACCEPTED,
    ResponseState.REJECTED,
)
NOT_STARTED = "not_started"


@dataclass
class ActionProgress:
    """One action's figures."""

    action: Action
    questionnaire: Questionnaire | None
    invited: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # state (or "not_started") -> n
    oldest_waiting: datetime | None = None  # the oldest submitted response still waiting
    deadline: deadlines.Deadline | None = None
    is_open: bool = False

    def count(self, state: str) -> int:
        return self.counts.get(state, 0)

    @property
    def answered(self) -> int:
        """Organisations that have submitted (whatever the review said since)."""
        return sum(self.count(s.value) for s in ANSWERED)

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None

    @property
    def waiting(self) -> int:
        return self.count(ResponseState.SUBMITTED.value)

    def days_left(self, today: date) -> int | None:
        """Days from ``today`` to the deadline's day (0: today is the last day)."""
        if self.deadline is None or self.deadline.day is None:
            return None
        return (self.deadline.day - today).days


@dataclass
class Breakdown:
    """Participation in one group (a country, a kind of organisation, a size band)."""

    key: str | None
    invited: int = 0  # invitations: (organisation, action) pairs
    answered: int = 0
    organisations: int = 0  # organisations asked about at least one action
    answering: int = 0  # organisations that submitted for at least one action

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None


@dataclass
class Waiting:
    response_id: int
    reference: str
    action_number: int
    organisation: str
    country: str
    submitted_at: datetime


@dataclass
class Dashboard:
    actions: list[ActionProgress]
    by_country: list[Breakdown]
    by_kind: list[Breakdown]
    by_size: list[Breakdown]
    timeline: dict[int, list[tuple[date, int]]]  # action number -> (day, submissions)
    backlog: list[Waiting]
    now: datetime

    @property
    def invited(self) -> int:
        return sum(a.invited for a in self.actions)

    @property
    def answered(self) -> int:
        return sum(a.answered for a in self.actions)

    @property
    def waiting(self) -> int:
        return sum(a.waiting for a in self.actions)

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None

    def total(self, state: str) -> int:
        return sum(a.count(state) for a in self.actions)


# --- the queries -----------------------------------------------------------------------


def current_responses() -> Subquery:
    """Each organisation's current response to each questionnaire: the one on the
    newest version it answered (a window function, one pass over the responses)."""
    newest = (
        func.row_number()
        .over(
            partition_by=(Response.organisation_id, Response.questionnaire_id),
            order_by=QuestionnaireVersion.number.desc(),
        )
        .label("newest")
    )
    ranked = (
        select(
            Response.id,
            Response.organisation_id,
            Response.questionnaire_id,
            Response.state,
            Response.submitted_at,
            newest,
        )
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.version_id)
        .subquery("ranked")
    )
    return (
        select(ranked.c.id, ranked.c.organisation_id, ranked.c.questionnaire_id)
        .add_columns(ranked.c.state, ranked.c.submitted_at)
        .where(ranked.c.newest == 1)
        .subquery("current")
    )


def _invitations(action_ids: Iterable[int] | None, current: Subquery):  # type: ignore[no-untyped-def]
    """Every (active organisation, action) invitation with its current response, if any."""
    pair = organisation_actions.c
    stmt = (
        select()
        .select_from(organisation_actions)
        .join(Organisation, and_(Organisation.id == pair.organisation_id, Organisation.active))
        .outerjoin(Questionnaire, Questionnaire.action_id == pair.action_id)
        .outerjoin(
            current,
            and_(
                current.c.organisation_id == pair.organisation_id,
                current.c.questionnaire_id == Questionnaire.id,
            ),
        )
    )
    if action_ids is not None:
        stmt = stmt.where(pair.action_id.in_(list(action_ids) or [-1]))
    return stmt


def build(session: Session, action_ids: set[int] | None, now: datetime | None = None) -> Dashboard:
    """The dashboard of the actions ``action_ids`` (None: every action)."""
    now = now or utcnow()
    actions_stmt = (
        select(Action, Questionnaire)
        .outerjoin(Questionnaire, Questionnaire.action_id == Action.id)
        .order_by(Action.number)
    )
    if action_ids is not None:
        actions_stmt = actions_stmt.where(Action.id.in_(action_ids or {-1}))
    progress = {
        action.id: ActionProgress(
            action,
            questionnaire,
            deadline=deadlines.deadline_for(questionnaire, now=now) if questionnaire else None,
            is_open=deadlines.is_open(questionnaire, now) if questionnaire else False,
        )
        for action, questionnaire in session.execute(actions_stmt)
    }
    current = current_responses()
    pair = organisation_actions.c
    state = func.coalesce(cast(current.c.state, String(20)), NOT_STARTED, type_=String(20))
    waiting_since = func.min(
        case((current.c.state == ResponseState.SUBMITTED.value, current.c.submitted_at))
    )
    per_state = _invitations(action_ids, current).add_columns(
        pair.action_id, state.label("state"), func.count().label("n"), waiting_since
    )
    per_state = per_state.group_by(pair.action_id, state)
    for action_id, state_value, count, oldest in session.execute(per_state):
        row = progress[action_id]
        row.counts[str(state_value)] = count
        row.invited += count
        if oldest is not None:
            row.oldest_waiting = _aware(oldest)

    answered = case((current.c.state.in_([s.value for s in ANSWERED]), 1), else_=0)
    per_group = (
        _invitations(action_ids, current)
        .add_columns(
            Organisation.id,
            Organisation.country,
            Organisation.kind,
            Organisation.size_band,
            func.count().label("invited"),
            func.sum(answered).label("answered"),
        )
        .group_by(Organisation.id, Organisation.country, Organisation.kind, Organisation.size_band)
    )
    by_country: dict[str, Breakdown] = {}
    by_kind: dict[str, Breakdown] = {}
    by_size: dict[str | None, Breakdown] = {}
    for _org, country, kind, size, invited, done in session.execute(per_group):
        for groups, key in ((by_country, country), (by_kind, kind), (by_size, size)):
            key = key.value if hasattr(key, "value") else key
            group = groups.setdefault(key, Breakdown(key))
            group.invited += invited
            group.answered += int(done or 0)
            group.organisations += 1
            group.answering += 1 if done else 0

    day = func.date(current.c.submitted_at)
    per_day = (
        select(Questionnaire.action_id, day.label("day"), func.count())
        .select_from(current)
        .join(Questionnaire, Questionnaire.id == current.c.questionnaire_id)
        .join(
            organisation_actions,
            and_(
                pair.organisation_id == current.c.organisation_id,
                pair.action_id == Questionnaire.action_id,
            ),
        )
        .join(Organisation, and_(Organisation.id == pair.organisation_id, Organisation.active))
        .where(current.c.state.in_([s.value for s in ANSWERED]))
        .group_by(Questionnaire.action_id, day)
        .order_by(Questionnaire.action_id, day)
    )
    if action_ids is not None:
        per_day = per_day.where(Questionnaire.action_id.in_(action_ids or {-1}))
    timeline: dict[int, list[tuple[date, int]]] = defaultdict(list)
    numbers = {a.action.id: a.action.number for a in progress.values()}
    for action_id, when, count in session.execute(per_day):
        if when is not None:
            timeline[numbers[action_id]].append((_day(when), count))

    return Dashboard(
        actions=list(progress.values()),
        by_country=sorted(by_country.values(), key=lambda b: (b.rate or 0, b.key or "")),
        by_kind=sorted(by_kind.values(), key=lambda b: b.key or ""),
        by_size=sorted(by_size.values(), key=lambda b: _SIZE_ORDER.get(b.key, 9)),
        timeline=dict(timeline),
        backlog=backlog(session, action_ids),
        now=now,
    )


_SIZE_ORDER = {"small": 0, "medium": 1, "large": 2, "metropolitan": 3, None: 4}


def backlog(session: Session, action_ids: set[int] | None, limit: int = 10) -> list[Waiting]:
    """The submitted responses of active organisations waiting for a decision, oldest
    first, as the review queue lists them (one query)."""
    stmt = (
        select(
            Response.id,
            Response.reference,
            Action.number,
            Organisation.name,
            Organisation.country,
            Response.submitted_at,
        )
        .join(Questionnaire, Questionnaire.id == Response.questionnaire_id)
        .join(Action, Action.id == Questionnaire.action_id)
        .join(Organisation, Organisation.id == Response.organisation_id)
        .where(Response.state == ResponseState.SUBMITTED, Organisation.active)
        .order_by(Response.submitted_at, Response.id)
        .limit(limit)
    )
    if action_ids is not None:
        stmt = stmt.where(Questionnaire.action_id.in_(action_ids or {-1}))
    return [Waiting(*row) for row in session.execute(stmt)]


# --- one action's organisations that have not answered --------------------------------


@dataclass
class Pending:
    organisation: Organisation
    state: str  # "not_started", "draft" or "returned"
    updated_at: datetime | None
    contacts: list[User]


def pending(session: Session, action: Action, states: Iterable[str]) -> list[Pending]:
    """The organisations asked about ``action`` whose current response is in one of
    ``states`` ("not_started", "draft", "returned"), with their active respondents (three
    queries)."""
    wanted = set(states)
    current = current_responses()
    org = aliased(Organisation)
    pair = organisation_actions.c
    state = func.coalesce(cast(current.c.state, String(20)), NOT_STARTED, type_=String(20))
    stmt = (
        select(org, state, Response.updated_at)
        .select_from(organisation_actions)
        .join(org, and_(org.id == pair.organisation_id, org.active))
        .outerjoin(Questionnaire, Questionnaire.action_id == pair.action_id)
        .outerjoin(
            current,
            and_(
                current.c.organisation_id == pair.organisation_id,
                current.c.questionnaire_id == Questionnaire.id,
            ),
        )
        .outerjoin(Response, Response.id == current.c.id)
        .where(pair.action_id == action.id, state.in_(wanted))
        .order_by(org.country, org.name)
    )
    rows = session.execute(stmt).all()
    people: dict[int, list[User]] = defaultdict(list)
    if rows:
        for user in session.scalars(
            select(User)
            .where(
                User.organisation_id.in_([r[0].id for r in rows]),
                User.active,
                User.role == "respondent",
            )
            .order_by(User.display_name)
        ):
            people[user.organisation_id].append(user)  # type: ignore[index]
    return [
        Pending(
            organisation,
            str(state_value),
            _aware(updated) if updated else None,
            people[organisation.id],
        )
        for organisation, state_value, updated in rows
    ]


# --- helpers ---------------------------------------------------------------------------


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _day(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def weekly(days: list[tuple[date, int]]) -> list[tuple[date, int, int]]:
    """Daily counts as (Monday, submissions that week, cumulative) from the first week
    with one to the last."""
    if not days:
        return []
    weeks: dict[date, int] = defaultdict(int)
    for day, count in days:
        weeks[day - timedelta(days=day.weekday())] += count
    first, last = min(weeks), max(weeks)
    result, total, week = [], 0, first
    while week <= last:
        total += weeks.get(week, 0)
        result.append((week, weeks.get(week, 0), total))
        week += timedelta(days=7)
    return result
