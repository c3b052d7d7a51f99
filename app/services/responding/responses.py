"""Responses: one per organisation and questionnaire version, shared by the
organisation's respondents. Saving is all-or-nothing and optimistically locked;
submitting is idempotent; every state change is recorded as a ResponseEvent."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import EllipsisType
from typing import Any, cast

from sqlalchemy import Delete, Select, Update, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from ...definitions import answers as answer_codec
from ...definitions.model import Definition
from ...definitions.model import definition_of as version_definition
from ...models import (
    EDITABLE_STATES,
    Answer,
    Organisation,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseEvent,
    ResponseState,
    User,
    utcnow,
)
from ..questionnaires.versions import published_version
from ..results.scoring import refresh_scores

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I

# Which state may follow which: anything else is refused.
TRANSITIONS: dict[ResponseState, frozenset[ResponseState]] = {
    ResponseState.DRAFT: frozenset({ResponseState.SUBMITTED}),
    ResponseState.RETURNED: frozenset({ResponseState.SUBMITTED}),
    ResponseState.SUBMITTED: frozenset(
        {ResponseState.ACCEPTED, ResponseState.RETURNED, ResponseState.REJECTED}
    ),
    ResponseState.ACCEPTED: frozenset(),
    ResponseState.REJECTED: frozenset(),
}


class ResponseError(ValueError):
    """A response operation that cannot be done; the message says why."""


@dataclass
class ConflictError(ResponseError):
    """Someone saved the response after this person loaded it."""

    by: str
    at: datetime | None
    current_lock: int

    def __str__(self) -> str:
        return f"{self.by} saved this questionnaire in the meantime"


@dataclass
class IncompleteError(ResponseError):
    missing: dict[str, str]

    def __str__(self) -> str:
        return f"{len(self.missing)} question(s) still need an answer"


def new_reference(action_number: int) -> str:
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
    return f"T{action_number:02d}-{code}"


def definition_of(response: Response) -> Definition:
    return version_definition(response.version)


def find_response(
    session: Session, organisation: Organisation, version: QuestionnaireVersion
) -> Response | None:
    return session.scalar(
        select(Response).where(
            Response.organisation_id == organisation.id, Response.version_id == version.id
        )
    )


# The statements every save runs are built once (``@cache``), with bound parameters:
# building a statement cost about as much as running it.


@cache
def _current_response() -> Select[Response]:
    return (
        select(Response)
        .join(Response.version)
        .options(contains_eager(Response.version))
        .where(
            Response.organisation_id == bindparam("organisation_id"),
            Response.questionnaire_id == bindparam("questionnaire_id"),
        )
        .order_by(QuestionnaireVersion.number.desc())
        .limit(1)
    )


def current_response(
    session: Session, organisation: Organisation, questionnaire: Questionnaire
) -> Response | None:
    """The organisation's response to the questionnaire: on the published version, or the
    newest one on an older version if it was started before a new version came out."""
    return session.scalar(
        _current_response(),
        {"organisation_id": organisation.id, "questionnaire_id": questionnaire.id},
    )


def start_response(
    session: Session, organisation: Organisation, questionnaire: Questionnaire, user: User | None
) -> Response:
    """The organisation's response on the published version, created when missing."""
    version = published_version(session, questionnaire)
    if version is None:
        raise ResponseError("this questionnaire has no published version yet")
    response = find_response(session, organisation, version)
    if response is not None:
        return response
    response = Response(
        questionnaire=questionnaire,
        version=version,
        organisation=organisation,
        state=ResponseState.DRAFT,
        reference=new_reference(questionnaire.action.number),
        lock_version=1,
        updated_by_id=user.id if user else None,
    )
    session.add(response)
    session.flush()
    session.add(
        ResponseEvent(
            response=response,
            from_state=None,
            to_state=ResponseState.DRAFT,
            user_id=user.id if user else None,
        )
    )
    return response


def stored_values(session: Session, response: Response) -> tuple[dict[str, Any], dict[str, str]]:
    return stored_values_of(session, [response])[response.id]


@cache
def _stored_rows() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Answer.response_id,
            Question.code,
            Answer.item,
            Answer.value,
            Answer.other_text,
            Answer.score,
        )
        .join(Answer.question)
        .where(Answer.response_id.in_(bindparam("ids", expanding=True)))
        .order_by(Answer.response_id, Question.position, Answer.id)
    )


def stored_values_of(
    session: Session, responses: Sequence[Response]
) -> dict[int, tuple[dict[str, Any], dict[str, str]]]:
    """The stored answers of several responses in one query, by response id."""
    rows: dict[int, list[answer_codec.Row]] = {response.id: [] for response in responses}
    if rows:
        for response_id, *row in session.execute(_stored_rows(), {"ids": list(rows)}):
            rows[response_id].append(answer_codec.Row(*row))
    return {
        response.id: answer_codec.from_rows(definition_of(response), rows[response.id])
        for response in responses
    }


