"""Texts that may be a plain English string or a mapping of language to text."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "de", "fr", "it")


def as_translations(value: Any) -> dict[str, str]:
    """Normalise a text to ``{lang: text}``; a plain string is English."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {"en": value}
    return {lang: str(text) for lang, text in dict(value).items() if text is not None}


def pick(value: Any, lang: str = "en") -> str:
    """The text in ``lang``, falling back to English (then to any language)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(lang) or value.get("en") or next(iter(value.values()), "")
