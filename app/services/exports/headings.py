"""Exports for reading: the wide table's column headers as labels (each with its code in
brackets, so the codebook still applies) and the leading columns' coded values as
labels, in the export's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...countries import country_name
from ...definitions.answers import option_label, word
from ...definitions.model import text
from ...i18n import N_, translate
from ...models import ORG_KIND_LABELS, RESPONSE_STATE_LABELS, SIZE_BAND_LABELS
from .catalogue import LEADING_COLUMNS, Catalogue, QuestionColumns

LEADING_LABELS = {
    "response_id": N_("Response number"),
    "reference": N_("Reference"),
    "organisation": N_("Organisation"),
    "organisation_kind": N_("Kind of organisation"),
    "country": N_("Country"),
    "city_size_band": N_("City size"),
    "state": N_("State"),
    "submitted_at": N_("Submitted at (UTC)"),
    "accepted_at": N_("Accepted at (UTC)"),
    "questionnaire_version": N_("Questionnaire version"),
}


def _question_headers(info: QuestionColumns, indicators: bool, lang: str) -> list[str]:
    question = text(info.spec["label"], lang)
    items = {code: text(label, lang) for code, label in info.items}
    options = {code: text(label, lang) for code, label in info.options}
    headers = []
    for column in info.columns(indicators):
        sub = column[len(info.code) + 2 :] if column != info.code else ""
        if not sub:
            part = question
        elif sub == "other":
            part = f"{question} – {word('other', lang)}"
        elif info.qtype == "matrix":
            part = f"{question} – {items.get(sub, sub)}"
        elif info.qtype == "ranking":
            part = f"{question} – {sub.replace('rank', '#')}"
        else:
            part = f"{question} – {options.get(sub) or option_label(info.spec, sub, lang)}"
        headers.append(f"{part} [{column}]")
    return headers


def column_labels(catalogue: Catalogue, indicators: bool, lang: str) -> list[str]:
    """The wide table's headers as "label [code]", in the order of ``Catalogue.header``."""
    headers = [f"{translate(LEADING_LABELS[c], lang)} [{c}]" for c in LEADING_COLUMNS]
    for info in catalogue.questions:
        headers += _question_headers(info, indicators, lang)
    return headers


def leading_labeller(lang: str) -> Callable[[Any, str, Any, Any], tuple[str, str, str, str]]:
    """(kind, country, size band, state) codes -> their labels in ``lang``."""

    def label(mapping: dict[Any, str], code: Any) -> str:
        return translate(mapping[code], lang) if code in mapping else str(code or "")

    def labels(kind: Any, country: str, size: Any, state: Any) -> tuple[str, str, str, str]:
        return (
            label(ORG_KIND_LABELS, kind),
            country_name(country, lang) if country else "",
            label(SIZE_BAND_LABELS, size),
            label(RESPONSE_STATE_LABELS, state),
        )

    return labels
