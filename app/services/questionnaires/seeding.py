"""Seed steps beyond the framework: the shipped questionnaires."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...definitions.validate import validate_file
from ...models import QuestionnaireVersion, VersionStatus
from .. import audit
from . import versions as questionnaire_service


def shipped_questionnaire_files() -> list[Path]:
    folder = Path(str(resources.files("app.definitions") / "questionnaires"))
    return sorted(folder.glob("action_*.yaml")) if folder.is_dir() else []


def run_extra_seeds(session: Session) -> Iterator[str]:
    """Import and publish the shipped questionnaires when none is published yet."""
    published = session.scalar(
        select(func.count(QuestionnaireVersion.id)).where(
            QuestionnaireVersion.status != VersionStatus.DRAFT
        )
    )
    if published:
        yield f"Questionnaires: {published} published version(s) exist; shipped files not imported."
        return
    files = shipped_questionnaire_files()
    if not files:
        yield "Questionnaires: no shipped definition files found."
        return
    results = [validate_file(path) for path in files]
    errors = [str(error) for result in results for error in result.errors]
    if errors:
        raise questionnaire_service.QuestionnaireError(
            "the shipped questionnaires have errors:\n" + "\n".join(errors)
        )
    for result in results:
        outcome = questionnaire_service.import_definition(session, result)
        version = questionnaire_service.publish(session, outcome.version.questionnaire)
        audit.record(
            session, "questionnaire.published", actor="seed", obj=version, number=version.number
        )
    yield f"Questionnaires: {len(results)} imported and published."