def save_answers(
    session: Session,
    response: Response,
    values: Mapping[str, Any],
    other: Mapping[str, str],
    *,
    user: User | None,
    expected_lock: int | None,
    stored: tuple[Mapping[str, Any], Mapping[str, str]] | None = None,
) -> int:
    """Replace the response's answers with ``values`` (hidden questions dropped).

    ``expected_lock`` is the lock_version the person loaded; when someone saved since,
    ConflictError says who and when and nothing is written. Returns the new lock_version.
    ``stored``, the answers as read in this transaction before the lock check, lets only
    the questions whose answers changed be rewritten (a page saves a few of many).
    """
    if response.state not in EDITABLE_STATES:
        raise ResponseError(f"this response is {response.state.value} and can no longer be changed")
    lock = _bump_lock(session, response, expected_lock, user)
    defn = definition_of(response)
    rows = answer_codec.to_rows(defn, values, other)
    if stored is not None and expected_lock is not None:
        # The lock matched, so nobody has written since ``stored`` was read.
        _write_changed_rows(session, response, answer_codec.to_rows(defn, *stored), rows)
    else:
        _write_rows(session, response, rows)
    return lock


@cache
def _bump_statement(check_lock: bool) -> Update:
    # On the table, not the mapped class: the ORM's bulk UPDATE path costs more than the
    # statement (the session is told what changed, below).
    table = Response.__table__.c
    condition = [
        table.id == bindparam("response_id"),
        table.state.in_(bindparam("states", expanding=True)),
    ]
    if check_lock:
        condition.append(table.lock_version == bindparam("expected"))
    return (
        update(Response.__table__)
        .where(*condition)
        .values(
            lock_version=table.lock_version + 1,
            updated_at=bindparam("now"),
            updated_by_id=bindparam("by"),
        )
        .returning(table.lock_version)
    )


def _bump_lock(
    session: Session, response: Response, expected_lock: int | None, user: User | None
) -> int:
    now = utcnow()
    result = session.execute(
        _bump_statement(expected_lock is not None),
        {
            "response_id": response.id,
            "states": list(EDITABLE_STATES),
            "expected": expected_lock,
            "now": now,
            "by": user.id if user else None,
        },
    )
    new_lock = result.scalar()
    if new_lock is None:
        session.refresh(response)
        if response.state not in EDITABLE_STATES:
            raise ResponseError(
                f"this response is {response.state.value} and can no longer be changed"
            )
        by = response.updated_by.display_name if response.updated_by else "Someone"
        raise ConflictError(by=by, at=response.updated_at, current_lock=response.lock_version)
    # What the UPDATE wrote, without reading the row back.
    set_committed_value(response, "lock_version", int(new_lock))
    set_committed_value(response, "updated_at", now)
    set_committed_value(response, "updated_by_id", user.id if user else None)
    session.expire(response, ["updated_by"])
    return int(new_lock)


def question_ids(session: Session, version: QuestionnaireVersion) -> dict[str, int]:
    """Question code -> id for a stored version. Read each time, not cached per process:
    ids belong to one database (a restore or another app in the process has others)."""
    return dict(session.execute(_question_ids(), {"version_id": version.id}).all())


@cache
def _question_ids() -> Select[str, int]:
    return select(Question.code, Question.id).where(Question.version_id == bindparam("version_id"))


def _insert_rows(
    session: Session, response: Response, rows: Iterable[answer_codec.Row], ids: dict[str, int]
) -> None:
    params = [
        {
            "response_id": response.id,
            "question_id": ids[row.question],
            "item": row.item,
            "value": row.value,
            "other_text": row.other_text,
            "score": row.score,
        }
        for row in rows
    ]
    if params:  # Core: one executemany, every row with the same columns
        session.execute(insert(Answer.__table__), params)


def _write_rows(session: Session, response: Response, rows: list[answer_codec.Row]) -> None:
    session.execute(delete(Answer).where(Answer.response_id == response.id))
    _insert_rows(session, response, rows, question_ids(session, response.version))
    refresh_scores(session, [response.id])  # the stored theme scores follow the answers
    session.expire(response, ["answers"])


@cache
def _delete_answers_of() -> Delete:
    # On the table: the ORM's bulk DELETE would first look for the rows among the
    # session's objects. The response's answers are expired after the write.
    table = Answer.__table__.c
    return delete(Answer.__table__).where(
        table.response_id == bindparam("id"),
        table.question_id.in_(bindparam("questions", expanding=True)),
    )


def _write_changed_rows(
    session: Session,
    response: Response,
    before: list[answer_codec.Row],
    after: list[answer_codec.Row],
) -> None:
    """Rewrite the answers of the questions whose rows differ between ``before`` (as
    stored) and ``after``; leave the others alone."""
    old: dict[str, list[answer_codec.Row]] = {}
    new: dict[str, list[answer_codec.Row]] = {}
    for row in before:
        old.setdefault(row.question, []).append(row)
    for row in after:
        new.setdefault(row.question, []).append(row)
    changed = sorted(code for code in old.keys() | new.keys() if old.get(code) != new.get(code))
    if not changed:
        return
    ids = question_ids(session, response.version)
    if old.keys() & set(changed):
        session.execute(
            _delete_answers_of(),
            {"id": response.id, "questions": [ids[code] for code in changed if code in old]},
        )
    _insert_rows(session, response, (row for code in changed for row in new.get(code, [])), ids)
    refresh_scores(session, [response.id])  # the stored theme scores follow the answers
    session.expire(response, ["answers"])


