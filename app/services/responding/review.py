"""The review workflow: a reviewer's decision on a submitted response (with an overall
comment and comments per question), bulk acceptance, and the review queue.

Every decision is a ResponseEvent (who, when, from, to, comment) and an audit entry,
written in the caller's transaction; the caller commits, then notifies the respondents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from ...days import within_days
from ...definitions.answers import clean_text
from ...models import (
    Action,
    Organisation,
    OrgKind,
    Questionnaire,
    Response,
    ResponseEvent,
    ResponseState,
    ReviewComment,
    User,
)
from .. import audit
from .responses import ResponseError, definition_of, transition

DECISIONS: dict[str, ResponseState] = {
    "accept": ResponseState.ACCEPTED,
    "return": ResponseState.RETURNED,
    "reject": ResponseState.REJECTED,
}
AUDIT_EVENTS: dict[ResponseState, str] = {
    ResponseState.ACCEPTED: "review.accepted",
    ResponseState.RETURNED: "review.returned",
    ResponseState.REJECTED: "review.rejected",
}
MAX_COMMENT_LENGTH = 5000


@dataclass
class Decision:
    """What a review did: the event, and the question comments written with it."""

    response: Response
    event: ResponseEvent
    comments: list[ReviewComment]


def review(
    session: Session,
    response: Response,
    decision: str,
    *,
    user: User,
    overall_comment: str = "",
    question_comments: Mapping[str, str] | None = None,
    expected_lock: int | None = None,
    ip: str = "",
    bulk: bool = False,
) -> Decision:
    """Accept, return or reject a submitted response.

    A return needs an overall comment or at least one question comment; a rejection needs
    an overall comment (the reason). The overall comment becomes ``review_note`` and the
    event's comment; question comments are ReviewComment rows keyed by question code,
    which the respondents see beside the questions. ``expected_lock`` is the
    ``lock_version`` the reviewer saw: a response changed since is refused.
    """
    if decision not in DECISIONS:
        raise ResponseError(f"unknown decision {decision!r}: choose accept, return or reject")
    to_state = DECISIONS[decision]
    overall = clean_text(overall_comment or "")
    per_question = _clean_question_comments(response, question_comments or {})
    if expected_lock is not None and response.lock_version != expected_lock:
        raise ResponseError(
            "this response changed since you opened it: reload the page and review it again"
        )
    if len(overall) > MAX_COMMENT_LENGTH:
        raise ResponseError(f"the overall comment is longer than {MAX_COMMENT_LENGTH} characters")
    if to_state == ResponseState.REJECTED and not overall:
        raise ResponseError("give the reason for the rejection: the respondents will read it")
    if to_state == ResponseState.RETURNED and not (overall or per_question):
        raise ResponseError(
            "say what to change before returning the response: write an overall comment "
            "or a comment on a question"
        )
    event_comment = overall or _summary(per_question)
    event = transition(
        session, response, to_state, user=user, comment=event_comment, note=overall or None
    )
    comments = [
        ReviewComment(response_id=response.id, question_code=code, user_id=user.id, body=body)
        for code, body in per_question.items()
    ]
    session.add_all(comments)
    audit.record(
        session,
        AUDIT_EVENTS[to_state],
        user=user,
        obj=response,
        ip=ip,
        reference=response.reference,
        action=response.questionnaire.action.number,
        organisation=response.organisation.name,
        from_state=event.from_state,
        comment=overall,
        question_comments=sorted(per_question),
        **({"bulk": True} if bulk else {}),  # type: ignore[arg-type]  # only "bulk", no named argument
    )
    return Decision(response, event, comments)


def _clean_question_comments(response: Response, comments: Mapping[str, str]) -> dict[str, str]:
    """Non-empty comments, in questionnaire order; refuses codes the version lacks."""
    known = definition_of(response).by_code
    unknown = sorted(
        code for code, body in comments.items() if clean_text(body) and code not in known
    )
    if unknown:
        raise ResponseError(
            f"no question {', '.join(unknown)} in this questionnaire version: reload the page"
        )
    too_long = sorted(code for code, body in comments.items() if len(body) > MAX_COMMENT_LENGTH)
    if too_long:
        raise ResponseError(
            f"the comment on {', '.join(too_long)} is longer than {MAX_COMMENT_LENGTH} characters"
        )
    cleaned = {code: clean_text(body) for code, body in comments.items()}
    return {code: cleaned[code] for code in known if cleaned.get(code)}


def _summary(per_question: Mapping[str, str]) -> str | None:
    if not per_question:
        return None
    return f"Comments on {len(per_question)} question(s): {', '.join(per_question)}"


# --- bulk acceptance ----------------------------------------------------------------------


@dataclass
class BulkReport:
    accepted: list[Response] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (label, why)


def bulk_accept(
    session: Session, responses: Iterable[Response], *, user: User, ip: str = ""
) -> BulkReport:
    """Accept every submitted response of ``responses``; the others are skipped with the
    reason. The caller has already left out the responses ``user`` may not review."""
    report = BulkReport()
    for response in responses:
        label = f"{response.reference} ({response.organisation.name})"
        if response.state != ResponseState.SUBMITTED:
            report.skipped.append(
                (label, f"it is {response.state.value}: only submitted responses can be accepted")
            )
            continue
        try:
            review(session, response, "accept", user=user, ip=ip, bulk=True)
        except ResponseError as error:  # decided by someone else in the meantime
            report.skipped.append((label, str(error)))
            continue
        report.accepted.append(response)
    return report


# --- reading ------------------------------------------------------------------------------


def comments_by_question(response: Response) -> dict[str | None, list[ReviewComment]]:
    grouped: dict[str | None, list[ReviewComment]] = {}
    for comment in response.comments:
        grouped.setdefault(comment.question_code, []).append(comment)
    return grouped


SORTS = {
    "submitted": Response.submitted_at,
    "organisation": Organisation.name,
    "action": Action.number,
    "state": Response.state,
}


@dataclass
class QueueFilters:
    action: int | None = None
    state: ResponseState | None = None  # None: every state
    kind: OrgKind | None = None
    country: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None  # inclusive
    sort: str = "submitted"
    descending: bool = True
    page: int = 1
    per_page: int = 25


@dataclass
class QueuePage:
    items: list[Response]
    total: int
    page: int
    pages: int
    counts: dict[ResponseState, int]  # per state, under every filter but the state


def queue(session: Session, filters: QueueFilters, *, action_ids: set[int] | None) -> QueuePage:
    """One page of responses in scope (``action_ids`` None: every action), filtered and
    sorted, with the number of responses per state."""
    conditions: list[Any] = []
    if action_ids is not None:
        conditions.append(Action.id.in_(action_ids or {-1}))
    if filters.action is not None:
        conditions.append(Action.number == filters.action)
    if filters.kind is not None:
        conditions.append(Organisation.kind == filters.kind)
    if filters.country:
        conditions.append(Organisation.country == filters.country.upper())
    conditions += within_days(Response.submitted_at, filters.submitted_from, filters.submitted_to)

    def scoped(stmt: Any) -> Any:
        return (
            stmt.select_from(Response)
            .join(Response.questionnaire)
            .join(Questionnaire.action)
            .join(Response.organisation)
            .where(*conditions)
        )

    counts = {state: 0 for state in ResponseState}
    for state, count in session.execute(
        scoped(select(Response.state, func.count(Response.id))).group_by(Response.state)
    ):
        counts[ResponseState(state)] = count
    total = counts[filters.state] if filters.state is not None else sum(counts.values())
    pages = max(1, -(-total // filters.per_page))
    page = min(max(1, filters.page), pages)
    column = SORTS.get(filters.sort, Response.submitted_at)
    order = column.desc() if filters.descending else column.asc()
    stmt = scoped(select(Response)).options(
        contains_eager(Response.organisation),
        contains_eager(Response.questionnaire).contains_eager(Questionnaire.action),
    )
    if filters.state is not None:
        stmt = stmt.where(Response.state == filters.state)
    stmt = (
        stmt.order_by(order.nulls_last(), Response.id.desc())
        .limit(filters.per_page)
        .offset((page - 1) * filters.per_page)
    )
    items = list(session.scalars(stmt).unique())
    return QueuePage(items=items, total=total, page=page, pages=pages, counts=counts)
