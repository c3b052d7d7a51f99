"""Human-readable descriptions of definition parts, for the questionnaire pages."""

from __future__ import annotations

from typing import Any

from ..definitions.answers import option_label, point_label, word
from ..definitions.model import Definition


def _value(defn: Definition, code: str, value: str, lang: str) -> str:
    q = defn.by_code.get(code)
    if q is None:
        return value
    if q["type"] in ("single_choice", "multiple_choice", "ranking"):
        return f"“{option_label(q, value, lang)}”"
    if q["type"] == "yes_no" and value in ("yes", "no"):
        return f"“{word(value, lang)}”"
    if q["type"] == "likert":
        return f"“{point_label(q, value, lang)}”"
    return f"“{value}”"


def describe_condition(defn: Definition, cond: dict[str, Any] | None, lang: str = "en") -> str:
    """E.g. 'has_regulation is “Yes” and measures includes “Caps on nights”'."""
    if not cond:
        return ""
    if "all" in cond:
        return " and ".join(f"({describe_condition(defn, c, lang)})" for c in cond["all"])
    if "any" in cond:
        return " or ".join(f"({describe_condition(defn, c, lang)})" for c in cond["any"])
    code = cond["question"]
    many = defn.by_code.get(code, {}).get("type") == "multiple_choice"
    if "answered" in cond:
        return f"{code} is {'answered' if cond['answered'] else 'not answered'}"
    if "equals" in cond:
        verb = "includes" if many else "is"
        return f"{code} {verb} {_value(defn, code, cond['equals'], lang)}"
    if "not_equals" in cond:
        verb = "does not include" if many else "is not"
        return f"{code} {verb} {_value(defn, code, cond['not_equals'], lang)}"
    values = ", ".join(_value(defn, code, v, lang) for v in cond["any_of"])
    return f"{code} is one of {values}" if not many else f"{code} includes any of {values}"
