"""What the builder's templates need: problems placed beside their part and field, the
questions a condition may refer to, and a part shown as YAML on the conflict page."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import url_for

from ..definitions.model import part_to_yaml
from ..definitions.validate import DefinitionError
from . import builder_input
from .presenters import describe_condition


def fid(name: str) -> str:
    """An HTML id for the field named ``name`` (``options[0].label.de`` -> ``f-options-0-label-de``)."""
    return "f-" + (re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-") or "part")


_PART = re.compile(r"^sections\[(\d+)\](?:\.questions\[(\d+)\])?\.?(.*)$")


@dataclass
class Problem:
    path: str  # where in the draft, e.g. sections[1].questions[2].options[0].score
    field: str  # the field name on its part's page, e.g. options[0].score ("" the part)
    message: str
    url: str  # the page (and anchor) where it is fixed
    where: str  # "question has_regulation", "section practice", "questionnaire"


def place(number: int, definition: dict[str, Any], error: DefinitionError) -> Problem:
    """Which builder page fixes ``error``, and which field on it."""
    match = _PART.match(error.path)
    sections = definition.get("sections", [])
    if match:
        s_index, q_index, rest = int(match[1]), match[2], match[3]
        section = sections[s_index] if s_index < len(sections) else {}
        questions = section.get("questions", [])
        if q_index is not None and int(q_index) < len(questions):
            code = questions[int(q_index)].get("code", "")
            url = url_for(
                "questionnaires.builder_question", number=number, code=code, _anchor=anchor(rest)
            )
            return Problem(error.path, rest, error.message, url, f"question {code}")
        code = section.get("code", "")
        if code and rest != "questions":
            url = url_for(
                "questionnaires.builder_section", number=number, code=code, _anchor=anchor(rest)
            )
            return Problem(error.path, rest, error.message, url, f"section {code}")
        where = f"section {code}"
        return Problem(error.path, "", error.message, _overview(number, code), where)
    if error.path in ("title", "introduction") or error.path.startswith(
        ("title.", "introduction.")
    ):
        url = url_for("questionnaires.builder_settings", number=number, _anchor=anchor(error.path))
        return Problem(error.path, error.path, error.message, url, "questionnaire")
    return Problem(error.path, "", error.message, _overview(number), "questionnaire")


def _overview(number: int, section: str = "") -> str:
    anchor_name = f"section-{section}" if section else "structure"
    return url_for("questionnaires.builder", number=number, _anchor=anchor_name)


def anchor(field: str) -> str:
    """The id of the field (or group) ``field`` names: its first part, made id-safe."""
    return fid(group_of(field))


def errors_by_field(problems: list[Problem]) -> dict[str, list[str]]:
    """Messages keyed by the group they belong to on the page (``options[0]``,
    ``label``, ``show_if``, ``themes``, "" the whole part)."""
    out: dict[str, list[str]] = {}
    for problem in problems:
        out.setdefault(group_of(problem.field), []).append(problem.message)
    return out


def group_of(field: str) -> str:
    if not field:
        return ""
    for prefix in ("options[", "items[", "point_labels["):
        if field.startswith(prefix):
            return field.split("]")[0] + "]"
    return field.split(".")[0].split("[")[0]


def earlier_questions(
    definition: dict[str, Any], code: str | None, section: str | None
) -> list[tuple[dict[str, Any], list[tuple[str, dict[str, str] | str]]]]:
    """The questions before question ``code`` (or before section ``section``), each with
    the values a condition can test, for the condition rows."""
    out: list[tuple[dict[str, Any], list[tuple[str, dict[str, str] | str]]]] = []
    for s in definition.get("sections", []):
        if section is not None and s.get("code") == section:
            return out
        for q in s.get("questions", []):
            if q.get("code") == code:
                return out
            out.append((q, builder_input.condition_values(q)))
    return out


def part_yaml(part: Any) -> str:
    return part_to_yaml(part) if part is not None else ""


def marked_lines(text: str, other: str) -> list[tuple[str, bool]]:
    """``text``'s lines, each with whether ``other`` lacks it (to highlight the change)."""
    theirs = set(other.splitlines())
    return [(line, line not in theirs) for line in text.splitlines()]


def describe(definition: Any, cond: dict[str, Any] | None, lang: str = "en") -> str:
    """A condition in words; one the validator refuses is shown as written."""
    try:
        return describe_condition(definition, cond, lang)
    except (KeyError, TypeError, AttributeError, IndexError):
        return json.dumps(cond, ensure_ascii=False)
