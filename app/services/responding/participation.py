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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Select, String, and_, case, cast, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from ...models import (
    Action,
    AuditEntry,
    Organisation,
    Questionnaire,
    Response,
    ResponseEvent,
    ResponseState,
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


class RowSource(Protocol):
    """Where aggregate rows come from: the session itself, or a cache of them
    (``app.services.results.cache.ResultCache``) checked against ``data_version``."""

    def rows(
        self, session: Session, stmt: Any, version: tuple[Any, ...] | None = None
    ) -> list[Any]: ...


class _Direct:
    def rows(
        self, session: Session, stmt: Any, version: tuple[Any, ...] | None = None
    ) -> list[Any]:
        return list(session.execute(stmt))


def data_version(session: Session) -> tuple[Any, ...]:
    """What moves whenever a dashboard figure can change (one round trip): a response
    started (count, newest id), a state change (every one records an event), anything
    audited (organisations asked, deactivated, erased; deadlines), an organisation
    added. Saving answers changes none of the figures, so it does not move it."""
    row = session.execute(
        select(
            select(func.count(Response.id)).scalar_subquery(),
            select(func.max(Response.id)).scalar_subquery(),
            select(func.max(ResponseEvent.id)).scalar_subquery(),
            select(func.max(AuditEntry.id)).scalar_subquery(),
            select(func.max(Organisation.id)).scalar_subquery(),
        )
    ).one()
    return tuple(row)


def invitations_with_responses(*columns: Any) -> Select[*tuple[Any, ...]]:
    """``columns`` of every invitation (an active organisation asked about an action),
    joined to the organisation and to its current response (``Response``, NULL when not
    started): the one on the newest version it answered (a questionnaire's versions are
    created in number order, so the newest has the highest id). ``ix_responses_current``
    finds it, and answers the NOT EXISTS, from the index alone."""
    pair = organisation_actions.c
    newer = aliased(Response)
    return (
        select(*columns)
        .select_from(organisation_actions)
        .join(Organisation, and_(Organisation.id == pair.organisation_id, Organisation.active))
        .outerjoin(Questionnaire, Questionnaire.action_id == pair.action_id)
        .outerjoin(
            Response,
            and_(
                Response.organisation_id == pair.organisation_id,
                Response.questionnaire_id == Questionnaire.id,
                ~select(newer.id)
                .where(
                    newer.organisation_id == Response.organisation_id,
                    newer.questionnaire_id == Response.questionnaire_id,
                    newer.version_id > Response.version_id,
                )
                .exists(),
            ),
        )
    )


def _scoped(column: Any, action_ids: set[int] | None) -> list[Any]:
    return [] if action_ids is None else [column.in_(action_ids or {-1})]


def build(
    session: Session,
    action_ids: set[int] | None,
    now: datetime | None = None,
    cache: RowSource | None = None,
) -> Dashboard:
    """The dashboard of the actions ``action_ids`` (None: every action). Three grouped
    statements hold every figure (through ``cache`` when given), whatever the number of
    actions and organisations; the actions and the backlog are two more."""
    now = now or utcnow()
    source = cache or _Direct()
    version = data_version(session) if cache is not None else None
    actions_stmt = (
        select(Action, Questionnaire)
        .outerjoin(Questionnaire, Questionnaire.action_id == Action.id)
        .where(*_scoped(Action.id, action_ids))
        .order_by(Action.number)
    )
    progress = {
        action.id: ActionProgress(
            action,
            questionnaire,
            deadline=deadlines.deadline_for(questionnaire, now=now) if questionnaire else None,
            is_open=deadlines.is_open(questionnaire, now) if questionnaire else False,
        )
        for action, questionnaire in session.execute(actions_stmt)
    }
    pair = organisation_actions.c
    group_columns = (Organisation.country, Organisation.kind, Organisation.size_band)
    # 1. Every invitation (an active organisation asked about an action) with the state
    # of its current response, if any: one pass, kept for the three groupings below.
    invitations = (
        invitations_with_responses(
            pair.action_id, *group_columns, Response.state, Response.submitted_at
        )
        .where(*_scoped(pair.action_id, action_ids))
        .cte("invitations")
        .prefix_with("MATERIALIZED")
    )
    inv = invitations.c
    state = func.coalesce(cast(inv.state, String(20)), NOT_STARTED, type_=String(20))
    answered_states = [s.value for s in ANSWERED]
    is_answered = case((inv.state.in_(answered_states), 1), else_=0)
    waiting_since = func.min(case((inv.state == ResponseState.SUBMITTED.value, inv.submitted_at)))
    day = func.date(inv.submitted_at)
    none = cast(literal(None), String(20))
    per_state = select(
        literal("a").label("part"),
        inv.action_id,
        state.label("state"),
        none.label("country"),
        none.label("kind"),
        none.label("size"),
        none.label("day"),
        func.count().label("n"),
        cast(waiting_since, String(40)).label("extra"),
    ).group_by(inv.action_id, state)
    per_group = select(
        literal("b"),
        literal(None),
        none,
        cast(inv.country, String(20)),
        cast(inv.kind, String(20)),
        cast(inv.size_band, String(20)),
        none,
        func.count(),
        cast(func.sum(is_answered), String(40)),
    ).group_by(inv.country, inv.kind, inv.size_band)
    per_day = (
        select(
            literal("t"),
            inv.action_id,
            none,
            none,
            none,
            none,
            cast(day, String(20)),
            func.count(),
            none,
        )
        .where(inv.state.in_(answered_states))
        .group_by(inv.action_id, day)
    )
    figures = union_all(per_state, per_group, per_day)
    # 2. The organisations asked about at least one of the actions, per group.
    asked = (
        select(pair.organisation_id)
        .where(pair.organisation_id == Organisation.id, *_scoped(pair.action_id, action_ids))
        .exists()
    )
    organisations = (
        select(*group_columns, func.count())
        .where(Organisation.active, asked)
        .group_by(*group_columns)
    )

    by_country: dict[str | None, Breakdown] = {}
    by_kind: dict[str | None, Breakdown] = {}
    by_size: dict[str | None, Breakdown] = {}

    def groups(country: str | None, kind: Any, size: Any) -> list[Breakdown]:
        keys = (country, _value(kind), _value(size))
        return [
            table.setdefault(key, Breakdown(key))
            for table, key in zip((by_country, by_kind, by_size), keys, strict=True)
        ]

    numbers = {a.action.id: a.action.number for a in progress.values()}
    timeline: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for part, action_id, state_value, country, kind, size, when, count, extra in source.rows(
        session, figures, version
    ):
        if part == "a":
            row = progress[action_id]
            row.counts[state_value] = count
            row.invited += count
            if extra is not None:
                row.oldest_waiting = _moment(extra)
        elif part == "b":
            for group in groups(country, kind, size):
                group.invited += count
                group.answered += int(extra or 0)
        elif when is not None:
            timeline[numbers[action_id]].append((_day(when), count))
    for country, kind, size, count in source.rows(session, organisations, version):
        for group in groups(country, kind, size):
            group.organisations += count
    for days in timeline.values():
        days.sort()

    return Dashboard(
        actions=list(progress.values()),
        by_country=sorted(by_country.values(), key=lambda b: (b.rate or 0, b.key or "")),
        by_kind=sorted(by_kind.values(), key=lambda b: b.key or ""),
        by_size=sorted(by_size.values(), key=lambda b: _SIZE_ORDER.get(b.key, 9)),
        timeline=dict(timeline),
        backlog=backlog(session, action_ids),
        now=now,
    )


def _value(code: Any) -> str | None:
    return None if code is None else str(code.value if hasattr(code, "value") else code)


def _moment(value: datetime | str) -> datetime:
    """A timestamp read back through a cast: SQLite gives text, PostgreSQL too."""
    if isinstance(value, datetime):
        return aware(value)
    return aware(
        datetime.fromisoformat(str(value).strip().replace(" ", "T").replace("Z", "+00:00"))
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
    # submitted_at is set on every submitted response
    return [Waiting(*row) for row in session.execute(stmt)]  # type: ignore[arg-type]


# --- helpers ---------------------------------------------------------------------------


def aware(value: datetime) -> datetime:
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
