"""What every part of the answer codec shares: the parsed form, a stored row, messages
that keep their msgid, text cleaning and the country list."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from ... import countries

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FormLike(Protocol):
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


def country_name(code: str, lang: str = "en") -> str:
    """A country's name in ``lang`` (pycountry's catalogues), the code when unknown."""
    return countries.country_name(code, lang)


def clean_text(value: str) -> str:
    """Normalise newlines, drop control characters (NUL included), trim the ends."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()
