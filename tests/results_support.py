"""Helpers for the results tests: small questionnaires and responses made through the
same services the app uses (import, publish, start, save, submit, review)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import yaml
from sqlalchemy import select

from app.definitions.validate import validate_text
from app.models import (
    Action,
    Organisation,
    OrgKind,
    Questionnaire,
    Response,
    ResponseState,
    SizeBand,
)
from app.services.questionnaires import versions as qservice
from app.services.responding import responses as rservice


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # definition files take no aliases: a repeated object is written out


def publish(session, data: dict[str, Any]) -> Questionnaire:
    """Validate, import and publish a definition given as a dict; returns the questionnaire."""
    text = yaml.dump(data, Dumper=_NoAliases, sort_keys=False)
    result = validate_text(text, "test.yaml")
    assert result.ok, [str(e) for e in result.errors]
    outcome = qservice.import_definition(session, result)
    qservice.publish(session, outcome.version.questionnaire)
    session.flush()
    return outcome.version.questionnaire


def definition(action: int, questions: list[dict[str, Any]], code: str = "") -> dict[str, Any]:
    return {
        "action": action,
        "code": code or f"t{action:02d}",
        "title": f"Test questionnaire {action}",
        "sections": [{"code": "main", "title": "Main", "questions": questions}],
    }


def organisation(
    session,
    name: str,
    kind: str = "city",
    country: str = "DE",
    size: str | None = "medium",
    actions: tuple[int, ...] = (),
) -> Organisation:
    org = Organisation(
        name=name,
        kind=OrgKind(kind),
        country=country,
        size_band=SizeBand(size) if size and kind == "city" else None,
    )
    if actions:
        org.actions = list(session.scalars(select(Action).where(Action.number.in_(actions))))
    session.add(org)
    session.flush()
    return org


def respond(
    session,
    questionnaire: Questionnaire,
    org: Organisation,
    values: dict[str, Any],
    other: dict[str, str] | None = None,
    state: str = "accepted",
    submitted_at: datetime | None = None,
) -> Response:
    """A response in ``state``, moved there through the response service's rules."""
    response = rservice.start_response(session, org, questionnaire, None)
    rservice.save_answers(session, response, values, other or {}, user=None, expected_lock=None)
    if state != "draft":
        rservice.submit(session, response, user=None)
        session.refresh(response)
        if state in ("accepted", "returned", "rejected"):
            comment = None if state == "accepted" else "test"
            rservice.transition(session, response, ResponseState(state), user=None, comment=comment)
        if submitted_at is not None:
            response.submitted_at = submitted_at.astimezone(UTC)
    session.flush()
    return response
