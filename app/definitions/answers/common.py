"""What every part of the answer codec shares: the parsed form, a stored row, messages
that keep their msgid, text cleaning and the country list."""

from __future__ import annotations

import gettext
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

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
