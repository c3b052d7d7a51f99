"""ISO 3166-1 countries (from pycountry): names per language, the EU Member States first,
and reading a country typed by a person ("Germany", "deu", "Deutschland", "EL")."""

from __future__ import annotations

import gettext
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache

import pycountry

from .collation import sort_key

# The 27 EU Member States (ISO alpha-2), the group the Partnership mostly draws from.
EU_MEMBER_STATES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
# Codes used by EU institutions that differ from ISO 3166 (Eurostat style).
EU_CODE_ALIASES = {"EL": "GR", "UK": "GB"}
# Everyday English names that pycountry does not list.
NAME_ALIASES = {
    "Turkey": "TR",
    "Russia": "RU",
    "Moldova": "MD",
    "Holland": "NL",
    "Great Britain": "GB",
    "Vatican": "VA",
    "Macedonia": "MK",
}
_LANGUAGES = ("en", "de", "fr", "it")


@cache
def _translation(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def _english_name(country: object) -> str:
    return getattr(country, "common_name", None) or country.name  # type: ignore[attr-defined]


def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=(code or "").upper()) is not None


def country_name(code: str, lang: str = "en") -> str:
    """The country's short name in ``lang`` (the code itself if unknown)."""
    return _country_name(code or "", lang)


@lru_cache(maxsize=4096)  # 249 countries x 4 languages, and room for odd codes
def _country_name(code: str, lang: str) -> str:
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return code or ""
    return _translation(lang).gettext(_english_name(country))


def country_groups(
    lang: str = "en", only: Iterable[str] | None = None
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(code, name) pairs sorted by name in ``lang``: the EU Member States, then the other
    countries; ``only``: just these codes (the countries in use), unknown ones kept."""
    if only is None:  # every country: sorted once per language (a country question's list)
        eu, rest = _every_country(lang)
        return list(eu), list(rest)
    return _groups(sorted({code.upper() for code in only if code}), lang)


@cache
def _every_country(lang: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    eu, rest = _groups([country.alpha_2 for country in pycountry.countries], lang)
    return tuple(eu), tuple(rest)


def _groups(codes: list[str], lang: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    eu: list[tuple[str, str]] = []
    rest: list[tuple[str, str]] = []
    for code in codes:
        entry = (code, country_name(code, lang))
        (eu if code in EU_MEMBER_STATES else rest).append(entry)
    eu.sort(key=lambda item: sort_key(item[1]))
    rest.sort(key=lambda item: sort_key(item[1]))
    return eu, rest


def _fold(text: str) -> str:
    """Lower case without accents, for comparing and sorting names."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def _names() -> dict[str, str]:
    """Every spelling we accept (folded) -> alpha-2: codes, English and translated names."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        spellings = {code, country.alpha_3, country.name, _english_name(country)}
        if official := getattr(country, "official_name", None):
            spellings.add(official)
        for lang in _LANGUAGES:
            spellings.add(_translation(lang).gettext(country.name))
            spellings.add(_translation(lang).gettext(_english_name(country)))
        for spelling in spellings:
            names.setdefault(_fold(spelling), code)
    for alias, code in (EU_CODE_ALIASES | NAME_ALIASES).items():
        names[_fold(alias)] = code
    return names


def parse_country(text: str) -> str | None:
    """The alpha-2 code for a code or name in English, German, French or Italian."""
    folded = _fold(text or "")
    return _names().get(folded) or _names().get(folded.removeprefix("the "))
