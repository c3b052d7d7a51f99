"""Model rows as the JSON documents described in openapi.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..models import Action, Organisation, QuestionnaireVersion, Response, User
from ..services.responding import deadlines
from ..services.results.disclosure import Audience


def timestamp(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def action_json(action: Action, questionnaire: Any, published: int | None) -> dict[str, Any]:
    return {
        "number": action.number,
        "title": action.title,
        "short_title": action.short_title,
        "pillar": {
            "key": action.pillar.key,
            "label": action.pillar.label,
            "title": action.pillar.title,
        },
        "perspective": {"key": action.perspective.key, "title": action.perspective.title},
        "questionnaire": (
            {
                "code": questionnaire.code,
                "is_open": deadlines.is_open(questionnaire),
                "published_version": published,
            }
            if questionnaire is not None
            else None
        ),
    }


def version_json(version: QuestionnaireVersion, *, definition: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {
        "number": version.number,
        "status": version.status.value,
        "title": version.title,
        "checksum": version.checksum,
        "created_at": timestamp(version.created_at),
        "published_at": timestamp(version.published_at),
    }
    if definition:
        result["definition"] = version.definition
    return result


def organisation_json(org: Organisation, recorded: Response | None = None) -> dict[str, Any]:
    """The organisation; with ``recorded``, as that response recorded it at submission
    (what the results count it as), today's values for a response never submitted."""
    if recorded is not None and recorded.org_kind is not None:
        name, kind, country = recorded.org_name, recorded.org_kind, recorded.org_country
        size = recorded.org_size_band
    else:
        name, kind, country, size = org.name, org.kind, org.country, org.size_band
    return {
        "id": org.id,
        "name": name,
        "kind": kind.value,
        "country": country,
        "size_band": size.value if size else None,
    }


def response_json(
    response: Response, action_number: int, version_number: int, org: Organisation
) -> dict[str, Any]:
    return {
        "id": response.id,
        "reference": response.reference,
        "action": action_number,
        "version": version_number,
        "organisation": organisation_json(org, recorded=response),
        "state": response.state.value,
        "created_at": timestamp(response.created_at),
        "updated_at": timestamp(response.updated_at),
        "submitted_at": timestamp(response.submitted_at),
        "accepted_at": timestamp(response.accepted_at),
    }


def answer_json(code: str, item: str, value: str, other: str | None, score: float | None):
    return {"question": code, "item": item, "value": value, "other_text": other, "score": score}


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role.value,
        "organisation": organisation_json(user.organisation) if user.organisation else None,
        "led_actions": sorted(user.led_action_numbers),
    }


def scope_json(audience: Audience) -> dict[str, Any]:
    """Whose responses the results count and the smallest cell shown (null: all, none)."""
    return {
        "actions": None if audience.actions is None else sorted(audience.actions),
        "min_organisations": audience.min_orgs if audience.suppresses else None,
    }
