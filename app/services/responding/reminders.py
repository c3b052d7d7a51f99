"""Reminders: e-mail the respondents of organisations that have not submitted an action's
questionnaire yet (nothing started, a draft, or a response returned for revision). The
messages go to the outbox, each in its recipient's language; the scheduled reminders
are ``services/mailing/schedule``'s."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    Organisation,
    Questionnaire,
    Response,
    ResponseState,
    User,
    organisation_actions,
)
from .. import audit
from ..mailing import messages
from ..questionnaires.versions import QuestionnaireError, published_version
from .deadlines import extensions, last_day
from .responses import current_responses

PENDING_STATES = frozenset({ResponseState.DRAFT, ResponseState.RETURNED})


@dataclass
class ReminderTarget:
    organisation: Organisation
    response: Response | None
    recipients: list[User]
    deadline: date | None = None  # the organisation's last day (its extension's, if any)

    @property
    def state(self) -> str:
        return self.response.state.value if self.response else "not started"


@dataclass
class ReminderReport:
    reminded: list[ReminderTarget] = field(default_factory=list)
    without_recipients: list[ReminderTarget] = field(default_factory=list)

    @property
    def people(self) -> int:
        return sum(len(t.recipients) for t in self.reminded)


def reminder_targets(session: Session, questionnaire: Questionnaire) -> list[ReminderTarget]:
    """Active organisations asked about the action whose response is missing or pending."""
    organisations = session.scalars(
        select(Organisation)
        .join(organisation_actions, organisation_actions.c.organisation_id == Organisation.id)
        .where(
            organisation_actions.c.action_id == questionnaire.action_id,
            Organisation.active.is_(True),
        )
        .order_by(Organisation.name)
    ).all()
    targets = []
    responses = current_responses(session, questionnaire)  # one query, not one per organisation
    extended = (
        {e.organisation_id: e for e in extensions(session, questionnaire)}
        if questionnaire.deadline is not None
        else {}
    )
    for organisation in organisations:
        response = responses.get(organisation.id)
        if response is None or response.state in PENDING_STATES:
            targets.append(
                ReminderTarget(
                    organisation,
                    response,
                    messages.respondents_of(session, organisation.id),
                    last_day(questionnaire, extended.get(organisation.id)),
                )
            )
    return targets


def send_reminders(
    session: Session,
    questionnaire: Questionnaire,
    *,
    user: User | None,
    ip: str = "",
    actor: str | None = None,
    targets: list[ReminderTarget] | None = None,
    step: str | None = None,
) -> ReminderReport:
    """Write a reminder to every target's respondents (by default every organisation
    that has not submitted) to the outbox, and audit who was reminded (``reminders.sent``;
    ``step`` names the scheduled step that sent them)."""
    if published_version(session, questionnaire) is None:
        raise QuestionnaireError("this questionnaire has no published version: publish it first")
    if not questionnaire.is_open:
        raise QuestionnaireError("this questionnaire is closed: open it before sending reminders")
    action = questionnaire.action
    report = ReminderReport()
    if targets is None:
        targets = reminder_targets(session, questionnaire)
    for target in targets:
        if not target.recipients:
            report.without_recipients.append(target)
            continue
        day = target.deadline or questionnaire.deadline
        deadline = day.isoformat() if day else None
        for person in target.recipients:
            messages.reminder(session, person, target.response, action, deadline)
        report.reminded.append(target)
    audit.record(
        session,
        "reminders.sent",
        user=user,
        actor=actor,
        obj=questionnaire,
        ip=ip,
        action=action.number,
        reminded=[
            {
                "organisation": t.organisation.name,
                "state": t.state,
                "recipients": [p.email for p in t.recipients],
            }
            for t in report.reminded
        ],
        without_recipients=[t.organisation.name for t in report.without_recipients],
        **({"step": step} if step else {}),
    )
    return report
