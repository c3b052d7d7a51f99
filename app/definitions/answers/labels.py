"""Answers as people read them, in a language: the words for yes, no and don't know,
options' and scale points' labels, and a whole answer as text (pages and exports)."""

from __future__ import annotations

from typing import Any

from ..model import text
from .common import country_name

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