def _changed_rows(session: Session, statement: Update) -> int:
    """Run a guarded UPDATE and say how many rows it changed (0: the guard failed)."""
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


def submit(
    session: Session, response: Response, *, user: User | None, expected_lock: int | None = None
) -> bool:
    """Submit the response. Idempotent: a response already submitted (a double click, a
    replayed POST) is left as it is and False is returned; True when this call submitted."""
    if response.state == ResponseState.SUBMITTED:
        return False
    if response.state not in EDITABLE_STATES:
        raise ResponseError(f"this response is {response.state.value} and cannot be submitted")
    values, other = stored_values(session, response)
    problems = answer_codec.missing(definition_of(response), values, other)
    if problems:
        raise IncompleteError(problems)
    previous = response.state
    now = utcnow()
    condition = [Response.id == response.id, Response.state == previous]
    if expected_lock is not None:
        condition.append(Response.lock_version == expected_lock)
    done = _changed_rows(
        session,
        update(Response)
        .where(*condition)
        .values(
            state=ResponseState.SUBMITTED,
            submitted_at=now,
            submitted_by_id=user.id if user else None,
            lock_version=Response.lock_version + 1,
        )
        .execution_options(synchronize_session=False),
    )
    session.expire(response)
    if not done:
        # expire() above makes this read the row again: not the state narrowed earlier
        if response.state == ResponseState.SUBMITTED:  # type: ignore[comparison-overlap]
            return False  # a concurrent request submitted it first
        by = response.updated_by.display_name if response.updated_by else "Someone"
        raise ConflictError(by=by, at=response.updated_at, current_lock=response.lock_version)
    session.add(
        ResponseEvent(
            response_id=response.id,
            from_state=previous,
            to_state=ResponseState.SUBMITTED,
            user_id=user.id if user else None,
        )
    )
    return True


def transition(
    session: Session,
    response: Response,
    to_state: ResponseState,
    *,
    user: User | None,
    comment: str | None = None,
    note: str | None | EllipsisType = ...,
) -> ResponseEvent:
    """Move a response along the review workflow; refuses transitions not in TRANSITIONS.

    The state change is a guarded UPDATE (``WHERE state = <the state read>``): of two
    reviewers deciding at the same moment, the second is refused instead of overwriting
    the first. ``note`` sets ``review_note`` (what the respondents read as the overall
    comment); by default it is the comment of a return or rejection.
    """
    to_state = ResponseState(to_state)
    previous = response.state
    if to_state not in TRANSITIONS[previous]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[previous])) or "none"
        raise ResponseError(
            f"a response that is {previous.value} cannot become {to_state.value} "
            f"(possible: {allowed})"
        )
    comment = (comment or "").strip() or None
    if to_state in (ResponseState.RETURNED, ResponseState.REJECTED) and not comment:
        raise ResponseError(
            f"say why the response is {to_state.value}: the respondents will read it"
        )
    values: dict[str, Any] = {
        "state": to_state,
        "lock_version": Response.lock_version + 1,
    }
    if to_state == ResponseState.ACCEPTED:
        values["accepted_at"] = utcnow()
    if note is not ...:
        values["review_note"] = note
    elif comment and to_state != ResponseState.ACCEPTED:
        values["review_note"] = comment
    done = _changed_rows(
        session,
        update(Response)
        .where(Response.id == response.id, Response.state == previous)
        .values(**values)
        .execution_options(synchronize_session=False),
    )
    session.expire(response)
    if not done:
        raise ResponseError(
            f"this response became {response.state.value} in the meantime: "
            "reload the page to see the decision"
        )
    event = ResponseEvent(
        response_id=response.id,
        from_state=previous,
        to_state=to_state,
        user_id=user.id if user else None,
        comment=comment,
    )
    session.add(event)
    return event


def counts_by_state(
    session: Session, questionnaire_ids: list[int] | None = None
) -> dict[int, dict[ResponseState, int]]:
    """Responses per questionnaire and state (every version), e.g. {3: {SUBMITTED: 2}}."""
    stmt = select(Response.questionnaire_id, Response.state, func.count(Response.id)).group_by(
        Response.questionnaire_id, Response.state
    )
    if questionnaire_ids is not None:
        stmt = stmt.where(Response.questionnaire_id.in_(questionnaire_ids))
    counts: dict[int, dict[ResponseState, int]] = {}
    for questionnaire_id, state, count in session.execute(stmt):
        counts.setdefault(questionnaire_id, {})[ResponseState(state)] = count
    return counts


def current_responses(session: Session, questionnaire: Questionnaire) -> dict[int, Response]:
    """Each organisation's current response to the questionnaire (see current_response),
    by organisation id, in one query."""
    rows = session.scalars(
        select(Response)
        .join(Response.version)
        .where(Response.questionnaire_id == questionnaire.id)
        .order_by(QuestionnaireVersion.number)
    )
    return {response.organisation_id: response for response in rows}
