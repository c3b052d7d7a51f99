"""The builder's edits of a draft definition, as plain functions on the normalised dict.

Each takes a definition and returns a changed deep copy (the caller saves it through
``builder.save``, which validates and re-imports it): sections and questions added,
changed, moved, duplicated and removed; codes proposed from labels. Nothing here checks
meaning (the validator does); these only keep the dict's shape so it can be written as
YAML and read back.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from typing import Any

from ...definitions.model import DEFAULT_MAX_LENGTH
from ...definitions.schema import COMMON_QUESTION_KEYS, TYPE_KEYS

Defn = dict[str, Any]


class EditError(ValueError):
    """An edit that cannot be made (the part is gone, a code is fixed); says why."""


# --- codes --------------------------------------------------------------------------


def slug(text: str, *, limit: int = 40) -> str:
    """``"Does your city regulate it?"`` -> ``does_your_city_regulate_it``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_")
    words = words[:limit].rstrip("_")
    if not words or not words[0].isalpha():
        words = ("q_" + words)[:limit].rstrip("_") if words else "q"
    return words


def propose_code(label: str, taken: set[str], *, limit: int = 40) -> str:
    """A free code made from ``label`` (``_2``, ``_3``... added when taken)."""
    base = slug(label, limit=limit - 3)
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def question_codes(defn: Defn) -> set[str]:
    return {q["code"] for s in defn["sections"] for q in s["questions"]}


def section_codes(defn: Defn) -> set[str]:
    return {s["code"] for s in defn["sections"]}


# --- lookups ------------------------------------------------------------------------


def find_section(defn: Defn, code: str) -> tuple[int, dict[str, Any]]:
    for index, section in enumerate(defn["sections"]):
        if section["code"] == code:
            return index, section
    raise EditError(f"there is no section '{code}' in the draft (any more)")


def find_question(defn: Defn, code: str) -> tuple[int, int, dict[str, Any]]:
    for s_index, section in enumerate(defn["sections"]):
        for q_index, question in enumerate(section["questions"]):
            if question["code"] == code:
                return s_index, q_index, question
    raise EditError(f"there is no question '{code}' in the draft (any more)")


def empty_definition(action: int, code: str, title: str) -> Defn:
    return {
        "action": action,
        "code": code,
        "title": {"en": title},
        "introduction": {},
        "sections": [],
    }


# --- questionnaire and sections -------------------------------------------------------


def set_texts(defn: Defn, title: dict[str, str], introduction: dict[str, str]) -> Defn:
    out = copy.deepcopy(defn)
    out["title"] = title
    out["introduction"] = introduction
    return out


def add_section(defn: Defn, title: str) -> tuple[Defn, str]:
    out = copy.deepcopy(defn)
    code = propose_code(title or "section", section_codes(out))
    out["sections"].append({"code": code, "title": {"en": title}, "intro": {}, "questions": []})
    return out, code


def update_section(
    defn: Defn,
    code: str,
    *,
    new_code: str,
    title: dict[str, str],
    intro: dict[str, str],
    show_if: dict[str, Any] | None,
) -> Defn:
    out = copy.deepcopy(defn)
    index, section = find_section(out, code)
    changed = {"code": new_code, "title": title, "intro": intro}
    rebuilt = {**changed, **({"show_if": show_if} if show_if else {})}
    out["sections"][index] = {**rebuilt, "questions": section["questions"]}
    return out


def move_section(defn: Defn, code: str, delta: int) -> Defn:
    out = copy.deepcopy(defn)
    index, section = find_section(out, code)
    target = max(0, min(len(out["sections"]) - 1, index + delta))
    out["sections"].pop(index)
    out["sections"].insert(target, section)
    return out


def move_section_to(defn: Defn, code: str, position: int) -> Defn:
    """To index ``position`` of the sections (counted without the section moved; clamped)."""
    out = copy.deepcopy(defn)
    index, section = find_section(out, code)
    out["sections"].pop(index)
    out["sections"].insert(max(0, min(len(out["sections"]), position)), section)
    return out


def remove_section(defn: Defn, code: str) -> Defn:
    out = copy.deepcopy(defn)
    index, _ = find_section(out, code)
    out["sections"].pop(index)
    return out


def copy_sections(defn: Defn, source: Defn, codes: list[str]) -> Defn:
    """Append ``source``'s sections named in ``codes``, codes kept (the common first
    section's codes stay the same across actions); a section code already here is
    suffixed, clashing question codes are left for the validator to report."""
    out = copy.deepcopy(defn)
    for section in source["sections"]:
        if section["code"] not in codes:
            continue
        copied = copy.deepcopy(section)
        if copied["code"] in section_codes(out):
            copied["code"] = propose_code(copied["code"], section_codes(out))
        out["sections"].append(copied)
    return out


# --- questions ---------------------------------------------------------------------------


def _option(n: int, what: str = "Option") -> dict[str, Any]:
    return {"code": f"{what.lower()}_{n}", "label": {"en": f"{what} {n}"}}


