"""The scoring model (docs/scoring.md) in plain Python, written independently of the app.

The SQL in ``app.services.results.aggregation`` must agree with this on any questionnaire and any
answers (tests/test_results_property.py). Nothing here imports the app's scoring code:
values are derived from the definition and the stored answer text alone.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Z_95 = 1.959963984540054


def answer_value(q: Mapping[str, Any], value: str) -> float | None:
    """v in [0, 1] for one stored answer text (a matrix item's point for matrices)."""
    qtype = q["type"]
    if qtype in ("likert", "matrix"):
        if value == "dk":
            return None
        return (int(value) - 1) / (q["points"] - 1)
    if qtype == "yes_no":
        return {"yes": 1.0, "no": 0.0}[value]
    if qtype == "single_choice":
        for option in q["options"]:
            if option["code"] == value:
                return option.get("score")
        return None  # "other"
    if qtype == "multiple_choice":
        scores = {o["code"]: o.get("score") for o in q["options"]}
        if all(s is None for s in scores.values()):
            return None
        total = sum(s or 0.0 for s in scores.values())
        if total == 0:
            return None
        chosen = [c for c in value.split(";") if c]
        return sum(scores.get(c) or 0.0 for c in chosen) / total
    if qtype == "number" and "scoring" in q:
        a, b = q["scoring"]["min"], q["scoring"]["max"]
        return min(1.0, max(0.0, (float(value) - a) / (b - a)))
    return None


def weights_of(q: Mapping[str, Any], item: str) -> dict[str, float]:
    if q["type"] == "matrix":
        for entry in q["items"]:
            if entry["code"] == item:
                return dict(entry.get("themes", {}))
        return {}
    if q["type"] in ("short_text", "long_text"):
        return {}  # text questions tag quotes; they carry no value
    return dict(q.get("themes", {}))


def response_theme_scores(
    questions: Mapping[str, Mapping[str, Any]], rows: Iterable[tuple[str, str, str]]
) -> dict[str, float]:
    """s(r, t) for one response: ``rows`` are its stored (question code, item, value)."""
    numerator: dict[str, float] = {}
    denominator: dict[str, float] = {}
    for code, item, value in rows:
        q = questions[code]
        v = answer_value(q, value)
        if v is None:
            continue
        for theme, weight in weights_of(q, item).items():
            numerator[theme] = numerator.get(theme, 0.0) + weight * v
            denominator[theme] = denominator.get(theme, 0.0) + weight
    return {t: numerator[t] / denominator[t] for t in numerator}


@dataclass(frozen=True)
class GroupStat:
    n: int
    score: float | None  # 0..100
    sd: float | None
    ci_low: float | None
    ci_high: float | None


def group_stat(values: list[float]) -> GroupStat:
    """Mean of s(r, t) on 0..100 with sample sd and the normal 95 % CI (clipped to
    0..100); no sd nor CI when n < 2."""
    n = len(values)
    if n == 0:
        return GroupStat(0, None, None, None, None)
    mean = statistics.fmean(values)
    if n < 2:
        return GroupStat(1, 100 * mean, None, None, None)
    sd = statistics.stdev(values)
    half = Z_95 * sd / math.sqrt(n)
    return GroupStat(
        n, 100 * mean, 100 * sd, 100 * max(0.0, mean - half), 100 * min(1.0, mean + half)
    )
