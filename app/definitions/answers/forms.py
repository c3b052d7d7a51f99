"""From posted form values to canonical values, and back (``parse_form``, ``to_form``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ...i18n import N_
from ..model import Definition
from .common import FormLike, Msg, Parsed, clean_text, country_codes

_SPACES = re.compile(r"[\s\u00a0\u202f']")


def _first(form: FormLike, name: str) -> str:
    values = form.getlist(name)
    return clean_text(str(values[0])) if values else ""


def parse_form(defn: Definition, form: FormLike, codes: Iterable[str]) -> Parsed:
    """Read the answers to ``codes`` from ``form``; format errors never store a value."""
    parsed = Parsed()
    for code in codes:
        q = defn.by_code[code]
        parsed.answered.add(code)
        errors_before = len(parsed.errors)
        _PARSERS[q["type"]](q, form, parsed)
        if code not in parsed.values and len(parsed.errors) == errors_before:
            parsed.cleared.add(code)
    return parsed


def _choice_codes(q: dict[str, Any]) -> list[str]:
    return [o["code"] for o in q["options"]] + (["other"] if q.get("other") else [])


def _parse_single(q: dict[str, Any], form: FormLike, out: Parsed) -> None:
    code = q["code"]
    value = _first(form, code)
    out.raw[code] = value
    if q.get("other"):
        other = _first(form, f"{code}__other")[:500]
        out.raw[f"{code}__other"] = other
    if not value:
        return
    if value not in _choice_codes(q):
        out.errors[code] = Msg("Choose one of the options listed.")
        return
    out.values[code] = value
    if value == "other":
        out.other[code] = out.raw.get(f"{code}__other", "")


def _parse_multiple(q: dict[str, Any], form: FormLike, out: Parsed) -> None:
    code = q["code"]
    chosen = {clean_text(str(v)) for v in form.getlist(code)} - {""}
    out.raw[code] = sorted(chosen)
    if q.get("other"):
        out.raw[f"{code}__other"] = _first(form, f"{code}__other")[:500]
    if not chosen:
        return
    allowed = _choice_codes(q)
    unknown = chosen - set(allowed)
    if unknown:
        out.errors[code] = Msg("Choose only among the options listed.")
        return
    if "max" in q and len(chosen) > q["max"]:
        out.errors[code] = Msg(
            "Choose at most %(max)s options (you chose %(count)s).", max=q["max"], count=len(chosen)
        )
        return
    out.values[code] = [c for c in allowed if c in chosen]
    if "other" in chosen:
        out.other[code] = out.raw.get(f"{code}__other", "")


def _parse_point(q: dict[str, Any], value: str) -> str | None:
    if value == "dk" and q.get("dont_know"):
        return "dk"
    if value.isdigit() and 1 <= int(value) <= q["points"]:
        return str(int(value))
    return None


def _parse_likert(q: dict[str, Any], form: FormLike, out: Parsed) -> None:
    code = q["code"]
    value = _first(form, code)
    out.raw[code] = value
    if not value:
        return
    point = _parse_point(q, value)
    if point is None:
        out.errors[code] = Msg("Choose a point from 1 to %(points)s.", points=q["points"])
    else:
        out.values[code] = point


def _parse_matrix(q: dict[str, Any], form: FormLike, out: Parsed) -> None:
    code = q["code"]
    rows: dict[str, str] = {}
    for item in q["items"]:
        name = f"{code}__{item['code']}"
        value = _first(form, name)
        out.raw[name] = value
        if not value:
            continue
        point = _parse_point(q, value)
        if point is None:
            out.errors[name] = Msg(
                "Choose a point from 1 to %(points)s for this row.", points=q["points"]
            )
        else:
            rows[item["code"]] = point
    if rows:
        out.values[code] = rows


def _keep_one(code: str, value: str, accepted: bool, problem: Msg, out: Parsed) -> None:
    """One typed value kept as typed (shown again), as the answer when ``accepted``, else
    ``problem`` is the question's error. Nothing typed: no answer, no error."""
    out.raw[code] = value
    if not value:
        return
    if accepted:
        out.values[code] = value
    else:
        out.errors[code] = problem


