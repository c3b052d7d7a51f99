"""Canonical values to stored rows (with each answer's score) and back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..model import Definition
from .common import Parsed, Row
from .conditions import visible_codes


def point_score(q: dict[str, Any], value: str) -> float | None:
    if value == "dk":
        return None
    return (int(value) - 1) / (int(q["points"]) - 1)


def score(q: dict[str, Any], value: Any) -> float | None:
    """The 0..1 value of an answer under the scoring model (docs/scoring.md)."""
    qtype = q["type"]
    if qtype == "likert":
        return point_score(q, value)
    if qtype == "yes_no":
        return 1.0 if value == "yes" else 0.0
    if qtype == "single_choice":
        option = next((o for o in q["options"] if o["code"] == value), None)
        return option.get("score") if option else None
    if qtype == "multiple_choice":
        total = sum(o.get("score") or 0.0 for o in q["options"])
        if not any(o.get("score") is not None for o in q["options"]) or total == 0:
            return None
        return sum(o.get("score") or 0.0 for o in q["options"] if o["code"] in value) / total
    if qtype == "number" and "scoring" in q:
        low, high = float(q["scoring"]["min"]), float(q["scoring"]["max"])
        return min(1.0, max(0.0, (float(value) - low) / (high - low)))
    return None


def to_rows(defn: Definition, values: Mapping[str, Any], other: Mapping[str, str]) -> list[Row]:
    """The rows to store: visible questions only, with their scores."""
    shown = visible_codes(defn, values)
    rows: list[Row] = []
    for q in defn.questions():
        code = q["code"]
        if code not in shown or values.get(code) in (None, "", [], {}):
            continue
        value = values[code]
        if q["type"] == "matrix":
            for item in q["items"]:
                if item["code"] in value:
                    point = value[item["code"]]
                    rows.append(Row(code, item["code"], point, None, point_score(q, point)))
            continue
        stored = ";".join(value) if isinstance(value, list) else str(value)
        chose_other = value == "other" or (isinstance(value, list) and "other" in value)
        other_text = (other.get(code) or None) if chose_other else None
        rows.append(Row(code, "", stored, other_text, score(q, value)))
    return rows


def from_rows(defn: Definition, rows: Iterable[Row]) -> tuple[dict[str, Any], dict[str, str]]:
    """Rebuild values (and other texts) from stored rows."""
    values: dict[str, Any] = {}
    other: dict[str, str] = {}
    for row in rows:
        q = defn.by_code.get(row.question)
        if q is None:
            continue
        if q["type"] == "matrix":
            values.setdefault(row.question, {})[row.item] = row.value
        elif q["type"] in ("multiple_choice", "ranking"):
            values[row.question] = [v for v in row.value.split(";") if v]
        else:
            values[row.question] = row.value
        if row.other_text:
            other[row.question] = row.other_text
    return values, other


def merge(stored: Mapping[str, Any], parsed: Parsed) -> dict[str, Any]:
    """Stored values updated with a page's answers (cleared fields removed)."""
    result = dict(stored)
    for code in parsed.answered:
        if code in parsed.values:
            result[code] = parsed.values[code]
        elif code in parsed.cleared:
            result.pop(code, None)
    return result
