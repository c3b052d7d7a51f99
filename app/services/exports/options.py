"""What an export is asked for: layout, answer form, language, CSV dialect and filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func

from ...days import within_days
from ...models import Organisation, Response, ResponseState


class Layout(StrEnum):
    WIDE = "wide"
    LONG = "long"
    CODEBOOK = "codebook"


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class StateFilter(StrEnum):
    ACCEPTED = "accepted"  # accepted by a reviewer (the default)
    SUBMITTED = "submitted"  # submitted: awaiting review or accepted
    ALL = "all"  # every response but drafts (returned and rejected included)


STATES = {
    StateFilter.ACCEPTED: (ResponseState.ACCEPTED,),
    StateFilter.SUBMITTED: (ResponseState.SUBMITTED, ResponseState.ACCEPTED),
    StateFilter.ALL: (
        ResponseState.SUBMITTED,
        ResponseState.RETURNED,
        ResponseState.ACCEPTED,
        ResponseState.REJECTED,
    ),
}
DELIMITERS = (",", ";")
LANGUAGES = ("en", "de", "fr", "it")


class ExportOptionError(ValueError):
    """An option that cannot be used; the message says which and what to give instead."""


@dataclass(frozen=True)
class Filters:
    """Which responses an export (or an API listing) includes."""

    state: StateFilter = StateFilter.ACCEPTED
    submitted_from: date | None = None
    submitted_to: date | None = None  # inclusive
    org_kind: str | None = None
    country: str | None = None
    organisation_id: int | None = None  # set for respondents: their organisation only

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "state", StateFilter(self.state))
        except ValueError:
            raise ExportOptionError(
                f"unknown state {self.state!r}: use accepted, submitted or all"
            ) from None
        if self.submitted_from and self.submitted_to and self.submitted_from > self.submitted_to:
            raise ExportOptionError("the 'submitted from' date is after the 'submitted to' date")
        if self.country is not None:
            object.__setattr__(self, "country", self.country.strip().upper() or None)

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL conditions on ``Response`` (joined to ``Organisation``)."""
        result: list[ColumnElement[bool]] = [Response.state.in_(list(STATES[self.state]))]
        result += within_days(Response.submitted_at, self.submitted_from, self.submitted_to)
        # The organisation as recorded at submission, like the results.
        if self.org_kind:
            result.append(func.coalesce(Response.org_kind, Organisation.kind) == self.org_kind)
        if self.country:
            result.append(func.coalesce(Response.org_country, Organisation.country) == self.country)
        if self.organisation_id is not None:
            result.append(Response.organisation_id == self.organisation_id)
        return result

    def describe(self) -> dict[str, Any]:
        """The filters as plain values, for the audit log and the "about" sheet."""
        return {
            "state": self.state.value,
            "submitted_from": self.submitted_from.isoformat() if self.submitted_from else None,
            "submitted_to": self.submitted_to.isoformat() if self.submitted_to else None,
            "org_kind": self.org_kind,
            "country": self.country,
            **({"organisation_id": self.organisation_id} if self.organisation_id else {}),
        }


@dataclass(frozen=True)
class ExportOptions:
    """An export request. XLSX is always the whole workbook (wide table, codebook, about),
    whatever ``layout`` says; ``delimiter`` and ``bom`` apply to CSV only."""

    layout: Layout = Layout.WIDE
    format: Format = Format.CSV
    labels: bool = False  # answers and coded columns as labels (in ``lang``), not codes
    label_headers: bool = False  # wide headers as "label [code]" (in ``lang``), not codes
    lang: str = "en"
    delimiter: str = ","
    bom: bool = True  # UTF-8 with a byte order mark, so Excel detects the encoding
    indicators: bool = False  # one 0/1 column per multiple-choice option
    filters: Filters = field(default_factory=Filters)

    def __post_init__(self) -> None:
        for name, enum in (("layout", Layout), ("format", Format)):
            try:
                object.__setattr__(self, name, enum(getattr(self, name)))
            except ValueError:
                allowed = ", ".join(e.value for e in enum)
                raise ExportOptionError(
                    f"unknown {name} {getattr(self, name)!r}: use {allowed}"
                ) from None
        if self.lang not in LANGUAGES:
            raise ExportOptionError(f"unknown language {self.lang!r}: use {', '.join(LANGUAGES)}")
        if self.delimiter not in DELIMITERS:
            raise ExportOptionError("the delimiter must be a comma (,) or a semicolon (;)")

    def describe(self) -> dict[str, Any]:
        return {
            "layout": self.layout.value,
            "format": self.format.value,
            "answers": "labels" if self.labels else "codes",
            "headers": "labels" if self.label_headers else "codes",
            "lang": self.lang,
            "delimiter": self.delimiter,
            "bom": self.bom,
            "indicators": self.indicators,
            "filters": self.filters.describe(),
        }
