"""Human-readable descriptions of definition parts and of the changes between two
versions, for the questionnaire pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..definitions.answers import option_label, point_label, word
from ..definitions.model import Definition
from ..i18n import pick
from ..services.questionnaires.diff import Change, Entry


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


# --- the diff of two versions ---------------------------------------------------------

FIELD_NAMES = {
    "label": _l("label"),
    "help": _l("help text"),
    "type": _l("type"),
    "required": _l("required"),
    "option": _l("option"),
    "item": _l("matrix item"),
    "score": _l("score"),
    "weight": _l("theme weight"),
    "show_if": _l("shown if"),
    "section": _l("section"),
    "title": _l("title"),
    "intro": _l("introduction"),
    "introduction": _l("introduction"),
    "option order": _l("order of the options"),
    "item order": _l("order of the items"),
    "section order": _l("order of the sections"),
    "scale label": _l("scale label"),
    "point label": _l("point label"),
    "unit": _l("unit"),
    "points": _l("scale points"),
    "dont_know": _l("“don't know”"),
    "other": _l("“other”"),
    "min": _l("minimum"),
    "max": _l("maximum"),
    "integer": _l("whole numbers"),
    "max_length": _l("longest answer"),
    "scoring": _l("scoring range"),
}


# Why an answer could not be kept when its draft moved to a new version.
DROP_REASONS = {
    "removed": _l("the question was removed"),
    "type": _l("the question asks for a different kind of answer now"),
    "value": _l("the answer is no longer one of the possible answers"),
    "hidden": _l("the question no longer applies, given the other answers"),
}


def change_field(change: Change) -> str:
    """What a change concerns, in words: 'option yes: label', 'theme weight resilience'."""
    name = str(FIELD_NAMES.get(change.field, change.field))
    if not change.target:
        return name
    if change.target.startswith(("option ", "item ")):
        owner, _, rest = change.target.partition(" ")
        code, _, theme = rest.partition(" ")
        return f"{FIELD_NAMES[owner]} {code}: {name}" + (f" {theme}" if theme else "")
    return f"{name} {change.target}"


def change_value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def entry_title(entry: Entry, lang: str) -> str:
    return pick(entry.label, lang) if entry.label else ""
