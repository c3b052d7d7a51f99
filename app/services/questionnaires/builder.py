"""The questionnaire builder's writes to a draft, and what its pages show about one.

The draft is the questionnaire's draft ``QuestionnaireVersion``; the builder edits its
definition dict (``editing``) and saves it here: written as YAML and read back through the
validator, exactly as an uploaded file, so the YAML stays the single model. A valid draft
gets its question rows rebuilt; one with problems is kept as edited (no rows) with its
problem count, and cannot be published. Every write claims the draft's next revision
first: a write based on an older revision is refused (``DraftConflict``), never merged.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from ...definitions.model import checksum, to_yaml
from ...definitions.schema import LANGUAGES, THEME_KEYS
from ...definitions.validate import DefinitionError, ValidationResult, is_scorable, validate_text
from ...i18n import pick
from ...models import Question, Questionnaire, QuestionnaireVersion, User, VersionStatus
from .. import audit
from . import editing
from .versions import (
    FrozenVersionError,
    QuestionnaireError,
    draft_version,
    published_version,
    rebuild_rows,
)

SOURCES = ("published", "empty", "copy")


class DraftConflict(QuestionnaireError):
    """Someone saved the draft since the page this write came from was shown."""

    def __init__(self, draft: QuestionnaireVersion, expected: int) -> None:
        super().__init__(
            f"the draft was saved by someone else (revision {draft.revision}, "
            f"your page showed revision {expected})"
        )
        self.draft = draft
        self.expected = expected


@dataclass
class Saved:
    draft: QuestionnaireVersion
    errors: list[DefinitionError]


def check(definition: dict[str, Any]) -> tuple[ValidationResult, str]:
    """Validate a builder definition the way a file is validated: as its YAML."""
    try:
        text = to_yaml(definition)
    except (KeyError, TypeError, AttributeError) as error:
        problem = DefinitionError("", f"the draft cannot be written as YAML: {error}")
        return ValidationResult(None, [problem]), ""
    return validate_text(text, "draft", own=True), text


def problems(draft: QuestionnaireVersion) -> list[DefinitionError]:
    """The validator's findings on the saved draft (none when it has no problems)."""
    if not draft.problems:
        return []
    return check(draft.definition)[0].errors


def ensure_current(draft: QuestionnaireVersion, revision: int) -> None:
    if draft.is_frozen:
        raise FrozenVersionError("this version is published: start a new draft to change it")
    if draft.revision != revision:
        raise DraftConflict(draft, revision)


def _store(session: Session, draft: QuestionnaireVersion, definition: dict[str, Any]) -> Saved:
    result, text = check(definition)
    stored = result.definition if result.ok else copy.deepcopy(definition)
    assert stored is not None
    draft.definition = stored
    draft.source = text
    draft.checksum = checksum(stored)
    draft.problems = len(result.errors)
    title = pick(stored.get("title"), "en").strip() or draft.questionnaire.code
    draft.title = title[:300]
    rebuild_rows(session, draft, stored if result.ok else None)
    session.flush()
    return Saved(draft, result.errors)


def save(
    session: Session,
    draft: QuestionnaireVersion,
    definition: dict[str, Any],
    *,
    revision: int,
    user: User | None,
    change: str,
    ip: str = "",
    **details: Any,
) -> Saved:
    """Save ``definition`` as the draft if it is still at ``revision`` (else
    DraftConflict); audited as questionnaire.draft_edited with ``change``."""
    ensure_current(draft, revision)
    result = session.execute(
        update(QuestionnaireVersion)
        .where(
            QuestionnaireVersion.id == draft.id,
            QuestionnaireVersion.revision == revision,
            QuestionnaireVersion.status == VersionStatus.DRAFT,
        )
        .values(revision=revision + 1)
        .execution_options(synchronize_session=False)
    )
    claimed = cast(CursorResult[Any], result).rowcount
    session.expire(draft, ["revision"])
    if claimed != 1:  # another write got there between our read and this one
        raise DraftConflict(draft, revision)
    saved = _store(session, draft, definition)
    audit.record(
        session,
        "questionnaire.draft_edited",
        user=user,
        obj=draft,
        ip=ip,
        action=draft.questionnaire.action.number,
        number=draft.number,
        revision=revision + 1,
        change=change,
        problems=len(saved.errors),
        **details,
    )
    return saved


