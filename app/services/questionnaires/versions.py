"""Questionnaire versions: import a validated definition as a draft, publish it (frozen
from then on), export it back to YAML, and diff a draft against the published version."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, event, func, inspect, select
from sqlalchemy.orm import Session, contains_eager, lazyload

from ...definitions.model import Definition, checksum, to_yaml
from ...definitions.validate import ValidationResult, is_scorable
from ...models import (
    Action,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    QuestionOption,
    Theme,
    ThemeWeight,
    User,
    VersionStatus,
    utcnow,
)
from .. import audit


class QuestionnaireError(ValueError):
    """A questionnaire operation that cannot be done; the message says why and what to do."""


class FrozenVersionError(QuestionnaireError):
    pass


@dataclass
class ImportResult:
    version: QuestionnaireVersion
    status: str  # "created", "replaced", "unchanged"
    message: str


@cache
def _questionnaire_of_action() -> Select[Questionnaire]:
    # Built once (every respondent page asks); the action comes with it, its pillar and
    # perspective only when asked for.
    return (
        select(Questionnaire)
        .join(Questionnaire.action)
        .options(
            contains_eager(Questionnaire.action).options(
                lazyload(Action.pillar), lazyload(Action.perspective)
            )
        )
        .where(Action.number == bindparam("number"))
    )


def questionnaire_for_action(session: Session, number: int) -> Questionnaire | None:
    """The questionnaire of the action numbered ``number``, with its action."""
    return session.scalar(_questionnaire_of_action(), {"number": number})


@cache
def _published_version() -> Select[QuestionnaireVersion]:
    return select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == bindparam("questionnaire_id"),
        QuestionnaireVersion.status == VersionStatus.PUBLISHED,
    )


def published_version(
    session: Session, questionnaire: Questionnaire
) -> QuestionnaireVersion | None:
    return session.scalar(_published_version(), {"questionnaire_id": questionnaire.id})


def draft_version(session: Session, questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    return session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id,
            QuestionnaireVersion.status == VersionStatus.DRAFT,
        )
    )


def import_definition(
    session: Session, result: ValidationResult, *, user: User | None = None
) -> ImportResult:
    """Create (or replace) the draft version of a questionnaire from a valid definition."""
    if not result.ok or result.definition is None:
        raise QuestionnaireError("the definition has errors; run `questionnaires validate` first")
    definition = result.definition
    number = definition["action"]
    action = session.scalar(select(Action).where(Action.number == number))
    if action is None:
        raise QuestionnaireError(
            f"action {number} does not exist: run `flask --app wsgi seed` first"
        )
    questionnaire = session.scalar(
        select(Questionnaire).where(Questionnaire.action_id == action.id)
    )
    if questionnaire is None:
        other = session.scalar(
            select(Questionnaire).where(Questionnaire.code == definition["code"])
        )
        if other is not None:
            raise QuestionnaireError(
                f"the code '{definition['code']}' is already used by action {other.action.number}'s questionnaire"
            )
        questionnaire = Questionnaire(action=action, code=definition["code"])
        session.add(questionnaire)
        session.flush()
    elif questionnaire.code != definition["code"]:
        raise QuestionnaireError(
            f"action {number}'s questionnaire has the code '{questionnaire.code}', the file says "
            f"'{definition['code']}': a questionnaire's code never changes"
        )
    digest = checksum(definition)
    published = published_version(session, questionnaire)
    draft = draft_version(session, questionnaire)
    if draft is None and published is not None and published.checksum == digest:
        return ImportResult(
            published,
            "unchanged",
            f"action {number}: same as published version {published.number}; nothing to do",
        )
    if draft is not None and draft.checksum == digest:
        return ImportResult(
            draft,
            "unchanged",
            f"action {number}: same as draft version {draft.number}; nothing to do",
        )
    status = "replaced" if draft is not None else "created"
    if draft is None:
        latest = session.scalar(
            select(func.max(QuestionnaireVersion.number)).where(
                QuestionnaireVersion.questionnaire_id == questionnaire.id
            )
        )
        draft = QuestionnaireVersion(questionnaire=questionnaire, number=(latest or 0) + 1)
        session.add(draft)
    else:
        for question in list(draft.questions):
            draft.questions.remove(question)
        session.flush()
        draft.revision = (draft.revision or 0) + 1  # a builder page open on it is now stale
    draft.problems = 0
    draft.title = definition["title"]["en"][:300]
    draft.definition = definition
    draft.source = result.source
    draft.checksum = digest
    draft.created_by_id = user.id if user else None
    draft.created_at = utcnow()
    _build_rows(session, draft, definition)
    session.flush()
    verb = "created" if status == "created" else "replaced"
    return ImportResult(draft, status, f"action {number}: draft version {draft.number} {verb}")


def rebuild_rows(
    session: Session, version: QuestionnaireVersion, definition: dict[str, Any] | None
) -> None:
    """Replace a draft's question, option and weight rows by ``definition``'s (None: no
    rows, for a draft whose definition has problems)."""
    for question in list(version.questions):
        version.questions.remove(question)
    session.flush()
    if definition is not None:
        _build_rows(session, version, definition)


def _build_rows(
    session: Session, version: QuestionnaireVersion, definition: dict[str, Any]
) -> None:
    themes = {t.key: t for t in session.scalars(select(Theme))}
    position = 0
    for s_index, section in enumerate(definition["sections"]):
        for q in section["questions"]:
            question = Question(
                code=q["code"],
                position=position,
                section_code=section["code"],
                section_position=s_index,
                qtype=q["type"],
                required=q["required"],
                points=q.get("points"),
                score_min=q.get("scoring", {}).get("min"),
                score_max=q.get("scoring", {}).get("max"),
                spec=q,
            )
            position += 1
            for index, option in enumerate(q.get("options", [])):
                question.options.append(
                    QuestionOption(
                        kind="option",
                        code=option["code"],
                        position=index,
                        score=option.get("score"),
                        label=option["label"],
                    )
                )
            for index, item in enumerate(q.get("items", [])):
                question.options.append(
                    QuestionOption(
                        kind="item",
                        code=item["code"],
                        position=index,
                        score=None,
                        label=item["label"],
                    )
                )
                for key, weight in item["themes"].items():
                    question.weights.append(
                        ThemeWeight(item=item["code"], theme=themes[key], weight=weight)
                    )
            if q["type"] != "matrix" and is_scorable(q):
                for key, weight in q.get("themes", {}).items():
                    question.weights.append(ThemeWeight(item="", theme=themes[key], weight=weight))
            version.questions.append(question)


def publish(
    session: Session, questionnaire: Questionnaire, *, user: User | None = None
) -> QuestionnaireVersion:
    """Publish the draft: it becomes the version respondents answer; the previous
    published version is archived (its responses keep pointing at it)."""
    draft = draft_version(session, questionnaire)
    if draft is None:
        raise QuestionnaireError(
            f"action {questionnaire.action.number} has no draft to publish: import a definition file first"
        )
    if draft.problems:
        raise QuestionnaireError(
            f"the draft has {draft.problems} problem(s): fix them in the builder first"
        )
    previous = published_version(session, questionnaire)
    if previous is not None:
        previous.status = VersionStatus.ARCHIVED
        session.flush()
    draft.status = VersionStatus.PUBLISHED
    draft.published_at = utcnow()
    draft.published_by_id = user.id if user else None
    session.flush()
    return draft


def set_open(
    session: Session,
    questionnaire: Questionnaire,
    is_open: bool,
    *,
    user: User | None = None,
    actor: str | None = None,
    ip: str = "",
) -> bool:
    """Open or close a questionnaire (closed: respondents can read but not edit or
    submit); audited as questionnaire.opened / questionnaire.closed. False if unchanged."""
    if questionnaire.is_open == is_open:
        return False
    questionnaire.is_open = is_open
    audit.record(
        session,
        "questionnaire.opened" if is_open else "questionnaire.closed",
        user=user,
        actor=actor,
        obj=questionnaire,
        ip=ip,
        action=questionnaire.action.number,
    )
    return True


def set_deadline(
    session: Session,
    questionnaire: Questionnaire,
    deadline: date | None,
    *,
    user: User | None = None,
    actor: str | None = None,
    ip: str = "",
) -> bool:
    """Set (or clear, with None) the deadline shown to respondents; audited as
    questionnaire.deadline_set. False if unchanged."""
    if questionnaire.deadline == deadline:
        return False
    before = questionnaire.deadline
    questionnaire.deadline = deadline
    audit.record(
        session,
        "questionnaire.deadline_set",
        user=user,
        actor=actor,
        obj=questionnaire,
        ip=ip,
        action=questionnaire.action.number,
        before=before.isoformat() if before else None,
        after=deadline.isoformat() if deadline else None,
    )
    return True


def export_yaml(version: QuestionnaireVersion) -> str:
    return to_yaml(version.definition)


# --- diff ---------------------------------------------------------------------------------


@dataclass
class Diff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # code -> what changed
    sections: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.sections)

    def lines(self) -> list[str]:
        out = [f"+ question {c}" for c in self.added]
        out += [f"- question {c}" for c in self.removed]
        for code, changes in self.changed.items():
            out.append(f"~ question {code}: " + "; ".join(changes))
        out += [f"~ {s}" for s in self.sections]
        return out


def _option_changes(old: list[dict[str, Any]], new: list[dict[str, Any]], what: str) -> list[str]:
    old_by = {o["code"]: o for o in old}
    new_by = {o["code"]: o for o in new}
    changes = [f"{what} {c} added" for c in new_by if c not in old_by]
    changes += [f"{what} {c} removed" for c in old_by if c not in new_by]
    for code in old_by.keys() & new_by.keys():
        for key in sorted(set(old_by[code]) | set(new_by[code])):
            if old_by[code].get(key) != new_by[code].get(key):
                changes.append(f"{what} {code} {key} changed")
    if [c for c in old_by if c in new_by] != [c for c in new_by if c in old_by]:
        changes.append(f"{what}s reordered")
    return changes


def diff_definitions(old: dict[str, Any], new: dict[str, Any]) -> Diff:
    result = Diff()
    old_defn, new_defn = Definition(old), Definition(new)
    old_q, new_q = old_defn.by_code, new_defn.by_code
    result.added = [c for c in new_q if c not in old_q]
    result.removed = [c for c in old_q if c not in new_q]
    for code in [c for c in new_q if c in old_q]:
        a, b = old_q[code], new_q[code]
        changes = []
        for key in sorted(set(a) | set(b)):
            if key in ("options", "items"):
                changes += _option_changes(a.get(key, []), b.get(key, []), key[:-1])
            elif a.get(key) != b.get(key):
                changes.append(f"{key} changed")
        if old_defn.section_of(code)["code"] != new_defn.section_of(code)["code"]:
            changes.append(f"moved to section {new_defn.section_of(code)['code']}")
        if changes:
            result.changed[code] = changes
    old_s = {s["code"]: s for s in old["sections"]}
    for section in new["sections"]:
        before = old_s.get(section["code"])
        if before is None:
            result.sections.append(f"section {section['code']} added")
            continue
        for key in ("title", "intro", "show_if"):
            if before.get(key) != section.get(key):
                result.sections.append(f"section {section['code']} {key} changed")
    for code in old_s:
        if code not in {s["code"] for s in new["sections"]}:
            result.sections.append(f"section {code} removed")
    for key in ("title", "introduction"):
        if old.get(key) != new.get(key):
            result.sections.append(f"questionnaire {key} changed")
    return result


# --- published versions never change ----------------------------------------------------

_VERSION_CONTENT = ("definition", "source", "checksum", "title", "number", "questionnaire_id")
_FROZEN_MESSAGE = (
    "a published questionnaire version never changes: import the edited definition as a "
    "new draft and publish it as the next version"
)


def _committed_status(version: QuestionnaireVersion) -> VersionStatus:
    history = inspect(version).attrs.status.history
    return history.deleted[0] if history.deleted else version.status


def _version_of(obj: Any) -> QuestionnaireVersion | None:
    if isinstance(obj, QuestionnaireVersion):
        return obj
    if isinstance(obj, Question):
        return obj.version
    return obj.question.version if obj.question is not None else None


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_frozen_versions(session: Session, _context: Any, _instances: Any) -> None:
    """The service refuses to edit published versions; this guard makes sure nothing
    else (a script, a future view) can either."""
    frozen_types = (QuestionnaireVersion, Question, QuestionOption, ThemeWeight)
    for obj in [*session.dirty, *session.deleted, *session.new]:
        if not isinstance(obj, frozen_types):
            continue
        version = _version_of(obj)
        if version is None or version.id is None:
            continue  # a version being created
        if _committed_status(version) == VersionStatus.DRAFT:
            continue
        if isinstance(obj, QuestionnaireVersion) and obj not in session.deleted:
            state = inspect(obj)
            if not any(state.attrs[name].history.has_changes() for name in _VERSION_CONTENT):
                continue  # status or publication fields only
        elif obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        raise FrozenVersionError(_FROZEN_MESSAGE)


def _committed_status_of_question(connection: Any, question_id: int | None) -> str | None:
    if question_id is None:
        return None
    status: str | None = connection.execute(
        select(QuestionnaireVersion.status)
        .join(Question, Question.version_id == QuestionnaireVersion.id)
        .where(Question.id == question_id)
    ).scalar()
    return status


@event.listens_for(Question, "before_delete")
def _refuse_question_delete(_mapper: Any, connection: Any, target: Question) -> None:
    # Orphan deletes (removing a question from a version) are decided inside the flush,
    # after before_flush has run: check against the database here.
    if _committed_status_of_question(connection, target.id) not in (None, VersionStatus.DRAFT):
        raise FrozenVersionError(_FROZEN_MESSAGE)


@event.listens_for(QuestionOption, "before_delete")
@event.listens_for(ThemeWeight, "before_delete")
def _refuse_option_delete(_mapper: Any, connection: Any, target: Any) -> None:
    if _committed_status_of_question(connection, target.question_id) not in (
        None,
        VersionStatus.DRAFT,
    ):
        raise FrozenVersionError(_FROZEN_MESSAGE)
