"""The JSON Schema of a questionnaire definition file (draft 2020-12).

Editors validate against it while typing; ``validate.py`` runs it first, then checks what
a schema cannot say (unique codes, conditions pointing backwards, ...).
"""

from __future__ import annotations

import json
from typing import Any

THEME_KEYS = (
    "broader_understanding",
    "integrated_approaches",
    "resilience",
    "social_inclusion",
    "identity_democracy",
)
LANGUAGES = ("en", "de", "fr", "it")
QUESTION_TYPES = (
    "single_choice",
    "multiple_choice",
    "likert",
    "matrix",
    "yes_no",
    "number",
    "short_text",
    "long_text",
    "ranking",
    "country",
    "date",
)
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
OPTION_CODE_PATTERN = r"^[a-z0-9][a-z0-9_]*$"

# Keys each question type accepts besides the common ones.
COMMON_QUESTION_KEYS = ("code", "type", "label", "help", "required", "show_if", "themes")
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "single_choice": ("options", "other"),
    "multiple_choice": ("options", "other", "min", "max"),
    "likert": ("points", "labels", "point_labels", "dont_know"),
    "matrix": ("points", "labels", "point_labels", "dont_know", "items"),
    "yes_no": (),
    "number": ("min", "max", "integer", "unit", "scoring"),
    "short_text": ("max_length",),
    "long_text": ("max_length",),
    "ranking": ("options",),
    "country": (),
    "date": ("min", "max"),
}
TYPE_REQUIRED: dict[str, tuple[str, ...]] = {
    "single_choice": ("options",),
    "multiple_choice": ("options",),
    "likert": ("points",),
    "matrix": ("points", "items"),
    "ranking": ("options",),
}


def _text() -> dict[str, Any]:
    return {"$ref": "#/$defs/text"}


def build_schema() -> dict[str, Any]:
    condition_value = {"type": ["string", "integer", "number", "boolean"]}
    type_rules = []
    for qtype in QUESTION_TYPES:
        allowed = COMMON_QUESTION_KEYS + TYPE_KEYS[qtype]
        rule: dict[str, Any] = {
            "if": {"properties": {"type": {"const": qtype}}, "required": ["type"]},
            "then": {"propertyNames": {"enum": list(allowed)}},
        }
        if TYPE_REQUIRED.get(qtype):
            rule["then"]["required"] = list(TYPE_REQUIRED[qtype])
        type_rules.append(rule)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://tympanum.invalid/schema/questionnaire.json",
        "title": "Tympanum questionnaire definition",
        "type": "object",
        "additionalProperties": False,
        "required": ["action", "code", "title", "sections"],
        "properties": {
            "action": {"type": "integer", "minimum": 1, "maximum": 11},
            "code": {"type": "string", "pattern": CODE_PATTERN, "maxLength": 64},
            "title": _text(),
            "introduction": _text(),
            "sections": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/section"}},
        },
        "$defs": {
            "text": {
                "description": "A plain string (English) or a mapping with English required.",
                "oneOf": [
                    {"type": "string", "minLength": 1},
                    {
                        "type": "object",
                        "required": ["en"],
                        "additionalProperties": False,
                        "properties": {
                            lang: {"type": "string", "minLength": 1} for lang in LANGUAGES
                        },
                    },
                ],
            },
            "themes": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"enum": list(THEME_KEYS)},
                "additionalProperties": {"type": "number", "exclusiveMinimum": 0},
            },
            "condition": {
                "type": "object",
                "oneOf": [
                    {
                        "required": ["question"],
                        "additionalProperties": False,
                        "properties": {
                            "question": {"type": "string"},
                            "equals": condition_value,
                            "not_equals": condition_value,
                            "any_of": {"type": "array", "minItems": 1, "items": condition_value},
                            "answered": {"type": "boolean"},
                        },
                        "minProperties": 2,
                        "maxProperties": 2,
                    },
                    {
                        "required": ["all"],
                        "additionalProperties": False,
                        "properties": {
                            "all": {
                                "type": "array",
                                "minItems": 1,
                                "items": {"$ref": "#/$defs/condition"},
                            }
                        },
                    },
                    {
                        "required": ["any"],
                        "additionalProperties": False,
                        "properties": {
                            "any": {
                                "type": "array",
                                "minItems": 1,
                                "items": {"$ref": "#/$defs/condition"},
                            }
                        },
                    },
                ],
            },
            "option": {
                "type": "object",
                "required": ["code", "label"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "pattern": OPTION_CODE_PATTERN, "maxLength": 40},
                    "label": _text(),
                    "score": {"type": "number", "minimum": 0, "maximum": 1},
                },
            },
            "item": {
                "type": "object",
                "required": ["code", "label"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "pattern": OPTION_CODE_PATTERN, "maxLength": 40},
                    "label": _text(),
                    "themes": {"$ref": "#/$defs/themes"},
                },
            },
            "section": {
                "type": "object",
                "required": ["code", "title", "questions"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "pattern": CODE_PATTERN, "maxLength": 40},
                    "title": _text(),
                    "intro": _text(),
                    "show_if": {"$ref": "#/$defs/condition"},
                    "questions": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"$ref": "#/$defs/question"},
                    },
                },
            },
            "question": {
                "type": "object",
                "required": ["code", "type", "label"],
                "properties": {
                    "code": {"type": "string", "pattern": CODE_PATTERN, "maxLength": 40},
                    "type": {"enum": list(QUESTION_TYPES)},
                    "label": _text(),
                    "help": _text(),
                    "required": {"type": "boolean"},
                    "show_if": {"$ref": "#/$defs/condition"},
                    "themes": {"$ref": "#/$defs/themes"},
                    "options": {
                        "type": "array",
                        "minItems": 2,
                        "items": {"$ref": "#/$defs/option"},
                    },
                    "other": {"type": "boolean"},
                    "min": {"type": ["number", "string"]},
                    "max": {"type": ["number", "string"]},
                    "points": {"type": "integer", "minimum": 3, "maximum": 11},
                    "labels": {
                        "type": "object",
                        "required": ["low", "high"],
                        "additionalProperties": False,
                        "properties": {"low": _text(), "high": _text()},
                    },
                    "point_labels": {"type": "array", "items": _text()},
                    "dont_know": {"type": "boolean"},
                    "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/item"}},
                    "integer": {"type": "boolean"},
                    "unit": _text(),
                    "scoring": {
                        "type": "object",
                        "required": ["min", "max"],
                        "additionalProperties": False,
                        "properties": {"min": {"type": "number"}, "max": {"type": "number"}},
                    },
                    "max_length": {"type": "integer", "minimum": 1, "maximum": 20000},
                },
                "allOf": type_rules,
            },
        },
    }


def schema_json() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False)