def start_draft(
    session: Session,
    questionnaire: Questionnaire,
    *,
    source: str,
    copies: list[tuple[QuestionnaireVersion, list[str]]] | None = None,
    user: User | None = None,
    ip: str = "",
) -> Saved:
    """A new draft: a copy of the published version, an empty questionnaire, or an empty
    one with sections copied from another action's version (codes kept)."""
    if source not in SOURCES:
        raise QuestionnaireError(f"unknown starting point '{source}'")
    if draft_version(session, questionnaire) is not None:
        raise QuestionnaireError("this questionnaire has a draft already: edit that one")
    action = questionnaire.action
    if source == "published":
        published = published_version(session, questionnaire)
        if published is None:
            raise QuestionnaireError("there is no published version to start from")
        definition = copy.deepcopy(published.definition)
    else:
        definition = editing.empty_definition(action.number, questionnaire.code, action.title)
        if source == "copy":
            if not copies or not any(codes for _, codes in copies):
                raise QuestionnaireError("choose the sections to copy")
            for version, codes in copies:
                definition = editing.copy_sections(definition, version.definition, codes)
    latest = session.scalar(
        select(func.max(QuestionnaireVersion.number)).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id
        )
    )
    draft = QuestionnaireVersion(
        questionnaire=questionnaire,
        number=(latest or 0) + 1,
        title=action.title[:300],
        definition=definition,
        checksum="",
        created_by_id=user.id if user else None,
    )
    session.add(draft)
    session.flush()
    saved = _store(session, draft, definition)
    audit.record(
        session,
        "questionnaire.draft_started",
        user=user,
        obj=draft,
        ip=ip,
        action=action.number,
        number=draft.number,
        source=source,
        copied=[
            f"action {version.questionnaire.action.number}: {', '.join(codes)}"
            for version, codes in copies or []
        ],
    )
    return saved


def published_codes(session: Session, questionnaire: Questionnaire) -> set[str]:
    """Codes of questions that were ever published: fixed, results are kept under them."""
    return set(
        session.scalars(
            select(Question.code)
            .join(QuestionnaireVersion, QuestionnaireVersion.id == Question.version_id)
            .where(
                QuestionnaireVersion.questionnaire_id == questionnaire.id,
                QuestionnaireVersion.status != VersionStatus.DRAFT,
            )
            .distinct()
        )
    )


# --- what the pages show about a draft ----------------------------------------------------


@dataclass
class Coverage:
    weights: dict[str, float]  # theme key -> sum of weights over the draft's scored questions
    questions: dict[str, int]  # theme key -> how many questions (or matrix items) feed it
    feeding_nothing: list[dict[str, Any]]  # questions that feed no theme
    lost: list[str]  # themes fed by the published version and by nothing in the draft


def _theme_weights(q: dict[str, Any]) -> Iterator[tuple[str, float]]:
    try:
        if q.get("type") == "matrix":
            for item in q.get("items", []):
                yield from (item.get("themes") or {}).items()
        elif is_scorable(q):
            yield from (q.get("themes") or {}).items()
    except (KeyError, TypeError, AttributeError):
        return


def _questions(definition: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for section in definition.get("sections", []):
        yield from section.get("questions", [])


def coverage(definition: dict[str, Any], published: dict[str, Any] | None) -> Coverage:
    weights = dict.fromkeys(THEME_KEYS, 0.0)
    counts = dict.fromkeys(THEME_KEYS, 0)
    nothing = []
    for q in _questions(definition):
        fed = False
        for key, weight in _theme_weights(q):
            if key in weights and isinstance(weight, int | float) and weight > 0:
                weights[key] += float(weight)
                counts[key] += 1
                fed = True
        if not fed:
            nothing.append(q)
    before = dict.fromkeys(THEME_KEYS, 0.0)
    for q in _questions(published or {}):
        for key, weight in _theme_weights(q):
            if key in before:
                before[key] += float(weight)
    lost = [key for key in THEME_KEYS if before[key] > 0 and weights[key] == 0]
    return Coverage(weights, counts, nothing, lost)


@dataclass
class LanguageStatus:
    lang: str
    done: int = 0
    total: int = 0
    missing: list[str] = field(default_factory=list)  # paths of texts without this language

    @property
    def complete(self) -> bool:
        return self.done == self.total


def texts(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, str]]]:
    """(path, {lang: text}) for every text of a definition, in order."""

    def one(path: str, value: Any) -> Iterator[tuple[str, dict[str, str]]]:
        if isinstance(value, dict) and value:
            yield path, value

    yield from one("title", definition.get("title"))
    yield from one("introduction", definition.get("introduction"))
    for s_index, section in enumerate(definition.get("sections", [])):
        s_path = f"sections[{s_index}]"
        yield from one(f"{s_path}.title", section.get("title"))
        yield from one(f"{s_path}.intro", section.get("intro"))
        for q_index, q in enumerate(section.get("questions", [])):
            q_path = f"{s_path}.questions[{q_index}]"
            for key in ("label", "help", "unit"):
                yield from one(f"{q_path}.{key}", q.get(key))
            for kind in ("options", "items"):
                for index, part in enumerate(q.get(kind, [])):
                    yield from one(f"{q_path}.{kind}[{index}].label", part.get("label"))
            for end in ("low", "high"):
                yield from one(f"{q_path}.labels.{end}", (q.get("labels") or {}).get(end))
            for index, text in enumerate(q.get("point_labels", [])):
                yield from one(f"{q_path}.point_labels[{index}]", text)


def translation_status(definition: dict[str, Any]) -> list[LanguageStatus]:
    """Per language: how many of the draft's texts it has, and which it lacks."""
    statuses = {lang: LanguageStatus(lang) for lang in LANGUAGES}
    for path, value in texts(definition):
        for lang, status in statuses.items():
            status.total += 1
            if (value.get(lang) or "").strip():
                status.done += 1
            else:
                status.missing.append(path)
    return list(statuses.values())
