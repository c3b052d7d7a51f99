"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Kept next to the routes it describes; tests/test_api_schemathesis.py runs schemathesis
against the app with it, so a difference between the two fails the build."""

from __future__ import annotations

from typing import Any

from ..models import OrgKind

NULLABLE_STRING = {"type": ["string", "null"]}
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(
    summary: str,
    ok: dict[str, Any],
    *,
    parameters: list[dict[str, Any]] | None = None,
    errors: tuple[int, ...] = (),
    operation_id: str,
) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": ok}
    texts = {
        400: "A query parameter is not valid; the message says which.",
        403: "The token's account may not see this.",
        404: "Nothing at this address that the token's account can see.",
    }
    for status in errors:
        responses[str(status)] = _error(texts[status])
    responses["401"] = _error("No token, or an unknown or revoked one.")
    responses["429"] = _error("Too many requests with this token; wait and try again.")
    return {
        "summary": summary,
        "operationId": operation_id,
        "parameters": parameters or [],
        "responses": responses,
    }


_STAT = {
    "score": {"type": ["number", "null"], "description": "Mean response score, 0-100."},
    "n": {
        "type": ["integer", "null"],
        "minimum": 0,
        "description": "Responses counted (null when suppressed).",
    },
    "sd": {"type": ["number", "null"]},
    "ci_low": {"type": ["number", "null"]},
    "ci_high": {"type": ["number", "null"]},
    "suppressed": {
        "type": "boolean",
        "description": "True when the figures are hidden by disclosure control (fewer "
        "organisations than scope.min_organisations, or hidden so that such a cell "
        "cannot be worked out from the others): every figure is then null.",
    },
}
_STAT_REQUIRED = ["score", "n", "sd", "ci_low", "ci_high", "suppressed"]
THEME_RESULT = {
    "type": "object",
    "required": ["key", "title", *_STAT_REQUIRED],
    "properties": {
        "key": {"type": "string"},
        "title": {"type": "string"},
        **_STAT,
    },
    "additionalProperties": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["group", "label", *_STAT_REQUIRED],
            "properties": {"group": {"type": "string"}, "label": {"type": "string"}, **_STAT},
        },
    },
}
RESULT_DIMENSIONS = ("action", "perspective", "pillar", "kind", "country", "size")
RESULT_FILTERS = [
    {
        "name": "by",
        "in": "query",
        "description": "Breakdowns, comma-separated: " + ", ".join(RESULT_DIMENSIONS) + ".",
        "schema": {"type": "string", "pattern": "^[a-z,]*$"},
    },
    {
        "name": "state",
        "in": "query",
        "description": "accepted (default), or submitted: accepted and awaiting review.",
        "schema": {"type": "string", "enum": ["accepted", "submitted"]},
    },
    {
        "name": "org_kind",
        "in": "query",
        "schema": {"type": "string", "enum": [k.value for k in OrgKind]},
    },
    {
        "name": "country",
        "in": "query",
        "description": "ISO 3166-1 alpha-2 code of the organisation's country.",
        "schema": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
    },
    {
        "name": "as_of",
        "in": "query",
        "description": "Figures as of this day: only the responses accepted by its end (UTC) "
        "count, so a published figure can be reproduced (implies state accepted).",
        "schema": {"type": "string", "format": "date"},
    },
]

ACTION_NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "description": "The action number (1 to 11).",
    "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647},
    "example": 1,
}
RESPONSE_FILTERS = [
    {
        "name": "state",
        "in": "query",
        "description": "accepted (default); submitted: awaiting review or accepted; "
        "all: every state but draft.",
        "schema": {"type": "string", "enum": ["accepted", "submitted", "all"]},
    },
    {
        "name": "submitted_from",
        "in": "query",
        "description": "Submitted on or after this day (UTC).",
        "schema": {"type": "string", "format": "date"},
    },
    {
        "name": "submitted_to",
        "in": "query",
        "description": "Submitted on or before this day (UTC); not before submitted_from.",
        "schema": {"type": "string", "format": "date"},
    },
    {
        "name": "org_kind",
        "in": "query",
        "schema": {"type": "string", "enum": [k.value for k in OrgKind]},
    },
    {
        "name": "country",
        "in": "query",
        "description": "ISO 3166-1 alpha-2 code of the organisation's country.",
        "schema": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
    },
    {
        "name": "limit",
        "in": "query",
        "description": "Responses per page (default 100).",
        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
    },
    {
        "name": "cursor",
        "in": "query",
        "description": "next_cursor of the previous page (opaque).",
        "schema": {"type": "string"},
    },
]

SCHEMAS: dict[str, Any] = {
    "ThemeResult": THEME_RESULT,
    "ResultScope": {
        "type": "object",
        "description": "Whose responses the figures count and the smallest cell shown: "
        "leaders get the actions they lead only, with cells of fewer organisations hidden.",
        "required": ["actions", "min_organisations"],
        "properties": {
            "actions": {
                "type": ["array", "null"],
                "items": {"type": "integer"},
                "description": "The actions whose responses count; null: every action.",
            },
            "min_organisations": {
                "type": ["integer", "null"],
                "description": "Cells of fewer organisations are suppressed; null: none is.",
            },
        },
    },
    "Error": {
        "type": "object",
        "required": ["error", "message", "status"],
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "status": {"type": "integer"},
            "request_id": {"type": "string"},
        },
    },
    "Organisation": {
        "type": "object",
        "required": ["id", "name", "kind", "country", "size_band"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": [k.value for k in OrgKind]},
            "country": {"type": "string"},
            "size_band": {
                "type": ["string", "null"],
                "enum": ["small", "medium", "large", "metropolitan", None],
            },
        },
    },
    "Me": {
        "type": "object",
        "required": ["id", "email", "display_name", "role", "organisation", "led_actions"],
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "display_name": {"type": "string"},
            "role": {"type": "string", "enum": ["admin", "coordinator", "leader", "respondent"]},
            "organisation": {"oneOf": [_ref("Organisation"), {"type": "null"}]},
            "led_actions": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "Action": {
        "type": "object",
        "required": ["number", "title", "short_title", "pillar", "perspective", "questionnaire"],
        "properties": {
            "number": {"type": "integer"},
            "title": {"type": "string"},
            "short_title": {"type": "string"},
            "pillar": {
                "type": "object",
                "required": ["key", "label", "title"],
                "properties": {
                    "key": {"type": "string"},
                    "label": {"type": "string"},
                    "title": {"type": "string"},
                },
            },
            "perspective": {
                "type": "object",
                "required": ["key", "title"],
                "properties": {"key": {"type": "string"}, "title": {"type": "string"}},
            },
            "questionnaire": {
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["code", "is_open", "published_version"],
                        "properties": {
                            "code": {"type": "string"},
                            "is_open": {"type": "boolean"},
                            "published_version": {"type": ["integer", "null"]},
                        },
                    },
                    {"type": "null"},
                ]
            },
        },
    },
    "Version": {
        "type": "object",
        "required": ["number", "status", "title", "checksum", "created_at", "published_at"],
        "properties": {
            "number": {"type": "integer"},
            "status": {"type": "string", "enum": ["draft", "published", "archived"]},
            "title": {"type": "string"},
            "checksum": {"type": "string"},
            "created_at": TIMESTAMP,
            "published_at": TIMESTAMP,
        },
    },
    "VersionWithDefinition": {
        "allOf": [
            _ref("Version"),
            {
                "type": "object",
                "required": ["definition"],
                "properties": {
                    "definition": {
                        "type": "object",
                        "description": "The normalised definition (docs/questionnaire-format.md).",
                    }
                },
            },
        ]
    },
    "Response": {
        "type": "object",
        "required": [
            "id",
            "reference",
            "action",
            "version",
            "organisation",
            "state",
            "created_at",
            "updated_at",
            "submitted_at",
            "accepted_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "reference": {"type": "string"},
            "action": {"type": "integer"},
            "version": {"type": "integer"},
            "organisation": _ref("Organisation"),
            "state": {
                "type": "string",
                "enum": ["draft", "submitted", "returned", "accepted", "rejected"],
            },
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "submitted_at": TIMESTAMP,
            "accepted_at": TIMESTAMP,
        },
    },
    "Answer": {
        "type": "object",
        "required": ["question", "item", "value", "other_text", "score"],
        "properties": {
            "question": {"type": "string", "description": "The question code."},
            "item": {"type": "string", "description": "Matrix item code; empty otherwise."},
            "value": {
                "type": "string",
                "description": "The canonical value (docs/questionnaire-format.md).",
            },
            "other_text": NULLABLE_STRING,
            "score": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        },
    },
    "ResponseWithAnswers": {
        "allOf": [
            _ref("Response"),
            {
                "type": "object",
                "required": ["answers"],
                "properties": {"answers": {"type": "array", "items": _ref("Answer")}},
            },
        ]
    },
}


def document() -> dict[str, Any]:
    """The OpenAPI document (a fresh dict each time)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tympanum API",
            "version": "1",
            "description": "Read-only access to actions, questionnaire versions and "
            "responses. Authenticate with a personal API token (API tokens page): "
            "`Authorization: Bearer tymp_...`. A token sees what its account sees.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/me": {
                "get": _operation(
                    "The account the token belongs to",
                    _ok("The account.", _ref("Me")),
                    operation_id="getMe",
                )
            },
            "/actions": {
                "get": _operation(
                    "The actions the account may see",
                    _ok(
                        "The actions, by number.",
                        {
                            "type": "object",
                            "required": ["data"],
                            "properties": {"data": {"type": "array", "items": _ref("Action")}},
                        },
                    ),
                    operation_id="listActions",
                )
            },
            "/actions/{number}": {
                "get": _operation(
                    "One action",
                    _ok("The action.", _ref("Action")),
                    parameters=[ACTION_NUMBER],
                    errors=(403, 404),
                    operation_id="getAction",
                )
            },
            "/actions/{number}/versions": {
                "get": _operation(
                    "The questionnaire versions of an action (drafts: administrators only)",
                    _ok(
                        "The versions, oldest first.",
                        {
                            "type": "object",
                            "required": ["data"],
                            "properties": {"data": {"type": "array", "items": _ref("Version")}},
                        },
                    ),
                    parameters=[ACTION_NUMBER],
                    errors=(403, 404),
                    operation_id="listVersions",
                )
            },
            "/actions/{number}/versions/{version}": {
                "get": _operation(
                    "One questionnaire version with its definition",
                    _ok("The version.", _ref("VersionWithDefinition")),
                    parameters=[
                        ACTION_NUMBER,
                        {
                            "name": "version",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647},
                            "example": 1,
                        },
                    ],
                    errors=(403, 404),
                    operation_id="getVersion",
                )
            },
            "/actions/{number}/responses": {
                "get": _operation(
                    "The responses to an action, by id, a page at a time "
                    "(respondents: their organisation's only)",
                    _ok(
                        "A page of responses; next_cursor is null on the last page.",
                        {
                            "type": "object",
                            "required": ["data", "next_cursor"],
                            "properties": {
                                "data": {"type": "array", "items": _ref("Response")},
                                "next_cursor": NULLABLE_STRING,
                            },
                        },
                    ),
                    parameters=[ACTION_NUMBER, *RESPONSE_FILTERS],
                    errors=(400, 403, 404),
                    operation_id="listResponses",
                )
            },
            "/responses/{id}": {
                "get": _operation(
                    "One response with its answers",
                    _ok("The response.", _ref("ResponseWithAnswers")),
                    parameters=[
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647},
                            "example": 1,
                        }
                    ],
                    errors=(404,),
                    operation_id="getResponse",
                )
            },
            "/results/themes": {
                "get": _operation(
                    "The five recommendation themes: score (0-100), n, sd, 95% interval",
                    _ok(
                        "One object per theme, with a list per breakdown asked for.",
                        {
                            "type": "object",
                            "required": ["data", "filters", "scope"],
                            "properties": {
                                "data": {"type": "array", "items": _ref("ThemeResult")},
                                "filters": {"type": "object"},
                                "scope": _ref("ResultScope"),
                            },
                        },
                    ),
                    parameters=RESULT_FILTERS,
                    errors=(400, 403),
                    operation_id="getThemeResults",
                )
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "getOpenApi",
                    "security": [],
                    "responses": {
                        "200": _ok("The OpenAPI document.", {"type": "object"}),
                        "429": _error("Too many requests; wait and try again."),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token: tymp_...",
                }
            },
            "schemas": SCHEMAS,
        },
    }
