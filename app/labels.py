"""Translated labels of the app's codes (roles, states, kinds, size bands), for templates:
``{{ user.role|label }}``. The codes stay English in the database and in exports."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from .i18n import N_
from .models import (
    ORG_KIND_LABELS,
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
STATE_LABELS = {
    ResponseState.DRAFT: N_("draft"),
    ResponseState.SUBMITTED: N_("submitted"),
    ResponseState.RETURNED: N_("returned for revision"),
    ResponseState.ACCEPTED: N_("accepted"),
    ResponseState.REJECTED: N_("rejected"),
}
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
