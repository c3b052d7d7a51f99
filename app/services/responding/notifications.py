"""E-mails to respondents about their responses: submission, review decisions and
reminders.

``notify`` is the one place that sends: through ``app.mail.send_mail`` (SMTP when
``MAIL_SERVER`` is set; logged otherwise). Messages are composed here from explicit
arguments (links are built by the caller, which knows the request), in English.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Organisation, Response, ResponseState, ReviewComment, Role, User


def notify(to: str, subject: str, body: str) -> bool:
    """Send one e-mail; True when it was handed to the mail server."""
    from ...mail import send_mail

    return send_mail(to, subject, body)


def respondents_of(session: Session, organisation: Organisation) -> list[User]:
    """The organisation's active respondents: the people told about its responses."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.organisation_id == organisation.id,
                User.role == Role.RESPONDENT,
                User.active.is_(True),
            )
            .order_by(User.email)
        )
    )


_DECISION_WORDS = {
    ResponseState.ACCEPTED: ("accepted", "Thank you: your response has been accepted."),
    ResponseState.RETURNED: (
        "returned for revision",
        "The reviewers ask you to revise your response and submit it again.",
    ),
    ResponseState.REJECTED: ("rejected", "Your response has been rejected."),
}


def decision_message(
    response: Response,
    state: ResponseState,
    overall: str | None,
    comments: list[ReviewComment],
    question_labels: dict[str, str],
    link: str,
) -> tuple[str, str]:
    """Subject and body of the e-mail telling respondents about a review decision."""
    word, opening = _DECISION_WORDS[state]
    action = response.questionnaire.action
    subject = f"Tympanum: your response to action {action.number} was {word}"
    lines = [
        "Hello,",
        "",
        f"{opening}",
        "",
        f"Action {action.number}: {action.title}",
        f"Organisation: {response.organisation.name}",
        f"Reference: {response.reference}",
    ]
    if overall:
        lines += ["", "Reviewer's comment:", overall]
    if comments:
        lines += ["", "Comments on questions:"]
        for comment in comments:
            label = question_labels.get(comment.question_code or "", comment.question_code)
            lines += [f"- {label}: {comment.body}"]
    lines += ["", f"See your response: {link}", "", "Tympanum"]
    return subject, "\n".join(lines)


def submission_message(response: Response, receipt_link: str, copy_link: str) -> tuple[str, str]:
    """Subject and body of the e-mail confirming a submission, with a link to the
    organisation's copy of the answers (PDF)."""
    action = response.questionnaire.action
    subject = f"Tympanum: your response to action {action.number} was submitted"
    who = response.submitted_by.display_name if response.submitted_by else "your organisation"
    lines = [
        "Hello,",
        "",
        f"Your organisation's response was submitted by {who}. The action's leaders will "
        "review it.",
        "",
        f"Action {action.number}: {action.title}",
        f"Organisation: {response.organisation.name}",
        f"Reference: {response.reference}",
        "",
        f"Your copy of the answers (PDF): {copy_link}",
        f"The receipt: {receipt_link}",
        "",
        "Tympanum",
    ]
    return subject, "\n".join(lines)


def reminder_message(
    organisation: Organisation,
    response: Response | None,
    action_number: int,
    action_title: str,
    deadline: str | None,
    link: str,
) -> tuple[str, str]:
    """Subject and body of a reminder to answer (or finish) an action's questionnaire."""
    subject = f"Tympanum: reminder about the questionnaire of action {action_number}"
    if response is None:
        status = "Your organisation has not started this questionnaire yet."
    elif response.state == ResponseState.RETURNED:
        status = "Your organisation's response was returned for revision and waits for you."
    else:
        status = "Your organisation's response is a draft: it has not been submitted yet."
    lines = [
        "Hello,",
        "",
        f"This is a reminder about the questionnaire of action {action_number}: {action_title}.",
        f"Organisation: {organisation.name}",
        status,
    ]
    if deadline:
        lines.append(f"The deadline is {deadline}.")
    lines += ["", f"Answer it here: {link}", "", "Tympanum"]
    return subject, "\n".join(lines)
