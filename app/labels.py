"""Translated labels of the app's codes (roles, states, kinds, size bands), for templates:
``{{ user.role|label }}``. The codes stay English in the database and in exports."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from .countries import country_name
from .definitions import answers as answer_codec
from .i18n import N_, format_day
from .models import (
    ORG_KIND_LABELS,
    RESPONSE_STATE_LABELS,
    SIZE_BAND_LABELS,
    OrgKind,
    ResponseState,
    Role,
    SizeBand,
    VersionStatus,
)

ROLE_LABELS = {
    "admin": _l("administrator"),
    "coordinator": _l("coordinator"),
    "leader": _l("action leader"),
    "respondent": _l("respondent"),
}
STATE_LABELS = RESPONSE_STATE_LABELS
VERSION_LABELS = {
    VersionStatus.DRAFT: N_("draft"),
    VersionStatus.PUBLISHED: N_("published"),
    VersionStatus.ARCHIVED: N_("archived"),
}


def label(value: StrEnum | str | None) -> str:
    """The label of a code in the page's language; unknown codes come back as they are."""
    if value is None or value == "":
        return "–"
    if isinstance(value, Role):
        return str(ROLE_LABELS[value.value])
    tables: tuple[tuple[type[StrEnum], Mapping[Any, str]], ...] = (
        (ResponseState, STATE_LABELS),
        (VersionStatus, VERSION_LABELS),
        (OrgKind, ORG_KIND_LABELS),
        (SizeBand, SIZE_BAND_LABELS),
    )
    for enum_type, labels in tables:
        if isinstance(value, enum_type):
            return gettext(labels[value])
    return str(value)


def country(code: str | None) -> str:
    """A country's name in the page's language (``{{ org.country|country }}``)."""
    from flask_babel import get_locale

    if not code:
        return "–"
    return country_name(code, str(get_locale() or "en"))


def numbered_title(number: int, title: str) -> str:
    """A questionnaire's title led by its action number: "Action 1: <title>", unless the
    title already starts with its number ("Action 1: ...", "Maßnahme 1: ...")."""
    if re.match(rf"^\S+\s+{number}\s*:", title):
        return title
    return f"{gettext('Action %(n)s', n=number)}: {title}"


def answer_text(q: Mapping[str, Any], value: Any, other_text: str | None, lang: str) -> str:
    """An answer as the page shows it: the codec's words, a date as the page's language
    writes it (the stored ISO day stays in exports)."""
    if q.get("type") == "date" and isinstance(value, str) and value:
        try:
            return format_day(date.fromisoformat(value))
        except ValueError:
            return value
    return answer_codec.display(dict(q), value, other_text, lang)
