"""Deadlines: a questionnaire's deadline is the end of that day in its time zone
(default Europe/Brussels); after it, the questionnaire refuses saves and submissions,
except from an organisation whose deadline was extended. With ``close_at_deadline`` it
counts as closed for everyone once its own deadline has passed (worked out when asked,
no scheduler). Plain functions: the caller passes ``now`` and owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    DEFAULT_TIME_ZONE,
    DeadlineExtension,
    Organisation,
    Questionnaire,
    User,
    utcnow,
)
from .. import audit


class DeadlineError(ValueError):
    """A deadline setting that cannot be applied (the message says why)."""


@cache
def time_zone_names() -> tuple[str, ...]:
    """The time zones offered: Europe's, then UTC."""
    return (*sorted(n for n in available_timezones() if n.startswith("Europe/")), "UTC")


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def end_of_day(day: date, time_zone: str | None) -> datetime:
    """The moment (UTC) day ``day`` ends in ``time_zone``: midnight at the start of the
    next day there (so 2027-03-31 in Brussels ends at 2027-03-31 22:00 UTC)."""
    local = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone(time_zone))
    return local.astimezone(UTC)


def local_day(moment: datetime, time_zone: str | None) -> date:
    """The calendar day ``moment`` falls on in ``time_zone``."""
    return moment.astimezone(zone(time_zone)).date()


@dataclass(frozen=True)
class Deadline:
    """The deadline that applies to one organisation (or to everyone: no extension)."""

    day: date | None  # the last day answers are taken (an extension's, if any)
    time_zone: str
    ends_at: datetime | None  # UTC
    passed: bool
    extended_from: date | None = None  # the questionnaire's own day, when extended
    closed_automatically: bool = False

    @property
    def extended(self) -> bool:
        return self.extended_from is not None


def closed_automatically(questionnaire: Questionnaire, now: datetime) -> bool:
    """Closed for everyone because automatic closing is on and the deadline has passed."""
    if not questionnaire.close_at_deadline or questionnaire.deadline is None:
        return False
    return now >= end_of_day(questionnaire.deadline, questionnaire.time_zone)


def is_open(questionnaire: Questionnaire, now: datetime | None = None) -> bool:
    """Open by hand and not closed automatically at its deadline."""
    return questionnaire.is_open and not closed_automatically(questionnaire, now or utcnow())


def deadline_for(
    questionnaire: Questionnaire,
    extension: DeadlineExtension | None = None,
    now: datetime | None = None,
) -> Deadline:
    """The deadline that applies, given the organisation's extension (if any)."""
    now = now or utcnow()
    tz = questionnaire.time_zone or DEFAULT_TIME_ZONE
    own = questionnaire.deadline
    if own is None:
        return Deadline(None, tz, None, False)
    auto = closed_automatically(questionnaire, now)
    if extension is not None and extension.until > own and not auto:
        ends = end_of_day(extension.until, tz)
        return Deadline(extension.until, tz, ends, now >= ends, extended_from=own)
    ends = end_of_day(own, tz)
    return Deadline(own, tz, ends, now >= ends, closed_automatically=auto)


def last_day(questionnaire: Questionnaire, extension: DeadlineExtension | None) -> date | None:
    """The last day one organisation may answer: its extension's if it has one, except
    when the questionnaire closes itself at its own deadline (then that is everyone's)."""
    own = questionnaire.deadline
    if own is None or questionnaire.close_at_deadline:
        return own
    if extension is not None and extension.until > own:
        return extension.until
    return own


def extension_of(
    session: Session, questionnaire: Questionnaire, organisation_id: int
) -> DeadlineExtension | None:
    if questionnaire.deadline is None:
        return None  # without a deadline there is nothing to extend (skip the query)
    return session.scalar(
        select(DeadlineExtension).where(
            DeadlineExtension.questionnaire_id == questionnaire.id,
            DeadlineExtension.organisation_id == organisation_id,
        )
    )


def organisation_deadline(
    session: Session,
    questionnaire: Questionnaire,
    organisation_id: int,
    now: datetime | None = None,
) -> Deadline:
    return deadline_for(questionnaire, extension_of(session, questionnaire, organisation_id), now)


