"""Conditional questions and completeness: what is shown, what submission still needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Definition
from .common import Msg


def _matches(value: Any, expected: str) -> bool:
    if isinstance(value, list):
        return expected in value
    if isinstance(value, dict):
        return False
    return str(value) == expected


def condition_holds(cond: Mapping[str, Any] | None, values: Mapping[str, Any]) -> bool:
    """Evaluate a ``show_if`` against the values of visible questions."""
    if cond is None:
        return True
    if "all" in cond:
        return all(condition_holds(c, values) for c in cond["all"])
    if "any" in cond:
        return any(condition_holds(c, values) for c in cond["any"])
    value = values.get(cond["question"])
    answered = value not in (None, "", [], {})
    if "answered" in cond:
        return answered is bool(cond["answered"])
    if not answered:
        return False
    if "equals" in cond:
        return _matches(value, cond["equals"])
    if "not_equals" in cond:
        return not _matches(value, cond["not_equals"])
    return any(_matches(value, expected) for expected in cond["any_of"])


def visible_codes(defn: Definition, values: Mapping[str, Any]) -> set[str]:
    """Codes of the questions shown, given the answers (hidden answers do not count)."""
    shown: set[str] = set()
    effective: dict[str, Any] = {}
    for section in defn.sections:
        section_shown = condition_holds(section.get("show_if"), effective)
        for q in section["questions"]:
            if section_shown and condition_holds(q.get("show_if"), effective):
                shown.add(q["code"])
                if q["code"] in values:
                    effective[q["code"]] = values[q["code"]]
    return shown


def visible_sections(defn: Definition, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    shown = visible_codes(defn, values)
    return [s for s in defn.sections if any(q["code"] in shown for q in s["questions"])]


def missing(
    defn: Definition, values: Mapping[str, Any], other: Mapping[str, str]
) -> dict[str, str]:
    """What submission still needs: visible required questions without a full answer,
    "other" chosen without saying what, fewer choices than ``min``."""
    shown = visible_codes(defn, values)
    problems: dict[str, str] = {}
    for q in defn.questions():
        code = q["code"]
        if code not in shown:
            continue
        value = values.get(code)
        if q["type"] == "matrix":
            rated = value or {}
            if (q["required"] or rated) and len(rated) < len(q["items"]):
                problems[code] = (
                    Msg("Rate every row of this table.") if rated else Msg("Answer this question.")
                )
            continue
        if value in (None, "", []):
            if q["required"]:
                problems[code] = Msg("Answer this question.")
            continue
        if q["type"] == "multiple_choice" and len(value) < q.get("min", 0):
            problems[code] = Msg("Choose at least %(min)s options.", min=q["min"])
        chose_other = value == "other" or (isinstance(value, list) and "other" in value)
        if chose_other and not (other.get(code) or "").strip():
            problems[code] = Msg("You chose 'Other': say what it is in the text box.")
    return problems
