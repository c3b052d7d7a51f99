"""A respondent's progress: how far each section is, each questionnaire's state on "My
questionnaires", and the reviewer's last decision on a response."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, contains_eager, object_session

from ...definitions import answers as codec
from ...definitions.model import Definition
from ...models import (
    Action,
    Organisation,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseEvent,
    ResponseState,
    VersionStatus,
    utcnow,
)
from . import responses as response_service


@dataclass
class SectionStatus:
    section: dict[str, Any]
    number: int  # 1-based among the visible sections
    shown: list[str]  # codes of the visible questions
    missing: list[str]  # codes still needing an answer before submission
    answered: int

    @property
    def code(self) -> str:
        return str(self.section["code"])

    @property
    def state(self) -> str:
        if self.missing:
            return "todo"
        return "done" if self.answered else "empty"


def section_statuses(
    defn: Definition, values: Mapping[str, Any], other: Mapping[str, str]
) -> list[SectionStatus]:
    """The visible sections in order, with what is answered and what is missing."""
    shown = codec.visible_codes(defn, values)
    problems = codec.missing(defn, values, other)
    result: list[SectionStatus] = []
    for section in codec.visible_sections(defn, values):
        codes = [q["code"] for q in section["questions"] if q["code"] in shown]
        answered = sum(1 for c in codes if values.get(c) not in (None, "", [], {}))
        result.append(
            SectionStatus(
                section, len(result) + 1, codes, [c for c in codes if c in problems], answered
            )
        )
    return result


# --- "My questionnaires" -------------------------------------------------------------


@dataclass
class QuestionnaireStatus:
    action: Action
    questionnaire: Questionnaire | None
    version: QuestionnaireVersion | None  # the version answered, or to be answered
    response: Response | None
    remaining: int = 0  # answers still needed before submission (drafts)
    answered: int = 0

    @property
    def status(self) -> str:
        if self.version is None:
            return "unavailable"
        if self.response is None:
            return "not_started"
        return self.response.state.value

    @property
    def closed(self) -> bool:
        return self.questionnaire is not None and not self.questionnaire.is_open

    @property
    def deadline_passed(self) -> bool:
        deadline = self.questionnaire.deadline if self.questionnaire else None
        return deadline is not None and deadline < utcnow().date()


def status_from(
    action: Action,
    questionnaire: Questionnaire,
    version: QuestionnaireVersion | None,
    response: Response | None,
    values: Mapping[str, Any],
    other: Mapping[str, str],
) -> QuestionnaireStatus:
    """A questionnaire's status from what the caller has already loaded (``values`` and
    ``other``: the response's stored answers)."""
    status = QuestionnaireStatus(action, questionnaire, version, response)
    if response is not None:
        defn = response_service.definition_of(response)
        status.remaining = len(codec.missing(defn, values, other))
        status.answered = len(values)
    return status


def organisation_questionnaires(
    session: Session, organisation: Organisation
) -> list[QuestionnaireStatus]:
    """Every action the organisation is asked about, with its questionnaire's state:
    what ``questionnaire_status`` tells for one, in four queries for all."""
    actions = list(organisation.actions)
    questionnaires = {
        q.action_id: q
        for q in session.scalars(
            select(Questionnaire).where(Questionnaire.action_id.in_([a.id for a in actions]))
        )
    }
    current: dict[int, Response] = {}
    for response in session.scalars(
        select(Response)
        .join(Response.version)
        .options(contains_eager(Response.version))
        .where(
            Response.organisation_id == organisation.id,
            Response.questionnaire_id.in_([q.id for q in questionnaires.values()]),
        )
        .order_by(QuestionnaireVersion.number.desc())
    ):
        current.setdefault(response.questionnaire_id, response)  # the newest version's
    published = {
        v.questionnaire_id: v
        for v in session.scalars(
            select(QuestionnaireVersion).where(
                QuestionnaireVersion.questionnaire_id.in_(
                    [q.id for q in questionnaires.values() if q.id not in current]
                ),
                QuestionnaireVersion.status == VersionStatus.PUBLISHED,
            )
        )
    }
    stored = response_service.stored_values_of(session, list(current.values()))
    result = []
    for action in actions:
        questionnaire = questionnaires.get(action.id)
        if questionnaire is None:
            result.append(QuestionnaireStatus(action, None, None, None))
            continue
        found = current.get(questionnaire.id)
        version = found.version if found else published.get(questionnaire.id)
        values, other = stored[found.id] if found else ({}, {})
        result.append(status_from(action, questionnaire, version, found, values, other))
    return result


_DECISIONS = (ResponseState.RETURNED, ResponseState.ACCEPTED, ResponseState.REJECTED)


def last_review(response: Response) -> ResponseEvent | None:
    """The reviewer's last decision (returned, accepted or rejected), if any: from the
    loaded history when there is one, else that one event (every page shows it)."""
    if "events" in response.__dict__:
        return next((e for e in reversed(response.events) if e.to_state in _DECISIONS), None)
    session = object_session(response)
    if session is None or response.id is None:
        return None
    return session.scalar(_last_decision(), {"response_id": response.id})


@cache
def _last_decision() -> Select[ResponseEvent]:
    return (
        select(ResponseEvent)
        .where(
            ResponseEvent.response_id == bindparam("response_id"),
            ResponseEvent.to_state.in_(_DECISIONS),
        )
        .order_by(ResponseEvent.id.desc())
        .limit(1)
    )
