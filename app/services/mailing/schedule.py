"""The scheduled jobs the worker runs: reminders on each questionnaire's schedule, and
leaders' daily digests. Each step is recorded under a unique key (``reminders_sent``;
digest lines claimed by one worker) before its mail is written, in the same transaction,
so running the job twice, or on two servers at once, sends nothing twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import (
    DigestItem,
    Questionnaire,
    ReminderSchedule,
    ReminderSent,
    ResponseEvent,
    ResponseState,
    User,
    utcnow,
)
from .. import audit
from ..questionnaires.versions import published_version
from ..responding import deadlines, reminders
from . import messages, outbox

SCHEDULER = "scheduler"  # the audit log's actor for what the job does


class ScheduleError(ValueError):
    """A schedule that cannot be read; the message says what to write."""


@dataclass
class Report:
    reminded: list[tuple[int, str, str]] = field(default_factory=list)  # action, step, org
    digests: int = 0


def parse_days(value: str) -> list[int]:
    """ "14, 7, 2" -> [14, 7, 2] (raises ScheduleError)."""
    days = []
    for part in value.replace(";", ",").replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit() or not 0 <= int(part) <= 365:
            raise ScheduleError(
                f"{part!r} is not a number of days from 0 to 365: write them like 14, 7, 2"
            )
        days.append(int(part))
    return sorted(set(days), reverse=True)


def schedule_of(session: Session, questionnaire: Questionnaire) -> ReminderSchedule | None:
    return session.scalar(
        select(ReminderSchedule).where(ReminderSchedule.questionnaire_id == questionnaire.id)
    )


def set_schedule(
    session: Session,
    questionnaire: Questionnaire,
    days_before: list[int],
    returned_after_days: int | None,
    *,
    user: User | None = None,
    actor: str | None = None,
    ip: str = "",
) -> bool:
    """Set (or, with nothing, remove) the questionnaire's schedule, audited
    (``reminders.scheduled``); True when it changed."""
    current = schedule_of(session, questionnaire)
    text = ",".join(str(d) for d in sorted(set(days_before), reverse=True))
    if returned_after_days is not None and not 1 <= returned_after_days <= 365:
        raise ScheduleError("the days after a return must be a number from 1 to 365")
    if not text and returned_after_days is None:
        if current is None:
            return False
        session.delete(current)
    elif current is not None and (current.days_before, current.returned_after_days) == (
        text,
        returned_after_days,
    ):
        return False
    else:
        if current is None:
            current = ReminderSchedule(questionnaire_id=questionnaire.id)
            session.add(current)
        current.days_before = text
        current.returned_after_days = returned_after_days
    session.flush()
    audit.record(
        session,
        "reminders.scheduled",
        user=user,
        actor=actor,
        obj=questionnaire,
        ip=ip,
        action=questionnaire.action.number,
        days_before=text,
        returned_after_days=returned_after_days,
    )
    return True


def _mark(session: Session, questionnaire_id: int, organisation_id: int, step: str) -> bool:
    """Record one step for one organisation; False when it was recorded already (by an
    earlier run, or by another worker at the same moment)."""
    try:
        with session.begin_nested():
            session.add(
                ReminderSent(
                    questionnaire_id=questionnaire_id, organisation_id=organisation_id, step=step
                )
            )
            session.flush()
    except IntegrityError:
        return False
    return True


def _last_return(session: Session, response_id: int) -> ResponseEvent | None:
    return session.scalar(
        select(ResponseEvent)
        .where(ResponseEvent.response_id == response_id)
        .order_by(ResponseEvent.id.desc())
        .limit(1)
    )


def _due_steps(steps: list[int], last_day: date | None, today: date) -> list[int]:
    """The "days before" steps due on ``today`` (the local day) for ``last_day``."""
    if last_day is None:
        return []
    days_left = (last_day - today).days
    return [d for d in steps if days_left <= d] if days_left >= 0 else []


def _step_key(days: int, last_day: date) -> str:
    """``before:7:2027-04-15``: the day counted against is part of the step, so that
    after an extension (or a moved deadline) the steps count again against the new day."""
    return f"before:{days}:{last_day.isoformat()}"


def due_reminders(session: Session, now: datetime, report: Report) -> None:
    """Days are counted in each questionnaire's time zone, against each organisation's
    own last day (its extension's, if any); nothing goes out for a questionnaire closed
    by hand or closed automatically at its deadline."""
    rows = session.execute(
        select(ReminderSchedule, Questionnaire).join(
            Questionnaire, Questionnaire.id == ReminderSchedule.questionnaire_id
        )
    ).all()
    for schedule, questionnaire in rows:
        if not deadlines.is_open(questionnaire, now):
            continue
        if published_version(session, questionnaire) is None:
            continue
        today = deadlines.local_day(now, questionnaire.time_zone)
        if schedule.returned_after_days is None and not _may_be_due(
            session, schedule, questionnaire, today
        ):
            continue  # nothing can be due today: no need to look at the organisations
        by_step: dict[str, list[reminders.ReminderTarget]] = {}
        for target in reminders.reminder_targets(session, questionnaire):
            org_id = target.organisation.id
            due_steps = _due_steps(schedule.steps, target.deadline, today)
            if due_steps and target.deadline is not None:
                # Every step already due is marked; one reminder goes out for them all.
                keys = [_step_key(d, target.deadline) for d in due_steps]
                if any([_mark(session, questionnaire.id, org_id, key) for key in keys]):
                    by_step.setdefault(f"before:{min(due_steps)}", []).append(target)
                    continue
            after = schedule.returned_after_days
            if (
                after is not None
                and target.response is not None
                and target.response.state == ResponseState.RETURNED
                and (target.deadline is None or today <= target.deadline)
            ):
                event = _last_return(session, target.response.id)
                if (
                    event is not None
                    and event.to_state == ResponseState.RETURNED.value
                    and event.created_at <= now - timedelta(days=after)
                    and _mark(session, questionnaire.id, org_id, f"returned:{event.id}")
                ):
                    by_step.setdefault(f"returned:{after}", []).append(target)
        for step, targets in by_step.items():
            reminders.send_reminders(
                session, questionnaire, user=None, actor=SCHEDULER, targets=targets, step=step
            )
            number = questionnaire.action.number
            report.reminded += [(number, step, t.organisation.name) for t in targets]


def _may_be_due(
    session: Session, schedule: ReminderSchedule, questionnaire: Questionnaire, today: date
) -> bool:
    """Whether a "days before" step is due today for the questionnaire's deadline or
    for any organisation's extension (one small query, not one per organisation)."""
    days = {deadlines.last_day(questionnaire, None)}
    if questionnaire.deadline is not None and not questionnaire.close_at_deadline:
        days |= {e.until for e in deadlines.extensions(session, questionnaire)}
    return any(_due_steps(schedule.steps, day, today) for day in days)


def _leaders_by_zone(session: Session) -> dict[str, list[int]]:
    """The leaders with digest lines waiting, by time zone."""
    rows = session.execute(
        select(User.id, User.time_zone)
        .where(User.id.in_(select(DigestItem.user_id).where(DigestItem.claimed_by == "")))
        .order_by(User.id)
    ).all()
    by_zone: dict[str, list[int]] = {}
    for user_id, time_zone in rows:
        by_zone.setdefault(time_zone or "", []).append(user_id)
    return by_zone


def due_digests(session: Session, worker: str, now: datetime, report: Report) -> None:
    """Send each leader who chose the digest the lines gathered before today began in
    the leader's own time zone (so the digest goes out after their midnight)."""
    for time_zone, user_ids in _leaders_by_zone(session).items():
        today = deadlines.local_day(now, time_zone)
        today_start = deadlines.end_of_day(today - timedelta(days=1), time_zone)
        session.execute(
            update(DigestItem)
            .where(
                DigestItem.claimed_by == "",
                DigestItem.user_id.in_(user_ids),
                DigestItem.created_at < today_start,
            )
            .values(claimed_by=worker)
            .execution_options(synchronize_session=False)
        )
    items = session.scalars(
        select(DigestItem).where(DigestItem.claimed_by == worker).order_by(DigestItem.id)
    ).all()
    by_user: dict[int, list[str]] = {}
    for item in items:
        by_user.setdefault(item.user_id, []).append(item.line)
    for user_id, lines in by_user.items():
        leader = session.get(User, user_id)
        if leader is not None and leader.active:
            messages.digest(session, leader, lines)
            report.digests += 1
    session.execute(
        delete(DigestItem)
        .where(DigestItem.claimed_by == worker)
        .execution_options(synchronize_session=False)
    )


def run(session: Session, worker: str, now: datetime | None = None) -> Report:
    """Every scheduled job, once (the caller commits)."""
    now = now or utcnow()
    report = Report()
    due_reminders(session, now, report)
    due_digests(session, worker, now, report)
    outbox.forget_sent(session, now)
    return report
