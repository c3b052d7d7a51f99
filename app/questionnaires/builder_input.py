"""The builder's posted fields, read into parts of a definition (and back into choices).

Field names are the definition's own paths, relative to the part edited: ``label.de``,
``options[2].score``, ``items[0].themes.resilience``, ``show_if[1].op``, so a validator
error at ``sections[1].questions[3].options[2].score`` lands beside its field. Numbers
that do not read as numbers are kept as typed: the validator names the problem.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from ..definitions.schema import LANGUAGES, THEME_KEYS
from ..services.questionnaires import editing

OPERATORS = ("equals", "not_equals", "any_of", "answered", "not_answered")
EXTRA_ROWS = 2  # blank option / item / condition rows offered for adding


def text(form: MultiDict, name: str) -> dict[str, str]:
    return {
        lang: value
        for lang in LANGUAGES
        if (value := (form.get(f"{name}.{lang}") or "").strip().replace("\r\n", "\n"))
    }


def number(raw: str | None) -> Any:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return raw


def count(form: MultiDict, name: str) -> int:
    value = number(form.get(name))
    return min(value, 200) if isinstance(value, int) and value > 0 else 0


def themes(form: MultiDict, prefix: str) -> dict[str, Any]:
    out = {}
    for key in THEME_KEYS:
        value = number(form.get(f"{prefix}.{key}"))
        if value not in (None, 0):
            out[key] = value
    return out


def _rows(form: MultiDict, name: str) -> list[str]:
    """Prefixes of the posted rows of ``name`` that are kept (not ticked "remove"), in the
    order their "position" fields give (the rows' own order where they give none)."""
    kept = [
        (index, f"{name}[{index}]")
        for index in range(count(form, f"{name}.count"))
        if not form.get(f"{name}[{index}].remove")
    ]

    def position(pair: tuple[int, str]) -> tuple[float, int]:
        wanted = number(form.get(f"{pair[1]}.position"))
        return (float(wanted) if isinstance(wanted, int | float) else pair[0] + 1, pair[0])

    return [prefix for _, prefix in sorted(kept, key=position)]


def options(form: MultiDict, *, scored: bool = True) -> list[dict[str, Any]]:
    out = []
    taken: set[str] = set()
    for prefix in _rows(form, "options"):
        label = text(form, f"{prefix}.label")
        code = (form.get(f"{prefix}.code") or "").strip()
        if not code and not label:
            continue  # a blank row
        if not code:
            code = editing.propose_code(label.get("en", "option"), taken).replace("q_", "", 1)
        taken.add(code)
        option: dict[str, Any] = {"code": code, "label": label}
        score = number(form.get(f"{prefix}.score")) if scored else None
        if score is not None:
            option["score"] = score
        out.append(option)
    return out


def items(form: MultiDict) -> list[dict[str, Any]]:
    out = []
    taken: set[str] = set()
    for prefix in _rows(form, "items"):
        label = text(form, f"{prefix}.label")
        code = (form.get(f"{prefix}.code") or "").strip()
        weights = themes(form, f"{prefix}.themes")
        if not code and not label:
            continue
        if not code:
            code = editing.propose_code(label.get("en", "item"), taken).replace("q_", "", 1)
        taken.add(code)
        out.append({"code": code, "label": label, "themes": weights})
    return out


def condition(form: MultiDict, name: str, current: dict[str, Any] | None) -> dict | None:
    """The condition built from its rows (question, operator, values; all/any)."""
    if form.get(f"{name}.keep"):
        return current  # a nested condition the form cannot show: kept as it was
    parts = []
    for prefix in _rows(form, name):
        target = (form.get(f"{prefix}.question") or "").strip()
        if not target:
            continue
        op = form.get(f"{prefix}.op") or "equals"
        values = [
            v.split("=", 1)[1]
            for v in form.getlist(f"{prefix}.value")
            if v.startswith(f"{target}=")
        ]
        part: dict[str, Any] = {"question": target}
        if op == "answered":
            part["answered"] = True
        elif op == "not_answered":
            part["answered"] = False
        elif op == "any_of":
            if values:
                part["any_of"] = values
        elif values:
            part[op if op in ("equals", "not_equals") else "equals"] = values[0]
        parts.append(part)
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return {"any" if form.get(f"{name}.combine") == "any" else "all": parts}


def question(form: MultiDict, before: dict[str, Any], fixed_code: bool) -> dict[str, Any]:
    """The question as posted on its page, from its previous state ``before``."""
    qtype = form.get("type") or before["type"]
    q = editing.change_type(dict(before), qtype) if qtype != before["type"] else dict(before)
    label = text(form, "label")
    code = before["code"] if fixed_code else (form.get("code") or "").strip()
    out: dict[str, Any] = {
        "code": code or editing.slug(label.get("en", "question")),
        "type": qtype,
        "label": label,
        "required": bool(form.get("required")),
    }
    if help_text := text(form, "help"):
        out["help"] = help_text
    if (show_if := condition(form, "show_if", before.get("show_if"))) is not None:
        out["show_if"] = show_if
    if qtype != "matrix" and (weights := themes(form, "themes")):
        out["themes"] = weights
    changed_type = qtype != before["type"]
    if qtype in ("single_choice", "multiple_choice", "ranking"):
        out["options"] = q["options"] if changed_type else options(form, scored=qtype != "ranking")
    if qtype in ("single_choice", "multiple_choice"):
        out["other"] = bool(form.get("other"))
    if qtype in ("multiple_choice", "number", "date"):
        for key in ("min", "max"):
            value = (form.get(key) or "").strip() if qtype == "date" else number(form.get(key))
            if value not in (None, ""):
                out[key] = value
    if qtype in ("likert", "matrix"):
        out["points"] = number(form.get("points")) or q.get("points", 5)
        out["dont_know"] = bool(form.get("dont_know"))
        mode = form.get("scale_labels") or "none"
        if mode == "ends":
            out["labels"] = {"low": text(form, "labels.low"), "high": text(form, "labels.high")}
        elif mode == "points" and isinstance(out["points"], int):
            out["point_labels"] = [
                text(form, f"point_labels[{i}]") for i in range(min(out["points"], 11))
            ]
    if qtype == "matrix":
        out["items"] = q["items"] if changed_type else items(form)
    if qtype == "number":
        out["integer"] = not form.get("decimal")
        if unit := text(form, "unit"):
            out["unit"] = unit
        low, high = number(form.get("scoring.min")), number(form.get("scoring.max"))
        if low is not None or high is not None:
            out["scoring"] = {"min": low, "max": high}
    if qtype in ("short_text", "long_text"):
        out["max_length"] = number(form.get("max_length")) or q.get("max_length")
    return out


# --- choices for the condition rows ----------------------------------------------------------


def condition_values(q: dict[str, Any]) -> list[tuple[str, dict[str, str] | str]]:
    """The answers a condition can test for ``q`` (value, label); empty: only answered."""
    qtype = q.get("type")
    if qtype in ("single_choice", "multiple_choice", "ranking"):
        values: list[tuple[str, dict[str, str] | str]] = [
            (o["code"], o["label"]) for o in q.get("options", [])
        ]
        return values + ([("other", "Other")] if q.get("other") else [])
    if qtype == "yes_no":
        return [("yes", "Yes"), ("no", "No")]
    if qtype == "likert" and isinstance(q.get("points"), int):
        points: list[tuple[str, dict[str, str] | str]] = [
            (str(n), str(n)) for n in range(1, q["points"] + 1)
        ]
        return points + ([("dk", "Don't know")] if q.get("dont_know") else [])
    return []


def condition_rows(cond: dict[str, Any] | None) -> tuple[str, list[dict[str, Any]], bool]:
    """(all|any, rows, editable) for the form: rows as {question, op, values}; a nested
    condition is not editable here (kept as it is)."""
    if not cond:
        return "all", [], True
    combine = "any" if "any" in cond else "all"
    parts = cond.get(combine) if combine in cond else [cond]
    rows = []
    for part in parts or []:
        if "question" not in part:
            return combine, [], False
        if "answered" in part:
            op, values = ("answered" if part["answered"] else "not_answered"), []
        elif "any_of" in part:
            op, values = "any_of", list(part["any_of"])
        elif "not_equals" in part:
            op, values = "not_equals", [part["not_equals"]]
        else:
            op, values = "equals", [part.get("equals")]
        rows.append({"question": part["question"], "op": op, "values": values})
    return combine, rows, True