def _parse_yes_no(q: dict[str, Any], form: FormLike, out: Parsed) -> None:
    value = _first(form, q["code"]).lower()
    _keep_one(q["code"], value, value in ("yes", "no"), Msg("Answer yes or no."), out)


def canonical_number(raw: str, integer: bool) -> Decimal | None:
    """Parse "1 234,5" or "1234.5"; None when it is not a finite number."""
    value = _SPACES.sub("", raw)
    if value.count(",") == 1 and "." not in value:
        value = value.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value) or len(value) > 30:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    if integer and number != number.to_integral_value():
        return None
    return number


def format_number(number: Decimal) -> str:
    text_value = format(number.normalize(), "f")
    return text_value if text_value not in ("-0",) else "0"


def _plain_number(value: float | int | None) -> str | None:
    """Bounds as people write them: 100, not 100.0."""
    if value is None:
        return None
    return format_number(Decimal(str(value)))


_NUMBER_MESSAGES = {
    # (integer, has low, has high, format problem) -> message
    (True, True, True, False): N_("Enter a whole number from %(low)s to %(high)s."),
    (True, True, False, False): N_("Enter a whole number of at least %(low)s."),
    (True, False, True, False): N_("Enter a whole number of at most %(high)s."),
    (True, False, False, False): N_("Enter a whole number."),
    (False, True, True, False): N_("Enter a number from %(low)s to %(high)s."),
    (False, True, False, False): N_("Enter a number of at least %(low)s."),
    (False, False, True, False): N_("Enter a number of at most %(high)s."),
    (False, False, False, False): N_("Enter a number."),
    (
        True,
        True,
        True,
        True,
    ): N_("Enter a whole number from %(low)s to %(high)s, using digits only (e.g. 12 or 3.5)."),
    (
        True,
        True,
        False,
        True,
    ): N_("Enter a whole number of at least %(low)s, using digits only (e.g. 12 or 3.5)."),
    (
        True,
        False,
        True,
        True,
    ): N_("Enter a whole number of at most %(high)s, using digits only (e.g. 12 or 3.5)."),
    (True, False, False, True): N_("Enter a whole number, using digits only (e.g. 12 or 3.5)."),
    (
        False,
        True,
        True,
        True,
    ): N_("Enter a number from %(low)s to %(high)s, using digits only (e.g. 12 or 3.5)."),
    (
        False,
        True,
        False,
        True,
    ): N_("Enter a number of at least %(low)s, using digits only (e.g. 12 or 3.5)."),
    (
        False,
        False,
        True,
        True,
    ): N_("Enter a number of at most %(high)s, using digits only (e.g. 12 or 3.5)."),
    (False, False, False, True): N_("Enter a number, using digits only (e.g. 12 or 3.5)."),
}


def _number_error(q: dict[str, Any], low: str | None, high: str | None, bad_format: bool) -> Msg:
    key = (q.get("integer", True), low is not None, high is not None, bad_format)
    return Msg(_NUMBER_MESSAGES[key], low=low, high=high)


def _parse_number(q: dict[str, Any], form: FormLike, out: Parsed) -> None:
    code = q["code"]
    raw = _first(form, code)[:100]
    out.raw[code] = raw
    if not raw:
        return
    number = canonical_number(raw, q.get("integer", True))
    low, high = _plain_number(q.get("min")), _plain_number(q.get("max"))
    if number is None:
        out.errors[code] = _number_error(q, low, high, bad_format=True)
        return
    if (low is not None and number < Decimal(str(low))) or (
        high is not None and number > Decimal(str(high))
    ):
        out.errors[code] = _number_error(q, low, high, bad_format=False)
        return
    out.values[code] = format_number(number)