def extensions_of_organisation(
    session: Session, organisation_id: int, questionnaire_ids: Iterable[int]
) -> dict[int, DeadlineExtension]:
    """An organisation's extensions, by questionnaire id (one query)."""
    ids = list(questionnaire_ids)
    if not ids:
        return {}
    return {
        e.questionnaire_id: e
        for e in session.scalars(
            select(DeadlineExtension).where(
                DeadlineExtension.organisation_id == organisation_id,
                DeadlineExtension.questionnaire_id.in_(ids),
            )
        )
    }


def extensions(session: Session, questionnaire: Questionnaire) -> list[DeadlineExtension]:
    """A questionnaire's extensions, by organisation name."""
    return list(
        session.scalars(
            select(DeadlineExtension)
            .join(DeadlineExtension.organisation)
            .where(DeadlineExtension.questionnaire_id == questionnaire.id)
            .order_by(Organisation.name)
        )
    )


def extend(
    session: Session,
    questionnaire: Questionnaire,
    organisation: Organisation,
    until: date,
    *,
    user: User | None = None,
    actor: str | None = None,
    ip: str = "",
) -> DeadlineExtension:
    """Let ``organisation`` answer until the end of ``until``; audited as
    deadline.extended. Refused without a deadline or for a day not after it."""
    if questionnaire.deadline is None:
        raise DeadlineError("the questionnaire has no deadline to extend")
    if until <= questionnaire.deadline:
        raise DeadlineError(
            f"choose a day after the deadline ({questionnaire.deadline.isoformat()})"
        )
    extension = session.scalar(
        select(DeadlineExtension).where(
            DeadlineExtension.questionnaire_id == questionnaire.id,
            DeadlineExtension.organisation_id == organisation.id,
        )
    )
    before = extension.until.isoformat() if extension else None
    if extension is None:
        extension = DeadlineExtension(
            questionnaire_id=questionnaire.id, organisation_id=organisation.id, until=until
        )
        session.add(extension)
    extension.until = until
    extension.created_at = utcnow()
    extension.created_by_id = user.id if user is not None else None
    session.flush()
    audit.record(
        session,
        "deadline.extended",
        user=user,
        actor=actor,
        obj=questionnaire,
        ip=ip,
        action=questionnaire.action.number,
        organisation=organisation.name,
        organisation_id=organisation.id,
        before=before,
        after=until.isoformat(),
        deadline=questionnaire.deadline.isoformat(),
    )
    return extension


def withdraw(
    session: Session,
    extension: DeadlineExtension,
    *,
    user: User | None = None,
    actor: str | None = None,
    ip: str = "",
) -> None:
    """Remove an extension: the questionnaire's own deadline applies again; audited."""
    questionnaire = extension.questionnaire
    audit.record(
        session,
        "deadline.extension_removed",
        user=user,
        actor=actor,
        obj=questionnaire,
        ip=ip,
        action=questionnaire.action.number,
        organisation=extension.organisation.name,
        organisation_id=extension.organisation_id,
        before=extension.until.isoformat(),
    )
    session.delete(extension)


def set_rules(
    session: Session,
    questionnaire: Questionnaire,
    *,
    time_zone: str,
    close_at_deadline: bool,
    user: User | None = None,
    actor: str | None = None,
    ip: str = "",
) -> bool:
    """Set the time zone the deadline is read in and whether the questionnaire closes
    itself at the deadline; audited as questionnaire.deadline_rules. False if unchanged."""
    if time_zone not in time_zone_names():
        raise DeadlineError(f"unknown time zone {time_zone!r}")
    if (
        questionnaire.time_zone == time_zone
        and questionnaire.close_at_deadline == close_at_deadline
    ):
        return False
    audit.record(
        session,
        "questionnaire.deadline_rules",
        user=user,
        actor=actor,
        obj=questionnaire,
        ip=ip,
        action=questionnaire.action.number,
        before={"time_zone": questionnaire.time_zone, "close": questionnaire.close_at_deadline},
        after={"time_zone": time_zone, "close": close_at_deadline},
    )
    questionnaire.time_zone = time_zone
    questionnaire.close_at_deadline = close_at_deadline
    return True
