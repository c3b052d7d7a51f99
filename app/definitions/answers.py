"""Answers: from posted form values to canonical values, conditions, completeness and
scores. The single place that knows how each question type is answered.

Python values per type (``values[code]``):
single_choice str (option code or "other") | multiple_choice list[str] in option order |
likert str ("1".."n" or "dk") | matrix dict[item, str] | yes_no "yes"/"no" |
number str (canonical decimal) | short_text/long_text str | ranking list[str] in rank
order | country str (alpha-2) | date str (YYYY-MM-DD). ``other[code]`` holds the text of
an "other, please specify" choice.

Form field names: ``CODE`` (``CODE`` repeated for multiple choice and for a ranking in
order), ``CODE__other``, ``CODE__ITEM`` for matrix rows, ``CODE__rank__OPTION`` for the
rank of one option when ranking without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Protocol

from ..services.i18n import N_
from .model import Definition, text

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


class FormLike(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[Any]: ...


class Msg(str):
    """An English message that keeps its msgid and parameters, so that a view can show it
    in the page's language (``gettext(m.msgid, **m.params)``); it is the English text."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Msg:
        obj = super().__new__(cls, msgid % params if params else msgid)
        obj.msgid = msgid
        obj.params = params
        return obj


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)
    other: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message
    raw: dict[str, Any] = field(default_factory=dict)  # what was typed, to show it again
    answered: set[str] = field(default_factory=set)  # codes read from the form
    cleared: set[str] = field(default_factory=set)  # codes read and left empty


@dataclass(frozen=True)
class Row:
    """One stored answer (see ``app.models.Answer``)."""

    question: str
    item: str
    value: str
    other_text: str | None
    score: float | None


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries)


@lru_cache(maxsize=8)
def _country_catalogue(lang: str) -> gettext.NullTranslations:
    import pycountry

    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def country_name(code: str, lang: str = "en") -> str:
    """A country's name in ``lang`` (pycountry's catalogues), the code when unknown."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return _country_catalogue(lang).gettext(country.name)


@lru_cache(maxsize=8)
def country_choices(lang: str = "en") -> tuple[tuple[str, str], ...]:
    """(code, name) of every country, sorted by name in ``lang`` (accents ignored)."""
    names = [(code, country_name(code, lang)) for code in country_codes()]
    return tuple(sorted(names, key=lambda pair: _sort_key(pair[1])))


def _sort_key(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def clean_text(value: str) -> str:
    """Normalise newlines, drop control characters (NUL included), trim the ends."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


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


def _parse_yes_no(q: dict[str, Any], form: FormLike, out: Parsed) -> None:
    code = q["code"]
    value = _first(form, code).lower()
    out.raw[code] = value
    if not value:
        return
    if value not in ("yes", "no"):
        out.errors[code] = Msg("Answer yes or no.")
    else:
        out.values[code] = value


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
    code = q["code"]
    value = _first(form, code).upper()
    out.raw[code] = value
    if not value:
        return
    if value not in country_codes():
        out.errors[code] = Msg("Choose a country from the list.")
    else:
        out.values[code] = value


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


# --- conditions -----------------------------------------------------------------------


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
        return answered == cond["answered"]
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


# --- scores and rows ----------------------------------------------------------------


def point_score(q: dict[str, Any], value: str) -> float | None:
    if value == "dk":
        return None
    return (int(value) - 1) / (q["points"] - 1)


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
        low, high = q["scoring"]["min"], q["scoring"]["max"]
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


# --- display ---------------------------------------------------------------------------

_WORDS = {
    "yes": {"en": "Yes", "de": "Ja", "fr": "Oui", "it": "Sì"},
    "no": {"en": "No", "de": "Nein", "fr": "Non", "it": "No"},
    "dk": {
        "en": "Don't know / not applicable",
        "de": "Weiß nicht / nicht zutreffend",
        "fr": "Ne sait pas / sans objet",
        "it": "Non so / non applicabile",
    },
    "other": {"en": "Other", "de": "Andere", "fr": "Autre", "it": "Altro"},
}


def word(key: str, lang: str = "en") -> str:
    return _WORDS[key].get(lang) or _WORDS[key]["en"]


def option_label(q: dict[str, Any], code: str, lang: str = "en") -> str:
    if code == "other":
        return word("other", lang)
    for option in q.get("options", []):
        if option["code"] == code:
            return text(option["label"], lang)
    return code


def point_label(q: dict[str, Any], point: str, lang: str = "en") -> str:
    if point == "dk":
        return word("dk", lang)
    if "point_labels" in q:
        return f"{point} – {text(q['point_labels'][int(point) - 1], lang)}"
    if "labels" in q and point in ("1", str(q["points"])):
        end = q["labels"]["low" if point == "1" else "high"]
        return f"{point} – {text(end, lang)}"
    return f"{point} / {q['points']}"


def display(q: dict[str, Any], value: Any, other_text: str | None = None, lang: str = "en") -> str:
    """A readable form of an answer (matrix: one line per item)."""
    qtype = q["type"]
    if value in (None, "", [], {}):
        return ""
    if qtype == "single_choice":
        label = option_label(q, value, lang)
        return f"{label}: {other_text}" if value == "other" and other_text else label
    if qtype == "multiple_choice":
        labels = [option_label(q, c, lang) for c in value]
        if "other" in value and other_text:
            labels[value.index("other")] += f": {other_text}"
        return "; ".join(labels)
    if qtype == "ranking":
        return "; ".join(f"{n}. {option_label(q, c, lang)}" for n, c in enumerate(value, start=1))
    if qtype == "likert":
        return point_label(q, value, lang)
    if qtype == "matrix":
        return "\n".join(
            f"{text(item['label'], lang)}: {point_label(q, value[item['code']], lang)}"
            for item in q["items"]
            if item["code"] in value
        )
    if qtype == "yes_no":
        return word(value, lang)
    if qtype == "number" and q.get("unit"):
        return f"{value} {text(q['unit'], lang)}"
    if qtype == "country":
        return country_name(value, lang)
    return str(value)