def _parse_text(q: dict[str, Any], form: FormLike, out: Parsed) -> None:
    code = q["code"]
    value = _first(form, code)
    limit = q["max_length"]
    out.raw[code] = value[: limit * 2 + 100]  # keep what was typed (bounded) to show it again
    if not value:
        return
    if len(value) > limit:
        out.errors[code] = Msg(
            "Shorten your answer to at most %(limit)s characters (it has %(count)s).",
            limit=limit,
            count=len(value),
        )
        return
    out.values[code] = value


def _parse_ranking(q: dict[str, Any], form: FormLike, out: Parsed) -> None:
    code = q["code"]
    codes = [o["code"] for o in q["options"]]
    ordered = [clean_text(str(v)) for v in form.getlist(code) if str(v).strip()]
    if not ordered:
        ranks: dict[str, str] = {}
        for option in codes:
            rank = _first(form, f"{code}__rank__{option}")
            out.raw[f"{code}__rank__{option}"] = rank
            if rank:
                ranks[option] = rank
        if not ranks:
            return
        valid = {str(n) for n in range(1, len(codes) + 1)}
        if (
            set(ranks.values()) - valid
            or len(set(ranks.values())) != len(ranks)
            or len(ranks) != len(codes)
        ):
            out.errors[code] = Msg(
                "Give each option a different rank from 1 to %(count)s.", count=len(codes)
            )
            return
        ordered = sorted(ranks, key=lambda c: int(ranks[c]))
    out.raw[code] = ordered
    if sorted(ordered) != sorted(codes):
        out.errors[code] = Msg("Rank all %(count)s options, each once.", count=len(codes))
        return
    out.values[code] = ordered


def _parse_country(q: dict[str, Any], form: FormLike, out: Parsed) -> None:
    value = _first(form, q["code"]).upper()
    problem = Msg("Choose a country from the list.")
    _keep_one(q["code"], value, value in country_codes(), problem, out)


def _parse_date(q: dict[str, Any], form: FormLike, out: Parsed) -> None:
    code = q["code"]
    value = _first(form, code)[:40]
    out.raw[code] = value
    if not value:
        return
    try:
        day = dt.date.fromisoformat(value)
        if len(value) != 10:
            raise ValueError(value)
    except ValueError:
        out.errors[code] = Msg("Enter a date as YYYY-MM-DD, e.g. 2026-03-31.")
        return
    low, high = q.get("min"), q.get("max")
    if (low and day < dt.date.fromisoformat(low)) or (high and day > dt.date.fromisoformat(high)):
        if low and high:
            out.errors[code] = Msg("Enter a date from %(low)s to %(high)s.", low=low, high=high)
        elif low:
            out.errors[code] = Msg("Enter a date on or after %(low)s.", low=low)
        else:
            out.errors[code] = Msg("Enter a date on or before %(high)s.", high=high)
        return
    out.values[code] = day.isoformat()


_PARSERS = {
    "single_choice": _parse_single,
    "multiple_choice": _parse_multiple,
    "likert": _parse_likert,
    "matrix": _parse_matrix,
    "yes_no": _parse_yes_no,
    "number": _parse_number,
    "short_text": _parse_text,
    "long_text": _parse_text,
    "ranking": _parse_ranking,
    "country": _parse_country,
    "date": _parse_date,
}


def to_form(
    defn: Definition, codes: Iterable[str], values: Mapping[str, Any], other: Mapping[str, str]
) -> dict[str, Any]:
    """The form fields that show stored answers (the inverse of ``parse_form``): the same
    shape as ``Parsed.raw``, so a page renders stored and just-typed answers alike."""
    raw: dict[str, Any] = {}
    for code in codes:
        q = defn.by_code[code]
        value = values.get(code)
        qtype = q["type"]
        if qtype == "matrix":
            for item, point in (value or {}).items():
                raw[f"{code}__{item}"] = point
        elif qtype == "ranking":
            for rank, option in enumerate(value or [], start=1):
                raw[f"{code}__rank__{option}"] = str(rank)
        elif value is not None:
            raw[code] = list(value) if isinstance(value, list) else value
        if q.get("other") and other.get(code):
            raw[f"{code}__other"] = other[code]
    return raw
