"""The respondent's side of a response: what each questionnaire's state is, how far each
section is, and saving one page of answers with a three-way merge when a colleague saved
in the meantime (nothing is overwritten silently). Plain functions, no request inside."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, contains_eager, object_session

from ..definitions import answers as codec
from ..definitions.model import Definition
from ..models import (
    Action,
    Organisation,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseEvent,
    ResponseState,
    User,
    VersionStatus,
    utcnow,
)
from . import responses as response_service

# --- digests: what a question's answer was when a page was loaded ----------------------


def answer_digest(value: Any, other_text: str | None = None) -> str:
    """A short fingerprint of one answer (value and "other" text); empty answers share one."""
    if value in (None, "", [], {}):
        value, other_text = None, None
    canonical = json.dumps([value, other_text or None], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def page_digests(
    codes: Iterable[str], values: Mapping[str, Any], other: Mapping[str, str]
) -> dict[str, str]:
    return {code: answer_digest(values.get(code), other.get(code)) for code in codes}


def encode_digests(digests: Mapping[str, str]) -> str:
    return ",".join(f"{code}:{digest}" for code, digest in digests.items())


def decode_digests(text: str | None) -> dict[str, str]:
    """Read the ``base`` field back; anything malformed is ignored (treated as unknown)."""
    result: dict[str, str] = {}
    for part in (text or "")[:20000].split(","):
        code, _, digest = part.partition(":")
        if code and len(digest) == 16 and digest.isalnum():
            result[code] = digest
    return result


# --- saving one page -----------------------------------------------------------------


@dataclass
class Difference:
    """A question both this person and a colleague changed, differently."""

    code: str
    mine: Any
    mine_other: str | None
    theirs: Any
    theirs_other: str | None


@dataclass
class PageSave:
    """What happened to a page of answers."""

    saved: bool
    lock: int  # the response's lock_version now
    values: dict[str, Any]  # the answers as stored now (or as they would have been)
    other: dict[str, str]
    digests: dict[str, str]  # the page's answers as stored now: the next save's base
    differences: list[Difference] = field(default_factory=list)
    conflict: response_service.ConflictError | None = None  # someone saved in between
    # Questions the colleague changed and this page did not: their answer is kept, so a
    # page shown again must show it (or keep its old base, when it cannot: autosave).
    merged_theirs: list[str] = field(default_factory=list)


def _error_codes(parsed: codec.Parsed) -> set[str]:
    return {name.split("__")[0] for name in parsed.errors}


def _page_value(parsed: codec.Parsed, code: str) -> tuple[Any, str | None]:
    return parsed.values.get(code), parsed.other.get(code)


def _drop(parsed: codec.Parsed, codes: Iterable[str]) -> None:
    """Forget the page's answers to ``codes``: the stored answers stay."""
    for code in codes:
        parsed.answered.discard(code)
        parsed.cleared.discard(code)
        parsed.values.pop(code, None)
        parsed.other.pop(code, None)


def merge_page(
    stored: Mapping[str, Any], stored_other: Mapping[str, str], parsed: codec.Parsed
) -> tuple[dict[str, Any], dict[str, str]]:
    """Stored answers updated with the page's (answers with format errors keep their
    stored value)."""
    keep = _error_codes(parsed)
    page = codec.Parsed(
        values=parsed.values,
        other=parsed.other,
        answered=parsed.answered - keep,
        cleared=parsed.cleared - keep,
    )
    values = codec.merge(stored, page)
    other = dict(stored_other)
    for code in page.answered:
        if code in parsed.other:
            other[code] = parsed.other[code]
        else:
            other.pop(code, None)
    return values, other


