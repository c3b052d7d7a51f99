"""Publishing a draft, and what it does to the responses (issue 15).

Submitted, returned-for-review-done, accepted and rejected responses stay pinned to the
version they answered. Responses still being filled in (draft, returned) move to the new
version: every answer whose question (by code) still exists with the same type and whose
value the new question still accepts (options, range, scale) is kept; the others are
recorded in the response's ``version_notice`` and shown once to its respondents, never
dropped silently. ``plan`` says all of it before anything is done (the publish page);
``publish`` does it. A draft with validation problems is never published."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ...definitions import answers as codec
from ...definitions.model import Definition, to_yaml
from ...definitions.validate import validate_text
from ...models import (
    EDITABLE_STATES,
    Answer,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseState,
    User,
)
from ..responding import responses as response_service
from . import versions
from .diff import Diff, diff_definitions

LANGS = ("en", "de", "fr", "it")


@dataclass
class Dropped:
    """An answer that could not be kept: its question, the answer given, and why."""

    code: str
    label: dict[str, str]
    answer: dict[str, str]  # the answer as shown, by language
    reason: str  # "removed", "type", "value", "hidden"

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "answer": self.answer,
            "reason": self.reason,
        }


@dataclass
class Move:
    """What publishing does to one response being filled in."""

    response: Response
    kept: dict[str, Any]
    kept_other: dict[str, str]
    dropped: list[Dropped] = field(default_factory=list)


@dataclass
class Plan:
    questionnaire: Questionnaire
    draft: QuestionnaireVersion
    previous: QuestionnaireVersion | None
    diff: Diff | None
    problems: list[str]  # validation problems: publishing is refused while there are any
    pinned: dict[str, int]  # state -> responses that stay on their version
    moves: list[Move]

    @property
    def dropped(self) -> int:
        return sum(len(move.dropped) for move in self.moves)


def _editable_responses(
    session: Session, questionnaire: Questionnaire, draft: QuestionnaireVersion
) -> list[Response]:
    """The responses being filled in, one per organisation: the newest (an organisation
    with drafts on two older versions, from before drafts moved, keeps the older one
    where it is)."""
    responses = session.scalars(
        select(Response)
        .join(Response.version)
        .where(
            Response.questionnaire_id == questionnaire.id,
            Response.version_id != draft.id,
            Response.state.in_(sorted(EDITABLE_STATES)),
        )
        .order_by(QuestionnaireVersion.number.desc(), Response.id)
    ).all()
    newest: dict[int, Response] = {}
    for response in responses:
        newest.setdefault(response.organisation_id, response)
    return sorted(newest.values(), key=lambda r: r.id)


def _pinned(session: Session, questionnaire: Questionnaire) -> dict[str, int]:
    counts = response_service.counts_by_state(session, [questionnaire.id]).get(questionnaire.id, {})
    return {
        state.value: counts.get(state, 0)
        for state in ResponseState
        if state not in EDITABLE_STATES and counts.get(state, 0)
    }


def validation_problems(version: QuestionnaireVersion) -> list[str]:
    """What the validator says about a version's definition (empty: it may be published)."""
    result = validate_text(to_yaml(version.definition), f"v{version.number}.yaml")
    return [str(error) for error in result.errors]


def carry_answers(
    old: Definition, new: Definition, values: dict[str, Any], other: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str], list[Dropped]]:
    """The answers (``values``, ``other``, read under ``old``) that ``new`` keeps, and the
    ones it cannot: question removed, type changed, value no longer accepted, or question
    no longer shown given the other answers."""
    kept: dict[str, Any] = {}
    kept_other: dict[str, str] = {}
    dropped: list[Dropped] = []

    def drop(code: str, reason: str) -> None:
        q = old.by_code[code]
        answer = {lang: codec.display(q, values[code], other.get(code), lang) for lang in LANGS}
        dropped.append(Dropped(code, q.get("label") or {}, answer, reason))

    for code in [c for c in old.by_code if values.get(c) not in (None, "", [], {})]:
        q = new.by_code.get(code)
        if q is None:
            drop(code, "removed")
            continue
        if q["type"] != old.by_code[code]["type"]:
            drop(code, "type")
            continue
        raw = codec.to_form(new, [code], values, other)
        parsed = codec.parse_form(new, MultiDict(raw), [code])
        if parsed.errors or parsed.values.get(code) != values[code]:
            drop(code, "value")
            continue
        kept[code] = parsed.values[code]
        if code in parsed.other:
            kept_other[code] = parsed.other[code]
    stored = {row.question for row in codec.to_rows(new, kept, kept_other)}
    for code in [c for c in kept if c not in stored]:
        drop(code, "hidden")
        kept.pop(code)
        kept_other.pop(code, None)
    return kept, kept_other, dropped


def plan(session: Session, questionnaire: Questionnaire) -> Plan:
    """What publishing the draft would do, without doing it."""
    draft = versions.draft_version(session, questionnaire)
    if draft is None:
        raise versions.QuestionnaireError(
            f"action {questionnaire.action.number} has no draft to publish: import a definition file first"
        )
    previous = versions.published_version(session, questionnaire)
    new = Definition(draft.definition)
    responses = _editable_responses(session, questionnaire, draft)
    stored = response_service.stored_values_of(session, responses)
    moves = []
    for response in responses:
        values, other = stored[response.id]
        old = response_service.definition_of(response)
        kept, kept_other, dropped = carry_answers(old, new, values, other)
        moves.append(Move(response, kept, kept_other, dropped))
    return Plan(
        questionnaire=questionnaire,
        draft=draft,
        previous=previous,
        diff=diff_definitions(previous.definition, draft.definition) if previous else None,
        problems=validation_problems(draft),
        pinned=_pinned(session, questionnaire),
        moves=moves,
    )


def publish(session: Session, questionnaire: Questionnaire, *, user: User | None = None) -> Plan:
    """Publish the draft and move the responses being filled in to it (see the module's
    docstring). Refused (QuestionnaireError) when the draft has validation problems."""
    outcome = plan(session, questionnaire)
    if outcome.problems:
        raise versions.QuestionnaireError(
            f"the draft has {len(outcome.problems)} validation problem(s); fix them first: "
            + "; ".join(outcome.problems[:3])
        )
    version = versions.publish(session, questionnaire, user=user)
    for move in outcome.moves:
        response = move.response
        before = response.version.number
        session.execute(delete(Answer).where(Answer.response_id == response.id))
        response.version = version
        session.flush()
        response_service.save_answers(
            session, response, move.kept, move.kept_other, user=user, expected_lock=None
        )
        response.version_notice = {
            "from": before,
            "to": version.number,
            "kept": len(move.kept),
            "dropped": [d.as_json() for d in move.dropped],
        }
    session.flush()
    return outcome


def audit_details(outcome: Plan) -> dict[str, Any]:
    """What the audit log keeps of a publication: the version and each moved response."""
    return {
        "number": outcome.draft.number,
        "moved": [
            {
                "reference": move.response.reference,
                "kept": len(move.kept),
                "dropped": [d.code for d in move.dropped],
            }
            for move in outcome.moves
        ],
        "pinned": outcome.pinned,
    }


def take_notice(response: Response | None) -> dict[str, Any] | None:
    """The notice of a move to a new version, once: it is cleared as it is read (the
    caller commits)."""
    if response is None or not response.version_notice:
        return None
    notice = response.version_notice
    response.version_notice = None
    return notice
