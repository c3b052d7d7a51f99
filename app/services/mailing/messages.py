"""The messages people get, each rendered in its recipient's language (the account's
``locale``, else English) from ``templates/mail/<name>.txt`` through the translation
catalogues, and written to the outbox in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ...definitions.model import text
from ...mail import compose
from ...models import (
    Action,
    DigestItem,
    MailKind,
    OutboxMail,
    Response,
    ResponseState,
    ReviewComment,
    Role,
    User,
    leader_actions,
)
from ...urls import external_url
from ..responding.responses import definition_of
from . import outbox


def language(user: User) -> str:
    locale = user.locale
    return locale if locale and locale in current_app.config["LANGUAGES"] else "en"


def send(session: Session, user: User, kind: MailKind, template: str, **context: Any) -> OutboxMail:
    """Compose ``template`` in ``user``'s language and write it to the outbox."""
    lang = language(user)
    subject, body = compose(template, lang, user=user, lang=lang, **context)
    return outbox.enqueue(session, kind=kind, to=user.email, subject=subject, body=body, user=user)


def request_reset(session: Session, email: str, ip: str) -> OutboxMail:
    """The forgotten-password form: one row, whatever the address. The worker looks the
    address up and writes the message (``prepare_reset``), so the page's answer takes
    the same time whether or not an account has it."""
    return outbox.enqueue(
        session,
        kind=MailKind.RESET_REQUEST,
        to="",
        subject="",
        body="",
        payload={"email": email[:254], "ip": ip[:64]},
    )


def password_reset(session: Session, user: User, raw: str) -> OutboxMail:
    return send(
        session,
        user,
        MailKind.PASSWORD_RESET,
        "password_reset",
        link=external_url("auth.reset_password", token=raw),
        hours=current_app.config["RESET_HOURS"],
    )


def invitation(
    session: Session, user: User, inviter: User, raw: str, actions: list[Action], days: int
) -> tuple[OutboxMail, str]:
    """The invitation (a link to choose a password), or for an account in use the news
    of added actions; with the link it carries."""
    if raw:
        link = external_url("auth.accept_invitation", token=raw)
        kind, template = MailKind.INVITATION, "invitation"
    else:
        link = external_url("main.index")
        kind, template = MailKind.ACTIONS_ADDED, "actions_added"
    mail = send(
        session, user, kind, template, inviter=inviter, link=link, days=days, actions=actions
    )
    return mail, link


def respondents_of(session: Session, organisation_id: int) -> list[User]:
    """The organisation's active respondents: the people told about its responses."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.organisation_id == organisation_id,
                User.role == Role.RESPONDENT,
                User.active.is_(True),
            )
            .order_by(User.email)
        )
    )


def decision(
    session: Session,
    response: Response,
    state: ResponseState,
    overall: str | None,
    comments: list[ReviewComment],
) -> list[OutboxMail]:
    """Tell the organisation's respondents that their response was accepted, returned
    or rejected, with the reviewers' comments, each in their language."""
    by_code = definition_of(response).by_code
    mails = []
    for person in respondents_of(session, response.organisation_id):
        lang = language(person)
        labelled = [
            (
                text(by_code[c.question_code]["label"], lang)
                if c.question_code in by_code
                else c.question_code or "",
                c.body,
            )
            for c in comments
        ]
        mails.append(
            send(
                session,
                person,
                MailKind.DECISION,
                "decision",
                response=response,
                action=response.questionnaire.action,
                state=state.value,
                overall=overall or "",
                comments=labelled,
                link=external_url("main.index"),
            )
        )
    return mails


def reminder(
    session: Session,
    person: User,
    response: Response | None,
    action: Action,
    deadline: str | None,
) -> OutboxMail:
    state = response.state.value if response is not None else "not started"
    return send(
        session,
        person,
        MailKind.REMINDER,
        "reminder",
        organisation=person.organisation,
        state=state,
        action=action,
        deadline=deadline,
        link=external_url("main.index"),
    )


def _submission_recipients(
    session: Session, action: Action, organisation_id: int
) -> tuple[list[User], list[User]]:
    """The action's active leaders and the organisation's active respondents
    (``respondents_of``), in one query: every submission tells both."""
    led = select(leader_actions.c.user_id).where(leader_actions.c.action_id == action.id)
    rows = session.execute(
        select(User, User.id.in_(led).label("leads"))
        .where(
            User.active.is_(True),
            or_(
                User.id.in_(led),
                and_(User.organisation_id == organisation_id, User.role == Role.RESPONDENT),
            ),
        )
        .order_by(User.email)
    ).all()
    leaders = [user for user, leads in rows if leads]
    colleagues = [
        user
        for user, _leads in rows
        if user.role == Role.RESPONDENT and user.organisation_id == organisation_id
    ]
    return leaders, colleagues


def submitted(
    session: Session, response: Response, by: User | None, resubmitted: bool
) -> list[OutboxMail]:
    """A response was submitted (or resubmitted): its action's leaders are told at once
    or in their daily digest (their choice), and the submitter's colleagues at once."""
    action = response.questionnaire.action
    mails = []
    leaders, colleagues = _submission_recipients(session, action, response.organisation_id)
    for leader in leaders:
        if leader.notify_submissions == "digest":
            line = (
                f"{'resubmitted' if resubmitted else 'submitted'}\t{action.number}\t"
                f"{response.organisation.name}\t{response.reference}\t{response.id}"
            )
            session.add(DigestItem(user_id=leader.id, line=line))
        elif leader.notify_submissions != "off":
            mails.append(
                send(
                    session,
                    leader,
                    MailKind.SUBMISSION,
                    "submission",
                    response=response,
                    action=action,
                    resubmitted=resubmitted,
                    link=external_url("review.show", response_id=response.id),
                )
            )
    # The organisation's respondents, the submitter too: a confirmation with their copy.
    number = action.number
    for colleague in colleagues:
        mails.append(
            send(
                session,
                colleague,
                MailKind.COLLEAGUE,
                "colleague",
                response=response,
                action=action,
                by=by,
                link=external_url("respond.receipt", action=number),
                copy_link=external_url("respond.copy_download", action=number, fmt="pdf"),
            )
        )
    return mails


def digest(session: Session, leader: User, lines: Iterable[str]) -> OutboxMail:
    entries = []
    for line in lines:
        verb, number, organisation, reference, response_id = line.split("\t")
        entries.append(
            {
                "resubmitted": verb == "resubmitted",
                "action": number,
                "organisation": organisation,
                "reference": reference,
                "link": external_url("review.show", response_id=int(response_id)),
            }
        )
    return send(session, leader, MailKind.DIGEST, "digest", entries=entries)