def save_page(
    session: Session,
    response: Response,
    parsed: codec.Parsed,
    *,
    user: User | None,
    expected_lock: int,
    base: Mapping[str, str],
    take_theirs: Iterable[str] = (),
) -> PageSave:
    """Save a page's answers on top of the stored ones.

    ``base`` holds the digests of the page's answers as they were when the page was
    loaded. When a colleague saved since (the lock moved on), each of the page's
    questions is merged three ways: unchanged here -> the colleague's answer stays;
    unchanged by the colleague -> this page's answer is saved; changed by both,
    differently -> a Difference, and nothing at all is saved. ``take_theirs`` lists
    questions whose stored answer this person chose to keep over their own.
    """
    page_codes = sorted(parsed.answered)
    _drop(parsed, set(take_theirs) & parsed.answered)
    stored, stored_other = response_service.stored_values(session, response)
    # An answer this page did not change never replaces the stored one, even when the
    # lock matches (an autosave after a merge still shows the colleague's old value).
    unchanged = _unchanged_here(parsed, base, stored, stored_other)
    _drop(parsed, unchanged)
    values, other = merge_page(stored, stored_other, parsed)
    try:
        lock = response_service.save_answers(
            session,
            response,
            values,
            other,
            user=user,
            expected_lock=expected_lock,
            stored=(stored, stored_other),
        )
    except response_service.ConflictError as conflict:
        outcome = _merge_after_conflict(session, response, parsed, user, base, conflict, page_codes)
        outcome.merged_theirs = sorted(set(outcome.merged_theirs) | set(unchanged))
        return outcome
    return PageSave(
        True, lock, values, other, page_digests(page_codes, values, other), merged_theirs=unchanged
    )


def _unchanged_here(
    parsed: codec.Parsed,
    base: Mapping[str, str],
    stored: Mapping[str, Any],
    stored_other: Mapping[str, str],
) -> list[str]:
    """Questions whose page answer is the one loaded while the stored one differs."""
    return [
        code
        for code in sorted(parsed.answered - _error_codes(parsed))
        if code in base
        and answer_digest(*_page_value(parsed, code)) == base[code]
        and answer_digest(stored.get(code), stored_other.get(code)) != base[code]
    ]


def _merge_after_conflict(
    session: Session,
    response: Response,
    parsed: codec.Parsed,
    user: User | None,
    base: Mapping[str, str],
    conflict: response_service.ConflictError,
    codes: list[str],
    attempts: int = 3,
) -> PageSave:
    stored, stored_other = response_service.stored_values(session, response)
    differences: list[Difference] = []
    theirs_kept: list[str] = []
    for code in sorted(parsed.answered - _error_codes(parsed)):
        mine, mine_other = _page_value(parsed, code)
        theirs, theirs_other = stored.get(code), stored_other.get(code)
        mine_digest = answer_digest(mine, mine_other)
        theirs_digest = answer_digest(theirs, theirs_other)
        if mine_digest == theirs_digest or base.get(code) == theirs_digest:
            continue  # the same answer, or the colleague did not change it: save mine
        if base.get(code) == mine_digest:
            theirs_kept.append(code)  # not changed here: the colleague's answer stays
            continue
        differences.append(Difference(code, mine, mine_other, theirs, theirs_other))
    digests = page_digests(codes, stored, stored_other)
    if differences:
        # The next save of this page resolves them: its base is what is stored now.
        return PageSave(
            False,
            conflict.current_lock,
            stored,
            stored_other,
            digests,
            differences,
            conflict,
            merged_theirs=theirs_kept,
        )
    _drop(parsed, theirs_kept)
    values, other = merge_page(stored, stored_other, parsed)
    try:
        lock = response_service.save_answers(
            session, response, values, other, user=user, expected_lock=conflict.current_lock
        )
    except response_service.ConflictError as again:  # yet another save in between
        if attempts <= 1:
            raise
        return _merge_after_conflict(
            session, response, parsed, user, base, again, codes, attempts - 1
        )
    return PageSave(
        True,
        lock,
        values,
        other,
        page_digests(codes, values, other),
        conflict=conflict,
        merged_theirs=theirs_kept,
    )


# --- progress ------------------------------------------------------------------------


@dataclass
class SectionStatus:
    section: dict[str, Any]
    number: int  # 1-based among the visible sections
    shown: list[str]  # codes of the visible questions
    missing: list[str]  # codes still needing an answer before submission
    answered: int

    @property
    def code(self) -> str:
        return self.section["code"]

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
    result = []
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
        response = current.get(questionnaire.id)
        version = response.version if response else published.get(questionnaire.id)
        values, other = stored[response.id] if response else ({}, {})
        result.append(status_from(action, questionnaire, version, response, values, other))
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
def _last_decision() -> Select[tuple[ResponseEvent]]:
    return (
        select(ResponseEvent)
        .where(
            ResponseEvent.response_id == bindparam("response_id"),
            ResponseEvent.to_state.in_(_DECISIONS),
        )
        .order_by(ResponseEvent.id.desc())
        .limit(1)
    )