def type_defaults(qtype: str) -> dict[str, Any]:
    """The keys a new question of ``qtype`` starts with (enough to be written out)."""
    if qtype in ("single_choice", "multiple_choice"):
        return {"options": [_option(1), _option(2)], "other": False}
    if qtype == "ranking":
        return {"options": [_option(1), _option(2)]}
    if qtype == "likert":
        return {"points": 5, "dont_know": False}
    if qtype == "matrix":
        return {"points": 5, "dont_know": False, "items": [{**_option(1, "Item"), "themes": {}}]}
    if qtype == "number":
        return {"integer": True}
    if qtype in DEFAULT_MAX_LENGTH:
        return {"max_length": DEFAULT_MAX_LENGTH[qtype]}
    return {}


def new_question(qtype: str, label: str, code: str) -> dict[str, Any]:
    return {
        "code": code,
        "type": qtype,
        "label": {"en": label},
        "required": False,
        **type_defaults(qtype),
    }


def change_type(question: dict[str, Any], qtype: str) -> dict[str, Any]:
    """``question`` as a ``qtype`` question: common keys kept, the new type's keys kept
    when they were there (options stay options), its defaults added for the rest."""
    if question["type"] == qtype:
        return question
    allowed = set(COMMON_QUESTION_KEYS) | set(TYPE_KEYS[qtype])
    kept = {k: v for k, v in question.items() if k in allowed}
    kept["type"] = qtype
    for key, value in type_defaults(qtype).items():
        kept.setdefault(key, value)
    if qtype == "ranking":
        for option in kept.get("options", []):
            option.pop("score", None)
    return kept


def add_question(defn: Defn, section_code: str, qtype: str, label: str) -> tuple[Defn, str]:
    out = copy.deepcopy(defn)
    _, section = find_section(out, section_code)
    code = propose_code(label or qtype, question_codes(out))
    section["questions"].append(new_question(qtype, label, code))
    return out, code


def replace_question(defn: Defn, code: str, question: dict[str, Any]) -> Defn:
    out = copy.deepcopy(defn)
    s_index, q_index, _ = find_question(out, code)
    out["sections"][s_index]["questions"][q_index] = question
    return out


def move_question(defn: Defn, code: str, delta: int) -> Defn:
    """One place up (-1) or down (+1); past a section's edge, into the neighbour."""
    out = copy.deepcopy(defn)
    s_index, q_index, question = find_question(out, code)
    questions = out["sections"][s_index]["questions"]
    target = q_index + delta
    if 0 <= target < len(questions):
        questions.insert(target, questions.pop(q_index))
        return out
    neighbour = s_index + delta
    if not 0 <= neighbour < len(out["sections"]):
        return out  # already first (or last) of the questionnaire
    questions.pop(q_index)
    into = out["sections"][neighbour]["questions"]
    if delta < 0:
        into.append(question)
    else:
        into.insert(0, question)
    return out


def move_question_to(defn: Defn, code: str, section_code: str, position: int | None = None) -> Defn:
    """Into section ``section_code``: at index ``position`` of its questions (counted
    without the question moved; clamped), or last when None."""
    out = copy.deepcopy(defn)
    s_index, q_index, question = find_question(out, code)
    _, target = find_section(out, section_code)
    out["sections"][s_index]["questions"].pop(q_index)
    questions = target["questions"]
    at = len(questions) if position is None else max(0, min(len(questions), position))
    questions.insert(at, question)
    return out


def duplicate_question(defn: Defn, code: str) -> tuple[Defn, str]:
    out = copy.deepcopy(defn)
    s_index, q_index, question = find_question(out, code)
    copied = copy.deepcopy(question)
    copied["code"] = propose_code(code + "_copy", question_codes(out))
    out["sections"][s_index]["questions"].insert(q_index + 1, copied)
    return out, copied["code"]


def remove_question(defn: Defn, code: str) -> Defn:
    out = copy.deepcopy(defn)
    s_index, q_index, _ = find_question(out, code)
    out["sections"][s_index]["questions"].pop(q_index)
    return out


def changed_keys(before: Any, after: Any) -> list[str]:
    """The top-level keys whose values differ (for the audit log)."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [] if before == after else ["*"]
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _renamed(cond: Any, old: str, new: str) -> Any:
    if isinstance(cond, dict):
        return {
            k: (new if k == "question" and v == old else _renamed(v, old, new))
            for k, v in cond.items()
        }
    if isinstance(cond, list):
        return [_renamed(c, old, new) for c in cond]
    return cond


def rename_question(defn: Defn, old: str, new: str) -> Defn:
    """The question's code changed from ``old`` to ``new``: conditions follow it."""
    if old == new:
        return defn
    out = copy.deepcopy(defn)
    for section in out["sections"]:
        if "show_if" in section:
            section["show_if"] = _renamed(section["show_if"], old, new)
        for question in section["questions"]:
            if "show_if" in question:
                question["show_if"] = _renamed(question["show_if"], old, new)
    return out
